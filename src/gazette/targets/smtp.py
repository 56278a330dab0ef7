"""Newsletter by SMTP: one outcome per recipient, a durable ledger, nothing lost on a fault.

Subscribers come from a CSV whose path is in ``$GAZETTE_SUBSCRIBERS``
(``email`` column, optional ``name``): personal data never enters the
repository. Addresses are validated and normalized once (email-validator);
a bad row is reported by line and skipped; case variants get one copy.

The server comes from the environment only (a pull request cannot weaken it):
``$GAZETTE_SMTP_HOST``, ``$GAZETTE_SMTP_PORT``, ``$GAZETTE_SMTP_TLS``
(``tls``: implicit TLS, the default on port 465; ``starttls``: the default
elsewhere, required, certificate verified; ``none``: a local relay),
``$GAZETTE_SMTP_CAFILE`` (a private CA), ``$GAZETTE_SMTP_USER`` /
``$GAZETTE_SMTP_PASSWORD`` (never sent without TLS unless
``$GAZETTE_SMTP_INSECURE=1``, meant for local test servers).

Each recipient gets its own MAIL/RCPT/DATA, so the server's answer is theirs:
250 sent; 5xx at RCPT refused (and suppressed for good); 4xx deferred to a
later run, then given up after ``defer_runs`` runs and ``defer_hours``; a
dropped connection is reopened and the send resumes. Provider limits are
channel settings: ``per_connection`` (default 100 messages, lowered to what
the server showed when it drops us earlier) and ``per_minute`` (default 0: no
pacing). The ledger (one line per recipient, fsync'd every ``batch``) lives in
the state folder: after a crash a run skips everyone recorded and re-sends at
most the batch in flight. Every send honours the suppression list.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from ..i18n import _, os_reason
from . import Delivery, DeliveryError, DeliveryIncomplete, TargetConfigError, register
from .message import build_message, message_id, sender_of, subject_of

DEFAULTS = {"batch": 100, "per_connection": 100, "per_minute": 0, "defer_runs": 3, "defer_hours": 24}
TLS_MODES = ("tls", "starttls", "none")
CONNECT_ATTEMPTS = 3  # consecutive failures on one recipient before the run stops (and resumes later)
REJECTED_IN_A_ROW = 10  # 5xx after DATA for this many recipients in a row: the message is refused, not them
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


def _setting(config: dict, name: str) -> int:
    value = config.get(name, DEFAULTS[name])
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if DEFAULTS[name] == 0 else 1):
        raise TargetConfigError(_('calendar/channels.yml: {name}: {value!r} is not a whole number{value2} (default '
                                  '{DEFAULTS})')
                                    .format(name=name, value=value, value2='' if DEFAULTS[name] == 0 else ' above 0', DEFAULTS=DEFAULTS[name]))
    return value


class Server:
    """Where and how to connect, from the environment only; checked before anything is sent."""

    def __init__(self):
        self.host = _env("GAZETTE_SMTP_HOST")
        if not self.host:
            raise TargetConfigError(_("$GAZETTE_SMTP_HOST is not set (the newsletter's SMTP server)"))
        port = (_env("GAZETTE_SMTP_PORT") or "").strip()
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            raise TargetConfigError(_('$GAZETTE_SMTP_PORT={port!r} is not a port number (465, 587, 25…)')
                                        .format(port=port))
        self.tls = (_env("GAZETTE_SMTP_TLS") or ("tls" if port == "465" else "starttls")).strip().lower()
        if self.tls not in TLS_MODES:
            raise TargetConfigError(_('$GAZETTE_SMTP_TLS={tls!r}: use tls (port 465), starttls or none')
                                        .format(tls=self.tls))
        self.port = int(port) if port else {"tls": 465, "starttls": 587, "none": 25}[self.tls]
        self.user = _env("GAZETTE_SMTP_USER") or ""
        self.password = _env("GAZETTE_SMTP_PASSWORD") or ""
        self.cafile = _env("GAZETTE_SMTP_CAFILE") or None
        if self.user and self.tls == "none" and _env("GAZETTE_SMTP_INSECURE") != "1":
            raise TargetConfigError(_("refusing to send the SMTP password without TLS: set GAZETTE_SMTP_TLS=tls or "
                                    "starttls (GAZETTE_SMTP_INSECURE=1 is for local test servers only)"))

    def connect(self) -> smtplib.SMTP:
        """An open, authenticated session; DeliveryError(retry=False) when retrying cannot help."""
        try:
            context = ssl.create_default_context(cafile=self.cafile)
        except (OSError, ssl.SSLError) as error:
            raise TargetConfigError(_('$GAZETTE_SMTP_CAFILE {cafile}: {error}')
                                        .format(cafile=self.cafile, error=error)) from None
        server = None
        try:
            if self.tls == "tls":
                server = smtplib.SMTP_SSL(self.host, self.port, timeout=30, context=context)
            else:
                server = smtplib.SMTP(self.host, self.port, timeout=30)
            if self.tls == "starttls":
                server.ehlo()
                if not server.has_extn("starttls"):
                    raise DeliveryError(_('the SMTP server {host}:{port} does not offer STARTTLS: refusing to send '
                                          'in clear (GAZETTE_SMTP_TLS=none only for a local relay)')
                                            .format(host=self.host, port=self.port), retry=False)
                server.starttls(context=context)
            if self.user:
                server.login(self.user, self.password)
            server.ehlo_or_helo_if_needed()
            return server
        except ssl.SSLError as error:
            _close(server)
            raise DeliveryError(_('TLS with {host}:{port} failed, nothing sent: {value} (a private CA goes in '
                                  '$GAZETTE_SMTP_CAFILE)')
                                    .format(host=self.host, port=self.port, value=error.reason or error), retry=False) from None
        except smtplib.SMTPAuthenticationError as error:
            _close(server)
            raise DeliveryError(_('the SMTP server refused the login of {user}: {smtp_code}')
                                    .format(user=self.user, smtp_code=error.smtp_code),
                                retry=False) from None
        except smtplib.SMTPNotSupportedError as error:
            _close(server)
            raise DeliveryError(_('the SMTP server {host}: {error}')
                                    .format(host=self.host, error=error), retry=False) from None
        except BaseException:
            _close(server)
            raise


def _close(server) -> None:
    if server is None:
        return
    try:
        server.quit()
    except (OSError, smtplib.SMTPException):
        try:
            server.close()
        except OSError:
            pass


class Session:
    """One connection at a time, reopened when dropped or at the provider's per-connection limit."""

    def __init__(self, server: Server, sender: str, per_connection: int, per_minute: int):
        self.server = server
        self.sender = sender
        self.per_connection = per_connection
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self.smtp: smtplib.SMTP | None = None
        self.on_connection = 0
        self.last_send = 0.0
        self.delay = float(_env("GAZETTE_TEST_SMTP_DELAY") or 0)  # lets the crash test kill us mid-run

    def send(self, address, data: bytes) -> tuple[str, str]:
        """("sent"|"deferred"|"refused"|"rejected"|"smtputf8", code) for one recipient.

        ``rejected`` is a 5xx after DATA (the message, not the mailbox): not suppressed.
        Raises DeliveryError when the server stays unreachable or refuses the sender.
        """
        failures = 0
        while True:
            try:
                smtp = self._open()
                if address.smtputf8 and not smtp.has_extn("smtputf8"):
                    return "smtputf8", ""
                self._pace()
                options = ["SMTPUTF8", "BODY=8BITMIME"] if address.smtputf8 else []
                smtp.sendmail(self.sender, [address.send], data, options)
                self.on_connection += 1
                return "sent", "250"
            except smtplib.SMTPRecipientsRefused as error:
                code = min(code for code, _text in error.recipients.values())
                if code != 421:
                    return ("deferred" if 400 <= code < 500 else "refused"), str(code)
                reason = f"{code}"
            except smtplib.SMTPSenderRefused as error:
                if error.smtp_code >= 500:
                    raise DeliveryError(_('the SMTP server refuses the sender {sender}: {smtp_code} {smtp_error}')
                                            .format(sender=self.sender, smtp_code=error.smtp_code, smtp_error=_text(error.smtp_error)), retry=False) from None
                reason = f"{error.smtp_code} at MAIL FROM"  # 421/451: busy or rate-limited; retry on a new connection
            except smtplib.SMTPDataError as error:
                if error.smtp_code != 421:
                    return ("deferred" if 400 <= error.smtp_code < 500 else "rejected"), str(error.smtp_code)
                reason = "421"
            except (smtplib.SMTPException, OSError) as error:
                reason = str(error) or type(error).__name__
            self._dropped()
            failures += 1
            if failures >= CONNECT_ATTEMPTS:
                raise ConnectionLost(f"{self.server.host}:{self.server.port}: {reason}")
            time.sleep(0.1 * failures)

    def _open(self) -> smtplib.SMTP:
        if self.smtp is not None and self.on_connection >= self.per_connection:
            _close(self.smtp)  # the provider's per-connection limit: a fresh session before it drops us
            self.smtp = None
        if self.smtp is None:
            self.smtp = self.server.connect()
            self.on_connection = 0
        return self.smtp

    def _dropped(self) -> None:
        if self.on_connection:
            # The server showed its real limit: reconnect before reaching it from now on.
            self.per_connection = min(self.per_connection, self.on_connection)
        if self.smtp is not None:
            try:
                self.smtp.close()
            except OSError:
                pass
        self.smtp = None

    def _pace(self) -> None:
        if self.delay:
            time.sleep(self.delay)
        if self.interval:
            wait = self.last_send + self.interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self.last_send = time.monotonic()

    def close(self) -> None:
        _close(self.smtp)
        self.smtp = None


