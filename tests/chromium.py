"""Debian's Chromium for the browser tests: one place for where it is, how it starts, and the
rule that it may be missing on a developer's machine (skip) but never in CI (fail)."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def require_chromium():
    """Playwright's sync API, once Chromium is known to be there."""
    if not os.path.exists(CHROMIUM):
        message = "Debian chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message + ": .ci/run installs it; CI must run these tests")
        pytest.skip(message)
    return pytest.importorskip("playwright.sync_api")


# One French page per test in one Chromium per module: the fixtures of every site test.
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


def serious_violations(page) -> list:
    """What axe-core finds serious or critical on the page as it stands: the accessibility rule
    every page test holds (id, impact, elements, the start of axe's explanation)."""
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    results = axe_module.Axe().run(page)
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]], v["nodes"][0].get("failureSummary", "")[:160])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
