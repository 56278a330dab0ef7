"""collect --channel mastodon against a small fake Mastodon API on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from test_contests import CONTEST, OPEN, contest  # noqa: F401 - the fixture


@pytest.fixture(autouse=True)
def loopback_servers(monkeypatch):
    """The fake servers listen on 127.0.0.1: the tests' escape of gazette.netsafe lets them be asked."""
    monkeypatch.setenv("GAZETTE_TEST_ALLOW_LOOPBACK", "1")


class FakeMastodon(BaseHTTPRequestHandler):
    thread: dict = {}
    status = 200
    seen: list = []

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).seen.append((self.path, self.headers.get("Authorization")))
        body = json.dumps(self.thread).encode() if self.status == 200 else b"oops"
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def reply(number, acct, name, at, parent="111"):
    return {"id": str(900 + number), "in_reply_to_id": parent, "created_at": at,
            "account": {"acct": acct, "display_name": name}, "content": f"<p>Ma photo n°{number} &amp; moi</p>"}


@pytest.fixture
def api(contest, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeMastodon)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FakeMastodon.seen, FakeMastodon.status = [], 200
    contest.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n  site: {network: site}\n"
                  f"  mastodon: {{network: mastodon, instance: \"http://127.0.0.1:{server.server_port}\"}}\n")
    path = contest.root / "content/contests/2026/jeu-test.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "rules: inline\n", "rules: inline\npublished:\n  mastodon: {at: 2026-10-06 12:30:00+02:00, id: \"111\"}\n"),
        encoding="utf-8")
    contest.commit_all("published")
    monkeypatch.setenv("GAZETTE_MASTODON_TOKEN", "secret-token")
    yield server
    server.shutdown()


def test_replies_become_entries_and_a_second_run_replaces_the_first(api, contest):
    assert CONTEST  # the contest fixture's front matter
    FakeMastodon.thread = {"ancestors": [], "descendants": [
        reply(1, "lea", "Léa Martin", "2026-10-07T08:00:00.000Z"),
        reply(2, "karim@autre.example", "Karim B", "2026-10-08T08:00:00.000Z"),
        reply(3, "lea", "Léa Martin", "2026-10-09T08:00:00.000Z"),            # the same person again
        reply(4, "tard", "Tard", "2026-10-25T08:00:00.000Z"),                 # after closing
        reply(5, "sous", "Sous-réponse", "2026-10-09T08:00:00.000Z", parent="901"),  # not a direct reply
        {"id": "x", "in_reply_to_id": "111"},                                  # no account: skipped
    ]}
    result = contest.gazette("contest", "entries", "jeu-test", "collect", "--channel", "mastodon", now=OPEN)
    assert result.exit_code == 0, result.output
    assert "4 replies read" in result.output and "4 entries, 2 eligible" in result.output
    assert FakeMastodon.seen == [("/api/v1/statuses/111/context", "Bearer secret-token")]
    listing = contest.gazette("contest", "entries", "jeu-test", "list", now=OPEN).output
    assert f"@lea@127.0.0.1" in listing and "@karim@autre.example" in listing
    FakeMastodon.thread["descendants"] = FakeMastodon.thread["descendants"][:2]
    again = contest.gazette("contest", "entries", "jeu-test", "collect", "--channel", "mastodon", now=OPEN)
    assert "2 entries, 2 eligible" in again.output  # a snapshot: nothing counted twice
    assert "entries: {count: 2, eligible: 2" in (contest.root / "content/contests/2026/jeu-test.md").read_text()


def test_an_api_error_is_a_message_not_a_traceback(api, contest):
    FakeMastodon.status = 500
    result = contest.gazette("contest", "entries", "jeu-test", "collect", "--channel", "mastodon", now=OPEN)
    assert result.exit_code == 2 and "HTTP 500" in result.output
    unknown = contest.gazette("contest", "entries", "jeu-test", "collect", "--channel", "site", now=OPEN)
    assert unknown.exit_code == 2 and "not a mastodon channel" in unknown.output
