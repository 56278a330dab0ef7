"""Exactly once under faults, the git side: leases, people's work, stranded receipts, refused
pushes, full disks, bad config, kill -9 at every step boundary — with real bare remotes."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

NOW = "2026-12-01T13:00:00+01:00"
CHANNELS = ("timezone: Europe/Paris\nchannels:\n  site: {network: site}\n"
            "  mastodon: {network: mastodon}\n  newsletter: {network: newsletter}\n")


def due_post(repo, slug="annonce", at="2026-12-01T12:30:00+01:00", extra="", channels=None, body="Texte.\n"):
    channels = channels or (f"  mastodon: {{text: \"Rendez-vous à l'atelier\", at: {at}}}\n  newsletter: {{}}\n")
    return repo.post(slug, front=f"title: Annonce\ndate: {at}\nstatus: approved\n{extra}channels:\n{channels}",
                     body=body)


def git(path, *args, check=True) -> str:
    return subprocess.run(["git", "-C", str(path), *args], check=check, capture_output=True, text=True).stdout


def clone(remote: Path, dest: Path, name: str = "ci") -> Path:
    subprocess.run(["git", "clone", "-q", str(remote), str(dest)], check=True)
    git(dest, "config", "user.name", name)
    git(dest, "config", "user.email", f"{name}@example.org")
    return dest


def publish(path: Path, *args: str, env: dict | None = None, state: Path | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
    """``gazette publish --push`` in its own process, as CI runs it."""
    environment = {**os.environ, **(env or {})}
    environment["GAZETTE_STATE_DIR"] = str(state or path.parent / f"{path.name}-state")
    return subprocess.run([sys.executable, "-m", "gazette.cli", "publish", "--push", *args, "--repo", str(path),
                           "--now", NOW], capture_output=True, text=True, env=environment, timeout=timeout)


@pytest.fixture
def remote_repo(git_repo, tmp_path, monkeypatch):
    """The community with a bare remote; deliveries land in one shared outbox (the world)."""
    git_repo.write("calendar/channels.yml", CHANNELS)
    git_repo.commit_all("channels")
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    git_repo.git("remote", "add", "origin", str(remote))
    git_repo.git("push", "-q", "-u", "origin", "main")
    git_repo.remote = remote
    monkeypatch.setenv("GAZETTE_OUTBOX", str(tmp_path / "world"))
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    return git_repo


def delivered(tmp_path) -> list[str]:
    world = tmp_path / "world"
    return sorted(p.relative_to(world).as_posix() for p in world.rglob("*.*")) if world.exists() else []


def remote_file(remote: Path, path: str) -> str:
    return subprocess.run(["git", "--git-dir", str(remote), "show", f"main:{path}"], capture_output=True,
                          text=True, check=True).stdout


# -- one publisher at a time ---------------------------------------------------------

def test_a_lease_held_on_the_remote_sends_nothing_and_exits_75(remote_repo, tmp_path):
    due_post(remote_repo)
    remote_repo.commit_all("approve")
    remote_repo.git("push", "-q")
    expires = time.time() + 300
    tree = remote_repo.git("hash-object", "-t", "tree", "/dev/null").strip()
    lease = remote_repo.git("-c", "user.name=x", "-c", "user.email=x@x", "commit-tree", tree, "-m",
                            f"lease\n\nholder: runner@ci-7 pid 42\nexpires-epoch: {expires}\nhost: ci-7\n"
                            "pid: 42\n").strip()
    remote_repo.git("push", "-q", "origin", f"{lease}:refs/gazette/lease")
    result = remote_repo.gazette("publish", "--push", now=NOW)
    assert result.exit_code == 75, result.output
    assert "another publisher is running: runner@ci-7 pid 42 until " in result.output
    assert delivered(tmp_path) == []
    assert remote_repo.git("log", "-1", "--format=%s").strip() == "approve"


def push_lease(repo, **fields) -> None:
    tree = repo.git("hash-object", "-t", "tree", "/dev/null").strip()
    body = "".join(f"{key}: {value}\n" for key, value in fields.items())
    lease = repo.git("-c", "user.name=x", "-c", "user.email=x@x", "commit-tree", tree, "-m",
                     f"lease\n\nholder: runner pid {fields['pid']}\nexpires-epoch: {time.time() + 300}\n{body}").strip()
    repo.git("push", "-q", "--force", "origin", f"{lease}:refs/gazette/lease")


def a_dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_lease_from_another_pid_namespace_with_our_hostname_is_waited_for(remote_repo, tmp_path):
    """A container sharing our hostname: its pid means nothing here, its lease holds until expiry."""
    import socket

    from gazette.lease import _boot_id, _pid_namespace, _start_time

    due_post(remote_repo)
    remote_repo.commit_all("approve")
    remote_repo.git("push", "-q")
    host, dead = socket.gethostname(), a_dead_pid()
    push_lease(remote_repo, host=host, pid=dead)  # an older lease: no boot nor namespace recorded
    assert remote_repo.gazette("publish", "--push", now=NOW).exit_code == 75
    push_lease(remote_repo, host=host, pid=dead, boot=_boot_id(), pidns="4026500000")
    assert remote_repo.gazette("publish", "--push", now=NOW).exit_code == 75
    push_lease(remote_repo, host=host, pid=os.getpid(), boot=_boot_id(), pidns=_pid_namespace(),
               start=_start_time(os.getpid()))  # alive, the very same process
    assert remote_repo.gazette("publish", "--push", now=NOW).exit_code == 75
    assert delivered(tmp_path) == []
    # The same boot and namespace, its pid reused by another process: provably dead, taken over.
    push_lease(remote_repo, host=host, pid=os.getpid(), boot=_boot_id(), pidns=_pid_namespace(), start="1")
    result = remote_repo.gazette("publish", "--push", now=NOW)
    assert result.exit_code == 0, result.output
    assert len(delivered(tmp_path)) == 2


@pytest.mark.parametrize("value", ["dix", "-5", "5", "nan"])
def test_a_bad_lease_duration_is_a_config_error_before_anything_is_sent(remote_repo, tmp_path, monkeypatch,
                                                                         value):
    due_post(remote_repo)
    remote_repo.commit_all("approve")
    remote_repo.git("push", "-q")
    monkeypatch.setenv("GAZETTE_LEASE_SECONDS", value)
    result = remote_repo.gazette("publish", "--push", now=NOW)
    assert result.exit_code == 2, result.output
    assert f"$GAZETTE_LEASE_SECONDS={value!r}: give a number of seconds, at least 60" in result.output
    assert delivered(tmp_path) == []


def test_the_local_lock_stops_a_second_run_on_this_machine(remote_repo, tmp_path):
    from gazette.lease import LocalLock

    due_post(remote_repo)
    remote_repo.commit_all("approve")
    with LocalLock(tmp_path / "state"):
        result = remote_repo.gazette("publish", now=NOW)
    assert result.exit_code == 75 and "another publisher is running" in result.output
    assert delivered(tmp_path) == []
    assert remote_repo.gazette("publish", now=NOW).output.splitlines()[-1] == "2 sent"


@pytest.mark.slow
def test_two_publishers_racing_send_each_newsletter_message_once(remote_repo, tmp_path, smtp):
    handler, environment = smtp(remote_repo, subscribers=40, batch=5)
    clones = [clone(remote_repo.remote, tmp_path / name) for name in ("laptop", "ci")]
    processes = [subprocess.Popen([sys.executable, "-m", "gazette.cli", "publish", "--push", "--repo", str(c),
                                   "--now", NOW], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env={**os.environ, **environment, "GAZETTE_STATE_DIR": str(c) + "-state"})
                 for c in clones]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert sorted(p.returncode for p in processes) in ([0, 0], [0, 75]), outputs
    assert Counter(handler.recipients) == {f"m{i}@example.org": 1 for i in range(40)}


# -- never lose a person's work -------------------------------------------------------

def test_uncommitted_changes_stop_publish_before_anything_is_sent(remote_repo, tmp_path):
    path = due_post(remote_repo)
    remote_repo.commit_all("approve")
    remote_repo.write("content/index.md", "---\ntitle: Accueil modifié\n---\n")
    result = remote_repo.gazette("publish", now=NOW)
    assert result.exit_code == 2
    assert "uncommitted changes that are not receipts: M content/index.md" in result.output
    remote_repo.git("add", "content/index.md")
    result = remote_repo.gazette("publish", now=NOW)
    assert result.exit_code == 2 and "M content/index.md" in result.output
    assert delivered(tmp_path) == []
    assert "published:" not in (remote_repo.root / path).read_text()


def test_a_persons_unpushed_commits_stop_a_pushing_publish(remote_repo, tmp_path):
    due_post(remote_repo)
    remote_repo.commit_all("mon brouillon")
    result = remote_repo.gazette("publish", "--push", now=NOW)
    assert result.exit_code == 2
    assert "1 unpushed commit(s) that are not publish's" in result.output and '"mon brouillon"' in result.output
    assert delivered(tmp_path) == []


def test_a_rebase_conflict_aborts_and_keeps_every_commit(remote_repo, tmp_path):
    """An unpushed receipt commit of ours meets a person's edit of the same lines."""
    from datetime import datetime, timezone

    from gazette.gitops import Git
    from gazette.receipts import write_receipts

    path = due_post(remote_repo)
    remote_repo.commit_all("approve")
    remote_repo.git("push", "-q")
    write_receipts(remote_repo.root / path, {"site": {"at": datetime(2026, 12, 1, tzinfo=timezone.utc)}})
    ours = Git(remote_repo.root).commit_paths([path], "gazette publish: earlier run, push lost")
    other = clone(remote_repo.remote, tmp_path / "other", "camille")
    (other / path).write_text((other / path).read_text().replace("  newsletter: {}\n", "  newsletter: {text: z}\n"))
    git(other, "commit", "-qam", "camille edits the same lines")
    git(other, "push", "-q")
    result = remote_repo.gazette("publish", "--push", now=NOW)
    assert result.exit_code == 2
    assert "conflict" in result.output and "nothing was reset, the rebase was aborted" in result.output
    assert remote_repo.git("rev-parse", "HEAD").strip() == ours  # nothing reset away
    assert not (remote_repo.root / ".git/rebase-merge").exists()
    assert remote_repo.git("status", "--porcelain", "--untracked-files=no") == ""
    assert delivered(tmp_path) == []


