"""What the sample sends, against the site it builds: every site link answers, the e-mail renders.

The sample is copied, published as of a late date (every social text and
newsletter due is written to the outbox), and its site built with ``mkdocs
build`` at the same date and served on 127.0.0.1; ``site_url`` is mapped to
that server. Headless Chromium opens the newsletter's HTML, takes a
screenshot and follows a link.
"""

from __future__ import annotations

import email
import email.policy
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from chromium import ARGS, CHROMIUM, require_chromium

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
SITE = "https://fabrique.example.org/"
NOW = "2026-12-10T12:00:00+01:00"  # after the November letter and most posts; before the 2027 ones
SHOTS = Path(__file__).parent / "screenshots"
SITE_LINK = re.compile(re.escape(SITE) + r"[^\s<>\"')\]]*")


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """(the sample repository after publish, the local URL serving its built site)."""
    work = tmp_path_factory.mktemp("sample")
    for name in ("content", "calendar", "community"):
        shutil.copytree(ROOT / name, work / name)
    shutil.copy(ROOT / "mkdocs.yml", work / "mkdocs.yml")
    env = {**os.environ, "GAZETTE_NOW": NOW, "NO_MKDOCS_2_WARNING": "1",
           "GAZETTE_CACHE_DIR": str(work / ".cache"), "GAZETTE_STATE_DIR": str(work / ".state")}
    env.pop("GAZETTE_OUTBOX", None)
    git = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=work, check=True)
    subprocess.run([*git, "add", "-A"], cwd=work, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "sample"], cwd=work, check=True)
    run = subprocess.run([sys.executable, "-m", "gazette", "publish"], cwd=work, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=work, env=env, check=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(work / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield work, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def answers(local: str, url: str) -> int:
    """The status the built site gives ``url`` (site_url mapped to the local server)."""
    path = url[len(SITE):].split("#", 1)[0].split("?", 1)[0]
    try:
        with urllib.request.urlopen(local + path, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_every_site_link_in_every_outbox_text_answers_from_the_built_site(published):
    work, local = published
    social = sorted((work / "outbox").glob("*/*.json"))
    assert len(social) >= 2, "the sample should have social posts due by " + NOW
    links = []
    for payload in social:
        text = json.loads(payload.read_text(encoding="utf-8"))["text"]
        assert "{url}" not in text and "{site}" not in text
        links += [(payload.name, url.rstrip(".,;:!?")) for url in SITE_LINK.findall(text)]
    for eml in (work / "outbox").glob("*/*.eml"):
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        html = message.get_body(("html",)).get_content()
        links += [(eml.name, url) for url in re.findall(r'href="(' + re.escape(SITE) + r'[^"]*)"', html)]
    assert len(links) >= 3
    dead = [(name, url, status) for name, url in links if (status := answers(local, url)) != 200]
    assert dead == []


@pytest.fixture(scope="module")
def browser():
    playwright = require_chromium()
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


def test_the_newsletter_renders_in_a_browser_with_working_absolute_links(published, browser, tmp_path):
    work, local = published
    preview = tmp_path / "lettre.html"
    run = subprocess.run([sys.executable, "-m", "gazette", "newsletter", "preview", "lettre-novembre-2026",
                          "-o", str(preview), "--now", NOW], cwd=work, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    page = browser.new_page(locale="fr-FR", viewport={"width": 800, "height": 600})
    try:
        _newsletter_in_the_browser(page, preview, local)
    finally:
        page.close()


def _newsletter_in_the_browser(page, preview, local):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def from_local_site(route):  # site_url is served by the local build; nothing leaves 127.0.0.1
        url = route.request.url
        if not url.startswith(SITE):
            route.abort()
            return
        try:
            with urllib.request.urlopen(local + url[len(SITE):].split("#")[0], timeout=10) as response:
                route.fulfill(status=response.status, body=response.read(),
                              headers={"content-type": response.headers.get("content-type", "text/html")})
        except urllib.error.HTTPError as error:
            route.fulfill(status=error.code, body=b"")

    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", local))
               else from_local_site(route))
    page.goto(preview.as_uri())
    assert page.locator("h1").inner_text() == "La lettre de novembre 2026"
    assert page.get_by_role("heading", name="Bien éclairé cet hiver").count() == 1
    SHOTS.mkdir(exist_ok=True)
    shot = SHOTS / "newsletter.png"
    page.screenshot(path=str(shot), full_page=True)
    width, height = _png_size(shot.read_bytes())
    assert width == 800 and 500 < height < 4000  # one readable column, not a blank or runaway page
    assert shot.stat().st_size > 10_000  # text was drawn
    hrefs = page.eval_on_selector_all("a[href], img[src]", "els => els.map(e => e.getAttribute('href') || e.getAttribute('src'))")
    assert hrefs and all(re.match(r"(https://|mailto:)", h) for h in hrefs), hrefs
    on_site = [h for h in hrefs if h.startswith(SITE)]
    assert len(on_site) >= 2
    assert [h for h in on_site if answers(local, h) != 200] == []
    page.get_by_role("link", name="bien éclairé pour rouler en hiver").click()
    # the link goes out tracked (gazette.tracking): the page is the same, with UTM parameters
    page.wait_for_url(re.compile(re.escape(SITE + "posts/2026/bien-eclaire-en-hiver/") + r"\?utm_source=newsletter&"))
    assert "Bien éclairé pour rouler en hiver" in page.title()
    assert errors == []


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
