"""Moderation follow-through: flagged messages kept, actions recorded, repeat offenders seen.

The messages are personal data (state database); ``metrics/moderation.csv``
gets only weekly counts per rule family (``week,family,flagged``), so the
report can chart moderation without a single message entering git.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from .store import NotFound, utc

ACTIONS = ("reminder", "hide", "suspend", "ban")
METRICS_FILE = "metrics/moderation.csv"
HEADER = ["week", "family", "flagged"]


def family(code: str) -> str:
    return code.split("/", 1)[-1]


def record(connection, flags, export_name: str, now: datetime) -> tuple[list[dict], dict[str, int]]:
    """Store each flagged message once; returns (every flagged message with its recorded ``id`` and
    whether it is ``new``, {family: new messages flagged}). The recorded id is the one
    ``gazette moderation act`` takes: the export's own ids repeat from one export to the next."""
    messages: dict[tuple, list[str]] = defaultdict(list)
    for flag in flags:
        codes = messages[(flag.id, flag.author, flag.text)]
        if flag.code not in codes:
            codes.append(flag.code)
    counts: dict[str, int] = defaultdict(int)
    recorded = []
    with connection:
        for (message_id, author, text), codes in messages.items():
            key = hashlib.sha256("\0".join((export_name, str(message_id), text)).encode()).hexdigest()
            inserted = connection.execute(
                "INSERT OR IGNORE INTO moderated (key, message_id, author, text, codes, recorded) "
                "VALUES (?, ?, ?, ?, ?, ?)", (key, str(message_id), author, text, json.dumps(codes), utc(now))).rowcount
            row_id = connection.execute("SELECT id FROM moderated WHERE key = ?", (key,)).fetchone()[0]
            recorded.append({"id": row_id, "message_id": str(message_id), "author": author, "codes": codes,
                             "text": text, "new": bool(inserted)})
            if inserted:
                for name in {family(code) for code in codes}:
                    counts[name] += 1
    return recorded, dict(counts)


def week_of(now: datetime, zone) -> str:
    local = now.astimezone(zone) if zone else now
    return (local.date() - timedelta(days=local.weekday())).isoformat()


def add_metrics(root: Path, week: str, counts: dict[str, int]) -> None:
    """Add this run's counts to the (week, family) rows of metrics/moderation.csv; atomic write."""
    import os
    import tempfile

    if not counts:
        return
    path = Path(root) / METRICS_FILE
    rows: dict[tuple[str, str], int] = {}
    if path.is_file() and not path.is_symlink():
        for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
            try:
                rows[(row["week"], row["family"])] = int(row["flagged"])
            except (KeyError, TypeError, ValueError):
                continue  # a hand-edited line that is not ours: dropped rather than crash the run
    for name, count in counts.items():
        rows[(week, name)] = rows.get((week, name), 0) + count
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for (row_week, name), count in sorted(rows.items()):
        writer.writerow([row_week, name, count])
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".moderation.", suffix=".csv")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(out.getvalue())
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


FIELDS = ("id", "message_id", "author", "text", "codes", "recorded")


def message(connection, message_id: int) -> dict:
    row = connection.execute(f"SELECT {', '.join(FIELDS)} FROM moderated WHERE id = ?", (message_id,)).fetchone()
    if row is None:
        raise NotFound(message_id)
    return dict(zip(FIELDS, row)) | {"codes": json.loads(row[4])}


class Ambiguous(LookupError):
    """A bare number that is one message's recorded id and other messages' id in their export."""

    def __init__(self, message_id: int, others: list[dict]):
        super().__init__(message_id)
        self.message_id, self.others = message_id, others


def resolve(connection, text: str) -> int:
    """The recorded id an ``act`` argument names: "#12" is always recorded message 12; a bare "12"
    only when no other recorded message had id 12 in its export (people copy the id the moderation
    queue printed, which is the export's)."""
    text = str(text).strip()
    explicit = text.startswith("#")
    try:
        number = int(text.lstrip("#"))
    except ValueError:
        raise NotFound(text) from None
    if not 0 < number < 2 ** 63:  # SQLite's integers; a longer number names no recorded message
        raise NotFound(text)
    found = message(connection, number)
    if not explicit:
        others = [dict(zip(FIELDS, row)) for row in connection.execute(
            f"SELECT {', '.join(FIELDS)} FROM moderated WHERE message_id = ? AND id != ? ORDER BY id",
            (str(number), number))]
        if others:
            raise Ambiguous(number, [found] + others)
    return found["id"]


def recorded(connection, limit: int | None = None) -> list[dict]:
    """Recorded messages newest first, each with the actions taken about it."""
    rows = connection.execute(f"SELECT {', '.join(FIELDS)} FROM moderated ORDER BY id DESC"
                              + (" LIMIT ?" if limit else ""), (limit,) if limit else ()).fetchall()
    out = []
    for row in rows:
        item = dict(zip(FIELDS, row)) | {"codes": json.loads(row[4])}
        item["actions"] = [dict(zip(("action", "reason", "who", "at"), action)) for action in connection.execute(
            "SELECT action, reason, who, at FROM moderation_actions WHERE message = ? ORDER BY id", (row[0],))]
        out.append(item)
    return out


def act(connection, message_id: int, action: str, reason: str, who: str | None, now: datetime,
        again: bool = False) -> dict:
    """Record what a moderator did about a recorded message (who, when, which rule). The same action
    on the same message twice is one action (``already`` is the first), unless ``again``: running a
    command twice must not turn one ban into a repeat offence."""
    if action not in ACTIONS:
        raise ValueError(action)
    found = message(connection, message_id)
    rule = ",".join(found["codes"])
    if not again:
        before = connection.execute("SELECT id, who, at FROM moderation_actions WHERE message = ? AND action = ? "
                                    "ORDER BY id LIMIT 1", (message_id, action)).fetchone()
        if before is not None:
            return {"id": before[0], "message": message_id, "author": found["author"], "action": action,
                    "reason": reason, "rule": rule, "who": before[1], "at": before[2], "already": True}
    with connection:
        cursor = connection.execute("INSERT INTO moderation_actions (message, author, action, reason, rule, who, at) "
                                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                                    (message_id, found["author"], action, reason, rule, who, utc(now)))
    return {"id": cursor.lastrowid, "message": message_id, "author": found["author"], "action": action,
            "reason": reason, "rule": rule, "who": who, "at": utc(now), "already": False}


def offenders(connection) -> list[dict]:
    """Authors by recorded actions, most first: a second offence shows as 2."""
    from .store import with_person_key

    with_person_key(connection)
    out = []
    rows = connection.execute("SELECT author, COUNT(*), MAX(at), group_concat(action, ',') FROM moderation_actions "
                              "WHERE person_key(author) != '' GROUP BY person_key(author) "
                              "ORDER BY COUNT(*) DESC, MAX(at) DESC")
    for author, count, last, actions in rows:
        tally: dict[str, int] = {}
        for action in actions.split(","):
            tally[action] = tally.get(action, 0) + 1
        out.append({"author": author, "actions": count, "last": last, "by_action": tally})
    return out
