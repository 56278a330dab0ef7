"""`gazette publish` to the outbox, exactly once, receipts in git; freezes."""

from __future__ import annotations

import json
import subprocess

import pytest

NOW = "2026-12-01T13:00:00+01:00"


@pytest.fixture
def remote_repo(git_repo, tmp_path):
    """The community repository with a bare remote, as CI sees it."""
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    git_repo.git("remote", "add", "origin", str(remote))
    git_repo.git("push", "-q", "origin", "main")
    git_repo.remote = remote
    return git_repo


def due_post(repo, slug="annonce", at="2026-12-01T12:30:00+01:00", extra=""):
    return repo.post(slug, front=(
        f"title: Annonce\ndate: {at}\nstatus: approved  # validé en revue\n{extra}"
        f"channels:\n  mastodon: {{text: \"Rendez-vous à l'atelier\", at: {at}}}\n  newsletter: {{}}\n"))


def test_publish_delivers_once_and_records_receipts(remote_repo):
    path = due_post(remote_repo)
    remote_repo.commit_all("approve")
    remote_repo.git("push", "-q", "origin", "main")
    before = (remote_repo.root / path).read_text()
    result = remote_repo.gazette("publish", "--push", now=NOW)
    assert result.output.splitlines()[-1] == "2 sent"
    assert result.exit_code == 0
    outbox = sorted(p.relative_to(remote_repo.root / "outbox").as_posix()
                    for p in (remote_repo.root / "outbox").rglob("*.*"))
    assert [p.split("/")[0] for p in outbox] == ["mastodon", "newsletter"]
    payload = json.loads(next((remote_repo.root / "outbox/mastodon").glob("*.json")).read_text())
    assert payload["text"] == "Rendez-vous à l'atelier"
    eml = next((remote_repo.root / "outbox/newsletter").glob("*.eml")).read_text()
    assert "Message-ID: <" in eml and "Subject: Annonce" in eml

    # Only receipt lines (and the status) changed; comments and quoting kept.
    diff = remote_repo.git("diff", "HEAD~2", "--", path)
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert [line.split(" {")[0] for line in changed] == [
        "-status: approved  # validé en revue",
        "+status: published # validé en revue",  # the comment stays
        "+published:",
        "+  mastodon:",
        "+  newsletter:",
    ]
    assert changed[3].startswith("+  mastodon: {at: 2026-12-01 13:00:00+01:00, id: ")
    assert before.count("\n") + 3 == (remote_repo.root / path).read_text().count("\n")
    # One commit per delivery, each pushed before the next delivery.
    assert remote_repo.git("log", "-2", "--format=%s").splitlines() == [
        f"gazette publish: {path} newsletter", f"gazette publish: {path} mastodon"]
    remote_log = subprocess.run(["git", "--git-dir", str(remote_repo.remote), "log", "-2", "--format=%s"],
                                capture_output=True, text=True).stdout.splitlines()
    assert remote_log == [f"gazette publish: {path} newsletter", f"gazette publish: {path} mastodon"]
    assert remote_repo.git("status", "--porcelain", "--untracked-files=no") == ""
    # The lease is released at the end: the next publisher need not wait for it to expire.
    assert subprocess.run(["git", "--git-dir", str(remote_repo.remote), "show-ref", "refs/gazette/lease"],
                          capture_output=True).returncode == 1

    again = remote_repo.gazette("publish", now=NOW)
    assert again.output == "nothing due\n"
    assert len(list((remote_repo.root / "outbox").rglob("*.*"))) == 2
    assert remote_repo.gazette("check", now=NOW).exit_code == 0


def test_a_crash_before_the_receipt_does_not_deliver_twice(git_repo):
    due_post(git_repo)
    git_repo.commit_all()
    git_repo.gazette("publish", now=NOW)
    git_repo.git("reset", "-q", "--hard", "HEAD~2")  # the receipt commits never happened
    result = git_repo.gazette("publish", now=NOW)
    assert result.output.splitlines()[-1] == "2 sent"
    assert len(list((git_repo.root / "outbox").rglob("*.*"))) == 2  # same files, not new ones


