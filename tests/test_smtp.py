"""The newsletter over real SMTP (aiosmtpd on loopback): headers, parts, resume."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import sqlite3
import subprocess
import sys
import time

import pytest

from gazette.unsubscribe import verify_unsubscribe_token

aiosmtpd = pytest.importorskip("aiosmtpd.controller")

NOW = "2026-12-04T09:05:00+01:00"
SECRET = "test-secret-0123456789abcdef"


class Collect:
    def __init__(self, drop_after: int | None = None):
        self.messages = []
        self.raw: list[bytes] = []  # as on the wire: a parser decodes what a mail client may not
        self.drop_after = drop_after

    async def handle_DATA(self, server, session, envelope):
        if self.drop_after is not None and len(self.messages) >= self.drop_after:
            self.drop_after = None
            return "421 Service not available, closing transmission channel"  # drops us once
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = Collect()
    controller = aiosmtpd.Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=3, batch=2, extra=""):
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n"
               f"  newsletter: {{network: newsletter, target: smtp, batch: {batch}, {extra}"
               "from: \"La Fabrique <lettre@example.org>\", unsubscribe: \"https://fabrique.example.org/desabonnement\"}\n")
    repo.post("decembre", kind="newsletters", front=(
        "title: La lettre de décembre\ndate: 2026-12-04T09:00:00+01:00\nstatus: approved\n"
        "subject: \"Décembre à l'atelier\"\npreheader: \"Portes ouvertes et jeu de Noël\"\n"
        "channels:\n  newsletter: {}\n"), body="## Portes ouvertes\n\nLe **5 décembre**, venez !\n")
    repo.git("init", "-q", "-b", "main")
    repo.commit_all()
    csv_path = tmp_path / "abonnes.csv"  # personal data: outside the repository
    csv_path.write_text("email,name\n" + "".join(f"membre{i}@example.org,Membre {i}\n" for i in range(subscribers)))
    monkeypatch.setenv("GAZETTE_SUBSCRIBERS", str(csv_path))
    monkeypatch.setenv("GAZETTE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("GAZETTE_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("GAZETTE_SMTP_TLS", "none")  # aiosmtpd on loopback, no password
    monkeypatch.setenv("GAZETTE_UNSUBSCRIBE_SECRET", SECRET)
    return csv_path


def environment(tmp_path, monkeypatch, controller, subscribers: int):
    """The environment of a run against ``controller``, for library-level tests."""
    csv_path = tmp_path / "abonnes.csv"
    csv_path.write_text("email,name\n" + "".join(f"membre{i}@example.org,Membre {i}\n" for i in range(subscribers)))
    for name, value in {"GAZETTE_SUBSCRIBERS": str(csv_path), "GAZETTE_SMTP_HOST": "127.0.0.1",
                        "GAZETTE_SMTP_PORT": str(controller.port), "GAZETTE_STATE_DIR": str(tmp_path / "state"),
                        "GAZETTE_SMTP_TLS": "none", "GAZETTE_UNSUBSCRIBE_SECRET": SECRET}.items():
        monkeypatch.setenv(name, value)
    return csv_path


def moment(text: str):
    from gazette.clock import parse_moment

    return parse_moment(text)


def delivery(key: str = "k" * 32):
    from gazette.load import Item
    from gazette.targets import Delivery

    item = Item("newsletter", "content/newsletters/2026/x.md", "x",
                {"title": "Lettre", "subject": "Décembre", "preheader": "Portes ouvertes"}, "## Portes\n\nVenez.\n")
    return Delivery(item, "newsletter", "newsletter", {}, "", moment("2026-12-04T09:00:00+01:00"), key)


def test_one_message_per_subscriber_with_both_parts_and_unsubscribe(repo, tmp_path, monkeypatch, smtp_server):
    controller, handler = smtp_server
    newsletter_repo(repo, tmp_path, monkeypatch, controller)
    result = repo.gazette("publish", now=NOW)
    assert result.output.splitlines()[-1] == "1 sent", result.output
    assert sorted(m["To"] for m in handler.messages) == [f"Membre {i} <membre{i}@example.org>" for i in range(3)]
    message = handler.messages[0]
    assert message["Subject"] == "Décembre à l'atelier"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["List-Unsubscribe"]
    assert re.fullmatch(r"<https://fabrique\.example\.org/desabonnement\?t=[0-9a-f]{32}&l=decembre>", link), link
    assert "membre" not in link  # a signed token, never the address
    token = re.search(r"t=([0-9a-f]{32})", link).group(1)
    subscribers = [f"membre{i}@example.org" for i in range(3)]
    assert verify_unsubscribe_token(token, subscribers, SECRET) == message["To"].addresses[0].addr_spec
    assert verify_unsubscribe_token(token, subscribers, "another-secret-0123456789") is None
    assert message["Message-ID"].endswith("@example.org>")  # the sender's domain
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert re.search(r'<h2 [^>]*style="', html) and "<strong>5 décembre</strong>" in html  # CSS inlined
    assert f"Se désabonner : {link[1:-1]}" in text
    assert f'href="{link[1:-1].replace("&", "&amp;")}"' in html
    receipt = (repo.root / "content/newsletters/2026/decembre.md").read_text()
    assert "newsletter: {at: 2026-12-04 09:05:00+01:00, recipients: 3, refused: 0" in receipt
    assert repo.gazette("publish", now=NOW).output == "nothing due\n"
    assert len(handler.messages) == 3


def test_a_dropped_connection_is_retried(repo, tmp_path, monkeypatch, smtp_server):
    controller, handler = smtp_server
    handler.drop_after = 1
    newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=4, batch=2)
    result = repo.gazette("publish", now=NOW)
    assert result.output.splitlines()[-1] == "1 sent", result.output
    assert sorted({m["To"] for m in handler.messages}) == [f"Membre {i} <membre{i}@example.org>" for i in range(4)]
    assert len(handler.messages) <= 4 + 2  # at most one batch again


def test_missing_configuration_is_a_clear_failure(repo, tmp_path, monkeypatch, smtp_server):
    controller, _ = smtp_server
    newsletter_repo(repo, tmp_path, monkeypatch, controller)
    monkeypatch.delenv("GAZETTE_SUBSCRIBERS")
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 2  # config: stopped before anything is sent
    assert "$GAZETTE_SUBSCRIBERS is not set" in result.output


@pytest.mark.slow
def test_killed_mid_newsletter_resumes_without_losing_anyone(repo, tmp_path, monkeypatch, smtp_server):
    """SIGKILL the publisher half-way; the next run finishes, re-sending at most one batch."""
    controller, handler = smtp_server
    newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=60, batch=10)
    command = [sys.executable, "-m", "gazette.cli", "publish", "--repo", str(repo.root), "--now", NOW]
    slow_env = {**os.environ, "GAZETTE_TEST_SMTP_DELAY": "0.02"}
    process = subprocess.Popen(command, env=slow_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while len(handler.messages) < 25 and time.monotonic() < deadline:
        time.sleep(0.01)
    process.kill()
    process.wait()
    first = len(handler.messages)
    assert 0 < first < 60
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines()[-1] == "1 sent", done.stdout + done.stderr
    received = [m["To"] for m in handler.messages]
    assert sorted(set(received)) == sorted(f"Membre {i} <membre{i}@example.org>" for i in range(60))
    assert len(received) - 60 <= 10  # duplicates: at most one batch


# -- faults: one outcome per recipient ------------------------------------------------------------

class Faulty(Collect):
    """An SMTP server with the habits of real ones: 452 or 550 to some RCPTs, a limit of
    messages per connection after which it hangs up, sessions counted."""

    def __init__(self, defer=(), refuse=(), close_after=None):
        super().__init__()
        self.defer, self.refuse, self.close_after = set(defer), set(refuse), close_after
        self.rcpts: list[str] = []
        self.per_session: dict[int, int] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts.append(address)
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        if address in self.defer:
            return "452 4.2.2 mailbox full, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.raw.append(envelope.content)
        count = self.per_session[id(session)] = self.per_session.get(id(session), 0) + 1
        if self.close_after and count >= self.close_after:
            asyncio.get_running_loop().call_soon(server.transport.close)  # after the 250 is written
        return "250 OK"


@pytest.fixture
def faulty():
    started = []

    def start(handler=None, **kwargs):
        handler = handler or Faulty()
        controller = aiosmtpd.Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
        controller.start()
        started.append(controller)
        return controller, handler

    yield start
    for controller in started:
        controller.stop()


def received(handler) -> list[str]:
    return sorted(recipient(m) for m in handler.messages)


def recipient(message) -> str:
    """The To address; an SMTPUTF8 message's raw UTF-8 comes out of the parser surrogate-escaped."""
    return message["To"].addresses[0].addr_spec.encode("utf-8", "surrogateescape").decode("utf-8")


