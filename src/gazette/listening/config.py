"""``calendar/listening.yml``: what to listen for, where, and when people are at work.

Read with the frame machinery (line numbers, schema problems with "did you
mean"); what the schema cannot say (a time of day, a feed URL) is checked
here as ``listening/*`` problems pointing at the line.
"""

from __future__ import annotations

import re
from collections import namedtuple
from datetime import time, timedelta
from pathlib import Path

from .. import model
from ..i18n import _
from ..lazypattern import lazy
from ..problems import Problem

LISTENING_FILE = "calendar/listening.yml"
DEFAULT_RETENTION_MONTHS = 13
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOUR = lazy(r"^([01]?\d|2[0-4]):([0-5]\d)$")

# path: the file that lists the feed, where its problems are reported (a place's file once the
# registry lists feeds).
Feed = namedtuple("Feed", "url place line path", defaults=(LISTENING_FILE,))

VARIANTS = model.ListOf(model.Text(nonempty=True))
MAX_RETENTION_MONTHS = 120


class Bounded(model.Integer):
    """A number with a ceiling too: a retention of 100000 months or a window of 10^12 hours is a
    typo, and past year 1 it would stop ``watch`` with a date out of range."""

    def __init__(self, minimum, maximum, whole: bool = True):
        super().__init__(minimum)
        self.maximum = maximum
        if not whole:
            self.json_type, self.python_types = model.Number.json_type, model.Number.python_types
            self.expected, self.example = model.Number.expected, model.Number.example

    def schema(self):
        return {**super().schema(), "maximum": self.maximum}

    def check(self, value, key, ctx):
        value = super().check(value, key, ctx)
        if value is not None and value > self.maximum:
            ctx.report("schema/range", key, _("{key} must be at most {maximum}").format(
                key=model.dotted(key), maximum=self.maximum), _("use {maximum} or less").format(maximum=self.maximum))
            return None
        return value


class Names(model.MapOf):
    """Names with their variants; a plain list (``[Fabrique, Atelier]``) is names without variants."""

    def check(self, value, key, ctx):
        if isinstance(value, list):
            names = model.ListOf(model.Text(nonempty=True)).check(value, key, ctx) or []
            return {name: [] for name in names}
        return super().check(value, key, ctx)


SCHEMA = model.Object({
    "keywords": model.Field(Names(VARIANTS), doc="brand names, each with its variants (spellings, handles)"),
    "products": model.Field(Names(VARIANTS), doc="product names, each with its variants"),
    "competitors": model.Field(Names(VARIANTS), doc="competitors for share of voice, each with variants"),
    "hashtags": model.Field(VARIANTS, doc="hashtags to follow (without #) on Mastodon and in texts"),
    "languages": model.Field(VARIANTS, doc="languages of the community, e.g. [fr, en]"),
    "business_hours": model.Field(model.Object({
        "days": model.Field(VARIANTS, doc="working days, e.g. [mon, tue, wed, thu, fri]"),
        "from": model.Field(model.Text(nonempty=True), doc="opening time, e.g. 09:00"),
        "to": model.Field(model.Text(nonempty=True), doc="closing time, e.g. 18:00"),
    }), doc="when answers are expected: response times count these hours only"),
    "bad_buzz": model.Field(model.Object({
        "window_hours": model.Field(Bounded(0, 24 * 366, whole=False), doc="the sliding window, in hours (default 2)"),
        "threshold": model.Field(model.Integer(minimum=1), doc="criticisms in the window that raise the alert (default 10)"),
        "baseline_days": model.Field(Bounded(0, 3660, whole=False), doc="the trailing baseline, in days (default 7)"),
        "factor": model.Field(model.Number(minimum=0), doc="how many times the usual rate the window must reach (default 3)"),
    }), doc="when criticism becomes a bad buzz"),
    "feeds": model.Field(model.ListOf(model.Loose(object, "a URL or {url, place}", "write - https://… or - {url: …, place: slug}")),
                         doc="RSS/Atom feeds to watch (until the registry of places lists them)"),
    "mastodon": model.Field(model.Object({
        "instance": model.Field(model.Text(nonempty=True), True, "https://your.instance"),
        "token_env": model.Field(model.Text(nonempty=True), doc="the variable holding the token (GAZETTE_MASTODON_…)"),
        "hashtags": model.Field(VARIANTS, doc="hashtag timelines to read (default: hashtags above)"),
        "search": model.Field(VARIANTS, doc="search queries (needs a token)"),
    }), doc="Mastodon timelines read through the API"),
    "fetch": model.Field(model.Object({
        "timeout": model.Field(model.Number(minimum=0), doc="seconds before a feed is given up (default 20)"),
        "per_host": model.Field(model.Integer(minimum=1), doc="requests per host per run (default 4)"),
        "max_bytes": model.Field(model.Integer(minimum=1), doc="largest response read (default 5 MiB)"),
    }), doc="how politely feeds are fetched"),
    "triage": model.Field(model.MapOf(VARIANTS), doc="extra words per class: question, criticism, praise"),
    "retention_months": model.Field(Bounded(1, MAX_RETENTION_MONTHS),
                                    doc="months mentions and moderated messages are kept (default 13, at most 120)"),
})


