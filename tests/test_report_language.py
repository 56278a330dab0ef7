"""The report speaks one language, chosen by one rule, with that language's numbers and plurals.

Data here is the sample month's JSON (tests/golden): the renderers get exactly what `report --format json`
gives, and the JSON itself keeps numbers and English formulas (the golden file checks that).
"""

from __future__ import annotations

import gettext
import json
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "report-2026-11.json"
NOW = "2026-12-02T10:00:00+01:00"


@pytest.fixture
def sample_with_metrics(sample):
    shutil.copytree(ROOT / "metrics", sample.root / "metrics")
    return sample


def html_language(result) -> str:
    assert result.exit_code == 0, result.output
    return re.search(r'<html lang="(\w+)">', result.output).group(1)


@pytest.mark.parametrize("locale, args, expected", [
    ("C.UTF-8", (), "fr"),  # nobody chose: the page takes the members' site language (mkdocs.yml: fr)
    ("en_US.UTF-8", (), "en"),  # the locale is a choice
    ("fr_FR.UTF-8", (), "fr"),
    ("C.UTF-8", ("--lang", "en"), "en"),  # gazette --lang
    ("fr_FR.UTF-8", ("--lang", "en"), "en"),
    ("en_US.UTF-8", ("--lang", "fr"), "fr"),
])
def test_the_html_report_speaks_the_language_chosen_else_the_site_language(sample_with_metrics, monkeypatch,
                                                                           locale, args, expected):
    monkeypatch.setenv("LANG", locale)
    result = sample_with_metrics.gazette(*args, "report", "--month", "2026-11", "--format", "html", now=NOW)
    assert html_language(result) == expected


def test_the_report_s_own_lang_wins_over_the_global_language(sample_with_metrics, monkeypatch):
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    text = sample_with_metrics.gazette("report", "--month", "2026-11", "--lang", "en", now=NOW)
    assert text.exit_code == 0, text.output
    assert text.output.startswith("Report 2026-11-01") and "Rapport" not in text.output
    html = sample_with_metrics.gazette("--lang", "fr", "report", "--month", "2026-11", "--format", "html",
                                       "--lang", "en", now=NOW)
    assert html_language(html) == "en"


def test_without_a_choice_an_english_site_gets_an_english_page(sample_with_metrics):
    mkdocs = sample_with_metrics.root / "mkdocs.yml"
    mkdocs.write_text(mkdocs.read_text().replace("language: fr", "language: en"))
    result = sample_with_metrics.gazette("report", "--month", "2026-11", "--format", "html", now=NOW)
    assert html_language(result) == "en"


def test_french_text_and_html_write_french_numbers_and_json_keeps_numbers(sample_with_metrics, french):
    from gazette.report.render_html import to_html
    from gazette.report.render_text import to_text

    data = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert isinstance(data["publishing"]["on_time"]["rate"], float)
    for page in (to_text(data), to_html(data, "fr")):
        assert not re.search(r"\d\.\d ?%", page), re.findall(r".{30}\d\.\d ?%", page)
        assert re.search(r"\d,\d\u202f%", page)
    from gazette import i18n

    i18n.set_language("en")
    assert re.search(r"\d\.\d %", to_text(data)) and "\u202f%" not in to_text(data)


@pytest.mark.parametrize("new, english, french", [
    (1, "of whom 1 is new.", "dont 1 nouveau."),
    (0, "of whom 0 are new.", "dont 0 nouveau."),
    (2, "of whom 2 are new.", "dont 2 nouveaux."),
])
def test_new_contributors_are_counted_in_the_singular_or_the_plural(new, english, french):
    from gazette.report.render_html import to_html
    from gazette.report.render_text import to_text

    data = json.loads(GOLDEN.read_text(encoding="utf-8"))
    data["contributors"].update(count=1, new=new)
    assert english in to_text(data)
    assert "1 contributor," in to_html(data, "en") and english in to_html(data, "en")
    assert "1 contributeur," in to_html(data, "fr") and french in to_html(data, "fr")


