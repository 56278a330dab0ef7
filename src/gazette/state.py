"""The state database: personal data that must never enter git, in one SQLite file.

``gazette.sqlite3`` lives in the state folder (``publish.state_dir``:
``$GAZETTE_STATE_DIR`` or ``.gazette/``). WAL lets a reader (``gazette
status``) and a writer (``publish``) work at once. The schema is versioned
per feature (newsletter, contests, relations, listening…): each list in
:data:`MIGRATIONS` is append-only, entry *n* takes that feature from version
*n* to *n + 1*; a new table is a new entry, never an edit of an old one.
Features version apart so that each can grow without renumbering the others.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from .i18n import _

FILE_NAME = "gazette.sqlite3"

MIGRATIONS: dict[str, list[str]] = {
    "newsletter": [
        # 1: who must never get the newsletter again (unsubscribed, refused permanently, imported).
        """CREATE TABLE suppressions (
            address TEXT PRIMARY KEY,   -- addresses.normalize(...).key
            reason TEXT NOT NULL,       -- unsubscribe | refused 550 | import:<file> | …
            at TEXT NOT NULL            -- ISO 8601, aware
        )""",
    ],
}


class StateError(Exception):
    """The state database cannot be opened or is newer than this Gazette."""


def connect(root: Path) -> sqlite3.Connection:
    """The state database, created and migrated on first use."""
    from .publish import make_state_dir, state_dir

    folder = state_dir(root)
    try:
        make_state_dir(root)
        connection = sqlite3.connect(folder / FILE_NAME, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        migrate(connection)
    except sqlite3.Error as error:
        raise StateError(f"{folder / FILE_NAME}: {error}") from None
    except OSError as error:
        raise StateError(f"{folder}: {error.strerror or error}") from None
    return connection


def migrate(connection: sqlite3.Connection) -> dict[str, int]:
    """Bring every feature's schema to its newest version; returns {feature: version}."""
    with connection:
        connection.execute("CREATE TABLE IF NOT EXISTS schema_versions "
                            "(feature TEXT PRIMARY KEY, version INTEGER NOT NULL)")
        # Databases made before features were versioned apart held the newsletter's version alone.
        legacy = connection.execute("SELECT name FROM sqlite_master WHERE name = 'schema_version'").fetchone()
        if legacy:
            row = connection.execute("SELECT version FROM schema_version").fetchone()
            connection.execute("INSERT OR IGNORE INTO schema_versions VALUES ('newsletter', ?)",
                               (row[0] if row else 0,))
            connection.execute("DROP TABLE schema_version")
        versions = dict(connection.execute("SELECT feature, version FROM schema_versions"))
    for feature, version in versions.items():
        known = len(MIGRATIONS.get(feature, ()))
        if version > known:
            raise StateError(_('the state database has {feature} schema version {version}, newer than this Gazette '
                               '({known}): upgrade Gazette')
                                 .format(feature=feature, version=version, known=known))
    for feature, steps in MIGRATIONS.items():
        for number in range(versions.get(feature, 0), len(steps)):
            with connection:  # one transaction per step: a crash leaves a whole version
                connection.execute(steps[number])
                connection.execute("INSERT OR REPLACE INTO schema_versions VALUES (?, ?)", (feature, number + 1))
    return {feature: len(steps) for feature, steps in MIGRATIONS.items()}


def suppress(connection: sqlite3.Connection, entries: Iterable[tuple[str, str]], at: datetime) -> int:
    """Add (address key, reason) pairs; the first reason recorded stands. Returns how many are new."""
    with connection:
        before = connection.total_changes
        connection.executemany("INSERT OR IGNORE INTO suppressions (address, reason, at) VALUES (?, ?, ?)",
                               [(address, reason, at.isoformat()) for address, reason in entries])
        return connection.total_changes - before


def suppressed(connection: sqlite3.Connection) -> set[str]:
    return {row[0] for row in connection.execute("SELECT address FROM suppressions")}
