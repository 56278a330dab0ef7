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

from .i18n import _, os_reason

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
    "listening": [
        # 1: what the web says about the community (gazette.listening.store).
        """CREATE TABLE mentions (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,   -- the normalized URL, else the GUID (fetch.mention_key): one mention however often seen
            url TEXT, source TEXT NOT NULL, place TEXT, author TEXT, title TEXT, text TEXT NOT NULL,
            at TEXT NOT NULL,           -- when it was published (else first seen), ISO 8601 UTC
            seen TEXT NOT NULL,         -- when watch or import first stored it
            brand INTEGER NOT NULL,     -- 1: names the community; 0: a competitor only (share of voice)
            keywords TEXT NOT NULL,     -- JSON list of the names matched
            class TEXT NOT NULL,        -- question | criticism | praise | other
            flags TEXT NOT NULL,        -- JSON list of netiquette codes
            needs_answer INTEGER NOT NULL,
            answered_at TEXT, answer_url TEXT, answered_by TEXT,
            ignored_at TEXT, ignored_reason TEXT
        )""",
        "CREATE INDEX mentions_at ON mentions (at)",
        # 2: conditional GET and Mastodon's since_id, per feed or timeline URL.
        """CREATE TABLE feed_state (
            url TEXT PRIMARY KEY, etag TEXT, modified TEXT, since_id TEXT,
            checked TEXT, error TEXT
        )""",
        # 3: moderation follow-through (gazette.listening.records).
        """CREATE TABLE moderated (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,   -- digest of (export name, message id, text): recording twice adds nothing
            message_id TEXT, author TEXT, text TEXT NOT NULL, codes TEXT NOT NULL, recorded TEXT NOT NULL
        )""",
        """CREATE TABLE moderation_actions (
            id INTEGER PRIMARY KEY,
            message INTEGER REFERENCES moderated (id) ON DELETE SET NULL,
            author TEXT, action TEXT NOT NULL, reason TEXT NOT NULL, rule TEXT, who TEXT, at TEXT NOT NULL
        )""",
    ],
    "contests": [
        # 1–4: entries as imported (personal data), the files imported (one contest each), the list
        # frozen at closing (pseudonym → entry, the link cut when the entry is purged or forgotten).
        """CREATE TABLE contest_entries (
            contest TEXT NOT NULL, source TEXT NOT NULL, line INTEGER NOT NULL, identity TEXT NOT NULL,
            handle TEXT, email TEXT, name TEXT, at TEXT, text TEXT, country TEXT, age INTEGER
        )""",
        """CREATE TABLE contest_imports (
            sha256 TEXT PRIMARY KEY, contest TEXT NOT NULL, source TEXT NOT NULL, at TEXT NOT NULL, rows INTEGER
        )""",
        """CREATE TABLE contest_frozen (
            contest TEXT NOT NULL, pseudonym TEXT NOT NULL, entry INTEGER, PRIMARY KEY (contest, pseudonym)
        )""",
        "CREATE INDEX contest_entries_by_contest ON contest_entries (contest, identity)",
    ],
    # community relations (gazette.community.relations): what must never enter git about a person
    "relations": [
        # 1: dated contacts: what happened, on which channel, with what outcome
        """CREATE TABLE relation_contacts (
            id INTEGER PRIMARY KEY,
            person TEXT NOT NULL,       -- key of community/people/<key>.yml
            at TEXT NOT NULL,           -- ISO 8601, aware
            what TEXT NOT NULL,
            channel TEXT NOT NULL DEFAULT '',
            outcome TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX relation_contacts_person ON relation_contacts (person, at)",
        # 2: agreements (paid collaborations) and consent records
        """CREATE TABLE relation_agreements (
            id INTEGER PRIMARY KEY,
            person TEXT NOT NULL,
            starts TEXT NOT NULL,
            ends TEXT NOT NULL DEFAULT '',
            deliverables TEXT NOT NULL DEFAULT '',
            contract_ref TEXT NOT NULL DEFAULT '',
            paid INTEGER NOT NULL DEFAULT 1
        )""",
        """CREATE TABLE relation_consents (
            id INTEGER PRIMARY KEY,
            person TEXT NOT NULL,
            at TEXT NOT NULL,
            purpose TEXT NOT NULL,
            given INTEGER NOT NULL,     -- 1 given, 0 withdrawn
            source TEXT NOT NULL DEFAULT ''
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
        raise StateError(f"{folder}: {os_reason(error)}") from None
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