def test_dry_run_touches_nothing(git_repo):
    path = due_post(git_repo)
    git_repo.commit_all()
    result = git_repo.gazette("publish", "--dry-run", now=NOW)
    assert result.output.splitlines() == [
        f"due     mastodon             2026-12-01 12:30 +01:00  {path}",
        f"due     newsletter           2026-12-01 12:30 +01:00  {path}",
        "dry run: 2 due",
    ]
    assert git_repo.git("status", "--porcelain") == ""
    assert not (git_repo.root / "outbox").exists()


def test_drafts_and_future_items_wait(git_repo):
    due_post(git_repo, "futur", at="2026-12-08T12:30:00+01:00")
    git_repo.post("brouillon", front="title: B\ndate: 2026-12-01T12:30:00+01:00\nstatus: draft\n"
                  "channels:\n  mastodon: {text: x}\n")
    git_repo.commit_all()
    assert git_repo.gazette("publish", now=NOW).output == "nothing due\n"


def test_a_freeze_holds_everything_but_crisis_statements(git_repo):
    due_post(git_repo, "normal")
    due_post(git_repo, "communique", at="2026-12-01T12:00:00+01:00", extra="tags: [crisis]\n")
    git_repo.commit_all()
    frozen = git_repo.gazette("freeze", "--reason", "Incident de livraison", now="2026-12-01T11:00:00+01:00")
    assert frozen.output.startswith("frozen: 20261201-1000-incident-de-livraison since 2026-12-01 11:00 +01:00 "
                                    "(the id starts with the UTC time;")
    assert "gazette freeze: Incident de livraison" in git_repo.git("log", "-1", "--format=%s")
    result = git_repo.gazette("publish", now=NOW)
    lines = result.output.splitlines()
    assert lines[-1] == "2 sent, 2 held"
    assert all("communique" in line for line in lines if line.startswith("sent"))
    status = git_repo.gazette("status", now=NOW).output
    assert status.startswith("FROZEN since 2026-12-01 11:00 +01:00 by ")
    assert "held    mastodon" in status

    freeze_id = frozen.output.split()[1]
    git_repo.gazette("unfreeze", freeze_id, now="2026-12-01T14:00:00+01:00")
    after = git_repo.gazette("publish", now="2026-12-01T14:05:00+01:00")
    assert after.output.splitlines()[-1] == "2 missed"  # never a burst on unfreeze
    assert "slot passed during a freeze" in after.output


def test_freeze_needs_a_reason_and_a_future_end(git_repo):
    result = git_repo.gazette("freeze", "--reason", " ", now=NOW)
    assert result.exit_code == 2 and "--reason is required" in result.output
    result = git_repo.gazette("freeze", "--reason", "x", "--until", "2026-01-01T00:00", now=NOW)
    assert result.exit_code == 2 and "--until must be in the future" in result.output
    result = git_repo.gazette("unfreeze", "nope", now=NOW)
    assert result.exit_code == 2 and "no freeze 'nope'" in result.output


def test_a_failing_target_does_not_block_the_others(git_repo, monkeypatch):
    monkeypatch.setenv("GAZETTE_TEST_ALLOW_LOOPBACK", "1")  # a refused port, not a refused address
    git_repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n"
                   "  mastodon: {network: mastodon, target: webhook, url: \"http://127.0.0.1:9/\"}\n"
                   "  newsletter: {network: newsletter}\n")
    due_post(git_repo)
    git_repo.commit_all()
    result = git_repo.gazette("publish", now=NOW)
    assert result.exit_code == 1
    assert "failed  mastodon" in result.output and "after 3 attempts" in result.output
    assert result.output.splitlines()[-1] == "1 sent, 1 failed"
    status = git_repo.gazette("status", now=NOW).output
    assert "failed  mastodon" in status and "(last run 2026-12-01 13:00 +01:00: " in status


