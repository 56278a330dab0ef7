"""`gazette moderate`: the same rules over community messages."""

from __future__ import annotations

import json

from click.testing import CliRunner

from gazette.cli import cli


def run(*args):
    return CliRunner().invoke(cli, ["moderate", *args], catch_exceptions=False)


def test_csv_export_gives_a_queue_with_spans(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # outside any repository: the shipped lists apply
    export = tmp_path / "commentaires.csv"
    export.write_text("id,author,text,date\n1,lea,Merci pour l'atelier,2026-11-20\n"
                      "2,troll,\"T'es qu'un c0nnard, appelle le 06 12 34 56 78\",2026-11-21\n"
                      "3,marc,Rendez-vous à Bitche samedi,2026-11-22\n", encoding="utf-8")
    result = run(str(export))
    assert result.output.splitlines() == [
        "2\ttroll\tnetiquette/insult\t'c0nnard' (line 3, characters 11-18)",
        "2\ttroll\tnetiquette/personal-data\t'06 12 34 56 78' (line 3, characters 31-45)",
        "3 messages, 1 to review, 2 flags",
    ]
    assert result.exit_code == 1


def test_json_lines_export_and_json_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    export = tmp_path / "forum.jsonl"
    export.write_text('{"id": "a", "author": "sam", "text": "Bonne idée"}\n'
                      '{"id": "b", "author": "max", "text": "SERIOUSLY WHAT THE HELL IS THIS"}\n', encoding="utf-8")
    data = json.loads(run(str(export), "--format", "json").output)
    assert data["messages"] == 2 and data["to_review"] == 1
    assert [(q["id"], q["code"]) for q in data["queue"]] == [("b", "netiquette/shouting")]


def test_a_clean_export_exits_zero(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    export = tmp_path / "ok.csv"
    export.write_text("id,author,text\n1,lea,Merci à tous\n", encoding="utf-8")
    result = run(str(export))
    assert result.output == "1 message, 0 to review, 0 flags\n" and result.exit_code == 0


def test_the_community_lists_apply_inside_a_repository(repo, tmp_path):
    repo.write("calendar/moderation.yml", "rules:\n  insult:\n    words:\n      fr: [patate]\n")
    export = tmp_path / "c.csv"
    export.write_text("id,author,text\n1,lea,Espèce de patate\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["moderate", str(export), "--repo", str(repo.root)])
    assert "netiquette/insult\t'patate'" in result.output


def test_bad_exports_say_where_and_what(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    no_text = tmp_path / "a.csv"
    no_text.write_text("id,author,message\n1,a,b\n", encoding="utf-8")
    result = run(str(no_text))
    assert result.exit_code == 2 and "a.csv:1: the CSV header needs a 'text' column" in result.output
    broken = tmp_path / "b.jsonl"
    broken.write_text('{"id": 1, "text": "ok"}\n{"id": 2, "text": \n', encoding="utf-8")
    result = run(str(broken))
    assert result.exit_code == 2 and "b.jsonl:2: not a JSON object" in result.output
    result = run(str(tmp_path / "absent.csv"))
    assert result.exit_code == 2 and "absent.csv" in result.output
