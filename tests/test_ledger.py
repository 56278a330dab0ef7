"""The newsletter ledger: addresses in, keyed hashes out; durable in git; the sample's receipts."""

from __future__ import annotations

import difflib
import subprocess
from datetime import datetime, timedelta, timezone

from gazette.gitops import Git
from gazette.targets.ledger import LEDGER_REF, Journal, Ledger, recording


def test_the_ledger_answers_by_address_and_stores_only_keyed_hashes(tmp_path):
    ledger = Ledger(tmp_path, "k1")
    ledger.record({"Ana@Example.org": "sent", "bob@example.org": "refused 550"})
    ledger.close()
    again = Ledger(tmp_path, "k1")
    assert "ana@example.org" in again.done and again.done["bob@example.org"] == "refused 550"
    assert "carla@example.org" not in again.done and len(again.done) == 2
    assert sum(1 for state in again.done.values() if state != "sent") == 1
    again.close()
    assert "@" not in (tmp_path / "k1.log").read_text()
    other_key = Ledger(tmp_path, "k2")  # another delivery: another keyed hash
    assert "ana@example.org" not in other_key.done
    other_key.close()


def test_a_ledger_written_with_addresses_is_still_read(tmp_path):
    (tmp_path / "k.log").write_text("ana@example.org\tsent\n")
    ledger = Ledger(tmp_path, "k")
    assert ledger.done.get("ana@example.org") == "sent"
    ledger.close()


def test_the_journal_reaches_a_fresh_clone_without_any_address(git_repo, tmp_path):
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    git_repo.git("remote", "add", "origin", str(remote))
    checked = []
    with recording(Journal(Git(git_repo.root), "origin"), lambda: checked.append(1)):
        ledger = Ledger(tmp_path / "state-a", "k")
        ledger.record({"ana@example.org": "sent"})
        ledger.record({"bob@example.org": "sent"})
        ledger.close()
    assert checked == [1, 1]  # the run checks in after each batch
    fresh = tmp_path / "fresh"
    subprocess.run(["git", "init", "-q", str(fresh)], check=True)
    subprocess.run(["git", "-C", str(fresh), "fetch", "-q", str(remote), f"{LEDGER_REF}:{LEDGER_REF}"], check=True)
    with recording(Journal(Git(fresh))):
        ledger = Ledger(tmp_path / "state-b", "k")  # no local state at all
        assert "ana@example.org" in ledger.done and "bob@example.org" in ledger.done
        ledger.close()
    history = subprocess.run(["git", "--git-dir", str(remote), "log", "-p", LEDGER_REF], capture_output=True,
                             text=True, check=True).stdout
    assert history.count("\tsent") == 3 and "example.org" not in history


def test_two_copies_of_the_ledger_merge_as_a_union(git_repo, tmp_path):
    git = Git(git_repo.root)
    journal = Journal(git)
    journal.append("k", "aaa\tsent\n")
    base = git.ref(LEDGER_REF)
    journal.append("k", "bbb\tsent\n")
    ours = git.ref(LEDGER_REF)
    git("update-ref", LEDGER_REF, base, ours)
    journal.append("k", "ccc\tsent\n")
    assert journal.merge(ours)
    assert sorted(journal.read("k").splitlines()) == ["aaa\tsent", "bbb\tsent", "ccc\tsent"]
    assert not journal.merge(ours)  # already in


def test_publishing_any_item_of_the_sample_changes_receipt_lines_and_the_status_line_only(sample):
    from gazette.load import load_repo
    from gazette.receipts import edit_receipts

    at = datetime(2026, 12, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    repo = load_repo(sample.root)
    assert len(repo.items) >= 5
    for item in repo.items:
        before = (sample.root / item.path).read_bytes()
        channels = list(item.meta.get("channels") or ()) + ["site"]
        after = edit_receipts(before, {c: {"at": at, "id": "x"} for c in channels}, "published")
        diff = [d for d in difflib.ndiff(before.decode().splitlines(True), after.decode().splitlines(True))
                if d[0] in "+-"]
        assert all(d.startswith("- status:") for d in diff if d[0] == "-"), (item.path, diff)
        assert all(d[2:].strip().startswith(("status:", "published:", *(f"{c}: {{at:" for c in channels)))
                   for d in diff if d[0] == "+"), (item.path, diff)


def test_ledger_hashes_are_keyed_with_a_secret_when_the_smtp_target_has_one(monkeypatch):
    """The delivery key is public (path, channel, edition): without a secret anyone holding the
    repository could test an address against the pushed ledger."""
    from gazette.targets.ledger import address_digest

    monkeypatch.delenv("GAZETTE_LEDGER_KEY", raising=False)
    monkeypatch.delenv("GAZETTE_UNSUBSCRIBE_SECRET", raising=False)
    guessable = address_digest("membre@example.org", "delivery-key")
    monkeypatch.setenv("GAZETTE_UNSUBSCRIBE_SECRET", "s" * 32)
    keyed = address_digest("membre@example.org", "delivery-key")
    assert keyed != guessable
    monkeypatch.setenv("GAZETTE_LEDGER_KEY", "k" * 32)
    assert address_digest("membre@example.org", "delivery-key") not in (keyed, guessable)
