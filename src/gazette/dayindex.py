"""Which item files write a date on which day, for one commit's tree (``check --changed-since``).

The neighbours of a changed item (items that may hold the same slot) are the item files
writing one of the slot's days in any spelling (:func:`gazette.changes.day_pattern`).
Searching them with git grep reads all of content/ (~70 MB on 10,000 items) on every run.
But a file that ``git diff REF`` does not list and that is not untracked is byte-identical
to REF's blob: an index of REF's tree, built once, answers for all of them, and only the
changed and untracked files are read. The index is keyed by the kind folders' tree ids at
REF (a branch that moves gets a new key), Gazette's version and this module's format, and
kept in the cache folder with the parse cache (outside git). It is built from REF's blobs
themselves, never from the working tree, so an edit during a run cannot enter it. Any
trouble with the file (absent, truncated, another shape) means a rebuild, never a wrong
answer: a failure to build means the plain git grep of :class:`gazette.changes.PendingDays`.
"""

from __future__ import annotations

import os
import re

# The folders holding items (gazette.load.KIND_FOLDERS; a test keeps them equal): named here
# so that git starts before gazette.load is imported.
KIND_PATHS = ("content/contests", "content/newsletters", "content/posts")

# Every spelling day_pattern matches starts with a year's four digits and lies in a run of
# [0-9W-], 7 long at least (2026W49, 2026-1-1, 20261205): git prints the rest of each run
# from its first such start (greedy, so a later spelling in the same run is printed too).
RUN = "[0-9]{4}[0-9W-]{3,}"

# At each position (a lookahead: spellings overlap, 12026-01-01 holds 2026-01-01), the one
# spelling that can start there: year-month-day (month exactly as day_pattern writes it, then
# the day's first one or two digits), basic YYYYMMDD, or a week.
# Compiled when an index is built (~3 ms at import, for the runs that only read one).
SPELLING = (rb"(?=([0-9]{4})(?:-(0[1-9]|1[0-2]|[1-9])-([0-9])([0-9]?)|([0-9]{2})([0-9]{2})|-?W([0-9]{2})))")

FORMAT = 1
# Plain data (marshal: ~5x faster to load than pickle and never code), in the cache folder,
# which no repository ships.
STORE = "day-index.marshal"


def week_key(year: int, week: int) -> int:
    return -(year * 100 + week)


def day_keys(text: bytes) -> set[int]:
    """The keys of every day ``day_pattern`` would find in ``text``: a date's ordinal, or
    :func:`week_key` for a week (the pattern's week spelling names no day)."""
    from datetime import date

    keys = set()
    for match in re.compile(SPELLING).finditer(text):  # re's own cache: compiled once
        year = int(match[1])
        if match[7] is not None:
            keys.add(week_key(year, int(match[7])))
            continue
        if match[2] is not None:
            month, first, second = int(match[2]), match[3], match[4]
            # 0?D: "5…" is day 5, "05" day 5, "15" days 1 and 15 (the pattern has no end)
            days = (int(first), int(first + second)) if second else (int(first),)
        else:
            month, days = int(match[5]), (int(match[6]),)
        for day in days:
            try:
                keys.add(date(year, month, day).toordinal())
            except ValueError:
                pass
    return keys


def query_keys(days) -> set[int] | None:
    """The keys to look up for these days; None when the index cannot answer (a year
    before 1000, whose basic spelling strftime does not pad)."""
    keys = set()
    for day in days:
        if day.year < 1000:
            return None
        year, week, _weekday = day.isocalendar()
        keys.add(day.toordinal())
        keys.add(week_key(year, week))
    return keys


class DayIndex:
    """Paths (of REF's tree) by day key."""

    def __init__(self, paths: tuple, by_key: dict):
        self.paths, self.by_key = paths, by_key

    def lookup(self, keys) -> set[str]:
        """The files holding any of these keys; ValueError if the stored data is not what
        this module writes (then the caller rebuilds)."""
        found = set()
        for key in keys:
            indexes = self.by_key.get(key, ())
            if type(indexes) is not tuple:
                raise ValueError("not an index")
            for index in indexes:
                path = self.paths[index] if type(index) is int and 0 <= index < len(self.paths) else None
                if type(path) is not str:
                    raise ValueError("not an index")
                found.add(path)
        return found


def parse_tree_listing(output: str) -> tuple[tuple[str, str], ...]:
    """(folder, tree id) of each kind folder in ``git ls-tree -z REF -- folders``."""
    folders = []
    for entry in output.split("\0"):
        meta, _tab, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "tree" and path in KIND_PATHS:
            folders.append((path, parts[2]))
    return tuple(sorted(folders))


def grep_args(trees, engine: str = "-P") -> list[str]:
    """git grep printing, for each .md file of these trees, every run that may hold a date
    (PCRE: ~5x faster than -E here; -E for a git built without it)."""
    # User settings that would change the output's shape are set back; --text: a file git
    # thinks binary is searched as the working-tree grep searches it. From a community inside
    # a larger repository, only :(top) and --full-name keep paths relative to each tree.
    return ["-c", "grep.lineNumber=false", "-c", "grep.column=false", "-c", "grep.fullName=false",
            "-c", "color.grep=never", "grep", "--threads=1", "--text", "-o", "-z", engine, "-e", RUN,
            "--full-name", *sorted({tree for _folder, tree in trees}), "--", ":(top)*.md"]


