"""``gazette mentions import``: exports of other monitoring tools (CSV or JSON lines).

Each row has a url and a text, and may have a date (ISO 8601, or dd/mm/yyyy when the
file's other dates say the day comes first) and an author.
The file is read by the one export reader (:func:`gazette.moderate.read_export`:
UTF-8, UTF-16 or Windows-1252, with a note); a bad row is reported by line and
skipped, the others are imported. What another tool found is a mention even
when none of our keywords is in its text (the tool had its own).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone
from pathlib import Path

from ..i18n import _
from .fetch import Entry, mention_key

ALIASES = {
    "url": ("url", "link", "lien", "permalink", "uri", "adresse"),
    "text": ("text", "texte", "message", "contenu", "content", "body", "snippet", "extrait", "mention"),
    "date": ("date", "published", "publie", "created_at", "created", "timestamp", "at", "date_de_publication"),
    "author": ("author", "auteur", "user", "username", "utilisateur", "pseudo", "name", "nom", "from"),
    "title": ("title", "titre", "subject", "sujet"),
}


def _fields(names) -> dict[str, str]:
    from ..moderate import column_roles

    return column_roles(names, ALIASES)


def _rows(path: Path, text: str):
    """(line, {role: value}) for every row; InputError when no url and text columns exist."""
    from ..moderate import DELIMITERS, InputError, json_line

    if text.lstrip()[:1] == "{":
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json_line(line)
            except ValueError as error:
                yield number, _("not a JSON object ({error})").format(error=error)
                continue
            if not isinstance(record, dict):
                yield number, _("not a JSON object")
                continue
            fields = _fields(record)
            yield number, {role: record.get(name) for role, name in fields.items()}
        return
    for delimiter in DELIMITERS:
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        fields = _fields(header)
        if "url" in fields and "text" in fields:
            break
    else:
        raise InputError(_("{path}:1: the header needs url and text columns (and may have date and author)").format(
            path=path))
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as error:
            # one bad row (a field over the csv module's limit…) is that row's problem; the reader
            # goes on at the next line. line_num does not count the line it failed on yet.
            yield reader.line_num + 1, _("cannot read as CSV: {error}").format(error=error)
            continue
        yield reader.line_num, {role: row.get(name) for role, name in fields.items()}


SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def _slash_order(values) -> str | None:
    """"day" or "month" first for the file's dd/mm/yyyy dates: a 28/11 says day first (French
    exports), an 11/28 month first; None when no date tells, or when both kinds are there."""
    orders = set()
    for value in values:
        found = SLASHED.match(str(value or "").strip())
        if found and int(found[1]) > 12 >= int(found[2]):
            orders.add("day")
        elif found and int(found[2]) > 12 >= int(found[1]):
            orders.add("month")
    return orders.pop() if len(orders) == 1 else None


def _date(value, order: str | None, zone) -> datetime:
    """ISO 8601, or dd/mm/yyyy [hh:mm] when the file's order is known; ValueError otherwise."""
    text = str(value).strip()
    found = SLASHED.match(text)
    if found:
        if order is None:
            raise ValueError(text)
        day, month = (int(found[1]), int(found[2])) if order == "day" else (int(found[2]), int(found[1]))
        at = datetime(int(found[3]), month, day, int(found[4] or 0), int(found[5] or 0), int(found[6] or 0))
    else:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return at.replace(tzinfo=zone) if at.tzinfo is None else at


def read(path: Path, now: datetime, zone) -> tuple[list[Entry], list[str], list[str]]:
    """(entries, problems as "path:line: message", notes on how the file was read)."""
    from ..moderate import read_export

    text, note = read_export(path)
    entries, problems = [], []
    rows = list(_rows(path, text))
    order = _slash_order(row.get("date") for _line, row in rows if isinstance(row, dict))
    for line, row in rows:
        if isinstance(row, str):
            problems.append(f"{path}:{line}: {row}")
            continue
        url, body = row.get("url"), row.get("text")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")) or not _readable_url(url):
            problems.append(_("{where}: no http(s) url: row not imported").format(where=f"{path}:{line}"))
            continue
        if not isinstance(body, str) or not body.strip():
            problems.append(_("{where}: no text: row not imported").format(where=f"{path}:{line}"))
            continue
        at = now
        if row.get("date"):
            try:
                at = _date(row["date"], order, zone)
                at = at.astimezone(timezone.utc)  # year 1 in a zone east of UTC overflows here, not when stored
            except ValueError:
                if order is None and SLASHED.match(str(row["date"]).strip()):
                    problems.append(_("{where}: date {date!r} could be day/month or month/day (no other date of the "
                                      "file tells): row not imported (write 2026-11-28)").format(
                        where=f"{path}:{line}", date=row["date"]))
                else:
                    problems.append(_("{where}: date {date!r} is not a date (ISO 8601 or dd/mm/yyyy): row not imported")
                                    .format(where=f"{path}:{line}", date=row["date"]))
                continue
            except OverflowError:
                problems.append(_("{where}: date {date!r} is out of range: row not imported").format(
                    where=f"{path}:{line}", date=row["date"]))
                continue
        entries.append(Entry(mention_key(url), url.strip(), str(row.get("author") or ""), str(row.get("title") or ""),
                             body.strip(), at))
    return entries, problems, [note] if note else []


def import_file(root: Path, path: Path, now: datetime, zone) -> tuple[int, int, list[str], list[str]]:
    """(rows read, new mentions, problems, notes)."""
    from .. import state
    from . import config, store
    from .watch import Ingester

    settings, _problems = config.load(root, zone)
    entries, problems, notes = read(path, now, zone)
    ingester = Ingester(root, settings)
    mentions = []
    for entry in entries:
        text = f"{entry.title}\n{entry.text}" if entry.title else entry.text
        brand, competitors = ingester.matcher.find(text)
        mentions.append(store.Mention(entry.key, entry.url, f"import:{path.name}", None, entry.author, entry.title,
                                      entry.text, entry.at, True, brand + competitors,
                                      ingester.classifier.classify(text),
                                      sorted({f.code for f in ingester.moderator.scan(text)})))
    connection = state.connect(root)
    try:
        new = store.add(connection, mentions, now)
    finally:
        connection.close()
    return len(entries), new, problems, notes


def _readable_url(url: str) -> bool:
    """Whether a URL names a host at all ("https://[bad/p" does not: Python refuses to split it)."""
    import urllib.parse

    try:
        return bool(urllib.parse.urlsplit(url.strip()).hostname)
    except ValueError:
        return False
