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
from email.message import EmailMessage
from email.headerregistry import Address
from email.utils import format_datetime
from hashlib import blake2b

from . import Delivery, DeliveryError

PLACEHOLDER = "{{UNSUBSCRIBE}}"
DEFAULT_SENDER = "communaute@example.org"


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


def message_id(delivery: Delivery, address_key: str | None = None) -> str:
    """Deterministic: a re-sent copy has the same Message-ID, so mail clients show it once."""
    if address_key is None:
        return f"<{delivery.key}@gazette>"
    recipient = blake2b(address_key.encode("utf-8"), digest_size=8).hexdigest()
    return f"<{delivery.key}.{recipient}@gazette>"


def build_message(delivery: Delivery, parts: tuple[str, str], *, sender: str, to: str, name: str = "",
                  unsubscribe: str, msg_id: str, subject_prefix: str = "") -> EmailMessage:
    """One recipient's message from the rendered (html, text) parts."""
    html, text = parts
    _one_line("name", name)
    message = EmailMessage()
    message["Subject"] = subject_prefix + subject_of(delivery)
    message["From"] = sender
    local, _, domain = to.rpartition("@")
    message["To"] = Address(display_name=name, username=local, domain=domain)  # non-ASCII local parts too
    message["Date"] = format_datetime(delivery.at)
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
        raise HeaderError(f"the {what} contains a line break: refused (it would end the mail header)")
