"""ref/site-url: a link to the community's own site names a page built by the time the text goes out."""

from __future__ import annotations

import json

import pytest

SITE = "https://fabrique.example.org/"
CHANNELS = """\
timezone: Europe/Paris
channels:
  site: {network: site}
  mastodon: {network: mastodon, limit: 500}
  linkedin: {network: linkedin, limit: 100}
  newsletter: {network: newsletter}
"""


def problems(repo, *args, now="2026-11-23T12:00:00+01:00"):
    result = repo.gazette("check", "--format", "json", *args, now=now)
    return [(p["path"], p["line"], p["code"], p["message"], p["hint"]) for p in json.loads(result.output)["problems"]]


def site_problems(repo, *args, **kwargs):
    return [p for p in problems(repo, *args, **kwargs) if p[2] == "ref/site-url"]


@pytest.fixture
def site_repo(repo):
    repo.write("mkdocs.yml", f"site_name: La Fabrique\nsite_url: {SITE}\n")
    repo.write("calendar/channels.yml", CHANNELS)
    repo.write("content/charte.md", "# Charte\n")
    repo.write("content/posts/2026/velo.svg", "<svg/>")
    return repo


def post(repo, slug, date="2026-10-06T12:30:00+02:00", status="approved", channels="", body="Texte.\n", year=2026,
         kind="posts"):
    return repo.post(slug, kind=kind, year=year, body=body, front=(
        f"title: {slug}\ndate: {date}\nstatus: {status}\n" + ("subject: S\n" if kind == "newsletters" else "")
        + (f"channels:\n{channels}" if channels else "")))


def test_a_link_to_a_path_the_site_never_builds_gives_the_right_url(site_repo):
    path = post(site_repo, "atelier", channels=f'  mastodon: {{text: "Lisez {SITE}posts/atelier/ !"}}\n')
    assert site_problems(site_repo) == [(
        path, 6, "ref/site-url", f"{SITE}posts/atelier/ is no page or file of the site",
        f"the site builds {SITE}posts/2026/atelier/: write {{url}} for this item's own page")]


def test_another_items_page_is_fine_when_it_is_out_first_and_reported_when_it_comes_later(site_repo):
    post(site_repo, "avant", date="2026-10-01T09:00:00+02:00")
    post(site_repo, "apres", date="2026-10-20T09:00:00+02:00")
    post(site_repo, "brouillon", status="draft")
    path = post(site_repo, "lien", date="2026-10-06T12:30:00+02:00", channels=(
        f'  mastodon: {{text: "{SITE}posts/2026/avant/", at: 2026-10-06T12:30:00+02:00}}\n'
        f'  linkedin: {{text: "{SITE}posts/2026/apres/", at: 2026-10-21T08:30:00+02:00}}\n'),
        body=f"Voir [après]({SITE}posts/2026/apres/#detail) et {SITE}posts/2026/brouillon/.\n")
    found = site_problems(site_repo)
    assert [(p[1], p[3].split(" links ")[0]) for p in found] == [
        (10, f"{SITE}posts/2026/apres/#detail"), (10, f"{SITE}posts/2026/brouillon/")]
    assert "on the site only from 2026-10-20 09:00, after this goes out (2026-10-06 12:30)" in found[0][3]
    assert "which is draft: the site will not have it" in found[1][3]
    assert all(p[0] == path for p in found)  # the LinkedIn text goes out after "apres": fine


def test_own_page_placeholder_is_judged_at_the_channels_time(site_repo):
    post(site_repo, "tot", date="2026-10-06T12:30:00+02:00",
         channels='  mastodon: {text: "Bientôt : {url}", at: 2026-10-05T12:30:00+02:00}\n')
    post(site_repo, "pile", date="2026-10-06T12:30:00+02:00",
         channels='  mastodon: {text: "Voici {url} et {site}charte/", at: 2026-10-06T12:30:00+02:00}\n')
    found = site_problems(site_repo)
    assert [(p[0], p[3]) for p in found] == [(
        "content/posts/2026/tot.md", "{url} links content/posts/2026/tot.md, which is on the site only from "
        "2026-10-06 12:30, after this goes out (2026-10-05 12:30)")]


