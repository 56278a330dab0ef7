"""Newsletter by SMTP: batches, a durable ledger, and nothing lost on a crash.

Subscribers come from a CSV whose path is in ``$GAZETTE_SUBSCRIBERS``
(``email`` column, optional ``name``): personal data never enters the
repository. The server and credentials come from ``$GAZETTE_SMTP_HOST``,
``$GAZETTE_SMTP_PORT``, ``$GAZETTE_SMTP_USER``, ``$GAZETTE_SMTP_PASSWORD``
(``$GAZETTE_SMTP_TLS=starttls`` to upgrade). Each message has an HTML part
with inlined CSS and a plain-text part, a deterministic ``Message-ID`` and
one-click unsubscribe headers (RFC 8058).

The ledger (one line per recipient, fsync'd after each batch) lives in
``$GAZETTE_STATE_DIR`` or ``.gazette/ledger/``: after a crash, a new run
skips everyone recorded and re-sends at most the batch in flight.
"""

from __future__ import annotations

import csv
import os
import smtplib
import sys
import time
from email.message import EmailMessage
from email.utils import formataddr, format_datetime
from hashlib import blake2b
from pathlib import Path
from urllib.parse import quote

from . import Delivery, DeliveryError, register
from .ledger import Ledger


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


class _NoBar:
    def update(self, count: int) -> None:
        pass

    def finish(self) -> None:
        pass


class _Bar(_NoBar):
    def __init__(self, total: int, label: str):
        import click

        self.bar = click.progressbar(length=total, label=label, file=sys.stderr)
        self.bar.__enter__()

    def update(self, count: int) -> None:
        self.bar.update(count)

    def finish(self) -> None:
        self.bar.__exit__(None, None, None)


def _progress(total: int, label: str):
    """A progress bar on a terminal for long lists; nothing in CI logs or tests."""
    return _Bar(total, label) if total >= 200 and sys.stderr.isatty() else _NoBar()