def members(n: int) -> list[str]:
    return sorted(f"membre{i}@example.org" for i in range(n))


NEWSLETTER = "content/newsletters/2026/decembre.md"


def test_a_452_defers_that_recipient_only_and_a_later_run_completes(repo, tmp_path, monkeypatch, faulty):
    controller, handler = faulty(Faulty(defer={"membre1@example.org"}))
    newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=4, batch=2)
    first = repo.gazette("publish", now=NOW)
    assert first.exit_code == 0  # a 4xx is the server's "later", not a failure
    assert first.output.splitlines()[-1] == "1 deferred", first.output
    assert "3 sent, 0 refused, 1 deferred (4xx)" in first.output, first.output
    assert received(handler) == ["membre0@example.org", "membre2@example.org", "membre3@example.org"]
    assert "published:" not in (repo.root / NEWSLETTER).read_text()  # not complete: no receipt yet
    handler.defer.clear()  # the mailbox has room again
    second = repo.gazette("publish", now="2026-12-04T09:20:00+01:00")
    assert second.output.splitlines()[-1] == "1 sent", second.output
    assert received(handler) == members(4)  # everyone exactly once
    assert "recipients: 4, refused: 0, given_up: 0" in (repo.root / NEWSLETTER).read_text()


def test_a_recipient_deferred_run_after_run_is_given_up_at_the_cap(repo, tmp_path, monkeypatch, faulty):
    controller, handler = faulty(Faulty(defer={"membre2@example.org"}))
    newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=3, batch=2)
    outputs = [repo.gazette("publish", now=f"2026-12-{day}:05:00+01:00").output
               for day in ("04T09", "04T10", "04T11", "05T10")]
    assert all("1 deferred (4xx)" in output for output in outputs[:3])  # 3 runs, but within 24 h
    assert outputs[3].splitlines()[-1] == "1 sent", outputs[3]
    assert handler.rcpts.count("membre2@example.org") == 4  # 3 runs and 24 h, then given up
    assert received(handler) == ["membre0@example.org", "membre1@example.org"]
    assert "recipients: 2, refused: 1, given_up: 1" in (repo.root / NEWSLETTER).read_text()
    check = repo.gazette("check", now="2026-12-04T11:10:00+01:00")
    assert "published.newsletter" not in check.output, check.output  # the schema knows every count written


