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


def record(connection, flags, export_name: str, now: datetime) -> tuple[int, dict[str, int]]:
    """Store each flagged message once; returns (new messages, {family: new messages flagged})."""
    messages: dict[tuple, list[str]] = defaultdict(list)
    for flag in flags:
        codes = messages[(flag.id, flag.author, flag.text)]
        if flag.code not in codes:
            codes.append(flag.code)
    counts: dict[str, int] = defaultdict(int)
    new = 0
    with connection:
        for (message_id, author, text), codes in messages.items():
            key = hashlib.sha256("\0".join((export_name, str(message_id), text)).encode()).hexdigest()
            inserted = connection.execute(
                "INSERT OR IGNORE INTO moderated (key, message_id, author, text, codes, recorded) "
                "VALUES (?, ?, ?, ?, ?, ?)", (key, str(message_id), author, text, json.dumps(codes), utc(now))).rowcount
            if inserted:
                new += 1
                for name in {family(code) for code in codes}:
                    counts[name] += 1
    return new, dict(counts)


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


def message(connection, message_id: int) -> dict:
    row = connection.execute("SELECT id, message_id, author, text, codes, recorded FROM moderated WHERE id = ?",
                             (message_id,)).fetchone()
    if row is None:
        raise NotFound(message_id)
    return dict(zip(("id", "message_id", "author", "text", "codes", "recorded"), row)) | {"codes": json.loads(row[4])}


def act(connection, message_id: int, action: str, reason: str, who: str | None, now: datetime) -> dict:
    """Record what a moderator did about a recorded message (who, when, which rule)."""
    if action not in ACTIONS:
        raise ValueError(action)
    found = message(connection, message_id)
    rule = ",".join(found["codes"])
    with connection:
        cursor = connection.execute("INSERT INTO moderation_actions (message, author, action, reason, rule, who, at) "
                                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                                    (message_id, found["author"], action, reason, rule, who, utc(now)))
    return {"id": cursor.lastrowid, "message": message_id, "author": found["author"], "action": action,
            "reason": reason, "rule": rule, "who": who, "at": utc(now)}


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