class ConnectionLost(Exception):
    """The server stayed unreachable for one recipient: stop here, resume in a later run."""


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


@register("smtp")
class SMTPTarget:
    def __init__(self, root: Path, config: dict):
        from ..unsubscribe import UnsubscribeError, secret_from_env

        self.root = Path(root)
        self.config = config
        self.batch, self.per_connection, self.per_minute, self.defer_runs, self.defer_hours = (
            _setting(config, name) for name in DEFAULTS)
        self.server = Server()
        self.unsubscribe = str(config.get("unsubscribe") or "")
        if not self.unsubscribe.startswith(("https://", "mailto:")):
            raise TargetConfigError(_("a newsletter channel needs unsubscribe: in calendar/channels.yml, the https:// "
                                    "endpoint or a mailto: address (see docs/newsletter.md)"))
        try:
            self.secret = secret_from_env()
        except UnsubscribeError as error:
            raise TargetConfigError(str(error)) from None
        self.sender = sender_of(config)
        self.problems: list = []  # Problems of the subscriber list found by the last deliver()

    def preflight(self) -> None:
        """Before anything of the run is sent: the subscribers file is there and is a file."""
        path = _env("GAZETTE_SUBSCRIBERS")
        if not path:
            raise TargetConfigError(_("$GAZETTE_SUBSCRIBERS is not set (path of the subscribers CSV)"))
        if not os.path.isfile(path) or not os.access(path, os.R_OK):
            what = "is a folder" if os.path.isdir(path) else "is not a readable file"
            raise TargetConfigError(_('$GAZETTE_SUBSCRIBERS {path} {what} (path of the subscribers CSV)')
                                        .format(path=path, what=what))
        from ..addresses import read_subscribers

        try:
            recipients, problems = read_subscribers(path)  # no address column: stop before anything goes
        except (OSError, ValueError) as error:
            raise TargetConfigError(_('$GAZETTE_SUBSCRIBERS {path}: {error}').format(path=path, error=error)) from None
        if not recipients:
            # A wrong column (a postal "Adresse") or an empty export: a receipt now would record
            # the newsletter as sent to nobody, and it would never go out.
            raise TargetConfigError(_('$GAZETTE_SUBSCRIBERS {path}: no row has a usable address ({problems} rows '
                                      'skipped): check the file and its address column')
                                        .format(path=path, problems=len(problems)))

    def deliver(self, delivery: Delivery, now: datetime | None = None, stop=None) -> dict:
        """Send to everyone not yet served; the receipt's counts when every recipient has a final
        outcome, else DeliveryIncomplete (the ledger keeps the progress for the next run).

        ``stop`` (optional) is asked between batches, after the ledger is synced: a non-empty
        answer (e.g. "freeze: …") ends the send there, to be resumed by a later run.
        """
        from ..addresses import read_subscribers
        from ..clock import now as clock_now
        from ..problems import Problem
        from ..publish import make_state_dir

        now = now or clock_now()
        path = _env("GAZETTE_SUBSCRIBERS")
        if not path:
            raise TargetConfigError(_("$GAZETTE_SUBSCRIBERS is not set (path of the subscribers CSV)"))
        try:
            recipients, self.problems = read_subscribers(path)
        except OSError as error:
            raise TargetConfigError(_('$GAZETTE_SUBSCRIBERS {path}: {value}')
                                        .format(path=path, value=os_reason(error))) from None
        except (ValueError, UnicodeDecodeError) as error:
            raise TargetConfigError(_('$GAZETTE_SUBSCRIBERS {path}: {error}').format(path=path, error=error)) from None
        subject_of(delivery)  # a header with a line break stops here, before anyone gets a copy
        suppressed = self._suppressed()
        ledger = Ledger(make_state_dir(self.root) / "ledger", delivery.key)  # the one place state is made
        todo = [r for r in recipients if r.address.key not in suppressed and
                (ledger.done.get(r.address.key) or "deferred").startswith("deferred")]
        parts = render(delivery, self.config, root=self.root)
        session = Session(self.server, self.sender, self.per_connection, self.per_minute)
        results: dict[str, str] = {}
        refused: list[tuple[str, str]] = []
        rejected: dict[str, str] = {}  # held back until someone gets the message: see REJECTED_IN_A_ROW
        bar = _progress(len(todo), f"Sending {delivery.item.slug}")
        stopped = ""

        try:
            for recipient in todo:
                key = recipient.address.key
                try:
                    data = self._data(delivery, parts, recipient, now)
                except (ValueError, DeliveryError) as error:  # a row the mail headers cannot carry
                    results[key] = "refused invalid"
                    self.problems.append(Problem("subscriber/invalid", str(path), recipient.line,
                                                 f"cannot be written in a mail header: {error}", "fix the row"))
                    continue
                outcome, code = session.send(recipient.address, data)
                if outcome == "deferred":
                    results[key] = self._deferral(ledger.done.get(key), code, now)
                elif outcome == "smtputf8":
                    results[key] = "refused smtputf8"
                    self.problems.append(Problem(
                        "subscriber/smtputf8", str(path), recipient.line,
                        "non-ASCII address and the SMTP server does not offer SMTPUTF8: not sent",
                        "ask the provider for SMTPUTF8, or the subscriber for an ASCII address"))
                elif outcome == "rejected":
                    rejected[key] = f"refused {code}"
                    if len(rejected) >= REJECTED_IN_A_ROW:
                        raise DeliveryError(
                            _('the SMTP server refused the message itself ({code} after DATA) for {rejected} '
                              'recipients in a row: nobody is marked, fix the content or ask the provider')
                                .format(code=code, rejected=len(rejected)), retry=False)
                    continue
                elif outcome == "refused":  # the mailbox itself is refused: never try it again
                    results[key] = f"refused {code}"
                    refused.append((key, f"refused {code}"))
                else:
                    results[key] = "sent"
                results.update(rejected)  # someone got it: those refusals were about them, not the message
                rejected.clear()
                if len(results) >= self.batch:
                    ledger.record(results)
                    bar.update(len(results))
                    results = {}
                    reason = stop() if stop else None
                    if reason:
                        stopped = f"stopped ({reason})"
                        break
            results.update(rejected)
        except ConnectionLost as error:
            stopped = f"SMTP connection lost ({error})"
        finally:
            if results:
                ledger.record(results)  # every result here is final for this run: never re-sent
            bar.finish()
            session.close()
            ledger.close()
            if refused:
                self._suppress(refused, now)
        _report(self.problems)
        invalid = sum(1 for problem in self.problems if problem.code in ("subscriber/invalid", "subscriber/line-break"))
        counts = _counts(recipients, ledger.done, suppressed, invalid)
        if stopped or counts["deferred"] or counts["unreached"]:
            raise DeliveryIncomplete(
                (f"{stopped}; " if stopped else "") + f"{counts['sent']} sent, {counts['refused']} refused, "
                f"{counts['deferred']} deferred (4xx), {counts['unreached']} not reached yet: "
                "the next run resumes from the ledger", counts)
        from ..model import NEWSLETTER_COUNTS

        counts["recipients"] = counts["sent"]
        counts["list_size"] = len(recipients)  # a number for the report; never an address
        return {**{name: counts[name] for name in NEWSLETTER_COUNTS},
                "message_id": message_id(delivery, sender=self.sender)}

    def send_test_copy(self, delivery: Delivery, to: str, name: str = "", subject_prefix: str = "[TEST] ",
                       now: datetime | None = None) -> str:
        """One copy to an editor, recording nothing (no ledger, no receipt, no suppression)."""
        from ..addresses import AddressError, Recipient, normalize
        from ..clock import now as clock_now

        try:
            address = normalize(to)
        except AddressError as error:
            raise DeliveryError(f"{to!r}: {error}", retry=False) from None
        recipient = Recipient(address, name, 0)
        parts = render(delivery, self.config, root=self.root)
        session = Session(self.server, self.sender, 1, 0)
        try:
            outcome, code = session.send(address, self._data(delivery, parts, recipient, now or clock_now(),
                                                             subject_prefix))
        except ConnectionLost as error:
            raise DeliveryError(_('SMTP connection lost ({error})').format(error=error)) from None
        finally:
            session.close()
        if outcome != "sent":
            raise DeliveryError(f"{address.send}: {outcome} {code}".strip(), retry=outcome == "deferred")
        return address.send

    def _data(self, delivery: Delivery, parts, recipient, now: datetime, subject_prefix: str = "") -> bytes:
        import email.policy

        from ..unsubscribe import unsubscribe_token, unsubscribe_url

        key = recipient.address.key
        link = unsubscribe_url(self.unsubscribe, unsubscribe_token(key, self.secret), delivery.item.slug)
        message = build_message(delivery, parts, sender=self.sender, to=recipient.address.send,
                                name=recipient.name, unsubscribe=link,
                                msg_id=message_id(delivery, key, sender=self.sender), date=now,
                                subject_prefix=subject_prefix)
        policy = email.policy.SMTPUTF8 if recipient.address.smtputf8 else email.policy.SMTP
        return message.as_bytes(policy=policy)

    def _deferral(self, previous: str | None, code: str, now: datetime) -> str:
        """``deferred N FIRST`` until the cap, then ``given-up CODE`` (final, counted as refused)."""
        runs, first = 0, now
        if previous and previous.startswith("deferred"):
            fields = previous.split()
            try:
                runs, first = int(fields[1]), datetime.fromisoformat(fields[2])
            except (IndexError, ValueError):
                pass
        runs += 1
        # "3 runs over 24 h": a run every 15 minutes must not give up on a greylisting server
        # within the hour, nor a weekly run keep someone deferred for a month.
        if runs >= self.defer_runs and now - first >= timedelta(hours=self.defer_hours):
            return f"given-up {code}"
        return f"deferred {runs} {first.isoformat()}"

    def _suppressed(self) -> set[str]:
        from .. import state

        try:
            connection = state.connect(self.root)
            try:
                return state.suppressed(connection)
            finally:
                connection.close()
        except (state.StateError, OSError) as error:
            # Sending without the list would mail people who left: stop instead.
            raise DeliveryError(_('cannot read the suppression list: {error}')
                                    .format(error=error), retry=False) from None

    def _suppress(self, entries, now: datetime) -> None:
        from .. import state

        connection = state.connect(self.root)
        try:
            state.suppress(connection, entries, now)
        finally:
            connection.close()