def test_deferral_gives_up_only_after_defer_runs_and_defer_hours(tmp_path, monkeypatch, faulty):
    from gazette.targets.smtp import SMTPTarget

    controller, _ = faulty()
    environment(tmp_path, monkeypatch, controller, 1)
    target = SMTPTarget(tmp_path, {"unsubscribe": "https://x.example.org/d", "defer_runs": 3, "defer_hours": 24})
    first = target._deferral(None, "452", moment("2026-12-04T09:00:00+01:00"))
    assert first == "deferred 1 2026-12-04T09:00:00+01:00"
    # A day gone but only the second attempt: not given up yet.
    second = target._deferral(first, "452", moment("2026-12-05T09:00:00+01:00"))
    assert second == "deferred 2 2026-12-04T09:00:00+01:00"
    third = target._deferral(second, "452", moment("2026-12-04T09:30:00+01:00"))
    assert third == "deferred 3 2026-12-04T09:00:00+01:00"  # three runs within the hour: still deferred
    assert target._deferral(third, "452", moment("2026-12-05T09:00:00+01:00")) == "given-up 452"


def test_a_5xx_refuses_that_recipient_only_and_suppresses_it_for_good(repo, tmp_path, monkeypatch, faulty):
    controller, handler = faulty(Faulty(refuse={"membre1@example.org"}))
    newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=3, batch=2)
    result = repo.gazette("publish", now=NOW)
    assert result.output.splitlines()[-1] == "1 sent", result.output
    assert received(handler) == ["membre0@example.org", "membre2@example.org"]
    assert "recipients: 2, refused: 1" in (repo.root / NEWSLETTER).read_text()
    with sqlite3.connect(tmp_path / "state" / "gazette.sqlite3") as db:
        assert db.execute("SELECT address, reason FROM suppressions").fetchall() == [("membre1@example.org", "refused 550")]
    # The next newsletter never even asks for that mailbox.
    repo.post("janvier", kind="newsletters", year=2027, front=(
        "title: La lettre de janvier\ndate: 2027-01-08T09:00:00+01:00\nstatus: approved\nsubject: Janvier\n"
        "channels:\n  newsletter: {}\n"))
    repo.commit_all()
    handler.rcpts.clear()
    result = repo.gazette("publish", now="2027-01-08T09:05:00+01:00")
    assert result.output.splitlines()[-1] == "1 sent", result.output
    assert sorted(handler.rcpts) == ["membre0@example.org", "membre2@example.org"]
    assert "suppressed: 1" in (repo.root / "content/newsletters/2027/janvier.md").read_text()


def test_a_server_that_hangs_up_every_3_messages_gets_everyone_once(repo, tmp_path, monkeypatch, faulty):
    controller, handler = faulty(Faulty(close_after=3))
    newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=10, batch=4)
    result = repo.gazette("publish", now=NOW)
    assert result.output.splitlines()[-1] == "1 sent", result.output
    assert received(handler) == members(10)  # no copies, nobody lost
    assert len(handler.per_session) == 4 and max(handler.per_session.values()) == 3


def test_per_connection_limit_opens_a_new_session_before_the_provider_drops_us(repo, tmp_path, monkeypatch, faulty):
    controller, handler = faulty()
    newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=5, batch=10, extra="per_connection: 2, ")
    result = repo.gazette("publish", now=NOW)
    assert result.output.splitlines()[-1] == "1 sent", result.output
    assert sorted(handler.per_session.values()) == [1, 2, 2]


def test_per_minute_paces_the_sends(tmp_path, monkeypatch, faulty):
    from gazette.targets.smtp import SMTPTarget

    controller, handler = faulty()
    environment(tmp_path, monkeypatch, controller, 6)
    target = SMTPTarget(tmp_path, {"unsubscribe": "https://x.example.org/d", "per_minute": 1200})  # one per 50 ms
    started = time.monotonic()
    receipt = target.deliver(delivery(), now=moment(NOW))
    assert receipt["recipients"] == 6 and len(handler.messages) == 6
    assert time.monotonic() - started >= 0.25


def test_an_unreachable_server_is_a_clean_resumable_failure(repo, tmp_path, monkeypatch, faulty):
    controller, handler = faulty()
    newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=2)
    monkeypatch.setenv("GAZETTE_SMTP_PORT", str(free_port()))  # nobody listens there
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "SMTP connection lost" in result.output and "0 sent" in result.output and "2 not reached yet" in result.output


def test_bad_rows_are_reported_by_line_and_never_block_the_batch(tmp_path, monkeypatch, faulty, caplog):
    from gazette.targets.smtp import SMTPTarget

    controller, handler = faulty(enable_SMTPUTF8=False)
    rows = ('email,name\nmembre0@example.org,Membre 0\njosé@example.org,José\nnot an address,X\n'
            '"membre1@example.org","Membre\nBcc: victim@example.org"\nMEMBRE0@Example.ORG,Doublon\n'
            'membre2@EXAMPLE.org,Membre 2\nmembre3@example.org,Nul\x00\n')
    csv_path = environment(tmp_path, monkeypatch, controller, 0)
    csv_path.write_text(rows, encoding="utf-8")
    target = SMTPTarget(tmp_path, {"unsubscribe": "https://x.example.org/d"})
    receipt = target.deliver(delivery(), now=moment(NOW))
    assert received(handler) == ["membre0@example.org", "membre2@example.org"]  # one copy each
    assert all("Bcc" not in m and "victim" not in str(m["To"]) for m in handler.messages)
    assert receipt["recipients"] == 2 and receipt["refused"] == 1 and receipt["invalid"] == 3
    assert sorted(f"{p.line} {p.code}" for p in target.problems) == [
        "3 subscriber/smtputf8", "4 subscriber/invalid", "6 subscriber/line-break", "7 subscriber/duplicate",
        "9 subscriber/line-break"]
    assert all(p.path == str(csv_path) for p in target.problems)
    assert f"{csv_path}:4: subscriber/invalid address skipped: " in caplog.text  # what the person running it sees