class Settings(dict):
    """The checked settings, with defaults filled in; ``lines`` maps keys to lines."""

    @property
    def lines(self) -> dict:
        return self.get("_lines", {})

    def line(self, *key) -> int | None:
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return None


def load(root: Path, tz=None) -> tuple[Settings, list[Problem]]:
    """The settings (empty when the file is absent) and their problems."""
    from ..load import _load_yaml_file

    problems: list[Problem] = []
    if not (Path(root) / LISTENING_FILE).exists():
        return Settings(), problems
    data = _load_yaml_file(Path(root), LISTENING_FILE, SCHEMA, tz, problems) or {}
    settings = Settings(data)
    problems += _check(settings)
    return settings, problems


def _problem(settings: Settings, code: str, key: tuple, message: str, hint: str = "") -> Problem:
    return Problem(code, LISTENING_FILE, settings.line(*key), message, hint)


def _check(settings: Settings) -> list[Problem]:
    found = []
    hours = settings.get("business_hours") or {}
    for end in ("from", "to"):
        if end in hours and not HOUR.match(hours[end]):
            found.append(_problem(settings, "listening/business-hours", ("business_hours", end),
                                  _("business_hours.{end} {value!r} is not a time of day").format(end=end, value=hours[end]),
                                  _("write e.g. 09:00")))
    for index, day in enumerate(hours.get("days", ())):
        if day.lower()[:3] not in DAYS:
            found.append(_problem(settings, "listening/business-hours", ("business_hours", "days", index),
                                  _("{day!r} is not a day").format(day=day), "mon, tue, wed, thu, fri, sat, sun"))
    if not found and "from" in hours and "to" in hours and opening(settings)[1] <= opening(settings)[0]:
        found.append(_problem(settings, "listening/business-hours", ("business_hours", "to"),
                              _("business hours close before they open"), _("write from: 09:00 and to: 18:00")))
    for index, entry in enumerate(settings.get("feeds", ())):
        url = entry.get("url") if isinstance(entry, dict) else entry
        if not isinstance(url, str) or not re.match(r"^https?://[^/\s]+", url):
            found.append(_problem(settings, "listening/feed-url", ("feeds", index),
                                  _("feed {value!r:.80} is not an http(s) URL").format(value=url),
                                  _("write - https://example.org/feed.xml or - {url: …, place: slug}")))
        elif internal_address(url):
            found.append(_address_problem(settings, ("feeds", index), url))
    instance = (settings.get("mastodon") or {}).get("instance")
    if isinstance(instance, str) and internal_address(instance):
        found.append(_address_problem(settings, ("mastodon", "instance"), instance))
    if "_lines" in settings and not (settings.get("keywords") or settings.get("products")):
        found.append(_problem(settings, "listening/no-keywords", ("keywords",),
                              _("no brand keywords: watch keeps nothing"),
                              _("add keywords: {\"Your brand\": [variant, @handle]}")))
    return found


