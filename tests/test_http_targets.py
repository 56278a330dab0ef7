"""Webhook and Mastodon targets against a local HTTP server: retries, idempotency, signatures."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@pytest.fixture(autouse=True)
def loopback_servers(monkeypatch):
    """The fake servers listen on 127.0.0.1: the tests' escape of gazette.netsafe lets them be asked."""
    monkeypatch.setenv("GAZETTE_TEST_ALLOW_LOOPBACK", "1")

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
    monkeypatch.setenv("GAZETTE_MASTODON_FABRIQUE", "tok")
    setup(repo, f"  masto: {{network: mastodon, target: mastodon, instance: \"{server['url']}\", "
                "token_env: GAZETTE_MASTODON_FABRIQUE}\n")
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


# -- faults: redirects, garbage answers ----------------------------------------------------------

@pytest.fixture
def servers():
    """Local HTTP servers on their own ports (each its own origin), scripted per path."""
    started = []

    def start(routes: dict):
        seen = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen.append((self.path, dict(self.headers), body))
                status, headers, answer = routes[self.path.split("?")[0]]
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        started.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}", seen

    yield start
    for httpd in started:
        httpd.shutdown()


OK = (200, {"Content-Type": "application/json"}, b'{"id": "7", "url": "https://m.example/@f/7"}')


def mastodon(repo, monkeypatch, instance):
    monkeypatch.setenv("GAZETTE_MASTODON_FABRIQUE", "tok-secret")
    setup(repo, f"  masto: {{network: mastodon, target: mastodon, instance: \"{instance}\", token_env: GAZETTE_MASTODON_FABRIQUE}}\n")


def test_the_token_never_follows_a_redirect_to_another_origin(repo, servers, monkeypatch):
    other, other_seen = servers({"/api/v1/statuses": OK})
    instance, seen = servers({"/api/v1/statuses": (308, {"Location": f"{other}/api/v1/statuses"}, b"")})
    mastodon(repo, monkeypatch, instance)
    result = repo.gazette("publish", now=NOW)
    assert result.output.splitlines()[-1] == "1 sent", result.output
    assert seen[0][1]["Authorization"] == "Bearer tok-secret"
    (_, headers, body), = other_seen
    assert "Authorization" not in headers and "tok-secret" not in str(headers)
    assert json.loads(body)["status"] == "Bonjour" and headers["Idempotency-Key"] == seen[0][1]["Idempotency-Key"]


def test_a_same_origin_redirect_keeps_the_token(repo, servers, monkeypatch):
    routes = {"/api/v1/statuses": (307, {"Location": "/v2/statuses"}, b""), "/v2/statuses": OK}
    instance, seen = servers(routes)
    mastodon(repo, monkeypatch, instance)
    assert repo.gazette("publish", now=NOW).output.splitlines()[-1] == "1 sent"
    assert [(path, headers.get("Authorization")) for path, headers, _ in seen] == [
        ("/api/v1/statuses", "Bearer tok-secret"), ("/v2/statuses", "Bearer tok-secret")]


def test_the_webhook_signature_stays_behind_on_a_cross_origin_redirect(repo, servers, monkeypatch):
    other, other_seen = servers({"/in": (200, {}, b"ok")})
    url, seen = servers({"/hook": (307, {"Location": f"{other}/in"}, b"")})
    monkeypatch.setenv("GAZETTE_WEBHOOK_SECRET", "s3cret")
    setup(repo, f"  hook: {{network: webhook, target: webhook, url: \"{url}/hook\"}}\n")
    assert repo.gazette("publish", now=NOW).output.splitlines()[-1] == "1 sent"
    assert "X-Gazette-Signature" in seen[0][1] and "X-Gazette-Signature" not in other_seen[0][1]


@pytest.mark.parametrize("route, message", [
    ((307, {"Location": "/hook"}, b""), "more than 5 redirects (a loop?)"),
    ((302, {"Location": "/elsewhere"}, b""), "HTTP 302 redirect to '/elsewhere' would turn the POST into a GET"),
    ((307, {"Location": "file:///etc/passwd"}, b""), "redirect to 'file:///etc/passwd' is not an http(s):// URL"),
])
def test_a_misbehaving_webhook_is_a_clean_failed_outcome(repo, servers, route, message):
    url, seen = servers({"/hook": route})
    setup(repo, f"  hook: {{network: webhook, target: webhook, url: \"{url}/hook\"}}\n")
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert message in result.output, result.output
    assert "published:" not in (repo.root / "content/posts/2026/annonce.md").read_text()


