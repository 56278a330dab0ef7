"""gazette watch against a local HTTP server: RSS and Atom with ETag and 304, broken, slow, huge,
HTML, redirects, a per-host limit, and a fake Mastodon API. What a community manager notices: the
queue fills once, a bad source is named with its line and the others are still read."""

from __future__ import annotations

import json
import sqlite3

import pytest

from listening_server import FeedServer, atom, rss

NOW = "2026-11-23T12:00:00+01:00"


def entry(n, text, author="alice", date="Mon, 23 Nov 2026 09:00:00 +0000"):
    return {"title": f"Billet {n}", "link": f"https://blog.example/{n}", "guid": f"urn:blog:{n}",
            "date": date, "author": author, "text": text}


def atom_entry(n, text, author="bob"):
    return {"title": f"Sujet {n}", "link": f"https://forum.example/t/{n}", "guid": f"urn:forum:{n}",
            "date": "2026-11-23T09:30:00Z", "author": author, "text": text}


LISTENING = """\
keywords:
  Fabrique à Vélos: [fabriqueavelos]
competitors:
  Vélo Express: [veloexpress]
fetch: {{timeout: 1, per_host: 20, max_bytes: 100000}}
feeds:
{feeds}
"""


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


@pytest.fixture(autouse=True)
def own_state(monkeypatch):
    monkeypatch.delenv("GAZETTE_STATE_DIR", raising=False)
    monkeypatch.delenv("GAZETTE_MASTODON_TOKEN", raising=False)
    # the test server is on 127.0.0.1, which a real watch never asks (test_an_internal_address_…)
    monkeypatch.setenv("GAZETTE_TEST_ALLOW_LOOPBACK", "1")


def configure(repo, server, paths, extra=""):
    feeds = "\n".join(f"  - {{url: \"{server.url(p) if p.startswith('/') else p}\", place: {name}}}"
                      for name, p in paths)
    repo.write("calendar/listening.yml", LISTENING.format(feeds=feeds) + extra)