def test_a_server_offering_smtputf8_gets_the_non_ascii_address(tmp_path, monkeypatch, faulty):
    from gazette.targets.smtp import SMTPTarget

    controller, handler = faulty(enable_SMTPUTF8=True)
    csv_path = environment(tmp_path, monkeypatch, controller, 0)
    csv_path.write_text("email,name\njosé@example.org,José Núñez\n", encoding="utf-8")
    receipt = SMTPTarget(tmp_path, {"unsubscribe": "https://x.example.org/d"}).deliver(delivery(), now=moment(NOW))
    assert receipt["recipients"] == 1
    assert recipient(handler.messages[0]) == "josé@example.org"


def test_a_subject_with_a_line_break_is_caught_by_check_and_never_sent(repo, tmp_path, monkeypatch, faulty):
    controller, handler = faulty()
    newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=2)
    path = repo.root / NEWSLETTER
    path.write_text(path.read_text().replace('subject: "Décembre à l\'atelier"',
                                             "subject: >\n  Décembre\n\n  Bcc: tous@example.org"))
    repo.commit_all()
    check = repo.gazette("check", str(repo.root / NEWSLETTER))
    assert check.exit_code == 1, check.output
    assert f"{NEWSLETTER}:5: schema/line-break subject contains a line break" in check.output, check.output
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert handler.messages == []
    assert "held" in result.output and "check error" in result.output, result.output  # held, never sent


def test_a_folded_subject_gets_the_strip_hint(repo):
    repo.post("lettre", kind="newsletters", front=(
        "title: Lettre\ndate: 2026-12-04T09:00:00+01:00\nstatus: draft\nsubject: >\n  Décembre à l'atelier\n"))
    result = repo.gazette("check")
    assert "schema/line-break subject contains a line break" in result.output
    assert "use `>-`" in result.output


def test_a_non_numeric_port_is_a_configuration_error_not_a_traceback(repo, tmp_path, monkeypatch, faulty):
    controller, handler = faulty()
    newsletter_repo(repo, tmp_path, monkeypatch, controller)
    monkeypatch.setenv("GAZETTE_SMTP_PORT", "smtp")
    result = repo.gazette("publish", now=NOW)
    assert "Traceback" not in result.output and result.exit_code in (1, 2)
    assert "$GAZETTE_SMTP_PORT='smtp' is not a port number" in result.output


def test_configuration_errors_are_target_config_errors():
    from gazette.targets import TargetConfigError
    from gazette.targets.smtp import SMTPTarget

    cases = [({"GAZETTE_SMTP_PORT": "25x"}, {}, "is not a port number"),
             ({"GAZETTE_SMTP_TLS": "ssl"}, {}, "use tls (port 465), starttls or none"),
             ({"GAZETTE_SMTP_TLS": "none", "GAZETTE_SMTP_USER": "u"}, {}, "without TLS"),
             ({}, {"batch": "many"}, "batch: 'many' is not a whole number"),
             ({}, {"unsubscribe": "http://x.example.org/d"}, "needs unsubscribe:"),
             ({"GAZETTE_UNSUBSCRIBE_SECRET": "short"}, {}, "GAZETTE_UNSUBSCRIBE_SECRET is too short")]
    for env, config, message in cases:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in {"GAZETTE_SMTP_HOST": "127.0.0.1", "GAZETTE_UNSUBSCRIBE_SECRET": SECRET, **env}.items():
                patch.setenv(name, value)
            with pytest.raises(TargetConfigError, match=re.escape(message)):
                SMTPTarget(".", {"unsubscribe": "https://x.example.org/d", **config})


# -- unsubscribe and suppressions ----------------------------------------------------------------

def test_unsubscribe_by_address_or_by_token_is_honoured_by_the_next_send(repo, tmp_path, monkeypatch, faulty):
    from gazette.unsubscribe import unsubscribe_token

    controller, handler = faulty()
    newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=4)
    assert repo.gazette("newsletter", "unsubscribe", "Membre1@EXAMPLE.org").output == \
        "unsubscribed: membre1@example.org\n"
    token = unsubscribe_token("membre3@example.org", SECRET)
    assert repo.gazette("newsletter", "unsubscribe", token).output == "unsubscribed: membre3@example.org\n"
    assert repo.gazette("newsletter", "unsubscribe", "membre1@example.org").output == \
        "already unsubscribed: membre1@example.org\n"
    bad = repo.gazette("newsletter", "unsubscribe", "0" * 32)
    assert bad.exit_code == 2 and "neither a valid address nor the token" in bad.output
    result = repo.gazette("publish", now=NOW)
    assert result.output.splitlines()[-1] == "1 sent", result.output
    assert received(handler) == ["membre0@example.org", "membre2@example.org"]
    assert "recipients: 2, refused: 0, given_up: 0, suppressed: 2" in (repo.root / NEWSLETTER).read_text()


def test_suppressions_import_reads_provider_csv_and_mailto_subjects(repo, tmp_path, monkeypatch, faulty):
    from gazette.unsubscribe import unsubscribe_token

    controller, handler = faulty()
    newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=5)
    export = tmp_path / "bounces.csv"  # a provider's export: ;-separated, its own column names
    export.write_text("Date;Email Address;Reason\n2026-12-01;membre0@example.org;hard bounce\n"
                      "2026-12-01;pas une adresse;?\n2026-12-02;MEMBRE4@example.org;complaint\n", encoding="utf-8")
    result = repo.gazette("newsletter", "suppressions", "import", str(export))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{export}:3: subscriber/invalid not an address nor a known token: 'pas une adresse' (skipped)",
        "2 added, 0 already suppressed, 1 skipped"]
    inbox = tmp_path / "desabonnements.txt"  # subjects of the mails the mailto: link sent
    inbox.write_text(f"unsubscribe {unsubscribe_token('membre2@example.org', SECRET)}\nmembre0@example.org\n")
    result = repo.gazette("newsletter", "suppressions", "import", str(inbox), "--format", "json")
    assert result.exit_code == 0 and '"added": 1' in result.output and '"known": 1' in result.output
    repo.gazette("publish", now=NOW)
    assert received(handler) == ["membre1@example.org", "membre3@example.org"]