def test_pages_copied_files_feeds_and_archives_answer_other_sites_are_not_ours(site_repo):
    body = " ".join(f"{SITE}{p}" for p in ("", "charte/", "posts/2026/velo.svg", "feed.xml", "posts/atom.xml",
                                           "archives/posts-2026/", "sitemap.xml"))
    post(site_repo, "liens", body=body + " https://ailleurs.example.net/posts/x/\n")
    assert site_problems(site_repo) == []


def test_a_text_already_delivered_is_not_judged_again(site_repo):
    site_repo.post("parti", front=(
        "title: parti\ndate: 2026-10-06T12:30:00+02:00\nstatus: published\n"
        f'channels:\n  mastodon: {{text: "{SITE}posts/parti/"}}\n'
        "published:\n  mastodon: {at: 2026-10-06 12:30:04+02:00, id: abc}\n"))
    assert site_problems(site_repo) == []


def test_a_newsletter_link_to_a_later_post_is_a_dead_link_in_the_email(site_repo):
    post(site_repo, "plus-tard", date="2026-12-01T09:00:00+01:00")
    path = post(site_repo, "lettre", kind="newsletters", date="2026-11-27T09:00:00+01:00",
                channels="  newsletter: {at: 2026-11-26T09:00:00+01:00}\n",
                body="[à lire](../../posts/2026/plus-tard.md)\n")
    (found,) = site_problems(site_repo)
    assert found[0] == path and "(2026-11-26 09:00)" in found[3]


def test_placeholders_need_a_site_url(repo):
    post(repo, "sans", channels='  mastodon: {text: "Lire {url}"}\n')
    (found,) = site_problems(repo)
    assert found[3] == "{url} needs site_url, and mkdocs.yml has none" and "site_url" in found[4]


def test_the_verdict_follows_the_linked_item_on_a_warm_run(site_repo):
    """The link is cached with the linking file; whether it answers is judged on every run."""
    post(site_repo, "cible", date="2026-10-01T09:00:00+02:00")
    post(site_repo, "lien", channels=f'  mastodon: {{text: "{SITE}posts/2026/cible/"}}\n')
    assert site_problems(site_repo) == []
    post(site_repo, "cible", date="2026-10-30T09:00:00+02:00")
    assert len(site_problems(site_repo)) == 1
    assert site_problems(site_repo) == site_problems(site_repo, "--no-cache")


def test_publish_and_counts_use_the_expanded_text(site_repo):
    text = "Lisez ça : {url}"
    post(site_repo, "un-titre-assez-long-pour-depasser-la-limite-de-linkedin-une-fois-developpe",
         channels=f'  mastodon: {{text: "{text}"}}\n  linkedin: {{text: "{text}"}}\n')
    too_long = [p for p in problems(site_repo) if p[2] == "channel/too-long"]
    assert [p[3].split(" text")[0] for p in too_long] == ["linkedin"]  # Mastodon counts a URL as 23
    # An item with a check error is held by publish: send the Mastodon text alone.
    post(site_repo, "un-titre-assez-long-pour-depasser-la-limite-de-linkedin-une-fois-developpe",
         channels=f'  mastodon: {{text: "{text}"}}\n')
    site_repo.git("init", "-q", "-b", "main")
    site_repo.commit_all()
    result = site_repo.gazette("publish", "--channel", "mastodon", now="2026-10-07T09:00:00+02:00")
    assert result.exit_code == 0, result.output
    (payload,) = (site_repo.root / "outbox/mastodon").glob("*.json")
    slug = "un-titre-assez-long-pour-depasser-la-limite-de-linkedin-une-fois-developpe"
    assert json.loads(payload.read_text())["text"] == (  # tracked at delivery (gazette.tracking)
        f"Lisez ça : {SITE}posts/2026/{slug}/?utm_source=mastodon&utm_medium=social&utm_campaign={slug}"
        f"&utm_content={slug}")


