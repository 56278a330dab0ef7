"""`gazette moderate`: the same rules over community messages."""

from __future__ import annotations

import json

import pytest

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
    no_text.write_text("id,author,note\n1,a,b\n", encoding="utf-8")
    result = run(str(no_text))
    assert result.exit_code == 2 and "a.csv:1: the CSV header needs a message column" in result.output
    assert "found: id, author, note" in result.output
    broken = tmp_path / "b.jsonl"
    broken.write_text('{"id": 1, "text": "ok"}\n{"id": 2, "text": \n', encoding="utf-8")
    result = run(str(broken))
    assert result.exit_code == 2 and "b.jsonl:2: not a JSON object" in result.output
    result = run(str(tmp_path / "absent.csv"))
    assert result.exit_code == 2 and "absent.csv" in result.output


def test_a_french_excel_export_in_windows_1252_with_semicolons(tmp_path, monkeypatch):
    """What "Enregistrer sous… CSV (séparateur : point-virgule)" writes on a French Windows."""
    monkeypatch.chdir(tmp_path)
    export = tmp_path / "commentaires.csv"
    export.write_bytes("N°;Auteur;Commentaire;Date\r\n"
                       "1;Léa;Très bien, l'atelier de réparation;20/11/2026\r\n"
                       "2;Gaël;Espèce de connard, rappelle-moi au 06 12 34 56 78;21/11/2026\r\n"
                       .encode("cp1252"))
    assert b"\xe9" in export.read_bytes()  # real cp1252 bytes: é is 0xE9, not UTF-8's C3 A9
    result = CliRunner(**({"mix_stderr": False} if _mixes() else {})).invoke(cli, ["moderate", str(export)])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "2\tGaël\tnetiquette/insult\t'connard' (line 3, characters 10-17)",
        "2\tGaël\tnetiquette/personal-data\t'06 12 34 56 78' (line 3, characters 35-49)",
        "2 messages, 1 to review, 2 flags",
    ]
    assert "read as Windows-1252" in result.stderr
    assert "Traceback" not in result.output


def _mixes() -> bool:
    import inspect

    return "mix_stderr" in inspect.signature(CliRunner).parameters


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("header", [("id", "author", "text"), ("identifiant", "auteur", "contenu"),
                                    ("ID", "Author", "Message"), ("n°", "pseudo", "texte")])
def test_exports_read_in_any_usual_encoding_delimiter_and_language(tmp_path, monkeypatch, encoding,
                                                                   delimiter, header):
    monkeypatch.chdir(tmp_path)
    export = tmp_path / "export.csv"
    rows = [header, ("7", "Zoé", "Merci, à samedi"), ("8", "Max", "Quel connard")]
    export.write_bytes("\r\n".join(delimiter.join(r) for r in rows).encode(encoding))
    data = json.loads(run(str(export), "--format", "json").output)
    assert data["messages"] == 2 and data["notes"] == []
    assert [(q["id"], q["author"], q["code"]) for q in data["queue"]] == [("8", "Max", "netiquette/insult")]


def test_unreadable_exports_exit_2_with_a_reason(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spreadsheet = tmp_path / "export.xlsx.csv"
    spreadsheet.write_bytes(b"PK\x03\x04\x14\x00\x00\x00binary")
    result = run(str(spreadsheet))
    assert result.exit_code == 2 and "not a CSV or JSON-lines export" in result.output
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("texte\n\x81 caf\xe9\n".encode("latin-1"))  # 0x81 is undefined in cp1252
    result = CliRunner().invoke(cli, ["moderate", str(latin1)])
    assert result.exit_code == 0 and "read as Latin-1" in result.output


def test_excels_sep_line_names_the_delimiter(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    export = tmp_path / "excel.csv"
    export.write_bytes("sep=;\r\nid;auteur;message\r\n1;Léa;Quel connard, franchement\r\n".encode("cp1252"))
    result = CliRunner(**({"mix_stderr": False} if _mixes() else {})).invoke(
        cli, ["moderate", str(export), "--format", "json"])
    data = json.loads(result.stdout)
    assert [(q["id"], q["author"], q["line"]) for q in data["queue"]] == [("1", "Léa", 3)]
    assert data["notes"] and "Windows-1252" in data["notes"][0]