def test_suppressions_import_reads_one_column_and_utf16_exports_and_refuses_binaries(repo, tmp_path, monkeypatch):
    from gazette.unsubscribe import unsubscribe_token

    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("GAZETTE_UNSUBSCRIBE_SECRET", SECRET)
    monkeypatch.delenv("GAZETTE_SUBSCRIBERS", raising=False)

    def run(name: str, data: bytes):
        (tmp_path / name).write_bytes(data)
        return repo.gazette("newsletter", "suppressions", "import", str(tmp_path / name))

    one_column = run("liste.csv", b"email\nfrancoise@example.org\nrene@example.org\n")
    assert (one_column.exit_code, one_column.output) == (0, "2 added, 0 already suppressed, 0 skipped\n")
    unicode_text = run("excel.txt", "Adresse e-mail\tNom\nzoé@example.org\tZoé\n".encode("utf-16"))
    assert (unicode_text.exit_code, unicode_text.output) == (0, "1 added, 0 already suppressed, 0 skipped\n")
    binary = run("liste.xlsx", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)))
    assert binary.exit_code == 2 and "unreadable" in binary.output and "Traceback" not in binary.output
    token = run("jetons.txt", f"unsubscribe {unsubscribe_token('x@example.org', SECRET)}\n".encode())
    assert token.exit_code == 2 and "$GAZETTE_SUBSCRIBERS is not set" in token.output
    with sqlite3.connect(tmp_path / "state" / "gazette.sqlite3") as db:
        assert sorted(row[0] for row in db.execute("SELECT address FROM suppressions")) == [
            "francoise@example.org", "rene@example.org", "zoé@example.org"]


def test_the_state_database_is_versioned_and_in_wal_mode(tmp_path, monkeypatch):
    from gazette import state

    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    connection = state.connect(tmp_path)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert dict(connection.execute("SELECT feature, version FROM schema_versions")) == {
        feature: len(steps) for feature, steps in state.MIGRATIONS.items()}
    connection.execute("UPDATE schema_versions SET version = 99 WHERE feature = 'newsletter'")
    connection.commit()
    connection.close()
    with pytest.raises(state.StateError, match="newsletter schema version 99, newer than this Gazette"):
        state.connect(tmp_path)


def test_a_database_from_before_per_feature_versions_keeps_its_suppressions(tmp_path, monkeypatch):
    from gazette import state

    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "state").mkdir()
    with sqlite3.connect(tmp_path / "state" / "gazette.sqlite3") as old:
        old.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        old.execute("INSERT INTO schema_version VALUES (1)")
        old.execute("CREATE TABLE suppressions (address TEXT PRIMARY KEY, reason TEXT NOT NULL, at TEXT NOT NULL)")
        old.execute("INSERT INTO suppressions VALUES ('a@example.org', 'unsubscribe', '2026-01-01T00:00:00+00:00')")
    connection = state.connect(tmp_path)
    assert state.suppressed(connection) == {"a@example.org"}
    assert connection.execute("SELECT version FROM schema_versions WHERE feature = 'newsletter'").fetchone() == (1,)


# -- one message builder -------------------------------------------------------------------------

def test_the_outbox_eml_has_the_same_parts_and_headers_as_smtp(repo, tmp_path, monkeypatch, faulty):
    controller, handler = faulty()
    newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=1)
    repo.gazette("publish", now=NOW)
    sent = handler.messages[0]
    channels = repo.root / "calendar/channels.yml"
    channels.write_text(channels.read_text().replace("target: smtp", "target: outbox"))
    path = repo.root / NEWSLETTER
    path.write_text(path.read_text().replace("published:\n  newsletter", "published:\n  old"))
    repo.commit_all()
    result = repo.gazette("publish", now=NOW)
    assert result.output.splitlines()[-1] == "1 sent", result.output
    (eml,) = (repo.root / "outbox/newsletter").glob("*.eml")
    boxed = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert [part.get_content_type() for part in boxed.walk()] == \
        [part.get_content_type() for part in sent.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    for header in ("Subject", "From", "Date", "List-Unsubscribe-Post"):
        assert boxed[header] == sent[header], header
    html = [m.get_body(("html",)).get_content().replace("\r\n", "\n") for m in (boxed, sent)]
    assert html[0].split("<body")[0] == html[1].split("<body")[0]
    assert "## Portes" not in boxed.get_body(("html",)).get_content()


def raw_headers(data: bytes) -> dict[str, str]:
    head = data.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("ascii")
    return dict(line.split(": ", 1) for line in head.replace("\n ", " ").splitlines())


def test_unsubscribe_headers_are_plain_urls_on_the_wire_in_smtp_and_outbox(repo, tmp_path, monkeypatch, faulty):
    controller, handler = faulty()
    newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=1)
    repo.gazette("publish", now="2026-12-04T11:30:00+01:00")  # a late run: two and a half hours after 09:00
    sent = raw_headers(handler.raw[0])
    assert re.fullmatch(r"<https://fabrique\.example\.org/desabonnement\?t=[0-9a-f]{32}&l=decembre>",
                        sent["List-Unsubscribe"]), sent["List-Unsubscribe"]
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent["Date"] == "Fri, 04 Dec 2026 11:30:00 +0100"  # when it went out, not when it was planned
    assert re.fullmatch(r"<[^@\s]+@example\.org>", sent["Message-ID"]), sent["Message-ID"]
    assert "=?" not in sent["To"] + sent["Message-ID"]
    channels = repo.root / "calendar/channels.yml"
    channels.write_text(channels.read_text().replace("target: smtp", "target: outbox"))
    path = repo.root / NEWSLETTER
    path.write_text(path.read_text().replace("published:\n  newsletter", "published:\n  old"))
    repo.commit_all()
    repo.gazette("publish", now="2026-12-04T11:30:00+01:00")
    (eml,) = (repo.root / "outbox/newsletter").glob("*.eml")
    boxed = raw_headers(eml.read_bytes())
    assert boxed["List-Unsubscribe"].startswith("<https://fabrique.example.org/desabonnement?t=")
    assert boxed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert boxed["Date"] == sent["Date"] and boxed["Message-ID"].endswith("@example.org>")


