"""gazette site check (a crawl of the built site) and gazette site ping (which build is served),
against a real build and a small HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from test_site import build

pytestmark = pytest.mark.slow
NOW = "2026-11-23T12:00:00+01:00"


@pytest.fixture
def server():
    """Serves what the test puts in ``routes`` (path -> (status, body)); counts requests
    (method, path, host asked, when)."""
    routes, asked = {}, []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, body: bool):
            asked.append((self.command, self.path, self.headers.get("Host"), time.monotonic()))
            status, text = routes.get(self.path, (404, "absent"))
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            if body:
                self.wfile.write(text.encode())

        def do_GET(self):
            self._answer(True)

        def do_HEAD(self):
            self._answer(False)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", routes, asked
    httpd.shutdown()


def test_the_sample_site_is_clean(sample):
    assert build(sample, NOW).returncode == 0
    result = sample.gazette("site", "check", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["problems"] == []


def test_broken_links_missing_images_and_heavy_pages_point_at_the_line(sample):
    assert build(sample, NOW).returncode == 0
    page = sample.root / "site/charte/index.html"
    html = page.read_text()
    marker = html.index("<h2")
    line = html[:marker].count("\n") + 1
    page.write_text(html[:marker] + '<a href="../pas-de-page/">x</a><img src="../absente.png" alt="x">' + html[marker:])
    (sample.root / "site/posts/2026/rentree-boutique.png").write_bytes(b"0" * 600_000)
    result = sample.gazette("site", "check")
    assert result.exit_code == 1
    assert f"site/charte/index.html:{line}: site/broken-link link to ../pas-de-page/" in result.output
    assert f"site/charte/index.html:{line}: site/missing-image image ../absente.png" in result.output
    assert "site/posts/2026/rentree-boutique/index.html:1: site/heavy-page" in result.output


def test_external_links_are_asked_once_and_cached(sample, server, monkeypatch):
    from gazette import sitecheck

    base, routes, asked = server
    real = sitecheck._fetch_status
    elsewhere = []  # the sample links to Mastodon and Instagram: tests never leave 127.0.0.1
    monkeypatch.setattr(sitecheck, "_fetch_status",
                        lambda url: real(url, public_only=False) if url.startswith(base) else elsewhere.append(url) or 200)
    routes["/vivant"] = (200, "ok")
    assert build(sample, NOW).returncode == 0
    page = sample.root / "site/netiquette/index.html"
    page.write_text(page.read_text().replace("</article>", f'<a href="{base}/vivant">a</a> <a href="{base}/mort">b</a>'
                                                           f' <a href="{base}/mort">c</a></article>', 1))
    result = sample.gazette("site", "check", "--external")
    assert result.exit_code == 0, result.output  # dead external links are warnings
    assert result.output.count(f"site/dead-link external link {base}/mort: HTTP 404") == 2
    assert f"{base}/vivant" not in result.output
    first = len(asked)
    assert first == 2  # HEAD /vivant, HEAD /mort: a 404 is an answer, no GET after it
    asked_elsewhere = len(elsewhere)
    again = sample.gazette("site", "check", "--external")
    assert again.output.count("site/dead-link") == 2 and len(asked) == first  # from the cache
    assert asked_elsewhere and len(elsewhere) == asked_elsewhere


def test_external_check_never_asks_an_internal_address(server):
    from gazette.sitecheck import NOT_CHECKED, _external, _fetch_status

    base, routes, asked = server
    routes["/admin/delete?all=1"] = (200, "deleted")
    port = base.rsplit(":", 1)[1]
    for url in (f"{base}/admin/delete?all=1", f"http://localhost:{port}/admin/delete?all=1",
                f"http://[::ffff:127.0.0.1]:{port}/", "http://169.254.169.254/latest/meta-data/",
                "http://10.0.0.1/", "http://224.0.0.1/"):
        assert _fetch_status(url, timeout=2) == NOT_CHECKED, url
    assert asked == []
    found = _external({f"{base}/admin/delete?all=1": [("site/index.html", 3)]}, None, _fetch_status)
    assert [(p.code, p.path, p.line) for p in found] == [("site/unchecked-link", "site/index.html", 3)]
    assert asked == []
    assert _fetch_status(f"{base}/admin/delete?all=1", public_only=False) == 200  # the server is there


def test_ping_prints_no_control_character_a_server_sends(server):
    from click.testing import CliRunner

    from gazette.cli import cli

    base, routes, _ = server
    routes["/"] = (200, '<meta name="gazette-build" content="abc&#10;::error file=x::pwned">')
    runner = CliRunner()
    for args in (["--expect", ""], ["--expect", "def456"]):
        result = runner.invoke(cli, ["site", "ping", base + "/", *args])
        assert not any(line.startswith("::") for line in result.output.splitlines()), result.output
        assert "abc ::error" in result.output
def test_external_links_wait_a_second_between_two_requests_to_the_same_host(tmp_path, server):
    from gazette.sitecheck import check_site

    base, routes, asked = server
    other = base.replace("127.0.0.1", "localhost")  # the same server under another host name
    for path in ("/un", "/deux", "/trois"):
        routes[path] = (200, "ok")
    (tmp_path / "index.html").write_text(f'<a href="{base}/un">1</a> <a href="{base}/deux">2</a> '
                                         f'<a href="{other}/trois">3</a>')
    from gazette.sitecheck import _fetch_status

    # The server is on this machine, which the real check never asks (test_external_check_never_asks…).
    problems, pages = check_site(tmp_path, external=True, fetch=lambda url: _fetch_status(url, public_only=False))
    assert problems == [] and pages == 1
    assert [(path, host.split(":")[0]) for _method, path, host, _when in asked] == [
        ("/deux", "127.0.0.1"), ("/un", "127.0.0.1"), ("/trois", "localhost")]
    moments = [when for *_rest, when in asked]
    assert moments[1] - moments[0] >= 0.99  # the same host: one request a second
    assert moments[2] - moments[1] < 0.5  # another host is not kept waiting


def test_ping_knows_the_build_it_expects(server):
    from click.testing import CliRunner

    from gazette.cli import cli

    base, routes, _ = server
    routes["/"] = (200, '<html><head><meta name="gazette-build" content="abc123"></head></html>')
    routes["/vieux/"] = (200, "<html><head><title>x</title></head></html>")
    runner = CliRunner()
    ok = runner.invoke(cli, ["site", "ping", base + "/", "--expect", "abc123"])
    assert ok.exit_code == 0 and "ok, build abc123" in ok.output
    stale = runner.invoke(cli, ["site", "ping", base + "/", "--expect", "def456"])
    assert stale.exit_code == 1 and "site/stale-build the site serves build abc123, expected def456" in stale.output
    untagged = runner.invoke(cli, ["site", "ping", base + "/vieux/", "--expect", ""])
    assert untagged.exit_code == 1 and "site/stale-build" in untagged.output
    missing = runner.invoke(cli, ["site", "ping", base + "/absent", "--expect", ""])
    assert missing.exit_code == 1 and "site/unreachable the site answers HTTP 404" in missing.output
    refused = runner.invoke(cli, ["site", "ping", "http://127.0.0.1:9/", "--format", "json"])
    assert refused.exit_code == 1 and json.loads(refused.output)["problem"]["code"] == "site/unreachable"


def test_a_built_page_carries_the_commit_it_was_built_from(sample):
    sample.git("init", "-q")
    sample.commit_all("sample")
    head = sample.git("rev-parse", "HEAD").strip()
    assert build(sample, NOW).returncode == 0
    assert f'<meta name="gazette-build" content="{head}">' in (sample.root / "site/index.html").read_text()
