"""``gazette moderate``: the netiquette rules over community messages.

Reads an export of member comments or forum posts as people get it from
their tools: CSV with a header naming the message column (``text``,
``message``, ``contenu``, ``commentaire``…; ``id`` and ``author`` are
optional; other columns are ignored), separated by commas, semicolons (what
French Excel writes) or tabs, in UTF-8 (with or without BOM), UTF-16 with a
BOM or Windows-1252; or JSON lines (one object a line with those keys).
Returns a moderation queue: each flagged message with the rule and the
exact span that matched.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from bisect import bisect_right
from collections import namedtuple
from functools import partial
from itertools import chain, islice, repeat
from operator import itemgetter, sub

from .i18n import _, ngettext, os_reason

Flag = namedtuple("Flag", "id author line code severity match start end text rule why", defaults=("", ""))
FAMILIES = {"netiquette/insult": "insult", "netiquette/discrimination": "hate", "netiquette/porn": "sexual",
            "netiquette/personal-data": "personal-data", "netiquette/shouting": "shouting",
            "netiquette/exclamation": "exclamation"}

MAX_EXPORT_BYTES = 512 * 1024 * 1024
DELIMITERS = ",;\t"
# Header names people's tools write, compared without case, accents or spaces.
COLUMNS = {
    "text": ("text", "texte", "message", "messages", "contenu", "content", "commentaire", "comment",
             "commentaires", "comments", "body", "corps", "publication", "post", "avis", "message_text"),
    "author": ("author", "auteur", "auteurs", "user", "username", "utilisateur", "pseudo", "membre",
               "member", "name", "nom", "from", "de"),
    "id": ("id", "identifiant", "ident", "numero", "no", "n", "num", "comment_id", "message_id", "post_id", "ref"),
}


class InputError(Exception):
    """The export cannot be read (exit 2): says which line and what to do."""


def read_messages(path: Path, notes: list[str] | None = None):
    """Yield (id, author, text, line) from a CSV or JSON-lines export.

    How the file was read, when it was not plain UTF-8, is appended to ``notes``.
    """
    text, note = read_export(path)
    if note is not None and notes is not None:
        notes.append(note)
    if text.lstrip()[:1] in ("{", "["):
        yield from _json_lines(path, _lines(text))
    else:
        yield from _csv_rows(path, text)


def read_export(path: Path) -> tuple[str, str | None]:
    """The one reader of exports (moderation queues, suppression lists): (text, note), see
    :func:`decode_export`. Raises InputError for a missing, huge or binary file."""
    return decode_export(path, _read(path))


def _read(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_EXPORT_BYTES + 1)
    except OSError as error:
        raise InputError(f"{path}: {os_reason(error)}") from None
    if len(raw) > MAX_EXPORT_BYTES:
        raise InputError(_('{path}: larger than {value} MiB; split the export')
                             .format(path=path, value=MAX_EXPORT_BYTES // 1048576))
    return raw


def decode_export(path, raw: bytes) -> tuple[str, str | None]:
    """(text, note): UTF-8 (BOM or not), UTF-16 with a BOM (Excel's "Unicode text"),
    else Windows-1252, the encoding of a French Excel or old forum export."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(_('{path}: starts like UTF-16 but does not decode; re-export it as UTF-8 CSV')
                                 .format(path=path)) from None
        if "\x00" in text:  # UTF-16 has NUL bytes in most characters; a NUL character is binary, as in UTF-8
            raise _binary(path)
        return text, None
    if b"\x00" in raw:
        raise _binary(path)
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
    try:
        text, encoding = raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:  # bytes cp1252 leaves undefined: Latin-1 maps every byte
        text, encoding = raw.decode("latin-1"), "Latin-1"
    return text, _("{path}: not UTF-8 (line {line}); read as {encoding}. "
                   "Check accents in the queue; export as CSV UTF-8 to be sure").format(
        path=path, line=line, encoding=encoding)


def _binary(path) -> InputError:
    return InputError(_('{path}: contains NUL bytes: this is not a CSV or JSON-lines export (a spreadsheet file? '
                        'save it as CSV UTF-8)')
                          .format(path=path))


