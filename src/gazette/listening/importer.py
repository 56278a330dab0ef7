"""``gazette mentions import``: exports of other monitoring tools (CSV or JSON lines).

Each row has a url and a text, and may have a date (ISO 8601) and an author.
The file is read by the one export reader (:func:`gazette.moderate.read_export`:
UTF-8, UTF-16 or Windows-1252, with a note); a bad row is reported by line and
skipped, the others are imported. What another tool found is a mention even
when none of our keywords is in its text (the tool had its own).
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
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


def _normal(name) -> str:
    name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().strip().lower()
    return "_".join(name.replace("-", " ").split())


def _fields(names) -> dict[str, str]:
    wanted = {alias: role for role, aliases in ALIASES.items() for alias in aliases}
    found: dict[str, str] = {}
    for name in names:
        role = wanted.get(_normal(name))
        if role and role not in found:
            found[role] = name
    return found


def _rows(path: Path, text: str):
    """(line, {role: value}) for every row; InputError when no url and text columns exist."""
    from ..moderate import DELIMITERS, InputError

    if text.lstrip()[:1] == "{":
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
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


def read(path: Path, now: datetime, zone) -> tuple[list[Entry], list[str], list[str]]:
    """(entries, problems as "path:line: message", notes on how the file was read)."""
    from ..moderate import read_export

    text, note = read_export(path)
    entries, problems = [], []
    for line, row in _rows(path, text):
        if isinstance(row, str):
            problems.append(f"{path}:{line}: {row}")
            continue
        url, body = row.get("url"), row.get("text")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            problems.append(_("{where}: no http(s) url: skipped").format(where=f"{path}:{line}"))
            continue
        if not isinstance(body, str) or not body.strip():
            problems.append(_("{where}: no text: skipped").format(where=f"{path}:{line}"))
            continue
        at = now
        if row.get("date"):
            try:
                at = datetime.fromisoformat(str(row["date"]).strip().replace("Z", "+00:00"))
                if at.tzinfo is None:
                    at = at.replace(tzinfo=zone)
                at = at.astimezone(timezone.utc)  # year 1 in a zone east of UTC overflows here, not when stored
            except ValueError:
                problems.append(_("{where}: date {date!r} is not ISO 8601: skipped").format(
                    where=f"{path}:{line}", date=row["date"]))
                continue
            except OverflowError:
                problems.append(_("{where}: date {date!r} is out of range: skipped").format(
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