def internal_address(url: str) -> str | None:
    """The internal address ``url`` names literally (127.0.0.1, [::1], 10.0.0.1, 169.254.169.254,
    localhost…), which is never fetched; names are resolved and refused at fetch time."""
    from ..netsafe import literal_internal

    return literal_internal(url)


def _address_problem(settings: Settings, key: tuple, url: str) -> Problem:
    return _problem(settings, "listening/feed-address", key,
                    _("{url!r:.80} names an internal address ({address}): never fetched").format(
                        url=url, address=internal_address(url)),
                    _("list a public https:// address; this machine and private networks are never asked"))


def opening(settings: Settings) -> tuple[time, time, frozenset[int]]:
    """(opens, closes, weekdays 0=Monday): 09:00-18:00 Monday to Friday unless configured."""
    hours = settings.get("business_hours") or {}

    def parse(text, default):
        match = HOUR.match(text or "")
        if not match:
            return default
        hour, minute = int(match.group(1)), int(match.group(2))
        return time.max if hour == 24 else time(hour, minute)

    days = frozenset(DAYS.index(d.lower()[:3]) for d in hours.get("days", ()) if d.lower()[:3] in DAYS)
    return parse(hours.get("from"), time(9)), parse(hours.get("to"), time(18)), days or frozenset(range(5))


def buzz_rule(settings: Settings) -> tuple[timedelta, int, timedelta, float]:
    """(window, threshold, baseline period, factor)."""
    rule = settings.get("bad_buzz") or {}
    return (timedelta(hours=rule.get("window_hours", 2)), rule.get("threshold", 10),
            timedelta(days=rule.get("baseline_days", 7)), float(rule.get("factor", 3)))


def retention_months(settings: Settings) -> int:
    return settings.get("retention_months", DEFAULT_RETENTION_MONTHS)


def configured_feeds(settings: Settings) -> list[Feed]:
    """The ``feeds:`` of listening.yml, the URLs checked (a bad one is a problem from :func:`load`)."""
    out = []
    for index, entry in enumerate(settings.get("feeds", ())):
        url, place = (entry.get("url"), entry.get("place")) if isinstance(entry, dict) else (entry, None)
        if isinstance(url, str) and re.match(r"^https?://[^/\s]+", url) and not internal_address(url):
            out.append(Feed(url.strip(), str(place) if place else None, settings.line("feeds", index)))
    return out


def feeds(root: Path, settings: Settings, frame=None) -> list[Feed]:
    """Every feed to watch: the registry's places first (``community/places/*.yml`` with ``feeds:``,
    each problem pointing at the place's file and line), then listening.yml's own list for feeds
    with no place. A URL listed twice is read once, as its first listing says."""
    from ..community.registry import place_feeds

    if frame is None:
        from ..load import load_frame

        frame = load_frame(Path(root))[0]
    seen, out = set(), []
    for feed in [Feed(*row) for row in place_feeds(Path(root), frame)] + configured_feeds(settings):
        if feed.url not in seen:
            seen.add(feed.url)
            out.append(feed)
    return out


def places(root: Path, settings: Settings, frame=None) -> set[str]:
    """Every place a mention can come from: the registry's places, listening.yml's feeds' places,
    and "mastodon" for its timelines."""
    from ..community.registry import load_registry

    if frame is None:
        from ..load import load_frame

        frame = load_frame(Path(root))[0]
    found = set(load_registry(Path(root), frame).places) | {f.place for f in configured_feeds(settings) if f.place}
    return found | ({"mastodon"} if settings.get("mastodon") else set())


def months_before(moment, months: int):
    """The same day ``months`` calendar months earlier (the 31st becomes the month's last day)."""
    import calendar

    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)