def test_the_reviews_social_preview_shows_the_expanded_text(site_repo):
    site_repo.git("init", "-q", "-b", "main")
    site_repo.commit_all("base")
    base = site_repo.git("rev-parse", "HEAD").strip()
    post(site_repo, "atelier", channels='  mastodon: {text: "Lisez {url}"}\n')
    site_repo.commit_all("change")
    report = json.loads(site_repo.gazette("review", "--base", base, "--format", "json").output)
    (preview,) = report["previews"]
    assert preview["text"] == (f"Lisez {SITE}posts/2026/atelier/"
                               "?utm_source=mastodon&utm_medium=social&utm_campaign=atelier&utm_content=atelier")
    assert preview["length"] == len("Lisez ") + 23


@pytest.mark.parametrize("front", [
    "channels: [mastodon]\npublished: 5\n",
    "channels:\n  mastodon: {text: 12, at: pas une date}\n",
    "channels:\n  mastodon: \"{url}\"\n",
    "channels:\n  mastodon: {text: \"{url}\", at: 2026-10-06}\n",
])
def test_odd_front_matter_never_crashes_the_link_check(site_repo, front):
    site_repo.post("bizarre", front=f"title: B\ndate: 2026-10-06T12:30:00+02:00\nstatus: approved\n{front}")
    result = site_repo.gazette("check")
    assert result.exit_code in (0, 1) and "Traceback" not in result.output


def test_without_directory_urls_pages_are_html_files(repo):
    repo.write("mkdocs.yml", f"site_url: {SITE}\nuse_directory_urls: false\n")
    post(repo, "cible", date="2026-10-01T09:00:00+02:00")
    path = post(repo, "lien", channels=(f'  mastodon: {{text: "{SITE}posts/2026/cible.html {{site}}/index.html"}}\n'
                                        f'  linkedin: {{text: "{SITE}posts/2026/cible/"}}\n'))
    assert [(p[0], p[1], p[4]) for p in site_problems(repo)] == [
        (path, 7, f"the site builds {SITE}posts/2026/cible.html (or write {{site}}posts/2026/cible.html)")]


def test_expand_replaces_both_placeholders():
    from gazette.load import Item
    from gazette.sitelinks import expand
    from gazette.siteurls import SiteConfig

    item = Item("post", "content/posts/2026/x.md", "x", {})
    assert expand("{url} · {site}/charte/ · {site}archives/", item, SiteConfig(SITE)) == (
        f"{SITE}posts/2026/x/ · {SITE}charte/ · {SITE}archives/")
    assert expand("{url}", item, SiteConfig()) == "{url}"  # no site_url: ref/site-url says so


def test_url_of_an_item_with_a_slug_is_its_slug_page(site_repo):
    """Material's slug: moves the page: {url} must follow it, or every social post links a 404."""
    path = site_repo.post("ancien-nom-de-fichier", front=(
        "title: Un billet\ndate: 2026-10-06T12:30:00+02:00\nstatus: approved\nslug: nouveau-nom\n"
        'channels:\n  mastodon: {text: "Lisez ça : {url}"}\n'))
    site_repo.git("init", "-q", "-b", "main")
    site_repo.commit_all()
    result = site_repo.gazette("publish", "--channel", "mastodon", now="2026-10-07T09:00:00+02:00")
    assert result.exit_code == 0, result.output
    (payload,) = (site_repo.root / "outbox/mastodon").glob("*.json")
    assert json.loads(payload.read_text())["text"].split("?")[0] == f"Lisez ça : {SITE}posts/2026/nouveau-nom/"
    assert path.endswith("ancien-nom-de-fichier.md")


