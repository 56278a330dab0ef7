"""YAML texts parsed by an earlier ``check --changed-since``, by the digest of the text.

A pre-commit hook checks one changed file again and again; the frame files, the changed
item and its neighbours are mostly the same texts each time. Parsing them is quick, but
importing PyYAML's Python layer for it costs ~9 ms of the run's CPU. Here
:func:`gazette.yamlsafe.parse`'s answer is remembered per text: the key is the BLAKE2
digest of the text itself (plus the arguments), never a file's name or stat, so a hit is
the very parse that text gives and cannot be stale (an edit in the same second, with the
same size, is another text). Failures are never remembered: their messages are parsed
again, in the run's language. The store is invalidated whole by Gazette's version, this
module and yamlsafe.py (size, mtime) and PyYAML's files.

Plain data in a sealed marshal file (:mod:`gazette.sealed`: no code, ~5x faster to load than
pickle, a CRC against damage) in the cache folder,
beside the index of days; a value marshal cannot hold exactly is not remembered. Any trouble
with the file means parsing, never a wrong answer. Only ``check --changed-since`` with its
cache uses it (:func:`active`): a full check has its per-file caches.
"""

from __future__ import annotations

import os
import sys

STORE = "yaml-texts.marshal"
FORMAT = 1
LIMIT = 256  # texts kept: the frame and a few hundred items; a full check's 10,000 are not

_active = None  # the ParseMemo of the running check, if any


class KeyLines(dict):
    """{key path: line}, plus ``sources``: the text as written of every value YAML
    read as a number, boolean or date, so a text field can keep "1.10" instead of
    the float's "1.1" and say how to quote it."""

    def __init__(self):
        super().__init__()
        self.sources: dict = {}


def parse(text: str, first_line: int = 1, max_bytes: int | None = None):
    """:func:`gazette.yamlsafe.parse` (which raises its YAMLProblem), from the memo when one is active."""
    memo = _active
    if memo is None:
        return _parse(text, first_line, max_bytes)
    key = memo.key(text, first_line, max_bytes)
    found = memo.get(key)
    if found is not None:
        return found
    data, lines = _parse(text, first_line, max_bytes)
    memo.put(key, data, lines)
    return data, lines


def _parse(text: str, first_line: int, max_bytes: int | None):
    from . import yamlsafe

    if max_bytes is None:
        return yamlsafe.parse(text, first_line)
    return yamlsafe.parse(text, first_line, max_bytes)


class active:
    """``with active(root):`` parses go through the memo of ``root`` (saved by :meth:`save`)."""

    def __init__(self, root):
        stamp = _stamp()
        self.memo = ParseMemo(root, stamp) if stamp is not None else None  # None: parse every text

    def __enter__(self):
        global _active
        _active = self.memo
        return self.memo

    def __exit__(self, *exc):
        global _active
        _active = None


class ParseMemo:
    def __init__(self, root, stamp: tuple):
        from .cache import _blake2b, cache_dir

        self.blake2b = _blake2b()
        self.file = os.path.join(cache_dir(root), STORE)
        self.stamp = stamp
        self.entries: dict = {}
        self.used: dict = {}
        self.dirty = False
        from . import sealed

        entries = sealed.read(self.file, self.stamp)  # None: absent, damaged, stale: parse
        if type(entries) is dict:  # {digest: marshal bytes of one parse}
            self.entries = entries

    def key(self, text: str, first_line: int, max_bytes: int | None) -> bytes:
        return self.blake2b(f"{first_line}:{max_bytes}\0{text}".encode("utf-8", "surrogatepass"),
                            digest_size=16).digest()

    def get(self, key: bytes):
        stored = self.entries.get(key)
        if stored is None:
            return None
        try:
            found = _decode_entry(stored)
        except Exception:  # another shape: parse
            return None
        self.used[key] = stored
        return found

    def put(self, key: bytes, data, lines) -> None:
        if len(self.used) >= LIMIT:
            return
        try:
            stored = _encode_entry(data, lines)
        except _Unexpected:
            return
        self.used[key] = stored
        self.dirty = True

    def save(self) -> None:
        """Keep what this run used, then older texts up to the limit."""
        if not self.dirty:
            return
        from pathlib import Path

        from . import sealed

        kept = dict(self.used)
        for key, stored in self.entries.items():
            if len(kept) >= LIMIT:
                break
            kept.setdefault(key, stored)
        sealed.write(Path(self.file), self.stamp, kept)