def test_a_2xx_with_a_body_that_is_not_json_is_delivered_once(repo, servers):
    url, seen = servers({"/hook": (200, {"Content-Type": "application/json"}, b"{oops")})
    setup(repo, f"  hook: {{network: webhook, target: webhook, url: \"{url}/hook\"}}\n")
    result = repo.gazette("publish", now=NOW)
    assert result.output.splitlines()[-1] == "1 sent", result.output
    assert len(seen) == 1  # the server accepted it: posting again would post twice
    key = seen[0][1]["Idempotency-Key"]
    assert f"hook: {{at: 2026-12-01 13:00:00+01:00, id: {key[:12]}}}" in (
        repo.root / "content/posts/2026/annonce.md").read_text()
    assert repo.gazette("publish", now=NOW).output == "nothing due\n" and len(seen) == 1


@pytest.mark.parametrize("reply", [b"hello, I am not HTTP\r\n", b"HTTP/1.1 abc\r\n\r\n", b""])
def test_a_non_http_reply_is_a_clean_failed_outcome(repo, reply):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    answered = []

    def serve():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                try:
                    connection.recv(65536)
                    answered.append(1)  # before the reply: the client may be done before this thread runs on
                    connection.sendall(reply)
                except OSError:
                    pass  # the client hung up first: keep serving the next attempt

    threading.Thread(target=serve, daemon=True).start()
    try:
        setup(repo, f"  hook: {{network: webhook, target: webhook, url: \"http://127.0.0.1:{listener.getsockname()[1]}/\"}}\n")
        result = repo.gazette("publish", now=NOW)
    finally:
        listener.close()
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "after 3 attempts" in result.output, result.output
    # Bounded retries; a connection dropped before its request is read may go uncounted.
    assert 1 <= len(answered) <= 3


def test_a_webhook_url_that_is_not_http_is_refused(repo):
    setup(repo, "  hook: {network: webhook, target: webhook, url: \"file:///etc/passwd\"}\n")
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 2 and "webhook url: 'file:///etc/passwd' is not an http(s):// URL" in result.output


def test_a_webhook_whose_secret_env_is_unset_posts_nothing(repo, servers, monkeypatch):
    url, seen = servers({"/hook": OK})
    monkeypatch.delenv("GAZETTE_WEBHOOK_HOOK", raising=False)
    setup(repo, f"  hook: {{network: webhook, target: webhook, url: \"{url}/hook\", secret_env: GAZETTE_WEBHOOK_HOOK}}\n")
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 2, result.output
    assert "$GAZETTE_WEBHOOK_HOOK is not set" in result.output and "nothing was sent" in result.output
    assert seen == []  # never an unsigned post to a receiver that expects a signature
    monkeypatch.setenv("GAZETTE_WEBHOOK_HOOK", "s3cret")
    assert repo.gazette("publish", now=NOW).output.splitlines()[-1] == "1 sent"
    assert seen[0][1]["X-Gazette-Signature"].startswith("sha256=")


@pytest.mark.parametrize("setting", ["token_env: GAZETTE_SMTP_PASSWORD", "token_env: GITHUB_TOKEN",
                                     "token_env: GAZETTE_WEBHOOK_SECRET", "token_env: GAZETTE_MASTODON_"])
def test_a_channel_cannot_send_another_targets_secret(repo, servers, monkeypatch, setting):
    """channels.yml is contributor-editable: naming the SMTP password as the token would POST it
    as `Authorization: Bearer` to the attacker's instance."""
    url, seen = servers({"/api/v1/statuses": OK})
    variable = setting.split(": ")[1]
    monkeypatch.setenv(variable, "mot-de-passe-smtp")
    setup(repo, f"  masto: {{network: mastodon, target: mastodon, instance: \"{url}\", {setting}}}\n")
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 2, result.output
    assert f"token_env: '{variable}' is not a GAZETTE_MASTODON_… variable" in result.output
    assert seen == [] and "mot-de-passe-smtp" not in result.output


def test_a_webhook_cannot_sign_with_another_targets_secret(repo, servers, monkeypatch):
    url, seen = servers({"/hook": OK})
    monkeypatch.setenv("GAZETTE_SMTP_PASSWORD", "mot-de-passe-smtp")
    setup(repo, f"  hook: {{network: webhook, target: webhook, url: \"{url}/hook\", "
                "secret_env: GAZETTE_SMTP_PASSWORD}\n")
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 2 and "is not a GAZETTE_WEBHOOK_… variable" in result.output
    assert seen == []