def test_a_partial_check_still_suggests_the_right_url_for_near_misses(site_repo):
    post(site_repo, "cible")
    written = [f"{SITE}posts/cible/", f"{SITE}posts/2026/cible", f"{SITE}posts/2026/cible.md"]
    path = post(site_repo, "source", channels=f'  mastodon: {{text: "{" ".join(written)}"}}\n')
    found = site_problems(site_repo, str(site_repo.root / path))  # what a pull request's check runs
    assert sorted((p[3].split(" ")[0], p[4]) for p in found) == sorted(
        (url, f"the site builds {SITE}posts/2026/cible/ (or write {{site}}posts/2026/cible/)") for url in written)


def test_the_site_is_recognized_whatever_the_case_of_its_host_or_a_default_port(site_repo):
    written = ["https://FABRIQUE.example.org/posts/2026/absent/", "https://fabrique.example.org:443/posts/2026/absent/",
               "HTTPS://fabrique.example.org/posts/2026/absent/"]
    others = "https://fabrique.example.org:8443/absent/ https://fabrique.example.org.example.net/absent/"
    path = post(site_repo, "source", channels=f'  mastodon: {{text: "{" ".join(written)} {others}"}}\n')
    assert sorted(p[3] for p in site_problems(site_repo)) == sorted(
        f"{url} is no page or file of the site" for url in written)
    assert all(p[0] == path for p in site_problems(site_repo))


def test_a_site_url_from_the_environment_is_read_as_mkdocs_reads_it(repo, monkeypatch):
    # Material's documented `site_url: !ENV [...]` read as no site_url: the check then asked for
    # one ("mkdocs.yml has none") while mkdocs build had it.
    from gazette.siteurls import _load

    path = repo.write("mkdocs.yml", "site_name: x\nsite_url: !ENV [GZ_SITE_URL, https://defaut.example.org/]\n")
    monkeypatch.delenv("GZ_SITE_URL", raising=False)
    assert _load(((str(path), 1, 1),)).site_url == "https://defaut.example.org/"
    monkeypatch.setenv("GZ_SITE_URL", "https://communaute.example.org/")
    assert _load(((str(path), 2, 2),)).site_url == "https://communaute.example.org/"
    path.write_text("site_name: x\nsite_url: !ENV GZ_SITE_URL\n")
    assert _load(((str(path), 3, 3),)).site_url == "https://communaute.example.org/"


def test_a_site_url_in_an_inherited_parent_is_the_sites_address(site_repo):
    # MkDocs merges `INHERIT: base.yml`; the check read only mkdocs.yml, so a site_url kept in a
    # shared parent left every link to the site unchecked.
    site_repo.write("base.yml", f"site_url: {SITE}\nuse_directory_urls: true\n")
    site_repo.write("mkdocs.yml", "INHERIT: base.yml\nsite_name: La Fabrique\n")
    path = post(site_repo, "atelier", channels=f'  mastodon: {{text: "Lisez {SITE}posts/atelier/ !"}}\n')
    assert [p[:3] for p in site_problems(site_repo)] == [(path, 6, "ref/site-url")]
    site_repo.write("mkdocs.yml", f"INHERIT: base.yml\nsite_name: La Fabrique\nsite_url: {SITE}fr/\n")
    assert site_problems(site_repo) == []  # the child's own site_url wins, as in MkDocs


def test_an_inherited_parent_outside_the_repository_is_not_read(repo, tmp_path_factory):
    from gazette.siteurls import load_site_config

    outside = tmp_path_factory.mktemp("ailleurs") / "base.yml"
    outside.write_text("site_url: https://secret.example.org/\n")
    repo.write("mkdocs.yml", f"INHERIT: {outside}\nsite_name: x\n")
    assert load_site_config(repo.root).site_url == ""
    repo.write("base.yml", "site_url: https://dedans.example.org/\n")
    repo.write("mkdocs.yml", "INHERIT: ./base.yml\nsite_name: x\n")
    assert load_site_config(repo.root).site_url == "https://dedans.example.org/"
