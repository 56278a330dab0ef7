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
