"""The sample site in a real browser: headless Debian Chromium driven by Playwright.

Home, Charte and Nétiquette from the navigation, a French search, a contest's
rules box, no console error, and axe-core finds no serious or critical
accessibility violation. Screenshots go to tests/screenshots/ (ignored by git).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from chromium import ARGS, CHROMIUM, require_chromium

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
SHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require_chromium()
    work = tmp_path_factory.mktemp("site")
    for name in ("content", "calendar"):
        shutil.copytree(ROOT / name, work / name)
    shutil.copy(ROOT / "mkdocs.yml", work / "mkdocs.yml")
    env = {**os.environ, "GAZETTE_NOW": "2026-11-23T12:00:00+01:00", "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "--strict"], cwd=work, env=env, check=True)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(work / "site"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    page = browser.new_page(locale="fr-FR")
    page.errors = []
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    page.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_home_charte_and_netiquette_from_the_nav(site, page):
    page.goto(site + "/")
    assert "La Fabrique à Vélos" in page.title()
    assert page.get_by_role("heading", name="Derniers billets").count() == 1
    shot(page, "accueil")
    page.get_by_role("link", name="Charte").first.click()
    page.wait_for_url("**/charte/")
    assert page.locator("h1").first.inner_text().rstrip("¶") == "Charte de la communauté"
    page.get_by_role("link", name="Nétiquette").first.click()
    page.wait_for_url("**/netiquette/")
    assert page.locator("h1").first.inner_text().rstrip("¶") == "Nétiquette"
    assert page.errors == []


def test_french_search_finds_a_post(site, page):
    page.goto(site + "/")
    page.wait_for_load_state("networkidle")  # the search index and its French stemmer
    page.locator("input.md-search__input").click()
    page.keyboard.type("crevaison", delay=50)
    result = page.locator(".md-search-result__item").first
    result.wait_for(timeout=15000)
    assert "chambre à air" in page.locator(".md-search-result").inner_text().lower()
    shot(page, "recherche")
    assert page.errors == []


def search(page, site, query: str) -> list[str]:
    """The pages the search dialog lists for ``query``, as the member types it."""
    page.goto(site + "/")
    page.wait_for_load_state("networkidle")  # the index and the French stemmer
    page.locator("input.md-search__input").click()
    page.keyboard.type(query, delay=30)
    page.locator(".md-search-result__item").first.wait_for(timeout=15000)
    page.wait_for_timeout(300)  # the last keystroke's results
    assert "<span" not in page.locator(".md-search-result").inner_text()  # the folded words stay out of sight
    links = page.locator(".md-search-result__item > a.md-search-result__link")
    return sorted({link.split("#")[0] for link in links.evaluate_all("links => links.map(a => a.href)")})


@pytest.mark.parametrize("typed, meant", [("velo", "vélo"), ("reparer", "réparer"), ("eclairage", "éclairage"),
                                         ("eclairages", "éclairage"), ("reparez", "réparer"), ("éclairages", "éclairage")])
def test_search_forgives_accents_plurals_and_conjugations(site, page, typed, meant):
    meant_found = search(page, site, meant)
    assert meant_found and set(meant_found) <= set(search(page, site, typed))
    assert page.errors == []


def test_contest_page_shows_its_rules_box(site, page):
    page.goto(site + "/contests/2026/concours-photo-automne/")
    box = page.locator(".admonition.info")
    assert "Jeu concours — gagnants" in box.inner_text()
    assert "Révision complète de votre vélo" in box.inner_text()
    shot(page, "concours")
    assert page.errors == []


@pytest.mark.parametrize("path", ["/", "/charte/", "/posts/2026/reparer-sa-chambre-a-air/",
                                  "/contests/2026/concours-photo-automne/", "/archives/"])
def test_no_serious_accessibility_violation(site, page, path):
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    page.goto(site + path)
    results = axe_module.Axe().run(page)
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]], v["nodes"][0].get("failureSummary", "")[:160]) for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == []
