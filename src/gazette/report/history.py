"""The repository's history, read with one ``git log`` call.

GitPython's object traversal costs seconds on thousands of commits (DESIGN.md,
"Git history"); one ``git log --name-only -z`` reads the same facts: when each
file first appeared, who touched what and when. The call starts before the
items load so the two overlap, and its parsed result is cached by HEAD (in the
parse cache's folder, outside the repository): history below HEAD never changes.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timezone
from pathlib import Path

from ..gitops import EMAIL as GAZETTE_EMAIL

FOLDERS = ("content/", "calendar/")


class History:
    """What the report needs from git. ``commits``: (unix time, author email, paths), oldest first."""

    def __init__(self, commits: list[tuple[int, str, tuple[str, ...]]]):
        self.commits = commits
        self.created: dict[str, datetime] = {}
        self.first_seen: dict[str, int] = {}
        self._touches: dict[str, list[tuple[int, str]]] | None = None
        created: dict[str, int] = {}
        for moment, email, paths in commits:
            if email != GAZETTE_EMAIL and email not in self.first_seen:
                self.first_seen[email] = moment
            for path in paths:
                if path not in created:
                    created[path] = moment
        self.created = {path: _utc(moment) for path, moment in created.items()}

    @property
    def available(self) -> bool:
        return bool(self.commits)

    def approved_at(self, path: str, receipted: datetime | None) -> datetime | None:
        """The last change a person made to ``path`` before its first receipt: merging is the
        approval, and publish's own receipt commits (Gazette's identity) come after it."""
        if self._touches is None:  # only a month's items ask: build the index on first use
            self._touches = {}
            for moment, email, paths in self.commits:
                for each in paths:
                    self._touches.setdefault(each, []).append((moment, email))
        limit = receipted.timestamp() if receipted is not None else None
        best = None
        for moment, email in self._touches.get(path, ()):
            if limit is not None and moment > limit:
                break
            if email != GAZETTE_EMAIL:
                best = moment
        return _utc(best) if best is not None else None

    def contributors(self, start: datetime, end: datetime) -> tuple[int, int]:
        """(people who committed in the period, those among them whose first commit is in it)."""
        low, high = start.timestamp(), end.timestamp()
        people = {email for moment, email, _ in self.commits if low <= moment < high and email != GAZETTE_EMAIL}
        new = {email for email in people if low <= self.first_seen[email] < high}
        return len(people), len(new)


def _utc(moment: int) -> datetime:
    return datetime.fromtimestamp(moment, timezone.utc)


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True)
    except FileNotFoundError:
        return None
    return done.stdout.decode("utf-8", "replace").strip() if done.returncode == 0 else None


class PendingHistory:
    """Started before the items load; ``result()`` waits for git (or reads the cache)."""

    def __init__(self, root: Path, cache: bool = True):
        self.root, self.process, self.commits = Path(root), None, None
        self.head = _git(self.root, "rev-parse", "-q", "--verify", "HEAD")
        self.prefix = _git(self.root, "rev-parse", "--show-prefix") or ""
        if self.head is None:
            self.commits = []
            return
        self.cache_file = None
        if cache:
            from ..cache import cache_dir

            self.cache_file = cache_dir(self.root) / "history.pickle"
            self.commits = self._cached()
        if self.commits is None:
            # No pathspec: git filters faster without one; Python keeps content/ and calendar/.
            self.process = subprocess.Popen(
                ["git", "-c", "core.quotePath=false", "log", "--no-renames", "--name-only", "-z",
                 "--format=%x01%ct%x00%ae", "HEAD"], cwd=self.root, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL)

    def _cached(self):
        import pickle

        from ..load import no_gc

        try:
            with no_gc(), open(self.cache_file, "rb") as handle:
                head, prefix, commits = pickle.load(handle)
            return commits if (head, prefix) == (self.head, self.prefix) else None
        except Exception:  # absent or from another version: read git again
            return None

    def result(self) -> History:
        if self.commits is None:
            out, _ = self.process.communicate()
            self.commits = parse_log(out.decode("utf-8", "replace"), self.prefix) \
                if self.process.returncode == 0 else []
            self._save()
        return History(self.commits)

    def _save(self) -> None:
        if not self.cache_file:
            return
        import os
        import pickle

        try:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            temp = self.cache_file.with_suffix(f".{os.getpid()}.tmp")
            with open(temp, "wb") as handle:
                pickle.dump((self.head, self.prefix, self.commits), handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self.cache_file)
        except OSError:
            pass


def read_history(root: Path, cache: bool = True) -> History:
    return PendingHistory(root, cache).result()


def parse_log(out: str, prefix: str = "") -> list[tuple[int, str, tuple[str, ...]]]:
    """``git log`` records (newest first) → commits oldest first, with the paths under content/
    and calendar/ of the community's folder (``prefix`` inside a larger tree)."""
    wanted = tuple(prefix + folder for folder in FOLDERS)
    commits = []
    for record in out.split("\x01"):
        fields = record.split("\0")
        if len(fields) < 2 or not fields[0].isdigit():
            continue
        paths = tuple(p.strip("\n")[len(prefix):] for p in fields[2:] if p.strip("\n").startswith(wanted))
        if paths:
            commits.append((int(fields[0]), fields[1].strip(), paths))
    commits.reverse()
    return commits
