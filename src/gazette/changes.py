"""What changed since a git ref, and what refers to it (for ``check --changed-since``).

Reads go through the git command line directly: one ``git diff`` and, only
when something was deleted or a frame key removed, one ``git grep``.
GitPython's import alone (~120 ms) would cost more than the whole check of
one changed file; it is kept for writing (publish).
"""

from __future__ import annotations

import posixpath
import subprocess
from pathlib import Path

import yaml


class GitError(Exception):
    """git failed (unknown ref, not a repository): a usage error."""


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-c", "core.quotePath=false", *args], cwd=root,
                              capture_output=True, text=True, encoding="utf-8")
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if done.returncode not in (0, 1) or (done.returncode == 1 and done.stderr):
        raise GitError(done.stderr.strip() or f"git {' '.join(args)} failed")
    return done.stdout


def changed_paths(root: Path, ref: str) -> tuple[set[str], set[str]]:
    """(paths changed since ``ref`` incl. uncommitted and untracked, paths gone since ``ref``)."""
    _git(root, "rev-parse", "--verify", "--quiet", ref + "^{commit}")
    changed: set[str] = set()
    gone: set[str] = set()
    fields = _git(root, "diff", "--name-status", "-z", "-M", ref, "--").split("\0")
    index = 0
    while index < len(fields) - 1:
        status = fields[index]
        if status.startswith(("R", "C")):
            old, new = fields[index + 1], fields[index + 2]
            gone.add(old)
            changed.add(new)
            index += 3
            continue
        path = fields[index + 1]
        (gone if status.startswith("D") else changed).add(path)
        index += 2
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", "content", "calendar")
    changed.update(p for p in untracked.split("\0") if p)
    return changed, gone


def _keys_at(root: Path, ref: str, relpath: str, section: str) -> set[str]:
    try:
        text = _git(root, "show", f"{ref}:{relpath}")
        data = yaml.load(text, Loader=yaml.CSafeLoader) or {}
        return set((data.get(section) or {}).keys())
    except (GitError, yaml.YAMLError, AttributeError):
        return set()


def referrers(root: Path, ref: str, changed: set[str], gone: set[str], frame) -> set[str]:
    """Item files that mention something deleted or renamed since ``ref``."""
    words: set[str] = set()
    literals: set[str] = set()
    for path in gone:
        name = posixpath.basename(path)
        if path.startswith("calendar/campaigns/"):
            words.add(posixpath.splitext(name)[0])
        elif path.startswith("content/"):
            literals.add(name)  # a linked post or an image
    if "content/.authors.yml" in changed | gone:
        words |= _keys_at(root, ref, "content/.authors.yml", "authors") - set(frame.authors)
    if "calendar/channels.yml" in changed | gone:
        words |= _keys_at(root, ref, "calendar/channels.yml", "channels") - set(frame.channels)
    found: set[str] = set()
    for flag, needles in (("-w", words), ("", literals)):
        if not needles:
            continue
        args = ["grep", "-l", "-F", "-z", "--untracked"] + ([flag] if flag else [])
        for needle in sorted(needles):
            args += ["-e", needle]
        found |= set(filter(None, _git(root, *args, "--", "content").split("\0")))
    return {p for p in found if p.endswith(".md")}
