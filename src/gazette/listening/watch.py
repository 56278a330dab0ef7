"""One ``gazette watch`` run: lock, fetch every source, keep what names us, triage, store, purge, alert.

Read everything first, write after, per source: a source that fails is a
problem for that source, recorded in ``feed_state`` and retried next run.
"""

from __future__ import annotations

from collections import Counter, namedtuple
from datetime import datetime
from pathlib import Path

from ..i18n import _
from ..problems import Problem
from . import config, fetch, store
from .match import fold

# failed: sources that did not answer; config_errors: problems of calendar/listening.yml itself (exit 2,
# not 1: fixing them is the user's job, a feed that failed is retried next run).
WatchReport = namedtuple("WatchReport", "sources not_modified entries new problems purged alert failed config_errors",
                         defaults=(0, 0))
LOCK_NAME = "watch.lock"


class WatchBusy(Exception):
    """Another watch holds the lock (the message names it)."""


class WatchLock:
    """One watch at a time per state folder: a second one waits ``wait`` seconds, then gives up cleanly."""

    def __init__(self, folder: Path, wait: float = 0.0):
        self.path, self.wait, self.handle = Path(folder) / LOCK_NAME, wait, None

    def __enter__(self):
        import fcntl
        import os
        import time

        handle = open(self.path, "a+", encoding="utf-8")
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another gazette watch"
                    handle.close()
                    raise WatchBusy(_("{holder} is watching (lock {path})").format(holder=holder, path=self.path)) from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"gazette watch pid {os.getpid()}\n")
        handle.flush()
        self.handle = handle
        return self

    def __exit__(self, *exc):
        if self.handle:
            self.handle.close()


class Ingester:
    """Matching, triage and netiquette, built once per run."""

    def __init__(self, root: Path | None, settings: dict):
        from ..netiquette import Moderator, load_config
        from .match import Matcher
        from .triage import Classifier

        self.matcher = Matcher(settings)
        self.classifier = Classifier(settings.get("triage"))
        self.moderator = Moderator(load_config(root)[0])

    def mentions(self, entries, source: str, place: str | None, known: set[str] = frozenset()):
        """The entries that name the community or a competitor, as mentions."""
        for entry in entries:
            if entry.key in known:
                continue
            text = f"{entry.title}\n{entry.text}" if entry.title else entry.text
            folded = fold(text)
            brand, competitors = self.matcher.find(text, folded)
            if not brand and not competitors:
                continue
            flags = sorted({finding.code for finding in self.moderator.scan(text)}) if brand else []
            yield store.Mention(entry.key, entry.url, source, place, entry.author, entry.title, entry.text,
                                entry.at, bool(brand), brand + competitors, self.classifier.classify(text, folded),
                                flags)


def _problem(code: str, line, source: str, message: str, hint: str, path: str = config.LISTENING_FILE) -> Problem:
    from .buzz import one_line

    # the source is a URL from a contributor-editable file, the message may quote a server
    return Problem(code, path, line, one_line(f"{source}: {message}"), one_line(hint))


def watch(root: Path, now: datetime, wait: float = 0.0) -> WatchReport:
    """Raises WatchBusy when another watch runs; config problems are returned, sources still read."""
    from ..load import load_frame
    from ..publish import make_state_dir

    frame, _frame_problems = load_frame(root)
    settings, problems = config.load(root, lambda: frame.timezone)
    with WatchLock(make_state_dir(root), wait):
        connection = fast_connection(root)
        try:
            return _run(root, now, settings, problems, connection, frame)
        finally:
            connection.close()


def fast_connection(root: Path):
    """The state database with WAL's NORMAL sync: a power cut may lose the last mentions stored
    (the next watch fetches them again), never corrupt the file; an fsync per source would cost
    more than parsing the feeds."""
    from .. import state

    connection = state.connect(root)
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def _run(root, now, settings, problems, connection, frame=None) -> WatchReport:
    from . import buzz

    limits = fetch.Limits(settings)
    ingester = Ingester(root, settings)
    per_host: Counter = Counter()
    sources = not_modified = entries_seen = new = failed = 0
    # no keywords is only a warning for check, but a watch that keeps nothing is misconfigured
    config_errors = sum(p.severity == "error" or p.code == "listening/no-keywords" for p in problems)

    def allowed(url: str, line, path: str = config.LISTENING_FILE) -> bool:
        host = fetch.host_of(url)
        if per_host[host] >= limits.per_host:
            problems.append(_problem("listening/host-limit", line, url, _("more than {count} requests to {host} "
                                     "this run: skipped").format(count=limits.per_host, host=host),
                                     _("read next run; raise fetch.per_host if the site allows"), path))
            return False
        per_host[host] += 1
        return True

    def redirected(url: str) -> None:
        """A redirect is one more request to its host: it spends the same budget."""
        host = fetch.host_of(url)
        if per_host[host] >= limits.per_host:
            raise fetch.FetchProblem("listening/host-limit", _("more than {count} requests to {host} this run: "
                                     "redirect not followed").format(count=limits.per_host, host=host),
                                     _("read next run; raise fetch.per_host if the site allows"))
        per_host[host] += 1

    oldest = config.months_before(now, config.retention_months(settings))

    def keep(entries, source, place) -> int:
        entries = [e for e in entries if e.at >= oldest]  # older than the retention: purged anyway
        known = store.known_keys(connection, (e.key for e in entries))
        return store.add(connection, ingester.mentions(entries, source, place, known), now)

    for feed in config.feeds(root, settings, frame):
        if not allowed(feed.url, feed.line, feed.path):
            continue
        sources += 1
        previous = store.feed_state(connection, feed.url)
        try:
            result = fetch.fetch_feed(feed.url, previous, limits, now, redirected)
        except fetch.FetchProblem as failure:
            problems.append(_problem(failure.code, feed.line, feed.url, failure.message, failure.hint, feed.path))
            store.save_feed_state(connection, feed.url, now, error=failure.message)
            failed += 1
            continue
        not_modified += result.not_modified
        entries_seen += len(result.entries)
        new += keep(result.entries, feed.url, feed.place)
        store.save_feed_state(connection, feed.url, now, result.etag, result.modified)

    timelines = fetch.mastodon_timelines(settings)
    if timelines:
        line = settings.line("mastodon")
        try:
            token = fetch.mastodon_token(settings)
        except fetch.FetchProblem as failure:
            problems.append(_problem(failure.code, line, "mastodon", failure.message, failure.hint))
            timelines = []
        for label, url in timelines:
            if label.startswith("search:") and not token:
                problems.append(_problem("listening/mastodon", line, label, _("searching needs a token"),
                                         _("set GAZETTE_MASTODON_TOKEN (scope read:search)")))
                continue
            if not allowed(url, line):
                continue
            sources += 1
            previous = store.feed_state(connection, url)
            try:
                entries, newest = fetch.fetch_timeline(url, previous, limits, token, now, redirected)
            except fetch.FetchProblem as failure:
                problems.append(_problem(failure.code, line, label, failure.message, failure.hint))
                store.save_feed_state(connection, url, now, since_id=previous.get("since_id"), error=failure.message)
                failed += 1
                continue
            entries_seen += len(entries)
            new += keep(entries, f"mastodon:{label}", "mastodon")
            store.save_feed_state(connection, url, now, since_id=newest)

    purged = store.purge(connection, oldest)
    alert = buzz.check(connection, settings, now)
    return WatchReport(sources, not_modified, entries_seen, new, problems, purged, alert, failed, config_errors)
