"""``gazette moderate``: the netiquette rules over community messages.

Reads an export of member comments or forum posts, as CSV (a header with
``id``, ``author`` and ``text`` columns; others are ignored) or JSON lines
(one object a line with those keys), and returns a moderation queue: each
flagged message with the rule and the exact span that matched.
"""

from __future__ import annotations

import csv
import json
from collections import namedtuple
from pathlib import Path

Flag = namedtuple("Flag", "id author line code severity match start end text")


class InputError(Exception):
    """The export cannot be read (exit 2): says which line and what to do."""


def read_messages(path: Path):
    """Yield (id, author, text, line) from a CSV or JSON-lines export."""
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
    except OSError as error:
        raise InputError(f"{path}: {error.strerror or error}") from None
    with handle:
        first = handle.read(1)
        handle.seek(0)
        if first in ("{", "["):
            yield from _json_lines(path, handle)
        else:
            yield from _csv_rows(path, handle)


def _json_lines(path, handle):
    for number, line in enumerate(handle, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(f"{path}:{number}: not a JSON object ({error.msg}); "
                             "write one {\"id\": …, \"author\": …, \"text\": …} per line") from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise InputError(f"{path}:{number}: each line needs a \"text\" string")
        yield str(record.get("id", number)), str(record.get("author", "")), record["text"], number


def _csv_rows(path, handle):
    try:
        reader = csv.DictReader(handle)
        fields = {name.strip().lower(): name for name in reader.fieldnames or ()}
        if "text" not in fields:
            raise InputError(f"{path}:1: the CSV header needs a 'text' column (and 'id', 'author'); "
                             f"found: {', '.join(reader.fieldnames or ()) or 'nothing'}")
        for row in reader:
            yield (row.get(fields.get("id", ""), "") or str(reader.line_num), row.get(fields.get("author", ""), "") or "",
                   row.get(fields["text"]) or "", reader.line_num)
    except (csv.Error, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read as CSV: {error}") from None


def moderate(path: Path, moderator) -> tuple[int, list[Flag]]:
    """(messages read, flags in message order)."""
    messages, flags = 0, []
    for message_id, author, text, line in read_messages(path):
        messages += 1
        for finding in moderator.scan(text):
            flags.append(Flag(message_id, author, line, finding.code, finding.severity, finding.text,
                              finding.start, finding.end, text))
    return messages, flags


def render_text(messages: int, flags: list[Flag]) -> list[str]:
    out = []
    for flag in flags:
        out.append(f"{flag.id}\t{flag.author}\t{flag.code}\t{flag.match!r} (line {flag.line}, "
                   f"characters {flag.start}-{flag.end})")
    held = len({f.id for f in flags})
    out.append(f"{messages} message{'s' * (messages != 1)}, {held} to review, {len(flags)} flag{'s' * (len(flags) != 1)}")
    return out


def render_json(messages: int, flags: list[Flag]) -> str:
    return json.dumps({
        "version": 1, "messages": messages, "to_review": len({f.id for f in flags}),
        "queue": [{"id": f.id, "author": f.author, "line": f.line, "code": f.code, "severity": f.severity,
                   "match": f.match, "start": f.start, "end": f.end, "text": f.text} for f in flags],
    }, ensure_ascii=False, indent=2)
