"""Which item files write a date on which day, for one commit's tree (``check --changed-since``).

The neighbours of a changed item (items that may hold the same slot) are the item files
writing one of the slot's days in any spelling (:func:`gazette.changes.day_pattern`).
Searching them with git grep reads all of content/ (~70 MB on 10,000 items) on every run.
But a file that ``git diff REF`` does not list and that is not untracked is byte-identical
to REF's blob: an index of REF's tree, built once, answers for all of them, and only the
changed and untracked files are read. The index is keyed by the kind folders' tree ids at
REF (a branch that moves gets a new key), Gazette's version, this module's format and its
code (size, mtime), and kept in the cache folder with the parse cache (outside git). Not
used when REF's blobs may differ from the disk or be absent (a clean filter, a partial
clone: :meth:`gazette.changes.PendingChanges.stored_form_differs`); a blob over
``load.MAX_FILE_BYTES``, which a full check refuses, is neither read nor grepped. It is built from REF's blobs
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
# Compiled when an index is built: a run that reads a stored one never needs it.
SPELLING = (rb"(?=([0-9]{4})(?:-(0[1-9]|1[0-2]|[1-9])-([0-9])([0-9]?)|([0-9]{2})([0-9]{2})|-?W([0-9]{2})))")

FORMAT = 2
# Plain data (marshal: ~5x faster to load than pickle and never code), in the cache folder,
# which no repository ships. The paths are one block of bytes with their offsets, each key's
# files packed unsigned ints: a run looks up a few days, and unmarshalling 10,000 path
# strings and 2,500 tuples cost 2.7 ms of a warm one-file check (this form: ~0.3 ms).
STORE = "day-index.marshal"
# {blob id: keys} of the last tree indexed: read only when the tree changed.
BLOBS = "day-index-blobs.marshal"
# Up to this many blobs new since the last tree are read one by one (cat-file); more, and
# one git grep over the whole tree is cheaper.
INCREMENTAL_MAX = 2000


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


class PackedDayIndex:
    """A :class:`DayIndex` as stored: read without building 10,000 strings (see FORMAT)."""

    def __init__(self, blob: bytes, offsets: bytes, by_key: dict):
        if type(blob) is not bytes or type(offsets) is not bytes or type(by_key) is not dict:
            raise ValueError("not an index")
        self.blob, self.offsets, self.by_key = blob, memoryview(offsets).cast("I"), by_key

    def lookup(self, keys) -> set[str]:
        """As :meth:`DayIndex.lookup` (ValueError if the stored data is not what this module writes)."""
        found = set()
        offsets, blob, count = self.offsets, self.blob, len(self.offsets) - 1
        for key in keys:
            packed = self.by_key.get(key, b"")
            if type(packed) is not bytes or len(packed) % offsets.itemsize:
                raise ValueError("not an index")
            for index in memoryview(packed).cast("I"):
                if not 0 <= index < count or not offsets[index] <= offsets[index + 1] <= len(blob):
                    raise ValueError("not an index")
                found.add(blob[offsets[index]:offsets[index + 1]].decode("utf-8", "surrogateescape"))
        return found


def pack(index: DayIndex) -> tuple[bytes, bytes, dict]:
    """What :class:`PackedDayIndex` reads."""
    from array import array

    names = [path.encode("utf-8", "surrogateescape") for path in index.paths]
    offsets, end = array("I", [0]), 0
    for name in names:
        end += len(name)
        offsets.append(end)
    return (b"".join(names), offsets.tobytes(),
            {key: array("I", indexes).tobytes() for key, indexes in index.by_key.items()})


def parse_tree_listing(output: str) -> tuple[tuple[str, str], ...]:
    """(folder, tree id) of each kind folder in ``git ls-tree -z REF -- folders``."""
    folders = []
    for entry in output.split("\0"):
        meta, _tab, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "tree" and path in KIND_PATHS:
            folders.append((path, parts[2]))
    return tuple(sorted(folders))


def grep_args(trees, engine: str = "-P", excludes=()) -> list[str]:
    """git grep printing, for each .md file of these trees, every run that may hold a date
    (PCRE: ~5x faster than -E here; -E for a git built without it); ``excludes``: paths
    inside the trees left out (files over the cap)."""
    # User settings that would change the output's shape are set back; --text: a file git
    # thinks binary is searched as the working-tree grep searches it. From a community inside
    # a larger repository, only :(top) and --full-name keep paths relative to each tree.
    return ["-c", "grep.lineNumber=false", "-c", "grep.column=false", "-c", "grep.fullName=false",
            "-c", "color.grep=never", "grep", "--threads=1", "--text", "-o", "-z", engine, "-e", RUN,
            "--full-name", *sorted({tree for _folder, tree in trees}), "--", ":(top)*.md",
            *(f":(exclude,top,literal){path}" for path in sorted(excludes))]


LINE = rb"([^\0]*)\0([0-9W-]*)\n"  # tree:path, a run


def build(output: bytes, trees) -> DayIndex:
    """The index from :func:`grep_args`' output (``tree:path\0run\n`` per run)."""
    return index_of(grep_keys(output, trees))


