"""The community registry, recruitment actions and their relation/* rules, through `gazette check`."""

from __future__ import annotations

import json

PERSON = """\
name: Alice Martin
kind: blogger
handles:
  mastodon: "@alice@example.org"
topics: [vélo]
stage: contacted
"""
PLACE = """\
name: Vélo du dimanche
kind: blog
url: https://velo.example.org/
contacts: [alice]
relevance: 3
"""
ACTION = """\
name: Partenariat blog vélo
kind: partnership
targets: {people: [alice], places: [velo-du-dimanche]}
campaign: automne-2026
from: 2026-11-01T00:00:00+01:00
to: 2026-12-31T00:00:00+01:00
target: {metric: signups, value: 200}
paid: true
utm: {source: velo-du-dimanche, medium: referral}
"""


def problems(repo, *paths):
    result = repo.gazette("check", "--format", "json", *paths)
    assert result.exit_code in (0, 1), result.output
    return [(p["path"], p["line"], p["code"], f"{p['message']} ({p['hint']})")
            for p in json.loads(result.output)["problems"]]


def codes(repo):
    return {(path, line, code) for path, line, code, _ in problems(repo)}


def registry(repo):
    repo.write("community/people/alice.yml", PERSON)
    repo.write("community/places/velo-du-dimanche.yml", PLACE)


def test_a_clean_registry_checks_clean(repo):
    registry(repo)
    repo.write("calendar/actions/velo.yml", ACTION)
    assert problems(repo) == []


def test_registry_schema_problems_point_at_lines_with_did_you_mean(repo):
    repo.write("community/people/bob.yml", "name: Bob\nstgae: engaged\nstage: enagaged\n")
    repo.write("community/places/forum.yml", "name: Forum\nkind: forum\nrelevance: 5\n")
    found = {(path, line, code): message for path, line, code, message in problems(repo)}
    assert ("community/people/bob.yml", 2, "schema/unknown-key") in found
    assert ("community/people/bob.yml", 3, "schema/choice") in found
    assert ("community/places/forum.yml", 3, "schema/range") in found
    assert ("community/places/forum.yml", 1, "schema/required") in found  # url:
    assert "did you mean 'stage'" in found[("community/people/bob.yml", 2, "schema/unknown-key")]
    assert "did you mean 'engaged'" in found[("community/people/bob.yml", 3, "schema/choice")]


def test_bad_yaml_in_the_registry_is_a_problem_not_a_crash(repo):
    repo.write("community/people/carol.yml", "name: [unclosed\n")
    repo.write("community/people/dave.yml", b"\x00\x01binary")
    repo.write("community/people/Eve Smith.yml", "name: Eve\n")
    found = codes(repo)
    assert ("community/people/carol.yml", 2, "yaml/syntax") in {(p, 2, c) for p, _, c in found} or \
        any(p == "community/people/carol.yml" and c == "yaml/syntax" for p, _, c in found)
    assert any(p == "community/people/dave.yml" and c == "file/binary" for p, _, c in found)
    assert any(p == "community/people/Eve Smith.yml" and c == "file/not-slug" for p, _, c in found)


def test_a_handle_given_as_url_is_normalized_with_a_note(repo):
    repo.write("community/people/alice.yml", PERSON.replace('"@alice@example.org"', "https://example.org/@alice"))
    found = problems(repo)
    assert [(p[0], p[1], p[2]) for p in found] == [("community/people/alice.yml", 4, "relation/handle-url")]
    assert "@alice@example.org" in found[0][3]


def test_duplicate_people_are_an_error_naming_both_files(repo):
    registry(repo)
    repo.write("community/people/alice-m.yml", PERSON.replace('"@alice@example.org"', "https://EXAMPLE.org/@Alice"))
    found = [p for p in problems(repo) if p[2] == "relation/duplicate-person"]
    assert {(p[0], p[1]) for p in found} == {("community/people/alice.yml", 4), ("community/people/alice-m.yml", 4)}
    assert "community/people/alice-m.yml" in next(p[3] for p in found if p[0] == "community/people/alice.yml")
    # the same name on another network, or on another server, is someone else
    repo.write("community/people/alice-m.yml", PERSON.replace('"@alice@example.org"', '"@alice@other.example"'))
    assert not [p for p in problems(repo) if p[2] == "relation/duplicate-person"]


def test_private_contact_details_are_refused_but_handles_are_not(repo):
    repo.write("community/people/alice.yml", PERSON + "contact_ref: alice.martin@gmail.com\nowner: 06 12 34 56 78\n")
    found = [(p[1], p[2]) for p in problems(repo)]
    assert found == [(7, "netiquette/personal-data"), (8, "netiquette/personal-data")]


