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
        "2\ttroll\tnetiquette/insult\t'c0nnard' (line 3, characters 11-18)\tword-list: insult list (fr): 'connard'",
        "2\ttroll\tnetiquette/personal-data\t'06 12 34 56 78' (line 3, characters 31-45)\t"
        "phone: a valid phone number for region FR (phonenumbers)",
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
        "2\tGaël\tnetiquette/insult\t'connard' (line 3, characters 10-17)\tword-list: insult list (fr): 'connard'",
        "2\tGaël\tnetiquette/personal-data\t'06 12 34 56 78' (line 3, characters 35-49)\t"
        "phone: a valid phone number for region FR (phonenumbers)",
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
    for encoding in ("utf-8", "utf-16"):  # a NUL character is refused whatever the encoding
        with_nul = tmp_path / f"nul-{encoding}.csv"
        with_nul.write_bytes("id,text\n1,Quel\x00 connard\n".encode(encoding))
        result = run(str(with_nul))
        assert result.exit_code == 2 and "not a CSV or JSON-lines export" in result.output, encoding
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


# -- issue 19: quality per family, context, explanations -----------------------------------------

from gazette.netiquette import Moderator, load_config  # noqa: E402

CORPUS = __import__("pathlib").Path(__file__).parent / "moderation"


@pytest.fixture(scope="module")
def moderator():
    return Moderator(load_config(None)[0])


def families(moderator, text):
    names = {"netiquette/insult": "insult", "netiquette/discrimination": "hate", "netiquette/porn": "sexual",
             "netiquette/personal-data": "personal-data", "netiquette/shouting": "shouting"}
    return sorted({names[f.code] for f in moderator.scan(text) if f.code in names})


# Each family: what must be caught, then the bait that must not be. Written for these tests,
# apart from both corpus files.
FAMILY_CASES = {
    "insult": (
        ["T'es un vrai c-o-n-n-a-r-d", "Quel connnnnnard", "Espèce de kon", "fdp", "Tu me fais chier",
         "Vous m'emmerdez", "What a moron", "You clown", "sh*t organisers", "You are pathetic"],
        ["On a vu les Enfoirés hier", "Un pain bâtard, s'il vous plaît", "Il m'a traité de « connard »",
         "She called me 'idiot' yesterday", "Le méchant de la pièce est un salaud magnifique",
         "Les pros and cons du pneu tubeless", "Un chili con carne pour dix", "Le contrat de conseil",
         "Ferme la porte du local", "Je suis incapable de venir", "Je me sens idiote",
         "A clown at the kids party", "The loser of the final pays the coffee", "Un café con leche"],
    ),
    "hate": (
        ["Les migrants sont de la vermine", "Pas de Roms dans notre club", "Immigrants are cockroaches",
         "Qu'ils rentrent chez eux", "Les juifs contrôlent la presse", "sale race", "Dehors les Arabes",
         "No Muslims in my street"],
        ["Les migrants ont réparé dix vélos", "Pas de chiens dans la salle", "Les rats envahissent la cave",
         "Ils rentrent chez eux après la sortie", "A talk on the history of Jews in Alsace",
         "Les femmes du club sont malades cette semaine", "Women control the pace on the climb",
         "Un membre a écrit « sale arabe », je signale"],
    ),
    "sexual": (
        ["Nudes à vendre, écris-moi en privé", "Escort dispo ce soir", "Hot singles near you",
         "Rencontres coquines gratuites", "Webcam privée, clique sur mon profil", "voir http://xxx-cams.example/"],
        ["La webcam du col montre la neige", "L'escorte des coureurs par la gendarmerie",
         "Le lien de la cagnotte est en privé", "Hot chocolate at the finish", "Le film X-Men au ciné-club",
         "Hot chocolate available tonight at the finish", "Girls ride tonight, join us!",
         "Massage sportif dispo ce soir après la course", "Cherche partenaire pour la sortie de ce soir",
         "Réservez sur https://hotel-lyon.com", "voir www.camping-du-lac.fr", "https://www.sussex.ac.uk",
         "https://pornic.fr/agenda"],
    ),
    "personal-data": (
        ["Mon 06 12 34 56 78", "+33 (0)6 12 34 56 78", "Ring 07700 900123", "paul POINT girard AROBASE free POINT fr",
         "IBAN FR76 3000 6000 0112 3456 7890 189", "Carte 4970 1012 3456 7893", "NIR 1 85 05 78 006 084 91",
         "Il habite au 12 rue des Lilas, 69003 Lyon", "julie.martin@gmail.com"],
        ["Écrivez à contact@club.org", "hello@zensical.org", "Urgences : 112", "Appelez la mairie au 04 72 10 30 30",
         "Le local est au 10 rue de la Paix", "Facture 2026-11-0042", "Série WTU123456789",
         "Référence FR76 3000 6000 0112 3456 7890 188", "SIREN 732 829 320", "Réf. 123 456 789",
         "Tirage n° 4 12 33 45 46", "SIRET 123 456 789 00012"],
    ),
    "shouting": (
        ["C'EST INADMISSIBLE, RÉPONDEZ-MOI", "WHY DOES NOBODY EVER ANSWER"],
        ["La SNCF et la RATP", "Lecture : GUERRE ET PAIX", "LE TOUR DE FRANCE passe ici", "MERCI !"],
    ),
}