def test_git_errors_are_exit_2_with_gits_message(remote_repo, tmp_path):
    due_post(remote_repo)
    remote_repo.commit_all("approve")
    remote_repo.git("remote", "set-url", "origin", str(tmp_path / "nowhere.git"))
    result = remote_repo.gazette("publish", "--push", now=NOW)
    assert result.exit_code == 2
    assert "git fetch:" in result.output and "nowhere.git" in result.output
    assert "Traceback" not in result.output
    assert delivered(tmp_path) == []


def test_staged_files_are_never_swept_into_a_gazette_commit(remote_repo, tmp_path):
    remote_repo.write("content/charte.md", "---\ntitle: Charte\n---\nen cours\n")
    remote_repo.git("add", "content/charte.md")
    result = remote_repo.gazette("freeze", "--reason", "Incident", now=NOW)
    assert result.exit_code == 0, result.output
    assert remote_repo.git("show", "--name-only", "--format=", "HEAD").split() == [
        "calendar/freezes/20261201-1200-incident.yml"]
    assert remote_repo.git("diff", "--cached", "--name-only").split() == ["content/charte.md"]
    # The freeze reached the remote, without the person's staged (or unpushed) work.
    pushed = subprocess.run(["git", "--git-dir", str(remote_repo.remote), "show", "--name-only", "--format=%s",
                             "main"], capture_output=True, text=True).stdout.split()
    assert pushed[-1] == "calendar/freezes/20261201-1200-incident.yml" and "content/charte.md" not in pushed


# -- receipts never stranded ------------------------------------------------------------

