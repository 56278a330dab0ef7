"""What one huge message may cost `gazette moderate` (review 8)."""

import json

from click.testing import CliRunner

from gazette.cli import cli

LIMIT = 128 * 1024  # csv's field limit, the one a CSV export's message already had


def run(*args):
    return CliRunner().invoke(cli, ["moderate", *args], catch_exceptions=False)


def test_a_json_lines_message_has_the_size_limit_of_a_csv_field(tmp_path, monkeypatch):
    """One 8 MB message of cue words took 670 MB: JSON lines had no cap, CSV fields had."""
    monkeypatch.chdir(tmp_path)
    export = tmp_path / "huge.jsonl"
    at_limit = "spa " * (LIMIT // 4)
    export.write_text(json.dumps({"id": 1, "text": "ok"}) + "\n" + json.dumps({"id": 2, "text": at_limit}) + "\n",
                      encoding="utf-8")
    assert run(str(export)).exit_code in (0, 1)
    export.write_text(json.dumps({"id": 1, "text": "ok"}) + "\n" + json.dumps({"id": 2, "text": at_limit + "x"}) + "\n",
                      encoding="utf-8")
    result = run(str(export))
    assert result.exit_code == 2
    assert f"huge.jsonl:2: field larger than {LIMIT} characters" in result.output
    export.write_text(json.dumps({"id": 1, "author": "x" * (LIMIT + 1), "text": "ok"}) + "\n", encoding="utf-8")
    assert run(str(export)).exit_code == 2
    # The CSV path says the same of the same field.
    csv_export = tmp_path / "huge.csv"
    csv_export.write_text("id,text\n1,ok\n2," + at_limit + "x\n", encoding="utf-8")
    result = run(str(csv_export))
    assert result.exit_code == 2 and "huge.csv:3" in result.output and str(LIMIT) in result.output
