"""Webhook and Mastodon targets against a local HTTP server: retries, idempotency, signatures."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

NOW = "2026-12-01T13:00:00+01:00"


@pytest.fixture
def server():
    state = {"requests": [], "fail_first": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state["requests"].append((self.path, dict(self.headers), body))
            if self.path.endswith("/missing"):
                self.send_response(404)
                self.end_headers()
                return
            if state["fail_first"] > 0:
                state["fail_first"] -= 1
                self.send_response(500)
                self.end_headers()
                return
            keys = {h.get("Idempotency-Key") for _, h, _ in state["requests"]}
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"id": str(len(keys)), "url": "https://m.example/@f/1"}).encode())

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    httpd.shutdown()


def setup(repo, channels: str):
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n" + channels)
    repo.post("annonce", front="title: Annonce\ndate: 2026-12-01T12:30:00+01:00\nstatus: approved\n"
              "channels:\n  hook: {text: \"Bonjour\"}\n" if "hook" in channels else
              "title: Annonce\ndate: 2026-12-01T12:30:00+01:00\nstatus: approved\n"
              "channels:\n  masto: {text: \"Bonjour\"}\n")
    repo.git("init", "-q", "-b", "main")
    repo.commit_all()


def test_webhook_500_then_200_is_one_signed_delivery(repo, server, monkeypatch):
    server["fail_first"] = 1
    monkeypatch.setenv("GAZETTE_WEBHOOK_SECRET", "s3cret")
    setup(repo, f"  hook: {{network: webhook, target: webhook, url: \"{server['url']}/hook\"}}\n")
    result = repo.gazette("publish", now=NOW)
    assert result.output.splitlines()[-1] == "1 sent", result.output
    assert len(server["requests"]) == 2  # the 500, then the 200
    (_, first, _), (_, second, body) = server["requests"]
    assert first["Idempotency-Key"] == second["Idempotency-Key"]
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert second["X-Gazette-Signature"] == f"sha256={expected}"
    assert json.loads(body)["text"] == "Bonjour"
    receipt = (repo.root / "content/posts/2026/annonce.md").read_text()
    assert "s3cret" not in receipt and "hook: {at: 2026-12-01 13:00:00+01:00, id: \"1\"}" in receipt


def test_webhook_4xx_is_a_final_failure(repo, server):
    setup(repo, f"  hook: {{network: webhook, target: webhook, url: \"{server['url']}/missing\"}}\n")
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 1
    assert "HTTP 404 (not retried)" in result.output
    assert len(server["requests"]) == 1


def test_mastodon_uses_the_token_from_the_environment(repo, server, monkeypatch):
    monkeypatch.setenv("FABRIQUE_TOKEN", "tok")
    setup(repo, f"  masto: {{network: mastodon, target: mastodon, instance: \"{server['url']}\", "
                "token_env: FABRIQUE_TOKEN}\n")
    result = repo.gazette("publish", now=NOW)
    assert result.output.splitlines()[-1] == "1 sent", result.output
    path, headers, body = server["requests"][0]
    assert path == "/api/v1/statuses"
    assert headers["Authorization"] == "Bearer tok"
    assert json.loads(body)["status"] == "Bonjour"
    assert "tok" not in (repo.root / "content/posts/2026/annonce.md").read_text().replace("token", "")


def test_mastodon_without_token_fails_clearly(repo, server, monkeypatch):
    monkeypatch.delenv("GAZETTE_MASTODON_TOKEN", raising=False)
    setup(repo, f"  masto: {{network: mastodon, target: mastodon, instance: \"{server['url']}\"}}\n")
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 2  # a missing secret stops the run before anything is sent
    assert "$GAZETTE_MASTODON_TOKEN is not set" in result.output
