"""The community site: a real `mkdocs build --strict` with the gazette plugin."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow
MARKER = "MARQUEUR-BROUILLON-7f3a"


def build(repo, now: str, strict: bool = True, extra_config: str = ""):
    (repo.root / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text() + extra_config)
    env = {**os.environ, "GAZETTE_NOW": now, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "-q"] + (["--strict"] if strict else [])
    return subprocess.run(command, cwd=repo.root, env=env, capture_output=True, text=True, timeout=120)


def site_text(repo) -> str:
    """Every page, feed, sitemap and the search index, as one text to grep."""
    return "\n".join(p.read_text(errors="replace") for p in (repo.root / "site").rglob("*")
                     if p.is_file() and p.suffix in (".html", ".xml", ".json"))


def test_drafts_and_future_items_appear_nowhere(sample):
    sample.post("brouillon-secret", front="title: Brouillon secret\ndate: 2026-11-02T12:30:00+01:00\n"
                "status: draft\n", body=f"{MARKER}\n")
    done = build(sample, "2026-11-23T12:00:00+01:00")
    assert done.returncode == 0, done.stderr
    everything = site_text(sample)
    assert MARKER not in everything and "brouillon-secret" not in everything
    assert "portes-ouvertes-de-l-atelier" not in everything  # approved, but on 1 December
    assert "reparer-sa-chambre-a-air" in everything
    later = build(sample, "2026-12-02T00:00:00+01:00")
    assert later.returncode == 0, later.stderr
    assert "portes-ouvertes-de-l-atelier" in site_text(sample)
    assert MARKER not in site_text(sample)


def test_feeds_are_valid_absolute_and_french(sample):
    feedparser = pytest.importorskip("feedparser")
    assert build(sample, "2026-11-23T12:00:00+01:00").returncode == 0
    site = sample.root / "site"
    for name in ("feed.xml", "atom.xml", "posts/feed.xml", "newsletters/atom.xml", "contests/feed.xml"):
        parsed = feedparser.parse((site / name).read_bytes())
        assert not parsed.bozo, (name, parsed.bozo_exception)
        assert parsed.entries and all(e.link.startswith("https://fabrique.example.org/") for e in parsed.entries)
    rss = ET.parse(site / "feed.xml").getroot()
    assert rss.find("channel/language").text == "fr"
    links = [i.find("link").text for i in rss.iter("item")]
    assert links and all(link.startswith("https://fabrique.example.org/") for link in links)
    atom = ET.parse(site / "posts/atom.xml").getroot()
    entries = atom.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 5  # the five published posts
    for name in ("newsletters/feed.xml", "contests/feed.xml", "atom.xml"):
        ET.parse(site / name)


def test_contest_newsletter_and_archive_pages(sample):
    assert build(sample, "2026-11-23T12:00:00+01:00").returncode == 0
    site = sample.root / "site"
    contest = (site / "contests/2026/concours-photo-automne/index.html").read_text()
    assert "Jeu concours — gagnants" in contest and "2 × Révision complète de votre vélo (89\u00a0€ TTC)" in contest
    post = (site / "posts/2026/reparer-sa-chambre-a-air/index.html").read_text()
    assert '<meta name="description" content="Démonter la roue, trouver le trou, poser une rustine' in post
    letter = (site / "newsletters/2026/lettre-octobre-2026/index.html").read_text()
    assert "Lettre envoyée aux abonnés" in letter
    for page in ("archives/index.html", "archives/posts-2026/index.html", "archives/categorie-atelier/index.html",
                 "archives/campagne-hiver-a-velo/index.html", "archives/auteur-yanis/index.html"):
        assert (site / page).exists(), page
    year = (site / "archives/posts-2026/index.html").read_text()
    assert year.index("Novembre") < year.index("Septembre")  # newest first, a heading per month
    author = (site / "archives/auteur-yanis/index.html").read_text()
    assert "Chef d&#39;atelier" in author or "Chef d'atelier" in author
    assert "Réparer sa chambre à air en dix minutes" in author
    import re

    for page in [*site.glob("archives/**/index.html"), site / "index.html"]:  # every listed link resolves
        for href in re.findall(r'<li><strong><a href="([^"]+)"', page.read_text()):
            assert (page.parent / href / "index.html").resolve().is_file(), (page, href)
    home = (site / "index.html").read_text()
    assert "Derniers billets" in home and 'href="charte/"' in home and 'href="netiquette/"' in home


def test_every_generated_link_resolves_without_directory_urls(sample):
    """Archive lists and bylines are written as HTML by the plugin: their links must follow
    use_directory_urls: false (page.html) as MkDocs' own links do."""
    import re

    assert build(sample, "2026-11-23T12:00:00+01:00", extra_config="use_directory_urls: false\n").returncode == 0
    site = sample.root / "site"
    pages = [site / "index.html", *site.glob("archives/*.html"), *site.glob("posts/*/*.html")]
    checked = 0
    for page in pages:
        text = page.read_text()
        for href in re.findall(r'<li><strong><a href="([^"]+)"', text) + re.findall(r'<em>[^<]*<a href="([^"]+)"', text):
            assert href.endswith(".html") and (page.parent / href).resolve().is_file(), (page, href)
            checked += 1
    assert checked > 20


