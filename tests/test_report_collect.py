"""`gazette report collect --channel mastodon` against a small fake Mastodon API on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@pytest.fixture(autouse=True)
def loopback_servers(monkeypatch):
    """The fake servers listen on 127.0.0.1: the tests' escape of gazette.netsafe lets them be asked."""
    monkeypatch.setenv("GAZETTE_TEST_ALLOW_LOOPBACK", "1")

NOW = "2026-12-02T10:00:00+01:00"
STATUSES = {
    "101": {"id": "101", "favourites_count": 12, "reblogs_count": 3, "replies_count": 2},
    "102": {"id": "102", "favourites_count": "many", "reblogs_count": 0, "replies_count": 0},
}


class FakeMastodon(BaseHTTPRequestHandler):
    seen: list = []

    def do_GET(self):  # noqa: N802 - http.server's name
        FakeMastodon.seen.append((self.path, self.headers.get("Authorization")))
        status_id = self.path.rsplit("/", 1)[-1]
        if self.path == "/api/v1/statuses/103":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.2/steal")
            self.end_headers()
            return
        answer = STATUSES.get(status_id)
        body = json.dumps(answer).encode() if answer else b'{"error": "Record not found"}'
        self.send_response(200 if answer else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def instance():
    FakeMastodon.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeMastodon)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def receipted(repo, slug, status_id):
    repo.post(slug, f"title: {slug}\ndate: 2026-11-03T12:30:00+01:00\nstatus: published\ncampaign: automne-2026\n"
                    f"channels:\n  mastodon: {{text: a}}\npublished:\n"
                    f"  mastodon: {{at: 2026-11-03 12:30:04+01:00, id: \"{status_id}\"}}\n")


def test_counts_of_receipted_statuses_become_todays_rows(repo, instance, monkeypatch):
    monkeypatch.setenv("GAZETTE_MASTODON_TOKEN", "secret-token")
    repo.write("calendar/channels.yml", f"timezone: Europe/Paris\nchannels:\n"
                                        f"  mastodon: {{network: mastodon, instance: \"{instance}\"}}\n")
    receipted(repo, "good", "101")
    result = repo.gazette("report", "collect", "--channel", "mastodon", now=NOW)
    assert result.exit_code == 0, result.output
    lines = (repo.root / "metrics/mastodon.csv").read_text().splitlines()
    assert lines[1] == ("2026-12-02,mastodon,mastodon,101,,content/posts/2026/good.md,automne-2026,,,12,2,3,,,,")
    assert FakeMastodon.seen == [("/api/v1/statuses/101", "Bearer secret-token")]
    again = repo.gazette("report", "collect", "--channel", "mastodon", now=NOW)  # same day: same row
    assert again.exit_code == 0 and (repo.root / "metrics/mastodon.csv").read_text().splitlines() == lines


def test_bad_answers_deleted_statuses_and_redirects_are_reported_not_followed(repo, instance, monkeypatch):
    monkeypatch.setenv("GAZETTE_MASTODON_TOKEN", "secret-token")
    repo.write("calendar/channels.yml", f"timezone: Europe/Paris\nchannels:\n"
                                        f"  mastodon: {{network: mastodon, instance: \"{instance}\"}}\n")
    receipted(repo, "good", "101")
    receipted(repo, "bad-count", "102")
    receipted(repo, "deleted", "999")
    receipted(repo, "moved", "103")
    result = repo.gazette("report", "collect", "--channel", "mastodon", now=NOW)
    assert result.exit_code == 1
    assert "status 102: favourites_count is 'many', not a count" in result.output
    assert "status 999: HTTP 404" in result.output
    assert "status 103: HTTP 302" in result.output
    assert all(path.startswith("/api/v1/statuses/") for path, _ in FakeMastodon.seen)
    assert len((repo.root / "metrics/mastodon.csv").read_text().splitlines()) == 2


def test_a_channel_that_is_not_mastodon_or_without_token_is_a_usage_error(repo, monkeypatch):
    monkeypatch.delenv("GAZETTE_MASTODON_TOKEN", raising=False)
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n  site: {network: site}\n"
                                        "  mastodon: {network: mastodon, instance: \"http://127.0.0.1:9\"}\n")
    assert repo.gazette("report", "collect", "--channel", "site", now=NOW).exit_code == 2
    result = repo.gazette("report", "collect", "--channel", "mastodon", now=NOW)
    assert result.exit_code == 2 and "GAZETTE_MASTODON_TOKEN is not set" in result.output


def test_a_channel_without_instance_says_where_to_set_it(repo, monkeypatch):
    monkeypatch.setenv("GAZETTE_MASTODON_TOKEN", "secret-token")
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n  mastodon: {network: mastodon}\n")
    result = repo.gazette("report", "collect", "--channel", "mastodon", now=NOW)
    assert result.exit_code == 2
    assert "calendar/channels.yml" in result.output and "mastodon" in result.output
    assert "instance: https://" in result.output  # what to write, not only what is wrong


def test_one_status_read_is_counted_in_the_singular(repo, instance, monkeypatch):
    monkeypatch.setenv("GAZETTE_MASTODON_TOKEN", "secret-token")
    repo.write("calendar/channels.yml", f"timezone: Europe/Paris\nchannels:\n"
                                        f"  mastodon: {{network: mastodon, instance: \"{instance}\"}}\n")
    receipted(repo, "good", "101")
    result = repo.gazette("report", "collect", "--channel", "mastodon", "--dry-run", now=NOW)
    assert result.exit_code == 0, result.output
    assert "mastodon: 1 status read" in result.output