def json_line(line: str):
    """``json.loads`` for one line of an export. A JSON escape may name half of a UTF-16 pair
    ("\\ud800"), which no UTF-8 output, file or database can hold: in the record's texts it
    becomes U+FFFD, so one broken emoji neither stops a queue nor crashes its output."""
    import json

    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError) as error:  # every reader reports a JSONDecodeError as path:line
        what = "nested too deep" if isinstance(error, RecursionError) else "a number too long to read"
        raise json.JSONDecodeError(what, line, 0) from None
    if "\\u" in line and isinstance(record, dict):
        record = {_whole(key): _whole(value) if isinstance(value, str) else value for key, value in record.items()}
    return record


def _whole(text: str) -> str:
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _json_lines(path, handle):
    import json

    # csv's field limit (128 KiB) for JSON lines too: the scan holds ~80 bytes a character of
    # one message, a single 8 MB message took 670 MB.
    limit = csv.field_size_limit()
    for number, line in enumerate(handle, 1):
        if not line.strip():
            continue
        try:
            record = json_line(line)
        except json.JSONDecodeError as error:
            raise InputError(_('{path}:{number}: not a JSON object ({msg}); write one {{"id": …, "author": …, '
                               '"text": …}} per line')
                                 .format(path=path, number=number, msg=error.msg)) from None
        if not isinstance(record, dict):
            raise InputError(_('{path}:{number}: each line needs a "text" string').format(path=path, number=number))
        fields = _columns(record)
        text = record.get(fields["text"]) if "text" in fields else None
        if not isinstance(text, str):
            raise InputError(_('{path}:{number}: each line needs a "text" string').format(path=path, number=number))
        message = (str(record.get(fields.get("id"), number)), str(record.get(fields.get("author"), "") or ""),
                   text, number)
        if len(text) > limit or len(message[0]) > limit or len(message[1]) > limit:
            raise InputError(_('{path}:{number}: field larger than {value} characters, the limit of a CSV field; '
                               'shorten that message or leave it out of the export')
                                 .format(path=path, number=number, value=limit))
        yield message


def _normal(name) -> str:
    name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().strip().lower()
    return "_".join(name.replace("-", " ").replace("°", "").split())


def column_roles(names, aliases: dict[str, tuple]) -> dict[str, str]:
    """{role: the header name as written}, the first header of each role; headers are compared
    without case, accents or spaces (``_normal``), so "Contenu du message" finds its role.
    One mapper for every export Gazette reads: moderation, contest entries, mentions."""
    wanted = {alias: role for role, names_of_role in aliases.items() for alias in names_of_role}
    found: dict[str, str] = {}
    for name in names:
        role = wanted.get(_normal(name))
        if role and role not in found:
            found[role] = name
    return found


def _columns(names) -> dict[str, str]:
    """{"text"|"author"|"id": the header name as written}, first match of each."""
    return column_roles(names, COLUMNS)


def _csv_rows(path, text: str):
    lines = text.split("\n", 1)
    skipped = 0
    if lines[0].strip().lower().startswith("sep=") and len(lines[0].strip()) == 5:
        delimiters = [lines[0].strip()[4]]  # Excel's own "sep=;" line names the delimiter
        text, skipped = (lines[1] if len(lines) > 1 else ""), 1
    else:
        delimiters = _candidate_delimiters(text)
    first = None  # the header as the likeliest delimiter splits it, to show if none fits
    for delimiter in delimiters:
        header = _header(text, delimiter)
        if header is None:
            continue
        first = header if first is None else first
        if "text" in _columns(header):
            break
    else:
        found = ", ".join(h for h in first or () if h.strip()) or "nothing"
        raise InputError(_('{path}:{value}: the CSV header needs a message column (text, message, contenu, '
                           'commentaire, texte…), and may have id and author; found: {found}')
                             .format(path=path, value=1 + skipped, found=found))
    fields = _columns(header)
    # csv.reader and the columns' indexes rather than csv.DictReader: a dict a row was most
    # of the reading. Same answers: the last column of a repeated name, as a dict keeps it;
    # the column named "" when a role has none (DictReader's row.get("")); blank rows skipped.
    where = {name: index for index, name in enumerate(header)}
    text_at, id_at, author_at = (where.get(fields.get(role, "")) for role in ("text", "id", "author"))
    reader = csv.reader(_lines(text), delimiter=delimiter)
    width, has_id, has_author = len(header), id_at is not None, author_at is not None
    try:
        next(reader, None)
        for row in reader:
            size = len(row)
            if size == width:  # the usual row: every column of the header is there
                line = reader.line_num + skipped
                yield ((row[id_at] if has_id else "") or str(line), (row[author_at] if has_author else "") or "",
                       row[text_at], line)
                continue
            if not row:
                continue
            yield ((has_id and id_at < size and row[id_at]) or str(reader.line_num + skipped),
                   (has_author and author_at < size and row[author_at]) or "",
                   (text_at < size and row[text_at]) or "", reader.line_num + skipped)
    except csv.Error as error:
        raise InputError(_('{path}:{value}: cannot read as CSV: {error}')
                             .format(path=path, value=reader.line_num + skipped, error=error)) from None