def test_a_misnamed_file_is_never_copied_even_when_its_error_is_waived(sample):
    channels = sample.root / "calendar/channels.yml"
    channels.write_text(channels.read_text() + "gazette:\n  severity:\n    file/extension: warning\n")
    sample.write("content/posts/2026/Brouillon.MD", f"---\ntitle: Brouillon\nstatus: draft\n---\n\n{MARKER}\n")
    done = build(sample, "2026-11-23T12:00:00+01:00")
    assert done.returncode == 0, done.stderr
    built = [p for p in (sample.root / "site").rglob("*") if p.is_file()]
    assert not [p for p in built if p.name.lower().endswith(".md")]
    assert not [p for p in built if MARKER.encode() in p.read_bytes()]


def test_post_head_title_anchor_and_description(sample):
    post = sample.root / "content/posts/2026/reparer-sa-chambre-a-air.md"
    post.write_text(post.read_text().replace('summary: "Démonter', 'summary: "Le \\"bon\\" geste : démonter', 1))
    assert build(sample, "2026-11-23T12:00:00+01:00").returncode == 0
    page = (sample.root / "site/posts/2026/reparer-sa-chambre-a-air/index.html").read_text()
    assert '<meta name="description" content="Le &#34;bon&#34; geste : démonter' in page  # markupsafe's escape
    # The title is the page's first heading, with its anchor: Material's skip link goes there.
    assert '<h1 id="reparer-sa-chambre-a-air-en-dix-minutes">Réparer sa chambre à air en dix minutes' in page
    assert 'href="#reparer-sa-chambre-a-air-en-dix-minutes" class="md-skip"' in page
    assert page.index("</h1>") < page.index("min de lecture</em>") < page.index("La crevaison est la panne")


def test_broken_content_fails_the_build_with_file_and_line(sample):
    sample.post("casse", front="title: Cassé\ndate: 2026-02-30T10:00:00+01:00\n")
    done = build(sample, "2026-11-23T12:00:00+01:00")
    assert done.returncode != 0
    assert "content/posts/2026/casse.md:3: schema/date-invalid" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_build_reports_what_gazette_check_reports(sample):
    sample.post("casse", front="title: Cassé\ndate: 2026-02-30T10:00:00+01:00\n")  # schema
    sample.post("insulte", body="Quel connard, ce voleur de vélos.\n")  # netiquette, a body rule
    sample.post("lien", body="Voir [le billet](../2025/n-existe-pas.md).\n")  # reference
    import json

    checked = json.loads(sample.gazette("check", "--format", "json").output)
    expected = {f"{p['path']}:{p['line']}: {p['code']}" for p in checked["problems"] if p["severity"] == "error"}
    assert len(expected) >= 3
    done = build(sample, "2026-11-23T12:00:00+01:00")
    assert done.returncode != 0
    reported = {line.split(" ", 2)[0] + " " + line.split(" ", 2)[1] for line in done.stderr.splitlines()
                if line.startswith("content/")}
    assert reported == expected
    assert "Traceback" not in done.stderr
    # The check's verdict comes before MkDocs writes pages: nothing half-built to deploy.
    assert not list((sample.root / "site").rglob("*.html"))


