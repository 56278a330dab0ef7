"""The sample built by ``gazette site build --engine zensical``, in headless Chromium: the
search forgives accents, plurals and conjugations there too (Zensical's own search reads the
folded forms finish_site adds to search.json), and axe-core finds no serious or critical
violation in the light and the dark scheme."""

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


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require_chromium()
    if not shutil.which("zensical") and not (Path(sys.executable).parent / "zensical").exists():
        pytest.skip("zensical is not installed (pip install 'gazette-editorial[zensical]')")
    work = tmp_path_factory.mktemp("zensical")
    for name in ("content", "calendar", "community"):
        shutil.copytree(ROOT / name, work / name)
    shutil.copy(ROOT / "mkdocs.yml", work / "mkdocs.yml")
    env = {**os.environ, "GAZETTE_NOW": "2026-11-23T12:00:00+01:00", "NO_MKDOCS_2_WARNING": "1",
           "GAZETTE_CACHE_DIR": str(work / ".cache")}
    subprocess.run([sys.executable, "-m", "gazette", "site", "build", "--engine", "zensical", "--repo", str(work)],
                   cwd=work, env=env, check=True, capture_output=True)
    assert (work / "site/search.json").exists()
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(work / "site"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def search(page, site, query: str) -> list[str]:
    """The pages Zensical's search lists for ``query``, best first, as the member types it. Its
    results are the only links written with the site's absolute address (the pages' own are
    relative)."""
    page.goto(site + "/")
    page.wait_for_load_state("networkidle")
    page.locator(".md-search__button").first.click()
    page.keyboard.type(query, delay=30)
    results = page.locator(f'a[href^="{site}/"]')
    results.first.wait_for(timeout=15000)
    page.wait_for_timeout(300)  # the last keystroke's results
    assert "<span" not in page.locator("body").inner_text()  # the folded words stay out of sight
    pages = [href.split("#")[0] for href in results.evaluate_all("links => links.map(a => a.href)")]
    return list(dict.fromkeys(pages))


@pytest.mark.parametrize("typed, meant", [("velo", "vélo"), ("reparer", "réparer"), ("eclairage", "éclairage"),
                                         ("eclairages", "éclairage"), ("reparez", "réparer")])
def test_zensical_search_forgives_accents_plurals_and_conjugations(site, page, typed, meant):
    """Zensical folds accents itself but not plurals or conjugations ("eclairages" found half the
    pages without the forms finish_site adds); it lists ten results, ranked its own way: the
    best pages for the word as meant must all be among the ones found as typed."""
    best = search(page, site, meant)[:5]
    assert best and set(best) <= set(search(page, site, typed))
    assert page.errors == []


PAGES = ["/", "/archives/", "/charte/", "/posts/2026/reparer-sa-chambre-a-air/",
         "/contests/2026/concours-photo-automne/", "/newsletters/2026/lettre-octobre-2026/", "/contact/", "/404.html"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violation_on_zensical(site, browser, path, scheme):
    page = browser.new_page(locale="fr-FR", color_scheme=scheme)
    try:
        page.goto(site + path)
        page.wait_for_load_state("networkidle")
        assert serious_violations(page) == []
    finally:
        page.close()