@pytest.mark.parametrize("family", sorted(FAMILY_CASES))
def test_each_family_catches_its_cases_and_leaves_the_bait(moderator, family):
    caught, bait = FAMILY_CASES[family]
    assert [t for t in caught if family not in families(moderator, t)] == []
    assert [(t, families(moderator, t)) for t in bait if families(moderator, t)] == []


def test_the_held_out_corpus_meets_the_targets(moderator):
    """Issue 19's figures, on the third written and frozen before the rules (tests/moderation)."""
    import json

    rows = [json.loads(line) for line in (CORPUS / "heldout.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) > 130 and sum(not r["families"] for r in rows) > len(rows) / 3
    tp = fp = fn = 0
    per_family = {}
    for row in rows:
        got, expected = set(families(moderator, row["text"])), set(row["families"])
        for family in got | expected:
            cell = per_family.setdefault(family, [0, 0, 0])
            cell[0 if family in got and family in expected else 1 if family in got else 2] += 1
    for family, (t, p, n) in per_family.items():
        assert t / (t + p) >= 0.9 and t / (t + n) >= 0.85, family
        tp, fp, fn = tp + t, fp + p, fn + n
    assert tp / (tp + fp) >= 0.95 and tp / (tp + fn) >= 0.90


def test_every_flag_says_rule_family_match_and_why(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    export = tmp_path / "e.csv"
    export.write_text("id,author,text\n1,a,Les migrants sont des parasites\n2,b,écris à jo POINT li AROBASE free "
                      "POINT fr\n", encoding="utf-8")
    queue = json.loads(run(str(export), "--format", "json").output)["queue"]
    assert [(q["id"], q["family"], q["rule"], q["match"]) for q in queue] == [
        ("1", "hate", "group+predicate", "migrants sont des parasites"),
        ("2", "personal-data", "obfuscated-email", "jo POINT li AROBASE free POINT fr")]
    assert "'migrants'" in queue[0]["why"] and "'parasites'" in queue[0]["why"]


def test_a_community_extends_lists_context_and_allowed_phrases(repo, tmp_path):
    repo.write("calendar/moderation.yml",
               "context:\n  groups: [cyclistes]\nallow_phrases: [quel connard de boss]\n"
               "personal_data: {regions: [BE]}\n")
    export = tmp_path / "c.csv"
    export.write_text("id,author,text\n1,a,Les cyclistes sont des parasites\n2,b,Le jeu Quel connard de boss\n"
                      "3,c,Mon gsm 0470 12 34 56\n", encoding="utf-8")
    data = json.loads(CliRunner().invoke(cli, ["moderate", str(export), "--repo", str(repo.root),
                                               "--format", "json"]).output)
    assert [(q["id"], q["family"]) for q in data["queue"]] == [("1", "hate"), ("3", "personal-data")]


def test_review_warnings_for_what_patterns_cannot_be_sure_of(moderator):
    [child] = moderator.scan("Ma fille est née le 3 mars 2016, elle va à l'école Jean Moulin")
    assert (child.code, child.severity, child.rule) == ("netiquette/personal-data", "warning", "child-identity")
    [person] = moderator.scan("Marie Dupont habite rue Victor Hugo à Rennes")
    assert (person.severity, person.rule) == ("warning", "person-place")
    assert moderator.scan("Paul habite près de Lyon") == []


@pytest.mark.parametrize("missing", [("ahocorasick_rs",), ("ahocorasick_rs", "ahocorasick")])
def test_the_fallback_matchers_find_the_same(monkeypatch, missing):
    import json
    import sys

    rows = [json.loads(line) for line in (CORPUS / "tune.jsonl").read_text(encoding="utf-8").splitlines()]
    fast = Moderator(load_config(None)[0])
    for name in missing:
        monkeypatch.setitem(sys.modules, name, None)
    slow = Moderator(load_config(None)[0])
    assert slow.automaton.rust is None

    assert [slow.scan(r["text"]) for r in rows] == [fast.scan(r["text"]) for r in rows]


def test_a_misshapen_community_file_is_a_problem_never_a_traceback(repo, tmp_path):
    repo.write("calendar/moderation.yml", "allow_phrases: 5\ncontext:\n  groups: [yes, supporters]\n"
               "rules:\n  insult: {severity: loud, words: {fr: [patate]}}\nshouting: {min_letters: many}\n")
    config, problems = load_config(repo.root)
    assert [(p.code, p.line, p.message) for p in problems] == [
        ("schema/type", 1, "allow_phrases must be a list of words (quote yes, no, on, off)"),
        ("schema/type", 3, "context.groups must be a list of words (quote yes, no, on, off)"),
        ("schema/type", 5, "rules.insult.severity must be error, warning or off"),
        ("schema/type", 6, "shouting.min_letters must be a whole number")]
    assert [f.text for f in Moderator(config).scan("Espèce de patate")] == ["patate"]  # the rest still applies
    export = tmp_path / "c.csv"
    export.write_text("id,author,text\n1,a,Bonjour\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["moderate", str(export), "--repo", str(repo.root)])
    assert result.exit_code == 2 and "moderation.yml:1: schema/type" in result.output
    assert "Traceback" not in result.output


from hypothesis import given, settings, strategies as st  # noqa: E402

PIECES = st.sampled_from(["connard", "C0NNARD", "c.o.n", "f*ck", "«", "»", "\"", "'", "’", "œ", "İ", "😀", "\n",
                          " ", "06 12 34 56 78", "@", "a@b.fr", "AROBASE", "POINT", "migrants", "sont des rats",
                          "!!!", "RUE", "12 rue", "habite", "né le 3 mars 2016", "école", "www.", "http://x",
                          "escort", "en privé", "FR76 3000 6000 0112 3456 7890 189", "ß", "\x00", "\u202f"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=25))
def test_spans_always_point_into_the_original_text(moderator, pieces):
    text = "".join(pieces)
    for finding in moderator.scan(text):
        assert 0 <= finding.start < finding.end <= len(text)
        assert text[finding.start:finding.end] == finding.text
        assert finding.rule and finding.why


def test_a_lone_surrogate_escape_in_json_lines_is_read_not_a_crash(tmp_path, repo):
    # "\ud800" is valid JSON yet names half a UTF-16 pair: it crashed the JSON output with a
    # UnicodeEncodeError; it is now U+FFFD and the insult beside it is still flagged.
    export = tmp_path / "queue.jsonl"
    export.write_text('{"id":"1","author":"a\\udc00","text":"connard \\ud800"}\n{"id":"2","text":"ok"}\n')
    result = repo.gazette("moderate", str(export), "--format", "json")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    queue = json.loads(result.output)["queue"]
    assert [(q["id"], q["match"], q["text"]) for q in queue] == [("1", "connard", "connard \ufffd\ufffd\ufffd")]
