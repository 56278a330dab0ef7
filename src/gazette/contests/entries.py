"""Contest entries: read from what platforms and forms export, judged with reasons, kept in the
state database (personal data: never in git).

Exports are decoded by the one reader of exports (:func:`gazette.moderate.read_export`:
UTF-8 with or without BOM, UTF-16, Windows-1252) and split with the delimiter it
sniffs; columns are mapped by name (French or English), JSON lines by key. A
malformed row is reported with its line and skipped; the others still count.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..clock import shown
from ..i18n import _, ngettext

# Header names, compared as moderate._normal writes them (no case, accents or spaces).
COLUMNS = {
    "email": ("email", "e_mail", "mail", "courriel", "adresse_e_mail", "adresse_email", "adresse_mail",
              "email_address", "e_mail_address"),
    "handle": ("handle", "pseudo", "username", "user", "utilisateur", "compte", "account", "acct", "author",
               "auteur", "screen_name", "identifiant", "instagram", "mastodon"),
    "name": ("name", "nom", "full_name", "nom_complet", "display_name", "prenom_nom", "participant"),
    "time": ("time", "date", "timestamp", "created_at", "heure", "date_heure", "horodatage", "submitted_at",
             "at", "date_de_participation"),
    "text": ("text", "texte", "message", "comment", "commentaire", "content", "contenu", "reponse", "answer"),
    "country": ("country", "pays", "country_code", "code_pays"),
    "age": ("age",),
    "contest": ("contest", "concours", "jeu", "contest_slug"),
}
COUNTRY_NAMES = {"france": "FR", "belgique": "BE", "belgium": "BE", "suisse": "CH", "switzerland": "CH",
                 "luxembourg": "LU", "canada": "CA", "monaco": "MC"}


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class EntriesError(Exception):
    """The file cannot be used at all (exit 2): no identity column, another contest's file…"""


@dataclass(slots=True)
class Entry:
    line: int
    identity: str
    handle: str = ""
    email: str = ""
    name: str = ""
    at: datetime | None = None
    text: str = ""
    country: str = ""
    age: int | None = None
    source: str = ""
    id: int | None = None     # rowid in the state database


@dataclass
class Judged:
    entry: Entry
    reason: str | None        # None: eligible


def _column_map(names) -> dict[str, str]:
    from ..moderate import column_roles

    return column_roles(names, COLUMNS)


def _records(path: Path, text: str):
    """(line, {role: value}) for each row, and the roles the file has."""
    if text.lstrip()[:1] == "{":
        from ..moderate import json_line

        for number, raw in enumerate(io.StringIO(text, newline=""), 1):
            if not raw.strip():
                continue
            try:
                record = json_line(raw)
            except json.JSONDecodeError as error:
                yield number, None, _("not a JSON object ({error})").format(error=error.msg)
                continue
            if not isinstance(record, dict):
                yield number, None, _("not a JSON object")
                continue
            fields = _column_map(record)
            yield number, {role: record.get(key) for role, key in fields.items()}, None
        return
    from ..moderate import _sniffed

    skipped = 0
    first, _sep, rest = text.partition("\n")
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        delimiters, text, skipped = [first.strip()[4]], rest, 1
    else:
        delimiters = _sniffed(text)
    for delimiter in delimiters:
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        fields = _column_map(header)
        if "email" in fields or "handle" in fields:
            break
    else:
        raise EntriesError(_("{path}:{line}: the header needs a handle or e-mail column (pseudo, handle, "
                             "username, email, courriel…); found: {found}").format(
            path=path, line=1 + skipped, found=", ".join(h for h in header if h.strip()) or _("nothing")))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader)
    index = {role: header.index(name) for role, name in fields.items()}
    width = len(header)
    roles = list(index)
    # One itemgetter per file: building a dict per row was a tenth of a 100,000-row import.
    from operator import itemgetter

    pick = itemgetter(*index.values())
    try:
        for row in reader:
            line = reader.line_num + skipped
            if len(row) != width:
                if not "".join(row).strip():
                    continue
                yield line, None, _("{cells} cells where the header has {width}").format(cells=len(row), width=width)
                continue
            values = pick(row)
            yield line, dict(zip(roles, values if len(roles) > 1 else (values,))), None
    except csv.Error as error:
        yield reader.line_num + skipped, None, _("cannot read as CSV: {error}").format(error=error)


