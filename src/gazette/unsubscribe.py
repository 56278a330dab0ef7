"""Unsubscribing: signed one-click tokens and the suppression list every send honours.

The link in each newsletter carries ``t=<token>``, an HMAC-SHA256 of the
normalized address under ``$GAZETTE_UNSUBSCRIBE_SECRET``, never the address:
a link cannot be forged for someone else, and the URL (logged by proxies and
form services) names nobody. Whoever processes the endpoint's requests maps a
token back with :func:`verify_unsubscribe_token` over the subscriber list.
"""

from __future__ import annotations

import csv
import hmac
import io
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import sha256
from pathlib import Path

from .i18n import _, os_reason

SECRET_ENV = "GAZETTE_UNSUBSCRIBE_SECRET"
TOKEN = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
ADDRESS_COLUMNS = ("email", "e-mail", "mail", "address", "adresse", "email address", "adresse e-mail", "courriel",
                   "token", "t")


class UnsubscribeError(Exception):
    """Configuration or input that cannot be used at all (exit 2)."""


def secret_from_env() -> str:
    secret = os.environ.get(SECRET_ENV, "")
    if len(secret) < 16:
        raise UnsubscribeError(_('${SECRET_ENV} is {value}: the unsubscribe links are signed with it (16 characters '
                                 'or more, e.g. `openssl rand -hex 32`)')
                                   .format(SECRET_ENV=SECRET_ENV, value='too short' if secret else 'not set'))
    return secret


def unsubscribe_token(address_key: str, secret: str) -> str:
    """32 hex characters: HMAC-SHA256(secret, address key), truncated to 128 bits."""
    return hmac.new(secret.encode("utf-8"), address_key.encode("utf-8"), sha256).hexdigest()[:32]


def verify_unsubscribe_token(token: str, addresses, secret: str | None = None) -> str | None:
    """The address (of ``addresses``, raw or normalized) whose token this is, or None.

    For the endpoint's processor: give it the subscriber list; a token made
    with another secret, or for someone not on the list, matches nobody.
    """
    from .addresses import AddressError, normalize

    secret = secret or secret_from_env()
    token = (token or "").strip().lower()
    if not TOKEN.fullmatch(token):
        return None
    for address in addresses:
        try:
            key = normalize(address).key
        except AddressError:
            continue
        if hmac.compare_digest(unsubscribe_token(key, secret), token):
            return key
    return None


def unsubscribe_url(base: str, token: str, slug: str = "") -> str:
    """The link for one recipient: ``https://…?t=TOKEN`` or ``mailto:…?subject=unsubscribe TOKEN``."""
    from urllib.parse import quote

    if base.startswith("mailto:"):
        return f"{base}{'&' if '?' in base else '?'}subject={quote(f'unsubscribe {token}')}"
    query = f"t={token}" + (f"&l={quote(slug)}" if slug else "")
    return f"{base}{'&' if '?' in base else '?'}{query}"


@dataclass
class ImportReport:
    added: int = 0
    known: int = 0
    problems: list = field(default_factory=list)  # Problem: path:line: code message


def unsubscribe(root: Path, who: str, now: datetime, reason: str = "unsubscribe") -> tuple[str, bool]:
    """Suppress one address (or the subscriber a token names). Returns (address key, newly added)."""
    from . import state

    key = _resolve(who, _Lazy(_subscriber_tokens))
    if key is None:
        raise UnsubscribeError(_('{who!r} is neither a valid address nor the token of anyone in $GAZETTE_SUBSCRIBERS')
                                   .format(who=who))
    connection = state.connect(root)
    try:
        added = state.suppress(connection, [(key, reason)], now)
    finally:
        connection.close()
    return key, bool(added)


def import_suppressions(root: Path, path: Path, now: datetime) -> ImportReport:
    """Suppress every address (or token) of a file: a CSV with an address column, or one per line.

    What unsubscribe endpoints and providers export: a form service's CSV, a
    provider's bounce/complaint list, or the subjects of the mailto: inbox
    (``unsubscribe <token>``). Unreadable rows are reported by line and skipped.
    """
    from . import state
    from .moderate import InputError, read_export
    from .problems import Problem

    try:
        text, _found = read_export(path)  # UTF-8, UTF-16 (Excel's Unicode text), else Windows-1252
    except InputError as error:
        raise UnsubscribeError(_('unreadable: {error}').format(error=error)) from None
    report = ImportReport()
    entries: list[tuple[str, str]] = []
    subscribers = _Lazy(_subscriber_tokens)
    for line, value in _values(text):
        key = _resolve(value, subscribers)
        if key is None:
            shown = value if len(value) <= 60 else value[:57] + "…"
            report.problems.append(Problem("subscriber/invalid", str(path), line,
                                           _('not an address nor a known token: {shown!r}')
                                               .format(shown=shown), _("skipped")))
        else:
            entries.append((key, f"import:{path.name}"))
    if entries:
        connection = state.connect(root)
        try:
            report.added = state.suppress(connection, entries, now)
        finally:
            connection.close()
    report.known = len(entries) - report.added
    return report


def _values(text: str):
    """(line, value) for each address-like cell: an address column of a CSV, else each line."""
    lines = text.splitlines()
    first = lines[0] if lines else ""
    try:
        dialect = csv.Sniffer().sniff(first, delimiters=",;\t") if any(c in first for c in ",;\t") else None
    except csv.Error:
        dialect = None
    if dialect is not None:
        header = [cell.strip().lower() for cell in next(csv.reader([first], dialect))]
        column = next((header.index(name) for name in ADDRESS_COLUMNS if name in header), None)
        if column is not None:
            reader = csv.reader(io.StringIO(text), dialect)
            next(reader)
            for row in reader:
                if len(row) > column and row[column].strip():
                    yield reader.line_num, row[column].strip()
            return
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if number == 1 and (dialect is not None or line.lower() in ADDRESS_COLUMNS):
            continue  # a header (one column, or naming no address column: the rows may still hold tokens)
        if line and not line.startswith("#"):
            yield number, line


def _resolve(value: str, tokens) -> str | None:
    """An address's key, or the key of the subscriber a token (alone or in a line) names."""
    from .addresses import AddressError, normalize

    try:
        return normalize(value).key
    except AddressError:
        pass
    match = TOKEN.search(value.lower())
    if match is None:
        return None
    return tokens().get(match.group(0))


def _subscriber_tokens() -> dict[str, str]:
    """token -> address key for everyone in $GAZETTE_SUBSCRIBERS (one HMAC each, computed once)."""
    from .addresses import read_subscribers

    path = os.environ.get("GAZETTE_SUBSCRIBERS")
    if not path:
        raise UnsubscribeError(_("an unsubscribe token names a subscriber, but $GAZETTE_SUBSCRIBERS is not set: "
                               "set it to the subscribers CSV to look tokens up"))
    try:
        recipients, _found = read_subscribers(path)
    except OSError as error:
        raise UnsubscribeError(_('$GAZETTE_SUBSCRIBERS {path}: {value}')
                                   .format(path=path, value=os_reason(error))) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise UnsubscribeError(_('$GAZETTE_SUBSCRIBERS {path}: {error}').format(path=path, error=error)) from None
    secret = secret_from_env()
    return {unsubscribe_token(r.address.key, secret): r.address.key for r in recipients}


class _Lazy:
    """The subscriber list, read once, and only if a token needs it."""

    def __init__(self, load):
        self.load, self.value = load, None

    def __call__(self):
        if self.value is None:
            self.value = self.load()
        return self.value
