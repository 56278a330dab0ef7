"""The newsletter as subscribers get it: an e-mail with an HTML part and a readable text part."""

from __future__ import annotations

import email
import email.policy
import os
import re

import pytest

from gazette.load import load_repo
from gazette.newsletter import NewsletterError, html_to_text, render_newsletter
from gazette.siteurls import SiteConfig

SITE = "https://fabrique.example.org/"
HREF = re.compile(r'\b(?:href|src)="([^"]*)"')


def _parts(raw: bytes):
    """What a mail client shows: the message parsed from its bytes, its two bodies."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return message, message.get_body(("html",)).get_content(), message.get_body(("plain",)).get_content()


def _assert_reads_like_mail(html: str, text: str) -> None:
    assert "##" not in text and "](" not in text and ".md" not in text  # no raw Markdown
    for target in HREF.findall(html):
        assert re.match(r"(https://|mailto:)", target), f"not absolute: {target}"
        assert not target.split("#")[0].endswith(".md"), target
    for line in text.splitlines():  # wrapped at 72, but a URL is never cut
        head, _, last = line.rpartition(" ")
        assert len(line) <= 72 or ("://" in last and len(head) < 72), line


def test_the_sample_newsletter_in_the_outbox_is_an_email_with_both_parts(sample):
    sample.git("init", "-q", "-b", "main")
    sample.commit_all("start")
    result = sample.gazette("publish", "--channel", "newsletter", now="2026-11-27T09:30:00+01:00")
    assert result.exit_code == 0, result.output
    (eml,) = (sample.root / "outbox/newsletter").glob("*lettre-novembre-2026*.eml")
    message, html, text = _parts(eml.read_bytes())
    assert message["Subject"] == "L'hiver à vélo, les portes ouvertes et un jeu de Noël"
    _assert_reads_like_mail(html, text)
    # links to the site go out tracked (gazette.tracking); the repository text stays clean
    utm = "utm_source=newsletter&utm_medium=email&utm_campaign=hiver-a-velo&utm_content=lettre-novembre-2026"
    assert f'href="https://fabrique.example.org/posts/2026/bien-eclaire-en-hiver/?{utm.replace("&", "&amp;")}"' in html
    assert f"bien éclairé pour rouler en hiver\n<https://fabrique.example.org/posts/2026/bien-eclaire-en-hiver/?{utm}>" in text
    assert "Bien éclairé cet hiver\n----------------------\n" in text
    assert "<style" not in html and 'style="' in html  # CSS inlined: mail clients drop <style>
    assert "{{UNSUBSCRIBE}}" not in html + text


def test_links_and_images_become_absolute_against_site_url(repo):
    repo.write("mkdocs.yml", f"site_url: {SITE}\nmarkdown_extensions:\n  - admonition\n  - toc:\n      permalink: true\n")
    repo.post("autre", body="Autre.\n")
    path = repo.post("lettre", kind="newsletters", front=(
        "title: Lettre\ndate: 2026-11-27T09:00:00+01:00\nstatus: approved\nsubject: Sujet\n"), body=(
        "## Titre\n\n[autre](../../posts/2026/autre.md#suite) · ![un vélo](velo.png) · [ici](#titre) · "
        "[accueil](/) · [ailleurs](https://example.net/x) · [écrire](mailto:a@example.org)\n\n"
        "<p>Du HTML : <a href=\"../../posts/2026/autre.md\">brut</a>, et ce texte href=\"x.md\" reste.</p>\n\n"
        "!!! note \"À noter\"\n    Dans une boîte.\n"))
    (item,) = [i for i in load_repo(repo.root).items if i.path == path]
    html, text = render_newsletter(item, repo.root)
    targets = HREF.findall(html)
    assert "https://fabrique.example.org/posts/2026/autre/#suite" in targets
    assert targets.count("https://fabrique.example.org/posts/2026/autre/") == 1  # raw HTML too
    assert 'texte href="x.md" reste' in html  # text is never rewritten
    assert "https://fabrique.example.org/newsletters/2026/velo.png" in targets
    assert "https://fabrique.example.org/newsletters/2026/lettre/#titre" in targets
    assert "https://fabrique.example.org/" in targets and "https://example.net/x" in targets
    assert "¶" not in html  # the site's permalinks are noise in an inbox
    assert 'class="admonition note"' in html  # the site's extensions, read from mkdocs.yml
    assert "autre <https://fabrique.example.org/posts/2026/autre/#suite>" in text
    assert "[image : un vélo]" in " ".join(text.split())


def test_without_directory_urls_pages_end_in_html(repo):
    repo.write("mkdocs.yml", f"site_url: {SITE}sous/\nuse_directory_urls: false\n")
    repo.post("autre")
    repo.post("lettre", kind="newsletters", front="title: L\ndate: 2026-11-27T09:00:00+01:00\nsubject: S\n",
              body="[autre](../../posts/2026/autre.md)\n")
    item = [i for i in load_repo(repo.root).items if i.kind == "newsletter"][0]
    html, _ = render_newsletter(item, repo.root)
    assert 'href="https://fabrique.example.org/sous/posts/2026/autre.html"' in html


def test_what_a_contributor_writes_cannot_run_or_restyle_the_email(repo):
    repo.write("mkdocs.yml", f"site_url: {SITE}\n")
    repo.post("lettre", kind="newsletters", front=(
        "title: \"<b>Lettre</b>\"\ndate: 2026-11-27T09:00:00+01:00\nsubject: S\npreheader: \"<img src=x onerror=alert(1)>\"\n"),
        body="<script>alert(1)</script>\n\n[clic](javascript:alert(1)) <img src=x onerror=alert(2)>\n"
             "<p style=\"position:fixed\">x</p>\n")
    item = load_repo(repo.root).items[0]
    html, text = render_newsletter(item, repo.root)
    assert "<script" not in html and not re.search(r"<[^>]*\son\w+=", html) and "javascript:" not in html
    assert "position:fixed" not in html
    assert "&lt;b&gt;Lettre&lt;/b&gt;" in html and "<b>Lettre" not in html
    assert "alert(1)" not in text


def test_the_text_part_is_plain_text_wrapped_at_72_columns():
    html = ("<h2>Deux</h2><h3>Trois</h3><p>" + "mot " * 40 + "</p>"
            "<ul><li>un <a href='https://x.example/a'>lien</a></li><li>deux<ol><li>sous</li></ol></li></ul>"
            "<blockquote><p>cité</p></blockquote><p><a href='https://x.example/b'>https://x.example/b</a></p>")
    text = html_to_text(html)
    assert text.startswith("Deux\n----\n\nTROIS\n\nmot mot")
    assert all(len(line) <= 72 for line in text.splitlines())
    assert "- un lien <https://x.example/a>\n- deux\n  1. sous" in text
    assert "> cité" in text
    assert "https://x.example/b <https://" not in text  # a bare URL is not repeated


def test_a_repository_template_is_sandboxed_and_escaped(repo):
    repo.write("mkdocs.yml", f"site_url: {SITE}\n")
    repo.post("lettre", kind="newsletters", front="title: \"<i>T</i>\"\ndate: 2026-11-27T09:00:00+01:00\nsubject: S\n")
    repo.write("templates/email/newsletter.html.j2",
               "<html><body><p class=mine>{{ title }}</p>{{ body_html }}"
               "<a href=\"{{ unsubscribe_url }}\">stop</a></body></html>")
    item = load_repo(repo.root).items[0]
    html, _ = render_newsletter(item, repo.root)
    assert '<p class="mine">&lt;i&gt;T&lt;/i&gt;</p>' in html and 'href="{{UNSUBSCRIBE}}"' in html
    repo.write("templates/email/newsletter.html.j2", "{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(NewsletterError, match="newsletter.html.j2"):
        render_newsletter(item, repo.root)


def test_a_symlinked_repository_template_is_not_followed(repo, tmp_path):
    repo.write("mkdocs.yml", f"site_url: {SITE}\n")
    repo.post("lettre", kind="newsletters", front="title: T\ndate: 2026-11-27T09:00:00+01:00\nsubject: S\n")
    secret = tmp_path / "secret.j2"
    secret.write_text("SECRET")
    (repo.root / "templates/email").mkdir(parents=True)
    os.symlink(secret, repo.root / "templates/email/newsletter.html.j2")
    with pytest.raises(NewsletterError, match="symbolic link") as refused:
        render_newsletter(load_repo(repo.root).items[0], repo.root)
    assert "SECRET" not in str(refused.value)


def test_a_repository_template_cannot_include_through_a_link(repo, tmp_path):
    repo.write("mkdocs.yml", f"site_url: {SITE}\n")
    repo.post("lettre", kind="newsletters", front="title: T\ndate: 2026-11-27T09:00:00+01:00\nsubject: S\n")
    secret = tmp_path / "secret"
    (secret / "inner").mkdir(parents=True)
    (secret / "inner/env.txt").write_text("SECRET")
    repo.write("templates/email/newsletter.html.j2", '<html><body>{% include "email/dossier/inner/env.txt" %}</body></html>')
    os.symlink(secret, repo.root / "templates/email/dossier")  # a linked folder, not the file
    with pytest.raises(NewsletterError, match="symbolic link") as refused:
        render_newsletter(load_repo(repo.root).items[0], repo.root)
    assert "SECRET" not in str(refused.value)


def test_preview_writes_the_html_for_a_browser(sample, tmp_path):
    out = tmp_path / "lettre.html"
    result = sample.gazette("newsletter", "preview", "lettre-novembre-2026", "-o", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "{{UNSUBSCRIBE}}" not in html
    _assert_reads_like_mail(html, "")
    missing = sample.gazette("newsletter", "preview", "lettre-de-mai")
    assert missing.exit_code == 2 and "no newsletter 'lettre-de-mai'" in missing.output


def test_unknown_site_config_leaves_links_relative_but_never_crashes():
    site = SiteConfig()
    from gazette.newsletter import absolute_url

    assert absolute_url("../a.md", "content/newsletters/2026/x.md", site) == "../a.md"


def test_a_test_copy_goes_to_the_editor_only_and_records_nothing(repo, tmp_path, monkeypatch):
    controller_module = pytest.importorskip("aiosmtpd.controller")
    from test_smtp import Collect, free_port

    handler = Collect()
    controller = controller_module.Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        repo.write("mkdocs.yml", f"site_url: {SITE}\n")
        repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n"
                   "  newsletter: {network: newsletter, target: smtp, from: \"La Fabrique <lettre@example.org>\",\n"
                   "               unsubscribe: \"https://fabrique.example.org/desabonnement\"}\n")
        path = repo.post("decembre", kind="newsletters", front=(
            "title: La lettre de décembre\ndate: 2026-12-04T09:00:00+01:00\nstatus: approved\n"
            "subject: \"Décembre à l'atelier\"\nchannels:\n  newsletter: {}\n"), body="## Portes ouvertes\n\nVenez !\n")
        repo.git("init", "-q", "-b", "main")
        repo.commit_all()
        before = (repo.root / path).read_bytes()
        monkeypatch.setenv("GAZETTE_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("GAZETTE_SMTP_PORT", str(controller.port))
        monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
        monkeypatch.setenv("GAZETTE_SMTP_TLS", "none")  # a local test server: no TLS, no AUTH
        monkeypatch.setenv("GAZETTE_UNSUBSCRIBE_SECRET", "s" * 32)
        result = repo.gazette("newsletter", "test", "decembre", "--to", "redaction@example.org", now="2026-12-01T10:00:00+01:00")
        assert result.exit_code == 0, result.output
        assert "nothing recorded" in result.output
        (message,) = handler.messages
        assert message["To"] == "redaction@example.org" and message["Subject"] == "[TEST] Décembre à l'atelier"
        html, text = message.get_body(("html",)).get_content(), message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        _assert_reads_like_mail(html, text)
        assert "Portes ouvertes\n---------------" in text
        assert (repo.root / path).read_bytes() == before  # no receipt
        assert not (tmp_path / "state").exists()  # no ledger: publish still sends to everyone
        assert repo.git("status", "--porcelain") == ""
    finally:
        controller.stop()
    # The server gone: a clear message, no traceback.
    result = repo.gazette("newsletter", "test", "decembre", "--to", "redaction@example.org")
    assert result.exit_code == 1 and "SMTP connection lost" in result.output and "refused" in result.output


def test_a_test_copy_needs_an_smtp_target_and_an_address(sample):
    result = sample.gazette("newsletter", "test", "lettre-novembre-2026", "--to", "redaction@example.org")
    assert result.exit_code == 2 and "has no SMTP target" in result.output
    result = sample.gazette("newsletter", "test", "lettre-novembre-2026", "--to", "pas une adresse")
    assert result.exit_code == 2 and "is not an e-mail address" in result.output


def test_a_material_mkdocs_yml_with_python_tags_and_unknown_extensions_still_renders(repo):
    repo.write("mkdocs.yml", f"site_url: {SITE}\ntheme: {{name: material}}\nmarkdown_extensions:\n"
               "  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
               "  - pymdownx.superfences\n  - pymdownx.mark\n  - evil.module\n  - def_list\n"
               "  - toc: {permalink: true, slugify: !!python/object/apply:pymdownx.slugs.slugify {}}\n")
    repo.post("lettre", kind="newsletters", front="title: T\ndate: 2026-11-27T09:00:00+01:00\nsubject: S\n",
              body="## Titre\n\n==surligné==\n\nTerme\n:   définition\n\n```python\nx = 1\n```\n")
    html, text = render_newsletter(load_repo(repo.root).items[0], repo.root)
    assert "<h2" in html and "<mark>surligné</mark>" in html and "<dd>définition</dd>" in html
    assert "Titre\n-----" in text and "==" not in text and "```" not in text and "    x = 1" in text


def test_a_title_yaml_read_as_a_number_still_renders(repo):
    repo.post("lettre", kind="newsletters", front="title: 2026\ndate: 2026-11-27T09:00:00+01:00\nsubject: 1.10\n")
    html, text = render_newsletter(load_repo(repo.root).items[0], repo.root)
    assert text.startswith("2026\n====\n") and "<h1>2026</h1>" in html.replace(' style="font-size: 24px;color: #1b4d3e;"', "")


def test_a_newsletter_never_includes_a_repository_file(repo, tmp_path, monkeypatch):
    secret = "MOT-DE-PASSE-SMTP-91c2"
    repo.write("secret.txt", f"{secret}\n")
    repo.write("mkdocs.yml", f"site_url: {SITE}\nmarkdown_extensions:\n  - pymdownx.snippets:\n"
               f"      base_path: ['{repo.root}']\n  - pymdownx.b64\n")
    repo.post("lettre", kind="newsletters", front="title: T\ndate: 2026-11-27T09:00:00+01:00\nsubject: S\n",
              body='Avant.\n\n--8<-- "secret.txt"\n\nAprès.\n')
    monkeypatch.chdir(repo.root)
    out = tmp_path / "lettre.html"
    result = repo.gazette("newsletter", "preview", "lettre", "-o", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "Avant." in html and "Après." in html and secret not in html
    checked = repo.gazette("check")
    assert checked.exit_code == 1 and "content/newsletters/2026/lettre.md:9: security/include" in checked.output
