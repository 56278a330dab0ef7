"""Parse cache: a warm run only parses the files whose bytes changed.

Keyed by path and (size, mtime_ns), which spares reading unchanged files,
and by the BLAKE2 digest of the bytes, so it is right after a fresh clone,
a checkout or a rebase, where mtimes lie. Invalidated as a whole
by Gazette's version and source files and by the frame's digest (the
timezone, channels and campaigns decide what a check yields).

Stored outside the repository, in $GAZETTE_CACHE_DIR or the XDG cache
folder (~/.cache/gazette/<repo>): the cache is a pickle, and a pickle
from a pull request could run code in CI, so no file the repository ships
is ever unpickled. CI may keep the folder with actions/cache. Any trouble
reading or writing it only costs speed, never correctness.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import __version__



def cache_dir(root: Path) -> Path:
    """Per repository, under $GAZETTE_CACHE_DIR, $XDG_CACHE_HOME/gazette or ~/.cache/gazette."""
    blake2b = _blake2b()

    base = os.environ.get("GAZETTE_CACHE_DIR")
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(xdg, "gazette")
    resolved = Path(root).resolve()  # "." and its absolute path share one cache
    name = blake2b(str(resolved).encode(), digest_size=8).hexdigest()
    return Path(base) / f"{resolved.name}-{name}"


def _blake2b():
    """hashlib's blake2b without hashlib's import, which loads OpenSSL (~2 ms of a
    one-file check); the same function."""
    try:
        from _blake2 import blake2b
    except ImportError:  # an interpreter built without it
        from hashlib import blake2b
    return blake2b


def _code_stamp() -> tuple:
    """Gazette's own source and data files (the shipped word lists): any edit (or upgrade)
    of the rules invalidates results."""
    here = Path(__file__).parent
    files = [e for e in os.scandir(here) if e.name.endswith(".py")]
    files += [e for e in os.scandir(here / "data") if e.is_file()]
    from .i18n import catalog_files

    stamp = sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in files)
    return tuple(stamp + catalog_files())  # problems are cached with their words


class FileCache:
    """Per-file results keyed by content digest, in cache_dir(root)/<name>.pickle."""

    def __init__(self, root: Path, name: str, frame_digest: str):
        self.blake2b = _blake2b()
        self.file = cache_dir(root) / f"{name}.pickle"
        from .i18n import language

        self.stamp = (__version__, frame_digest, _code_stamp(), language())
        self.entries: dict[str, tuple[bytes, tuple]] = {}
        self.fresh: dict[str, tuple[bytes, tuple]] = {}
        self.dirty = False
        import pickle  # not at the top: a one-file check never loads this cache

        try:
            with open(self.file, "rb") as handle:
                stamp, entries = pickle.load(handle)
            if stamp == self.stamp:
                self.entries = entries
        except Exception:  # absent, truncated, from another version: start afresh
            pass

    # An entry is (content digest, (size, mtime_ns), value). The stat key lets a warm
    # run skip even reading unchanged files; the digest keeps the cache right where
    # mtimes lie (a fresh clone, a checkout, a rebase).

    def get_by_stat(self, path: str, info):
        entry = self.entries.get(path)
        if entry is not None and entry[1] == (info.st_size, info.st_mtime_ns):
            self.fresh[path] = entry
            return entry[2]
        return None

    def get(self, path: str, raw: bytes, info=None):
        digest = self.blake2b(raw, digest_size=16).digest()
        entry = self.entries.get(path)
        if entry is not None and entry[0] == digest:
            if info is not None and entry[1] != (info.st_size, info.st_mtime_ns):
                entry = (digest, (info.st_size, info.st_mtime_ns), entry[2])
                self.dirty = True
            self.fresh[path] = entry
            return entry[2]
        return None

    def put(self, path: str, raw: bytes, value, info=None) -> None:
        stat_key = (info.st_size, info.st_mtime_ns) if info is not None else None
        self.fresh[path] = (self.blake2b(raw, digest_size=16).digest(), stat_key, value)
        self.dirty = True

    def save(self, prune: bool = False) -> None:
        """Write what this run saw; keep older entries too unless the run saw every file."""
        if not self.dirty and not (prune and len(self.fresh) != len(self.entries)):
            return
        merged = self.fresh if prune else {**self.entries, **self.fresh}
        write_file(self.file, lambda handle: dump((self.stamp, merged), handle))


def write_file(path: Path, write) -> None:
    """A cache file replaced at once (a reader never sees half of it) by ``write(handle)``;
    on failure (a full disk, a folder in its place) nothing is left behind, not even the
    temporary file, and nothing is said: a cache that cannot be written is a slower next run."""
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temp, "wb") as handle:
            write(handle)
        os.replace(temp, path)
    except (OSError, ValueError):
        try:
            os.unlink(temp)
        except OSError:
            pass


def dump(value, handle) -> None:
    """``pickle.dump`` with the fixed-offset zones of dates written by their arguments: the
    default path asks copyreg for each one (``__slotnames__`` cannot be remembered on a builtin
    type), a third of saving a cold parse cache (15,000 dates for 3,000 items). The same values
    load back (tests/test_cache.py)."""
    import copyreg
    import datetime
    import pickle

    pickler = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, datetime.timezone: _reduce_timezone}
    pickler.dump(value)


def _reduce_timezone(zone):
    return type(zone), zone.__getinitargs__()