def test_a_non_ascii_unsubscribe_address_is_made_ascii_not_encoded():
    import email.policy

    from gazette.targets.message import build_message

    message = build_message(delivery(), ("<p>{{UNSUBSCRIBE}}</p>", "{{UNSUBSCRIBE}}"), sender="lettre@example.org",
                            to="zoe@example.org", unsubscribe="https://fabrique.exämple.org/désabonnement?t=" + "a" * 32,
                            msg_id="<k@example.org>", date=moment(NOW))
    headers = raw_headers(message.as_bytes(policy=email.policy.SMTP))
    assert headers["List-Unsubscribe"] == \
        "<https://fabrique.xn--exmple-cua.org/d%C3%A9sabonnement?t=" + "a" * 32 + ">"


@pytest.mark.parametrize("channel", ["../../../x", "..", "a/b"])
def test_an_outbox_channel_key_never_writes_outside_outbox(repo, tmp_path, channel):
    repo.write("calendar/channels.yml", f"timezone: Europe/Paris\nchannels:\n  {json.dumps(channel)}: {{network: webhook}}\n")
    repo.post("annonce", front="title: Annonce\ndate: 2026-12-01T12:30:00+01:00\nstatus: approved\n"
              f"channels:\n  {json.dumps(channel)}: {{text: \"Bonjour\"}}\n")
    repo.git("init", "-q", "-b", "main")
    repo.commit_all()
    before = set(tmp_path.rglob("*"))
    result = repo.gazette("publish", now="2026-12-01T13:00:00+01:00")
    assert "Traceback" not in result.output and result.exit_code == 1, result.output
    assert "outbox channel name" in result.output
    created = {p for p in set(tmp_path.rglob("*")) - before if ".git" not in p.parts and "cache" not in p.parts}
    assert all((repo.root / "outbox") in p.parents or p == repo.root / "outbox" or ".gazette" in p.parts
               for p in created), created


def test_an_outbox_folder_outside_the_repository_is_refused(repo, tmp_path):
    from gazette.targets import TargetConfigError
    from gazette.targets.outbox import Outbox

    with pytest.raises(TargetConfigError, match="inside the repository"):
        Outbox(repo.root, {"outbox": "../../elsewhere"})


# -- secrets: TLS verified, no password in clear -------------------------------------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, like the one an attacker in the path would show."""
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
                    "-subj", "/CN=evil.example", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return folder / "cert.pem", folder / "key.pem"


class Logins:
    """An aiosmtpd authenticator that records every password it is shown."""

    def __init__(self):
        self.seen = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        self.seen.append((mechanism, auth_data.login, auth_data.password))
        return AuthResult(success=True)


def tls_context(certificate):
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def test_starttls_with_a_self_signed_certificate_is_refused_before_any_password(
        repo, tmp_path, monkeypatch, faulty, certificate):
    logins = Logins()
    controller, handler = faulty(tls_context=tls_context(certificate), authenticator=logins, auth_require_tls=True)
    newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=2)
    monkeypatch.delenv("GAZETTE_SMTP_TLS")  # the default: STARTTLS, certificate verified
    monkeypatch.setenv("GAZETTE_SMTP_USER", "lettre")
    monkeypatch.setenv("GAZETTE_SMTP_PASSWORD", "hunter2")
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "TLS with 127.0.0.1" in result.output and "CERTIFICATE_VERIFY_FAILED" in result.output, result.output
    assert logins.seen == [] and handler.messages == []
    # The same server, once its certificate is trusted on purpose, gets the login over TLS.
    monkeypatch.setenv("GAZETTE_SMTP_CAFILE", str(certificate[0]))
    result = repo.gazette("publish", now=NOW)
    assert result.output.splitlines()[-1] == "1 sent", result.output
    assert logins.seen[0][1:] == (b"lettre", b"hunter2") and received(handler) == members(2)


def test_implicit_tls_on_port_465_style(repo, tmp_path, monkeypatch, faulty, certificate):
    controller, handler = faulty(ssl_context=tls_context(certificate))
    newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=1)
    monkeypatch.setenv("GAZETTE_SMTP_TLS", "tls")
    result = repo.gazette("publish", now=NOW)
    assert "CERTIFICATE_VERIFY_FAILED" in result.output and handler.messages == []
    monkeypatch.setenv("GAZETTE_SMTP_CAFILE", str(certificate[0]))
    assert repo.gazette("publish", now=NOW).output.splitlines()[-1] == "1 sent"
    assert received(handler) == members(1)


