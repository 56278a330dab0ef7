"""``metrics/``: the normalized engagement table, committed to git (no personal data).

One CSV per network, ``metrics/<network>.csv``, one row per (post, day) or, for
account-wide figures (followers, web visits), per (account, day). Rows are
keyed by (network, post id or URL, date): importing the same export twice
changes nothing. Sorted rows and a fixed header keep diffs small and stable.
"""

from __future__ import annotations

import csv
import io
import os
from datetime import date
from pathlib import Path

from ..i18n import _
from ..problems import Problem

FOLDER = "metrics"
KEY = ("network", "post_id", "url", "date")
TEXT_COLUMNS = ("date", "network", "channel", "post_id", "url", "item", "campaign")
COUNT_COLUMNS = ("impressions", "reach", "reactions", "comments", "shares", "clicks", "followers", "visits",
                 "signups")
COLUMNS = TEXT_COLUMNS + COUNT_COLUMNS
MODERATION_FILE = "metrics/moderation.csv"
MODERATION_COLUMNS = ("week", "family", "flagged")
MAX_BYTES = 16 * 1024 * 1024


def row_key(row: dict) -> tuple:
    """A post by its id, else its URL; account-wide rows (web analytics) by their campaign."""
    post, url = row["post_id"] or "", "" if row["post_id"] else row["url"] or ""
    return (row["network"], post, url, "" if post or url else row["campaign"] or "", row["date"])


def read_metrics(root: Path) -> tuple[list[dict], list[dict], list[Problem]]:
    """(engagement rows, moderation rows, problems): a bad row is a problem and is skipped."""
    rows: list[dict] = []
    moderation: list[dict] = []
    problems: list[Problem] = []
    folder = Path(root) / FOLDER
    if not folder.is_dir() or folder.is_symlink():
        return rows, moderation, problems
    for name in sorted(os.listdir(folder)):
        relpath = f"{FOLDER}/{name}"
        if not name.endswith(".csv"):
            continue
        text, problem = _read(root, relpath)
        if problem:
            problems.append(problem)
            continue
        if relpath == MODERATION_FILE:
            moderation += _moderation_rows(relpath, text, problems)
        else:
            rows += _engagement_rows(relpath, text, problems)
    return rows, moderation, problems


def _read(root: Path, relpath: str) -> tuple[str | None, Problem | None]:
    from ..load import read_text

    text, problem = read_text(root, relpath)
    if problem is not None:
        if problem.code == "file/empty":
            return None, Problem("metrics/header", relpath, 1, "is empty: a metrics file starts with its header",
                                 "run gazette report import again, or delete the file")
        return None, problem
    return text, None


def _csv_rows(relpath: str, text: str, problems: list[Problem]):
    """(line, cells) per row; a row csv cannot read (a field over the size cap, a stray quote
    at the end) ends the file with a problem instead of a traceback."""
    reader = csv.reader(io.StringIO(text))
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            problems.append(Problem("metrics/row", relpath, reader.line_num,
                                    _("cannot be read as CSV ({error}): the rest of the file is left out")
                                    .format(error=error), "restore the file from git"))
            return
        yield reader.line_num, cells


def _header_problem(relpath: str, found: list[str], expected: tuple[str, ...]) -> Problem:
    return Problem("metrics/header", relpath, 1,
                   _("header is {found}; expected {expected}").format(found=",".join(found) or "(empty)",
                                                                      expected=",".join(expected)),
                   "metrics files are written by gazette report import: restore the header from git")