LINE = rb"([^\0]*)\0([0-9W-]*)\n"  # tree:path, a run


def build(output: bytes, trees) -> DayIndex:
    """The index from :func:`grep_args`' output (``tree:path\\0run\\n`` per run)."""
    folders_of: dict[str, list[str]] = {}
    for folder, tree in trees:
        folders_of.setdefault(tree, []).append(folder)
    runs_of: dict[bytes, set[bytes]] = {}
    for head, run in re.findall(LINE, output):  # git prints a file's runs together
        runs = runs_of.get(head)
        if runs is None:
            runs = runs_of[head] = set()
        runs.add(run)
    keys_of_run: dict[bytes, set[int]] = {}  # the same dates recur in thousands of files
    paths, by_key = [], {}
    for head, runs in runs_of.items():
        tree, _colon, path = head.partition(b":")
        keys = set()
        for run in runs:
            found = keys_of_run.get(run)
            if found is None:
                found = keys_of_run[run] = day_keys(run)
            keys |= found
        if not keys or not path.endswith(b".md"):
            continue
        relpath = path.decode("utf-8", "surrogateescape")
        for folder in folders_of.get(tree.decode(), ()):
            index = len(paths)
            paths.append(f"{folder}/{relpath}")
            for key in keys:
                by_key.setdefault(key, []).append(index)
    return DayIndex(tuple(paths), {key: tuple(indexes) for key, indexes in by_key.items()})


def _stamp(trees) -> tuple:
    from . import __version__

    return ("day-index", FORMAT, __version__, trees)


def load(root, trees) -> DayIndex | None:
    """The stored index of these trees, or None (absent, another tree, unreadable)."""
    import marshal

    from .cache import cache_dir

    try:
        with open(cache_dir(root) / STORE, "rb") as handle:
            stamp, paths, by_key = marshal.loads(handle.read())
        if stamp != _stamp(trees) or type(paths) is not tuple or type(by_key) is not dict:
            return None
        return DayIndex(paths, by_key)
    except Exception:  # truncated, foreign, from another version: rebuilt
        return None


def save(root, trees, index: DayIndex) -> None:
    """Write it for the next runs; a failure only costs them speed."""
    import marshal

    from .cache import cache_dir

    folder = cache_dir(root)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temp = folder / f"day-index.{os.getpid()}.tmp"
        with open(temp, "wb") as handle:
            handle.write(marshal.dumps((_stamp(trees), index.paths, index.by_key)))
        os.replace(temp, folder / STORE)
    except (OSError, ValueError):
        pass


class IndexedDays:
    """:class:`gazette.changes.PendingDays` for ``--changed-since``: REF's files from the
    index, the changed and untracked ones read from disk.

    ``build_now``: when no index is stored, start building it now (git reads REF's blobs
    while the rules run) rather than when the days are known."""

    def __init__(self, root, pending, build_now: bool):
        self.root, self.pending, self.process = root, pending, None
        self.trees = pending.tree_ids()
        self.index = load(root, self.trees) if self.trees is not None else None
        if self.index is None and build_now:
            self._start_build()

    @property
    def usable(self) -> bool:
        return self.trees is not None

    def _start_build(self, engine: str = "-P") -> None:
        from .changes import GitError, _start

        if self.trees and self.process is None:
            try:
                self.process = _start(self.root, *grep_args(self.trees, engine))
            except GitError:
                self.trees = None

    def _built(self) -> DayIndex | None:
        from .changes import GitError, _finish_bytes

        if not self.trees:
            return DayIndex((), {})  # no kind folder at REF: nothing of REF to find
        self._start_build()
        try:
            try:
                output = _finish_bytes(self.process)
            except GitError:  # a git built without PCRE
                self.process = None
                self._start_build("-E")
                output = _finish_bytes(self.process)
        except (GitError, AttributeError):  # AttributeError: no git at all
            return None
        finally:
            self.process = None
        index = build(output, self.trees)
        save(self.root, self.trees, index)
        return index

    def cancel(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.communicate()
            self.process = None

    def result(self, days) -> set[str] | None:
        """The item files that may write one of these days; None if the index cannot
        say (then the caller greps)."""
        from .changes import _untracked_matching, day_pattern, in_pathspec

        keys = query_keys(days)
        if keys is None or self.trees is None:
            self.cancel()
            return None
        found = None
        if self.index is not None:
            try:
                found = self.index.lookup(keys)
            except ValueError:  # a stored file of another shape
                self.index = None
        if found is None:
            self.index = self._built()
            if self.index is None:
                return None
            found = self.index.lookup(keys)
        pending = self.pending
        moved = pending.changed | pending.gone  # what REF's blobs say of them is not the disk's
        on_disk = [p for p in pending.changed if p.endswith(".md") and any(in_pathspec(p, f) for f in KIND_PATHS)]
        found = (found - moved) | _untracked_matching(self.root, re.compile(day_pattern(days).encode()), on_disk)
        return {p for p in found if p.endswith(".md")}