def test_receipts_a_crash_left_in_the_files_are_committed_by_the_next_run(remote_repo, tmp_path):
    from gazette.receipts import write_receipts
    from gazette.clock import now as clock_now

    path = due_post(remote_repo)
    remote_repo.commit_all("approve")
    write_receipts(remote_repo.root / path, {"mastodon": {"at": clock_now(NOW), "id": "abc"}})
    result = remote_repo.gazette("publish", now=NOW)
    assert result.exit_code == 0, result.output
    assert remote_repo.git("log", "-2", "--format=%s").splitlines()[1] == \
        "gazette publish: 1 receipts left by an interrupted run"
    assert remote_repo.git("status", "--porcelain", "--untracked-files=no") == ""
    assert [p.split("/")[0] for p in delivered(tmp_path)] == ["newsletter"]  # mastodon not again


def test_an_uncommitted_approval_is_a_persons_edit_not_a_receipt(remote_repo, tmp_path):
    path = due_post(remote_repo)
    remote_repo.write(path, (remote_repo.root / path).read_text().replace("status: approved", "status: draft"))
    remote_repo.commit_all("brouillon")
    remote_repo.write(path, (remote_repo.root / path).read_text().replace("status: draft", "status: approved"))
    result = remote_repo.gazette("publish", now=NOW)
    assert result.exit_code == 2, result.output
    assert f"uncommitted changes that are not receipts: M {path}" in result.output
    assert delivered(tmp_path) == []
    assert remote_repo.git("log", "-1", "--format=%s").strip() == "brouillon"


def test_a_refused_push_stops_before_the_next_delivery_and_a_fresh_clone_loses_nobody(remote_repo, tmp_path):
    path = due_post(remote_repo)
    remote_repo.commit_all("approve")
    remote_repo.git("push", "-q")
    hook = remote_repo.remote / "hooks/pre-receive"
    hook.write_text("#!/bin/sh\nwhile read old new ref; do\n  case $ref in refs/heads/*)\n"
                    "    echo 'branch protected: receipts need a review' >&2; exit 1;;\n  esac\ndone\n")
    hook.chmod(0o755)
    result = remote_repo.gazette("publish", "--push", now=NOW)
    assert result.exit_code == 2
    assert "branch protected: receipts need a review" in result.output
    assert "held    newsletter" in result.output  # not delivered: the first receipt is not on the remote
    assert len(delivered(tmp_path)) == 1
    hook.unlink()
    fresh = clone(remote_repo.remote, tmp_path / "fresh")
    done = publish(fresh)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(delivered(tmp_path)) == 2  # the first one again under the same key: the same file
    again = remote_repo.gazette("publish", "--push", now=NOW)  # the first machine catches up
    assert again.exit_code == 0, again.output
    text = remote_file(remote_repo.remote, path)
    assert text.count("mastodon: {at:") == 1 and text.count("newsletter: {at:") == 1
    assert "status: published" in text


def mount_tmpfs(folder: Path, size: str = "256k") -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True).returncode == 0