def test_an_email_or_phone_as_a_handle_or_in_a_comment_is_refused(repo):
    repo.write("community/people/eve.yml", "name: Eve\nhandles: {email: \"eve.perso@gmail.com\", "
               "telephone: \"06 12 34 56 78\", mastodon: \"eve@gmail.com\", x: \"@eve\"}\n"
               "# Eve: tel 06 12 34 56 78\ntopics: [vélo]  # eve.perso@gmail.com\n")
    repo.write("community/people/alice.yml", PERSON + "# met at the 2026 fair, see contact_ref\n")
    found = [(p[0], p[1], p[2]) for p in problems(repo)]
    assert sorted(found) == [("community/people/eve.yml", 2, "netiquette/personal-data")] * 3 + [
        ("community/people/eve.yml", 3, "netiquette/personal-data"),
        ("community/people/eve.yml", 4, "netiquette/personal-data")]


def test_exports_never_land_where_git_would_commit_them(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    registry(repo)
    repo.git("init", "-q")
    repo.write(".gitignore", "private/\n")
    repo.gazette("community", "log", "alice", "Appel")
    for inside in ("community/contacts.csv", "contacts.csv", "content/x.csv"):
        result = repo.gazette("community", "export", "contacts", "-o", str(repo.root / inside))
        assert result.exit_code == 2 and "inside the repository" in result.output, inside
        assert not (repo.root / inside).exists()
    (repo.root / "private").mkdir()
    assert repo.gazette("community", "export", "contacts", "-o", str(repo.root / "private/c.csv")).exit_code == 0
    assert repo.gazette("community", "export", "contacts", "-o", str(tmp_path / "c.csv")).exit_code == 0
    assert "alice" in (tmp_path / "c.csv").read_text()
    # a file put there by hand is flagged by check
    repo.write("community/contacts.csv", "person,at\n")
    assert ("community/contacts.csv", None, "relation/data-file") in codes(repo)


def test_unknown_people_and_places(repo):
    registry(repo)
    repo.write("community/places/velo-du-dimanche.yml", PLACE.replace("[alice]", "[alicee]"))
    repo.write("calendar/actions/velo.yml", ACTION.replace("places: [velo-du-dimanche]", "places: [velo]"))
    found = {(p[0], p[2]): p[3] for p in problems(repo)}
    assert "did you mean 'alice'" in found[("community/places/velo-du-dimanche.yml", "relation/unknown-person")]
    assert ("calendar/actions/velo.yml", "relation/unknown-place") in found


def test_a_planned_action_towards_someone_who_opted_out_or_declined_is_an_error(repo):
    registry(repo)
    repo.write("calendar/actions/velo.yml", ACTION)
    repo.write("community/people/alice.yml", PERSON + "opt_out: true\n")
    assert ("calendar/actions/velo.yml", 3, "relation/opted-out") in codes(repo)
    repo.write("community/people/alice.yml", PERSON.replace("contacted", "declined"))
    assert ("calendar/actions/velo.yml", 3, "relation/opted-out") in codes(repo)
    # an action already over is history, not a plan
    result = repo.gazette("check", "--format", "json", now="2027-02-01T00:00:00+01:00")
    assert "relation/opted-out" not in result.output


def test_items_name_an_existing_action(repo):
    registry(repo)
    repo.write("calendar/actions/velo.yml", ACTION.replace("paid: true", "paid: false"))
    repo.post("ok", "title: ok\ndate: 2026-11-10T12:30:00+01:00\nstatus: approved\naction: velo\n")
    repo.post("typo", "title: typo\ndate: 2026-11-10T12:30:00+01:00\nstatus: approved\naction: vleo\n")
    found = {(p[0], p[2]): p[3] for p in problems(repo)}
    assert list(found) == [("content/posts/2026/typo.md", "ref/action")]
    assert "did you mean 'velo'" in found[("content/posts/2026/typo.md", "ref/action")]


def test_paid_collaborations_say_publicite_in_every_channel_text(repo):
    registry(repo)
    repo.write("calendar/actions/velo.yml", ACTION)
    head = "title: t\ndate: 2026-11-10T12:30:00+01:00\nstatus: approved\n"
    repo.post("paid", head + "action: velo\nchannels:\n  mastodon: {text: \"Nos amis de Vélo du dimanche\"}\n")
    repo.post("flagged", head + "collaboration: true\nchannels:\n  mastodon: {text: \"PUBLICITE : nos amis\"}\n")
    repo.post("said", head + "action: velo\nchannels:\n  mastodon: {text: \"Collaboration commerciale avec…\"}\n")
    found = {(p[0], p[1], p[2]) for p in problems(repo) if p[2] == "relation/paid-mention"}
    assert found == {("content/posts/2026/paid.md", 7, "relation/paid-mention")}


def test_a_denial_or_a_longer_word_is_not_the_paid_mention():
    from gazette.community.rules import has_paid_mention

    for denial in ("Sans publicité, juste une balade", "#nopublicite", "Pas de collaboration commerciale ici",
                   "Ce n'est pas une collaboration commerciale", "non-publicité", "Notre agence publicitaire"):
        assert not has_paid_mention(denial), denial
    for mention in ("Publicité : nos amis", "Merci ! #publicité", "Collaboration  commerciale avec…",
                    "Sans filtre. Publicité"):
        assert has_paid_mention(mention), mention


def test_untouched_engaged_relation_is_a_warning_from_git_or_the_state_database(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    repo.git("init", "-q")
    repo.write("community/people/alice.yml", PERSON.replace("contacted", "engaged"))
    repo.git("add", "-A")
    repo.git("-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-q", "-m", "x",
             "--date", "2026-01-05T10:00:00+01:00")
    import os
    env = {**os.environ, "GIT_COMMITTER_DATE": "2026-01-05T10:00:00+01:00"}
    import subprocess
    subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-q", "--amend",
                    "--no-edit"], cwd=repo.root, env=env, check=True)
    found = [p for p in problems(repo) if p[2] == "relation/stale"]
    assert [(p[0], p[1]) for p in found] == [("community/people/alice.yml", 6)]
    assert "2026-01-05" in found[0][3]
    # a contact logged in the state database counts, and only there
    assert repo.gazette("community", "log", "alice", "Café au salon du vélo", "--channel", "salon").exit_code == 0
    assert not [p for p in problems(repo) if p[2] == "relation/stale"]
    assert repo.git("status", "--porcelain") == ""


