"""Caches of compiled tables kept as marshal bytes behind a CRC-32, read without a traceback.

The moderation lists and the phone regions are compiled once and kept in the cache folder.
A byte flipped on disk can still load, and would then flag otherwise; marshal itself raises
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


def read(path: str, key):
    """The value written under ``key`` at ``path`` (a text path: reading needs no pathlib), or
    None for a missing, damaged, foreign or stale file."""
    import marshal

    try:
        with open(path, "rb") as handle:
            body = unseal(handle.read())
        if body is None:
            return None
        stored_key, value = marshal.loads(body)  # load(handle) reads object by object: 10x slower
    except Exception:  # noqa: BLE001 - marshal.loads raises ValueError, EOFError, TypeError, SystemError...
        return None
    return value if stored_key == key else None


def write(path, key, value) -> None:
    """Keep ``value`` under ``key`` at ``path`` (a Path), whole or not at all
    (:func:`gazette.cache.write_file`)."""
    import marshal

    from .cache import write_file

    write_file(path, lambda handle: handle.write(seal(marshal.dumps((key, value)))))
