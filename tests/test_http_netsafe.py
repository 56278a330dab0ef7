"""A channel's secret (Mastodon token, webhook signature) never reaches this machine, its network,
a proxy from the environment or a plain-http server: calendar/channels.yml, which names where it
goes, is contributor-editable. Publishing, ``report collect`` and ``contest entries collect`` all
go through gazette.netsafe, like listening; ``gazette check`` tells the same earlier."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from test_contests import OPEN, contest  # noqa: F401 - the fixture
from test_http_targets import setup

NOW = "2026-12-01T13:00:00+01:00"
ESCAPE = "GAZETTE_TEST_ALLOW_LOOPBACK"
ANSWER = json.dumps({"id": "7", "descendants": [], "favourites_count": 1, "reblogs_count": 0,
                     "replies_count": 0}).encode()


@pytest.fixture
def recorder():
    """Local servers that record every request: a fake API, or the proxy the environment names."""
    started = []

    def start(status=200, headers=None):
        seen = []

        class Handler(BaseHTTPRequestHandler):
            def answer(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen.append((self.command, self.path, dict(self.headers), body))
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(ANSWER)))
                self.end_headers()
                self.wfile.write(ANSWER)

            do_GET = do_POST = do_CONNECT = answer  # noqa: N815 - the http.server API

            def log_message(self, *args):
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        started.append(httpd)
        return httpd.server_address[1], seen

    yield start
    for httpd in started:
        httpd.shutdown()


def in_a_process(root, *args, now=NOW):
    """The command as a user runs it: urllib reads proxy variables once, when a process starts."""
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "gazette", *args, "--repo", str(root), "--now", now],
                          env=dict(os.environ), capture_output=True, text=True, timeout=120)


def proxy_everything(monkeypatch, port):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{port}")
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)


def masto(repo, monkeypatch, instance):
    monkeypatch.setenv("GAZETTE_MASTODON_TOKEN", "s3cr3t-token")
    setup(repo, f"  masto: {{network: mastodon, target: mastodon, instance: \"{instance}\"}}\n")


# -- publish -------------------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_token_never_reaches_this_machine_without_the_tests_escape(repo, recorder, monkeypatch, scheme):
    monkeypatch.delenv(ESCAPE, raising=False)
    port, seen = recorder()
    masto(repo, monkeypatch, f"{scheme}://127.0.0.1:{port}")
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert seen == [], "the local server was asked"
    assert "1 sent" not in result.output
    if scheme == "https":
        assert "127.0.0.1 is an internal address" in result.output, result.output


def test_a_name_that_resolves_to_an_internal_address_is_refused_once(repo, recorder, monkeypatch):
    monkeypatch.delenv(ESCAPE, raising=False)
    port, seen = recorder()
    real = socket.getaddrinfo
    asked = []

    def resolve(host, *args, **kwargs):
        if host == "mastodon.example.org":
            asked.append(host)
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    masto(repo, monkeypatch, f"https://mastodon.example.org:{port}")
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 1 and seen == []
    assert "mastodon.example.org is an internal address (127.0.0.1)" in result.output, result.output
    assert len(asked) == 1  # refused, not retried: asking again is refused again


def test_proxies_from_the_environment_are_ignored(repo, recorder, monkeypatch):
    monkeypatch.setenv(ESCAPE, "1")
    proxy, through_proxy = recorder()
    port, seen = recorder()
    proxy_everything(monkeypatch, proxy)
    masto(repo, monkeypatch, f"http://127.0.0.1:{port}")
    result = in_a_process(repo.root, "publish")
    assert result.stdout.splitlines()[-1] == "1 sent", result.stdout + result.stderr
    assert through_proxy == [] and seen[0][2]["Authorization"] == "Bearer s3cr3t-token"


def test_the_token_goes_over_https_only(repo, recorder, monkeypatch):
    monkeypatch.setenv(ESCAPE, "1")  # loopback aside, plain http stays refused under the escape
    proxy, through_proxy = recorder()
    proxy_everything(monkeypatch, proxy)  # where a plain-http request would land here
    masto(repo, monkeypatch, "http://mastodon.example.org")
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 2 and through_proxy == []
    assert "'http://mastodon.example.org' is not https://" in result.output, result.output


def test_a_signed_webhook_goes_over_https_only(repo, recorder, monkeypatch):
    monkeypatch.setenv(ESCAPE, "1")
    proxy, through_proxy = recorder()
    proxy_everything(monkeypatch, proxy)
    monkeypatch.setenv("GAZETTE_WEBHOOK_SECRET", "s3cret")
    setup(repo, "  hook: {network: webhook, target: webhook, url: \"http://hooks.example.org/in\"}\n")
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 2 and through_proxy == []
    assert "is not https://" in result.output, result.output


def test_a_redirect_to_an_internal_address_is_not_followed(repo, recorder, monkeypatch):
    monkeypatch.setenv(ESCAPE, "1")  # loopback is allowed: 0.0.0.0 (this machine too) never is
    other, other_seen = recorder()
    port, seen = recorder(307, {"Location": f"http://0.0.0.0:{other}/in"})
    setup(repo, f"  hook: {{network: webhook, target: webhook, url: \"http://127.0.0.1:{port}/hook\"}}\n")
    result = repo.gazette("publish", now=NOW)
    assert result.exit_code == 1 and len(seen) == 1 and other_seen == []
    assert "0.0.0.0 is an internal address" in result.output, result.output


# -- contest entries collect, report collect -----------------------------------------------------

def contest_on(contest, monkeypatch, instance):  # noqa: F811 - the fixture's name
    contest.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n  site: {network: site}\n"
                  f"  mastodon: {{network: mastodon, instance: \"{instance}\"}}\n")
    path = contest.root / "content/contests/2026/jeu-test.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "rules: inline\n", "rules: inline\npublished:\n  mastodon: {at: 2026-10-06 12:30:00+02:00, id: \"4242\"}\n"),
        encoding="utf-8")
    contest.commit_all("published")
    monkeypatch.setenv("GAZETTE_MASTODON_TOKEN", "s3cr3t-token")
    return contest.gazette("contest", "entries", "jeu-test", "collect", "--channel", "mastodon", now=OPEN)


def test_contest_collect_never_sends_the_token_to_this_machine(contest, recorder, monkeypatch):  # noqa: F811
    monkeypatch.delenv(ESCAPE, raising=False)
    port, seen = recorder()
    result = contest_on(contest, monkeypatch, f"https://127.0.0.1:{port}")
    assert result.exit_code != 0 and seen == [] and "Traceback" not in result.output
    assert "127.0.0.1 is an internal address" in result.output, result.output


def test_contest_collect_sends_the_token_over_https_only_and_never_to_a_proxy(contest, recorder,  # noqa: F811
                                                                               monkeypatch):
    monkeypatch.setenv(ESCAPE, "1")
    proxy, through_proxy = recorder()
    proxy_everything(monkeypatch, proxy)
    result = contest_on(contest, monkeypatch, "http://mastodon.example.org")
    assert result.exit_code != 0 and through_proxy == []
    assert "is not https://" in result.output, result.output


def test_contest_collect_ignores_proxies(contest, recorder, monkeypatch):  # noqa: F811
    monkeypatch.setenv(ESCAPE, "1")
    proxy, through_proxy = recorder()
    port, seen = recorder()
    proxy_everything(monkeypatch, proxy)
    contest_on(contest, monkeypatch, "https://mastodon.invalid")  # refused: only to write the receipt
    contest.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n  site: {network: site}\n"
                  f"  mastodon: {{network: mastodon, instance: \"http://127.0.0.1:{port}\"}}\n")
    contest.commit_all("instance")
    result = in_a_process(contest.root, "contest", "entries", "jeu-test", "collect", "--channel", "mastodon", now=OPEN)
    assert result.returncode == 0, result.stdout + result.stderr
    assert through_proxy == [] and [(m, p) for m, p, _h, _b in seen] == [("GET", "/api/v1/statuses/4242/context")]


@pytest.mark.parametrize("instance, message", [
    ("https://127.0.0.1:{port}", "127.0.0.1 is an internal address"),
    ("http://mastodon.example.org", "is not https://"),
])
def test_report_collect_keeps_the_token_from_this_machine_proxies_and_plain_http(repo, recorder, monkeypatch,
                                                                                 instance, message):
    if "127.0.0.1" in instance:
        monkeypatch.delenv(ESCAPE, raising=False)
    else:
        monkeypatch.setenv(ESCAPE, "1")
    port, seen = recorder()
    proxy, through_proxy = recorder()
    proxy_everything(monkeypatch, proxy)
    monkeypatch.setenv("GAZETTE_MASTODON_TOKEN", "s3cr3t-token")
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n"
                                        f"  mastodon: {{network: mastodon, instance: \"{instance.format(port=port)}\"}}\n")
    repo.post("good", "title: good\ndate: 2026-11-03T12:30:00+01:00\nstatus: published\n"
                      "channels:\n  mastodon: {text: a}\npublished:\n"
                      "  mastodon: {at: 2026-11-03 12:30:04+01:00, id: \"101\"}\n")
    result = repo.gazette("report", "collect", "--channel", "mastodon", now=NOW)
    assert result.exit_code != 0 and seen == [] and through_proxy == []
    assert message in result.output, result.output


# -- gazette check -------------------------------------------------------------------------------

def test_check_flags_an_internal_or_plain_http_address_for_a_secret(repo, monkeypatch):
    monkeypatch.delenv(ESCAPE, raising=False)
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n"
               "  site: {network: site}\n"
               "  ok: {network: mastodon, instance: \"https://mastodon.social\"}\n"
               "  local: {network: mastodon, instance: \"https://127.0.0.1:18081\"}\n"
               "  clear: {network: mastodon, instance: \"http://mastodon.example.org\"}\n"
               "  hook:\n    network: webhook\n    url: \"https://%31%30.0.0.1/in\"\n"
               "  hookok: {network: webhook, url: \"https://hooks.example.org/in\"}\n"
               "  plainhook: {network: webhook, url: \"http://hooks.example.org/in\"}\n"
               "gazette:\n  severity:\n    security/channel-address: off\n")
    result = repo.gazette("check")
    found = [line for line in result.output.splitlines() if line.split(" ")[1:2] == ["security/channel-address"]]
    assert [line.split(" ")[0] for line in found] == [
        "calendar/channels.yml:5:", "calendar/channels.yml:6:", "calendar/channels.yml:9:",
        "calendar/channels.yml:11:"], result.output
    assert "127.0.0.1" in found[0] and "https://" in found[1] and "10.0.0.1" in found[2]
    assert result.exit_code == 1  # an error, and the severity override has no effect on it


def test_check_lets_the_tests_loopback_through_under_the_escape_only(repo, monkeypatch):
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n"
               "  local: {network: mastodon, instance: \"http://127.0.0.1:18081\"}\n")
    monkeypatch.setenv(ESCAPE, "1")
    assert "security/channel-address" not in repo.gazette("check").output
    monkeypatch.delenv(ESCAPE)
    assert "security/channel-address" in repo.gazette("check").output