def test_a_stale_relation_names_the_last_day_in_the_communitys_zone(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    repo.write("community/people/alice.yml", PERSON.replace("contacted", "engaged"))
    rows = tmp_path / "rows.csv"  # 23:30 UTC on the 4th is 00:30 on the 5th in Paris
    rows.write_text("person,at,what,channel,outcome\nalice,2026-01-04T23:30:00+00:00,Appel,,\n", encoding="utf-8")
    assert repo.gazette("community", "import", "contacts", str(rows)).exit_code == 0
    found = [p for p in problems(repo) if p[2] == "relation/stale"]
    assert len(found) == 1 and "(last: 2026-01-05)" in found[0][3]


def test_warm_check_reads_registry_from_the_cache(repo):
    registry(repo)
    first = problems(repo)
    (repo.root / "community/people/alice.yml").write_text(PERSON + "stgae: x\n", encoding="utf-8")
    assert [p[2] for p in problems(repo)] == ["schema/unknown-key"]
    assert first == []


def test_warm_check_sees_a_new_duplicate_and_a_fix(repo):
    registry(repo)
    assert problems(repo) == []
    repo.write("community/people/alice-bis.yml", PERSON)
    assert {p[2] for p in problems(repo)} == {"relation/duplicate-person"}
    (repo.root / "community/people/alice-bis.yml").unlink()
    assert problems(repo) == []


def test_community_list_filters_and_formats(repo):
    registry(repo)
    repo.write("community/people/bob.yml", "name: Bob Durand\nkind: journalist\nstage: engaged\ntopics: [Vélo]\n")
    result = repo.gazette("community", "list", "--format", "json")
    entries = json.loads(result.output)["entries"]
    assert [(e["type"], e["key"]) for e in entries] == [("person", "alice"), ("person", "bob"),
                                                       ("place", "velo-du-dimanche")]
    result = repo.gazette("community", "list", "--stage", "engaged")
    assert result.output.splitlines()[0].split()[:2] == ["person", "bob"]
    assert result.output.splitlines()[-1] == "1 entry"
    result = repo.gazette("community", "list", "--kind", "place", "--format", "csv")
    assert result.output.splitlines() == ["type,key,name,kind,stage,owner,topics,path",
                                          "place,velo-du-dimanche,Vélo du dimanche,blog,,,,"
                                          "community/places/velo-du-dimanche.yml"]
    result = repo.gazette("community", "list", "--topic", "vélo", "--format", "json")
    assert [e["key"] for e in json.loads(result.output)["entries"]] == ["alice", "bob"]


def test_community_list_refuses_a_filter_nothing_could_match(repo):
    registry(repo)
    result = repo.gazette("community", "list", "--stage", "nope")
    assert result.exit_code == 2 and "'nope'" in result.output and "ambassador" in result.output
    result = repo.gazette("community", "list", "--kind", "blgo")
    assert result.exit_code == 2 and "did you mean 'blog'" in result.output and "journalist" in result.output
    result = repo.gazette("community", "list", "--topic", "cuisine")
    assert result.exit_code == 2 and "vélo" in result.output
    assert repo.gazette("community", "list", "--topic", "VÉLO").exit_code == 0  # known, whatever the case
    result = repo.gazette("community", "list", "--stage", "engaged")  # a real stage nobody is at
    assert result.exit_code == 0 and result.output.splitlines() == ["0 entries"]


def test_show_is_the_relation_timeline(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    registry(repo)
    repo.write("calendar/actions/velo.yml", ACTION)
    repo.post("annonce", "title: Annonce\ndate: 2026-11-10T12:30:00+01:00\nstatus: approved\naction: velo\n"
              "channels:\n  mastodon: {text: \"Publicité : avec @alice@example.org\"}\n")
    assert repo.gazette("community", "log", "alice", "Premier e-mail", "--channel", "e-mail",
                        "--outcome", "intéressée", now="2026-10-02T10:00:00+02:00").exit_code == 0
    result = repo.gazette("community", "show", "alice")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Alice Martin (person, community/people/alice.yml)"
    events = [line.split()[3] for line in lines if line.startswith("  20")]
    assert events == ["contact", "action", "item"]
    assert "Premier e-mail [e-mail] intéressée" in result.output
    data = json.loads(repo.gazette("community", "show", "alice", "--format", "json").output)
    assert data["facts"]["handles"] == {"mastodon": "@alice@example.org"}
    missing = repo.gazette("community", "show", "nobody")
    assert missing.exit_code == 2 and "nobody" in missing.output


def test_log_and_show_give_times_in_the_communitys_zone_in_time_order(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    registry(repo)
    repo.write("calendar/actions/velo.yml", ACTION)
    repo.post("annonce", "title: Annonce\ndate: 2026-11-10T12:30:00+01:00\nstatus: approved\naction: velo\n")
    result = repo.gazette("community", "log", "alice", "Appel", now="2026-11-10T12:00:00+00:00")
    assert result.exit_code == 0
    assert result.output.strip() == "logged for alice at 2026-11-10 13:00 +01:00"  # Paris, not UTC
    rows = tmp_path / "rows.csv"
    rows.write_text("person,starts,ends,deliverables,contract_ref,paid\n"
                    "alice,2026-11-01,2026-12-31,3 billets,C-12,1\n", encoding="utf-8")
    assert repo.gazette("community", "import", "agreements", str(rows)).exit_code == 0
    lines = [line for line in repo.gazette("community", "show", "alice").output.splitlines()
             if line.startswith("  20")]
    # the contact (13:00 in Paris) comes after the item (12:30 in Paris), though "12:00+00:00" sorts first as text
    assert [line.split()[0:4] if "agreement" not in line else line.split()[0:2] for line in lines] == [
        ["2026-11-01", "agreement"], ["2026-11-01", "00:00", "+01:00", "action"],
        ["2026-11-10", "12:30", "+01:00", "item"], ["2026-11-10", "13:00", "+01:00", "contact"]]


def test_log_refuses_unknown_people_and_changes_nothing_in_git(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    registry(repo)
    result = repo.gazette("community", "log", "alicee", "x")
    assert result.exit_code == 2
    assert not (tmp_path / "state").exists()


def test_history_exports_and_imports_as_csv_without_duplicates(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    registry(repo)
    repo.gazette("community", "log", "alice", "Appel, puis e-mail", "--channel", "téléphone",
                 now="2026-10-02T10:00:00+02:00")
    exported = repo.gazette("community", "export", "contacts").output
    assert exported.splitlines() == ["person,at,what,channel,outcome",
                                     'alice,2026-10-02T10:00:00+02:00,"Appel, puis e-mail",téléphone,']
    other = tmp_path / "other.csv"
    other.write_text(exported + "bob,2026-10-03T09:00:00+02:00,Salon,salon,oui\n", encoding="utf-8")
    repo.write("community/people/bob.yml", "name: Bob Durand\n")
    result = repo.gazette("community", "import", "contacts", str(other))
    assert result.exit_code == 0 and result.output.startswith("1 row added")
    bad = tmp_path / "bad.csv"
    bad.write_text("person,at,what,channel,outcome\ncarol,hier,x,,\n", encoding="utf-8")
    result = repo.gazette("community", "import", "contacts", str(bad))
    assert result.exit_code == 2 and "line 2" in result.output
    assert repo.gazette("community", "export", "contacts").output.count("\n") == 3
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("name,date\n", encoding="utf-8")
    assert repo.gazette("community", "import", "agreements", str(wrong)).exit_code == 2


def test_import_refuses_a_person_the_registry_does_not_know_and_writes_nothing(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    registry(repo)
    rows = tmp_path / "rows.csv"
    rows.write_text("person,at,what,channel,outcome\nalice,2026-10-02T10:00:00+02:00,Appel,,\n"
                    "alicee,2026-10-03T10:00:00+02:00,Salon,,\n", encoding="utf-8")
    result = repo.gazette("community", "import", "contacts", str(rows))
    assert result.exit_code == 2
    assert "line 3" in result.output and "'alicee'" in result.output and "did you mean 'alice'" in result.output
    assert repo.gazette("community", "export", "contacts").output.count("\n") == 1  # the header only
    assert repo.gazette("community", "log", "alicee", "x").exit_code == 2  # the same answer as log


def test_import_reads_excel_encodings_and_says_what_to_do_with_an_unreadable_file(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    registry(repo)
    excel = tmp_path / "excel.csv"  # a French Excel's "CSV": Windows-1252
    excel.write_bytes("person,at,what,channel,outcome\nalice,2026-10-02T10:00:00+02:00,Réunion,téléphone,\n"
                      .encode("cp1252"))
    result = repo.gazette("community", "import", "contacts", str(excel))
    assert result.exit_code == 0, result.output
    assert "Windows-1252" in result.output  # the note says how it was read
    assert "Réunion,téléphone" in repo.gazette("community", "export", "contacts").output
    spreadsheet = tmp_path / "bin.csv"
    spreadsheet.write_bytes(b"PK\x03\x04\x00\x00\xff\xfe binary")
    result = repo.gazette("community", "import", "contacts", str(spreadsheet))
    assert result.exit_code == 2 and "CSV UTF-8" in result.output and "codec" not in result.output
    result = repo.gazette("community", "import", "contacts", str(tmp_path / "missing.csv"))
    assert result.exit_code == 2 and "community export" in result.output
    assert "No such file or directory" not in result.output


def test_times_without_offset_are_refused_on_import_and_old_ones_read_as_utc(repo, tmp_path, monkeypatch):
    import sqlite3

    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    repo.write("community/people/alice.yml", PERSON.replace("contacted", "engaged"))
    naive = tmp_path / "naive.csv"
    naive.write_text("person,at,what,channel,outcome\nalice,2026-01-05T10:00:00+01:00,x,,\n"
                     "alice,2026-01-05,coffee,,\n", encoding="utf-8")
    result = repo.gazette("community", "import", "contacts", str(naive))
    assert result.exit_code == 2 and "line 3" in result.output and "time zone" in result.output
    assert repo.gazette("community", "export", "contacts").output.count("\n") == 1  # all or nothing
    # a naive time already stored (an older import) is read as UTC: no crash, the rule still works
    repo.gazette("community", "log", "alice", "Appel", now="2026-01-04T10:00:00+01:00")
    with sqlite3.connect(tmp_path / "state" / "gazette.sqlite3") as connection:
        connection.execute("INSERT INTO relation_contacts (person, at, what, channel, outcome) "
                           "VALUES ('alice', '2026-01-05', 'coffee', '', '')")
    check = repo.gazette("check", "--format", "json", now="2026-06-01T10:00:00+02:00")
    assert check.exit_code in (0, 1), check.output
    stale = [p for p in json.loads(check.output)["problems"] if p["code"] == "relation/stale"]
    assert len(stale) == 1 and "2026-01-05" in stale[0]["message"]
    listing = repo.gazette("community", "list", "--stale", now="2026-06-01T10:00:00+02:00")
    assert listing.exit_code == 0, listing.output
    assert "alice" in listing.output


def test_actions_appear_in_the_calendar_in_every_format_and_in_status_when_running(repo):
    registry(repo)
    repo.write("calendar/actions/velo.yml", ACTION)
    data = json.loads(repo.gazette("calendar", "--format", "json", "--from", "2026-11-01T00:00+01:00").output)
    actions = [e for e in data["entries"] if e["kind"] == "action"]
    assert [(a["title"], a["status"], a["campaign"], a["uid"]) for a in actions] == [
        ("Partenariat blog vélo", "partnership", "automne-2026", "action.velo@gazette")]
    ics = repo.gazette("calendar", "--format", "ics").output
    assert "SUMMARY:Action : Partenariat blog vélo" in ics
    text = repo.gazette("calendar", "--from", "2026-11-01T00:00+01:00").output
    assert "action" in text and "Partenariat blog vélo" in text
    html = repo.gazette("calendar", "--format", "html", "--from", "2026-11-01T00:00+01:00").output
    assert "Partenariat blog vélo" in html
    status = json.loads(repo.gazette("status", "--format", "json").output)
    assert [(a["slug"], a["target"]) for a in status["actions"]] == [("velo", {"metric": "signups", "value": 200})]
    assert "goal: 200 signups" in repo.gazette("status").output
    later = json.loads(repo.gazette("status", "--format", "json", now="2027-02-01T00:00:00+01:00").output)
    assert later["actions"] == []


def test_a_hostile_action_name_stays_text_in_the_html_calendar(repo):
    repo.write("calendar/actions/x.yml", ACTION.replace("Partenariat blog vélo", "<script>alert(1)</script>")
               .replace("targets: {people: [alice], places: [velo-du-dimanche]}\n", ""))
    html = repo.gazette("calendar", "--format", "html", "--from", "2026-11-01T00:00+01:00").output
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_forget_removes_every_trace_in_one_commit(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    registry(repo)
    repo.write("community/people/bob.yml", "name: Bob\nhandles: {x: '@bob'}\n")
    repo.write("community/places/forum.yml", "name: Forum\nkind: forum\nurl: https://forum.example.org/\n"
               "contacts:\n  - bob   # modérateur\n  - alice\n")
    repo.write("calendar/actions/velo.yml", ACTION.replace("people: [alice]", "people: [bob, alice]"))
    repo.post("merci", "title: Merci\ndate: 2026-10-06T12:30:00+02:00\nstatus: published\n",
              body="Merci @alice@example.org pour la balade.\n")
    repo.git("init", "-q")
    repo.commit_all("registry")
    repo.gazette("community", "log", "alice", "Appel")
    repo.gazette("community", "log", "bob", "Appel")
    before = repo.git("rev-list", "--count", "HEAD")
    result = repo.gazette("forget", "@alice@example.org", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["key"] == "alice"
    assert not (repo.root / "community/people/alice.yml").exists()
    assert (repo.root / "community/places/forum.yml").read_text() == (
        "name: Forum\nkind: forum\nurl: https://forum.example.org/\ncontacts:\n  - bob   # modérateur\n")
    assert (repo.root / "community/places/velo-du-dimanche.yml").read_text() == PLACE.replace("[alice]", "[]")
    assert "people: [bob]" in (repo.root / "calendar/actions/velo.yml").read_text()
    assert int(repo.git("rev-list", "--count", "HEAD")) == int(before) + 1
    assert repo.git("status", "--porcelain") == ""
    assert sorted(repo.git("show", "--name-only", "--format=", "HEAD").split()) == [
        "calendar/actions/velo.yml", "community/people/alice.yml", "community/places/forum.yml",
        "community/places/velo-du-dimanche.yml"]
    assert "1 relation contacts row" in data["removed"]
    assert data["mentions"] == ["content/posts/2026/merci.md"]
    assert len(data["history"]) == 1
    exported = repo.gazette("community", "export", "contacts").output
    assert "alice" not in exported and "bob" in exported
    # the registry is consistent afterwards, and a second forget has nothing left
    assert [p for p in problems(repo) if p[2].startswith("relation/")] == []
    again = repo.gazette("forget", "alice")
    assert again.exit_code == 2 and "nothing is known" in again.output


def test_forget_text_output_names_the_history(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    registry(repo)
    repo.git("init", "-q")
    repo.commit_all("registry")
    result = repo.gazette("forget", "alice")
    assert result.exit_code == 0
    assert "removed: the registry file community/people/alice.yml" in result.output
    assert "git history still holds the public profile in 1 commit:" in result.output


def test_remove_list_entry_keeps_every_other_byte():
    from gazette.forget import remove_list_entry

    assert remove_list_entry("a: [x, alice, y]\r\nb: [alice]\r\n# alice\r\n", "alice", ("b",)) == \
        "a: [x, alice, y]\r\nb: []\r\n# alice\r\n"
    assert remove_list_entry("a: [x, alice, y]\r\n", "alice", ("a",)) == "a: [x, y]\r\n"
    assert remove_list_entry("a: [x, 'alice']\n", "alice", ("a",)) == "a: [x]\n"
    assert remove_list_entry("a:\n  - alice-bis\n  - alice\n", "alice", ("a",)) == "a:\n  - alice-bis\n"
    assert remove_list_entry("a: [alice-bis, alicex]\n", "alice", ("a",)) == "a: [alice-bis, alicex]\n"
    assert remove_list_entry("a: [alice, x, alice]\n", "alice", ("a",)) == "a: [x]\n"


def test_remove_list_entry_edits_only_the_named_list_items():
    from gazette.forget import remove_list_entry

    # a comment after the separator stays, and the last entry goes
    assert remove_list_entry("contacts: [\n  claire-dubois, # modératrice\n  thomas-leroy\n]\n", "thomas-leroy",
                             ("contacts",)) == "contacts: [\n  claire-dubois # modératrice\n]\n"
    # text that only looks like a list, in a quoted or a block scalar, is text
    free = 'summary: "les contacts: [alice, bob]"\ncontacts: [bob, alice]\n'
    assert remove_list_entry(free, "alice", ("contacts",)) == 'summary: "les contacts: [alice, bob]"\ncontacts: [bob]\n'
    block = "description: |\n  contacts:\n  - alice\ncontacts:\n- bob\n- alice\n"
    assert remove_list_entry(block, "alice", ("contacts",)) == "description: |\n  contacts:\n  - alice\ncontacts:\n- bob\n"
    # a list nested in an item is not the contacts list
    nested = "contacts:\n  - bob\n  - team:\n      - alice\n"
    assert remove_list_entry(nested, "alice", ("contacts",)) == nested
    # an emptied block list stays a list
    assert remove_list_entry("contacts:  # qui\n  - alice\nname: X\n", "alice", ("contacts",)) == \
        "contacts: []  # qui\nname: X\n"


def test_remove_list_entry_refuses_an_edit_it_cannot_make_exactly():
    from gazette.forget import ListEditRefused, remove_list_entry

    import pytest

    with pytest.raises(ListEditRefused):  # the item is not on its dash's line
        remove_list_entry("contacts:\n  - bob\n  -\n    alice\n", "alice", ("contacts",))
    with pytest.raises(ListEditRefused):  # YAML the checker refuses is not edited
        remove_list_entry("contacts: [alice]\ncontacts: [alice]\n", "alice", ("contacts",))


def test_forget_takes_the_last_entry_of_a_commented_flow_list(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    registry(repo)
    repo.write("community/people/claire.yml", "name: Claire\n")
    place = PLACE.replace("contacts: [alice]", "contacts: [\n  claire, # modératrice\n  alice\n]")
    repo.write("community/places/velo-du-dimanche.yml", place)
    repo.git("init", "-q")
    repo.commit_all("registry")
    result = repo.gazette("forget", "alice")
    assert result.exit_code == 0, result.output
    assert (repo.root / "community/places/velo-du-dimanche.yml").read_text() == \
        PLACE.replace("contacts: [alice]", "contacts: [\n  claire # modératrice\n]")
    assert [p for p in problems(repo) if p[2].startswith("relation/")] == []


def test_forget_changes_nothing_and_names_the_file_when_an_edit_is_unsafe(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    registry(repo)
    place = PLACE.replace("contacts: [alice]", "contacts:\n  -\n    alice\n")
    repo.write("community/places/velo-du-dimanche.yml", place)
    repo.git("init", "-q")
    repo.commit_all("registry")
    result = repo.gazette("forget", "alice")
    assert result.exit_code != 0
    assert "community/places/velo-du-dimanche.yml" in result.output
    assert "the entry does not stand alone on its line" in result.output
    assert repo.git("status", "--porcelain") == ""
    assert (repo.root / "community/people/alice.yml").exists()


def test_forget_edits_multi_line_flow_lists_and_only_the_people_lists(repo, tmp_path, monkeypatch):
    from gazette.forget import remove_list_entry

    assert remove_list_entry("contacts: [\n  hugo-perrin,\n  claire-dubois\n]\n", "claire-dubois", ("contacts",)) == \
        "contacts: [\n  hugo-perrin\n]\n"
    assert remove_list_entry("contacts: [\n  hugo-perrin,\n  claire-dubois\n]\n", "hugo-perrin", ("contacts",)) == \
        "contacts: [\n  claire-dubois\n]\n"
    assert remove_list_entry("targets:\n  people:\n  - alice\n  places:\n  - alice\n", "alice", ("targets", "people")) == \
        "targets:\n  people: []\n  places:\n  - alice\n"
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    repo.write("community/people/velo-du-dimanche.yml", "name: Vélo du dimanche\nstage: contacted\n")
    repo.write("community/people/alice.yml", PERSON)
    repo.write("community/places/velo-du-dimanche.yml", PLACE.replace("contacts: [alice]",
                                                                      "contacts: [\n  alice,\n  velo-du-dimanche\n]"))
    repo.write("calendar/actions/velo.yml", ACTION.replace("people: [alice]", "people: [alice, velo-du-dimanche]"))
    repo.git("init", "-q")
    repo.commit_all("registry")
    result = repo.gazette("forget", "velo-du-dimanche")
    assert result.exit_code == 0, result.output
    action = (repo.root / "calendar/actions/velo.yml").read_text()
    assert "targets: {people: [alice], places: [velo-du-dimanche]}" in action
    assert "contacts: [\n  alice\n]" in (repo.root / "community/places/velo-du-dimanche.yml").read_text()
    assert [p for p in problems(repo) if p[2].startswith("relation/")] == []


def test_forget_lists_the_history_of_a_renamed_person_file(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    repo.write("community/people/alice-martin.yml", PERSON)
    repo.git("init", "-q")
    repo.commit_all("first name")
    repo.git("mv", "community/people/alice-martin.yml", "community/people/alice.yml")
    repo.commit_all("renamed")
    result = repo.gazette("forget", "alice", "--format", "json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["history"]) == 2  # the commit before the rename holds it too


def test_checking_the_community_folder_or_one_file_reports_only_there(repo, monkeypatch):
    registry(repo)
    repo.write("community/people/bob.yml", "name: Bob\nstgae: x\n")
    repo.post("typo", "title: typo\ndate: 2026-11-10T12:30:00+01:00\nstatus: approved\naction: nope\n")
    monkeypatch.chdir(repo.root)
    assert {p[0] for p in problems(repo, "community/")} == {"community/people/bob.yml"}
    assert {p[0] for p in problems(repo, "community/people/bob.yml")} == {"community/people/bob.yml"}
    assert problems(repo, "community/people/alice.yml") == []


def test_forget_calls_every_installed_part_and_skips_the_others(repo, tmp_path, monkeypatch):
    import sys
    import types

    from gazette import forget as forgetting

    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    registry(repo)
    calls = []
    fake = types.ModuleType("gazette_fake_part")
    fake.forget = lambda connection, identifier: calls.append(identifier) or [f"fake rows of {identifier}"]
    monkeypatch.setitem(sys.modules, "gazette_fake_part", fake)
    monkeypatch.setattr(forgetting, "PARTS", ("gazette_fake_part:forget", "gazette_not_installed_part:forget"))
    result = forgetting.forget(repo.root, "alice", commit=False)
    assert calls == ["alice", "@alice@example.org"]
    assert "fake rows of @alice@example.org" in result.removed
    assert result.skipped == ["gazette_not_installed_part:forget"]
    # someone only the state database knows (a contest entrant's address) is forgotten there too
    result = forgetting.forget(repo.root, "marie@example.org", commit=False)
    assert result.key is None and result.removed == ["fake rows of marie@example.org"]


def test_a_pull_request_making_an_action_paid_flags_its_items(repo):
    registry(repo)
    repo.write("calendar/actions/velo.yml", ACTION.replace("paid: true", "paid: false"))
    item = repo.post("velo", "title: t\ndate: 2026-11-10T12:30:00+01:00\nstatus: approved\naction: velo\n"
                     "channels:\n  mastodon: {text: \"Avec nos amis du blog\"}\n")
    repo.post("autre", "title: a\ndate: 2026-11-10T12:30:00+01:00\nstatus: approved\n")
    repo.git("init", "-q")
    repo.commit_all()
    repo.write("calendar/actions/velo.yml", ACTION)
    result = repo.gazette("check", "--changed-since", "HEAD", "--format", "json")
    found = [(p["path"], p["code"]) for p in json.loads(result.output)["problems"] if p["code"].startswith("relation/")]
    assert found == [(item, "relation/paid-mention")]


def test_links_aliases_and_deep_nesting_in_the_registry_are_problems(repo, tmp_path):
    secret = tmp_path / "secret.yml"
    secret.write_text("name: Secret\n", encoding="utf-8")
    repo.write("community/people/ok.yml", "name: Ok\n")
    (repo.root / "community/people/lien.yml").symlink_to(secret)
    repo.write("community/people/bombe.yml", "a: &a [x, x]\nb: &b [*a, *a]\nname: *b\n")
    repo.write("community/places/profond.yml", "name: " + "[" * 5000 + "]" * 5000 + "\n")
    found = {(p[0], p[2]) for p in problems(repo)}
    assert ("community/people/lien.yml", "file/symlink") in found
    assert ("community/people/bombe.yml", "yaml/alias") in found
    assert any(path == "community/places/profond.yml" and code.startswith("yaml/") for path, code in found)
    listed = json.loads(repo.gazette("community", "list", "--format", "json").output)["entries"]
    assert [e["key"] for e in listed] == ["ok"]  # the link is never read


def test_places_feeds_are_listed_for_listening_with_their_file_and_line(repo):
    from gazette.community.registry import place_feeds
    from gazette.load import load_frame

    repo.write("community/places/forum.yml", "name: Forum\nkind: forum\nurl: https://forum.example.org/\n"
               "feeds:\n  - https://forum.example.org/latest.rss\n  - file:///etc/passwd\n")
    assert place_feeds(repo.root, load_frame(repo.root)[0]) == [
        ("https://forum.example.org/latest.rss", "forum", 5, "community/places/forum.yml")]


def test_a_place_feed_watch_would_refuse_is_reported_on_its_line(repo):
    # gazette watch reads places' feeds too; it refused these only when it fetched them, so a
    # check said nothing and the manager learnt of it from a failed run (if at all).
    registry(repo)
    repo.write("community/places/velo-du-dimanche.yml", PLACE + "feeds:\n  - https://velo.example.org/feed.xml\n"
               "  - http://169.254.169.254/latest/meta-data/\n  - http://[::ffff:127.0.0.1]/\n"
               "  - javascript:alert(1)\n")
    found = {(line, code) for path, line, code, _ in problems(repo) if path == "community/places/velo-du-dimanche.yml"}
    assert found == {(8, "listening/feed-address"), (9, "listening/feed-address"), (10, "listening/feed-url")}


def test_a_changed_byte_in_the_registry_cache_is_not_believed(repo):
    """A reviewer's: a byte flipped inside registry.marshal (a person's key) gave false
    relation/unknown-person errors, exit 1, run after run. The snapshots are sealed."""
    from gazette.cache import cache_dir

    registry(repo)
    repo.write("calendar/actions/velo.yml", ACTION)
    assert problems(repo) == []
    snapshots = [path for path in cache_dir(repo.root).rglob("registry*.marshal") if b"alice" in path.read_bytes()]
    assert snapshots
    for path in snapshots:
        path.write_bytes(path.read_bytes().replace(b"alice", b"alicf"))
    assert problems(repo) == []
