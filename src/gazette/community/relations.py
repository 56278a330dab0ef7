"""Relation history in the state database: contacts, agreements, consents.

Personal data: never in git (the registry file holds public facts only).
Tables are the ``"relations"`` feature of :data:`gazette.state.MIGRATIONS`.
CSV export and import let a team share the history or hand it to a CRM.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from ..i18n import _, ngettext

# table -> its columns as exported (id excluded: rows are matched on every column on import)
TABLES = {
    "contacts": ("relation_contacts", ("person", "at", "what", "channel", "outcome")),
    "agreements": ("relation_agreements", ("person", "starts", "ends", "deliverables", "contract_ref", "paid")),
    "consents": ("relation_consents", ("person", "at", "purpose", "given", "source")),
}
# columns holding an instant: compared with ``now`` (aware), so they need their offset
INSTANTS = {"contacts": "at", "consents": "at"}


class RelationsError(Exception):
    """A CSV file or a value that cannot be imported (a usage error, exit 2)."""


def log_contact(connection: sqlite3.Connection, person: str, at: datetime, what: str, channel: str = "",
                outcome: str = "") -> None:
    with connection:
        connection.execute("INSERT INTO relation_contacts (person, at, what, channel, outcome) VALUES (?, ?, ?, ?, ?)",
                           (person, at.isoformat(), what, channel, outcome))


def history(connection: sqlite3.Connection, person: str) -> dict[str, list[dict]]:
    """Every row about one person, oldest first, by table name."""
    out = {}
    for name, (table, columns) in TABLES.items():
        order = columns[1]
        rows = connection.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE person = ? ORDER BY {order}, id",
                                  (person,))
        out[name] = [dict(zip(columns, row)) for row in rows]
    return out


def last_contacts(connection: sqlite3.Connection) -> dict[str, datetime]:
    """The latest contact per person."""
    out = {}
    for person, at in connection.execute("SELECT person, at FROM relation_contacts"):
        try:
            when = datetime.fromisoformat(at)
        except (TypeError, ValueError):
            continue
        if when.tzinfo is None:  # written before imports refused naive times: read as UTC
            when = when.replace(tzinfo=timezone.utc)
        if person not in out or when > out[person]:
            out[person] = when
    return out


def read_only(root: Path) -> sqlite3.Connection | None:
    """The state database if it exists and has the relations tables; never creates it
    (``gazette check`` runs in CI and on pull requests, where there is none)."""
    from ..publish import state_dir
    from ..state import FILE_NAME

    path = state_dir(root) / FILE_NAME
    if not path.is_file():
        return None
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5)
        connection.execute("SELECT 1 FROM relation_contacts LIMIT 1")
    except sqlite3.Error:
        return None
    return connection


def refuse_inside_repository(root: Path, output: str) -> None:
    """RelationsError when an export written to ``output`` could be committed: inside the
    working tree and not ignored by git, or in a folder Gazette reads (always committed)."""
    import subprocess

    root = Path(root).resolve()
    try:
        relative = Path(output).resolve().relative_to(root)
    except ValueError:
        return  # outside the repository
    if relative.parts and relative.parts[0] in ("content", "calendar", "community"):
        ignored = False
    else:
        try:
            ignored = subprocess.run(["git", "check-ignore", "-q", "--", relative.as_posix()], cwd=root,
                                     capture_output=True, timeout=30).returncode == 0
        except (OSError, subprocess.SubprocessError):
            ignored = False
    if not ignored:
        raise RelationsError(_("{path} is inside the repository: an export holds personal data, which must never "
                               "be committed; write it outside the repository (or to a git-ignored place outside "
                               "content/, calendar/ and community/)").format(path=relative.as_posix()))


def export_csv(connection: sqlite3.Connection, table: str) -> str:
    name, columns = TABLES[table]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(connection.execute(f"SELECT {', '.join(columns)} FROM {name} ORDER BY person, {columns[1]}, id"))
    return out.getvalue()


def read_csv(path: Path) -> tuple[str, str | None]:
    """(text, note) of a CSV to import, decoded by the one reader of exports (UTF-8, UTF-16,
    else Windows-1252 with a note). RelationsError, saying what to do, when it cannot be read."""
    from ..moderate import InputError, read_export

    path = Path(path)
    if not path.is_file():
        raise RelationsError(_("{path}: no such file; give the path of a CSV written by "
                               "'gazette community export' (or with the same columns)").format(path=path))
    try:
        return read_export(path)
    except InputError as error:
        raise RelationsError(str(error)) from None


def import_csv(connection: sqlite3.Connection, table: str, text: str, people=None) -> int:
    """Add the rows not already there (same values in every column); returns how many.
    ``people``: the registry's keys; a row about anyone else is refused (as ``community log``
    refuses them), so the history never holds someone the registry does not know.

    All or nothing: a bad row stops the import before anything is written."""
    name, columns = TABLES[table]
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in columns if c not in (reader.fieldnames or ())]
    if missing:
        raise RelationsError(_("the CSV has no column {columns} (expected: {expected})").format(
            columns=", ".join(missing), expected=",".join(columns)))
    rows = []
    for number, row in enumerate(reader, start=2):
        values = tuple((row.get(c) or "").strip() for c in columns)
        if not values[0] or not values[1]:
            raise RelationsError(_("line {line}: {first} and {second} are required").format(
                line=number, first=columns[0], second=columns[1]))
        if people is not None and values[0] not in people:
            from ..validate import _did_you_mean

            raise RelationsError(_("line {line}: no person {key!r} in community/people/ ({hint})").format(
                line=number, key=values[0], hint=_did_you_mean(values[0], people)
                or _("add their file first, or correct the key")))
        try:
            when = datetime.fromisoformat(values[1])
        except ValueError:
            raise RelationsError(_("line {line}: {column} {value!r} is not an ISO date").format(
                line=number, column=columns[1], value=values[1])) from None
        if INSTANTS.get(table) == columns[1] and when.tzinfo is None:
            raise RelationsError(_("line {line}: {column} {value!r} has no time zone offset (write it as {example})")
                                 .format(line=number, column=columns[1], value=values[1],
                                         example=when.replace(tzinfo=timezone.utc).isoformat()))
        rows.append(values)
    placeholders = ", ".join("?" for _ in columns)
    matches = " AND ".join(f"{c} IS ?" for c in columns)
    added = 0
    with connection:
        for values in rows:
            if connection.execute(f"SELECT 1 FROM {name} WHERE {matches}", values).fetchone():
                continue
            connection.execute(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({placeholders})", values)
            added += 1
    return added


def forget(connection: sqlite3.Connection, identifier: str) -> list[str]:
    """Erase everything the relations tables hold about one person (their registry key)."""
    removed = []
    with connection:
        for name, (table, _columns) in TABLES.items():
            count = connection.execute(f"DELETE FROM {table} WHERE person = ?", (identifier,)).rowcount
            if count:
                removed.append(ngettext("{count} relation {what} row", "{count} relation {what} rows", count)
                               .format(count=count, what=name))
    return removed