def grep_keys(output: bytes, trees) -> dict[str, tuple]:
    """The keys of each file with any, from :func:`grep_args`' output."""
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
    keys_of: dict[str, tuple] = {}
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
        relpath = path.decode("utf-8", "surrogateescape")  # as _finish_paths: the name os.scandir gives
        for folder in folders_of.get(tree.decode(), ()):
            keys_of[f"{folder}/{relpath}"] = tuple(sorted(keys))
    return keys_of


def index_of(keys_of: dict[str, tuple]) -> DayIndex:
    paths, by_key = [], {}
    for path, keys in keys_of.items():
        if keys:
            index = len(paths)
            paths.append(path)
            for key in keys:
                by_key.setdefault(key, []).append(index)
    return DayIndex(tuple(paths), {key: tuple(indexes) for key, indexes in by_key.items()})


def blob_keys(content: bytes) -> tuple:
    """What :func:`grep_keys` finds in one file, read in Python (the same runs, the same keys)."""
    return tuple(sorted(day_keys(b"\n".join(re.findall(RUN.encode(), content)))))


def parse_blob_listing(output: str, folder: str, oversized: dict | None = None) -> dict[str, str]:
    """{path: blob id} of the .md files in ``git ls-tree -r -z [-l]`` of one folder's tree;
    with -l, {path in the tree: blob id} of those over ``load.MAX_FILE_BYTES`` is added to
    ``oversized`` (by path: files with the same bytes share a blob, and each must be left out)."""
    from .load import MAX_FILE_BYTES

    found = {}
    for entry in output.split("\0"):
        meta, _tab, path = entry.partition("\t")
        if not path.endswith(".md"):
            continue
        parts = meta.split()
        if len(parts) in (3, 4) and parts[1] == "blob":
            found[f"{folder}/{path}"] = parts[2]
            # over the cap: 7 digits at least (a cheap test first: 10,000 entries)
            if len(parts) == 4 and len(parts[3]) > 6 and oversized is not None \
                    and (not parts[3].isdigit() or int(parts[3]) > MAX_FILE_BYTES):
                oversized[path] = parts[2]
    return found


