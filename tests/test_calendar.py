"""The editorial calendar: checks, views, slots and diffs, with DST and other zones."""

from __future__ import annotations

import json

import pytest

TUE = "2026-10-06T12:30:00+02:00"  # a Tuesday, mastodon's "Tue 12:30" slot in the fixture


def post(repo, slug, at=TUE, status="approved", extra="", channel="mastodon", date=None):
    front = (f"title: {slug}\ndate: {date or at}\nstatus: {status}\n{extra}"
             f"channels:\n  {channel}: {{text: Salut, at: {at}}}\n")
    return repo.post(slug, front=front)


def report(repo, *args, now="2026-10-01T00:00:00+02:00"):
    result = repo.gazette("check", "--format", "json", *args, now=now)
    return result, [(p["path"], p["line"], p["code"], p["severity"]) for p in json.loads(result.output)["problems"]]


def test_two_items_in_one_slot_of_one_account(repo):
    a, b = post(repo, "premier"), post(repo, "second")
    result, found = report(repo)
    assert found == [(a, 6, "calendar/conflict", "error"), (b, 6, "calendar/conflict", "error")]
    assert result.exit_code == 1


def test_same_time_on_two_accounts_is_fine(repo):
    post(repo, "premier")
    post(repo, "second", channel="newsletter")
    assert report(repo)[1] == []


def test_cancelled_items_free_their_slot(repo):
    post(repo, "premier")
    post(repo, "second", status="cancelled")
    assert report(repo)[1] == []


def test_outside_the_channel_slots_is_a_warning(repo):
    path = post(repo, "mercredi", at="2026-10-07T12:30:00+02:00")
    result, found = report(repo)
    assert found == [(path, 6, "calendar/off-slot", "warning")]
    assert "mastodon at Wed 12:30 is outside its slots (Tue 12:30)" in repo.gazette("check", now=TUE).output
    assert result.exit_code == 0


def test_another_offset_for_the_same_instant_is_on_slot(repo):
    post(repo, "tokyo", at="2026-10-06T19:30:00+09:00")  # 12:30 in Paris
    assert report(repo)[1] == []


@pytest.mark.parametrize("at, on_slot", [
    ("2026-03-29T12:30:00+02:00", True),    # DST started that morning: 12:30 CEST
    ("2026-03-29T12:30:00+01:00", False),   # 13:30 in Paris
    ("2026-10-25T12:30:00+01:00", True),    # DST ended that morning: 12:30 CET
    ("2026-10-25T12:30:00+02:00", False),   # 11:30 in Paris
])
def test_slots_are_wall_clock_times_across_dst(repo, at, on_slot):
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n"
               "  mastodon: {network: mastodon, slots: [\"Sun 12:30\"]}\n")
    post(repo, "dimanche", at=at, date=at)
    codes = [code for _, _, code, _ in report(repo, now="2026-01-01T00:00:00+01:00")[1]]
    assert codes == ([] if on_slot else ["calendar/off-slot"])


def test_a_channel_can_have_its_own_timezone(repo):
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n"
               "  mastodon-qc: {network: mastodon, timezone: America/Montreal, slots: [\"Tue 08:00\"]}\n")
    post(repo, "quebec", at="2026-10-06T14:00:00+02:00", channel="mastodon-qc")  # 08:00 in Montréal
    assert report(repo)[1] == []


def test_cadence_below_target_per_account(repo):
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n"
               "  mastodon: {network: mastodon, cadence: {posts: 2, per: week}}\n")
    post(repo, "s41-a", at="2026-10-06T12:30:00+02:00")
    post(repo, "s41-b", at="2026-10-08T12:30:00+02:00")
    post(repo, "s43", at="2026-10-20T12:30:00+02:00")
    found = [(p["line"], p["message"]) for p in json.loads(repo.gazette(
        "check", "--format", "json", now="2026-10-05T00:00:00+02:00").output)["problems"]]
    assert found == [(3, "mastodon: 0 planned for 2026-W42, target 2 per week"),
                     (3, "mastodon: 1 planned for 2026-W43, target 2 per week")]