def test_a_server_without_starttls_is_refused_by_default(repo, tmp_path, monkeypatch, faulty):
    controller, handler = faulty()
    newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=1)
    monkeypatch.delenv("GAZETTE_SMTP_TLS")
    result = repo.gazette("publish", now=NOW)
    assert "does not offer STARTTLS: refusing to send in clear" in result.output, result.output
    assert handler.messages == []


def test_a_password_is_never_sent_in_clear_unless_insecure_is_set(repo, tmp_path, monkeypatch, faulty):
    logins = Logins()
    controller, handler = faulty(authenticator=logins, auth_require_tls=False)
    newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=1)
    monkeypatch.setenv("GAZETTE_SMTP_USER", "lettre")
    monkeypatch.setenv("GAZETTE_SMTP_PASSWORD", "hunter2")
    result = repo.gazette("publish", now=NOW)
    assert "refusing to send the SMTP password without TLS" in result.output, result.output
    assert logins.seen == [] and handler.messages == []
    monkeypatch.setenv("GAZETTE_SMTP_INSECURE", "1")  # a local test server, explicitly
    assert repo.gazette("publish", now=NOW).output.splitlines()[-1] == "1 sent"
    assert logins.seen[0][1:] == (b"lettre", b"hunter2")


def test_a_stop_request_between_batches_ends_the_send_and_a_later_run_resumes(tmp_path, monkeypatch, faulty):
    from gazette.targets import DeliveryIncomplete
    from gazette.targets.smtp import SMTPTarget

    controller, handler = faulty()
    environment(tmp_path, monkeypatch, controller, 7)
    target = SMTPTarget(tmp_path, {"unsubscribe": "https://x.example.org/d", "batch": 3})
    asked = []
    with pytest.raises(DeliveryIncomplete, match=r"stopped \(freeze: crise\); 3 sent") as stopped:
        target.deliver(delivery(), now=moment(NOW), stop=lambda: asked.append(1) or "freeze: crise")
    assert stopped.value.counts["unreached"] == 4 and len(handler.messages) == 3 and asked == [1]
    receipt = target.deliver(delivery(), now=moment(NOW), stop=lambda: None)
    assert receipt["recipients"] == 7 and received(handler) == members(7)


def test_a_test_copy_goes_to_one_address_and_records_nothing(tmp_path, monkeypatch, faulty):
    from gazette.targets.smtp import SMTPTarget

    controller, handler = faulty()
    environment(tmp_path, monkeypatch, controller, 3)
    target = SMTPTarget(tmp_path, {"unsubscribe": "https://x.example.org/d"})
    assert target.send_test_copy(delivery(), "Editrice@Example.org", "Éditrice") == "Editrice@example.org"
    assert received(handler) == ["Editrice@example.org"]
    assert not (tmp_path / "state" / "ledger").exists() or not any((tmp_path / "state" / "ledger").iterdir())


def test_suppressions_import_reads_a_french_spreadsheet_export(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_STATE_DIR", str(tmp_path / "state"))
    export = tmp_path / "export.csv"
    export.write_bytes("Nom;Adresse e-mail\nFrançoise;francoise@example.org\nRené;rene@example.org\n".encode("cp1252"))
    result = repo.gazette("newsletter", "suppressions", "import", str(export))
    assert result.output == "2 added, 0 already suppressed, 0 skipped\n" and result.exit_code == 0
    with sqlite3.connect(tmp_path / "state" / "gazette.sqlite3") as db:
        assert db.execute("SELECT address, reason FROM suppressions ORDER BY address").fetchall() == [
            ("francoise@example.org", "import:export.csv"), ("rene@example.org", "import:export.csv")]


def test_someone_who_unsubscribes_while_deferred_is_not_waited_for(tmp_path, monkeypatch, faulty):
    from gazette import unsubscribe
    from gazette.targets import DeliveryIncomplete
    from gazette.targets.smtp import SMTPTarget

    controller, handler = faulty(Faulty(defer={"membre1@example.org"}))
    environment(tmp_path, monkeypatch, controller, 3)
    target = SMTPTarget(tmp_path, {"unsubscribe": "https://x.example.org/d"})
    with pytest.raises(DeliveryIncomplete):
        target.deliver(delivery(), now=moment(NOW))
    unsubscribe.unsubscribe(tmp_path, "membre1@example.org", moment(NOW))
    receipt = target.deliver(delivery(), now=moment("2026-12-04T09:20:00+01:00"))
    assert receipt["recipients"] == 2 and receipt["suppressed"] == 1
    assert handler.rcpts.count("membre1@example.org") == 1


def test_the_outbox_never_writes_through_a_committed_symlink(repo, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo.root / "outbox").mkdir(parents=True)
    (repo.root / "outbox" / "hook").symlink_to(outside)
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n  hook: {network: webhook}\n")
    repo.post("annonce", front="title: Annonce\ndate: 2026-12-01T12:30:00+01:00\nstatus: approved\n"
              "channels:\n  hook: {text: \"Bonjour\"}\n")
    repo.git("init", "-q", "-b", "main")
    repo.commit_all()
    result = repo.gazette("publish", now="2026-12-01T13:00:00+01:00")
    assert result.exit_code == 1 and "is a symbolic link: the outbox never writes through one" in result.output
    assert list(outside.iterdir()) == []


class RefusesTheMessage(Faulty):
    def __init__(self, code="554 5.7.1 message refused as spam"):
        super().__init__()
        self.code = code

    async def handle_DATA(self, server, session, envelope):
        if self.code:
            return self.code
        return await super().handle_DATA(server, session, envelope)


def test_a_message_refused_for_everyone_marks_nobody(repo, tmp_path, monkeypatch, faulty):
    controller, handler = faulty(RefusesTheMessage())
    newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=12, batch=5)
    result = repo.gazette("publish", now=NOW)
    assert "refused the message itself (554 after DATA) for 10 recipients in a row: nobody is marked" in result.output
    handler.code = None  # the provider unblocks us
    assert repo.gazette("publish", now=NOW).output.splitlines()[-1] == "1 sent"
    assert received(handler) == members(12)
    with sqlite3.connect(tmp_path / "state" / "gazette.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM suppressions").fetchone()[0] == 0