def read_blobs(root, oids) -> dict[str, tuple] | None:
    """{blob id: keys} of these blobs, read with one ``git cat-file --batch``; None if git
    could not give every one."""
    import subprocess

    oids = sorted(oids)
    if not oids:
        return {}
    try:
        output = subprocess.run(["git", "cat-file", "--batch"], cwd=root, input="".join(f"{o}\n" for o in oids).encode(),
                                capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    found, position = {}, 0
    for oid in oids:
        end = output.find(b"\n", position)
        header = output[position:end].split()
        if end < 0 or len(header) != 3 or header[0].decode() != oid or header[1] != b"blob" \
                or not header[2].isdigit():
            return None  # "<oid> missing", or not cat-file's answer
        size = int(header[2])
        found[oid] = blob_keys(output[end + 1:end + 1 + size])
        position = end + 1 + size + 1
    return found


def _code() -> tuple:
    """This module's identity: keys from older code (an editable install keeps its version
    number through edits) are never believed. The parse cache's idea (cache._code_stamp),
    narrowed to the one file whose code decides the keys."""
    from . import __version__

    status = os.stat(__file__)
    return (FORMAT, __version__, status.st_size, status.st_mtime_ns)


def _stamp(trees) -> tuple:
    return ("day-index", *_code(), trees)


def load(root, trees) -> DayIndex | None:
    """The stored index of these trees, or None (absent, damaged, another tree, another version)."""
    from . import sealed
    from .cache import cache_dir
    from .load import no_gc

    with no_gc():  # thousands of objects at once: the collector would run again and again
        stored = sealed.read(cache_dir(root) / STORE, _stamp(trees))
    try:
        blob, offsets, by_key = stored
        return PackedDayIndex(blob, offsets, by_key)
    except Exception:  # noqa: BLE001 - None or another shape: rebuilt
        return None


def save(root, trees, index: DayIndex) -> None:
    """Write it for the next runs; a failure only costs them speed."""
    from .cache import cache_dir

    try:
        _write(cache_dir(root), STORE, _stamp(trees), pack(index))
    except (ValueError, OverflowError):  # OverflowError: a key or an index array cannot hold
        return


def _write(folder, name: str, key, value) -> None:
    from . import sealed

    sealed.write(folder / name, key, value)


def _stored(root, name: str) -> bool:
    from .cache import cache_dir

    return (cache_dir(root) / name).exists()


def _blobs_stamp() -> tuple:
    return ("day-index-blobs", *_code())


def load_blobs(root) -> dict | None:
    """{blob id: keys} of the last tree indexed (so a moved branch reads only its new blobs)."""
    from . import sealed
    from .cache import cache_dir
    from .load import no_gc

    with no_gc():
        known = sealed.read(cache_dir(root) / BLOBS, _blobs_stamp())
    return known if type(known) is dict else None


def save_blobs(root, known: dict) -> None:
    from .cache import cache_dir

    try:
        _write(cache_dir(root), BLOBS, _blobs_stamp(), known)
    except ValueError:
        return


class IndexedDays:
    """:class:`gazette.changes.PendingDays` for ``--changed-since``: REF's files from the
    index, the changed and untracked ones read from disk.

    ``build_now``: when no index is stored, start building it now (git reads REF's blobs
    while the rules run) rather than when the days are known."""

    def __init__(self, root, pending, build_now: bool):
        self.root, self.pending, self.process = root, pending, None
        self.blobs_unchanged = False  # the record of blobs already says all: not written again
        # Blobs over the cap a full check refuses (so they hold no slot): never read, never
        # grepped (a committed 100 MB file of dates cost 30 s and GB). {tree: paths in it}, {blob ids}.
        self.oversized: dict[str, set[str]] = {}
        self.oversized_blobs: set[str] = set()
        # The stored blobs may not be the disk's (a filter) or not be here (a partial clone): unusable.
        self.trees = pending.tree_ids() if not pending.stored_form_differs() else None
        self.index = load(root, self.trees) if self.trees is not None else None
        if self.index is None and build_now and not _stored(root, BLOBS):
            self._start_build()  # else the new blobs alone are read, when the days are known

    @property
    def usable(self) -> bool:
        return self.trees is not None

    def _start_build(self, engine: str = "-P", trees=None, excludes=()) -> None:
        from .changes import GitError, _start

        if self.trees and self.process is None:
            try:
                self.process = _start(self.root, *grep_args(trees or self.trees, engine, excludes))
            except GitError:
                self.trees = None

    def _grep_trees(self) -> bytes | None:
        """grep_args' output over REF's trees, the files over the cap left out (one grep
        per tree then: an excluded path is relative to its own tree)."""
        from .changes import GitError, _finish_bytes

        if self.oversized:
            self.cancel()  # started before the sizes were known
            groups = [tuple(t for t in self.trees if t[1] == tree) for tree in sorted({t for _f, t in self.trees})]
        else:
            groups = [self.trees]
        outputs = []
        for trees in groups:
            excludes = self.oversized.get(trees[0][1], ())
            self._start_build("-P", trees, excludes)
            try:
                try:
                    outputs.append(_finish_bytes(self.process))
                except GitError:  # a git built without PCRE
                    self.process = None
                    self._start_build("-E", trees, excludes)
                    outputs.append(_finish_bytes(self.process))
            except (GitError, AttributeError):  # AttributeError: no git at all
                return None
            finally:
                self.process = None
        return b"".join(outputs)

    def _listing(self) -> dict[str, str] | None:
        """{path: blob id} of REF's .md files in the kind folders (one ls-tree per tree)."""
        from .changes import GitError, _finish_paths, _start

        started = []
        try:
            for folder, tree in self.trees:
                started.append((folder, tree, _start(self.root, "ls-tree", "-r", "-l", "-z", tree)))
            listing = {}
            for folder, tree, process in started:
                oversized: dict[str, str] = {}
                listing.update(parse_blob_listing(_finish_paths(process), folder, oversized))
                self.oversized_blobs.update(oversized.values())
                if oversized:
                    self.oversized.setdefault(tree, set()).update(oversized)
            return listing
        except GitError:
            for _folder, _tree, process in started:
                if process.poll() is None:
                    process.kill()
                process.communicate()
            return None

    def _from_known_blobs(self, listing) -> dict[str, tuple] | None:
        """The keys of every file from the blobs of the last tree indexed, reading only the
        new ones; None when there is no such record or too much is new."""
        known = load_blobs(self.root)
        if known is None:
            return None
        missing = {oid for oid in listing.values() if oid not in known}
        if len(missing) > INCREMENTAL_MAX:
            return None
        read = read_blobs(self.root, missing - self.oversized_blobs)
        if read is None:
            return None
        read.update((oid, ()) for oid in missing & self.oversized_blobs)
        unchanged = not read and len(known) == len(set(listing.values()))
        known.update(read)
        keys_of = {path: () if oid in self.oversized_blobs else known[oid] for path, oid in listing.items()}
        if not all(type(keys) is tuple and all(type(key) is int for key in keys) for keys in keys_of.values()):
            return None  # a record of another shape: rebuilt, and written again
        self.blobs_unchanged = unchanged
        return keys_of

    def _built(self) -> DayIndex | None:
        if not self.trees:
            return DayIndex((), {})  # no kind folder at REF: nothing of REF to find
        listing = self._listing()
        if listing is None:  # the sizes unknown: the working tree's grep -l is bounded, a grep -o is not
            self.cancel()
            return None
        keys_of = self._from_known_blobs(listing) if self.process is None else None
        if keys_of is None:
            output = self._grep_trees()
            if output is None:
                return None
            keys_of = grep_keys(output, self.trees)
        index = index_of(keys_of)
        save(self.root, self.trees, index)
        if listing is not None and not self.blobs_unchanged:
            save_blobs(self.root, {oid: keys_of.get(path, ()) for path, oid in listing.items()})
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
        on_disk = [p for p in pending.changed | pending.ignored_paths
                   if p.endswith(".md") and any(in_pathspec(p, f) for f in KIND_PATHS)]
        found = (found - moved) | _untracked_matching(self.root, re.compile(day_pattern(days).encode()), on_disk)
        return {p for p in found if p.endswith(".md")}