class Marking(gettext.NullTranslations):
    """A catalog that marks what it translates: a text shown without going through it stays bare."""

    def gettext(self, message):
        return "FR:" + message

    def ngettext(self, singular, plural, n):
        return "FR:" + (singular if n == 1 else plural)


@pytest.fixture
def marking(monkeypatch):
    from gazette import i18n

    monkeypatch.setitem(i18n._catalogs, "fr", Marking())
    i18n.set_language("fr")
    yield
    i18n.set_language(None)


def test_formulas_and_the_buffer_anchor_are_shown_translated(marking):
    from gazette.report.render_html import to_html
    from gazette.report.render_text import to_text

    data = json.loads(GOLDEN.read_text(encoding="utf-8"))
    anchor = data["publishing"]["on_time"]["anchor"]
    lead = data["lead_times"]["lead_time_hours"]["formula"]
    engagement = next(iter(data["engagement"]["per_channel"].values()))["formula"]
    assert anchor.startswith("Buffer") and engagement.startswith("(reactions")  # the JSON keeps English
    text = to_text(data)
    for english in (anchor, lead, engagement):
        assert "FR:" + english in text
        assert text.count(english) == text.count("FR:" + english)
    html = to_html(data, "fr")
    for english in (lead, engagement, data["publishing"]["on_time"]["formula"]):
        assert html.count(english) == html.count("FR:" + english) > 0


def test_import_hints_and_refusals_are_translated(marking, repo, tmp_path):
    from gazette.load import load_repo
    from gazette.report.imports import ImportRefused, import_export

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ImportRefused) as refused:
        import_export(repo.root, load_repo(repo.root), empty)
    assert str(refused.value).startswith("FR:")
    bad = ROOT / "tests" / "exports" / "x-bad-rows.csv"
    result = import_export(repo.root, load_repo(repo.root), bad, write=False)
    assert len(result.problems) == 2
    assert all(p.message.startswith("FR:") and p.hint.startswith("FR:") for p in result.problems)



def test_one_of_anything_is_singular_and_french_weekdays_label_the_heatmap():
    from gazette.report.render_html import to_html
    from gazette.report.render_text import to_text

    data = json.loads(GOLDEN.read_text(encoding="utf-8"))
    publishing = data["publishing"]
    publishing["publications"] = 1
    publishing["missed"], publishing["held"] = publishing["missed"][:1], publishing["missed"][:1]
    data["freezes"]["items_held"] = 1
    data["engagement"]["unmatched_rows"] = 1
    text, english, french = to_text(data), to_html(data, "en"), to_html(data, "fr")
    for page in (text, english):
        assert "1 publication, " in page and "1 planned publication missed, 1 held" in page
        assert "1 publication held." in page and "1 imported row matches no item" in page
    assert "1 publication, " in french and "1 publication prévue manquée, 1 retenue par un gel." in french
    assert "1 publication retenue." in french and "1 ligne importée ne correspond" in french
    assert ">lun.</text>" in french and ">mon<" not in french and ">Mon</text>" in english


def test_missed_slots_and_newsletters_are_shown_in_the_community_s_zone(repo):
    """Times written in UTC in the content are shown in the community's zone (Europe/Paris), with the offset."""
    repo.post("en-retard", "title: En retard\ndate: 2026-11-10T17:30:00Z\nstatus: approved\n"
                           "channels:\n  mastodon: {text: a}\n")
    repo.post("lettre", "title: Lettre\ndate: 2026-11-26T23:30:00Z\nstatus: published\nsubject: S\n"
                        "published:\n  newsletter: {at: 2026-11-26 23:30:05+00:00, recipients: 10}\n",
              kind="newsletters")
    result = repo.gazette("report", "--month", "2026-11", now=NOW)
    assert result.exit_code == 0, result.output
    assert "2026-11-10 18:30 +01:00  mastodon" in result.output
    assert "2026-11-27  sent 10" in result.output
