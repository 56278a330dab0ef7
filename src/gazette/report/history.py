"""The repository's history, read with one ``git log`` call.

GitPython's object traversal costs seconds on thousands of commits (DESIGN.md,
"Git history"); one ``git log --name-only -z`` reads the same facts in a tenth
of a second: when each file first appeared, who touched what and when.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timezone
from pathlib import Path

from ..gitops import EMAIL as GAZETTE_EMAIL


class History:
    """What the report needs from git, per path and per author.

    ``commits``: (time, author email, paths) oldest first. ``created``: path ->
    time of its first commit. ``touches``: path -> [(time, email)] oldest first.
    """

    def __init__(self, commits: list[tuple[datetime, str, tuple[str, ...]]]):
        self.commits = commits
        self.created: dict[str, datetime] = {}
        self.touches: dict[str, list[tuple[datetime, str]]] = {}
        self.first_seen: dict[str, datetime] = {}
        for moment, email, paths in commits:
            if email != GAZETTE_EMAIL:
                self.first_seen.setdefault(email, moment)
            for path in paths:
                self.created.setdefault(path, moment)
                self.touches.setdefault(path, []).append((moment, email))

    @property
    def available(self) -> bool:
        return bool(self.commits)

    def approved_at(self, path: str, receipted: datetime | None) -> datetime | None:
        """The last change a person made to ``path`` before its first receipt: merging is the
        approval, and publish's own receipt commits (Gazette's identity) come after it."""
        best = None
        for moment, email in self.touches.get(path, ()):
            if receipted is not None and moment > receipted:
                break
            if email != GAZETTE_EMAIL:
                best = moment
        return best

    def contributors(self, start: datetime, end: datetime) -> tuple[int, int]:
        """(people who committed in the period, those among them whose first commit is in it)."""
        people = {email for moment, email, _ in self.commits
                  if start <= moment < end and email != GAZETTE_EMAIL}
        new = {email for email in people if start <= self.first_seen[email] < end}
        return len(people), len(new)


def read_history(root: Path) -> History:
    """Every commit touching content/ or calendar/, oldest first; empty outside git."""
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotePath=false", "log", "--reverse", "--no-renames", "--name-only", "-z",
             "--format=%x01%ct%x00%ae", "--", "content", "calendar"],
            cwd=root, capture_output=True)
    except FileNotFoundError:
        return History([])
    if done.returncode != 0:
        return History([])
    return History(parse_log(done.stdout.decode("utf-8", "replace"), _prefix(root)))


def _prefix(root: Path) -> str:
    """The community's folder inside a larger git tree: git log prints paths from the top."""
    try:
        done = subprocess.run(["git", "rev-parse", "--show-prefix"], cwd=root, capture_output=True)
    except FileNotFoundError:
        return ""
    return done.stdout.decode("utf-8", "replace").strip() if done.returncode == 0 else ""


def parse_log(out: str, prefix: str = "") -> list[tuple[datetime, str, tuple[str, ...]]]:
    commits = []
    for record in out.split("\x01"):
        if not record:
            continue
        fields = record.split("\0")
        if len(fields) < 2:
            continue
        try:
            moment = datetime.fromtimestamp(int(fields[0]), timezone.utc)
        except ValueError:
            continue
        email = fields[1].strip()
        paths = tuple(p.strip("\n")[len(prefix):] for p in fields[2:] if p.strip("\n"))
        commits.append((moment, email, paths))
    return commits