# Line breaks str.splitlines knows and a file read with newline="" does not (it ends lines at
# \n, \r and \r\n only).
_OTHER_LINE_BREAKS = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
LINES_A_PIECE = 64 * 1024  # characters of the export split into lines at a time


def _lines(text: str):
    """The lines ``io.StringIO(text, newline="")`` yields: split by str.splitlines a piece of
    the text at a time (each piece ends after a "\n", so no "\r\n" is cut) when the text holds
    no other line break. A StringIO holds the text again at four bytes a character: 3 MB of
    fresh memory for a 10,000-message export, whose page faults cost ~1 ms."""
    if any(mark in text for mark in _OTHER_LINE_BREAKS):
        return io.StringIO(text, newline="")
    return chain.from_iterable(map(str.splitlines, _pieces(text), repeat(True)))


def _pieces(text: str):
    start, length = 0, len(text)
    while start < length:
        cut = text.find("\n", start + LINES_A_PIECE)
        end = length if cut < 0 else cut + 1
        yield text[start:end]
        start = end


def _header(text: str, delimiter: str):
    # A first line without a quotation mark is the whole header record: read alone rather than
    # through a copy of the whole export (a StringIO of each candidate delimiter's).
    end = text.find("\n")
    head = text[:end + 1] if end >= 0 and '"' not in text[:end] else text
    try:
        return next(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter), [])
    except csv.Error:
        return None


def _candidate_delimiters(text: str) -> list[str]:
    """The delimiters to try in order. The sniffer (slow: it tallies every character of 8 KiB)
    only orders them, so it runs only when it decides: when the header has a message column
    under two delimiters or more, or under none (the error shows the sniffed split)."""
    fitting = [d for d in DELIMITERS if "text" in _columns(_header(text, d) or ())]
    if len(fitting) == 1:
        return fitting
    return _sniffed(text)


def _sniffed(text: str) -> list[str]:
    """The delimiters to try, the sniffed one first (csv.Sniffer), then , ; and tab."""
    order = list(DELIMITERS)
    try:
        sniffed = csv.Sniffer().sniff(text[:8192], delimiters=DELIMITERS).delimiter
    except csv.Error:
        return order
    return [sniffed] + [d for d in order if d != sniffed]


# Messages scanned in one pass (Moderator.scan_many). 64 Ki characters: a pass's buffers (the
# joined text, its folded and class views: ~6 of its size) stay under malloc's 128 KiB mmap
# threshold, so each batch reuses the memory the one before freed; 256 Ki paid fresh pages
# (page faults) at every batch, ~2 ms more on 10,000 messages than the fixed cost it spared.
BATCH_CHARACTERS = 64 * 1024


