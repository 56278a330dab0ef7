"""The community site: a real `mkdocs build --strict` with the gazette plugin."""

from __future__ import annotations

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


def build(repo, now: str, strict: bool = True):
    shutil.copy(ROOT / "mkdocs.yml", repo.root / "mkdocs.yml")
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
    assert "Jeu concours — gagnants" in contest and "2 × Révision complète de votre vélo (89 € TTC)" in contest
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


def test_broken_content_fails_the_build_with_file_and_line(sample):
    sample.post("casse", front="title: Cassé\ndate: 2026-02-30T10:00:00+01:00\n")
    done = build(sample, "2026-11-23T12:00:00+01:00")
    assert done.returncode != 0
    assert "content/posts/2026/casse.md:3: schema/date-invalid" in done.stderr
    assert "Traceback" not in done.stderr


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
    finally:
        server.terminate()
        server.wait(timeout=30)
