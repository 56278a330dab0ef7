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
from chromium import ARGS, CHROMIUM, browser, page, require_chromium, serious_violations  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
SHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require_chromium()
    work = tmp_path_factory.mktemp("site")
    for name in ("content", "calendar", "community"):
        shutil.copytree(ROOT / name, work / name)
    shutil.copy(ROOT / "mkdocs.yml", work / "mkdocs.yml")
    env = {**os.environ, "GAZETTE_NOW": "2026-11-23T12:00:00+01:00", "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "--strict"], cwd=work, env=env, check=True)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(work / "site"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


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


PAGES = ["/", "/archives/", "/archives/posts-2026/", "/charte/", "/netiquette/", "/posts/2026/reparer-sa-chambre-a-air/",
         "/contests/2026/concours-photo-automne/", "/newsletters/2026/lettre-octobre-2026/", "/contact/", "/404.html"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violation(site, browser, path, scheme):
    page = browser.new_page(locale="fr-FR", color_scheme=scheme)
    try:
        page.goto(site + path)
        page.wait_for_load_state("networkidle")
        assert serious_violations(page) == []
    finally:
        page.close()


def test_home_for_members_is_light_and_local(site, browser):
    """Cover images load with their alt text, and the whole home (images, scripts, the search
    index) weighs under 500 kB, all from the site itself."""
    page = browser.new_page(locale="fr-FR")
    loaded = []
    page.on("requestfinished", lambda request: loaded.append(request))
    page.goto(site + "/")
    page.wait_for_load_state("networkidle")
    covers = page.locator("img.gazette-card__image")
    assert covers.count() >= 3
    for number in range(covers.count()):
        cover = covers.nth(number)
        cover.scroll_into_view_if_needed()
        cover.evaluate("img => img.decode()")
        assert cover.get_attribute("alt")
        assert cover.evaluate("img => img.complete && img.naturalWidth > 0")
    page.wait_for_load_state("networkidle")
    assert [r.url for r in loaded if not r.url.startswith(site)] == []
    weight = sum(r.sizes()["responseBodySize"] for r in loaded)
    assert weight < 500_000, weight
    assert page.locator(".gazette-footer-links").get_by_role("link", name="Mentions légales").count() == 1
    page.close()


def test_link_preview_tags_in_the_rendered_page(site, page):
    page.goto(site + "/posts/2026/reparer-sa-chambre-a-air/")
    assert page.locator('meta[property="og:type"]').get_attribute("content") == "article"
    assert page.locator('meta[property="og:image"]').get_attribute("content").startswith("https://fabrique.example.org/")
    assert page.locator("figure.gazette-cover img").get_attribute("alt")


def test_french_404(site, page):
    page.goto(site + "/404.html")
    assert page.locator("h1").first.inner_text() == "Page introuvable"
    assert "Made with" not in page.content()


@pytest.mark.parametrize("scheme, width", [("light", 1280), ("dark", 1280), ("light", 390), ("dark", 390)])
def test_screenshots(site, browser, scheme, width):
    """Home, a post, a contest and the 404, for people to look at (tests/screenshots/)."""
    page = browser.new_page(locale="fr-FR", color_scheme=scheme, viewport={"width": width, "height": 900})
    for name, path in (("accueil", "/"), ("billet", "/posts/2026/reparer-sa-chambre-a-air/"),
                       ("concours", "/contests/2026/concours-photo-automne/"), ("404", "/404.html")):
        page.goto(site + path)
        page.wait_for_load_state("networkidle")
        shot(page, f"{name}-{scheme}-{width}")
    page.close()
