"""The newsletter over real SMTP (aiosmtpd on loopback): headers, parts, resume."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
import time

import pytest

aiosmtpd = pytest.importorskip("aiosmtpd.controller")

NOW = "2026-12-04T09:05:00+01:00"


class Collect:
    def __init__(self, drop_after: int | None = None):
        self.messages = []
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


def newsletter_repo(repo, tmp_path, monkeypatch, controller, subscribers=3, batch=2):
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n"
               f"  newsletter: {{network: newsletter, target: smtp, batch: {batch}, "
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


def test_one_message_per_subscriber_with_both_parts_and_unsubscribe(repo, tmp_path, monkeypatch, smtp_server):
    controller, handler = smtp_server
    newsletter_repo(repo, tmp_path, monkeypatch, controller)
    result = repo.gazette("publish", now=NOW)
    assert result.output.splitlines()[-1] == "1 sent", result.output
    assert sorted(m["To"] for m in handler.messages) == [f"Membre {i} <membre{i}@example.org>" for i in range(3)]
    message = handler.messages[0]
    assert message["Subject"] == "Décembre à l'atelier"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<https://fabrique.example.org/desabonnement?email=membre")
    assert message["Message-ID"].endswith("@gazette>")
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert '<h2 style="' in html and "<strong>5 décembre</strong>" in html  # CSS inlined
    assert "Se désabonner : https://fabrique.example.org/desabonnement?email=" in text
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