def read_subscribers(path: str) -> list[tuple[str, str]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if "email" not in (reader.fieldnames or ()):
                raise DeliveryError(f"$GAZETTE_SUBSCRIBERS {path}: needs an 'email' column", retry=False)
            return [(row["email"].strip(), (row.get("name") or "").strip()) for row in reader if row.get("email")]
    except OSError as error:
        raise DeliveryError(f"$GAZETTE_SUBSCRIBERS {path}: {error.strerror or error}", retry=False) from None


@register("smtp")
class SMTPTarget:
    def __init__(self, root: Path, config: dict):
        self.root = Path(root)
        self.config = config
        self.batch = int(config.get("batch") or 100)
        from ..publish import state_dir

        self.ledgers = state_dir(self.root) / "ledger"

    def _connect(self) -> smtplib.SMTP:
        host = _env("GAZETTE_SMTP_HOST")
        if not host:
            raise DeliveryError("$GAZETTE_SMTP_HOST is not set (the newsletter's SMTP server)", retry=False)
        try:
            server = smtplib.SMTP(host, int(_env("GAZETTE_SMTP_PORT", "25")), timeout=30)
            if _env("GAZETTE_SMTP_TLS") == "starttls":
                server.starttls()
            if _env("GAZETTE_SMTP_USER"):
                server.login(_env("GAZETTE_SMTP_USER"), _env("GAZETTE_SMTP_PASSWORD") or "")
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"cannot reach the SMTP server {host}: {error}") from None
        return server

    def deliver(self, delivery: Delivery) -> dict:
        path = _env("GAZETTE_SUBSCRIBERS")
        if not path:
            raise DeliveryError("$GAZETTE_SUBSCRIBERS is not set (path of the subscribers CSV)", retry=False)
        subscribers = read_subscribers(path)
        ledger = Ledger(self.ledgers, delivery.key)
        pending = [(email, name) for email, name in subscribers if email not in ledger.done]
        html, text = render(delivery, self.config)
        server = None
        bar = _progress(len(pending), f"Sending {delivery.item.slug}")
        try:
            for start in range(0, len(pending), self.batch):
                batch = pending[start:start + self.batch]
                for attempt in range(3):
                    try:
                        server = server or self._connect()
                        ledger.record(self._send_batch(server, delivery, batch, html, text))
                        bar.update(len(batch))
                        break
                    except (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError):
                        server = None  # dropped: reconnect and send the batch again
                        if attempt == 2:
                            raise DeliveryError(f"SMTP connection lost 3 times; {len(ledger.done)} of "
                                                f"{len(subscribers)} sent, run publish again to resume") from None
                        time.sleep(0.2 * (attempt + 1))
        finally:
            bar.finish()
            if server is not None:
                try:
                    server.quit()
                except (OSError, smtplib.SMTPException):
                    pass
            ledger.close()
        refused = sum(1 for state in ledger.done.values() if state != "sent")
        return {"recipients": len(ledger.done) - refused, "refused": refused,
                "message_id": f"<{delivery.key}@gazette>"}

    def _send_batch(self, server, delivery, batch, html, text) -> dict[str, str]:
        results = {}
        delay = float(_env("GAZETTE_TEST_SMTP_DELAY") or 0)  # lets the crash test kill us mid-run
        for email, name in batch:
            if delay:
                time.sleep(delay)
            message = self._message(delivery, email, name, html, text)
            try:
                server.send_message(message)
                results[email] = "sent"
            except smtplib.SMTPRecipientsRefused as error:
                codes = [code for code, _ in error.recipients.values()]
                if all(400 <= code < 500 for code in codes):
                    raise ConnectionError(f"transient refusal {codes}") from None  # retry the batch
                results[email] = "refused " + " ".join(map(str, codes))
            except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
                if 400 <= error.smtp_code < 500:
                    raise ConnectionError(f"transient {error.smtp_code}") from None  # retry the batch
                results[email] = f"refused {error.smtp_code}"
        return results

    def _message(self, delivery: Delivery, email: str, name: str, html: str, text: str) -> EmailMessage:
        meta = delivery.item.meta
        sender = self.config.get("from") or _env("GAZETTE_SMTP_FROM") or "communaute@example.org"
        unsubscribe = (self.config.get("unsubscribe") or "https://example.org/desabonnement") + \
            f"?email={quote(email)}&lettre={delivery.item.slug}"
        message = EmailMessage()
        message["Subject"] = meta.get("subject") or delivery.item.title
        message["From"] = sender
        message["To"] = formataddr((name, email)) if name else email
        message["Date"] = format_datetime(delivery.at)
        recipient = blake2b(email.lower().encode(), digest_size=8).hexdigest()
        message["Message-ID"] = f"<{delivery.key}.{recipient}@gazette>"  # same on a re-send: dedup
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(text.replace("{{UNSUBSCRIBE}}", unsubscribe))
        message.add_alternative(html.replace("{{UNSUBSCRIBE}}", unsubscribe), subtype="html")
        return message


def render(delivery: Delivery, config: dict) -> tuple[str, str]:
    """(HTML with inlined CSS, plain text) of the newsletter; rendered once per delivery."""
    import css_inline
    import jinja2
    import markdown

    meta = delivery.item.meta
    body_html = markdown.markdown(delivery.item.body, extensions=["extra"])
    env = jinja2.Environment(loader=jinja2.PackageLoader("gazette", "templates"), autoescape=True)
    html = env.get_template("email/newsletter.html.j2").render(
        subject=meta.get("subject") or delivery.item.title, preheader=meta.get("preheader") or "",
        title=delivery.item.title, body_html=jinja2.utils.markupsafe.Markup(body_html),
        community=config.get("community") or "notre communauté", unsubscribe_url="{{UNSUBSCRIBE}}",
    )
    text = f"{delivery.item.title}\n\n{delivery.item.body.strip()}\n\n--\nSe désabonner : {{{{UNSUBSCRIBE}}}}\n"
    return css_inline.inline(html), text
