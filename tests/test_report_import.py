"""`gazette report import`: exports recognised by columns, joined to items, idempotent, bad rows by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

EXPORTS = Path(__file__).parent / "exports"
NOW = "2026-12-02T10:00:00+01:00"
CHANNELS = """\
timezone: Europe/Paris
channels:
  site: {network: site}
  x: {network: x}
  linkedin: {network: linkedin}
  instagram: {network: instagram}
  facebook: {network: facebook}
  tiktok: {network: tiktok}
"""


@pytest.fixture
def networks(repo):
    repo.write("calendar/channels.yml", CHANNELS)
    repo.post("eclairage", "title: Éclairage\ndate: 2026-11-03T12:30:00+01:00\nstatus: published\n"
                           "campaign: automne-2026\nchannels:\n  x: {text: a}\n  linkedin: {text: b}\n"
                           "published:\n  x: {at: 2026-11-03 12:30:04+01:00, id: \"1853761234567890001\"}\n"
                           "  linkedin: {at: 2026-11-03 12:30:04+01:00, id: 49723e82a1fc}\n")
    return repo


def run_import(repo, name, *args):
    result = repo.gazette("report", "import", str(EXPORTS / name), "--format", "json", *args, now=NOW)
    return result, (json.loads(result.output) if result.output.startswith("{") else None)


@pytest.mark.parametrize("name, fmt, network, rows", [
    ("x-account-analytics.csv", "x", "x", 2),
    ("meta-instagram-posts.csv", "instagram", "instagram", 2),
    ("meta-facebook-posts.csv", "facebook", "facebook", 1),
    ("linkedin-content.xlsx", "linkedin", "linkedin", 2),
    ("tiktok-content.csv", "tiktok", "tiktok", 1),
    ("plausible-visitors.csv", "plausible", "web", 3),
    ("matomo-campaigns.csv", "matomo", "web", 2),
    ("goatcounter-export.csv", "goatcounter", "web", 2),  # 4 pageviews, one bot: 2 (path, day) rows
])
def test_each_known_export_is_recognised_by_its_columns(networks, name, fmt, network, rows):
    result, data = run_import(networks, name)
    assert result.exit_code == 0, result.output
    assert (data["format"], data["network"], data["rows"]) == (fmt, network, rows)
    assert (networks.root / "metrics" / f"{network}.csv").is_file()


def test_rows_join_items_through_receipt_ids_and_urls_and_unmatched_rows_are_kept(networks):
    _, data = run_import(networks, "x-account-analytics.csv")
    assert (data["matched"], data["unmatched"]) == (1, 1)
    lines = (networks.root / "metrics/x.csv").read_text().splitlines()
    assert len(lines) == 3
    assert "content/posts/2026/eclairage.md,automne-2026" in lines[1]
    _, data = run_import(networks, "linkedin-content.xlsx")  # the URL ends with the receipt's id
    assert (data["matched"], data["unmatched"]) == (1, 1)


def test_a_second_import_of_the_same_file_changes_nothing(networks):
    run_import(networks, "x-account-analytics.csv")
    before = (networks.root / "metrics/x.csv").read_bytes()
    _, data = run_import(networks, "x-account-analytics.csv")
    assert (data["added"], data["changed"]) == (0, 0)
    assert (networks.root / "metrics/x.csv").read_bytes() == before


def test_an_unknown_export_is_refused_with_the_columns_found_and_the_formats_known(networks):
    result = networks.gazette("report", "import", str(EXPORTS / "unknown.csv"), now=NOW)
    assert result.exit_code == 2
    assert "Columns found: foo, bar, baz" in result.output and "plausible" in result.output
    assert not (networks.root / "metrics").exists()


def test_bad_rows_are_reported_by_line_and_skipped(networks):
    result = networks.gazette("report", "import", str(EXPORTS / "x-bad-rows.csv"), now=NOW)
    assert result.exit_code == 1
    assert "x-bad-rows.csv:3: export/row date 'le 3 novembre'" in result.output
    assert "x-bad-rows.csv:4: export/row impressions '12.5%'" in result.output
    assert len((networks.root / "metrics/x.csv").read_text().splitlines()) == 2


def test_a_hand_edited_metrics_file_is_a_check_problem(networks):
    run_import(networks, "x-account-analytics.csv")
    path = networks.root / "metrics/x.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[1].replace(",1200,", ",douze cents,"), lines[2]]) + "\n")
    networks.write("metrics/moderation.csv", "week,family,count\n")
    result = networks.gazette("check", now=NOW)
    assert result.exit_code == 1
    assert "metrics/x.csv:2: metrics/row impressions 'douze cents' is not a whole number" in result.output
    assert "metrics/moderation.csv:1: metrics/header" in result.output


def test_the_report_reads_the_imported_rows_with_their_formula(networks):
    run_import(networks, "x-account-analytics.csv")
    data = json.loads(networks.gazette("report", "--month", "2026-11", "--format", "json", now=NOW).output)
    eng = data["engagement"]
    assert eng["per_channel"]["x"]["impressions"] == 2100
    assert eng["per_channel"]["x"]["interactions"] == 4 + 3 + 25 + 12 + 2 + 1 + 14 + 5
    assert eng["formula"] == "(reactions + comments + shares + clicks) / impressions"
    assert eng["unmatched_rows"] == 1
    assert eng["top"][0]["path"] == "content/posts/2026/eclairage.md"
    assert eng["heatmap"] == [{"weekday": "tue", "hour": 12, "posts": 1, "rate": 0.0367}]


def test_a_channel_can_choose_its_engagement_denominator(networks):
    networks.write("calendar/channels.yml", CHANNELS.replace("instagram: {network: instagram}",
                                                            "instagram: {network: instagram, engagement: reach}"))
    run_import(networks, "meta-instagram-posts.csv")
    data = json.loads(networks.gazette("report", "--month", "2026-11", "--format", "json", now=NOW).output)
    assert data["engagement"]["per_channel"]["instagram"]["formula"].endswith("/ reach")


def test_formulas_from_an_export_are_made_inert_for_spreadsheets(networks, tmp_path):
    export = tmp_path / "plausible.csv"
    export.write_text("date,visitors,pageviews,utm_campaign\n2026-11-02,1,2,\"=HYPERLINK(\"\"http://x\"\")\"\n")
    result, data = run_import(networks, str(export))
    assert result.exit_code == 0, result.output
    assert ',"\'=HYPERLINK(' in (networks.root / "metrics/web.csv").read_text()


def test_an_export_csv_cannot_read_is_refused_not_a_traceback(networks, tmp_path):
    export = tmp_path / "x.csv"
    export.write_text("Tweet id,Tweet permalink,impressions,time\n1,\"" + "a" * 200_000 + "\",3,2026-11-02\n")
    result = networks.gazette("report", "import", str(export), now=NOW)
    assert result.exit_code == 2 and "cannot be read as CSV" in result.output


def test_a_metrics_file_csv_cannot_read_is_a_problem_not_a_traceback(networks):
    networks.write("metrics/x.csv", "date,network,channel,post_id,url,item,campaign,impressions,reach,reactions,"
                                    "comments,shares,clicks,followers,visits,signups\n2026-11-02,x,\"" + "a" * 200_000 + "\n")
    result = networks.gazette("check", now=NOW)
    assert result.exit_code == 1 and "metrics/x.csv:" in result.output and "cannot be read as CSV" in result.output


def _xlsx_with(tmp_path, name: str, replace: dict[str, bytes]) -> Path:
    """The LinkedIn sample with some members replaced: what a hostile workbook looks like inside."""
    import zipfile

    out = tmp_path / name
    with zipfile.ZipFile(EXPORTS / "linkedin-content.xlsx") as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member.filename, replace.get(member.filename, source.read(member)))
        for name_inside in sorted(set(replace) - set(source.namelist())):
            target.writestr(name_inside, replace[name_inside])
    return out


def test_a_workbook_without_a_worksheet_is_refused_not_a_traceback(networks, tmp_path):
    import re
    import zipfile

    with zipfile.ZipFile(EXPORTS / "linkedin-content.xlsx") as source:
        workbook = source.read("xl/workbook.xml")
    empty = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", workbook, flags=re.S)
    export = _xlsx_with(tmp_path, "empty.xlsx", {"xl/workbook.xml": empty})
    result = networks.gazette("report", "import", str(export), now=NOW)
    assert result.exit_code == 2 and "the workbook has no worksheet" in result.output


def test_an_xlsx_that_unpacks_to_hundreds_of_megabytes_is_refused_before_reading(networks, tmp_path):
    # One inline cell of 70 MB deflates to ~70 KB: openpyxl would hold it all in memory.
    cell = b"<c r='A1' t='inlineStr'><is><t>" + b"a" * 70_000_000 + b"</t></is></c>"
    sheet = b"<worksheet xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main'><sheetData><row r='1'>" \
            + cell + b"</row></sheetData></worksheet>"
    export = _xlsx_with(tmp_path, "bomb.xlsx", {"xl/worksheets/sheet1.xml": sheet})
    assert export.stat().st_size < 1_000_000
    result = networks.gazette("report", "import", str(export), now=NOW)
    assert result.exit_code == 2 and "unpacks to 66 MiB" in result.output and "refused" in result.output


def test_an_xlsx_member_packed_a_thousand_times_is_refused(networks, tmp_path):
    strings = b"<sst xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main'>" + b"<si/>" * 2_000_000 \
              + b"</sst>"
    export = _xlsx_with(tmp_path, "strings.xlsx", {"xl/sharedStrings.xml": strings})
    result = networks.gazette("report", "import", str(export), now=NOW)
    assert result.exit_code == 2 and "xl/sharedStrings.xml unpacks" in result.output, result.output


def test_an_xlsx_with_more_shared_strings_than_an_export_has_is_refused(networks, tmp_path):
    # Packs only ~10 times: the ratio cap lets it through, the count does not (openpyxl parses them all first).
    strings = b"<sst xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main'>" \
              + b"".join(b"<si><t>%d</t></si>" % n for n in range(150_000)) + b"</sst>"
    export = _xlsx_with(tmp_path, "strings.xlsx", {"xl/sharedStrings.xml": strings})
    result = networks.gazette("report", "import", str(export), now=NOW)
    assert result.exit_code == 2 and "150000 shared strings" in result.output, result.output


def test_one_row_is_counted_in_the_singular(networks):
    result = networks.gazette("report", "import", str(EXPORTS / "meta-facebook-posts.csv"), "--dry-run", now=NOW)
    assert result.exit_code == 0, result.output
    assert ": 1 row, " in result.output and "1 rows" not in result.output