def test_a_rebuild_sees_every_edit(sample):
    """Per-file results are cached between builds (mkdocs serve rebuilds on every save):
    an edit must show at once, and an edit that breaks a file must fail the build."""
    post = sample.root / "content/posts/2026/reparer-sa-chambre-a-air.md"
    page = sample.root / "site/posts/2026/reparer-sa-chambre-a-air/index.html"
    text = post.read_text()
    assert build(sample, "2026-11-23T12:00:00+01:00").returncode == 0
    assert "Titre changé pour le test" not in page.read_text()
    post.write_text(text.replace("Réparer sa chambre à air en dix minutes", "Titre changé pour le test", 1))
    assert build(sample, "2026-11-23T12:00:00+01:00").returncode == 0
    assert "Titre changé pour le test" in page.read_text()
    post.write_text(text.replace("date: 2026-09-15T12:30", "date: 2026-09-31T12:30", 1))
    broken = build(sample, "2026-11-23T12:00:00+01:00")
    assert broken.returncode != 0
    assert "content/posts/2026/reparer-sa-chambre-a-air.md:3: schema/date-invalid" in broken.stderr


def test_mkdocs_serve_works_for_editors(sample):
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    shutil.copy(ROOT / "mkdocs.yml", sample.root / "mkdocs.yml")
    env = {**os.environ, "GAZETTE_NOW": "2026-11-23T12:00:00+01:00", "NO_MKDOCS_2_WARNING": "1"}
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
                              cwd=sample.root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/charte/", timeout=5).read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, server.stderr.read()
                time.sleep(0.3)
        assert "Charte de la communauté" in page
        # The build reads the public tree; an edit in content/ still rebuilds the site.
        charter = sample.root / "content/charte.md"
        charter.write_text(charter.read_text(encoding="utf-8").replace("Charte de la communauté", "Charte révisée en direct"),
                           encoding="utf-8")
        deadline = time.monotonic() + 90
        while "Charte révisée en direct" not in page:
            assert time.monotonic() < deadline and server.poll() is None, "the edit never reached the served page"
            time.sleep(0.5)
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/charte/", timeout=5).read().decode()
            except OSError:
                continue
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_page_meta_is_escaped_at_every_depth():
    from gazette.site import escaped_meta

    itself: list = []
    itself.append(itself)  # MkDocs' YAML load allows aliases: a list can hold itself
    meta = escaped_meta({"title": ["</title><script>alert(1)</script>"], "author": {"x": "\"><img onerror=alert(1)>"},
                         "binary": b"<script>", "hide": ["toc"], "weight": 3, "loop": itself})
    assert "<" not in str(meta) and '"' not in str(meta)
    assert "toc" in meta["hide"] and meta["weight"] == 3