def mentions(repo):
    result = repo.gazette("mentions", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["mentions"]


def test_watch_stores_mentions_once_and_asks_again_conditionally(repo, server):
    server.routes["/rss.xml"] = {"body": rss([
        entry(1, "Merci à la Fabrique à Vélos pour la réparation, génial !"),
        entry(2, "Un billet sur la pluie, sans rapport."),
        entry(3, "Pourquoi la FABRIQUE A VELOS est fermée le lundi ?", author="carole"),
    ]), "etag": '"v1"'}
    server.routes["/atom.xml"] = {"body": atom([atom_entry(1, "VeloExpress a encore livré en retard.")]),
                                  "modified": "Mon, 23 Nov 2026 10:00:00 GMT", "type": "application/atom+xml"}
    configure(repo, server, [("blog", "/rss.xml"), ("forum", "/atom.xml")])

    first = repo.gazette("watch")
    assert first.exit_code == 0, first.output
    assert "2 of 2 sources answered (0 unchanged), 4 entries, 3 new mentions" in first.output
    queue = mentions(repo)
    assert [(m["place"], m["class"], m["needs_answer"], m["author"]) for m in queue] == [
        ("blog", "question", True, "carole"), ("blog", "praise", False, "alice")]
    assert all(m["url"].startswith("https://blog.example/") for m in queue)  # the competitor one is not in the queue

    second = repo.gazette("watch")
    assert "2 of 2 sources answered (2 unchanged), 0 entries, 0 new mentions" in second.output
    assert server.headers["/rss.xml"]["If-None-Match"] == '"v1"'
    assert server.headers["/atom.xml"]["If-Modified-Since"] == "Mon, 23 Nov 2026 10:00:00 GMT"
    assert server.headers["/rss.xml"]["User-Agent"].startswith("Gazette/")

    # a changed feed repeating old entries adds only the new one
    server.routes["/rss.xml"] = {"body": rss([entry(1, "Merci à la Fabrique à Vélos"),
                                              entry(4, "fabriqueavelos : service nul, déçu")]), "etag": '"v2"'}
    third = repo.gazette("watch")
    assert "1 new mentions" in third.output
    assert len(mentions(repo)) == 3
    needs = json.loads(repo.gazette("mentions", "--needs-answer", "--format", "json").output)["mentions"]
    assert sorted(m["class"] for m in needs) == ["criticism", "question"]


def test_each_bad_source_is_a_problem_on_its_line_and_the_others_are_read(repo, server):
    good = {"body": rss([entry(1, "Bravo la Fabrique à Vélos")])}
    server.routes.update({
        "/good.xml": good,
        "/broken.xml": {"body": b"\x00\x01 this is not xml <<<"},
        "/page.html": {"body": b"<!DOCTYPE html><html><body>Fabrique</body></html>", "type": "text/html"},
        "/slow.xml": {"body": rss([entry(2, "Fabrique à Vélos")]), "delay": 2.5},
        "/huge.xml": {"body": b"<rss>" + b" " * 200_000 + b"</rss>"},
        "/huge-unannounced.xml": {"body": b"<rss>" + b" " * 200_000 + b"</rss>", "no_length": True},
        "/gone.xml": {"status": 410},
        "/away.xml": {"status": 302, "location": server.url("/good.xml", host="localhost")},
        "/moved.xml": {"status": 301, "location": "/good.xml"},
    })
    configure(repo, server, [("a", "/broken.xml"), ("b", "/page.html"), ("c", "/slow.xml"), ("d", "/huge.xml"),
                             ("e", "/huge-unannounced.xml"), ("f", "/gone.xml"), ("g", "/away.xml"),
                             ("h", "/moved.xml"), ("i", "/good.xml")])
    result = repo.gazette("watch")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    expected = {
        "calendar/listening.yml:7: listening/feed-broken": "/broken.xml",
        "calendar/listening.yml:8: listening/feed-not-xml": "/page.html",
        "calendar/listening.yml:9: listening/feed-timeout": "/slow.xml",
        "calendar/listening.yml:10: listening/feed-too-large": "/huge.xml",
        "calendar/listening.yml:11: listening/feed-too-large": "/huge-unannounced.xml",
        "calendar/listening.yml:12: listening/feed-http": "/gone.xml",
        "calendar/listening.yml:13: listening/feed-redirect": "/away.xml",
    }
    for start, path in expected.items():
        assert any(line.startswith(start) and path in line for line in lines), (start, result.output)
    # directly and through the same-host redirect; never through the redirect to "localhost"
    assert server.hits["/good.xml"] == 2
    assert [m["place"] for m in mentions(repo)] == ["h"]  # one entry, first read through the moved feed
    assert "Traceback" not in result.output


def test_a_failed_feed_is_retried_next_run(repo, server):
    server.routes["/flaky.xml"] = {"status": 503}
    configure(repo, server, [("blog", "/flaky.xml")])
    assert repo.gazette("watch").exit_code == 1
    server.routes["/flaky.xml"] = {"body": rss([entry(1, "La Fabrique à Vélos, au top")])}
    again = repo.gazette("watch")
    assert again.exit_code == 0 and "1 new mentions" in again.output


def test_at_most_n_requests_per_host_per_run(repo, server):
    for n in range(4):
        server.routes[f"/f{n}.xml"] = {"body": rss([entry(n, "Fabrique à Vélos")])}
    configure(repo, server, [(f"p{n}", f"/f{n}.xml") for n in range(4)])
    text = (repo.root / "calendar/listening.yml").read_text().replace("per_host: 20", "per_host: 2")
    repo.write("calendar/listening.yml", text)
    result = repo.gazette("watch")
    assert sum(server.hits.values()) == 2
    assert result.output.count("listening/host-limit") == 2


def test_mastodon_hashtag_and_search_timelines(repo, server, monkeypatch):
    server.statuses = [
        {"id": "12", "uri": "https://masto.example/users/dan/statuses/12", "url": "https://masto.example/@dan/12",
         "created_at": "2026-11-23T10:00:00.000Z", "account": {"acct": "dan@masto.example"},
         "content": "<p>Quand ouvre la <span>#FabriqueAVelos</span> samedi&nbsp;?</p>"},
        {"id": "11", "uri": "https://masto.example/users/eve/statuses/11", "url": "https://masto.example/@eve/11",
         "created_at": "2026-11-23T09:00:00.000Z", "account": {"acct": "eve"}, "content": "<p>Rien à voir.</p>"},
    ]
    configure(repo, server, [], extra=f"mastodon: {{instance: \"{server.url('')}\", hashtags: [fabriqueavelos], "
                                        f"search: [fabrique]}}\n")
    repo.write("calendar/listening.yml", (repo.root / "calendar/listening.yml").read_text().replace("feeds:\n\n", ""))
    no_token = repo.gazette("watch")
    assert "listening/mastodon" in no_token.output and "searching needs a token" in no_token.output
    assert [m["author"] for m in mentions(repo)] == ["dan@masto.example"]
    assert mentions(repo)[0]["class"] == "question"
    assert "Authorization" not in server.headers["/api/v1/timelines/tag/fabriqueavelos"]

    monkeypatch.setenv("GAZETTE_MASTODON_TOKEN", "sekret")
    with_token = repo.gazette("watch")
    assert with_token.exit_code == 0, with_token.output
    assert server.headers["/api/v2/search"]["Authorization"] == "Bearer sekret"
    assert len(mentions(repo)) == 1  # the same status through search is the same mention


def test_a_token_variable_outside_the_mastodon_namespace_is_refused(repo, server, monkeypatch):
    monkeypatch.setenv("GAZETTE_SMTP_PASSWORD", "do-not-send")
    configure(repo, server, [], extra=f"mastodon: {{instance: \"{server.url('')}\", token_env: GAZETTE_SMTP_PASSWORD,"
                                        " hashtags: [x]}\n")
    result = repo.gazette("watch")
    assert "listening/mastodon" in result.output
    assert not server.hits


def test_a_second_watch_exits_cleanly_while_one_runs(repo, server):
    from gazette.listening.watch import WatchLock
    from gazette.publish import make_state_dir

    configure(repo, server, [])
    with WatchLock(make_state_dir(repo.root)):
        busy = repo.gazette("watch")
    assert busy.exit_code == 75
    assert repo.gazette("watch").exit_code == 0


def test_retention_purges_old_mentions_and_skips_old_entries(repo, server):
    from datetime import datetime

    from gazette.listening import store
    from gazette.state import connect

    connection = connect(repo.root)
    store.add(connection, [store.Mention("urn:old", "https://ex.org/old", "s", None, "zoe", "", "Fabrique à Vélos",
                                         datetime.fromisoformat("2025-09-01T09:00:00+00:00"), True, [], "other", [])],
              datetime.fromisoformat("2025-09-01T10:00:00+00:00"))
    connection.close()
    server.routes["/rss.xml"] = {"body": rss([
        entry(1, "Fabrique à Vélos, souvenir", date="Mon, 01 Sep 2025 09:00:00 +0000"),
        entry(2, "Fabrique à Vélos, récent")])}
    configure(repo, server, [("blog", "/rss.xml")], extra="retention_months: 13\n")
    result = repo.gazette("watch")
    assert "2 entries, 1 new mentions, 1 old records purged" in result.output
    assert [m["text"] for m in mentions(repo)] == ["Fabrique à Vélos, récent"]


def test_a_mastodon_instance_must_be_http(repo, server):
    configure(repo, server, [], extra="mastodon: {instance: \"file:///etc\", hashtags: [passwd]}\n")
    result = repo.gazette("watch")
    assert "listening/feed-url" in result.output and "root:" not in result.output


def test_a_feed_dripping_bytes_meets_the_deadline(repo, server):
    import time

    server.routes["/drip.xml"] = {"body": rss([entry(1, "Fabrique à Vélos")]), "drip": 0.05}
    server.routes["/good.xml"] = {"body": rss([entry(2, "Bravo la Fabrique à Vélos")])}
    configure(repo, server, [("a", "/drip.xml"), ("b", "/good.xml")])
    start = time.monotonic()
    result = repo.gazette("watch")
    assert time.monotonic() - start < 4  # the drip alone would take ~20 s
    assert "calendar/listening.yml:7: listening/feed-timeout" in result.output
    assert "1 new mentions" in result.output


@pytest.mark.slow
def test_concurrent_watches_in_real_processes_and_a_kill_9(repo, server):
    """A second watch exits 75 (or waits with --wait); a watch killed with -9 mid-run leaves what
    it stored intact and the lock free."""
    import os
    import signal
    import subprocess
    import sys
    import time

    server.routes["/first.xml"] = {"body": rss([entry(1, "Merci la Fabrique à Vélos")])}
    server.routes["/slow.xml"] = {"body": rss([entry(2, "Fabrique à Vélos")]), "delay": 3}
    configure(repo, server, [("a", "/first.xml"), ("b", "/slow.xml")])
    text = (repo.root / "calendar/listening.yml").read_text().replace("timeout: 1,", "timeout: 10,")
    repo.write("calendar/listening.yml", text)
    env = {**os.environ, "GAZETTE_NOW": NOW}
    command = [sys.executable, "-m", "gazette.cli", "watch", "--repo", str(repo.root)]
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 15
    while server.hits.get("/slow.xml", 0) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
    assert second.returncode == 75, second.stdout + second.stderr
    assert "is watching" in second.stderr and "Traceback" not in second.stderr
    waiting = subprocess.Popen(command + ["--wait", "20"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    out, err = waiting.communicate(timeout=40)
    assert waiting.returncode == 0, out + err
    # the first feed's mention, stored by the killed run or this one, is there once; the database is whole
    assert sorted(m["place"] for m in mentions(repo)) == ["a", "b"]


def mastodon_only(repo, server, instance, extra=""):
    configure(repo, server, [], extra=f"mastodon: {{instance: \"{instance}\", hashtags: [fabriqueavelos]{extra}}}\n")
    repo.write("calendar/listening.yml", (repo.root / "calendar/listening.yml").read_text().replace("feeds:\n\n", ""))


def test_a_stranger_s_statuses_of_the_wrong_shape_stop_nothing(repo, server):
    server.statuses = [
        {"id": "7", "uri": ["not", "a", "string"], "content": "Fabrique à Vélos ?"},
        {"id": "6", "uri": "https://masto.example/s/6", "reblog": "oops", "content": {"html": "Fabrique"},
         "account": "z"},
        {"id": "5", "uri": "https://masto.example/s/5", "created_at": "2026-11-23T10:00:00",
         "content": "Fabrique à Vélos ?", "account": {"acct": "z"}},
        {"id": "4", "uri": "https://masto.example/s/4", "created_at": "0001-01-01T00:00:00+05:00",
         "content": "La Fabrique à Vélos, bravo", "account": {"acct": ["x"]}},
    ]
    server.routes["/rss.xml"] = {"body": rss([entry(1, "Merci à la Fabrique à Vélos")])}
    configure(repo, server, [("blog", "/rss.xml")],
              extra=f"mastodon: {{instance: \"{server.url('')}\", hashtags: [fabriqueavelos]}}\n")
    result = repo.gazette("watch")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    stored = {m["url"]: m for m in mentions(repo)}
    # the naive time is read as UTC; the status whose uri is a list is skipped; year 1 is "first seen"
    assert stored["https://masto.example/s/5"]["at"] == "2026-11-23T10:00:00+00:00"
    assert stored["https://masto.example/s/4"]["at"] == "2026-11-23T11:00:00+00:00" and stored[
        "https://masto.example/s/4"]["author"] == ""
    assert "https://blog.example/1" in stored  # the feed read before the timeline, and the rest of the run done
    assert len(stored) == 3


def test_the_token_never_follows_a_redirect_to_another_port(repo, server, monkeypatch):
    with FeedServer() as thief:
        thief.routes["/steal"] = {"body": b"[]", "type": "application/json"}
        server.routes["/inst/api/v1/timelines/tag/fabriqueavelos"] = {"status": 302, "location": thief.url("/steal")}
        monkeypatch.setenv("GAZETTE_MASTODON_TOKEN", "sekret")
        mastodon_only(repo, server, server.url("/inst"))
        result = repo.gazette("watch")
        assert "listening/feed-redirect" in result.output and "another origin" in result.output
        assert thief.hits.get("/steal") is None


def test_a_token_goes_over_https_only_unless_to_this_machine(repo, server, monkeypatch):
    monkeypatch.setenv("GAZETTE_MASTODON_TOKEN", "sekret")
    mastodon_only(repo, server, "http://masto.example")
    result = repo.gazette("watch")
    assert "listening/mastodon" in result.output and "https only" in result.output
    mastodon_only(repo, server, server.url(""))  # 127.0.0.1: allowed
    assert repo.gazette("watch").exit_code == 0
    assert server.headers["/api/v1/timelines/tag/fabriqueavelos"]["Authorization"] == "Bearer sekret"


def test_a_redirect_spends_the_per_host_budget(repo, server):
    server.routes["/old.xml"] = {"status": 301, "location": "/new.xml"}
    server.routes["/new.xml"] = {"body": rss([entry(1, "Fabrique à Vélos")])}
    server.routes["/other.xml"] = {"body": rss([entry(2, "Fabrique à Vélos")])}
    configure(repo, server, [("a", "/old.xml"), ("b", "/other.xml")])
    text = (repo.root / "calendar/listening.yml").read_text().replace("per_host: 20", "per_host: 2")
    repo.write("calendar/listening.yml", text)
    result = repo.gazette("watch")
    assert sum(server.hits.values()) == 2, server.hits
    assert "listening/host-limit" in result.output


def test_escape_sequences_from_a_server_never_reach_the_terminal(repo, server):
    server.routes["/evil.xml"] = {"status": 302, "location": "http://evil.example/\x1b]0;PWNED\x07\x1b[2J"}
    configure(repo, server, [("a", "/evil.xml")])
    result = repo.gazette("watch")
    assert "listening/feed-redirect" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output


def test_a_feed_changing_its_guids_every_fetch_is_still_one_mention_and_no_bad_buzz(repo, server):
    configure(repo, server, [("blog", "/rss.xml")], extra="bad_buzz: {threshold: 2, window_hours: 24}\n")
    links = ["https://blog.example/nul", "https://BLOG.example:443/nul", "https://blog.example/nul"]
    for run, link in enumerate(links):
        post = {**entry(1, "Fabrique à Vélos : service nul, déçu"), "guid": f"urn:random:{run}", "link": link}
        server.routes["/rss.xml"] = {"body": rss([post])}
        result = repo.gazette("watch")
        assert result.exit_code == 0 and "BAD BUZZ" not in result.output, result.output
    assert len(mentions(repo)) == 1


def test_watch_reads_the_feeds_of_the_registry_s_places(repo, server):
    server.routes["/place.xml"] = {"body": rss([entry(1, "Merci à la Fabrique à Vélos")])}
    server.routes["/gone.xml"] = {"status": 410}
    configure(repo, server, [])
    repo.write("community/places/velo-du-dimanche.yml",
               "name: Vélo du dimanche\nkind: blog\nurl: https://velo.example.org/\nfeeds:\n"
               f"  - {server.url('/place.xml')}\n  - {server.url('/gone.xml')}\n")
    result = repo.gazette("watch")
    assert "community/places/velo-du-dimanche.yml:6: listening/feed-http" in result.output, result.output
    assert [(m["place"], m["url"]) for m in mentions(repo)] == [("velo-du-dimanche", "https://blog.example/1")]


@pytest.mark.parametrize("settings", [
    "keywords: [fabrique\n",  # YAML syntax
    "keywords: [fabrique]\nretention_months: -1\n",
    "keywords: [fabrique]\nfeeds: [ftp://example.org/feed.xml]\n",
    "competitors: {Vélo Express: [veloexpress]}\n",  # no keywords
])
def test_a_configuration_error_is_exit_2_not_a_failed_source(repo, settings):
    repo.write("calendar/listening.yml", settings)
    result = repo.gazette("watch")
    assert result.exit_code == 2, result.output
    assert "calendar/listening.yml" in result.output


def test_watch_says_how_many_sources_answered(repo, server):
    server.routes["/gone.xml"] = {"status": 410}
    configure(repo, server, [("a", "/gone.xml"), ("b", "/gone.xml?2"), ("c", "/gone.xml?3")])
    result = repo.gazette("watch")
    assert result.exit_code == 1
    assert "0 of 3 sources answered" in result.output


# -- SSRF: the URLs are a contributor's; CI fetches them ----------------------------------

INTERNAL_URLS = ("http://127.0.0.1:{port}/rss.xml", "http://localhost:{port}/rss.xml", "http://[::1]:{port}/rss.xml",
                 "http://[::ffff:127.0.0.1]:{port}/rss.xml", "http://169.254.169.254/latest/meta-data/",
                 "http://10.0.0.1/feed", "http://192.168.1.1/feed", "http://0.0.0.0:{port}/rss.xml",
                 "http://2130706433:{port}/rss.xml", "http://[fe80::1]/feed", "http://224.0.0.1/feed")


def test_an_internal_address_written_in_listening_yml_is_a_check_problem_on_its_line(repo, server, monkeypatch):
    monkeypatch.delenv("GAZETTE_TEST_ALLOW_LOOPBACK")
    server.routes["/rss.xml"] = {"body": rss([entry(1, "Bravo la Fabrique à Vélos")])}
    urls = [u.format(port=server.port) for u in INTERNAL_URLS]
    configure(repo, server, [(f"p{i}", url) for i, url in enumerate(urls)],
              extra="mastodon: {instance: \"http://[::1]:%d\", hashtags: [velo]}\n" % server.port)
    result = repo.gazette("check")
    assert result.exit_code == 1
    for index, url in enumerate(urls):
        assert f"calendar/listening.yml:{7 + index}: listening/feed-address" in result.output, (url, result.output)
    assert f"calendar/listening.yml:{7 + len(urls)}: listening/feed-address" in result.output  # mastodon.instance
    watched = repo.gazette("watch")
    assert watched.exit_code == 2  # a configuration error, as a feed that is not http(s)
    assert server.hits == {}  # and none of them was asked


@pytest.fixture
def resolver(monkeypatch):
    """A DNS that answers what the test says for *.example names (the connection stays real)."""
    import socket

    real = socket.getaddrinfo
    answers: dict[str, list] = {}
    asked: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            asked.append(host)
            addresses = answers[host].pop(0) if isinstance(answers[host][0], list) else answers[host]
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                     (a, port, 0, 0) if ":" in a else (a, port)) for a in addresses]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers, asked


def test_a_name_resolving_to_an_internal_address_is_refused_at_fetch_time(repo, server, resolver, monkeypatch):
    monkeypatch.delenv("GAZETTE_TEST_ALLOW_LOOPBACK")
    answers, asked = resolver
    server.routes["/rss.xml"] = {"body": rss([entry(1, "Bravo la Fabrique à Vélos")])}
    answers["loop.example"] = ["127.0.0.1"]
    answers["mixed.example"] = ["93.184.216.34", "127.0.0.1"]  # one internal address among public ones is enough
    answers["v6.example"] = ["::1"]
    answers["mapped.example"] = ["::ffff:127.0.0.1"]
    configure(repo, server, [(name.split(".")[0], server.url("/rss.xml", host=name)) for name in answers])
    result = repo.gazette("watch")
    assert result.exit_code == 1, result.output
    for line, name in enumerate(answers, start=7):
        assert f"calendar/listening.yml:{line}: listening/feed-address {server.url('/rss.xml', host=name)}: " \
               f"not fetched: {name} is an internal address" in result.output, result.output
    assert server.hits == {} and sorted(set(asked)) == sorted(answers)
    assert "0 of 4 sources answered" in result.output


def test_every_redirect_is_checked_again(repo, server, resolver):
    """Same host, but its name now resolves to the cloud's metadata endpoint (DNS rebinding)."""
    answers, _asked = resolver
    answers["feeds.example"] = [["127.0.0.1"], ["169.254.169.254"]]
    server.routes["/old.xml"] = {"status": 301, "location": server.url("/new.xml", host="feeds.example")}
    server.routes["/new.xml"] = {"body": rss([entry(1, "Bravo la Fabrique à Vélos")])}
    configure(repo, server, [("blog", server.url("/old.xml", host="feeds.example"))])
    result = repo.gazette("watch")
    assert "calendar/listening.yml:7: listening/feed-address" in result.output, result.output
    assert "feeds.example is an internal address (169.254.169.254)" in result.output
    assert server.hits == {"/old.xml": 1}


def test_the_escape_for_tests_lets_loopback_through_and_nothing_else():
    from gazette.netsafe import is_internal, literal_internal

    for address in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        assert is_internal(address) and not is_internal(address, allow_loopback=True)
    for url in ("http://10.0.0.1/", "http://169.254.169.254/", "http://[fd00::1]/", "http://0.0.0.0/"):
        assert literal_internal(url, allow_loopback=True), url
    assert literal_internal("https://93.184.216.34/feed") is None
    assert literal_internal("https://blog.example/feed") is None  # a name: resolved and checked at fetch time


def test_watch_is_one_pass_and_no_flag_pretends_otherwise(repo, server):
    """--once did nothing (every run is one pass): it is no longer offered, and old cron lines still work."""
    from pathlib import Path

    assert "--once" not in repo.gazette("watch", "--help").output
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "gazette watch [--wait" in readme and "--once" not in readme
    server.routes["/rss.xml"] = {"body": rss([entry(1, "Bravo la Fabrique à Vélos")])}
    configure(repo, server, [("blog", "/rss.xml")])
    old_cron_line = repo.gazette("watch", "--once")
    assert old_cron_line.exit_code == 0 and "1 new mentions" in old_cron_line.output
    assert server.hits == {"/rss.xml": 1}  # one pass, then it returned


def test_a_place_s_feed_on_an_internal_address_is_refused_on_the_place_s_line(repo, server, monkeypatch):
    monkeypatch.delenv("GAZETTE_TEST_ALLOW_LOOPBACK")
    configure(repo, server, [])
    repo.write("community/places/intranet.yml", "name: Intranet\nkind: blog\nurl: https://intra.example.org/\nfeeds:\n"
               "  - http://169.254.169.254/latest/meta-data/\n"
               f"  - {server.url('/rss.xml', host='[::ffff:127.0.0.1]')}\n")
    result = repo.gazette("watch")
    assert "community/places/intranet.yml:5: listening/feed-address" in result.output, result.output
    assert "community/places/intranet.yml:6: listening/feed-address" in result.output, result.output
    assert server.hits == {}
