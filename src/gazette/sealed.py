"""Caches kept as marshal bytes behind a CRC-32, read without a traceback.

Every marshal file Gazette keeps goes through here: the moderation lists and the phone regions
(cache folder), the index of days and the remembered YAML parses (``check --changed-since``),
the registry's snapshots and commit times, the site's pages and sanitized texts (beside the
public tree). A byte flipped on disk can still
load, and would then flag, list or publish otherwise; marshal itself raises
ValueError, EOFError, TypeError and even SystemError on some bytes. So a file is sealed when
written and any trouble when reading means None: compiling again costs time, never an answer.
"""

from __future__ import annotations


def seal(body: bytes) -> bytes:
    """``body`` after its CRC-32 (:func:`unseal` tells a damaged file from the one written)."""
    from zlib import crc32

    return crc32(body).to_bytes(4, "little") + body


def unseal(raw: bytes) -> bytes | None:
    """The body :func:`seal` wrote, None when the bytes are not the ones it wrote."""
    from zlib import crc32

    body = raw[4:]
    return body if len(raw) >= 4 and crc32(body).to_bytes(4, "little") == raw[:4] else None


def dumps(key, value) -> bytes:
    """``value`` under ``key`` as sealed marshal bytes (ValueError: marshal cannot hold it)."""
    import marshal

    return seal(marshal.dumps((key, value)))


def loads(raw: bytes, key):
    """The value :func:`dumps` kept under ``key``, or None for damaged, foreign or stale bytes."""
    import marshal

    body = unseal(raw)
    if body is None:
        return None
    try:
        stored_key, value = marshal.loads(body)  # load(handle) reads object by object: 10x slower
    except Exception:  # noqa: BLE001 - marshal.loads raises ValueError, EOFError, TypeError, SystemError...
        return None
    return value if stored_key == key else None


def read(path, key):
    """The value written under ``key`` at ``path`` (a text path: reading needs no pathlib), or
    None for a missing, damaged, foreign or stale file."""
    import os
    import stat

    try:
        # Non-blocking and a regular file only: a FIFO in a cache file's place hung the command.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError):
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            raw = handle.read()
    except (OSError, ValueError):
        return None
    finally:
        os.close(descriptor)
    return loads(raw, key)


def write(path, key, value) -> None:
    """Keep ``value`` under ``key`` at ``path`` (a Path), whole or not at all
    (:func:`gazette.cache.write_file`)."""
    from .cache import write_file

    data = dumps(key, value)
    write_file(path, lambda handle: handle.write(data))