def fill(folder: Path, leave: int) -> Path:
    """Fill the file system, then free ``leave`` bytes."""
    filler = folder / "filler"
    handle = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(handle, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(handle)
    size = filler.stat().st_size
    os.truncate(filler, max(0, size - leave))
    return filler


@pytest.mark.parametrize("free", [0, 8192], ids=["receipt-write", "commit"])
def test_a_full_disk_never_strands_receipts_nor_truncates_a_post(git_repo, tmp_path, monkeypatch, free):
    disk = tmp_path / "disk"
    if os.geteuid() != 0 or not mount_tmpfs(disk):
        pytest.skip("needs root to mount a small tmpfs")
    try:
        subprocess.run(["cp", "-a", f"{git_repo.root}/.", str(disk)], check=True)
        monkeypatch.setenv("GAZETTE_OUTBOX", str(tmp_path / "world"))
        monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
        repo = type(git_repo)(disk)
        path = due_post(repo, body="Un long texte.\n" * 300)
        repo.commit_all("approve")
        before = (disk / path).read_bytes()
        filler = fill(disk, free)
        result = repo.gazette("publish", now=NOW)
        assert result.exit_code == 2, result.output
        assert "was delivered but its receipt could not be recorded" in result.output
        assert "No space left on device" in result.output
        after = (disk / path).read_bytes()
        if free:  # the receipt reached the file, the commit did not: the next run commits it
            assert b"  mastodon: {at:" in after and after.endswith(before[before.index(b"---\n\n"):])
        else:  # never a truncated post
            assert after == before
        assert len(delivered(tmp_path)) == 1
        filler.unlink()
        again = repo.gazette("publish", now=NOW)
        assert again.exit_code == 0, again.output
        assert len(delivered(tmp_path)) == 2  # the first again under its key: the same file
        assert repo.git("status", "--porcelain", "--untracked-files=no") == ""
        text = repo.git("show", f"HEAD:{path}")
        assert text.count("mastodon: {at:") == 1 and text.count("newsletter: {at:") == 1
        assert text.endswith("Un long texte.\n" * 300)
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


# -- fail safe on bad config --------------------------------------------------------------

@pytest.mark.parametrize("name,change,message", [
    ("unknown-target", ("calendar/channels.yml", CHANNELS.replace("{network: mastodon}",
                                                                   "{network: mastodon, target: smtpp}")),
     "calendar/channels.yml:4: schema/choice"),
    ("broken-freeze", ("calendar/freezes/gel.yml", "reason: [oups\n"), "calendar/freezes/gel.yml:"),
])
def test_bad_config_stops_the_run_before_anything_is_sent(remote_repo, tmp_path, name, change, message):
    due_post(remote_repo, extra="tags: [crisis]\n")
    remote_repo.write(*change)
    remote_repo.commit_all("config")
    result = remote_repo.gazette("publish", now=NOW)
    assert result.exit_code == 2, result.output
    assert message in result.output and "nothing was sent" in result.output
    assert delivered(tmp_path) == []
    if name == "broken-freeze":
        status = remote_repo.gazette("status", now=NOW).output
        assert "does not parse, treated as a freeze" in status


def test_items_with_check_errors_are_held_with_the_problem(remote_repo, tmp_path):
    due_post(remote_repo, extra="authors: [inconnu]\n")
    remote_repo.commit_all("approve")
    result = remote_repo.gazette("publish", now=NOW)
    assert result.exit_code == 1  # someone must fix it: CI shows the run red
    assert "held    mastodon" in result.output and "check error: content/posts/2026/annonce.md:5: ref/author" \
        in result.output
    assert delivered(tmp_path) == []


@pytest.mark.parametrize("case", ["calendar/conflict", "ref/duplicate-slug", "contest/timeline"])
def test_items_with_whole_repository_errors_are_held_too(remote_repo, tmp_path, case):
    if case == "calendar/conflict":  # two posts in one slot of one account
        due_post(remote_repo, channels="  mastodon: {text: a}\n")
        due_post(remote_repo, "autre", channels="  mastodon: {text: b}\n")
    elif case == "ref/duplicate-slug":  # one URL for two posts
        due_post(remote_repo, channels="  mastodon: {text: a}\n")
        remote_repo.post("annonce", year=2025, front="title: Ancienne\ndate: 2025-12-01T12:30:00+01:00\n"
                         "status: published\n")
    else:
        remote_repo.post("jeu", kind="contests", front=(
            "title: Jeu\ndate: 2026-12-01T09:00:00+01:00\nstatus: approved\nopens: 2026-12-01T09:00:00+01:00\n"
            "closes: 2026-12-20T23:59:00+01:00\ndraw: 2026-12-19T12:00:00+01:00\n"
            "prizes: [{name: Vélo, quantity: 1, value: 300}]\norganizer: La Fabrique\n"
            "channels:\n  mastodon: {text: a}\n"))
    remote_repo.commit_all("approve")
    assert case in remote_repo.gazette("check", now=NOW).output
    result = remote_repo.gazette("publish", now=NOW)
    assert result.exit_code == 1, result.output
    assert "held    mastodon" in result.output and f": {case} " in result.output
    assert delivered(tmp_path) == []


# -- the delivery key, status, manual channels ---------------------------------------------

def test_a_corrected_title_after_a_crash_resumes_the_same_send(remote_repo, tmp_path):
    path = due_post(remote_repo)
    remote_repo.commit_all("approve")
    remote_repo.gazette("publish", now=NOW)
    remote_repo.git("reset", "-q", "--hard", "HEAD~2")  # the receipts never reached git
    text = (remote_repo.root / path).read_text()
    remote_repo.write(path, text.replace("title: Annonce", "title: Annonce corrigée")
                      .replace("Rendez-vous à l'atelier", "Rendez-vous à l'atelier !"))
    remote_repo.commit_all("typo")
    assert remote_repo.gazette("publish", now=NOW).output.splitlines()[-1] == "2 sent"
    assert len(delivered(tmp_path)) == 2  # same keys: the same two deliveries
    lines = (remote_repo.root / path).read_text().replace("newsletter: {}", "newsletter: {edition: 2}")
    remote_repo.write(path, "".join(line for line in lines.splitlines(keepends=True)
                                    if not line.startswith("  newsletter: {at:")))
    remote_repo.commit_all("send it again on purpose")
    assert remote_repo.gazette("publish", now=NOW).output.splitlines()[-1] == "1 sent"
    assert len([p for p in delivered(tmp_path) if p.startswith("newsletter/")]) == 2


def test_status_becomes_published_only_when_every_channel_has_a_receipt(remote_repo, tmp_path):
    path = due_post(remote_repo, channels="  mastodon: {text: x}\n  newsletter: {at: 2026-12-02T09:00:00+01:00}\n")
    remote_repo.commit_all("approve")
    assert remote_repo.gazette("publish", now=NOW).output.splitlines()[-1] == "1 sent"
    text = (remote_repo.root / path).read_text()
    assert "status: approved" in text and "  mastodon: {at:" in text
    assert remote_repo.gazette("publish", now="2026-12-02T09:05:00+01:00").output.splitlines()[-1] == "1 sent"
    assert "status: published" in (remote_repo.root / path).read_text()


def test_manual_channels_are_posted_by_hand_and_recorded_with_gazette_published(remote_repo, tmp_path):
    remote_repo.write("calendar/channels.yml", CHANNELS + "  facebook: {network: facebook, target: manual}\n")
    path = due_post(remote_repo, channels="  mastodon: {text: x}\n  facebook: {text: y}\n")
    remote_repo.commit_all("approve")
    result = remote_repo.gazette("publish", now=NOW)
    assert result.output.splitlines()[-1] == "1 sent, 1 manual"
    assert "gazette published annonce --channel facebook --url URL" in result.output
    assert "facebook" not in (remote_repo.root / path).read_text().split("published:")[1]
    assert "status: approved" in (remote_repo.root / path).read_text()
    assert "manual  facebook" in remote_repo.gazette("status", now=NOW).output
    bad = remote_repo.gazette("published", "annonce", "--channel", "facebook", "--url", "javascript:x", now=NOW)
    assert bad.exit_code == 2 and "--url" in bad.output
    bad = remote_repo.gazette("published", "annonce", "--channel", "facebook", "--url",
                              "https://x.example/p\nstatus: retracted", now=NOW)
    assert bad.exit_code == 2 and "no spaces or line breaks" in bad.output
    done = remote_repo.gazette("published", "annonce", "--channel", "facebook", "--url",
                               "https://facebook.com/p/abc", "--at", "2026-12-01T12:40", now=NOW)
    assert done.exit_code == 0, done.output
    text = (remote_repo.root / path).read_text()
    assert '  facebook: {at: 2026-12-01 12:40:00+01:00, url: "https://facebook.com/p/abc", by: ' in text
    assert "status: published" in text
    assert remote_repo.git("log", "-1", "--format=%s").strip() == f"gazette published: {path} facebook (posted by hand)"
    assert remote_repo.gazette("status", now=NOW).output == "nothing due\n"
    again = remote_repo.gazette("published", "annonce", "--channel", "facebook", "--url", "https://x.org/1", now=NOW)
    assert again.exit_code == 2 and "already has a receipt" in again.output


# -- the newsletter over SMTP: freezes between batches, kill -9 at every boundary -----------------

class Recipients:
    def __init__(self):
        self.recipients: list[str] = []
        self.on_message = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.recipients += envelope.rcpt_tos
        if self.on_message:
            self.on_message(len(self.recipients))
        return "250 OK"


@pytest.fixture
def smtp(tmp_path):
    controller_module = pytest.importorskip("aiosmtpd.controller")
    started = []

    def start(repo, subscribers: int, batch: int):
        handler = Recipients()
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        controller = controller_module.Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        repo.write("calendar/channels.yml", CHANNELS.replace(
            "{network: newsletter}", f"{{network: newsletter, target: smtp, batch: {batch}, "
            "unsubscribe: \"https://example.org/desabonnement\"}"))
        repo.post("lettre", kind="newsletters", front=(
            "title: La lettre\ndate: 2026-12-01T12:00:00+01:00\nstatus: approved\nsubject: \"Décembre\"\n"
            "channels:\n  newsletter: {}\n"))
        repo.commit_all("newsletter")
        repo.git("push", "-q")
        csv = tmp_path / "abonnes.csv"
        csv.write_text("email,name\n" + "".join(f"m{i}@example.org,M {i}\n" for i in range(subscribers)))
        environment = {"GAZETTE_SUBSCRIBERS": str(csv), "GAZETTE_SMTP_HOST": "127.0.0.1",
                       "GAZETTE_SMTP_PORT": str(port), "GAZETTE_OUTBOX": str(tmp_path / "world"),
                       "GAZETTE_SMTP_TLS": "none", "GAZETTE_UNSUBSCRIBE_SECRET": "s" * 32}
        return handler, environment

    yield start
    for controller in started:
        controller.stop()


@pytest.mark.slow
@pytest.mark.parametrize("freeze_clock", [NOW, "2026-12-01T13:07:00+01:00"], ids=["same-instant", "minutes-later"])
def test_a_freeze_pushed_from_a_laptop_stops_the_newsletter_between_batches(remote_repo, tmp_path, smtp,
                                                                            freeze_clock):
    """A freeze made while a send runs starts after the run did: it still stops the next batch."""
    handler, environment = smtp(remote_repo, subscribers=12, batch=2)
    laptop = clone(remote_repo.remote, tmp_path / "laptop", "camille")

    def freeze_on_third(count):
        if count == 3:
            subprocess.run([sys.executable, "-m", "gazette.cli", "freeze", "--reason", "Crise", "--repo",
                            str(laptop), "--now", freeze_clock], check=True, capture_output=True)

    handler.on_message = freeze_on_third
    ci = clone(remote_repo.remote, tmp_path / "ci")
    result = publish(ci, env=environment)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "held    newsletter" in result.stdout and "freeze: Crise" in result.stdout
    assert 3 <= len(handler.recipients) <= 4  # the batch in flight finished, no further one
    assert "newsletter: {at:" not in remote_file(remote_repo.remote, "content/newsletters/2026/lettre.md")


KILL_POINTS = ["lease", "delivered@1", "written@1", "committed@1", "pushed@1", "batch@1", "batch@3",
               "delivered@2", "written@2", "committed@2", "pushed@2"]


@pytest.mark.slow
@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_9_at_every_step_boundary_then_a_fresh_clone(remote_repo, tmp_path, smtp, point):
    """Killed at ``point``; then a fresh clone (no state, no cache) runs, then the first machine:
    nobody lost, nobody gets more than one batch again, no social post under a new key."""
    due_post(remote_repo, channels="  mastodon: {text: x}\n", at="2026-12-01T11:00:00+01:00")
    remote_repo.commit_all("post")
    handler, environment = smtp(remote_repo, subscribers=9, batch=2)
    first = clone(remote_repo.remote, tmp_path / "first")
    killed = publish(first, env={**environment, "GAZETTE_TEST_KILL_AT": point})
    assert killed.returncode == -9, killed.stdout + killed.stderr
    fresh = publish(clone(remote_repo.remote, tmp_path / "fresh"), env=environment)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    again = publish(first, env=environment)
    assert again.returncode == 0, again.stdout + again.stderr
    counts = Counter(handler.recipients)
    assert set(counts) == {f"m{i}@example.org" for i in range(9)}  # nobody lost
    assert max(counts.values()) <= 2 and sum(counts.values()) - 9 <= 2  # at most one batch again
    assert [p.split("/")[0] for p in delivered(tmp_path)] == ["mastodon"]  # one key, one post
    for path, channel in (("content/posts/2026/annonce.md", "mastodon"),
                          ("content/newsletters/2026/lettre.md", "newsletter")):
        text = remote_file(remote_repo.remote, path)
        assert text.count(f"  {channel}: {{at:") == 1 and "status: published" in text, (point, text)
    assert git(first, "status", "--porcelain", "--untracked-files=no") == ""
    assert git(first, "rev-parse", "HEAD") == git(first, "rev-parse", "origin/main")


def test_a_delivery_with_deferred_recipients_gets_no_receipt_until_everyone_is_done(remote_repo, tmp_path,
                                                                                  monkeypatch):
    from gazette.targets.outbox import Outbox

    path = due_post(remote_repo, channels="  newsletter: {}\n")
    remote_repo.commit_all("approve")
    real = Outbox.deliver
    monkeypatch.setattr(Outbox, "deliver", lambda self, delivery, **kw: {**real(self, delivery, **kw), "pending": 3})
    result = remote_repo.gazette("publish", now=NOW)
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "1 deferred"
    assert "3 recipients deferred, retried next run" in result.output
    assert "published:" not in (remote_repo.root / path).read_text()
    monkeypatch.setattr(Outbox, "deliver", real)
    assert remote_repo.gazette("publish", now=NOW).output.splitlines()[-1] == "1 sent"
    assert "status: published" in (remote_repo.root / path).read_text()


def test_freeze_and_unfreeze_reach_the_remote_unless_told_to_stay_local(remote_repo, tmp_path):
    def remote_subject():
        return subprocess.run(["git", "--git-dir", str(remote_repo.remote), "log", "-1", "--format=%s", "main"],
                              capture_output=True, text=True).stdout.strip()

    local = remote_repo.gazette("freeze", "--reason", "Essai", "--no-push", now=NOW)
    assert local.exit_code == 0 and remote_subject() == "channels"
    frozen = remote_repo.gazette("freeze", "--reason", "Crise", now=NOW)
    assert remote_subject() == "gazette freeze: Crise"
    freeze_id = frozen.output.split()[1]
    remote_repo.gazette("unfreeze", freeze_id, now="2026-12-01T15:00:00+01:00")
    assert remote_subject() == "gazette unfreeze: Crise"
    text = remote_file(remote_repo.remote, f"calendar/freezes/{freeze_id}.yml")
    assert text.endswith('reason: "Crise"\nwho: ' + text.split("who: ")[1].split("\n")[0] +
                         "\nfrom: 2026-12-01T13:00:00+01:00\nuntil: 2026-12-01T15:00:00+01:00\n")


def test_a_lease_lost_mid_run_stops_before_the_next_delivery(remote_repo, tmp_path, monkeypatch):
    """The run stalled past its lease and another publisher took it: it sends nothing more."""
    from gazette.clock import now as clock_now
    from gazette.publish import PublisherBusy, run
    from gazette.targets.outbox import Outbox

    due_post(remote_repo, "premier", channels="  mastodon: {text: x}\n")
    due_post(remote_repo, "second", at="2026-12-01T12:40:00+01:00", channels="  mastodon: {text: y}\n")
    remote_repo.commit_all("approve")
    remote_repo.git("push", "-q")
    wall = [1_000_000.0]
    real = Outbox.deliver

    def deliver_then_stall(self, delivery, **kw):
        receipt = real(self, delivery, **kw)
        wall[0] += 3600  # an hour later the lease has long expired, and another run took it
        tree = remote_repo.git("hash-object", "-t", "tree", "/dev/null").strip()
        other = remote_repo.git("-c", "user.name=x", "-c", "user.email=x@x", "commit-tree", tree, "-m",
                                f"lease\n\nholder: ci@other pid 7\nexpires-epoch: {wall[0] + 600}\n").strip()
        remote_repo.git("push", "-q", "--force", "origin", f"{other}:refs/gazette/lease")
        return receipt

    monkeypatch.setattr(Outbox, "deliver", deliver_then_stall)
    with pytest.raises(PublisherBusy) as stopped:
        run(remote_repo.root, clock_now(NOW), push=True, clock=lambda: wall[0])
    assert "ci@other pid 7" in str(stopped.value)
    assert [(o.state, o.path.split("/")[-1]) for o in stopped.value.outcomes] == [
        ("sent", "premier.md"), ("held", "second.md")]
    assert len(delivered(tmp_path)) == 1
    assert "mastodon: {at:" in remote_file(remote_repo.remote, "content/posts/2026/premier.md")


def test_a_lease_taken_over_early_is_noticed_right_before_the_next_delivery(remote_repo, tmp_path, monkeypatch):
    """No stall, the lease far from half-life: the check before each delivery still asks the remote."""
    from gazette.clock import now as clock_now
    from gazette.publish import PublisherBusy, run
    from gazette.targets.outbox import Outbox

    due_post(remote_repo, "premier", channels="  mastodon: {text: x}\n")
    due_post(remote_repo, "second", at="2026-12-01T12:40:00+01:00", channels="  mastodon: {text: y}\n")
    remote_repo.commit_all("approve")
    remote_repo.git("push", "-q")
    real = Outbox.deliver

    def deliver_then_lose_the_lease(self, delivery, **kw):
        receipt = real(self, delivery, **kw)
        push_lease(remote_repo, pid=7, host="ci-other")
        return receipt

    monkeypatch.setattr(Outbox, "deliver", deliver_then_lose_the_lease)
    with pytest.raises(PublisherBusy):
        run(remote_repo.root, clock_now(NOW), push=True)
    assert len(delivered(tmp_path)) == 1


def test_a_community_in_a_subfolder_of_a_larger_repository(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_OUTBOX", str(tmp_path / "world"))
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    mono = tmp_path / "mono"
    mono.mkdir()
    subprocess.run(["mv", str(repo.root), str(mono / "communaute")], check=True)
    repo.root = mono / "communaute"
    repo.write("calendar/channels.yml", CHANNELS)
    path = due_post(repo)
    (mono / "README.md").write_text("monorepo\n")
    subprocess.run(["git", "init", "-q", "-b", "main", str(mono)], check=True)
    git(mono, "add", "-A")
    git(mono, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "start")
    result = repo.gazette("publish", now=NOW)
    assert result.output.splitlines()[-1] == "2 sent", result.output
    assert git(mono, "status", "--porcelain", "--untracked-files=no") == ""
    assert "newsletter: {at:" in git(mono, "show", f"HEAD:communaute/{path}")
    (mono / "README.md").write_text("changed\n")
    refused = repo.gazette("publish", now=NOW)
    assert refused.exit_code == 2 and "M :/README.md" in refused.output


def test_two_accounts_on_one_network_each_use_their_own_settings(remote_repo, tmp_path, monkeypatch):
    remote_repo.write("calendar/channels.yml", CHANNELS + "  compte-b: {network: mastodon, target: webhook, "
                      "url: \"http://127.0.0.1:9/b\"}\n  compte-a: {network: mastodon, target: webhook, "
                      "url: \"http://127.0.0.1:9/a\"}\n")
    due_post(remote_repo, channels="  compte-a: {text: a}\n  compte-b: {text: b}\n")
    remote_repo.commit_all("approve")
    from gazette.targets import http

    seen = []
    monkeypatch.setattr(http, "post_json", lambda url, payload, headers: seen.append(url) or {"id": "1"})
    remote_repo.git("push", "-q")
    assert remote_repo.gazette("publish", "--push", now=NOW).output.splitlines()[-1] == "2 sent"
    assert seen == ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"]


def test_a_receipt_commit_cut_short_before_the_index_update_is_finished(remote_repo, tmp_path):
    """Killed between moving the branch and updating the index: the index lags one receipt."""
    from gazette.clock import now as clock_now
    from gazette.receipts import write_receipts

    path = due_post(remote_repo)
    remote_repo.commit_all("approve")
    write_receipts(remote_repo.root / path, {"mastodon": {"at": clock_now(NOW), "id": "abc"}})
    index = tmp_path / "private-index"
    env = {**os.environ, "GIT_INDEX_FILE": str(index)}
    run = lambda *args: subprocess.run(["git", *args], cwd=remote_repo.root, env=env, check=True,  # noqa: E731
                                       capture_output=True, text=True).stdout.strip()
    run("read-tree", "HEAD")
    run("update-index", "--add", "--", path)
    commit = run("-c", "user.name=Gazette", "-c", "user.email=gazette@localhost", "commit-tree", run("write-tree"),
                 "-p", "HEAD", "-m", "gazette publish: cut short")
    remote_repo.git("update-ref", "HEAD", commit)
    assert remote_repo.git("status", "--porcelain", "--untracked-files=no").startswith("MM ")
    result = remote_repo.gazette("publish", now=NOW)
    assert result.exit_code == 0, result.output
    assert remote_repo.git("status", "--porcelain", "--untracked-files=no") == ""
    assert [p.split("/")[0] for p in delivered(tmp_path)] == ["newsletter"]


def test_a_remote_refusing_the_lease_ref_is_a_git_error_not_a_busy_publisher(remote_repo, tmp_path):
    due_post(remote_repo)
    remote_repo.commit_all("approve")
    remote_repo.git("push", "-q")
    hook = remote_repo.remote / "hooks/pre-receive"
    hook.write_text("#!/bin/sh\necho 'only branches here' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = remote_repo.gazette("publish", "--push", now=NOW)
    assert result.exit_code == 2 and "only branches here" in result.output
    assert "another publisher" not in result.output
    assert delivered(tmp_path) == []


@pytest.mark.slow
def test_a_cancelled_run_releases_its_lease_at_once(remote_repo, tmp_path, smtp):
    handler, environment = smtp(remote_repo, subscribers=400, batch=10)
    first = clone(remote_repo.remote, tmp_path / "first")
    process = subprocess.Popen([sys.executable, "-m", "gazette.cli", "publish", "--push", "--repo", str(first),
                                "--now", NOW], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, **environment, "GAZETTE_STATE_DIR": f"{first}-state",
                                    "GAZETTE_TEST_SMTP_DELAY": "0.01"})
    deadline = time.monotonic() + 60
    while len(handler.recipients) < 25 and time.monotonic() < deadline:
        time.sleep(0.01)
    process.terminate()  # SIGTERM, as a CI cancel sends
    assert process.wait(timeout=60) == 128 + 15
    assert subprocess.run(["git", "--git-dir", str(remote_repo.remote), "show-ref", "refs/gazette/lease"],
                          capture_output=True).returncode == 1  # released, not left to expire
    sent = len(handler.recipients)
    fresh = publish(clone(remote_repo.remote, tmp_path / "fresh"), env=environment)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    counts = Counter(handler.recipients)
    assert len(counts) == 400 and sum(counts.values()) - 400 <= 10 and sent < 400


def test_gazette_published_refuses_a_channel_publish_delivers_and_an_item_not_public_yet(remote_repo):
    remote_repo.write("calendar/channels.yml", CHANNELS + "  facebook: {network: facebook, target: manual}\n")
    due_post(remote_repo, channels="  mastodon: {text: x}\n  facebook: {text: y}\n")
    due_post(remote_repo, slug="plus-tard", at="2026-12-05T12:30:00+01:00", channels="  facebook: {text: y}\n")
    remote_repo.commit_all("approve")
    automatic = remote_repo.gazette("published", "annonce", "--channel", "mastodon", "--url", "https://m.org/1", now=NOW)
    assert automatic.exit_code == 2 and "'mastodon' is not posted by hand: gazette publish delivers it" in automatic.output
    early = remote_repo.gazette("published", "plus-tard", "--channel", "facebook", "--url", "https://f.org/1", now=NOW)
    assert early.exit_code == 2 and "is not public yet (it is dated 2026-12-05 12:30" in early.output
    assert remote_repo.git("status", "--porcelain") == ""  # nothing recorded


def test_receipts_are_written_in_the_communitys_zone_whatever_the_clock(remote_repo):
    remote_repo.write("calendar/channels.yml", CHANNELS + "  facebook: {network: facebook, target: manual}\n")
    path = due_post(remote_repo, channels="  mastodon: {text: x}\n  facebook: {text: y}\n")
    remote_repo.commit_all("approve")
    remote_repo.gazette("publish", now="2026-12-01T12:00:00+00:00")  # a CI runner's UTC clock
    remote_repo.gazette("published", "annonce", "--channel", "facebook", "--url", "https://f.org/1",
                        "--at", "2026-12-01T11:40:00Z", now="2026-12-01T12:00:00+00:00")
    text = (remote_repo.root / path).read_text()
    assert "  mastodon: {at: 2026-12-01 13:00:00+01:00," in text
    assert "  facebook: {at: 2026-12-01 12:40:00+01:00," in text
def test_real_deliveries_without_push_refuse_when_the_branch_has_a_remote(remote_repo, tmp_path, smtp):
    """Clone a publishes with --push; clone b (not pulled) publishes without: b must not send
    the newsletter a second time to everyone. The outbox quick start still runs without --push."""
    handler, environment = smtp(remote_repo, subscribers=4, batch=2)
    a, b = (clone(remote_repo.remote, tmp_path / name) for name in ("a", "b"))
    first = publish(a, env=environment)
    assert first.returncode == 0, first.stdout + first.stderr
    environment_b = {**os.environ, **environment, "GAZETTE_STATE_DIR": str(tmp_path / "b-state")}
    second = subprocess.run([sys.executable, "-m", "gazette.cli", "publish", "--repo", str(b), "--now", NOW],
                            capture_output=True, text=True, env=environment_b, timeout=120)
    assert second.returncode == 2, second.stdout + second.stderr
    assert "real deliveries go through `gazette publish --push`" in second.stdout + second.stderr
    assert Counter(handler.recipients) == {f"m{i}@example.org": 1 for i in range(4)}
    assert git(b, "status", "--porcelain", "--untracked-files=no") == ""


def test_the_outbox_quick_start_publishes_without_push_in_a_clone(remote_repo, tmp_path):
    due_post(remote_repo)
    remote_repo.commit_all("approve")
    result = remote_repo.gazette("publish", now=NOW)
    assert result.exit_code == 0 and result.output.splitlines()[-1] == "2 sent"


@pytest.mark.slow
def test_a_ledger_key_changed_between_runs_refuses_instead_of_sending_again(remote_repo, tmp_path, smtp):
    """Killed after the first batch under one key; a fresh clone with another GAZETTE_LEDGER_KEY would
    match nobody in the ledger and serve everyone again: it refuses, naming the variable."""
    handler, environment = smtp(remote_repo, subscribers=6, batch=2)
    environment["GAZETTE_LEDGER_KEY"] = "k" * 32
    killed = publish(clone(remote_repo.remote, tmp_path / "first"), env={**environment,
                                                                         "GAZETTE_TEST_KILL_AT": "batch@1"})
    assert killed.returncode == -9, killed.stdout + killed.stderr
    assert len(handler.recipients) == 2
    fresh = clone(remote_repo.remote, tmp_path / "fresh")
    other = publish(fresh, env={**environment, "GAZETTE_LEDGER_KEY": "o" * 32})
    assert other.returncode == 2, other.stdout + other.stderr
    assert "$GAZETTE_LEDGER_KEY is not the secret the newsletter ledger" in other.stdout + other.stderr
    assert len(handler.recipients) == 2
    same = publish(fresh, env=environment)
    assert same.returncode == 0, same.stdout + same.stderr
    assert Counter(handler.recipients) == {f"m{i}@example.org": 1 for i in range(6)}


@pytest.mark.slow
def test_a_retraction_pushed_during_a_run_is_not_delivered_nor_overwritten(remote_repo, tmp_path, smtp):
    """While the newsletter goes out, a person sets a later post back to draft and pushes: the
    run integrates it before the next delivery, so that post is not delivered and stays a draft."""
    due_post(remote_repo, channels="  mastodon: {text: x}\n")
    path = due_post(remote_repo, "suite", at="2026-12-01T12:45:00+01:00", channels="  mastodon: {text: y}\n")
    remote_repo.commit_all("post")
    handler, environment = smtp(remote_repo, subscribers=1, batch=1)
    laptop = clone(remote_repo.remote, tmp_path / "laptop", "camille")

    handler.on_message = retract_after_first_message(laptop, path)
    result = publish(clone(remote_repo.remote, tmp_path / "ci"), env=environment)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(handler.recipients) == 1
    assert len(delivered(tmp_path)) == 1  # the post planned before still went out, the retracted one not
    text = remote_file(remote_repo.remote, path)
    assert "status: draft" in text and "published:" not in text
    assert "status: published" in remote_file(remote_repo.remote, "content/newsletters/2026/lettre.md")


def retract_after_first_message(laptop: Path, path: str):
    """A person on a laptop puts ``path`` back to draft and pushes, once the first message is out."""

    def retract(count):
        if count == 1:
            file = laptop / path
            file.write_text(file.read_text().replace("status: approved", "status: draft"))
            git(laptop, "commit", "-qam", "retrait")
            git(laptop, "push", "-q")

    return retract


def test_a_receipt_never_turns_a_status_other_than_approved_into_published(tmp_path):
    from gazette.clock import now as clock_now
    from gazette.receipts import write_receipts

    path = tmp_path / "a.md"
    path.write_text("---\ntitle: A\nstatus: draft\n---\nx\n")
    write_receipts(path, {"site": {"at": clock_now(NOW)}}, "published", complete={"site"})
    assert "status: draft" in path.read_text() and "site: {at:" in path.read_text()


@pytest.mark.slow
def test_a_newsletter_retracted_mid_send_stops_after_the_batch_in_flight(remote_repo, tmp_path, smtp):
    handler, environment = smtp(remote_repo, subscribers=6, batch=2)
    laptop = clone(remote_repo.remote, tmp_path / "laptop", "camille")
    path = "content/newsletters/2026/lettre.md"

    handler.on_message = retract_after_first_message(laptop, path)
    result = publish(clone(remote_repo.remote, tmp_path / "ci"), env=environment)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "held    newsletter" in result.stdout
    assert len(handler.recipients) == 2  # the batch in flight, no further one
    text = remote_file(remote_repo.remote, path)
    assert "status: draft" in text and "published:" not in text


@pytest.mark.slow
def test_a_freeze_planned_for_later_and_pushed_during_a_send_does_not_stop_it(remote_repo, tmp_path, smtp):
    """Christmas, decided while the December letter goes out: that letter still reaches everyone."""
    handler, environment = smtp(remote_repo, subscribers=12, batch=2)
    laptop = clone(remote_repo.remote, tmp_path / "laptop", "camille")

    def plan_christmas(count):
        if count == 3:
            (laptop / "calendar/freezes").mkdir(parents=True, exist_ok=True)
            (laptop / "calendar/freezes/noel.yml").write_text(
                'reason: "Noël"\nwho: camille\nfrom: 2026-12-24T00:00:00+01:00\nuntil: 2026-12-26T00:00:00+01:00\n')
            git(laptop, "add", "calendar/freezes/noel.yml")
            git(laptop, "commit", "-qm", "Noël")
            git(laptop, "push", "-q", "origin", "main")

    handler.on_message = plan_christmas
    result = publish(clone(remote_repo.remote, tmp_path / "ci"), env=environment)
    assert result.returncode == 0, result.stdout + result.stderr
    assert Counter(handler.recipients) == {f"m{i}@example.org": 1 for i in range(12)}