def test_no_page_or_search_entry_includes_a_repository_file_even_with_snippets_enabled(sample):
    """pymdownx.snippets, as Material's guides suggest: a contributor's `--8<-- ".git/config"`
    would publish CI's token. The plugin drops the extension, with a warning saying why."""
    secret = "JETON-CI-4b1e9"
    sample.write("secret.txt", f"{secret}\n")
    sample.write("content/charte.md", "---\ntitle: Charte\n---\n\n# Charte\n\n--8<-- \"secret.txt\"\n\n"
                 f"--8<-- \"{sample.root / 'secret.txt'}\"\n")
    config = (ROOT / "mkdocs.yml").read_text().replace(
        "markdown_extensions:\n", f"markdown_extensions:\n  - pymdownx.snippets:\n      base_path: ['{sample.root}']\n"
        "      check_paths: false\n  - pymdownx.b64\n")
    (sample.root / "mkdocs.yml").write_text(config)
    env = {**os.environ, "GAZETTE_NOW": "2026-11-23T12:00:00+01:00", "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=sample.root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "pymdownx.snippets, pymdownx.b64 removed from markdown_extensions" in done.stderr
    everything = site_text(sample)
    assert secret not in everything
    assert "charte" in (sample.root / "site/search/search_index.json").read_text()


def test_a_page_template_that_is_not_a_theme_file_name_is_ignored(sample, monkeypatch):
    """Safe by construction: even with the check's verdict switched off, a template: path does not
    break the build and sitemap.xml does not replace a page's layout."""
    from gazette.site import Stage

    sample.write("content/passwd.md", "---\ntitle: P\ntemplate: \"../../../etc/passwd\"\n---\n\n# Mot de passe\n")
    sample.write("content/plan.md", "---\ntitle: Plan\ntemplate: sitemap.xml\n---\n\n# Plan du site\n")
    sample.write("content/absent.md", "---\ntitle: A\ntemplate: nope.html\n---\n\n# Absent\n")  # no such template
    monkeypatch.setattr(Stage, "_refuse", lambda self, errors: None)  # a check that misses it
    (sample.root / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text())
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    monkeypatch.setenv("GAZETTE_NOW", "2026-11-23T12:00:00+01:00")
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.chdir(sample.root)
    mkdocs_build(load_config(str(sample.root / "mkdocs.yml")))
    for page in ("passwd", "plan", "absent"):
        html = (sample.root / "site" / page / "index.html").read_text()
        assert "<!doctype html>" in html and "md-content" in html and "<urlset" not in html


def test_lists_close_their_rows_as_markup_not_text(sample):
    """Markup + "</li>" escapes the str: every listed post showed a literal </li> on the page
    and in the home page's search text."""
    done = build(sample, "2026-11-23T12:00:00+01:00")
    assert done.returncode == 0, done.stderr
    home = (sample.root / "site/index.html").read_text()
    assert '<ul class="gazette-cards">' in home and "&lt;/li&gt;" not in home
    assert "&lt;/li&gt;" not in (sample.root / "site/archives/posts/index.html").read_text()
    index = json.loads((sample.root / "site/search/search_index.json").read_text())
    home_text = " ".join(doc["text"] for doc in index["docs"] if doc["location"].split("#")[0] == "")
    # The home's lists are put in after the engine indexed the page: each post is found on its own page.
    assert any(doc["title"] == "Réparer sa chambre à air en dix minutes" for doc in index["docs"])
    assert "&lt;/li" not in home_text and "&amp;lt;/li" not in home_text


def test_mkdocs_build_with_another_configuration_uses_its_navigation(sample):
    """`mkdocs build -f alt.yml` built with mkdocs.yml's navigation: the tree read mkdocs.yml."""
    build(sample, "2026-11-23T12:00:00+01:00")
    assert "Nétiquette" in (sample.root / "site/index.html").read_text()
    alt = (ROOT / "mkdocs.yml").read_text().replace("  - Nétiquette: netiquette.md\n", "  - Règles du jeu: netiquette.md\n")
    (sample.root / "alt.yml").write_text(alt)
    env = {**os.environ, "GAZETTE_NOW": "2026-11-23T12:00:00+01:00", "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", "alt.yml"], cwd=sample.root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    home = (sample.root / "site/index.html").read_text()
    assert "Règles du jeu" in home  # the footer keeps its own "Nétiquette" link
