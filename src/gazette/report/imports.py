"""``gazette report import``: the networks' native exports, recognised by their columns.

Real exports cannot be fetched here, so each format is a documented column map
(docs/report.md) with a small synthetic sample under tests/exports/. An export
is recognised by the columns it has, never by its file name; an unknown one is
refused with the columns found and the formats known. Rows become the one
normalized table of :mod:`gazette.report.metrics` and are joined to items
through receipts (post id or URL) or the UTM campaign; rows that match nothing
are kept and counted.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path

from ..i18n import _, os_reason
from ..problems import Problem
from .metrics import COLUMNS, COUNT_COLUMNS, MAX_BYTES


MAX_ROWS, MAX_COLUMNS = 100_000, 200
# An .xlsx is a zip: a 1 MB file can unpack to gigabytes of XML that openpyxl holds in memory
# (30 million shared strings took 388 s and 2.85 GB). A page's analytics export unpacks to a few MB.
MAX_XLSX_UNPACKED = MAX_BYTES  # no more than a CSV export may weigh
MAX_XLSX_RATIO = 100  # XML of real exports deflates 5 to 20 times; bombs a thousand times
# openpyxl parses every shared string before the first row (2.8 million short ones in 7 MB: 73 s,
# 720 MB); a year of a page's posts has a few thousand.
MAX_SHARED_STRINGS = 100_000


class ImportRefused(Exception):
    """The file is not an export Gazette knows (a usage error, exit 2)."""


class Format:
    """One export format: the columns that identify it and where each normalized field comes from."""

    def __init__(self, name: str, network: str, label: str, needs: tuple[str, ...], fields: dict[str, tuple],
                 date_column: tuple[str, ...], per_row: str = "post"):
        self.name, self.network, self.label = name, network, label
        self.needs = tuple(_norm(c) for c in needs)
        self.fields = {key: tuple(_norm(c) for c in columns) for key, columns in fields.items()}
        self.date_column = tuple(_norm(c) for c in date_column)
        self.per_row = per_row

    def matches(self, columns: set[str]) -> bool:
        return all(need in columns for need in self.needs)


def _norm(column: str) -> str:
    return re.sub(r"\s+", " ", column.strip().strip("\ufeff").lower())


# Most specific first: the first format whose identifying columns are all present wins.
FORMATS = (
    Format("x", "x", "X (Twitter) account analytics CSV", ("tweet id", "tweet permalink", "impressions"), {
        "post_id": ("tweet id",), "url": ("tweet permalink",), "impressions": ("impressions",),
        "reactions": ("likes",), "comments": ("replies",), "shares": ("retweets",),
        "clicks": ("url clicks",), "followers": ("follows",)}, ("time",)),
    Format("x-posts", "x", "X post analytics CSV (2024 export)", ("post id", "post link", "impressions"), {
        "post_id": ("post id",), "url": ("post link",), "impressions": ("impressions",),
        "reactions": ("likes",), "comments": ("replies",), "shares": ("reposts", "shares"),
        "clicks": ("url clicks",), "followers": ("new follows",)}, ("date",)),
    Format("instagram", "instagram", "Meta Business Suite, Instagram posts CSV",
           ("post id", "account username", "publish time"), {
               "post_id": ("post id",), "url": ("permalink",), "impressions": ("impressions", "views"),
               "reach": ("reach",), "reactions": ("likes",), "comments": ("comments",), "shares": ("shares",),
               "followers": ("follows",)}, ("publish time",)),
    Format("facebook", "facebook", "Meta Business Suite, Facebook posts CSV", ("post id", "page id", "publish time"), {
        "post_id": ("post id",), "url": ("permalink",), "impressions": ("impressions", "views"),
        "reach": ("reach",), "reactions": ("reactions",), "comments": ("comments",), "shares": ("shares",),
        "clicks": ("total clicks",)}, ("publish time",)),
    Format("linkedin", "linkedin", "LinkedIn page analytics, content export (.xlsx, sheet “All posts”)",
           ("post link", "created date", "impressions"), {
               "url": ("post link",), "impressions": ("impressions",), "reactions": ("likes",),
               "comments": ("comments",), "shares": ("reposts",), "clicks": ("clicks",),
               "followers": ("follows",)}, ("created date",)),
    Format("linkedin-followers", "linkedin", "LinkedIn page analytics, followers export (.xlsx)",
           ("date", "total followers"), {"followers": ("total followers",)}, ("date",), per_row="account"),
    Format("tiktok", "tiktok", "TikTok Studio content CSV", ("video link", "post time", "total views"), {
        "url": ("video link",), "impressions": ("total views",), "reach": ("reached audience",),
        "reactions": ("total likes",), "comments": ("total comments",), "shares": ("total shares",)},
           ("post time",)),
    Format("plausible", "web", "Plausible visitors CSV (with utm_campaign when filtered)",
           ("date", "visitors", "pageviews"), {
               "campaign": ("utm_campaign",), "reach": ("visitors",), "impressions": ("pageviews",),
               "visits": ("visits",), "signups": ("conversions", "unique_conversions")}, ("date",),
           per_row="account"),
    Format("matomo", "web", "Matomo Campaigns report CSV", ("date", "label", "nb_visits"), {
        "campaign": ("label",), "reach": ("nb_uniq_visitors",), "visits": ("nb_visits",),
        "impressions": ("nb_actions",), "signups": ("nb_conversions",)}, ("date",), per_row="account"),
    Format("goatcounter", "web", "GoatCounter export CSV (one row per pageview, aggregated on import)",
           ("2path", "event", "bot", "date"), {"url": ("2path",), "campaign": ("campaign",)},
           ("date",), per_row="pageview"),
)

_DATE_FORMATS = ("%Y-%m-%d %H:%M %z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M", "%m/%d/%Y",
                 "%a, %b %d, %Y", "%b %d, %Y", "%d/%m/%Y")


def parse_day(text: str, zone) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
        for pattern in _DATE_FORMATS:
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if moment is None:
        return None
    if moment.tzinfo is not None and zone is not None:
        moment = moment.astimezone(zone)
    return moment.date()


def parse_count(text: str) -> int | None:
    """'1,234' and '1 234' are 1234; '' is unknown; '12.5%' or 'n/a' is unreadable (ValueError)."""
    cleaned = text.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", "")
    if cleaned in ("", "-", "--"):
        return None
    if cleaned.endswith(".0"):
        cleaned = cleaned[:-2]
    if not cleaned.isdigit():
        raise ValueError(text)
    return int(cleaned)


def read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line, cells)]): CSV (, ; or tab, UTF-8 or UTF-16) or .xlsx (header row found
    among the first rows, as LinkedIn puts a description line above it)."""
    if path.is_symlink():
        raise ImportRefused(_("{path}: is a symbolic link; Gazette does not follow links").format(path=path))
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ImportRefused(_("{path}: larger than {size} MiB").format(path=path, size=MAX_BYTES // 1048576))
        data = path.read_bytes()
    except OSError as error:
        raise ImportRefused(f"{path}: {os_reason(error)}") from None
    if data[:2] == b"PK":
        return _read_xlsx(path, data)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", "replace")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = [(reader.line_num, cells) for cells in reader]
    except csv.Error as error:  # a field over csv's size cap, NUL bytes: not an export we can read
        raise ImportRefused(_("{path}:{line}: cannot be read as CSV ({error})").format(
            path=path, line=reader.line_num, error=error)) from None
    if not rows:
        raise ImportRefused(_("{path}: the file is empty").format(path=path))
    return rows[0][1], rows[1:]


def _read_xlsx(path: Path, data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        from openpyxl import load_workbook
    except ImportError:
        raise ImportRefused(_("{path}: reading .xlsx needs openpyxl (pip install openpyxl)").format(path=path)) from None
    _refuse_zip_bomb(path, data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # a damaged zip or workbook: openpyxl raises many kinds
        raise ImportRefused(_("{path}: not a readable .xlsx workbook ({error})").format(path=path, error=type(error).__name__)) from None
    if not book.worksheets:
        raise ImportRefused(_("{path}: the workbook has no worksheet").format(path=path))
    known = {need for fmt in FORMATS for need in fmt.needs}
    rows: list[tuple[int, list[str]]] = []
    for sheet in book.worksheets:
        rows = []
        # A small zip can declare millions of cells: a page's month of posts is far below the cap.
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS or len(values) > MAX_COLUMNS:
                raise ImportRefused(_("{path}: sheet {sheet!r} has more than {rows} rows or {columns} columns: "
                                      "not an analytics export").format(path=path, sheet=sheet.title,
                                                                        rows=MAX_ROWS, columns=MAX_COLUMNS))
            rows.append((number, ["" if v is None else _cell(v) for v in values]))
        for index, (_line, cells) in enumerate(rows[:5]):
            if len(known & {_norm(c) for c in cells}) >= 2:
                return cells, rows[index + 1:]
    first = rows[0][1] if rows else []
    return first, rows[1:]


def _refuse_zip_bomb(path: Path, data: bytes) -> None:
    """Refuse before openpyxl unpacks anything. zipfile never yields more than a member's
    declared size (a larger stream fails its check), so the declared sizes bound the work."""
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ImportRefused(_("{path}: not a readable .xlsx workbook ({error})").format(path=path, error=type(error).__name__)) from None
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_XLSX_UNPACKED:
        raise ImportRefused(_("{path}: unpacks to {size} MiB, more than the {limit} MiB an analytics export "
                              "needs; refused").format(path=path, size=unpacked // 1048576,
                                                       limit=MAX_XLSX_UNPACKED // 1048576))
    for member in members:
        if member.file_size > 1048576 and member.file_size > MAX_XLSX_RATIO * max(member.compress_size, 1):
            raise ImportRefused(_("{path}: {member} unpacks {ratio} times its packed size (at most {limit}): "
                                  "not an analytics export; refused").format(
                path=path, member=member.filename, ratio=member.file_size // max(member.compress_size, 1),
                limit=MAX_XLSX_RATIO))
    for member in members:
        if member.filename.lower().endswith("sharedstrings.xml"):
            try:
                count = archive.read(member).count(b"<si")  # bounded by the unpacked cap above
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as error:
                raise ImportRefused(_("{path}: not a readable .xlsx workbook ({error})").format(path=path, error=type(error).__name__)) from None
            if count > MAX_SHARED_STRINGS:
                raise ImportRefused(_("{path}: {count} shared strings, more than the {limit} an analytics export "
                                      "needs; refused").format(path=path, count=count, limit=MAX_SHARED_STRINGS))


def _cell(value) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def recognise(header: list[str], path: Path, network: str | None = None) -> Format:
    columns = {_norm(c) for c in header}
    for fmt in FORMATS:
        if fmt.matches(columns) and (network is None or network in (fmt.network, fmt.name)):
            return fmt
    known = "; ".join(f"{fmt.name} ({fmt.label}: {', '.join(fmt.needs)})" for fmt in FORMATS)
    found = ", ".join(c for c in header if c.strip()) or "none"
    raise ImportRefused(_("{path}: not an export Gazette knows{network}. Columns found: {found}. Formats known: "
                          "{known}").format(path=path, network=f" (--network {network})" if network else "",
                                            found=found, known=known))


def inert(text: str) -> str:
    """Text a spreadsheet will not run: anyone can visit the site with ?utm_campaign==HYPERLINK(…),
    and metrics files and CSV reports get opened in spreadsheets."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class ImportResult:
    def __init__(self, fmt: Format, rows: list[dict], problems: list[Problem]):
        self.format, self.rows, self.problems = fmt, rows, problems
        self.matched = sum(1 for row in rows if row["item"] or row["campaign"])
        self.unmatched = len(rows) - self.matched
        self.added = self.changed = 0


def receipt_index(repo) -> tuple[dict, dict]:
    """(post id -> (path, channel, campaign), URL -> same) from every receipt."""
    by_id, by_url = {}, {}
    for item in repo.items:
        for channel, receipt in (item.meta.get("published") or {}).items():
            if not isinstance(receipt, dict):
                continue
            entry = (item.path, channel, item.meta.get("campaign") or "")
            if receipt.get("id"):
                by_id[str(receipt["id"])] = entry
            if receipt.get("url"):
                by_url[_url_key(str(receipt["url"]))] = entry
    return by_id, by_url


def _url_key(url: str) -> str:
    return url.strip().split("?")[0].split("#")[0].rstrip("/").lower()


def import_export(root: Path, repo, path: Path, network: str | None = None, write: bool = True) -> ImportResult:
    """Read, recognise, normalize, join and merge one export into metrics/."""
    header, lines = read_table(path)
    fmt = recognise(header, path, network)
    zone = repo.frame.timezone
    index = {_norm(c): i for i, c in reversed(list(enumerate(header)))}
    by_id, by_url = receipt_index(repo)
    channels = [name for name, spec in repo.frame.channels.items() if (spec or {}).get("network") == fmt.network]
    problems: list[Problem] = []
    rows: list[dict] = []
    for line, cells in lines:
        if not any(c.strip() for c in cells):
            continue

        def cell(names: tuple[str, ...]) -> str:
            for name in names:
                if name in index and index[name] < len(cells):
                    return cells[index[name]].strip()
            return ""

        day = parse_day(cell(fmt.date_column), zone)
        if day is None:
            problems.append(Problem("export/row", str(path), line,
                                    _("date {value!r} cannot be read: the row is skipped").format(value=cell(fmt.date_column)),
                                    _("dates as the network exports them, e.g. 2026-11-03 or 11/03/2026")))
            continue
        row = {name: "" for name in COLUMNS}
        row.update(date=day.isoformat(), network=fmt.network)
        try:
            for name in COUNT_COLUMNS:
                row[name] = parse_count(cell(fmt.fields[name])) if name in fmt.fields else None
        except ValueError as error:
            problems.append(Problem("export/row", str(path), line,
                                    _("{name} {value!r} is not a whole number: the row is skipped").format(name=name, value=str(error)),
                                    _("counts are whole numbers; export again without formatting")))
            continue
        if fmt.per_row == "pageview":
            if cell(("bot",)) not in ("", "0"):
                continue  # crawlers are not readers
            row["impressions"] = 1
        row["post_id"] = inert(cell(fmt.fields.get("post_id", ())))
        row["url"] = inert(cell(fmt.fields.get("url", ())))
        row["campaign"] = inert(cell(fmt.fields.get("campaign", ())))
        match = by_id.get(row["post_id"]) if row["post_id"] else None
        match = match or (by_url.get(_url_key(row["url"])) if row["url"] else None)
        # LinkedIn and Instagram links end with the post's id (urn:li:activity:ID, /p/ID/).
        match = match or (by_id.get(re.split(r"[/:]", _url_key(row["url"]))[-1]) if row["url"] else None)
        if match:
            row["item"], row["channel"], row["campaign"] = match[0], match[1], match[2] or row["campaign"]
        elif len(channels) == 1:
            row["channel"] = channels[0]
        rows.append(row)
    if fmt.per_row == "pageview":
        rows = _aggregate_pageviews(rows)
    result = ImportResult(fmt, rows, problems)
    if write and rows:
        from .metrics import merge

        result.added, result.changed = merge(root, fmt.network, rows)
    return result


def _aggregate_pageviews(rows: list[dict]) -> list[dict]:
    """One row per (path, day): GoatCounter exports one line per visit; git keeps counts only."""
    totals: dict[tuple, dict] = {}
    for row in rows:
        key = (row["url"], row["date"])
        if key in totals:
            totals[key]["impressions"] += 1
        else:
            totals[key] = dict(row)
    return list(totals.values())