def _report(problems) -> None:
    """Bad rows on stderr as ``path:line: code message (hint)``, through logging so that a caller
    (publish, a test) can route them; with no logging set up Python prints warnings to stderr."""
    import logging

    log = logging.getLogger("gazette.subscribers")
    for problem in problems:
        log.warning(problem.format())


def _counts(recipients, done: dict[str, str], suppressed: set[str], invalid: int) -> dict[str, int]:
    counts = dict.fromkeys(("sent", "refused", "given_up", "deferred", "suppressed", "unreached"), 0)
    for recipient in recipients:
        state = done.get(recipient.address.key)
        if (state is None or state.startswith("deferred")) and recipient.address.key in suppressed:
            counts["suppressed"] += 1  # left (or refused for good) before getting it: not waited for
        elif state is None:
            counts["unreached"] += 1
        elif state == "sent":
            counts["sent"] += 1
        elif state.startswith("deferred"):
            counts["deferred"] += 1
        elif state.startswith("given-up"):
            counts["given_up"] += 1
            counts["refused"] += 1
        else:
            counts["refused"] += 1
    counts["invalid"] = invalid
    return counts


def render(delivery: Delivery, config: dict, root=None) -> tuple[str, str]:
    """(HTML with inlined CSS, plain text) of the newsletter; rendered once per delivery.
    Both parts hold ``{{UNSUBSCRIBE}}`` where each recipient's unsubscribe URL goes."""
    from ..newsletter import NewsletterError, render_newsletter

    try:  # root None (a benchmark, no repository): Gazette's own template, links as written
        return render_newsletter(delivery.item, root, community=config.get("community"),
                                 tracking=_tracking(delivery, root))
    except NewsletterError as error:
        raise DeliveryError(str(error), retry=False) from None


def _tracking(delivery: Delivery, root) -> dict:
    """The UTM parameters of this newsletter's links to the site (none without a repository)."""
    if root is None:
        return {}
    from ..load import load_frame
    from ..tracking import parameters

    return parameters(delivery.item, delivery.channel, load_frame(root)[0], root)