def _stamp() -> tuple | None:
    """What a parse depends on besides the text: yamlsafe's and this module's code, PyYAML's
    files; None when one of them cannot be read as a file (Gazette installed as .pyc only or
    from a zip, PyYAML not a folder on sys.path): then nothing is remembered."""
    from . import __version__

    here = os.path.dirname(__file__)
    stamp = [FORMAT, __version__, sys.hexversion]
    try:
        for name in ("yamlsafe.py", "parsememo.py"):
            info = os.stat(os.path.join(here, name))
            stamp.append((name, info.st_size, info.st_mtime_ns))
        for folder in sys.path:  # where `import yaml` would find it, without importing it
            package = os.path.join(folder or ".", "yaml")
            if os.path.isfile(os.path.join(package, "__init__.py")):
                stamp.append(package)
                for entry in sorted(os.scandir(package), key=lambda e: e.name):
                    if entry.is_file():
                        info = entry.stat()
                        stamp.append((entry.name, info.st_size, info.st_mtime_ns))
                return tuple(stamp)
    except OSError:
        return None
    return None


# -- plain data that marshal holds exactly ------------------------------------------
# YAML gives dicts, lists, texts, numbers, booleans, None, dates and date-times; never a
# tuple, so a tuple marks a date ("d", …) or a date-time ("t", …). Anything else (a zone
# with a name, a subclass) is not remembered. Each entry is its own marshal bytes: loading
# the store copies bytes, and only the texts looked up are unmarshalled (fresh objects each
# time: callers may change what they get). The dates' places are listed, so a hit puts them
# back without walking the data; a date used as a key (rare) means walking all of it.

class _Unexpected(Exception):
    pass


_SCALARS = (str, int, float, bool, type(None))


def _encode_scalar(value):
    from datetime import date, datetime, timezone

    kind = type(value)
    if kind is date:
        return ("d", value.year, value.month, value.day)
    if kind is datetime:
        zone = value.tzinfo
        if zone is None:
            offset = None
        elif type(zone) is timezone and zone == timezone(zone.utcoffset(None)) \
                and zone.tzname(None) == timezone(zone.utcoffset(None)).tzname(None):
            delta = zone.utcoffset(None)
            offset = (delta.days, delta.seconds, delta.microseconds)
        else:
            raise _Unexpected(zone)
        return ("t", value.year, value.month, value.day, value.hour, value.minute, value.second,
                value.microsecond, value.fold, offset)
    raise _Unexpected(kind)


def _decode_scalar(value):
    from datetime import date, datetime, timedelta, timezone

    if value[0] == "d":
        return date(*value[1:])
    *fields, fold, offset = value[1:]
    zone = None if offset is None else timezone(timedelta(*offset))
    return datetime(*fields, tzinfo=zone, fold=fold)


def _encode(value, path: tuple, places: list, keyed: list):
    """``value`` with its dates tagged; ``places`` gets the path of each, ``keyed`` a mark
    if some key is not plain (then decoding walks everything)."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) not in _SCALARS:
                key = _encode_scalar(key)
                keyed.append(True)
            out[key] = _encode(item, path + (key,), places, keyed)
        return out
    if kind is list:
        return [_encode(item, path + (index,), places, keyed) for index, item in enumerate(value)]
    places.append(path)
    return _encode_scalar(value)


def _decode_all(value):
    kind = type(value)
    if kind is dict:
        return {_decode_all(key): _decode_all(item) for key, item in value.items()}
    if kind is list:
        return [_decode_all(item) for item in value]
    if kind is tuple:
        return _decode_scalar(value)
    return value


def _plain_path(path: tuple) -> bool:
    return all(type(part) in _SCALARS for part in path)


def _encode_entry(data, lines) -> bytes:
    import marshal

    places: list = []
    keyed: list = []
    encoded = _encode(data, (), places, keyed)
    plain = not keyed and all(map(_plain_path, lines)) and all(map(_plain_path, lines.sources))
    if plain:
        return marshal.dumps((encoded, places, dict(lines), dict(lines.sources)))
    walked = [[tuple(_encode(part, (), [], []) for part in path), line] for path, line in lines.items()]
    sources = [[tuple(_encode(part, (), [], []) for part in path), text] for path, text in lines.sources.items()]
    return marshal.dumps((encoded, None, walked, sources))


def _decode_entry(stored: bytes):
    import marshal

    data, places, pairs, sources = marshal.loads(stored)
    lines = KeyLines()
    if places is None:  # a date as a key somewhere: walk everything
        for path, line in pairs:
            lines[tuple(map(_decode_all, path))] = line
        for path, text in sources:
            lines.sources[tuple(map(_decode_all, path))] = text
        return _decode_all(data), lines
    for place in places:
        if not place:
            data = _decode_scalar(data)
            continue
        holder = data
        for step in place[:-1]:
            holder = holder[step]
        holder[place[-1]] = _decode_scalar(holder[place[-1]])
    lines.update(pairs)
    lines.sources.update(sources)
    return data, lines
