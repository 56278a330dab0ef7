"""One publisher at a time: a lock file on this machine, a lease on the remote.

The local lock is ``flock`` on ``<state>/publish.lock``: the kernel drops it
when the process dies, even by ``kill -9``. The remote lease is a ref,
``refs/gazette/lease``, pointing at an empty commit whose message names the
holder and the expiry; it is taken, renewed and released by compare-and-swap
pushes (``--force-with-lease``), so of two publishers racing exactly one
wins. A holder that crashed leaves a lease that expires by itself (default
10 minutes, ``$GAZETTE_LEASE_SECONDS``, at least 60); it is taken over sooner
only when its holder provably died: same boot, same pid namespace, and its
pid gone or reused (a start time that differs).

Expiry is wall-clock time, not ``--now``: it is about processes running at
the same moment, whatever date they pretend it is.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from .i18n import _
from .gitops import IDENTITY, Git, GitFailed, PushRefused

LEASE_REF = "refs/gazette/lease"
SEEN_PREFIX = "refs/gazette-remote/"  # where the remote's gazette refs are fetched to
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


class LeaseBusy(Exception):
    """Another publisher holds the lock or the lease: send nothing, exit 75 (EX_TEMPFAIL)."""

    def __init__(self, holder: str, expires: datetime | None):
        when = f" until {expires.isoformat(timespec='seconds')}" if expires else ""
        super().__init__(f"another publisher is running: {holder}{when}; try again later")
        self.holder, self.expires = holder, expires


def _holder() -> str:
    return f"{os.environ.get('GITHUB_ACTOR') or os.environ.get('USER') or 'gazette'}@{socket.gethostname()} " \
           f"pid {os.getpid()}"


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def _boot_id() -> str:
    return _read_text("/proc/sys/kernel/random/boot_id")


def _pid_namespace() -> str:
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return ""


def _start_time(pid) -> str:
    """The process's start time in clock ticks since boot: with the boot id, tells a reused pid apart."""
    stat = _read_text(f"/proc/{pid}/stat")
    fields = stat.rpartition(")")[2].split()  # the command name may hold spaces and parentheses
    return fields[19] if len(fields) > 19 else ""


def _provably_dead(fields: dict) -> bool:
    """Whether the lease's holder certainly no longer runs: only when it ran in this very pid
    namespace since this boot (containers and machines share hostnames, and pids mean nothing
    across namespaces); else the lease is trusted until it expires."""
    here = _boot_id(), _pid_namespace()
    if not all(here) or (fields.get("boot"), fields.get("pidns")) != here or fields.get("host") != socket.gethostname():
        return False
    pid = fields.get("pid", "")
    return not _alive(pid) or (bool(fields.get("start")) and _start_time(pid) != fields.get("start"))


MIN_LEASE_SECONDS = 60  # shorter would expire during one batch of a newsletter


class LeaseConfigError(Exception):
    """$GAZETTE_LEASE_SECONDS is not a number of seconds we can work with: exit 2."""


def lease_seconds() -> float:
    text = (os.environ.get("GAZETTE_LEASE_SECONDS") or "").strip()
    if not text:
        return 600.0
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not seconds >= MIN_LEASE_SECONDS or seconds == float("inf"):
        raise LeaseConfigError(_('$GAZETTE_LEASE_SECONDS={text!r}: give a number of seconds, at least '
                                 '{MIN_LEASE_SECONDS} (default 600)')
                                   .format(text=text, MIN_LEASE_SECONDS=MIN_LEASE_SECONDS))
    return seconds


class LocalLock:
    def __init__(self, folder: Path):
        self.path = Path(folder) / "publish.lock"
        self.handle = None

    def __enter__(self):
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another gazette publish"
            handle.close()
            raise LeaseBusy(f"{holder} (lock {self.path})", None) from None
        handle.seek(0)
        handle.truncate()
        handle.write(_holder() + "\n")
        handle.flush()
        self.handle = handle
        return self

    def __exit__(self, *exc):
        if self.handle:
            self.handle.close()  # closing releases the flock


class RemoteLease:
    """The lease on ``remote``; :meth:`acquire` after a fetch of ``refs/gazette/*``."""

    def __init__(self, git: Git, remote: str, seconds: float | None = None, clock=time.time):
        self.git, self.remote, self.clock = git, remote, clock
        self.seconds = float(seconds) if seconds else lease_seconds()
        self.run = uuid.uuid4().hex[:12]
        self.ours: str | None = None  # the sha of our lease commit on the remote
        self.expires = 0.0

    def _read(self, sha: str) -> tuple[str, float, str]:
        message = self.git("log", "-1", "--format=%B", sha)
        fields = dict(line.partition(": ")[::2] for line in message.splitlines() if ": " in line)
        try:
            expires = float(fields.get("expires-epoch", "0"))
        except ValueError:
            expires = 0.0
        if _provably_dead(fields):
            expires = 0.0  # its holder died here (kill -9): no need to wait for the expiry
        return fields.get("holder", "unknown"), expires, fields.get("run", "")

    def _push(self, expect: str) -> str:
        expires = self.clock() + self.seconds
        stamp = datetime.fromtimestamp(expires, timezone.utc).isoformat(timespec="seconds")
        message = f"gazette publish lease\n\nholder: {_holder()}\nrun: {self.run}\nexpires: {stamp}\n" \
                  f"expires-epoch: {expires:.3f}\nhost: {socket.gethostname()}\npid: {os.getpid()}\n" \
                  f"boot: {_boot_id()}\npidns: {_pid_namespace()}\nstart: {_start_time(os.getpid())}\n"
        sha = self.git("commit-tree", EMPTY_TREE, "-m", message, env=IDENTITY).strip()
        self.git.push(self.remote, f"{sha}:{LEASE_REF}", lease=f"{LEASE_REF}:{expect}")
        self.ours, self.expires = sha, expires
        return sha

    def acquire(self) -> None:
        current = self.git.ref(SEEN_PREFIX + "lease")
        if current:
            holder, expires, run = self._read(current)
            if expires > self.clock() and run != self.run:
                raise LeaseBusy(holder, datetime.fromtimestamp(expires, timezone.utc))
        try:
            self._push(current or "")
        except PushRefused:
            raise  # no right to push, a hook: a git error (exit 2), not a busy lease
        except GitFailed:
            raise self._busy() from None

    def _busy(self) -> LeaseBusy:
        """Who won: re-read the remote's lease after losing a compare-and-swap."""
        try:
            self.git.fetch(self.remote, f"+refs/gazette/*:{SEEN_PREFIX}*")
            current = self.git.ref(SEEN_PREFIX + "lease")
        except GitFailed:
            current = None
        if not current:
            return LeaseBusy("another publisher (the lease changed while we took it)", None)
        holder, expires, _token = self._read(current)
        return LeaseBusy(holder, datetime.fromtimestamp(expires, timezone.utc))

    def renew(self) -> None:
        """Before each delivery and batch: prove the lease is still ours and extend it, in one
        compare-and-swap push; :class:`LeaseBusy` if it was taken from us."""
        if self.ours is None:
            return
        try:
            self._push(self.ours)
        except PushRefused:
            raise
        except GitFailed:
            raise self._busy() from None

    def release(self) -> None:
        if self.ours is None:
            return
        try:
            self.git.push(self.remote, f":{LEASE_REF}", lease=f"{LEASE_REF}:{self.ours}")
        except (GitFailed, PushRefused):
            pass  # it expires by itself
        self.ours = None