def test_one_message_refused_after_data_is_that_recipients_refusal(tmp_path, monkeypatch, faulty):
    from gazette.targets.smtp import SMTPTarget

    class RefusesOne(Faulty):
        async def handle_DATA(self, server, session, envelope):
            if envelope.rcpt_tos == ["membre1@example.org"]:
                return "550 5.7.1 policy"
            return await super().handle_DATA(server, session, envelope)

    controller, handler = faulty(RefusesOne())
    environment(tmp_path, monkeypatch, controller, 3)
    receipt = SMTPTarget(tmp_path, {"unsubscribe": "https://x.example.org/d"}).deliver(delivery(), now=moment(NOW))
    assert (receipt["recipients"], receipt["refused"]) == (2, 1)


def test_suppressions_import_finds_tokens_in_a_form_services_url_column(repo, tmp_path, monkeypatch, faulty):
    from gazette.unsubscribe import unsubscribe_token

    controller, handler = faulty()
    newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=3)
    export = tmp_path / "formulaire.csv"
    export.write_text("submitted_at,page\n"
                      f"2026-12-05,https://fabrique.example.org/desabonnement/?t={unsubscribe_token('membre2@example.org', SECRET)}&l=x\n")
    result = repo.gazette("newsletter", "suppressions", "import", str(export))
    assert result.output == "1 added, 0 already suppressed, 0 skipped\n", result.output


@pytest.mark.parametrize("where", ["missing", "folder"])
def test_a_subscribers_path_that_is_not_a_file_stops_the_run_before_anything_is_sent(repo, tmp_path, monkeypatch,
                                                                                     faulty, where):
    controller, handler = faulty()
    newsletter_repo(repo, tmp_path, monkeypatch, controller)
    path = tmp_path / ("nowhere.csv" if where == "missing" else "a-folder")
    if where == "folder":
        path.mkdir()
    monkeypatch.setenv("GAZETTE_SUBSCRIBERS", str(path))
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 2, result.output
    assert f"$GAZETTE_SUBSCRIBERS {path} " in result.output and "nothing was sent" in result.output
    assert received(handler) == []


def test_a_french_excel_export_of_subscribers_is_read_as_saved(repo, tmp_path, monkeypatch, faulty):
    """French Excel saves `;`-separated Windows-1252 with capitalised headers: every row is read."""
    controller, handler = faulty()
    csv_path = newsletter_repo(repo, tmp_path, monkeypatch, controller)
    csv_path.write_bytes("Email;Nom\r\nzoe@example.org;Zoé Lefèvre\r\nMarc@Example.org;Marc\r\n".encode("cp1252"))
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 0, result.output
    assert received(handler) == ["Marc@example.org", "zoe@example.org"]
    (zoe,) = [m for m in handler.messages if recipient(m) == "zoe@example.org"]
    assert "Zoé Lefèvre" in str(zoe["To"])


def test_a_subscriber_file_without_an_address_column_stops_the_run_before_anything_is_sent(
        repo, tmp_path, monkeypatch, faulty):
    controller, handler = faulty()
    csv_path = newsletter_repo(repo, tmp_path, monkeypatch, controller)
    repo.write("calendar/channels.yml", (repo.root / "calendar/channels.yml").read_text()
               + "  mastodon: {network: mastodon}\n")
    repo.post("annonce", front=("title: Annonce\ndate: 2026-12-04T08:00:00+01:00\nstatus: approved\n"
                                "channels:\n  mastodon: {text: Bonjour}\n"))
    repo.commit_all()
    csv_path.write_text("adresse postale|nom\n12 rue des Vélos|Zoé\n")
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 2, result.output
    assert "needs an 'email' column" in result.output and "'adresse postale|nom'" in result.output
    assert handler.messages == [] and not (repo.root / "outbox").exists()  # not even the Mastodon post


@pytest.mark.parametrize("export", [
    "Nom;Prénom;Adresse;Ville;Adresse e-mail\r\nDupont;Jean;3 rue des Lilas;Lyon;jean@example.org\r\n"
    "Martin;Marie;5 quai Perrache;Lyon;marie@example.org\r\n",
    "sep=;\r\nEmail;Nom, prénom\r\njean@example.org;Dupont, Jean\r\nmarie@example.org;Martin, Marie\r\n",
], ids=["postal-address-beside-the-email", "excel-sep-line-and-a-comma-in-a-header"])
def test_exports_with_several_address_like_columns_or_excel_hints_find_the_email(repo, tmp_path, monkeypatch,
                                                                                faulty, export):
    controller, handler = faulty()
    csv_path = newsletter_repo(repo, tmp_path, monkeypatch, controller)
    csv_path.write_text(export, encoding="utf-8")
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 0, result.output
    assert received(handler) == ["jean@example.org", "marie@example.org"]


def test_a_list_where_no_row_has_an_address_is_never_recorded_as_sent(repo, tmp_path, monkeypatch, faulty):
    """A receipt for nobody would mark the newsletter published: it would never go out."""
    controller, handler = faulty()
    csv_path = newsletter_repo(repo, tmp_path, monkeypatch, controller)
    csv_path.write_text("email,name\npas une adresse,X\nencore rien,Y\n")
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 2 and "no row has a usable address" in result.output, result.output
    assert "published:" not in (repo.root / NEWSLETTER).read_text() and handler.messages == []
