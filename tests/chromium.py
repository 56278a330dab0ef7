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