def test_nothing_is_planned_inside_a_freeze_but_crisis_statements(repo):
    repo.write("calendar/freezes/2026-10-panne.yml",
               "reason: Panne géante, on se tait\nwho: camille\nfrom: 2026-10-05T00:00:00+02:00\n"
               "until: 2026-10-09T00:00:00+02:00\n")
    frozen = post(repo, "pendant")
    post(repo, "communique", at="2026-10-06T12:30:00+02:00", extra="tags: [crisis]\n",
         channel="newsletter")
    _, found = report(repo)
    assert found == [(frozen, 6, "calendar/frozen", "error")]


def test_approved_and_past_without_receipt_is_missed(repo):
    late = post(repo, "en-retard")
    post(repo, "parti", at="2026-10-13T12:30:00+02:00",
         extra="published:\n  mastodon: {at: 2026-10-13T12:30:05+02:00, id: '1'}\n")
    _, found = report(repo, now="2026-10-20T00:00:00+02:00")
    assert found == [(late, 6, "calendar/missed", "warning")]


def test_campaign_items_outside_the_campaign_window(repo):
    path = post(repo, "hors-campagne", at="2026-12-01T12:30:00+01:00", extra="campaign: automne-2026\n")
    _, found = report(repo)
    assert found == [(path, 3, "calendar/campaign-window", "warning")]


def test_contest_timeline_must_be_in_order(repo):
    repo.post("jeu", kind="contests", front=(
        "title: Jeu\ndate: 2026-10-06T09:00:00+02:00\nopens: 2026-10-06T09:00:00+02:00\n"
        "closes: 2026-10-20T23:59:00+02:00\ndraw: 2026-10-19T12:00:00+02:00\n"
        "prizes: [{name: Vélo, quantity: 1, value: 300}]\norganizer: La Fabrique\nstatus: draft\n"))
    _, found = report(repo)
    # This contest has no règlement at all (contest/mention-missing, tested in test_contest_rules.py).
    found = [f for f in found if f[2] != "contest/mention-missing"]
    assert found == [("content/contests/2026/jeu.md", 6, "contest/timeline", "error")]


def test_unreadable_slot_and_reversed_windows_point_at_their_line(repo):
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n"
               "  mastodon: {network: mastodon, slots: [\"Mardi midi\"]}\n")
    repo.write("calendar/events/salon.yml", "name: Salon\nstart: 2026-10-10T10:00:00+02:00\n"
               "end: 2026-10-09T18:00:00+02:00\n")
    _, found = report(repo)
    assert found == [("calendar/channels.yml", 3, "config/slot", "error"),
                     ("calendar/events/salon.yml", 3, "config/window", "error")]


def test_changed_since_sees_a_conflict_with_an_unchanged_item(git_repo):
    post(git_repo, "ancien")
    git_repo.commit_all()
    new = post(git_repo, "nouveau")
    _, found = report(git_repo, "--changed-since", "HEAD")
    assert found == [(new, 6, "calendar/conflict", "error")]


# -- views ---------------------------------------------------------------------

def test_ics_parses_back_with_stable_uids_and_zones(sample):
    icalendar = pytest.importorskip("icalendar")
    result = sample.gazette("calendar", "--format", "ics")
    parsed = icalendar.Calendar.from_ical(result.output.encode())
    events = {str(e["uid"]): e for e in parsed.walk("VEVENT")}
    mastodon = events["post.portes-ouvertes-de-l-atelier.mastodon@gazette"]
    start = mastodon.decoded("dtstart")
    assert start.isoformat() == "2026-12-01T12:30:00+01:00"
    assert str(start.tzinfo) == "Europe/Paris"
    assert str(mastodon["status"]) == "CONFIRMED"
    assert "event.portes-ouvertes-decembre@gazette" in events
    assert "campaign.noel-2026@gazette" in events
    summer = events["post.reparer-sa-chambre-a-air.mastodon@gazette"].decoded("dtstart")
    assert summer.utcoffset().total_seconds() == 7200  # CEST in September
    assert [str(t["tzid"]) for t in parsed.walk("VTIMEZONE")] == ["Europe/Paris"]
    again = icalendar.Calendar.from_ical(sample.gazette("calendar", "--format", "ics").output.encode())
    assert sorted(str(e["uid"]) for e in again.walk("VEVENT")) == sorted(events)


