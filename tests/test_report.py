"""`gazette report`: publishing KPIs from receipts, plan, freezes and git history."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

NOW = "2026-12-02T10:00:00+01:00"
CHANNELS = """\
timezone: Europe/Paris
channels:
  site: {network: site}
  mastodon: {network: mastodon, slots: ["Tue 12:30"], cadence: {posts: 1, per: week}}
  newsletter: {network: newsletter, cadence: {posts: 1, per: month}}
"""


def post(repo, slug, day, status="published", receipt=None, tags=""):
    front = (f"title: {slug}\ndate: 2026-11-{day}T12:30:00+01:00\nstatus: {status}\n"
             f"channels:\n  mastodon: {{text: hello}}\n{tags}")
    if receipt:
        front += f"published:\n  mastodon: {{at: 2026-11-{day} {receipt}:00+01:00, id: m{day}}}\n"
    return repo.post(slug, front)


@pytest.fixture
def month_repo(repo):
    repo.write("calendar/channels.yml", CHANNELS)
    post(repo, "on-time", "03", receipt="12:31")
    post(repo, "late", "10", receipt="13:30")
    post(repo, "missed", "17", status="approved")
    post(repo, "held", "24", status="approved")
    post(repo, "crisis", "24", status="approved", tags="tags: [crisis]\n")
    post(repo, "an-idea", "28", status="idea")
    repo.write("calendar/freezes/20261123-crise.yml",
               "reason: crise\nfrom: 2026-11-23T00:00:00+01:00\nuntil: 2026-11-25T00:00:00+01:00\n")
    return repo


def report_json(repo, *args):
    result = repo.gazette("report", "--format", "json", *args, now=NOW)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_publications_on_time_missed_and_held_come_from_receipts_plan_and_freezes(month_repo):
    data = report_json(month_repo, "--month", "2026-11")
    pub = data["publishing"]
    assert pub["publications"] == 2 and pub["per_channel"] == {"mastodon": 2}
    assert pub["on_time"]["rate"] == 0.5  # 1 min late is on time, 60 min is not
    assert pub["on_time"]["delay_minutes"] == {"count": 2, "median": 1.0, "p90": 60.0}
    assert [m["path"].rsplit("/", 1)[1] for m in pub["missed"]] == ["missed.md", "crisis.md"]
    assert [h["path"].rsplit("/", 1)[1] for h in pub["held"]] == ["held.md"]
    assert data["freezes"] == {"count": 1, "hours": 48.0, "items_held": 1}
    assert data["pipeline"]["by_status"]["idea"] == 1
    week45 = next(w for w in pub["per_week"] if w["week"] == "2026-W45" and w["channel"] == "mastodon")
    assert week45 == {"week": "2026-W45", "channel": "mastodon", "count": 1, "expected": 1}


def test_a_wider_tolerance_counts_the_late_receipt_on_time(month_repo):
    assert report_json(month_repo, "--month", "2026-11", "--tolerance", "90")["publishing"]["on_time"]["rate"] == 1.0


def test_the_default_period_is_the_last_full_month_in_the_community_zone(month_repo):
    data = report_json(month_repo)
    assert (data["from"], data["to"]) == ("2026-11-01T00:00:00+01:00", "2026-12-01T00:00:00+01:00")


def test_from_and_to_narrow_the_period(month_repo):
    data = report_json(month_repo, "--from", "2026-11-09", "--to", "2026-11-16")
    assert data["publishing"]["publications"] == 1


def test_channel_filter_and_unknown_channel(month_repo):
    assert report_json(month_repo, "--channel", "newsletter")["publishing"]["publications"] == 0
    result = month_repo.gazette("report", "--channel", "tiktok", now=NOW)
    assert result.exit_code == 2 and "unknown channel 'tiktok'" in result.output


def test_text_and_csv_show_the_same_numbers(month_repo):
    text = month_repo.gazette("report", now=NOW).output
    assert "2 publications, 50.0 % on time" in text and "Buffer" in text
    csv_text = month_repo.gazette("report", "--format", "csv", now=NOW).output
    assert "publishing,on_time_rate,,0.5" in csv_text.splitlines()


def commit_at(repo, when: str, email: str, message: str):
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    repo.git("add", "-A")
    subprocess.run(["git", "-c", f"user.name={email}", "-c", f"user.email={email}", "commit", "-q", "-m", message],
                   cwd=repo.root, check=True, env=env)


def test_lead_time_review_time_and_contributors_come_from_one_git_log(repo):
    repo.write("calendar/channels.yml", CHANNELS)
    repo.git("init", "-q", "-b", "main")
    commit_at(repo, "2026-10-01T10:00:00+02:00", "old@example.org", "frame")
    post(repo, "story", "03", status="draft")
    commit_at(repo, "2026-11-01T10:00:00+01:00", "new@example.org", "draft")
    post(repo, "story", "03", status="approved")
    commit_at(repo, "2026-11-02T10:00:00+01:00", "old@example.org", "approve")
    post(repo, "story", "03", status="published", receipt="12:31")
    commit_at(repo, "2026-11-03T12:32:00+01:00", "gazette@localhost", "gazette publish")
    data = report_json(repo, "--month", "2026-11")
    lead = data["lead_times"]
    assert lead["lead_time_hours"]["median"] == 50.5  # Nov 1 10:00 → Nov 3 12:31 (first receipt)
    assert lead["review_time_hours"]["median"] == 24.0  # → the approving commit, not publish's own
    assert data["contributors"] == {"count": 2, "new": 1, "from_git": True}


def test_without_git_the_report_still_runs(month_repo):
    data = report_json(month_repo)
    assert data["contributors"]["from_git"] is False


def test_an_empty_period_is_a_usage_error(month_repo):
    result = month_repo.gazette("report", "--from", "2026-11-10", "--to", "2026-11-01", now=NOW)
    assert result.exit_code == 2


GOLDEN = Path(__file__).parent / "golden" / "report-2026-11.json"


def test_sample_month_json_matches_the_golden_file(sample):
    shutil.copytree(Path(__file__).resolve().parent.parent / "metrics", sample.root / "metrics")
    result = sample.gazette("report", "--month", "2026-11", "--format", "json", now=NOW)
    assert result.exit_code == 0, result.output
    if os.environ.get("GAZETTE_UPDATE_GOLDEN"):
        GOLDEN.write_text(result.output, encoding="utf-8")
    assert result.output == GOLDEN.read_text(encoding="utf-8")


def test_the_sample_moderation_figures_use_the_families_gazette_moderate_records():
    from gazette.moderate import FAMILIES

    sample = (Path(__file__).resolve().parent.parent / "metrics/moderation.csv").read_text().splitlines()
    families = {line.split(",")[1] for line in sample[1:]}
    assert families and families <= set(FAMILIES.values()), families - set(FAMILIES.values())


def test_newsletters_contests_moderation_and_targets(month_repo):
    repo = month_repo
    repo.post("lettre", "title: Lettre\ndate: 2026-11-27T09:00:00+01:00\nstatus: published\nsubject: S\n"
                        "campaign: automne-2026\nchannels:\n  newsletter: {}\npublished:\n"
                        "  newsletter: {at: 2026-11-27 09:03:00+01:00, recipients: 410, refused: 2, given_up: 0, "
                        "suppressed: 3, invalid: 0, list_size: 415, deferred: 1}\n", kind="newsletters")
    repo.post("jeu", "title: Jeu\ndate: 2026-11-01T09:00:00+01:00\nstatus: published\ncampaign: automne-2026\n"
                     "opens: 2026-11-02T09:00:00+01:00\ncloses: 2026-11-20T09:00:00+01:00\norganizer: La Fabrique\n"
                     "prizes: [{name: Révision, quantity: 1, value: 60}]\n"
                     "entries: {count: 120, eligible: 111, digest: ab12}\nwinners: [\"#7f3a\"]\n", kind="contests")
    repo.write("metrics/moderation.csv", "week,family,flagged\n2026-10-26,spam,9\n2026-11-02,spam,4\n"
                                         "2026-11-30,insult,1\n2026-12-07,spam,8\n")
    repo.write("calendar/campaigns/automne-2026.yml",
               "name: Automne\nfrom: 2026-09-01T00:00:00+02:00\nto: 2026-11-30T00:00:00+01:00\n"
               "target: {metric: entries, value: 100}\n")
    data = report_json(repo, "--month", "2026-11")
    assert data["newsletters"] == [{"path": "content/newsletters/2026/lettre.md", "title": "Lettre",
                                    "at": "2026-11-27T09:03:00+01:00", "sent": 410, "refused": 2, "deferred": 1,
                                    "suppressed": 3, "list_size": 415}]
    assert [(c["entries"], c["eligible"], c["winners"]) for c in data["contests"]] == [(120, 111, 1)]
    assert [(m["week"], m["flagged"]) for m in data["moderation"]] == [("2026-10-26", 9), ("2026-11-02", 4),
                                                                      ("2026-11-30", 1)]
    assert data["targets"] == [{"kind": "campaign", "slug": "automne-2026", "name": "Automne", "metric": "entries",
                                "target": 100, "value": 120, "progress": 1.2}]
    assert "automne-2026.yml" not in repo.gazette("check", now=NOW).output  # target: is a known key


def test_a_campaign_target_with_an_unknown_metric_is_a_schema_problem(month_repo):
    month_repo.write("calendar/campaigns/automne-2026.yml",
                     "name: Automne\nfrom: 2026-09-01T00:00:00+02:00\nto: 2026-11-30T00:00:00+01:00\n"
                     "target: {metric: likes, value: 100}\n")
    result = month_repo.gazette("check", now=NOW)
    assert "calendar/campaigns/automne-2026.yml:4: schema/choice" in result.output


@pytest.mark.parametrize("args, message", [
    (("--month", "9999-12"), "--month '9999-12'"),
    (("--month", "2026-13"), "--month '2026-13'"),
    (("--from", "2026-11-01", "--to", "9999-12-31T23:59:59"), "longer than 10 years"),
    (("--from", "0001-01-01", "--to", "0001-02-01"), ""),  # no window before year 1 to compare with
    (("--from", "9999-12-01", "--to", "9999-12-31T23:59:59"), ""),  # the last day has no next day
])
def test_extreme_periods_are_usage_errors_or_reports_never_tracebacks(month_repo, args, message):
    result = month_repo.gazette("report", *args, now=NOW)
    assert result.exit_code == (2 if message else 0), result.output
    assert message in result.output


METRICS_HEADER = ("date,network,channel,post_id,url,item,campaign,impressions,reach,reactions,comments,shares,"
                  "clicks,followers,visits,signups\n")


def test_a_month_compares_its_engagement_with_the_previous_calendar_month(month_repo):
    # October has 31 days: the 30 days before November 1 start on October 2, and would miss Oct 1.
    month_repo.write("metrics/mastodon.csv", METRICS_HEADER + "2026-10-01,mastodon,mastodon,m1,,,,100,,10,,,,,,\n"
                                                              "2026-11-03,mastodon,mastodon,m3,,,,100,,5,,,,,,\n")
    data = report_json(month_repo, "--month", "2026-11")
    assert data["engagement"]["previous_rate"] == 0.1
    assert data["engagement"]["previous_window"]["month"] is True
    text = month_repo.gazette("report", "--month", "2026-11", now=NOW).output
    assert "Engagement 5.0 % by impressions, down from 10.0 % in 2026-10 (the previous month)." in text
    html = month_repo.gazette("report", "--month", "2026-11", "--format", "html", "--lang", "en", now=NOW).output
    assert "down from 10.0 % in 2026-10 (the previous month)" in html
    week = month_repo.gazette("report", "--from", "2026-11-02", "--to", "2026-11-09", now=NOW).output
    assert "over 2026-10-26 → 2026-11-02 (the same length before)" not in week  # no rows then: no comparison
    assert "Engagement 5.0 % by impressions." in week


def test_items_committed_after_their_receipt_are_left_out_of_lead_times_and_counted(repo):
    repo.write("calendar/channels.yml", CHANNELS)
    repo.git("init", "-q", "-b", "main")
    post(repo, "imported", "03", status="published", receipt="12:31")  # history imported weeks later
    commit_at(repo, "2026-11-20T10:00:00+01:00", "old@example.org", "import the old posts")
    post(repo, "story", "10", status="draft")
    commit_at(repo, "2026-11-09T10:00:00+01:00", "new@example.org", "draft")
    post(repo, "story", "10", status="published", receipt="12:30")
    commit_at(repo, "2026-11-10T12:31:00+01:00", "gazette@localhost", "gazette publish")
    data = report_json(repo, "--month", "2026-11")
    lead = data["lead_times"]
    assert lead["lead_time_hours"]["count"] == 1 and lead["lead_time_hours"]["median"] == 26.5
    assert lead["left_out_history_after_receipt"] == 1
    text = repo.gazette("report", "--month", "2026-11", now=NOW).output
    assert "1 item left out of lead and review times" in text


def test_mentions_of_the_period_feed_the_mentions_target_and_a_listening_section(month_repo, monkeypatch):
    from datetime import datetime

    from gazette.listening import store
    from gazette.state import connect

    monkeypatch.delenv("GAZETTE_STATE_DIR", raising=False)
    repo = month_repo
    repo.write("calendar/listening.yml", "keywords:\n  Fabrique à Vélos: [fabriqueavelos]\n"
                                         "competitors:\n  Vélo Express: [veloexpress]\n")
    repo.write("calendar/campaigns/automne-2026.yml", "name: Automne\ngoal: être cités\n"
                                                       "target: {metric: mentions, value: 4}\n")
    connection = connect(repo.root)
    store.add(connection, [store.Mention(f"urn:{n}", f"https://ex.org/{n}", "test", "forum", "ana", "", "Merci",
                                         datetime.fromisoformat(at), True, ["Fabrique à Vélos"], cls, [])
                           for n, (at, cls) in enumerate([("2026-10-31T12:00:00+01:00", "praise"),
                                                          ("2026-11-05T12:00:00+01:00", "praise"),
                                                          ("2026-11-20T12:00:00+01:00", "criticism"),
                                                          ("2026-12-01T09:00:00+01:00", "question")])],
              datetime.fromisoformat(NOW))
    connection.close()
    data = report_json(repo, "--month", "2026-11")
    assert data["listening"]["mentions"] == 2  # October's and December's are other months
    assert data["listening"]["classes"]["criticism"] == 1
    assert [t["value"] for t in data["targets"] if t["metric"] == "mentions"] == [2]
    text = repo.gazette("report", "--month", "2026-11", now=NOW).output
    assert "2 brand mentions; share of voice 100.0 %" in text
    assert "1 criticisms unanswered after 24 h" in text
    html = repo.gazette("report", "--month", "2026-11", "--format", "html", "--lang", "en", now=NOW).output
    assert "<h2>Listening</h2>" in html and "Brand mentions</th><td class=\"n\">2<" in html
    assert "listening,mentions,,2" in repo.gazette("report", "--month", "2026-11", "--format", "csv", now=NOW).output


def test_without_listening_state_the_report_says_nothing_about_it(month_repo, monkeypatch):
    monkeypatch.delenv("GAZETTE_STATE_DIR", raising=False)
    assert report_json(month_repo, "--month", "2026-11")["listening"] is None
    assert "Listening" not in month_repo.gazette("report", "--month", "2026-11", now=NOW).output
    assert not (month_repo.root / ".gazette").exists()


def test_a_workspace_report_gives_each_community_its_report_and_names_the_unreadable(month_repo, tmp_path):
    from click.testing import CliRunner

    from gazette.cli import cli

    for name in ("a", "b"):
        shutil.copytree(month_repo.root, tmp_path / name, ignore=shutil.ignore_patterns(".git", ".gazette"))
    (tmp_path / "b/content/posts/2026/late.md").unlink()
    file = tmp_path / "gazette-workspace.yml"
    file.write_text("communities:\n  - {path: a, name: alpha}\n  - {path: b, name: beta}\n"
                    "  - {path: missing, name: gamma}\n")

    def run(*args):
        return CliRunner().invoke(cli, ["--workspace", str(file), "report", *args, "--now", NOW],
                                  catch_exceptions=False)

    result = run("--month", "2026-11", "--format", "json")
    assert result.exit_code == 2  # gamma cannot be read
    data = json.loads(result.output)["communities"]
    assert data["alpha"]["publishing"]["publications"] == 2
    assert data["beta"]["publishing"]["publications"] == 1
    assert "error" in data["gamma"]
    text = run("--month", "2026-11").output
    assert "== alpha" in text and "2 publications" in text and "== beta" in text and "1 publication," in text
    assert "cannot be read" in text
    assert run("--format", "html").exit_code == 2
    assert run("--channel", "mastodon").exit_code == 2
