"""E-mail addresses, validated and normalized once, and the subscriber list that holds them.

Every address that reaches a mail server, the ledger or the suppression list
goes through :func:`normalize` (email-validator, no DNS: CI has no resolver we
trust and a run must not depend on one). Case variants of one address share
one ``key``, so a person listed twice gets one copy.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .i18n import _
from .linebreaks import LINE_BREAKS


class AddressError(ValueError):
    """An address that cannot be used; the message says why, in words."""


@dataclass(frozen=True)
class Address:
    send: str        # what goes to RCPT TO and the To header (domain in IDNA when the local part is ASCII)
    key: str         # one per mailbox: ledger and suppression key
    smtputf8: bool   # the local part is not ASCII: only a server offering SMTPUTF8 can take it


@dataclass(frozen=True)
class Recipient:
    address: Address
    name: str
    line: int


def normalize(text: str) -> Address:
    from email_validator import EmailNotValidError, validate_email

    text = (text or "").strip()
    if any(mark in text for mark in LINE_BREAKS):
        raise AddressError("the address contains a line break")
    try:
        valid = validate_email(text, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as error:
        raise AddressError(str(error)) from None
    send = valid.ascii_email or valid.normalized
    # Local parts are case-sensitive in theory and never in practice: one key for all variants.
    return Address(send, valid.normalized.casefold(), bool(valid.smtputf8))


def has_line_break(text: str) -> bool:
    return any(mark in text for mark in LINE_BREAKS)


# Header names a subscriber export uses for the address and the name, in French and English.
# Most precise first: a French export often has a postal "Adresse" beside "Adresse e-mail".
EMAIL_HEADERS = ("email", "e-mail", "adresse e-mail", "adresse email", "adresse mail", "email address",
                 "e-mail address", "courriel", "mail", "adresse")
NAME_HEADERS = ("name", "nom", "full name", "nom complet", "prénom", "prenom", "first name")


def subscriber_reader(path: str | Path):
    """(csv.DictReader, email column, name column or None) over a subscriber export as
    spreadsheets write it: UTF-8 (BOM or not), UTF-16 or Windows-1252, with `,` `;` or tab,
    headers in either case, French or English. Raises OSError, or ValueError naming what the
    first line holds when no column is an address."""
    import io

    from .moderate import InputError, decode_export

    with open(path, "rb") as handle:
        raw = handle.read()
    if not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        # A NUL in one row is that row's problem (a control character), not a reason to refuse
        # the whole list; a real binary file still has no address column and is refused for it.
        raw = raw.replace(b"\x00", b"\x01")
    try:
        text, _found = decode_export(path, raw)
    except InputError as error:
        raise ValueError(str(error).removeprefix(f"{path}: ")) from None
    first, _newline, rest = text.partition("\n")
    delimiter = None
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:  # Excel's own hint line
        delimiter, text = first.strip()[4], rest
        first = rest.split("\n", 1)[0]
    if delimiter is None:  # the delimiter that makes an address column, else the most frequent one
        delimiter = next((d for d in (";", ",", "\t") if any(
            cell.strip().lower() in EMAIL_HEADERS for cell in next(csv.reader([first], delimiter=d), []))), None)
    if delimiter is None:
        delimiter = max((",", ";", "\t"), key=first.count) if any(d in first for d in ",;\t") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = {(name or "").strip().lower(): name for name in reader.fieldnames or ()}
    email = next((columns[h] for h in EMAIL_HEADERS if h in columns), None)
    if email is None:
        shown = "tab" if delimiter == "\t" else repr(delimiter)
        raise ValueError(f"needs an 'email' column (the first line, split at {shown}, holds "
                         f"{', '.join(repr(c) for c in columns) or 'nothing'})")
    return reader, email, next((columns[h] for h in NAME_HEADERS if h in columns), None)


def read_subscribers(path: str | Path) -> tuple[list[Recipient], list]:
    """(recipients, problems) from a CSV with an ``email`` column and an optional ``name``.

    A bad row is a Problem pointing at its line and is skipped; it never stops the others.
    Raises OSError or ValueError (no ``email`` column) for a file that cannot be used at all.
    """
    from .problems import Problem

    recipients: list[Recipient] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    shown = str(path)
    reader, email_column, name_column = subscriber_reader(path)
    for row in reader:
        line = reader.line_num
        raw = row.get(email_column) or ""
        name = (row.get(name_column) or "").strip() if name_column else ""
        if not raw.strip():
            continue
        try:
            address = normalize(raw)
        except AddressError as error:
            problems.append(Problem("subscriber/invalid", shown, line, _('address skipped: {error}')
                                                                           .format(error=error),
                                    _("fix the address in the subscriber list")))
            continue
        if has_line_break(name) or any(ord(c) < 32 and c != "\t" or c == "\x7f" for c in name):
            problems.append(Problem("subscriber/line-break", shown, line,
                                    _("name contains a line break or a control character: address skipped"),
                                    _("write the name on one line, in plain characters")))
            continue
        name = name.replace("\t", " ")
        if address.key in seen:
            problems.append(Problem("subscriber/duplicate", shown, line,
                                    _('same address as line {seen}: sent once').format(seen=seen[address.key]),
                                    _("remove the duplicate row")))
            continue
        seen[address.key] = line
        recipients.append(Recipient(address, name, line))
    return recipients, problems