def test_the_sample_has_nothing_due_from_the_past(sample):
    result = sample.gazette("publish", "--dry-run", now="2026-11-23T12:00:00+01:00")
    assert result.output == "dry run: nothing due\n" or result.output == "nothing due\n"


@pytest.mark.slow
def test_two_publishers_racing_on_one_remote_deliver_once(remote_repo, tmp_path, monkeypatch):
    """Two clones publish the same due items at once: one delivery each, receipts merged."""
    due_post(remote_repo, "premier")
    due_post(remote_repo, "second", at="2026-12-01T12:00:00+01:00")
    remote_repo.commit_all("approve")
    remote_repo.git("push", "-q", "origin", "main")
    shared_outbox = tmp_path / "outbox"  # what the world sees: shared by both publishers
    monkeypatch.setenv("GAZETTE_OUTBOX", str(shared_outbox))
    clones = []
    for name in ("a", "b"):
        clone = tmp_path / name
        subprocess.run(["git", "clone", "-q", str(remote_repo.remote), str(clone)], check=True)
        for key, value in (("user.name", name), ("user.email", f"{name}@example.org")):
            subprocess.run(["git", "-C", str(clone), "config", key, value], check=True)
        clones.append(clone)
    import sys

    processes = [subprocess.Popen([sys.executable, "-m", "gazette.cli", "publish", "--push", "--repo", str(c),
                                   "--now", NOW], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for c in clones]
    outputs = [p.communicate(timeout=120) for p in processes]
    # The loser either found the lease taken (75, sent nothing) or came after the winner.
    assert sorted(p.returncode for p in processes) in ([0, 0], [0, 75]), outputs
    assert all("another publisher is running" in err for p, (_, err) in zip(processes, outputs)
               if p.returncode == 75)
    delivered = sorted(p.name for p in shared_outbox.rglob("*.*"))
    assert len(delivered) == 4  # 2 items × (mastodon, newsletter), each once
    check = tmp_path / "check"
    subprocess.run(["git", "clone", "-q", str(remote_repo.remote), str(check)], check=True)
    for slug in ("premier", "second"):
        text = (check / f"content/posts/2026/{slug}.md").read_text()
        assert text.count("mastodon: {at:") == 1 and text.count("newsletter: {at:") == 1


def test_a_rejected_push_is_rebased_and_retried(remote_repo, tmp_path):
    due_post(remote_repo)
    remote_repo.commit_all("approve")
    remote_repo.git("push", "-q", "origin", "main")
    other = tmp_path / "other"  # someone merges a new post meanwhile
    subprocess.run(["git", "clone", "-q", str(remote_repo.remote), str(other)], check=True)
    (other / "content/posts/2026/autre.md").write_text("---\ntitle: Autre\ndate: 2027-01-05T12:30:00+01:00\n---\n")
    subprocess.run(["git", "-C", str(other), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(other), "-c", "user.name=o", "-c", "user.email=o@example.org",
                    "commit", "-qm", "autre"], check=True)
    subprocess.run(["git", "-C", str(other), "push", "-q", "origin", "main"], check=True)
    result = remote_repo.gazette("publish", "--push", now=NOW)
    assert result.exit_code == 0, result.output
    log = subprocess.run(["git", "--git-dir", str(remote_repo.remote), "log", "--format=%s", "-3"],
                         capture_output=True, text=True).stdout.splitlines()
    assert log == ["gazette publish: content/posts/2026/annonce.md newsletter",
                   "gazette publish: content/posts/2026/annonce.md mastodon", "autre"]


def test_freeze_and_status_show_the_community_zone_whatever_the_clock(git_repo):
    """CI's clock is UTC; the community reads Paris time, with the offset, everywhere."""
    due_post(git_repo, "normal", at="2026-12-01T18:30:00+01:00")
    git_repo.commit_all()
    frozen = git_repo.gazette("freeze", "--reason", "Panne", "--until", "2026-12-02T08:00", now="2026-12-01T10:00:00Z")
    assert frozen.output.startswith("frozen: 20261201-1000-panne since 2026-12-01 11:00 +01:00 "
                                    "until 2026-12-02 08:00 +01:00 (the id starts with the UTC time;")
    text = (git_repo.root / "calendar/freezes/20261201-1000-panne.yml").read_text()
    assert "from: 2026-12-01T11:00:00+01:00" in text and "until: 2026-12-02T08:00:00+01:00" in text
    status = git_repo.gazette("status", now="2026-12-01T17:45:00Z").output
    assert status.startswith("FROZEN since 2026-12-01 11:00 +01:00 until 2026-12-02 08:00 +01:00 by ")
    assert "held    mastodon             2026-12-01 18:30 +01:00  content/posts/2026/normal.md" in status
    unfrozen = git_repo.gazette("unfreeze", "20261201-1000-panne", now="2026-12-01T13:00:00Z")
    assert unfrozen.output == "unfrozen at 2026-12-01 14:00 +01:00: calendar/freezes/20261201-1000-panne.yml\n"


def test_the_state_folder_never_enters_git_even_without_a_gitignore(git_repo, tmp_path, monkeypatch):
    monkeypatch.delenv("GAZETTE_STATE_DIR", raising=False)
    export = tmp_path / "desabonnes.csv"
    export.write_text("email,reason\nfrancoise@example.org,unsubscribe\n")
    imported = git_repo.gazette("newsletter", "suppressions", "import", str(export))
    assert imported.exit_code == 0, imported.output
    assert (git_repo.root / ".gazette" / "gazette.sqlite3").exists()
    git_repo.git("add", "-A")
    assert ".gazette" not in git_repo.git("status", "--porcelain", "--untracked-files=all")  # personal data


def test_a_social_payload_carries_the_page_url_and_the_image_as_the_site_serves_them(git_repo):
    git_repo.write("mkdocs.yml", "site_name: Fabrique\nsite_url: https://fabrique.example.org/\ndocs_dir: content\n")
    git_repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n"
                   "  mastodon: {network: mastodon}\n  bluesky: {network: bluesky}\n")
    git_repo.write("content/posts/2026/couverture.jpg", b"\xff\xd8\xff")
    git_repo.write("content/posts/2026/carre.jpg", b"\xff\xd8\xff")
    git_repo.post("annonce", front=(
        "title: Annonce\ndate: 2026-12-01T12:30:00+01:00\nstatus: approved\nslug: portes-ouvertes\n"
        "image: {src: couverture.jpg, alt: L'atelier vu de la rue}\nchannels:\n"
        "  mastodon: {text: \"Portes ouvertes\"}\n"
        "  bluesky: {text: \"Portes ouvertes\", image: {src: carre.jpg, alt: Un vélo}}\n"))
    git_repo.commit_all()
    assert git_repo.gazette("publish", now=NOW).output.splitlines()[-1] == "2 sent"
    payloads = {name: json.loads(next((git_repo.root / "outbox" / name).glob("*.json")).read_text())
                for name in ("mastodon", "bluesky")}
    assert payloads["mastodon"]["url"] == ("https://fabrique.example.org/posts/2026/portes-ouvertes/"  # tracked
                                           "?utm_source=mastodon&utm_medium=social&utm_campaign=portes-ouvertes"
                                           "&utm_content=portes-ouvertes")
    assert payloads["mastodon"]["image"] == {"url": "https://fabrique.example.org/posts/2026/couverture.jpg",
                                             "alt": "L'atelier vu de la rue"}
    assert payloads["bluesky"]["image"] == {"url": "https://fabrique.example.org/posts/2026/carre.jpg",
                                            "alt": "Un vélo"}