def parse_time(value, zone) -> datetime:
    """ISO 8601 (a ``Z`` allowed) or French ``JJ/MM/AAAA HH:MM[:SS]``; naive times are in ``zone``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        from datetime import timezone

        return datetime.fromtimestamp(value, timezone.utc)
    text = str(value).strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        for pattern in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        else:
            raise ValueError(text) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def read_entries(path: Path, slug: str, zone) -> tuple[list[Entry], list[tuple[int, str]], bool]:
    """(entries, [(line, why skipped)], has a time column). Raises EntriesError for a file
    that cannot be used, or one that names another contest."""
    from .draw import identity
    from ..moderate import InputError, read_export

    try:
        text, _note = read_export(path)
    except InputError as error:
        raise EntriesError(str(error)) from None
    entries, skipped, has_time = [], [], False
    source = Path(path).name
    for line, record, error in _records(path, text):
        if record is None:
            skipped.append((line, error))
            continue
        contest = str(record.get("contest") or "").strip()
        if contest and contest != slug:
            raise EntriesError(_("{path}:{line}: this file holds entries of the contest {other!r}, not {slug!r}: "
                                 "nothing imported").format(path=path, line=line, other=contest, slug=slug))
        email = str(record.get("email") or "").strip()
        handle = str(record.get("handle") or "").strip()
        person = identity(email, email=True) if email else identity(handle, email=False) if handle else ""
        if not person:
            skipped.append((line, _("no handle or e-mail")))
            continue
        if _CONTROL.search(email + handle):
            skipped.append((line, _("a control character in the handle or e-mail")))
            continue
        at = None
        if "time" in record:
            has_time = True
            if record["time"] not in (None, ""):
                try:
                    at = parse_time(record["time"], zone)
                except (ValueError, OverflowError, OSError):
                    skipped.append((line, _("unreadable time {value!r} (write 2026-10-06T09:30+02:00 or "
                                            "06/10/2026 09:30)").format(value=str(record["time"])[:40])))
                    continue
        age = None
        if record.get("age") not in (None, ""):
            try:
                age = int(str(record["age"]).strip())
            except ValueError:
                skipped.append((line, _("unreadable age {value!r}").format(value=str(record["age"])[:20])))
                continue
        country = str(record.get("country") or "").strip()
        entries.append(Entry(line, person, handle, email, str(record.get("name") or "").strip(), at,
                             str(record.get("text") or ""), COUNTRY_NAMES.get(country.casefold(), country.upper()),
                             age, source))
    return entries, skipped, has_time


def judge(entries: list[Entry], meta: dict) -> list[Judged]:
    """Every entry with the reason it is not eligible (None if it is), in the entries' order.

    One entry per person: the earliest eligible one counts, later ones are rejected."""
    from .draw import identity

    opens, closes = meta.get("opens"), meta.get("closes")
    rules = meta.get("eligibility") or {}
    min_age = rules.get("min_age")
    countries = {str(c).upper() for c in rules.get("countries") or ()}
    excluded = {identity(str(x)) for x in rules.get("excluded") or ()}
    judged = []
    for entry in entries:
        reason = None
        if entry.identity in excluded:
            reason = _("excluded account (eligibility.excluded)")
        elif entry.at is not None and opens and entry.at < opens:
            reason = _("before opening ({at})").format(at=shown(entry.at))
        elif entry.at is not None and closes and entry.at > closes:
            reason = _("after closing ({at})").format(at=shown(entry.at))
        elif entry.age is not None and min_age is not None and entry.age < min_age:
            reason = _("under {age}").format(age=min_age)
        elif entry.country and countries and entry.country not in countries:
            reason = _("country {country} not in {allowed}").format(country=entry.country,
                                                                    allowed=", ".join(sorted(countries)))
        judged.append(Judged(entry, reason))
    by_person: dict[str, list[Judged]] = {}
    for item in judged:
        if item.reason is None:
            by_person.setdefault(item.entry.identity, []).append(item)
    far = float("inf")
    for same in by_person.values():
        if len(same) < 2:
            continue
        same.sort(key=lambda j: (j.entry.at.timestamp() if j.entry.at else far, j.entry.id or 0, j.entry.line))
        kept = same[0].entry
        for item in same[1:]:
            item.reason = _("second entry of the same person ({source} line {line})").format(
                source=kept.source, line=kept.line)
    return judged


# -- the state database ---------------------------------------------------------------------------

def store(connection: sqlite3.Connection, slug: str, path: Path, entries: list[Entry], now: datetime) -> bool:
    """Keep ``entries``; False if this very file was imported already (nothing added). Raises
    EntriesError if it was imported for another contest."""
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    row = connection.execute("SELECT contest FROM contest_imports WHERE sha256 = ?", (digest,)).fetchone()
    if row and row[0] != slug:
        raise EntriesError(_("{path}: this file was imported for the contest {other!r}: nothing imported "
                             "for {slug!r}").format(path=path, other=row[0], slug=slug))
    if row:
        return False
    with connection:
        connection.execute("INSERT INTO contest_imports VALUES (?, ?, ?, ?, ?)",
                           (digest, slug, Path(path).name, now.isoformat(), len(entries)))
        connection.executemany(
            "INSERT INTO contest_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(slug, e.source, e.line, e.identity, e.handle, e.email, e.name, e.at and e.at.isoformat(), e.text,
              e.country, e.age) for e in entries])
    return True


def load(connection: sqlite3.Connection, slug: str) -> list[Entry]:
    rows = connection.execute("SELECT rowid, source, line, identity, handle, email, name, at, text, country, age "
                              "FROM contest_entries WHERE contest = ? ORDER BY rowid", (slug,))
    return [Entry(line, person, handle or "", email or "", name or "", at and datetime.fromisoformat(at),
                  text or "", country or "", age, source, rowid)
            for rowid, source, line, person, handle, email, name, at, text, country, age in rows]


def freeze(connection: sqlite3.Connection, slug: str, pairs: list[tuple[str, int]]) -> None:
    with connection:
        connection.execute("DELETE FROM contest_frozen WHERE contest = ?", (slug,))
        connection.executemany("INSERT INTO contest_frozen VALUES (?, ?, ?)", [(slug, p, e) for p, e in pairs])


def frozen(connection: sqlite3.Connection, slug: str) -> dict[str, int | None]:
    return dict(connection.execute("SELECT pseudonym, entry FROM contest_frozen WHERE contest = ?", (slug,)))


def purge(connection: sqlite3.Connection, slug: str) -> int:
    """Delete the contest's entries and the link from pseudonyms to them; the pseudonyms stay
    (they are the published list). The files' fingerprints go too: they no longer stand for
    stored entries. Returns how many entries were deleted."""
    with connection:
        count = connection.execute("DELETE FROM contest_entries WHERE contest = ?", (slug,)).rowcount
        connection.execute("DELETE FROM contest_imports WHERE contest = ?", (slug,))
        connection.execute("UPDATE contest_frozen SET entry = NULL WHERE contest = ?", (slug,))
    return count


def forget(connection: sqlite3.Connection, identifier: str) -> list[str]:
    """``gazette forget``: every contest entry of this handle or e-mail, in words."""
    from .draw import identity

    people = {identity(identifier), identity(identifier, email=True), identity(identifier, email=False)}
    marks = ",".join("?" * len(people))
    with connection:
        rows = connection.execute(f"SELECT rowid, contest FROM contest_entries WHERE identity IN ({marks})",
                                  sorted(people)).fetchall()
        if not rows:
            return []
        ids = [r[0] for r in rows]
        connection.executemany("DELETE FROM contest_entries WHERE rowid = ?", [(i,) for i in ids])
        connection.executemany("UPDATE contest_frozen SET entry = NULL WHERE entry = ?", [(i,) for i in ids])
    counts: dict[str, int] = {}
    for _rowid, contest in rows:
        counts[contest] = counts.get(contest, 0) + 1
    return [ngettext("{n} entry in the contest {slug}", "{n} entries in the contest {slug}", n).format(n=n, slug=slug)
            for slug, n in sorted(counts.items())]
