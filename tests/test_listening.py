"""Listening without the network: keyword matching, triage quality, the answer flow, KPIs in business
hours, the bad-buzz alert, imports, moderation follow-through and erasure."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from gazette.listening import config, store  # noqa: E402
from gazette.listening.match import Matcher  # noqa: E402
from gazette.listening.triage import Classifier  # noqa: E402

NOW = "2026-11-23T12:00:00+01:00"  # a Monday
SETTINGS = """\
keywords:
  Fabrique à Vélos: [fabriqueavelos, "@fabrique"]
competitors:
  Vélo Express: [veloexpress]
business_hours: {days: [mon, tue, wed, thu, fri], from: "09:00", to: "18:00"}
bad_buzz: {window_hours: 2, threshold: 5, baseline_days: 7, factor: 3}
"""


@pytest.fixture(autouse=True)
def own_state(monkeypatch):
    monkeypatch.delenv("GAZETTE_STATE_DIR", raising=False)


@pytest.fixture
def listening(repo):
    repo.write("calendar/listening.yml", SETTINGS)
    return repo


def test_names_match_whatever_the_case_accents_and_separators():
    matcher = Matcher({"keywords": {"Fabrique à Vélos": ["fabriqueavelos"]}, "hashtags": ["velotaf"],
                       "competitors": {"Vélo Express": []}})
    assert matcher.find("Merci la FABRIQUE A VELOS !") == (["Fabrique à Vélos"], [])
    assert matcher.find("#FabriqueAVelos et la fabrique-à-vélos") == (["Fabrique à Vélos"], [])
    assert matcher.find("un #vélotaf avec Velo  Express") == (["#velotaf"], ["Vélo Express"])
    assert matcher.find("la fabrique à vélosaures") == ([], [])  # word boundaries


def load_set(name):
    from eval_triage import labelled

    return labelled(ROOT / "tests" / name)


def test_triage_quality_on_the_labelled_sets():
    from eval_triage import evaluate

    tuned = load_set("listening_triage.tsv")
    assert len(tuned) >= 200
    scores, _mistakes = evaluate(tuned)
    for name, (precision, recall, _support) in scores.items():
        assert precision >= 0.9 and recall >= 0.9, (name, precision, recall)
    scores, mistakes = evaluate(load_set("listening_triage_holdout.tsv"))
    assert 1 - len(mistakes) / 60 >= 0.9
    # The second hold-out was written after the lists were last tuned on words: what a new community
    # can expect. A floor, so that a change that makes triage worse on unseen messages fails.
    fresh = load_set("listening_triage_holdout2.tsv")
    scores, mistakes = evaluate(fresh)
    assert 1 - len(mistakes) / len(fresh) >= 0.75
    assert scores["question"][1] >= 0.85 and scores["criticism"][0] >= 0.9


def test_a_community_adds_its_own_words():
    text = "Le service est moyen"
    assert Classifier().classify(text) == "other"
    assert Classifier({"criticism": ["moyen"]}).classify(text) == "criticism"
    assert Classifier().classify("pas top la réparation") == "criticism"
    assert Classifier().classify("not great, the brakes") == "criticism"


def add_mentions(repo, specs):
    """specs: (hours before NOW, class, author, text)."""
    from gazette.state import connect

    now = datetime.fromisoformat(NOW)
    connection = connect(repo.root)
    mentions = [store.Mention(f"urn:{n}", f"https://ex.org/{n}", "test", "forum", author, "", text,
                              now - timedelta(hours=hours), True, ["Fabrique à Vélos"], cls, [])
                for n, (hours, cls, author, text) in enumerate(specs)]
    store.add(connection, mentions, now)
    connection.close()


def test_the_answer_flow_from_queue_to_kpis(listening):
    add_mentions(listening, [(1, "question", "ana", "Vous êtes ouverts ?"),
                             (2, "praise", "ben", "Merci !"),
                             (30, "criticism", "cy", "Toujours pas de réponse"),
                             (50, "criticism", "dan", "Nul")])
    queue = listening.gazette("mentions", "--needs-answer")
    assert queue.exit_code == 0
    assert [line.split()[0] for line in queue.output.splitlines()[:-1]] == ["#1", "#3", "#4"]
    assert "3 mentions" in queue.output

    answered = listening.gazette("mentions", "answer", "1", "--url", "https://ex.org/reply/1", "--by", "camille",
                                 "--at", "2026-11-23T11:30:00")  # recorded later than it was posted
    assert answered.exit_code == 0 and "answered by camille" in answered.output
    ignored = listening.gazette("mentions", "ignore", "4", "--reason", "troll connu")
    assert ignored.exit_code == 0
    left = json.loads(listening.gazette("mentions", "--needs-answer", "--format", "json").output)["mentions"]
    assert [m["id"] for m in left] == [3]

    stats = json.loads(listening.gazette("mentions", "stats", "--format", "json").output)
    assert stats["classes"] == {"question": 1, "criticism": 2, "praise": 1, "other": 0}
    assert stats["criticism_praise_ratio"] == 2.0
    assert stats["answered"] == 1 and stats["answer_hours_median"] == 0.5  # 11:00 → 11:30 on a Monday
    assert stats["unanswered_criticism_24h"] == 1 and stats["unanswered_criticism_ids"] == [3]

    assert listening.gazette("mentions", "answer", "2", "--url", "javascript:alert(1)").exit_code == 2
    missing = listening.gazette("mentions", "answer", "99", "--url", "https://ex.org/x")
    assert missing.exit_code == 2 and "no mention #99" in missing.output

    csv_out = listening.gazette("mentions", "--format", "csv", "--place", "forum").output.splitlines()
    assert csv_out[0].startswith("id,at,class") and len(csv_out) == 5
    since = listening.gazette("mentions", "--since", "2026-11-23T08:00:00+01:00", "--format", "json").output
    assert [m["id"] for m in json.loads(since)["mentions"]] == [1, 2]


def test_an_answer_cannot_precede_its_mention_nor_silently_replace_another(listening):
    add_mentions(listening, [(1, "question", "ana", "Vous êtes ouverts ?")])  # 2026-11-23 11:00 +01:00
    early = listening.gazette("mentions", "answer", "1", "--url", "https://ex.org/r/1", "--at", "2026-11-23T10:30:00")
    assert early.exit_code == 2 and "before mention #1" in early.output and "2026-11-23 11:00 +01:00" in early.output
    assert listening.gazette("mentions", "answer", "1", "--url", "https://ex.org/r/1", "--by", "camille").exit_code == 0
    second = listening.gazette("mentions", "answer", "1", "--url", "https://ex.org/r/2", "--by", "lou")
    assert second.exit_code == 2 and "already answered by camille" in second.output and "--replace" in second.output
    kept = json.loads(listening.gazette("mentions", "--format", "json").output)["mentions"][0]
    assert kept["answer_url"] == "https://ex.org/r/1"
    replaced = listening.gazette("mentions", "answer", "1", "--url", "https://ex.org/r/2", "--by", "lou", "--replace")
    assert replaced.exit_code == 0 and "replaces the earlier answer https://ex.org/r/1" in replaced.output


def test_an_unknown_place_is_a_usage_error_naming_the_known_ones(listening):
    add_mentions(listening, [(1, "question", "ana", "Vous êtes ouverts ?")])  # from the place "forum"
    listening.write("calendar/listening.yml", SETTINGS + "feeds: [{url: 'https://blog.example/feed', place: blog}]\n")
    unknown = listening.gazette("mentions", "--place", "nope")
    assert unknown.exit_code == 2 and "unknown place 'nope'" in unknown.output and "blog, forum" in unknown.output
    quiet = listening.gazette("mentions", "--place", "blog")  # configured, nothing stored yet
    assert quiet.exit_code == 0 and "0 mentions" in quiet.output


class Marking:
    """A catalog that marks what it translated: text outside the marks never went through gettext."""

    def gettext(self, message):
        return f"«{message}»"

    def ngettext(self, singular, plural, n):
        return f"«{singular if n == 1 else plural}»"


def test_the_queue_s_words_and_forget_s_counts_are_translated(listening, monkeypatch):
    from gazette import i18n
    from gazette.listening import forget
    from gazette.state import connect

    add_mentions(listening, [(1, "criticism", "ana", "Nul"), (2, "criticism", "ana", "Toujours nul")])
    monkeypatch.setitem(i18n._catalogs, "fr", Marking())
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    queue = listening.gazette("mentions").output
    assert "«criticism»" in queue and "«NEEDS ANSWER»" in queue
    i18n.set_language("fr")
    connection = connect(listening.root)
    assert forget(connection, "ana") == ["«2 mentions by ana»"]
    connection.close()


def test_time_to_answer_counts_business_hours_only():
    from gazette.listening.stats import business_seconds
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    settings = config.Settings({"business_hours": {"days": ["mon", "tue", "wed", "thu", "fri"],
                                                   "from": "09:00", "to": "18:00"}})
    friday = datetime(2026, 11, 20, 17, 55, tzinfo=paris)
    monday = datetime(2026, 11, 23, 9, 5, tzinfo=paris)
    assert business_seconds(friday, monday, settings, paris) == 10 * 60
    night = datetime(2026, 11, 23, 22, 0, tzinfo=paris)
    assert business_seconds(night, night + timedelta(hours=10), settings, paris) == 0
    assert business_seconds(monday, monday + timedelta(days=1), settings, paris) == 9 * 3600


def test_share_of_voice_counts_competitor_mentions(listening):
    from gazette.listening.stats import mention_stats
    from gazette.state import connect

    now = datetime.fromisoformat(NOW)
    connection = connect(listening.root)
    store.add(connection, [
        store.Mention("a", "u", "s", None, "x", "", "t", now, True, ["Fabrique à Vélos"], "other", []),
        store.Mention("b", "u", "s", None, "x", "", "t", now, True, ["Fabrique à Vélos", "Vélo Express"], "other", []),
        store.Mention("c", "u", "s", None, "x", "", "t", now, False, ["Vélo Express"], "other", []),
    ], now)
    settings, _ = config.load(listening.root)
    data = mention_stats(connection, settings, now, timezone.utc)
    assert data["share_of_voice"]["counts"] == {"brand": 2, "Vélo Express": 2}
    assert data["share_of_voice"]["brand"] == 0.5
    assert data["mentions"] == 2


def test_a_bad_buzz_is_said_first_by_watch_and_status_and_watch_exits_3(listening):
    # the usual: one criticism a day; then 6 in the last two hours
    add_mentions(listening, [(24 * d + 5, "criticism", f"old{d}", "déçu") for d in range(1, 7)]
                 + [(0.2 * n, "criticism", f"new{n}", f"Scandale numéro {n}") for n in range(6)])
    watch = listening.gazette("watch")
    assert watch.exit_code == 3
    first = watch.output.splitlines()[0]
    assert first.startswith("BAD BUZZ: 6 criticisms in the last 2 h")
    assert 'gazette freeze --reason' in watch.output and "Scandale numéro 0" in watch.output
    status = listening.gazette("status")
    assert status.output.splitlines()[0].startswith("BAD BUZZ: 6 criticisms")
    status_json = json.loads(listening.gazette("status", "--format", "json").output)
    assert status_json["bad_buzz"]["count"] == 6


def test_no_alert_when_criticism_is_the_usual_rate(listening):
    add_mentions(listening, [(2.5 * n + 0.1, "criticism", f"p{n}", "déçu") for n in range(60)])
    watch = listening.gazette("watch")
    assert watch.exit_code == 0 and "BAD BUZZ" not in watch.output


def test_mentions_import_reads_other_tools_exports(listening, tmp_path):
    export = tmp_path / "mentions.csv"
    export.write_text("URL;Date;Auteur;Texte\n"
                      "https://ex.org/1;2026-11-22T10:00:00+01:00;ana;Pourquoi la Fabrique est fermée ?\n"
                      "https://ex.org/2;hier;ben;Bravo\n"
                      "pas-une-url;;cy;Nul\n"
                      "https://ex.org/1;2026-11-22T10:00:00+01:00;ana;Pourquoi la Fabrique est fermée ?\n",
                      encoding="cp1252")
    result = listening.gazette("mentions", "import", str(export))
    assert result.exit_code == 1
    assert f"{export}:3: date 'hier' is not a date (ISO 8601 or dd/mm/yyyy): row not imported" in result.output
    assert f"{export}:4: no http(s) url: row not imported" in result.output
    assert "2 rows read, 1 new mentions" in result.output
    queue = json.loads(listening.gazette("mentions", "--format", "json").output)["mentions"]
    assert [(m["author"], m["class"]) for m in queue] == [("ana", "question")]
    jsonl = tmp_path / "m.jsonl"
    jsonl.write_text(json.dumps({"url": "https://ex.org/3", "text": "Super la fabrique", "author": "dee"}) + "\n")
    assert listening.gazette("mentions", "import", str(jsonl)).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    refused = listening.gazette("mentions", "import", str(bad))
    assert refused.exit_code == 2 and "url and text columns" in refused.output


EXPORT = """id,author,text
1,troll,Espèce de connard
2,ana,Merci pour l'atelier
3,troll,Encore toi connard
4,spam,Écrivez-moi à vente@spam.example
"""


def test_moderation_follow_through(listening, tmp_path):
    export = tmp_path / "forum.csv"
    export.write_text(EXPORT)
    result = listening.gazette("moderate", str(export), "--record")
    assert result.exit_code == 1
    again = listening.gazette("moderate", str(export), "--record")  # the same export twice counts once
    assert again.exit_code == 1
    metrics = (listening.root / "metrics/moderation.csv").read_text()
    assert metrics.splitlines()[0] == "week,family,flagged"
    assert "2026-11-23,insult,2" in metrics and "2026-11-23,personal-data,1" in metrics
    assert "troll" not in metrics and "connard" not in metrics

    assert listening.gazette("moderation", "act", "1", "reminder", "--reason", "premier avertissement",
                             "--by", "camille").exit_code == 0
    acted = listening.gazette("moderation", "act", "2", "suspend", "--reason", "récidive", "--by", "camille")
    assert "suspend recorded for troll (message #2, netiquette/insult)" in acted.output
    listening.gazette("moderation", "act", "#3", "hide", "--reason", "spam")
    offenders = json.loads(listening.gazette("moderation", "offenders", "--format", "json").output)["offenders"]
    assert [(o["author"], o["actions"]) for o in offenders] == [("troll", 2), ("spam", 1)]
    assert offenders[0]["by_action"] == {"reminder": 1, "suspend": 1}
    missing = listening.gazette("moderation", "act", "9", "ban", "--reason", "x")
    assert missing.exit_code == 2


def test_act_takes_the_recorded_id_and_refuses_an_export_s_id_that_names_someone_else(listening, tmp_path):
    first, second = tmp_path / "m1.csv", tmp_path / "m2.csv"
    first.write_text("id;auteur;commentaire\n1;bob;Vous êtes tous des abrutis\n", encoding="utf-8")
    second.write_text("id,author,text\n1,carl,espèce de connard\n", encoding="utf-8")
    listening.gazette("moderate", str(first), "--record")
    recorded = listening.gazette("moderate", str(second), "--record")
    assert "#2\tcarl\tnetiquette/insult\tespèce de connard" in recorded.output  # the id act takes

    ambiguous = listening.gazette("moderation", "act", "1", "ban", "--reason", "x")
    assert ambiguous.exit_code == 2
    assert "#1 (bob)" in ambiguous.output and "#2 (carl)" in ambiguous.output
    unknown = listening.gazette("moderation", "act", "#7", "ban", "--reason", "x")
    assert unknown.exit_code == 2 and "gazette moderation list" in unknown.output
    huge = listening.gazette("moderation", "act", "#999999999999999999999999", "hide", "--reason", "x")
    assert huge.exit_code == 2 and "Traceback" not in huge.output, huge.output

    banned = listening.gazette("moderation", "act", "#2", "ban", "--reason", "x")
    assert banned.exit_code == 0 and "ban recorded for carl (message #2" in banned.output
    twice = listening.gazette("moderation", "act", "#2", "ban", "--reason", "x")
    assert twice.exit_code == 0 and "already recorded for carl" in twice.output
    offenders = json.loads(listening.gazette("moderation", "offenders", "--format", "json").output)["offenders"]
    assert [(o["author"], o["actions"]) for o in offenders] == [("carl", 1)]
    listening.gazette("moderation", "act", "#2", "ban", "--reason", "encore", "--again")
    offenders = json.loads(listening.gazette("moderation", "offenders", "--format", "json").output)["offenders"]
    assert [(o["author"], o["actions"]) for o in offenders] == [("carl", 2)]

    listed = listening.gazette("moderation", "list")
    assert listed.exit_code == 0
    assert [line.split("\t")[:3] for line in listed.output.splitlines()[:2]] == [
        ["#2", "2026-11-23 12:00 +01:00", "carl"], ["#1", "2026-11-23 12:00 +01:00", "bob"]]
    assert listed.output.splitlines()[0].endswith("ban, ban")


def test_publish_runs_after_moderate_record_which_commits_its_metrics_alone(git_repo, tmp_path):
    export = tmp_path / "forum.csv"
    export.write_text(EXPORT)
    git_repo.write("notes.txt", "a person's work in progress\n")
    assert git_repo.gazette("moderate", str(export), "--record").exit_code == 1
    assert git_repo.git("status", "--porcelain", "--", "metrics").strip() == ""
    assert "moderation" in git_repo.git("log", "-1", "--format=%s")
    assert "notes.txt" not in git_repo.git("show", "--stat", "HEAD")
    (git_repo.root / "notes.txt").unlink()
    published = git_repo.gazette("publish")
    assert published.exit_code == 0, published.output
    export.with_name("more.csv").write_text("id,author,text\n9,zed,Quel connard\n")
    git_repo.gazette("moderate", str(export.with_name("more.csv")), "--record", "--no-commit")
    assert "metrics/moderation.csv" in git_repo.git("status", "--porcelain")


def test_offenders_show_the_last_action_in_the_community_s_zone(listening, tmp_path):
    export = tmp_path / "forum.csv"
    export.write_text(EXPORT)
    listening.gazette("moderate", str(export), "--record")
    listening.gazette("moderation", "act", "1", "ban", "--reason", "x", now="2026-11-29T10:00:00+01:00")
    shown = listening.gazette("moderation", "offenders").output
    assert "2026-11-29 10:00 +01:00" in shown and "+00:00" not in shown


def test_forget_erases_a_person_from_mentions_and_moderation(listening, tmp_path):
    from gazette.listening import forget
    from gazette.state import connect

    add_mentions(listening, [(1, "question", "@Troll", "Vous êtes ouverts ?"), (2, "praise", "ana", "Merci"),
                             (3, "other", "ZOÉ", "Bonjour"), (4, "other", "Zoe", "Bonsoir")])
    export = tmp_path / "forum.csv"
    export.write_text(EXPORT)
    listening.gazette("moderate", str(export), "--record")
    listening.gazette("moderation", "act", "1", "ban", "--reason", "insultes")
    connection = connect(listening.root)
    removed = forget(connection, "troll")
    assert removed == ["1 mention by troll", "2 moderated messages by troll", "1 moderation action about troll"]
    rows = connection.execute("SELECT author FROM mentions UNION ALL SELECT author FROM moderated "
                              "UNION ALL SELECT author FROM moderation_actions").fetchall()
    assert sorted(r[0] for r in rows) == ["ZOÉ", "Zoe", "ana", "spam"]
    assert forget(connection, "troll") == []
    assert forget(connection, "@zoé") == ["1 mention by @zoé"]  # not Zoe: another person


def test_listening_yml_problems_point_at_lines(repo):
    repo.write("calendar/listening.yml", "keywords: {}\nbusiness_hours: {from: '18:00', to: '09:00', days: [lun]}\n"
                                         "feeds: [javascript:alert(1)]\n")
    result = repo.gazette("check")
    assert "calendar/listening.yml:1: listening/no-keywords" in result.output
    assert "calendar/listening.yml:2: listening/business-hours 'lun' is not a day" in result.output
    assert "calendar/listening.yml:3: listening/feed-url" in result.output
    assert result.exit_code == 1


def test_retention_cutoff_is_calendar_months():
    moment = datetime(2027, 3, 31, 12, tzinfo=timezone.utc)
    assert config.months_before(moment, 13) == datetime(2026, 2, 28, 12, tzinfo=timezone.utc)


def test_fetched_text_cannot_run_in_a_spreadsheet_or_drive_the_terminal(listening):
    add_mentions(listening, [(1, "other", "=HYPERLINK(\"http://evil\")", "Fabrique \x1b]0;pwned\x07 \x1b[2J ok")])
    text = listening.gazette("mentions").output
    assert "\x1b" not in text and "\x07" not in text and "Fabrique" in text
    csv_out = listening.gazette("mentions", "--format", "csv").output
    assert ",'=HYPERLINK" in csv_out.replace('"', "")
    assert "\x1b" not in csv_out and "\x07" not in csv_out and "Fabrique" in csv_out


def test_a_crisis_holding_statement_scaffold(repo):
    made = repo.gazette("new", "post", "Panne de l'atelier", "--template", "crisis", "--date",
                        "2026-11-23T14:00:00+01:00")
    assert made.exit_code == 0, made.output
    text = (repo.root / "content/posts/2026/panne-de-l-atelier.md").read_text()
    assert "tags: [crisis]" in text and "Qui signe" in text
    assert repo.gazette("check").exit_code == 0
    refused = repo.gazette("new", "post", "X", "--template", "../../etc/passwd")
    assert refused.exit_code == 2


def test_the_report_reads_the_same_figures_and_nothing_without_a_database(listening):
    from gazette.listening.stats import report_figures

    now = datetime.fromisoformat(NOW)
    assert report_figures(listening.root, now) is None
    assert not (listening.root / ".gazette").exists()
    add_mentions(listening, [(1, "praise", "ana", "Merci")])
    figures = report_figures(listening.root, now)
    assert figures["mentions"] == 1 and figures["classes"]["praise"] == 1


def test_keywords_may_be_a_plain_list(repo):
    repo.write("calendar/listening.yml", "keywords: [Fabrique à Vélos, fabriqueavelos]\ncompetitors: [Vélo Express]\n")
    settings, problems = config.load(repo.root)
    assert not problems
    assert Matcher(settings).find("la fabrique a velos et velo express") == (["Fabrique à Vélos"], ["Vélo Express"])


def test_an_absurd_retention_or_window_is_a_problem_not_a_crash(listening):
    listening.write("calendar/listening.yml", SETTINGS.replace("window_hours: 2", "window_hours: 1000000000000")
                    + "retention_months: 100000\n")
    checked = listening.gazette("check")
    assert "calendar/listening.yml:7: schema/range retention_months must be at most 120" in checked.output
    assert "schema/range bad_buzz.window_hours must be at most" in checked.output
    watched = listening.gazette("watch")
    assert isinstance(watched.exception, SystemExit) and watched.exit_code == 2, watched.output  # config, not a feed


def test_an_import_reads_french_dates_when_the_file_says_the_day_comes_first(listening, tmp_path):
    export = tmp_path / "men.csv"
    export.write_text("url;date;texte\n"
                      "https://ex.org/1;28/11/2026 15:00;La Fabrique à Vélos ferme ?\n"
                      "https://ex.org/2;05/11/2026;Merci la Fabrique\n"
                      "https://ex.org/3;31/02/2026;Fabrique\n", encoding="utf-8")
    result = listening.gazette("mentions", "import", str(export))
    assert f"{export}:4: date '31/02/2026' is not a date (ISO 8601 or dd/mm/yyyy): row not imported" in result.output
    queue = json.loads(listening.gazette("mentions", "--format", "json").output)["mentions"]
    assert [m["at"] for m in queue] == ["2026-11-28T14:00:00+00:00", "2026-11-04T23:00:00+00:00"]

    unclear = tmp_path / "unclear.csv"
    unclear.write_text("url,date,text\nhttps://ex.org/4,05/11/2026,Fabrique\n", encoding="utf-8")
    refused = listening.gazette("mentions", "import", str(unclear))
    assert refused.exit_code == 1
    assert "could be day/month or month/day" in refused.output and "row not imported" in refused.output


def test_a_bad_row_of_an_import_is_reported_on_its_line_and_the_rest_imported(listening, tmp_path):
    export = tmp_path / "mentions.csv"
    rows = ["url,text,date,author", "http://a/1,Fabrique à Vélos ?,2026-11-22T10:00:00,ana",
            "http://a/2,Fabrique à Vélos nul ?,0001-01-01T00:00:00,bob",
            "http://a/3," + "x" * 200_000 + ",,cy"]
    rows += [f"http://a/{n},Bravo la Fabrique à Vélos {n},,dee" for n in range(4, 51)]
    rows += ["https://[bad/p,Fabrique à Vélos top,2026-11-28,eve"]  # Python cannot split this URL
    export.write_text("\n".join(rows) + "\n")
    result = listening.gazette("mentions", "import", str(export))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"{export}:52: no http(s) url: row not imported" in result.output
    assert f"{export}:3: date '0001-01-01T00:00:00' is out of range: row not imported" in result.output
    assert f"{export}:4: cannot read as CSV: field larger than field limit" in result.output
    assert "48 rows read, 48 new mentions" in result.output


def test_gazette_forget_erases_mentions_moderation_and_contest_entries_in_one_run(listening, tmp_path):
    from test_contests import BEFORE, CONTEST, OPEN, entries_csv, people

    listening.post("jeu-test", CONTEST, kind="contests")
    listening.git("init", "-q")
    listening.commit_all("start")
    assert listening.gazette("contest", "commit", "jeu-test", "--beacon", "none", now=BEFORE).exit_code == 0
    imported = listening.gazette("contest", "entries", "jeu-test", "import",
                                 str(entries_csv(tmp_path / "e.csv", people(3))), now=OPEN)
    assert imported.exit_code == 0, imported.output
    export = tmp_path / "mentions.csv"
    export.write_text("url,text,author\nhttps://ex.org/1,La Fabrique ? nulle,@Membre1@velo.example\n"
                      "https://ex.org/2,Merci la Fabrique,ana\n")
    assert listening.gazette("mentions", "import", str(export)).exit_code == 0
    forum = tmp_path / "forum.csv"
    forum.write_text("id,author,text\n1,@membre1@velo.example,Espèce de connard\n2,troll,Encore toi connard\n")
    listening.gazette("moderate", str(forum), "--record")
    assert listening.gazette("moderation", "act", "1", "ban", "--reason", "insultes").exit_code == 0

    result = listening.gazette("forget", "@membre1@velo.example", "--format", "json")
    assert result.exit_code == 0, result.output
    removed = json.loads(result.output)["removed"]
    assert sorted(removed) == ["1 entry in the contest jeu-test", "1 mention by @membre1@velo.example",
                               "1 moderated message by @membre1@velo.example",
                               "1 moderation action about @membre1@velo.example"]
    queue = json.loads(listening.gazette("mentions", "--format", "json").output)["mentions"]
    assert [m["author"] for m in queue] == ["ana"]
    offenders = json.loads(listening.gazette("moderation", "offenders", "--format", "json").output)["offenders"]
    assert all("membre1" not in o["author"] for o in offenders)
    listing = listening.gazette("contest", "entries", "jeu-test", "list", now=OPEN).output
    assert "membre1" not in listing and "2 entries" in listing


def test_a_url_python_cannot_split_is_keyed_by_its_guid_not_a_crash():
    from gazette.listening.fetch import mention_key, origin_of

    # One entry of a stranger's feed with a broken link used to stop the whole watch run.
    assert mention_key("https://[bad/p", "g1") == "g1"
    assert mention_key("https://[bad/p") == "https://[bad/p"
    assert origin_of("http://[bad") == ("", "", None)  # no origin: a token is never sent there
