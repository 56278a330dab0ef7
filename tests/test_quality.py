"""Netiquette, channel and security rules: true and false positives, French and English."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gazette.netiquette import Moderator, load_config
from gazette.textcount import count

CASES = json.loads((Path(__file__).parent / "moderation_cases.json").read_text())


@pytest.fixture(scope="module")
def moderator():
    return Moderator(load_config(None)[0])


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:40] for c in CASES])
def test_netiquette_defaults(moderator, case):
    assert sorted({f.code for f in moderator.scan(case["text"])}) == sorted(case["expect"])


def test_spans_point_into_the_original_text(moderator):
    text = "Franchement, t'es qu'un C0NNARD."
    [finding] = moderator.scan(text)
    assert (finding.code, text[finding.start:finding.end]) == ("netiquette/insult", "C0NNARD")


def test_iban_needs_a_valid_checksum(moderator):
    assert [f.code for f in moderator.scan("IBAN FR76 3000 6000 0112 3456 7890 189")] == ["netiquette/personal-data"]
    assert moderator.scan("Référence FR76 3000 6000 0112 3456 7890 188") == []


def front(extra: str = "", status: str = "approved", date: str = "2026-12-01T12:30:00+01:00") -> str:
    # A Tuesday 12:30 after the tests' clock: on mastodon's slot, not yet due.
    return f"title: Bonjour\ndate: {date}\nstatus: {status}\n{extra}"


def codes(repo, path=None):
    report = json.loads(repo.gazette("check", "--format", "json").output)
    return [(p["line"], p["code"]) for p in report["problems"] if path is None or p["path"] == path]


def test_netiquette_in_body_and_channel_text_with_lines(repo):
    path = repo.post("insulte", front=front("channels:\n  mastodon: {text: \"Quelle bande de connards\"}\n"),
                     body="Premier paragraphe.\n\nÉcrivez-moi : camille@example.org\n")
    assert codes(repo, path) == [(6, "netiquette/insult"), (11, "netiquette/personal-data")]


def test_community_lists_add_words_allow_words_and_rerate_rules(repo):
    repo.write("calendar/moderation.yml", "rules:\n  insult:\n    severity: warning\n    words:\n"
               "      fr: [patate]\nallow: [connard]\nexclamation: {severity: 'off'}\n")
    path = repo.post("local", body="Espèce de patate ! Quel connard !!!\n")
    report = json.loads(repo.gazette("check", "--format", "json").output)
    assert [(p["code"], p["severity"], p["message"]) for p in report["problems"] if p["path"] == path] == [
        ("netiquette/insult", "warning", "insult in body: 'patate' (word-list: insult list (fr): 'patate')")]


def test_code_blocks_are_not_moderated_or_executed(repo):
    body = "Exemple :\n\n```html\n<script>alert('connard')</script>\n```\n\nEt `<b onclick=x>` en ligne.\n"
    assert codes(repo, repo.post("code", body=body)) == []


def test_a_waiver_needs_a_reason_and_the_review_shows_it(git_repo):
    waived = git_repo.post("citation", front=front(
        "allow:\n  - {rule: netiquette/insult, reason: \"citation d'un message modéré\"}\n"),
        body="Extrait du message masqué : quel connard, ce voisin.\n")  # not quoted: flagged
    silent = git_repo.post("sans-raison", front=front("allow:\n  - {rule: netiquette/insult}\n"),
                           body="Quel connard.\n")
    assert codes(git_repo, waived) == []
    assert codes(git_repo, silent) == [(6, "schema/required"), (9, "netiquette/insult")]
    review = json.loads(git_repo.gazette("review", "--base", "HEAD", "--format", "json").output)
    assert [(w["path"], w["code"], w["reason"]) for w in review["waivers"]] == [
        (waived, "netiquette/insult", "citation d'un message modéré")]


@pytest.mark.parametrize("network, text, expected", [
    ("x", "Été à vélo", 10),                                  # accents count 1
    ("x", "Vélo 🚲", 7),                                       # an emoji weighs 2
    ("x", "Lire https://fabrique.example.org/un/tres/long/chemin", 5 + 23),
    ("mastodon", "Lire https://fabrique.example.org/un/tres/long/chemin", 5 + 23),
    ("mastodon", "Merci @camille@mastodon.example.org !", len("Merci @camille !")),
    ("mastodon", "Vélo 🚲", 6),                                # code points
    ("bluesky", "Bravo 👍🏽 🇫🇷", 9),                            # graphemes: skin tone and flag are one each
    ("bluesky", "e\u0301te\u0301", 3),                          # combining accents
    ("threads", "Vélo", 4), ("linkedin", "Vélo", 4), ("instagram", "Vélo", 4),
])
def test_counts_the_way_each_network_counts(network, text, expected):
    assert count(text, network) == expected


def test_channel_text_over_the_limit(repo):
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n"
               "  x: {network: x}\n  bsky: {network: bluesky}\n  insta: {network: instagram}\n")
    long_x = "🚲" * 141  # 282 weighted
    repo.write("content/posts/2026/a.png", b"\x89PNG\r\n\x1a\n")
    path = repo.post("trop-long", front=front(
        f"channels:\n  x: {{text: \"{long_x}\"}}\n  bsky: {{text: \"{'é' * 300}\"}}\n"
        f"  insta: {{text: \"{' '.join('#t' + str(i) for i in range(31))}\", image: {{src: a.png, alt: A}}}}\n"))
    report = json.loads(repo.gazette("check", "--format", "json").output)
    assert [(p["line"], p["code"], p["message"]) for p in report["problems"] if p["path"] == path] == [
        (6, "channel/too-long", "x text is 282 characters as x counts them, over 280"),
        (8, "channel/hashtags", "insta text has 31 hashtags, more than 30 for instagram"),
    ]


def test_missing_text_matters_once_in_review(repo):
    draft = repo.post("brouillon", front=front("channels:\n  mastodon: {}\n", status="draft"))
    ready = repo.post("pret", front=front("channels:\n  mastodon: {}\n", status="review",
                                          date="2026-12-08T12:30:00+01:00"))
    assert codes(repo, draft) == []
    assert codes(repo, ready) == [(6, "channel/missing-text")]


def test_link_hygiene(repo):
    path = repo.post("liens", body="[site](http://example.org) et [suivi](https://example.org/?utm_source=x)\n"
                                   "et [propre](https://example.org/page?id=3)\n")
    assert codes(repo, path) == [(7, "channel/http"), (7, "channel/tracking")]


@pytest.mark.parametrize("body, code", [
    ("<script>alert(1)</script>", "security/script"),
    ("<SCRIPT src=//evil.example></SCRIPT>", "security/script"),
    ('<img src="x.png" onerror="alert(1)">', "security/event-handler"),
    ("[clic](javascript:alert(1))", "security/javascript-url"),
    ('<a href="javascript:void(0)">x</a>', "security/javascript-url"),
    ('<iframe src="https://evil.example/x"></iframe>', "security/iframe"),
    ("<iframe srcdoc='<p>'></iframe>", "security/iframe"),
])
def test_active_content_is_refused(repo, body, code):
    path = repo.post("actif", body=body + "\n")
    assert (7, code) in codes(repo, path)


@pytest.mark.parametrize("body", [
    '<iframe src="https://www.youtube-nocookie.com/embed/x" title="Vidéo"></iframe>',
    "Le mot javascript: est un protocole, pas un lien ici.",
    "La réunion online= mardi, on= y sera.",
    "<button>Envoyer</button>",
])
def test_harmless_html_and_words_pass(repo, body):
    assert codes(repo, repo.post("inoffensif", body=body + "\n")) == []


def test_channel_images_need_alt_text_too(repo):
    repo.write("content/posts/2026/photo.jpg", b"\xff\xd8")
    path = repo.post("image", front=front("channels:\n  mastodon:\n    text: Regardez\n    image: {src: photo.jpg}\n"))
    assert codes(repo, path) == [(8, "a11y/image-alt")]
    (repo.root / "content/posts/2026/photo.jpg").unlink()
    assert codes(repo, path) == [(8, "a11y/image-alt"), (8, "ref/image")]


def test_image_first_networks_need_an_image_on_the_item_or_the_channel(repo):
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n  insta: {network: instagram}\n"
               "  tiktok: {network: tiktok}\n  pins: {network: pinterest}\n  masto: {network: mastodon}\n")
    bare = repo.post("sans-image", front=front(
        "channels:\n  insta: {text: Vélo}\n  tiktok: {text: Vélo}\n  masto: {text: Vélo}\n"))
    on_channel = repo.post("image-du-canal", front=front(
        "channels:\n  insta: {text: Vélo, image: {src: a.jpg, alt: Un vélo}}\n  pins: {text: Vélo}\n"))
    cover = repo.post("couverture", front=front(
        "image: {src: a.jpg, alt: Un vélo}\nchannels:\n  insta: {text: Vélo}\n"))
    draft = repo.post("brouillon-insta", front=front("channels:\n  insta: {text: Vélo}\n", status="draft"))
    report = json.loads(repo.gazette("check", "--format", "json").output)
    found = [(p["path"], p["line"], p["severity"]) for p in report["problems"]
             if p["code"] == "channel/image-required"]
    assert found == [(draft, 6, "warning"), (on_channel, 7, "error"), (bare, 6, "error"), (bare, 7, "error")]
    assert not any(p["path"] == cover for p in report["problems"] if p["code"].startswith("channel/"))


def test_an_unknown_placeholder_in_a_channel_text_is_an_error_naming_the_known_ones(repo):
    repo.write("mkdocs.yml", "site_name: F\nsite_url: https://fabrique.example.org/\n")
    path = repo.post("annonce", front=(
        "title: Annonce\ndate: 2026-12-01T12:30:00+01:00\nstatus: approved\nchannels:\n"
        "  mastodon: {text: \"Lisez {url} et {site} : {URL} {foo} {url.upper}\"}\n"))
    result = repo.gazette("check", "--format", "json")
    found = [(p["line"], p["code"], p["message"].split(" in ")[0], p["hint"].split("?")[0])
             for p in json.loads(result.output)["problems"] if p["path"] == path]
    assert [f[:3] for f in found] == [(6, "channel/placeholder", f"unknown placeholder {name}")
                                      for name in ("{URL}", "{foo}", "{url.upper}")]
    assert found[0][3] == "did you mean {url}" and "{url} (this item's page) and {site}" in found[1][3]
    assert result.exit_code == 1


def test_admonition_markers_are_syntax_not_shouting_when_the_site_has_admonitions(repo):
    body = "!!! note \"À noter\"\n    L'atelier ferme tôt.\n\n    !!! warning\n        Vraiment !!!\n"
    path = repo.post("note", body=body)

    def bangs():
        report = json.loads(repo.gazette("check", "--format", "json").output)
        return [p["line"] for p in report["problems"] if p["path"] == path and p["code"] == "netiquette/exclamation"]

    assert bangs() == [7, 10, 11]  # without the extension, !!! is what it is
    repo.write("mkdocs.yml", "site_name: F\nmarkdown_extensions:\n  - admonition\n")
    assert bangs() == [11]  # the markers are syntax; three ! in the text are still three


def test_remote_images_are_reported_however_written(repo):
    repo.post("pixel", body="Texte.\n\n![](https://tracker.example/x.gif)\n\n<img alt=\"\" src=\"//cdn.example/p.png\">\n\n"
              "![logo][l]\n\n[l]: https://ads.example/l.png\n\n![local](../../assets/logo.svg)\n\n"
              "[un lien](https://example.org/)\n\n```\n![](https://in.code.example/x.png)\n```\n")
    result = repo.gazette("check", "--format", "json")
    import json

    found = [(p["line"], p["message"]) for p in json.loads(result.output)["problems"]
             if p["code"] == "security/remote-image" and p["severity"] == "warning"]
    assert found == [(9, "an image from another site: https://tracker.example/x.gif"),
                     (11, "an image from another site: //cdn.example/p.png"),
                     (13, "an image from another site: https://ads.example/l.png")]


def test_remote_images_are_judged_on_the_page_the_site_renders(repo):
    """Forms a pattern on the Markdown misses, but the page shows as <img src="https://…">."""
    import json

    repo.write("mkdocs.yml", "site_name: F\nsite_url: https://fabrique.example.org/\nmarkdown_extensions:\n"
               "  - attr_list\n")  # what makes {: src=… } an attribute of the image
    repo.post("pixel2", body="Texte.\n\n<img alt=\"a>b\" src=\"https://evil.example/a.png\">\n\n"
              "![r]\n\n<img src=\"&#104;ttps://evil.example/d.png\">\n\n"
              "![x](../../assets/logo.svg){: src=\"https://evil.example/e.png\" }\n\n"
              "[r]: https://evil.example/b.png\n\n"
              "![chez nous](https://fabrique.example.org/assets/logo.svg)\n\n"  # the site's own host
              "`<img src=\"https://in.code.example/x.png\">` ![local](../../assets/logo.svg)\n")
    result = repo.gazette("check", "--format", "json")
    found = [(p["line"], p["message"]) for p in json.loads(result.output)["problems"]
             if p["code"] == "security/remote-image"]
    assert found == [(9, "an image from another site: https://evil.example/a.png"),
                     (11, "an image from another site: https://evil.example/b.png"),
                     (13, "an image from another site: https://evil.example/d.png"),
                     (15, "an image from another site: https://evil.example/e.png")]


def test_remote_image_sources_as_browsers_read_them(repo):
    """Browsers read "\\" as "/" and drop line breaks and tabs in a URL: each is another host."""
    import json

    from gazette.page_images import is_remote, may_show_remote_image

    for src in ("/\\evil.example/a.png", "\\\\evil.example/a.png", "/\n/evil.example/a.png", "/\t/evil.example/a.png",
                "https:/evil.example/a.png", "HTTPS://evil.example/a.png", " //evil.example/a.png"):
        assert is_remote(src, "fabrique.example.org"), src
        assert may_show_remote_image(f'<img src="{src}">'), src
    for src in ("../../assets/a.png", "/assets/a.png", "https://FABRIQUE.example.org/a.png"):
        assert not is_remote(src, "fabrique.example.org"), src
    assert not may_show_remote_image("![Un vélo](../../assets/velo.png) Voir [ce billet](autre.md).")
    assert may_show_remote_image("![Un vélo](../../assets/velo.png) Voir [ce site](https://example.org).")

    repo.post("pixel3", body="Texte.\n\n<img alt=\"\" src=\"/\n/evil.example/n.png\">\n")
    result = repo.gazette("check", "--format", "json")
    found = [(p["line"], p["message"]) for p in json.loads(result.output)["problems"]
             if p["code"] == "security/remote-image"]
    assert found == [(9, "an image from another site: //evil.example/n.png")]  # what the browser asks for


def test_a_plain_remote_image_is_read_where_written_and_the_sites_own_host_is_not_remote(repo):
    """Most illustrated posts are plain Markdown: judged without rendering, the site's own images
    included (rendering every body with an image and a link tripled the cold check)."""
    from gazette.page_images import needs_rendering

    body = ("![Vélo](https://fabrique.example.org/assets/velo.jpg)\n\n"
            "![Pixel](https://tracker.example/p.gif)\n\nVoir https://example.org/?a=1&b=2\n")
    assert not needs_rendering(body)
    repo.write("mkdocs.yml", "site_name: F\nsite_url: https://fabrique.example.org/\n")
    path = repo.post("illustre", body=body)
    assert [c for c in codes(repo, path) if c[1] == "security/remote-image"] == [(9, "security/remote-image")]


def test_missing_alt_text_names_which_image(repo):
    repo.write("content/posts/2026/photo.jpg", b"\xff\xd8")
    path = repo.post("images", front=front("image: {src: photo.jpg}\nchannels:\n  mastodon:\n    text: Regardez\n"
                                           "    image: {src: photo.jpg}\n"))
    report = json.loads(repo.gazette("check", "--format", "json").output)
    assert [p["message"] for p in report["problems"] if p["path"] == path and p["code"] == "a11y/image-alt"] == [
        "the cover image has no alt text", "the mastodon image has no alt text"]
