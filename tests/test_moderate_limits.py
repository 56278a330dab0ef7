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


def queue_of(tmp_path, texts):
    from gazette.moderate import moderate, render_json
    from gazette.netiquette import build_moderator

    export = tmp_path / "q.jsonl"
    export.write_text("".join(json.dumps({"id": str(n), "text": t}) + "\n" for n, t in enumerate(texts, 1)),
                      encoding="utf-8")
    messages, flags = moderate(export, build_moderator(None, use_cache=False)[0])
    return flags, render_json(messages, flags)


def test_the_json_queue_grows_linearly_with_a_message(tmp_path):
    """Every entry repeats its message's text: a 54 KB message with 2,000 flags wrote 108 MB."""
    sizes = {}
    for words in (1000, 4000):
        flags, out = queue_of(tmp_path, ["idiot " * words])
        assert len(flags) == words
        sizes[words] = len(out)
        queue = json.loads(out)
        assert len(queue["queue"]) == 20 and queue["to_review"] == 1
        assert all(e["text"][e["start"]:e["end"]] == e["match"] == "idiot" for e in queue["queue"])
        assert queue["notes"] == [f"message 1 (line 1): {words - 20} more flags not in the queue; a message longer "
                                  "than 2000 characters lists its first 20 (the text output lists them all)"]
    assert sizes[4000] < 4.5 * sizes[1000]
    # A message of ordinary length keeps every flag, the messages after a long one too.
    flags, out = queue_of(tmp_path, ["idiot " * 300, "idiot " * 1000, "idiot " * 30])
    queue = json.loads(out)
    assert [e["id"] for e in queue["queue"]].count("1") == 300
    assert [e["id"] for e in queue["queue"]].count("3") == 30 and len(queue["notes"]) == 1


def test_a_json_line_too_deep_or_with_a_number_too_long_is_a_bad_line_not_a_traceback(tmp_path, monkeypatch):
    """json.loads raises ValueError for an integer past 4,300 digits and RecursionError for deep
    nesting: both were tracebacks with exit 1, the code of "flags to review"."""
    monkeypatch.chdir(tmp_path)
    export = tmp_path / "bad.jsonl"
    for line in ('{"id": ' + "9" * 5000 + ', "text": "hi"}', '{"id": ' + "[" * 200_000 + "]" * 200_000 + ', "text": "hi"}'):
        export.write_text('{"id": 1, "text": "ok"}\n' + line + "\n", encoding="utf-8")
        result = run(str(export))
        assert result.exit_code == 2, result.output
        assert "bad.jsonl:2: not a JSON object" in result.output