def test_text_agenda_groups_by_day(sample):
    output = sample.gazette("calendar", "--from", "2026-12-01", "--to", "2026-12-05T23:00").output
    assert output.splitlines()[:9] == [
        "Sun 2026-11-01 (+01:00)",
        "  00:00  campaign                      L'hiver à vélo → 2027-02-28 23:59",
        "",
        "Sun 2026-11-15 (+01:00)",  # recruitment actions (calendar/actions/) run across the window too
        "  00:00  action                        Partenariat Vélo du dimanche → 2027-01-31 23:59",
        "",
        "Fri 2026-11-20 (+01:00)",
        "  00:00  action                        Parrainage de l'hiver → 2027-02-28 23:59",
        "  00:00  campaign                      Noël 2026 à la boutique → 2026-12-24 18:00",
    ]
    assert "Tue 2026-12-01 (+01:00)" in output
    assert "  12:30  mastodon            approved  Portes ouvertes de l'atelier le 5 décembre" in output
    assert "  14:00  event                         Portes ouvertes de l'atelier → 2026-12-05 18:00" in output


def test_json_filters_by_channel_and_campaign(sample):
    data = json.loads(sample.gazette("calendar", "--format", "json", "--channel", "instagram-boutique").output)
    assert {e["channel"] for e in data["entries"] if e["kind"] == "publication"} == {"instagram-boutique"}
    data = json.loads(sample.gazette("calendar", "--format", "json", "--campaign", "noel-2026").output)
    assert {e["campaign"] for e in data["entries"]} == {"noel-2026"}
    assert data["entries"][0]["kind"] == "campaign"


def test_html_month_grid(sample, tmp_path):
    target = tmp_path / "calendrier.html"
    result = sample.gazette("calendar", "--format", "html", "--from", "2026-12-01", "--to", "2026-12-31",
                            "-o", str(target))
    html = target.read_text()
    assert result.output.startswith("wrote ")
    assert "<h2>décembre 2026</h2>" in html
    assert "Portes ouvertes de l&#39;atelier le 5 décembre" in html


def test_unknown_channel_is_a_usage_error(sample):
    result = sample.gazette("calendar", "--channel", "tiktok")
    assert result.exit_code == 2
    assert "unknown channel 'tiktok'" in result.output


def test_slot_next_skips_taken_slots_freezes_and_events(repo):
    post(repo, "pris", at="2026-10-06T12:30:00+02:00")
    repo.write("calendar/freezes/gel.yml", "reason: Gel\nfrom: 2026-10-12T00:00:00+02:00\n"
               "until: 2026-10-14T00:00:00+02:00\n")
    repo.write("calendar/events/salon.yml", "name: Salon\nstart: 2026-10-20T12:00:00+02:00\n"
               "end: 2026-10-20T18:00:00+02:00\n")
    result = repo.gazette("slot", "next", "--channel", "mastodon", now="2026-10-05T00:00:00+02:00")
    assert result.output == "mastodon             Tue 2026-10-27 12:30 +01:00  (date: 2026-10-27T12:30:00+01:00)\n"


def test_calendar_diff_on_a_real_two_commit_repo(git_repo):
    post(git_repo, "deplace", at="2026-10-06T12:30:00+02:00")
    post(git_repo, "retire", at="2026-10-13T12:30:00+02:00")
    post(git_repo, "valide", at="2026-10-20T12:30:00+02:00", status="review")
    git_repo.commit_all("before")
    post(git_repo, "deplace", at="2026-10-27T12:30:00+01:00")
    (git_repo.root / "content/posts/2026/retire.md").unlink()
    post(git_repo, "valide", at="2026-10-20T12:30:00+02:00", status="approved")
    post(git_repo, "nouveau", at="2026-11-03T12:30:00+01:00")
    git_repo.commit_all("after")
    data = json.loads(git_repo.gazette("calendar", "diff", "HEAD~1", "HEAD", "--format", "json").output)
    assert [(c["change"], c["slug"]) for c in data["changes"]] == [
        ("removed", "retire"), ("status", "valide"), ("moved", "deplace"), ("added", "nouveau")]
    text = git_repo.gazette("calendar", "diff", "HEAD~1").output
    assert "moved 2026-10-06 12:30 +02:00 → 2026-10-27 12:30 +01:00" in text
    assert git_repo.gazette("calendar", "diff", "HEAD").output == "no calendar changes\n"
    bad = git_repo.gazette("calendar", "diff", "nope")
    assert bad.exit_code == 2 and "'nope' is not a commit here" in bad.output
