"""The one newsletter message builder, for the SMTP target and the outbox alike.

Both get the same headers and the same two parts (HTML with inlined CSS, and
plain text) from :func:`gazette.targets.smtp.render`, rendered once per
delivery; only the recipient and the unsubscribe link change per message.
Header values never carry a line break: a name or subject with one is refused
here, whatever a check said, since it would let a subscriber row or a contributor
forge headers.
"""

from __future__ import annotations

import os
from datetime import datetime
from email.message import EmailMessage
from email.headerregistry import Address, HeaderRegistry, UnstructuredHeader
from email.policy import default as _default_policy
from email.utils import format_datetime
from hashlib import blake2b

from ..i18n import _
from . import Delivery, DeliveryError

PLACEHOLDER = "{{UNSUBSCRIBE}}"
DEFAULT_SENDER = "communaute@example.org"


class _UrlHeader(UnstructuredHeader):
    """A header whose value is ``<URL>``: written as is, never RFC 2047-encoded.

    The default policy encodes any word longer than a line, and an unsubscribe link always
    is: mail clients then show no unsubscribe button and one-click unsubscribe fails.
    A header line may be 998 characters long (RFC 5322); a URL is never folded inside.
    """

    def fold(self, *, policy):
        value = _ascii_url(str(self))
        if not value.isascii():
            return super().fold(policy=policy)  # cannot be made ASCII: encoded beats broken
        return f"{self.name}: {value}{policy.linesep}"


def _ascii_url(value: str) -> str:
    """``<https://exämple.org/désabo>`` as ``<https://xn--exmple-cua.org/d%C3%A9sabo>``: a header is ASCII."""
    if value.isascii() or not (value.startswith("<") and value.endswith(">")):
        return value
    from urllib.parse import quote, urlsplit, urlunsplit

    parts = urlsplit(value[1:-1])
    netloc = parts.netloc
    try:
        netloc = netloc.encode("idna").decode("ascii")
    except UnicodeError:
        return value
    safe = "/?#[]@!$&'()*+,;=%:~"
    return "<" + urlunsplit((parts.scheme, netloc, *(quote(p, safe=safe) for p in parts[2:]))) + ">"


_REGISTRY = HeaderRegistry()
for _name in ("list-unsubscribe", "list-unsubscribe-post"):
    _REGISTRY.map_to_type(_name, _UrlHeader)
POLICY = _default_policy.clone(header_factory=_REGISTRY)


class HeaderError(DeliveryError):
    """A header value with a line break: never sent."""

    def __init__(self, message: str):
        super().__init__(message, retry=False)


def subject_of(delivery: Delivery) -> str:
    meta = delivery.item.meta
    subject = str(meta.get("subject") or delivery.item.title)
    _one_line("subject", subject)
    return subject


def sender_of(config: dict) -> str:
    sender = str(config.get("from") or os.environ.get("GAZETTE_SMTP_FROM") or DEFAULT_SENDER)
    _one_line("from", sender)
    return sender


def message_id(delivery: Delivery, address_key: str | None = None, *, sender: str) -> str:
    """Deterministic: a re-sent copy has the same Message-ID, so mail clients show it once.
    Its right part is the sender's domain (RFC 5322 wants a domain the sender controls)."""
    from email.utils import parseaddr

    domain = parseaddr(sender)[1].rpartition("@")[2] or "gazette.invalid"
    if address_key is None:
        return f"<{delivery.key}@{domain}>"
    recipient = blake2b(address_key.encode("utf-8"), digest_size=8).hexdigest()
    return f"<{delivery.key}.{recipient}@{domain}>"


def build_message(delivery: Delivery, parts: tuple[str, str], *, sender: str, to: str, name: str = "",
                  unsubscribe: str, msg_id: str, date: datetime, subject_prefix: str = "") -> EmailMessage:
    """One recipient's message from the rendered (html, text) parts; ``date`` is when it is
    sent (the run's now), not when it was scheduled: a late run must not look back-dated."""
    html, text = parts
    _one_line("name", name)
    message = EmailMessage(policy=POLICY)
    message["Subject"] = subject_prefix + subject_of(delivery)
    message["From"] = sender
    local, _at, domain = to.rpartition("@")
    message["To"] = Address(display_name=name, username=local, domain=domain)  # non-ASCII local parts too
    message["Date"] = format_datetime(date)
    message["Message-ID"] = msg_id
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    if unsubscribe.startswith("https://"):
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058: https only
    message.set_content(text.replace(PLACEHOLDER, unsubscribe))
    message.add_alternative(html.replace(PLACEHOLDER, _attribute_safe(unsubscribe)), subtype="html")
    return message


def _attribute_safe(url: str) -> str:
    from markupsafe import escape

    return str(escape(url))


def _one_line(what: str, value: str) -> None:
    from ..addresses import has_line_break

    if has_line_break(value):
        raise HeaderError(_('the {what} contains a line break: refused (it would end the mail header)')
                              .format(what=what))
