"""Contests end to end through the CLI: commit → entries → close → draw → verify → notify → replace → purge."""

from __future__ import annotations

import json

import pytest

CONTEST = """\
title: Jeu test
date: 2026-10-01T09:00:00+02:00
status: approved
opens: 2026-10-06T09:00:00+02:00
closes: 2026-10-20T23:59:00+02:00
draw: 2026-10-22T12:00:00+02:00
# the prizes, in order
prizes:
- {name: Révision, quantity: 1, value: 89}
- {name: Bon, quantity: 2, value: 30}
eligibility: {min_age: 18, countries: [FR], excluded: ["@staff@velo.example"]}
organizer: "La Fabrique, SCIC SARL, Lyon, RCS Lyon 000"
rules: inline
"""
BEFORE = "2026-10-01T10:00:00+02:00"
OPEN = "2026-10-10T10:00:00+02:00"
AFTER = "2026-10-21T08:00:00+02:00"
DRAWN = "2026-10-22T12:00:00+02:00"


@pytest.fixture
def contest(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("GAZETTE_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.delenv("GAZETTE_CONTEST_SEED", raising=False)
    repo.post("jeu-test", CONTEST, kind="contests")
    repo.git("init", "-q")
    repo.commit_all("start")
    return repo


def entries_csv(path, rows):
    lines = ["pseudo;nom;date;pays;âge"] + rows
    path.write_text("\n".join(lines) + "\n", encoding="cp1252")
    return path


def people(n):
    letters = "abcdefghijklmnopqrstuvwxyz"  # digits in a name would look like a handle: not published
    return [f"@membre{i}@velo.example;Prénom{letters[i]} Nom{letters[i]};2026-10-{8 + i % 10:02d} 10:00;FR;30"
            for i in range(n)]


def front(repo):
    return (repo.root / "content/contests/2026/jeu-test.md").read_text(encoding="utf-8")


def test_whole_life(contest, tmp_path):
    result = contest.gazette("contest", "commit", "jeu-test", "--beacon", "drand quicknet, 1st round after closing",
                             now=BEFORE)
    assert result.exit_code == 0, result.output
    text = front(contest)
    assert "commitment: \"sha256:" in text and 'beacon: "drand quicknet, 1st round after closing"' in text
    assert "# the prizes, in order\nprizes:\n- {name: Révision" in text  # other lines untouched
    rows = people(12) + [
        "@Membre0@velo.example;Doublon;2026-10-09 10:00;FR;30",   # same person, later
        "@staff@velo.example;Staff;2026-10-09 10:00;FR;30",        # excluded
        "@tard@velo.example;Tard;2026-10-21 10:00;FR;30",          # after closing
        "@jeune@velo.example;Jeune;2026-10-09 10:00;FR;15",        # under 18
        "@loin@velo.example;Loin;2026-10-09 10:00;Belgique;30",    # country
        "@cassé@velo.example;Cassé;le 9 octobre;FR;30",            # malformed time: skipped with its line
    ]
    file = entries_csv(tmp_path / "export.csv", rows)
    result = contest.gazette("contest", "entries", "jeu-test", "import", str(file), now=OPEN)
    assert result.exit_code == 0, result.output
    assert "export.csv:19: row skipped: unreadable time 'le 9 octobre'" in result.output
    assert "17 entries, 12 eligible" in result.output
    assert "entries: {count: 17, eligible: 12, digest: " in front(contest)
    assert "membre" not in front(contest)  # personal data never in git
    listing = contest.gazette("contest", "entries", "jeu-test", "list", "--rejected", now=OPEN).output
    for reason in ("second entry of the same person (export.csv line 2)", "excluded account", "after closing",
                   "under 18", "country BE not in FR"):
        assert reason in listing
    assert "5 rejected" in listing
    again = contest.gazette("contest", "entries", "jeu-test", "import", str(file), now=OPEN)
    assert "imported already" in again.output and "17 entries, 12 eligible" in again.output

    early = contest.gazette("contest", "close", "jeu-test", now=OPEN)
    assert early.exit_code == 2 and "closes on" in early.output
    result = contest.gazette("contest", "close", "jeu-test", now=AFTER)
    assert result.exit_code == 0, result.output
    published = (contest.root / "content/contests/2026/jeu-test.entries.txt").read_text()
    assert len(published.splitlines()) == 12 and "membre" not in published
    late = contest.gazette("contest", "entries", "jeu-test", "import", str(entries_csv(tmp_path / "b.csv", people(14))),
                           now=AFTER)
    assert late.exit_code == 2 and "frozen" in late.output

    no_beacon = contest.gazette("contest", "draw", "jeu-test", now=DRAWN)
    assert no_beacon.exit_code == 2 and "--beacon" in no_beacon.output
    result = contest.gazette("contest", "draw", "jeu-test", "--beacon", "a1b2c3", now=DRAWN)
    assert result.exit_code == 0, result.output
    text = front(contest)
    assert "draw_proof: {seed: " in text and "winners: [" in text
    winners = [line for line in text.splitlines() if line.startswith("winners:")][0]
    assert "Nom" not in winners and winners.count("Prénom") == 3  # "Prénomd N."
    second = contest.gazette("contest", "draw", "jeu-test", "--beacon", "ffff", now=DRAWN)
    assert second.exit_code == 2 and "once" in second.output

    verified = contest.gazette("contest", "verify", "jeu-test", now=DRAWN)
    assert verified.exit_code == 0, verified.output
    assert "the seed matches the commitment" in verified.output
    assert "ranking's first 6 places are recomputed exactly" in verified.output

    notified = contest.gazette("contest", "notify", "jeu-test", now=DRAWN)
    assert notified.exit_code == 0, notified.output
    messages = sorted((tmp_path / "outbox/contests/jeu-test").iterdir())
    assert len(messages) == 3 and json.loads(messages[0].read_text())["to"].startswith("@membre")
    assert "notified: {at: " in front(contest)

    replaced = contest.gazette("contest", "replace", "jeu-test", "1", "--reason", "no answer in 15 days", now=DRAWN)
    assert replaced.exit_code == 0, replaced.output
    assert "rank 1 replaced by alternate 4" in replaced.output
    assert "replaced: [{rank: 1, by: 4, reason: " in front(contest)

    purged = contest.gazette("contest", "purge", "jeu-test", now="2027-01-21T10:00:00+01:00")
    assert purged.exit_code == 0 and "17 entries deleted" in purged.output
    assert "purged: 2027-01-21" in front(contest)
    assert contest.gazette("contest", "verify", "jeu-test", now=DRAWN).exit_code == 0  # public data suffices
    log = contest.git("log", "--format=%s")
    assert "gazette contest draw: content/contests/2026/jeu-test.md" in log
    assert contest.git("status", "--porcelain") == ""  # everything the steps wrote is committed
    check = contest.gazette("check", now=DRAWN)
    assert "schema/unknown" not in check.output, check.output


def test_commit_after_opening_is_refused(contest):
    result = contest.gazette("contest", "commit", "jeu-test", "--beacon", "none", now=OPEN)
    assert result.exit_code == 2 and "opened" in result.output
    assert "commitment" not in front(contest)


def test_beacon_none_warns(contest):
    result = contest.gazette("contest", "commit", "jeu-test", "--beacon", "none", now=BEFORE)
    assert result.exit_code == 0 and "could bias the draw" in result.output


def test_entries_of_another_contest_are_refused(contest, tmp_path):
    contest.gazette("contest", "commit", "jeu-test", "--beacon", "none", now=BEFORE)
    file = tmp_path / "other.jsonl"
    file.write_text('{"handle": "@a@b.example", "time": "2026-10-08T10:00:00+02:00", "contest": "autre-jeu"}\n')
    result = contest.gazette("contest", "entries", "jeu-test", "import", str(file), now=OPEN)
    assert result.exit_code == 2 and "contest 'autre-jeu'" in result.output and "nothing imported" in result.output


def _drawn(contest, tmp_path):
    contest.gazette("contest", "commit", "jeu-test", "--beacon", "drand", now=BEFORE)
    contest.gazette("contest", "entries", "jeu-test", "import", str(entries_csv(tmp_path / "e.csv", people(9))),
                    now=OPEN)
    contest.gazette("contest", "close", "jeu-test", now=AFTER)
    assert contest.gazette("contest", "draw", "jeu-test", "--beacon", "cafe", now=DRAWN).exit_code == 0


def test_verify_detects_a_tampered_seed(contest, tmp_path):
    _drawn(contest, tmp_path)
    path = contest.root / "content/contests/2026/jeu-test.md"
    text = path.read_text(encoding="utf-8")
    seed = text.split("draw_proof: {seed: ")[1][:64]
    path.write_text(text.replace(seed, seed[::-1]), encoding="utf-8")
    result = contest.gazette("contest", "verify", "jeu-test", now=DRAWN)
    assert result.exit_code == 1 and "does not match the commitment" in result.output


def test_verify_detects_a_tampered_list(contest, tmp_path):
    _drawn(contest, tmp_path)
    listed = contest.root / "content/contests/2026/jeu-test.entries.txt"
    ids = listed.read_text().splitlines()
    listed.write_text("".join(sorted(f"{p}\n" for p in ids[1:] + ["0" * 32])))
    result = contest.gazette("contest", "verify", "jeu-test", now=DRAWN)
    assert result.exit_code == 1 and "the list was changed after it was frozen" in result.output


def test_forget_erases_a_person_entries(contest, tmp_path):
    from gazette import state
    from gazette.contests import entries as contest_entries

    contest.gazette("contest", "commit", "jeu-test", "--beacon", "none", now=BEFORE)
    contest.gazette("contest", "entries", "jeu-test", "import", str(entries_csv(tmp_path / "e.csv", people(3))),
                    now=OPEN)
    connection = state.connect(contest.root)
    assert contest_entries.forget(connection, "@MEMBRE1@velo.example") == ["1 entry in the contest jeu-test"]
    assert contest_entries.forget(connection, "@membre1@velo.example") == []
    listing = contest.gazette("contest", "entries", "jeu-test", "list", now=OPEN).output
    assert "membre1" not in listing and "2 entries" in listing


@pytest.mark.slow
def test_the_contest_page_shows_the_proof_and_the_list(sample):
    from test_site import build

    assert build(sample, "2026-12-02T00:00:00+01:00").returncode == 0
    site = sample.root / "site"
    page = (site / "contests/2026/concours-photo-automne/index.html").read_text(encoding="utf-8")
    front = (sample.root / "content/contests/2026/concours-photo-automne.md").read_text(encoding="utf-8")
    seed = front.split("draw_proof: {seed: ")[1][:64]
    assert "Tirage vérifiable" in page and seed in page
    assert "gazette contest verify concours-photo-automne" in page
    assert 'href="../../../contests/2026/concours-photo-automne.entries.txt"' in page
    assert (site / "contests/2026/concours-photo-automne.entries.txt").read_bytes() == \
        (sample.root / "content/contests/2026/concours-photo-automne.entries.txt").read_bytes()
    upcoming = (site / "contests/2026/jeu-de-noel-revision-offerte/index.html").read_text(encoding="utf-8")
    assert "sha256:c708759caba77b36afcb364181b13427617490c7cfefac1704cc3365622217af" in upcoming
    assert "La graine sera publiée après le tirage" in upcoming


def test_the_sample_draw_verifies_from_public_data(sample):
    result = sample.gazette("contest", "verify", "concours-photo-automne")
    assert result.exit_code == 0, result.output
    assert "the list of 214 pseudonyms matches its digest" in result.output


def test_lifecycle_in_calendar_and_status(contest):
    contest.gazette("contest", "commit", "jeu-test", "--beacon", "none", now=BEFORE)
    listing = json.loads(contest.gazette("calendar", "--format", "json", now=DRAWN).output)
    steps = {e["uid"]: e["status"] for e in listing["entries"] if e["kind"] == "contest"}
    assert steps == {"contest.jeu-test.opens@gazette": "done", "contest.jeu-test.closes@gazette": "done",
                     "contest.jeu-test.draw@gazette": "planned", "contest.jeu-test.winners@gazette": "planned"}
    late = "2026-10-23T12:00:00+02:00"
    text = contest.gazette("calendar", "--from", "2026-10-20", "--to", "2026-10-31", now=late).output
    assert "Jeu test : tirage (en retard)" in text
    status = contest.gazette("status", now=late)
    assert "overdue contest tirage" in status.output and "content/contests/2026/jeu-test.md" in status.output
    report = json.loads(contest.gazette("status", "--format", "json", now=late).output)
    assert report["contests_overdue"] == [{"path": "content/contests/2026/jeu-test.md", "step": "draw",
                                           "due": "2026-10-22T12:00:00+02:00"}]


def test_bad_files_and_a_second_commit(contest, tmp_path):
    assert contest.gazette("contest", "commit", "jeu-test", "--beacon", "none", now=BEFORE).exit_code == 0
    again = contest.gazette("contest", "commit", "jeu-test", "--beacon", "none", now=BEFORE)
    assert again.exit_code == 2 and "already committed" in again.output
    lines = tmp_path / "e.jsonl"
    lines.write_text('{"email": "Lea.Martin@Example.org", "time": "2026-10-08T10:00:00+02:00"}\n{oops\n'
                     '["a list"]\n{"email": "", "handle": ""}\n', encoding="utf-8")
    result = contest.gazette("contest", "entries", "jeu-test", "import", str(lines), now=OPEN)
    assert result.exit_code == 0, result.output
    assert "e.jsonl:2: row skipped: not a JSON object" in result.output
    assert "e.jsonl:3: row skipped: not a JSON object" in result.output
    assert "e.jsonl:4: row skipped: no handle or e-mail" in result.output
    assert "1 entry, 1 eligible" in result.output
    headless = tmp_path / "h.csv"
    headless.write_text("prénom;ville\nLéa;Lyon\n", encoding="utf-8")
    refused = contest.gazette("contest", "entries", "jeu-test", "import", str(headless), now=OPEN)
    assert refused.exit_code == 2 and "needs a handle or e-mail column" in refused.output
    missing = contest.gazette("contest", "entries", "jeu-test", "import", str(tmp_path / "absent.csv"), now=OPEN)
    assert missing.exit_code == 2 and "Traceback" not in missing.output
    unknown = contest.gazette("contest", "draw", "autre", now=OPEN)
    assert unknown.exit_code == 2 and "no contest with the slug 'autre'" in unknown.output


@pytest.mark.parametrize("given", ["none", "   ", "NONE"])
def test_draw_cannot_drop_the_beacon_named_in_advance(contest, tmp_path, given):
    contest.gazette("contest", "commit", "jeu-test", "--beacon", "drand", now=BEFORE)
    contest.gazette("contest", "entries", "jeu-test", "import", str(entries_csv(tmp_path / "e.csv", people(9))),
                    now=OPEN)
    contest.gazette("contest", "close", "jeu-test", now=AFTER)
    result = contest.gazette("contest", "draw", "jeu-test", "--beacon", given, now=DRAWN)
    assert result.exit_code == 2 and "--beacon VALUE" in result.output
    assert "draw_proof" not in front(contest)


def test_verify_fails_when_the_proof_has_no_beacon_but_one_was_named(contest, tmp_path):
    contest.gazette("contest", "commit", "jeu-test", "--beacon", "none", now=BEFORE)
    contest.gazette("contest", "entries", "jeu-test", "import", str(entries_csv(tmp_path / "e.csv", people(9))),
                    now=OPEN)
    contest.gazette("contest", "close", "jeu-test", now=AFTER)
    assert contest.gazette("contest", "draw", "jeu-test", now=DRAWN).exit_code == 0
    assert contest.gazette("contest", "verify", "jeu-test", now=DRAWN).exit_code == 0
    path = contest.root / "content/contests/2026/jeu-test.md"  # as if drand had been named in advance
    path.write_text(path.read_text(encoding="utf-8").replace("beacon: none", "beacon: drand"), encoding="utf-8")
    result = contest.gazette("contest", "verify", "jeu-test", now=DRAWN)
    assert result.exit_code == 1 and "no beacon value" in result.output


@pytest.mark.parametrize("tamper", [
    lambda text: text.replace(text.split("ranking: ")[1].split("]")[0] + "]", "[]"),
    lambda text: text.replace(", winners: 3,", ", winners: 1,"),
    lambda text: text.replace(", count: 9", ""),
])
def test_verify_fails_on_a_cut_proof(contest, tmp_path, tamper):
    _drawn(contest, tmp_path)
    path = contest.root / "content/contests/2026/jeu-test.md"
    text = path.read_text(encoding="utf-8")
    assert ", winners: 3," in text and ", count: 9" in text
    path.write_text(tamper(text), encoding="utf-8")
    result = contest.gazette("contest", "verify", "jeu-test", now=DRAWN)
    assert result.exit_code == 1, result.output


@pytest.mark.parametrize("rewrite", [lambda ids: "".join(f"{p}\n" for p in reversed(ids)),
                                     lambda ids: "\n".join(ids)])
def test_verify_reads_the_list_file_as_its_bytes(contest, tmp_path, rewrite):
    _drawn(contest, tmp_path)
    listed = contest.root / "content/contests/2026/jeu-test.entries.txt"
    listed.write_text(rewrite(listed.read_text().splitlines()))
    result = contest.gazette("contest", "verify", "jeu-test", now=DRAWN)
    assert result.exit_code == 1 and "cannot match the digest" in result.output


def test_the_outbox_is_never_committed(contest, tmp_path, monkeypatch):
    monkeypatch.delenv("GAZETTE_OUTBOX")  # the default: outbox/ inside the repository
    _drawn(contest, tmp_path)
    assert contest.gazette("contest", "notify", "jeu-test", now=DRAWN).exit_code == 0
    assert list((contest.root / "outbox/contests/jeu-test").glob("*.json"))
    contest.git("add", "-A")
    assert "outbox/" not in contest.git("status", "--porcelain")


@pytest.mark.parametrize("name, shown", [
    ("Léa Martin", "Léa M."), ("Dr Léa Martin", "Léa M."), ("MARTIN Léa", "Léa M."), ("Jean-Luc d'Arc", "Jean-Luc D."),
    ("Martin", "Participant·e abcdef"), ("lea.martin@example.org", "Participant·e abcdef"),
    ("lea_martin_1990", "Participant·e abcdef"), ("Léa M4rtin", "Participant·e abcdef"), ("", "Participant·e abcdef"),
])
def test_winners_names_never_publish_a_surname_or_a_handle(name, shown):
    from gazette.contests.ops import anonymized

    assert anonymized(name, "abcdef0123") == shown


def test_the_draw_never_commits_a_handle_or_an_e_mail(contest, tmp_path):
    contest.gazette("contest", "commit", "jeu-test", "--beacon", "none", now=BEFORE)
    rows = [f"@m{i}@velo.example;{name};2026-10-09 10:00;FR;30"
            for i, name in enumerate(["lea.martin@example.org", "lea_martin_1990", "Martin"])]
    contest.gazette("contest", "entries", "jeu-test", "import", str(entries_csv(tmp_path / "e.csv", rows)), now=OPEN)
    contest.gazette("contest", "close", "jeu-test", now=AFTER)
    assert contest.gazette("contest", "draw", "jeu-test", now=DRAWN).exit_code == 0
    shown = contest.git("show", "HEAD")
    assert "lea" not in shown and "Martin" not in shown and shown.count("Participant·e ") == 3


def test_one_team_secret_gives_each_contest_its_own_seed(contest, monkeypatch):
    from gazette.contests.ops import read_seed

    secret = "ab" * 32
    monkeypatch.setenv("GAZETTE_CONTEST_SEED", secret)
    first, second = read_seed(contest.root, "jeu-test"), read_seed(contest.root, "autre-jeu")
    assert first != second and secret not in (first, second) and len(first) == 64
    assert read_seed(contest.root, "jeu-test") == first  # the same on every run: the draw finds it again


LATE = "2026-10-25T10:00:00+02:00"  # after the draw date: the beacon's value is public


def _closed(contest, tmp_path):
    contest.gazette("contest", "commit", "jeu-test", "--beacon", "drand", now=BEFORE)
    contest.gazette("contest", "entries", "jeu-test", "import", str(entries_csv(tmp_path / "e.csv", people(9))),
                    now=OPEN)


def test_the_list_cannot_change_once_the_beacon_may_be_public(contest, tmp_path):
    _closed(contest, tmp_path)
    puppet = entries_csv(tmp_path / "puppet.csv", ["@puppet@velo.example;Marionnette Test;2026-10-14 10:00;FR;30"])
    late = contest.gazette("contest", "entries", "jeu-test", "import", str(puppet), now=LATE)
    assert late.exit_code == 2 and "draw date" in late.output
    closed = contest.gazette("contest", "close", "jeu-test", now=LATE)
    assert closed.exit_code == 2 and "draw date" in closed.output
    assert "frozen" not in front(contest)


def test_deleting_frozen_or_the_proof_does_not_reopen_a_step(contest, tmp_path):
    _closed(contest, tmp_path)
    assert contest.gazette("contest", "close", "jeu-test", now=AFTER).exit_code == 0
    path = contest.root / "content/contests/2026/jeu-test.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(", frozen: " + text.split(", frozen: ")[1].split("}")[0], ""), encoding="utf-8")
    assert "frozen" not in front(contest)
    puppet = entries_csv(tmp_path / "puppet.csv", ["@puppet@velo.example;Marionnette Test;2026-10-14 10:00;FR;30"])
    again = contest.gazette("contest", "entries", "jeu-test", "import", str(puppet), now=AFTER)
    assert again.exit_code == 2 and "frozen at closing" in again.output
    assert contest.gazette("contest", "close", "jeu-test", now=AFTER).exit_code == 2
    path.write_text(text, encoding="utf-8")
    assert contest.gazette("contest", "draw", "jeu-test", "--beacon", "cafe", now=DRAWN).exit_code == 0
    drawn = path.read_text(encoding="utf-8")
    path.write_text("\n".join(line for line in drawn.splitlines() if not line.startswith(("draw_proof:", "winners:")))
                    + "\n", encoding="utf-8")
    second = contest.gazette("contest", "draw", "jeu-test", "--beacon", "beef", now=DRAWN)
    assert second.exit_code == 2 and "once" in second.output


def test_a_list_frozen_after_the_draw_date_fails_verify_and_check(contest, tmp_path):
    _drawn(contest, tmp_path)
    path = contest.root / "content/contests/2026/jeu-test.md"
    text = path.read_text(encoding="utf-8")
    frozen = text.split(", frozen: ")[1].split("}")[0]
    path.write_text(text.replace(frozen, "2026-10-22T11:00:00+02:00"), encoding="utf-8")
    assert contest.gazette("contest", "verify", "jeu-test", now=DRAWN).exit_code == 0
    path.write_text(text.replace(frozen, "2026-10-23T11:00:00+02:00"), encoding="utf-8")
    result = contest.gazette("contest", "verify", "jeu-test", now=DRAWN)
    assert result.exit_code == 1 and "after the draw date" in result.output
    check = contest.gazette("check", now=DRAWN)
    assert check.exit_code == 1 and "contest/late-freeze" in check.output


def test_verify_reads_the_order_of_the_steps_in_git(contest, tmp_path):
    from gazette.contests import draw as contest_draw

    _drawn(contest, tmp_path)
    verified = contest.gazette("contest", "verify", "jeu-test", now=DRAWN)
    assert verified.exit_code == 0 and "committed in that order" in verified.output
    # A second draw with another beacon, written by hand and committed: every number is consistent,
    # only git remembers the first proof.
    path = contest.root / "content/contests/2026/jeu-test.md"
    text = path.read_text(encoding="utf-8")
    seed = text.split("draw_proof: {seed: ")[1][:64]
    ids = (contest.root / "content/contests/2026/jeu-test.entries.txt").read_text().split()
    old = text.split("ranking: [")[1].split("]")[0]
    new = ", ".join(contest_draw.rank(seed, "beef", ids, len(old.split(", "))))
    path.write_text(text.replace("beacon: cafe,", "beacon: beef,").replace(old, new), encoding="utf-8")
    contest.commit_all("draw again")
    result = contest.gazette("contest", "verify", "jeu-test", now=DRAWN)
    assert result.exit_code == 1 and "draw_proof was changed after it was first committed" in result.output


def test_verify_fails_when_the_commitment_was_committed_after_opening(contest, tmp_path, monkeypatch):
    from gazette.contests import ops as contest_ops

    with monkeypatch.context() as patched:  # written in time, committed (published) only after opening
        patched.setattr(contest_ops, "_commit", lambda *args, **kwargs: None)
        contest.gazette("contest", "commit", "jeu-test", "--beacon", "drand", now=BEFORE)
        patched.setenv("GIT_COMMITTER_DATE", OPEN)
        contest.commit_all("commitment, published late")
    contest.gazette("contest", "entries", "jeu-test", "import", str(entries_csv(tmp_path / "e.csv", people(9))),
                    now=OPEN)
    contest.gazette("contest", "close", "jeu-test", now=AFTER)
    assert contest.gazette("contest", "draw", "jeu-test", "--beacon", "cafe", now=DRAWN).exit_code == 0
    result = contest.gazette("contest", "verify", "jeu-test", now=DRAWN)
    assert result.exit_code == 1 and "after the opening (2026-10-06 09:00 +02:00)" in result.output
    assert "T09:00" not in result.output and "T10:00" not in result.output  # times for people, not ISO


def test_purge_is_refused_on_an_open_contest_and_forcing_it_clears_the_imports(contest, tmp_path):
    contest.gazette("contest", "commit", "jeu-test", "--beacon", "drand", now=BEFORE)
    file = entries_csv(tmp_path / "e.csv", people(1))
    contest.gazette("contest", "entries", "jeu-test", "import", str(file), now=OPEN)
    refused = contest.gazette("contest", "purge", "jeu-test", now=OPEN)
    assert refused.exit_code == 2 and "the draw has not taken place" in refused.output and "--force" in refused.output
    assert "purged:" not in front(contest)
    assert "1 entry, 1 eligible" in contest.gazette("contest", "entries", "jeu-test", "list", now=OPEN).output
    forced = contest.gazette("contest", "purge", "jeu-test", "--force", "a participant asked", now=OPEN)
    assert forced.exit_code == 0, forced.output
    assert 'purge_reason: "a participant asked"' in front(contest) or "purge_reason: a participant asked" in front(
        contest)
    assert "forced: a participant asked" in contest.git("log", "-1", "--format=%s")
    assert "entries: {count: 0, eligible: 0" in front(contest)  # not the stale count of what was deleted
    again = contest.gazette("contest", "entries", "jeu-test", "import", str(file), now=OPEN)
    assert "imported already" not in again.output and "1 entry read" in again.output
    contest.gazette("contest", "close", "jeu-test", now=AFTER)
    assert contest.gazette("contest", "draw", "jeu-test", "--beacon", "cafe", now=DRAWN).exit_code == 0
    final = contest.gazette("contest", "purge", "jeu-test", now=DRAWN)  # what was imported again goes too
    assert final.exit_code == 0 and "1 entry deleted" in final.output


def test_purge_waits_for_the_retention_period_and_happens_once(contest, tmp_path):
    path = contest.root / "content/contests/2026/jeu-test.md"
    path.write_text(path.read_text(encoding="utf-8").replace("rules: inline\n", "rules: inline\nretention: 92\n"),
                    encoding="utf-8")
    contest.commit_all("retention")
    _drawn(contest, tmp_path)
    early = contest.gazette("contest", "purge", "jeu-test", now=DRAWN)
    assert early.exit_code == 2 and "92 days" in early.output and "2027-01-20 22:59 +01:00" in early.output
    done = contest.gazette("contest", "purge", "jeu-test", now="2027-01-21T10:00:00+01:00")
    assert done.exit_code == 0, done.output
    commits = contest.git("rev-list", "--count", "HEAD")
    second = contest.gazette("contest", "purge", "jeu-test", now="2027-01-22T10:00:00+01:00")
    assert second.exit_code == 2 and "purged already" in second.output
    assert "purged: 2027-01-21" in front(contest) and contest.git("rev-list", "--count", "HEAD") == commits


def test_importing_the_same_file_twice_commits_nothing(contest, tmp_path):
    file = entries_csv(tmp_path / "e.csv", people(3))
    assert contest.gazette("contest", "entries", "jeu-test", "import", str(file), now=OPEN).exit_code == 0
    commits = contest.git("rev-list", "--count", "HEAD")
    again = contest.gazette("contest", "entries", "jeu-test", "import", str(file), now=OPEN)
    assert again.exit_code == 0 and "imported already" in again.output
    assert contest.git("rev-list", "--count", "HEAD") == commits


def test_commit_without_git_says_nothing_was_committed(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("GAZETTE_CONTEST_SEED", raising=False)
    repo.post("jeu-test", CONTEST, kind="contests")
    result = repo.gazette("contest", "commit", "jeu-test", "--beacon", "drand", now=BEFORE)
    assert result.exit_code == 0, result.output
    assert "not committed (no git repository): commit it yourself before the contest opens" in result.output


def test_a_second_notify_keeps_the_winners_deadline_and_tells_only_a_replacement(contest, tmp_path):
    _drawn(contest, tmp_path)
    assert contest.gazette("contest", "notify", "jeu-test", now=DRAWN).exit_code == 0
    first = [line for line in front(contest).splitlines() if line.startswith("notified:")]
    again = contest.gazette("contest", "notify", "jeu-test", now="2026-10-25T12:00:00+02:00")
    assert again.exit_code == 2 and "a second notice would move their deadline" in again.output
    assert "2026-11-06 12:00 +01:00" in again.output  # the first deadline, in the community's zone
    assert [line for line in front(contest).splitlines() if line.startswith("notified:")] == first
    later = "2026-11-08T12:00:00+01:00"
    assert contest.gazette("contest", "replace", "jeu-test", "2", "--reason", "no answer", now=later).exit_code == 0
    for old in (tmp_path / "outbox/contests/jeu-test").glob("*.json"):
        old.unlink()
    told = contest.gazette("contest", "notify", "jeu-test", now=later)
    assert told.exit_code == 0, told.output
    assert "message for rank 2" in told.output and "message for rank 1" not in told.output
    assert len(list((tmp_path / "outbox/contests/jeu-test").glob("*.json"))) == 1
    assert [line for line in front(contest).splitlines() if line.startswith("notified:")] == first
    assert "deadline: 2026-11-23" in front(contest)
    assert contest.gazette("contest", "notify", "jeu-test", now=later).exit_code == 2


class Marking:
    """A catalog that marks every message it translates: text outside the marks never went
    through the catalog; ⟦1| or ⟦n| tells which plural form ngettext chose."""

    def gettext(self, message):
        return f"⟦{message}⟧"

    def ngettext(self, singular, plural, n):
        return f"⟦{'1' if n == 1 else 'n'}|{singular if n == 1 else plural}⟧"


@pytest.fixture
def marked(monkeypatch):
    from gazette import i18n

    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    monkeypatch.setitem(i18n._catalogs, "fr", Marking())


def test_every_contest_message_goes_through_the_catalog_with_its_plural(contest, tmp_path, marked):
    committed = contest.gazette("contest", "commit", "jeu-test", "--beacon", "none", now=BEFORE)
    assert "⟦warning: ⟦beacon: none" in committed.output and "\nwarning:" not in committed.output
    rows = people(1) + ["@cassé@velo.example;Cassé;le 9 octobre;FR;30"]
    imported = contest.gazette("contest", "entries", "jeu-test", "import",
                               str(entries_csv(tmp_path / "e.csv", rows)), now=OPEN)
    assert f"⟦{tmp_path / 'e.csv'}:3: row skipped: ⟦unreadable time" in imported.output
    assert "⟦1|1 entry⟧ read from" in imported.output and "⟦1|1 row skipped⟧" in imported.output
    assert "⟦⟦1|1 entry⟧, ⟦1|1 eligible⟧⟧" in imported.output
    listed = contest.gazette("contest", "entries", "jeu-test", "list", now=OPEN).output
    assert "⟦⟦1|1 entry⟧, ⟦1|1 eligible⟧, ⟦n|0 rejected⟧⟧" in listed and "⟦eligible⟧" in listed
    early = contest.gazette("contest", "close", "jeu-test", now=OPEN)
    assert "2026-10-20 23:59 +02:00" in early.output and "T23:59" not in early.output
    closed = contest.gazette("contest", "close", "jeu-test", now=AFTER)
    assert "⟦1|1 eligible entry frozen" in closed.output
    assert contest.gazette("contest", "draw", "jeu-test", now=DRAWN).exit_code == 0
    verified = contest.gazette("contest", "verify", "jeu-test", now=DRAWN)
    assert "⟦the seed matches the commitment⟧" in verified.output
    assert "⟦1|the list of 1 pseudonym matches its digest⟧" in verified.output
    listed_file = contest.root / "content/contests/2026/jeu-test.entries.txt"
    listed_file.write_text("0" * 32 + "\n")
    failed = contest.gazette("contest", "verify", "jeu-test", now=DRAWN)
    assert failed.exit_code == 1 and "⟦verify FAILED: ⟦the list's digest is sha256:" in failed.output


def test_rejected_entries_show_their_time_for_people(contest, tmp_path):
    rows = ["@tard@velo.example;Tard Nom;2026-10-21 10:00;FR;30"]
    contest.gazette("contest", "entries", "jeu-test", "import", str(entries_csv(tmp_path / "e.csv", rows)), now=OPEN)
    listing = contest.gazette("contest", "entries", "jeu-test", "list", "--rejected", now=OPEN).output
    assert "after closing (2026-10-21 10:00 +02:00)" in listing and "T10:00" not in listing


def test_notify_records_nothing_when_no_winner_could_be_messaged(contest, tmp_path):
    _closed(contest, tmp_path)
    contest.gazette("contest", "close", "jeu-test", now=AFTER)
    assert contest.gazette("contest", "purge", "jeu-test", "--force", "demande", now=AFTER).exit_code == 0
    assert contest.gazette("contest", "draw", "jeu-test", "--beacon", "cafe", now=DRAWN).exit_code == 0
    commits = contest.git("rev-list", "--count", "HEAD")
    result = contest.gazette("contest", "notify", "jeu-test", now=DRAWN)
    assert result.exit_code == 1, result.output
    assert "no message written" in result.output and "gazette contest replace jeu-test" in result.output
    assert "notified:" not in front(contest) and contest.git("rev-list", "--count", "HEAD") == commits
    assert not list((tmp_path / "outbox").rglob("*.json"))


@pytest.mark.parametrize("given", ["none", "drand quicknet, round 123456"])
def test_commit_writes_the_beacon_given_over_the_one_in_the_file(contest, given):
    path = contest.root / "content/contests/2026/jeu-test.md"
    path.write_text(path.read_text(encoding="utf-8").replace("rules: inline\n", "rules: inline\nbeacon: template\n"),
                    encoding="utf-8")
    contest.commit_all("beacon named by the template")
    result = contest.gazette("contest", "commit", "jeu-test", "--beacon", given, now=BEFORE)
    assert result.exit_code == 0, result.output
    assert "replaces 'template'" in result.output
    assert "beacon: template" not in front(contest) and given in front(contest)
    assert (given == "none") == ("could bias the draw" in result.output)
    assert contest.git("status", "--porcelain") == ""  # the new beacon is in the commitment's commit


@pytest.mark.parametrize("written", ["trois mois", "0", '"92"', ""])
def test_purge_is_refused_while_the_retention_cannot_be_read(contest, tmp_path, written):
    path = contest.root / "content/contests/2026/jeu-test.md"
    path.write_text(path.read_text(encoding="utf-8").replace("rules: inline\n", f"rules: inline\nretention: {written}\n"),
                    encoding="utf-8")
    contest.commit_all("retention")
    _drawn(contest, tmp_path)
    refused = contest.gazette("contest", "purge", "jeu-test", now=DRAWN)
    assert refused.exit_code == 2 and "retention: is not a number of days" in refused.output, refused.output
    assert "purged:" not in front(contest)
    assert "9 entries" in contest.gazette("contest", "entries", "jeu-test", "list", now=DRAWN).output
    forced = contest.gazette("contest", "purge", "jeu-test", "--force", "règlement corrigé", now=DRAWN)
    assert forced.exit_code == 0, forced.output
