"""The HTML report: self-contained, byte-stable, every chart visible and titled, no serious axe violation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from chromium import ARGS, CHROMIUM, require_chromium, serious_violations

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-12-02T10:00:00+01:00"


@pytest.fixture
def sample_with_metrics(sample):
    shutil.copytree(ROOT / "metrics", sample.root / "metrics")
    return sample


def render(sample, *args) -> str:
    result = sample.gazette("report", "--month", "2026-11", "--format", "html", *args, now=NOW)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_html_report_is_byte_stable_self_contained_and_french_by_default(sample_with_metrics):
    first, second = render(sample_with_metrics), render(sample_with_metrics)
    assert first == second
    assert '<html lang="fr">' in first and "à l’heure" in first
    assert "<script" not in first and "http" not in first.split("<body>")[1].replace("http://www.w3.org", "")
    assert first.count("<svg") == first.count("<title id=") == 8
    english = render(sample_with_metrics, "--lang", "en")
    assert '<html lang="en">' in english and "on time" in english


def test_the_html_report_speaks_the_catalog_s_french(sample_with_metrics):
    """One translation per sentence: the HTML report's words are msgids of the gettext catalog, so the
    HTML and the text report say the same thing, and a translator edits one file."""
    from gazette.i18n import catalog
    from gazette.report.render_html import TEXTS

    known = catalog("fr")._catalog
    msgids = [word for value in TEXTS.values() for word in (value.values() if isinstance(value, dict) else [value])]
    missing = [m for m in msgids if (m if isinstance(m, str) else (m[0], 0)) not in known]
    assert msgids and not missing, missing
    text = sample_with_metrics.gazette("report", "--month", "2026-11", "--lang", "fr", now=NOW).output
    sentence = "100,0\u202f% à l’heure (reçu à moins de 20 min de l’heure prévue)"
    french = render(sample_with_metrics)
    assert sentence in text and sentence in french
    # a chart's text alternative follows each language's typography
    assert "2026-W45 : 2" in french and "2026-W45: 2" in render(sample_with_metrics, "--lang", "en")


def test_texts_from_the_repository_are_escaped(sample_with_metrics):
    campaign = sample_with_metrics.root / "calendar/campaigns/hiver-a-velo.yml"
    campaign.write_text(campaign.read_text().replace('name: "L\'hiver à vélo"', 'name: "<img src=x onerror=alert(1)>"'))
    html = render(sample_with_metrics)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.slow
def test_every_chart_is_visible_and_axe_finds_no_serious_violation(sample_with_metrics, tmp_path):
    playwright = require_chromium()
    page_file = tmp_path / "report.html"
    page_file.write_text(render(sample_with_metrics), encoding="utf-8")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(locale="fr-FR")
            page.goto(page_file.as_uri())
            charts = page.eval_on_selector_all("svg", """svgs => svgs.map(svg => {
                const box = svg.getBoundingClientRect();
                const title = svg.querySelector(':scope > title');
                return [box.width, box.height, title ? title.textContent : ''];
            })""")
            assert len(charts) == 8
            for width, height, title in charts:
                assert width > 0 and height > 0 and title.strip()
            assert serious_violations(page) == []
        finally:
            browser.close()