def moderate(path: Path, moderator, notes: list[str] | None = None) -> tuple[int, list[Flag]]:
    """(messages read, flags in message order); how the file was read goes to ``notes``."""
    import gc

    messages, flags, batch, size = 0, [], [], 0
    collecting = gc.isenabled()
    gc.disable()  # rows, findings and flags hold no cycles: the collector would only walk them again and again
    try:
        append = batch.append
        for message in read_messages(path, notes):
            append(message)
            size += len(message[2])
            if size >= BATCH_CHARACTERS:
                messages += len(batch)
                _flag_batch(moderator, batch, flags)
                batch, size = [], 0
                append = batch.append
        messages += len(batch)
        _flag_batch(moderator, batch, flags)
    finally:
        if collecting:
            gc.enable()
    return messages, flags


def _flag_batch(moderator, batch: list, flags: list[Flag]) -> None:
    # Fields unpacked and the tuple made in C (a Flag's own __new__ is Python): thousands a queue.
    make, append = tuple.__new__, flags.append
    if len(batch) < 2:
        for index, start, end, (code, _start, _end, match, severity, rule, why) in moderator.scan_joined(
                [m[2] for m in batch]):
            message_id, author, text, line = batch[index]
            append(make(Flag, (message_id, author, line, code, severity, match, start, end, text, rule, why)))
        return
    # The findings of the joined messages mapped to their messages column by column, each column
    # a map in C: the message holding a finding's start (bisect), offsets less its start. The
    # same flags as Moderator.scan_joined gives one by one (tests/test_moderate_outputs.py).
    found, starts = moderator.scan_joined_findings([m[2] for m in batch])
    if not found:
        return
    firsts = list(map(itemgetter(1), found))
    index = list(map(partial(bisect_right, starts[1:]), firsts))  # bisect_right(starts, at) - 1
    bases = list(map(starts.__getitem__, index))
    rows = list(map(batch.__getitem__, index))
    flags.extend(map(make, repeat(Flag), zip(
        map(itemgetter(0), rows), map(itemgetter(1), rows), map(itemgetter(3), rows), map(itemgetter(0), found),
        map(itemgetter(4), found), map(itemgetter(3), found), map(sub, firsts, bases),
        map(sub, map(itemgetter(2), found), bases), map(itemgetter(2), rows), map(itemgetter(5), found),
        map(itemgetter(6), found))))


def render_text(messages: int, flags: list[Flag]) -> list[str]:
    out = []
    for flag in flags:
        out.append(f"{flag.id}\t{flag.author}\t{flag.code}\t" + _("{match!r} (line {line}, characters {start}-{end})")
                   .format(match=flag.match, line=flag.line, start=flag.start, end=flag.end) + f"\t{flag.rule}: {flag.why}")
    held = len({f.id for f in flags})
    out.append(", ".join((ngettext("{n} message", "{n} messages", messages).format(n=messages),
                          _("{n} to review").format(n=held),
                          ngettext("{n} flag", "{n} flags", len(flags)).format(n=len(flags)))))
    return out


def render_json(messages: int, flags: list[Flag], notes: list[str] = ()) -> str:
    return "".join(render_json_pieces(messages, flags, notes))


ENTRIES_A_PIECE = 256  # ~90 KB of a queue: written, then its memory reused by the next piece


def render_json_pieces(messages: int, flags: list[Flag], notes: list[str] = ()):
    """:func:`render_json`'s text in pieces of ENTRIES_A_PIECE entries. `gazette moderate` writes
    them one by one: a queue of megabytes joined, copied with its line break and encoded whole
    took that much fresh memory three times, and its page faults cost more than the copies."""
    # What json.dumps(head, ensure_ascii=False, indent=2) writes for {"version", "messages",
    # "to_review", "notes"}, without the closing "\n}", written here: importing json costs more
    # than the queue's head (tests/test_moderate_speed.py compares).
    quote = _quoter()
    if flags and max(map(len, map(itemgetter(8), flags))) > LONG_MESSAGE:
        # A long message's left-out flags are counted in the head's notes: every entry first.
        left_out: list[str] = []
        entries = iter(_entries(flags, left_out))
        notes = [*notes, *left_out] if left_out else notes
    else:  # no note to wait for: each piece's entries are made when it is written
        entries = _entry_lines(flags)
    listed = "[\n    " + ",\n    ".join(map(quote, notes)) + "\n  ]" if notes else "[]"
    body = (f'{{\n  "version": 1,\n  "messages": {messages:d},\n  "to_review": {len(set(map(itemgetter(0), flags))):d},'
            f'\n  "notes": {listed}')
    if not flags:
        yield body + ',\n  "queue": []\n}'
        return
    yield body + ',\n  "queue": [\n    '
    piece = list(islice(entries, ENTRIES_A_PIECE))
    while piece:
        yield ",\n    ".join(piece)
        piece = list(islice(entries, ENTRIES_A_PIECE))
        if piece:
            yield ",\n    "
    yield "\n  ]\n}"