def _engagement_rows(relpath: str, text: str, problems: list[Problem]) -> list[dict]:
    lines = _csv_rows(relpath, text, problems)
    header = next(lines, (1, []))[1]
    if tuple(header) != COLUMNS:
        problems.append(_header_problem(relpath, header, COLUMNS))
        return []
    rows = []
    for line, cells in lines:
        if not any(cells):
            continue
        if len(cells) != len(COLUMNS):
            problems.append(Problem("metrics/row", relpath, line,
                                    _("has {count} fields, the header {expected}").format(count=len(cells), expected=len(COLUMNS)),
                                    "each row has one value per column; empty counts are written as nothing"))
            continue
        row = dict(zip(COLUMNS, cells))
        problem = _row_problem(relpath, line, row)
        if problem:
            problems.append(problem)
            continue
        for name in COUNT_COLUMNS:
            row[name] = int(row[name]) if row[name] else None
        rows.append(row)
    return rows


def _row_problem(relpath: str, line: int, row: dict) -> Problem | None:
    try:
        date.fromisoformat(row["date"])
    except ValueError:
        return Problem("metrics/row", relpath, line, _("date {value!r} is not YYYY-MM-DD").format(value=row["date"]),
                       "write the day as 2026-11-03")
    if not row["network"]:
        return Problem("metrics/row", relpath, line, "network is empty", "name the network, e.g. mastodon")
    for name in COUNT_COLUMNS:
        value = row[name]
        if value and not value.isdigit():
            return Problem("metrics/row", relpath, line, _("{name} {value!r} is not a whole number").format(name=name, value=value),
                           "counts are digits only, e.g. 1234 (no spaces, separators or %)")
    return None


def _moderation_rows(relpath: str, text: str, problems: list[Problem]) -> list[dict]:
    lines = _csv_rows(relpath, text, problems)
    header = next(lines, (1, []))[1]
    if tuple(header) != MODERATION_COLUMNS:
        problems.append(_header_problem(relpath, header, MODERATION_COLUMNS))
        return []
    rows = []
    for line, cells in lines:
        if not any(cells):
            continue
        if len(cells) != 3:
            problems.append(Problem("metrics/row", relpath, line, _("has {count} fields, the header {expected}").format(count=len(cells), expected=3),
                                    "write week,family,flagged"))
            continue
        week, family, flagged = cells
        try:
            monday = date.fromisoformat(week)
        except ValueError:
            monday = None
        if monday is None or monday.weekday() != 0:
            problems.append(Problem("metrics/row", relpath, line, _("week {value!r} is not a Monday's date").format(value=week),
                                    "weeks are named by their Monday, e.g. 2026-11-02"))
            continue
        if not flagged.isdigit() or not family:
            problems.append(Problem("metrics/row", relpath, line, _("{name} {value!r} is not a whole number").format(name="flagged", value=flagged),
                                    "write the count of flagged messages, e.g. 3"))
            continue
        rows.append({"week": week, "family": family, "flagged": int(flagged)})
    return rows


def check_metrics(root: Path) -> list[Problem]:
    """The problems ``gazette check`` reports for hand-edited metrics files."""
    return read_metrics(root)[2]


def merge(root: Path, network: str, new_rows: list[dict]) -> tuple[int, int]:
    """Add or update rows in ``metrics/<network>.csv``; returns (added, changed)."""
    from ..receipts import atomic_write

    folder = Path(root) / FOLDER
    folder.mkdir(exist_ok=True)
    path = folder / f"{network}.csv"
    existing: dict[tuple, dict] = {}
    if path.is_file() and not path.is_symlink():
        problems: list[Problem] = []
        for row in _engagement_rows(f"{FOLDER}/{network}.csv", path.read_text(encoding="utf-8"), problems):
            existing[row_key(row)] = row
    added = changed = 0
    for row in new_rows:
        key = row_key(row)
        if key not in existing:
            added += 1
        elif existing[key] != row:
            changed += 1
        existing[key] = row
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for key in sorted(existing):
        row = existing[key]
        writer.writerow(["" if row.get(name) is None else row[name] for name in COLUMNS])
    data = out.getvalue().encode("utf-8")
    if not path.is_file() or path.read_bytes() != data:
        atomic_write(path, data)
    return added, changed
