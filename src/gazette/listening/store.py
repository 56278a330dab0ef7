"""Mentions in the state database: stored once, triaged, answered or ignored, purged.

Times are stored as ISO 8601 in UTC so that SQL compares them as text.
"""

from __future__ import annotations

import json
import sqlite3
from collections import namedtuple
from datetime import datetime, timezone

Mention = namedtuple("Mention", "key url source place author title text at brand keywords cls flags")

COLUMNS = ("id", "url", "source", "place", "author", "title", "text", "at", "seen", "brand", "keywords",
           "class", "flags", "needs_answer", "answered_at", "answer_url", "answered_by", "ignored_at",
           "ignored_reason")


class NotFound(LookupError):
    """No mention or message with that id."""


def utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def add(connection: sqlite3.Connection, mentions, now: datetime) -> int:
    """Store new mentions (one transaction); a key already stored is skipped. Returns how many are new."""
    from .triage import NEEDS_ANSWER

    seen = utc(now)
    rows = [(m.key, m.url, m.source, m.place, m.author, m.title, m.text, utc(m.at), seen, int(m.brand),
             json.dumps(m.keywords, ensure_ascii=False), m.cls, json.dumps(m.flags),
             int(m.brand and m.cls in NEEDS_ANSWER)) for m in mentions]
    with connection:
        before = connection.total_changes
        connection.executemany(
            "INSERT OR IGNORE INTO mentions (key, url, source, place, author, title, text, at, seen, brand, "
            "keywords, class, flags, needs_answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return connection.total_changes - before


def known_keys(connection: sqlite3.Connection, keys) -> set[str]:
    keys = list(keys)
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        found.update(row[0] for row in connection.execute(
            f"SELECT key FROM mentions WHERE key IN ({','.join('?' * len(chunk))})", chunk))
    return found


def _record(row) -> dict:
    record = dict(zip(COLUMNS, row))
    record["keywords"] = json.loads(record["keywords"])
    record["flags"] = json.loads(record["flags"])
    record["brand"] = bool(record["brand"])
    record["needs_answer"] = bool(record["needs_answer"])
    return record


def queue(connection: sqlite3.Connection, needs_answer: bool = False, since: datetime | None = None,
          place: str | None = None, brand_only: bool = True) -> list[dict]:
    """Mentions newest first; ``needs_answer``: questions and criticisms not yet answered or ignored."""
    where, args = [], []
    if brand_only:
        where.append("brand = 1")
    if needs_answer:
        where.append("needs_answer = 1 AND answered_at IS NULL AND ignored_at IS NULL")
    if since is not None:
        where.append("at >= ?")
        args.append(utc(since))
    if place:
        where.append("place = ?")
        args.append(place)
    sql = f"SELECT {', '.join(COLUMNS)} FROM mentions"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [_record(row) for row in connection.execute(sql + " ORDER BY at DESC, id DESC", args)]


def places(connection: sqlite3.Connection) -> set[str]:
    """The places mentions were stored from."""
    return {row[0] for row in connection.execute("SELECT DISTINCT place FROM mentions WHERE place IS NOT NULL")}


def get(connection: sqlite3.Connection, mention_id: int) -> dict:
    row = connection.execute(f"SELECT {', '.join(COLUMNS)} FROM mentions WHERE id = ?", (mention_id,)).fetchone()
    if row is None:
        raise NotFound(mention_id)
    return _record(row)


class AnswerRefused(ValueError):
    """An answer dated before the mention (a 0 h answer time), or one that would silently replace another."""

    def __init__(self, reason: str, mention: dict):
        super().__init__(reason)
        self.reason, self.mention = reason, mention


def answer(connection: sqlite3.Connection, mention_id: int, url: str, by: str | None, now: datetime,
           replace: bool = False) -> dict:
    """Record the answer; ``now`` is when it was posted. Refused ("before") when that is earlier than
    the mention, ("answered") when the mention has an answer already, unless ``replace``."""
    mention = get(connection, mention_id)
    if now < datetime.fromisoformat(mention["at"]):
        raise AnswerRefused("before", mention)
    if mention["answered_at"] and not replace:
        raise AnswerRefused("answered", mention)
    with connection:
        connection.execute("UPDATE mentions SET answered_at = ?, answer_url = ?, answered_by = ?, "
                           "ignored_at = NULL, ignored_reason = NULL WHERE id = ?",
                           (utc(now), url, by, mention_id))
    return get(connection, mention_id) | {"replaced": mention["answer_url"] if mention["answered_at"] else None}


def ignore(connection: sqlite3.Connection, mention_id: int, reason: str, now: datetime) -> dict:
    get(connection, mention_id)
    with connection:
        connection.execute("UPDATE mentions SET ignored_at = ?, ignored_reason = ? WHERE id = ?",
                           (utc(now), reason, mention_id))
    return get(connection, mention_id)


def purge(connection: sqlite3.Connection, before: datetime) -> dict[str, int]:
    """Delete mentions and moderated messages older than ``before`` (retention)."""
    cutoff = utc(before)
    with connection:
        mentions = connection.execute("DELETE FROM mentions WHERE at < ?", (cutoff,)).rowcount
        actions = connection.execute("DELETE FROM moderation_actions WHERE at < ?", (cutoff,)).rowcount
        messages = connection.execute("DELETE FROM moderated WHERE recorded < ? AND id NOT IN "
                                      "(SELECT message FROM moderation_actions WHERE message IS NOT NULL)",
                                      (cutoff,)).rowcount
    return {"mentions": mentions, "moderated": messages, "actions": actions}


def person_key(name) -> str:
    """One key per person however the name is written: "@Zoé", "ZOÉ" and "zoé" are one author."""
    return str(name or "").strip().lstrip("@").casefold()


def with_person_key(connection: sqlite3.Connection) -> None:
    """SQLite's lower() folds ASCII only: SQL gets Python's casefold as person_key()."""
    connection.create_function("person_key", 1, person_key, deterministic=True)


def forget(connection: sqlite3.Connection, identifier: str) -> list[str]:
    """Erase a person's mentions, moderated messages and the actions about them (author, any case)."""
    who = person_key(identifier)
    if not who:
        return []
    with_person_key(connection)
    match = "person_key(author) = ?"
    with connection:
        mentions = connection.execute(f"DELETE FROM mentions WHERE {match}", (who,)).rowcount
        actions = connection.execute(f"DELETE FROM moderation_actions WHERE {match}", (who,)).rowcount
        messages = connection.execute(f"DELETE FROM moderated WHERE {match}", (who,)).rowcount
    from ..i18n import ngettext

    done = []
    if mentions:
        done.append(ngettext("{count} mention by {who}", "{count} mentions by {who}", mentions).format(
            count=mentions, who=identifier))
    if messages:
        done.append(ngettext("{count} moderated message by {who}", "{count} moderated messages by {who}",
                             messages).format(count=messages, who=identifier))
    if actions:
        done.append(ngettext("{count} moderation action about {who}", "{count} moderation actions about {who}",
                             actions).format(count=actions, who=identifier))
    return done


def feed_state(connection: sqlite3.Connection, url: str) -> dict:
    row = connection.execute("SELECT etag, modified, since_id FROM feed_state WHERE url = ?", (url,)).fetchone()
    return dict(zip(("etag", "modified", "since_id"), row)) if row else {}


def save_feed_state(connection: sqlite3.Connection, url: str, now: datetime, etag=None, modified=None,
                    since_id=None, error=None) -> None:
    """A failure keeps the validators of the last success, so the next run is still conditional."""
    with connection:
        if error is not None:
            connection.execute("INSERT INTO feed_state (url, checked, error) VALUES (?, ?, ?) "
                               "ON CONFLICT (url) DO UPDATE SET checked = excluded.checked, error = excluded.error",
                               (url, utc(now), error))
        else:
            connection.execute("INSERT OR REPLACE INTO feed_state VALUES (?, ?, ?, ?, ?, NULL)",
                               (url, etag, modified, since_id, utc(now)))