def _quoter():
    """json's string quoter (its C one, as json.dumps uses), without importing json."""
    try:
        from _json import encode_basestring
    except ImportError:  # a Python without json's C part
        from json.encoder import encode_basestring
    return encode_basestring


# Each entry repeats its message's whole text (readers slice text[start:end]): a long message
# lists its first flags only, else a 54 KB message with 2,000 flags wrote 108 MB.
LONG_MESSAGE = 2000
FLAGS_OF_A_LONG_MESSAGE = 20


_NO_MESSAGE = object()  # equal to no field: the first flag starts a message


def _entries(flags: list[Flag], left_out: list[str] | None = None) -> list[str]:
    """One queue entry a line, the bytes ``json.dumps(entry, ensure_ascii=False)`` writes: each string
    quoted by json's C quoter, a message's id, author, line and text once for all its flags, each
    distinct (code, severity, rule, why) once. A JSONEncoder call a flag took longer than the scan;
    the flags are unpacked rather than read by attribute (thousands a queue). A message longer than
    LONG_MESSAGE characters lists FLAGS_OF_A_LONG_MESSAGE flags; a note for ``left_out`` counts the rest."""
    return list(_entry_lines(flags, left_out))


def _entry_lines(flags: list[Flag], left_out: list[str] | None = None):
    """:func:`_entries` one at a time."""
    quote = _quoter()
    left_out = [] if left_out is None else left_out
    middles: dict[tuple, str] = {}
    # A message is its (line, id, author), compared field by field: no tuple made a flag.
    last_line = last_id = last_author = _NO_MESSAGE
    head, last_text, quoted_text = "", None, ""
    listed, long = 0, False
    for message_id, author, line, code, severity, match, start, end, text, rule, why in flags:
        if line != last_line or message_id != last_id or author != last_author:
            if long and listed > FLAGS_OF_A_LONG_MESSAGE:
                left_out.append(_left_out((last_line, last_id, last_author), listed))
            last_line, last_id, last_author, listed, long = line, message_id, author, 0, len(text) > LONG_MESSAGE
            head = f'{{"id": {quote(message_id)}, "author": {quote(author)}, "line": {line}, '
        if long:
            listed += 1
            if listed > FLAGS_OF_A_LONG_MESSAGE:
                continue
        if text is not last_text:
            last_text, quoted_text = text, quote(text)
        middle = middles.get((code, severity, rule, why))
        if middle is None:
            family = FAMILIES.get(code, code.split("/")[-1])
            middle = middles[code, severity, rule, why] = (
                f'"code": {quote(code)}, "severity": {quote(severity)}, "family": {quote(family)}, '
                f'"rule": {quote(rule)}, "why": {quote(why)}, ')
        yield f'{head}{middle}"match": {quote(match)}, "start": {start}, "end": {end}, "text": {quoted_text}}}'
    if long and listed > FLAGS_OF_A_LONG_MESSAGE:
        left_out.append(_left_out((last_line, last_id, last_author), listed))


def _left_out(message: tuple, flags: int) -> str:
    line, message_id, _author = message
    more = flags - FLAGS_OF_A_LONG_MESSAGE
    return ngettext("message {id} (line {line}): {count} more flag not in the queue; a message longer than "
                    "{size} characters lists its first {listed} (the text output lists them all)",
                    "message {id} (line {line}): {count} more flags not in the queue; a message longer than "
                    "{size} characters lists its first {listed} (the text output lists them all)", more).format(
        id=message_id, line=line, count=more, size=LONG_MESSAGE, listed=FLAGS_OF_A_LONG_MESSAGE)
