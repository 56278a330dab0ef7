"""Fetching feeds and Mastodon timelines: politely, and never stopped by one bad source.

Every failure of a source (timeout, HTTP error, HTML where XML was expected, a
broken feed, a response over the size cap, a redirect to another host) is a
:class:`FetchProblem` for that source only; the caller reports it and goes on.
Conditional GET (ETag / Last-Modified) makes an unchanged feed cost one 304.
Redirects are followed only on the same host: a feed may move within its site,
but a redirect elsewhere could point the fetch anywhere. A request carrying the
Mastodon token follows a redirect only to the same origin (scheme, host and port).
Everything a server says (a Location, a reason) is one terminal line without
control characters before it reaches a problem message.
"""

from __future__ import annotations

import html
import http.client
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import namedtuple
from datetime import datetime, timezone

from .. import __version__ as VERSION
from ..i18n import _

USER_AGENT = f"Gazette/{VERSION} (community listening; one request per feed per run; +https://example.org/gazette)"
DEFAULT_TIMEOUT = 20.0
DEFAULT_PER_HOST = 4
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5

Response = namedtuple("Response", "status headers body url")
Entry = namedtuple("Entry", "key url author title text at")
FeedResult = namedtuple("FeedResult", "entries etag modified not_modified")

TAG = re.compile(r"<[^>]*>")
SPACES = re.compile(r"\s+")


class FetchProblem(Exception):
    def __init__(self, code: str, message: str, hint: str = ""):
        from .buzz import one_line

        message = one_line(message)  # may quote a server's Location or reason: no escape sequence reaches a terminal
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


class Limits:
    def __init__(self, settings: dict):
        fetch = settings.get("fetch") or {}
        self.timeout = float(fetch.get("timeout", DEFAULT_TIMEOUT))
        self.per_host = int(fetch.get("per_host", DEFAULT_PER_HOST))
        self.max_bytes = int(fetch.get("max_bytes", DEFAULT_MAX_BYTES))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # answered to :func:`get`, which decides


def host_of(url: str) -> str:
    return (urllib.parse.urlsplit(url).hostname or "").lower()


def origin_of(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in: what a token is bound to."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:  # "http://[bad": no origin, so nothing is ever sent there
        return "", "", None
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


def get(url: str, limits: Limits, headers: dict | None = None, on_redirect=None) -> Response:
    """GET with a deadline for the whole answer, a size cap and same-host redirects only.

    ``on_redirect(url)`` is called before each redirect is followed (the per-host budget
    counts it); it may raise :class:`FetchProblem` to stop there."""
    from .. import netsafe

    deadline = time.monotonic() + limits.timeout
    if urllib.parse.urlsplit(url).scheme not in ("http", "https") or not host_of(url):
        # urllib would read file:// and ftp:// too; the URL comes from a contributor-editable file
        raise FetchProblem("listening/feed-url", _("{url!r:.80} is not an http(s) URL").format(url=url),
                           _("write https://…"))
    # every hop connects only to public addresses, checked after resolution (netsafe): the URL,
    # and every Location a server answers, come from strangers
    opener = netsafe.opener(_NoRedirects)
    for _hop in range(MAX_REDIRECTS + 1):
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity",
                                                       **(headers or {})})
        try:
            answer = opener.open(request, timeout=max(0.1, deadline - time.monotonic()))
        except urllib.error.HTTPError as error:
            answer = error
        except netsafe.InternalAddress as refused:
            raise _internal(refused, url) from None
        except (socket.timeout, TimeoutError):
            raise FetchProblem("listening/feed-timeout", _("no answer within {seconds:g} s").format(
                seconds=limits.timeout), _("retried next run; raise fetch.timeout if the site is slow")) from None
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, netsafe.InternalAddress):
                raise _internal(reason, url) from None
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise FetchProblem("listening/feed-timeout", _("no answer within {seconds:g} s").format(
                    seconds=limits.timeout), _("retried next run")) from None
            raise FetchProblem("listening/feed-unreachable", _("cannot connect: {reason}").format(reason=reason),
                               _("retried next run; check the URL")) from None
        with answer:
            status = answer.status if hasattr(answer, "status") else answer.code
            if status in (301, 302, 303, 307, 308):
                target = urllib.parse.urljoin(url, answer.headers.get("Location", ""))
                scheme, new_scheme = urllib.parse.urlsplit(url).scheme, urllib.parse.urlsplit(target).scheme
                # same host only, and never from https down to http (a token would travel in clear);
                # with a token, the same origin only: another port on the host may be another service
                if host_of(target) != host_of(url) or new_scheme not in ("http", "https") or (
                        scheme == "https" and new_scheme == "http"):
                    raise FetchProblem("listening/feed-redirect",
                                       _("redirects to another host: {target}").format(target=target[:200]),
                                       _("if the feed really moved, write its new URL in the configuration"))
                if "Authorization" in (headers or {}) and origin_of(target) != origin_of(url):
                    raise FetchProblem("listening/feed-redirect", _(
                        "redirects to another origin (scheme, host or port), where the token is never sent: "
                        "{target}").format(target=target[:200]), _("write the instance's final URL in the configuration"))
                url = target
                if on_redirect is not None:
                    on_redirect(url)
                continue
            body = _read_capped(answer, limits, deadline)
            return Response(status, answer.headers, body, url)
    raise FetchProblem("listening/feed-redirect", _("more than {count} redirects").format(count=MAX_REDIRECTS),
                       _("write the feed's final URL in the configuration"))


def _internal(refused, url: str) -> FetchProblem:
    return FetchProblem("listening/feed-address", _("not fetched: {host} is an internal address ({address}), "
                                                    "asked for {url}").format(host=refused.host, address=refused.address,
                                                                               url=url[:200]),
                        _("a feed must be on the public internet; this machine and private networks are never asked"))


def _read_capped(answer, limits: Limits, deadline: float) -> bytes:
    length = answer.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > limits.max_bytes:
        raise FetchProblem("listening/feed-too-large", _("announces {size} bytes, more than the {cap} cap").format(
            size=length, cap=limits.max_bytes), _("a feed is a few hundred KiB; check the URL"))
    chunks, size = [], 0
    try:
        while True:
            if time.monotonic() > deadline:
                raise FetchProblem("listening/feed-timeout", _("answer not complete within {seconds:g} s").format(
                    seconds=limits.timeout), _("retried next run"))
            # read1: whatever has arrived, so a server dripping a byte at a time meets the deadline
            chunk = answer.read1(65536) if hasattr(answer, "read1") else answer.read(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > limits.max_bytes:
                raise FetchProblem("listening/feed-too-large", _("larger than the {cap} bytes cap").format(
                    cap=limits.max_bytes), _("a feed is a few hundred KiB; check the URL"))
            chunks.append(chunk)
    except (socket.timeout, TimeoutError):
        raise FetchProblem("listening/feed-timeout", _("answer not complete within {seconds:g} s").format(
            seconds=limits.timeout), _("retried next run")) from None
    except (OSError, http.client.HTTPException) as error:
        raise FetchProblem("listening/feed-unreachable", _("connection lost: {reason}").format(reason=error),
                           _("retried next run")) from None
    return b"".join(chunks)


def mention_key(url: str, guid: str = "") -> str:
    """What makes two entries one mention: the normalized URL when there is one (a feed that changes
    its GUIDs every fetch must not add the same post again, and a false bad buzz with it), else the GUID.
    Scheme and host are lowercased and the default port dropped; path, query and fragment are kept
    (a forum's replies differ by their #anchor)."""
    try:
        parts = urllib.parse.urlsplit((url or "").strip())
        hostname = parts.hostname
    except ValueError:  # "https://[bad/p": a stranger's URL is data, never a reason to stop the run
        return guid or (url or "").strip()
    if parts.scheme.lower() not in ("http", "https") or not hostname:
        return guid or (url or "").strip()
    scheme, host, port = origin_of(url.strip())
    default = {"http": 80, "https": 443}[scheme]
    netloc = host if port in (None, default) else f"{host}:{port}"
    if ":" in host:  # IPv6
        netloc = f"[{host}]" if port in (None, default) else f"[{host}]:{port}"
    return urllib.parse.urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment))


def plain_text(markup: str) -> str:
    """Text of an HTML fragment, for matching and showing: tags dropped, entities read."""
    return SPACES.sub(" ", html.unescape(TAG.sub(" ", markup or ""))).strip()


def _moment(parsed, fallback: datetime) -> datetime:
    if parsed:
        try:
            return datetime(*parsed[:6], tzinfo=timezone.utc)
        except (TypeError, ValueError):
            pass
    return fallback


def parse_feed(body: bytes, now: datetime) -> list[Entry]:
    """Entries of an RSS or Atom document; FetchProblem when it is HTML or not a feed at all."""
    import feedparser

    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise FetchProblem("listening/feed-not-xml", _("an HTML page, not an RSS or Atom feed"),
                           _("use the feed's own URL (often /feed, /rss.xml or /atom.xml)"))
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    if parsed.bozo and not parsed.entries:
        raise FetchProblem("listening/feed-broken", _("not a readable feed: {error}").format(
            error=str(parsed.get("bozo_exception", "?"))[:200]), _("retried next run; tell the site if it lasts"))
    return entries_of(parsed, now)


def entries_of(parsed, now: datetime) -> list[Entry]:
    out = []
    for entry in parsed.entries:
        url = entry.get("link") or ""
        key = mention_key(url, entry.get("id") or "")
        title = plain_text(entry.get("title", ""))
        summary = plain_text(entry.get("summary", ""))
        if not key:
            key = "text:" + (title + summary)[:200]
        out.append(Entry(key, url, entry.get("author", "") or "", title, summary,
                         _moment(entry.get("published_parsed") or entry.get("updated_parsed"), now)))
    return out


def fetch_feed(url: str, state: dict, limits: Limits, now: datetime, on_redirect=None) -> FeedResult:
    headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1"}
    if state.get("etag"):
        headers["If-None-Match"] = state["etag"]
    if state.get("modified"):
        headers["If-Modified-Since"] = state["modified"]
    response = get(url, limits, headers, on_redirect)
    if response.status == 304:
        return FeedResult([], state.get("etag"), state.get("modified"), True)
    if response.status >= 400 or response.status < 200:
        raise FetchProblem("listening/feed-http", _("answered HTTP {status}").format(status=response.status),
                           _("retried next run; 404 or 410 means the feed moved or closed"))
    entries = parse_feed(response.body, now)
    return FeedResult(entries, response.headers.get("ETag"), response.headers.get("Last-Modified"), False)


# -- Mastodon ------------------------------------------------------------------------

def _text(value) -> str:
    """A JSON string field, or "" when the server sent anything else (a number, a list, null)."""
    return value.strip() if isinstance(value, str) else str(value) if isinstance(value, int) and not isinstance(
        value, bool) else ""


def _status_time(value, now: datetime) -> datetime:
    """A status's created_at, aware and in UTC; ``now`` when absent, unreadable or out of range."""
    if not isinstance(value, str):
        return now
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)  # year 1 with a positive offset overflows here, not later
    except (ValueError, OverflowError):
        return now


def mastodon_token(settings: dict) -> str | None:
    """The token from the variable listening.yml names, only ever a GAZETTE_MASTODON_… one:
    the file is contributor-editable, and naming another secret would send it to any instance.
    It travels over https only (or to this machine, which only tests reach: gazette.netsafe refuses
    loopback unless GAZETTE_TEST_ALLOW_LOOPBACK=1)."""
    import os

    variable = (settings.get("mastodon") or {}).get("token_env") or "GAZETTE_MASTODON_TOKEN"
    if not variable.startswith("GAZETTE_MASTODON_"):
        raise FetchProblem("listening/mastodon", _("token_env {name!r} is not a GAZETTE_MASTODON_… variable").format(
            name=variable), _("name a variable that starts with GAZETTE_MASTODON_"))
    token = os.environ.get(variable) or None
    instance = str((settings.get("mastodon") or {}).get("instance") or "")
    from .. import netsafe

    if token and not netsafe.cleartext_allowed(instance):
        raise FetchProblem("listening/mastodon", _("the token is sent over https only, and {instance!r:.80} is not "
                                                   "https (nor a loopback address)").format(instance=instance),
                           _("write mastodon.instance as https://…"))
    return token


def mastodon_timelines(settings: dict) -> list[tuple[str, str]]:
    """[(label, URL)] of the hashtag timelines and searches to read."""
    config = settings.get("mastodon") or {}
    instance = (config.get("instance") or "").rstrip("/")
    if not instance:
        return []
    out = []
    for tag in config.get("hashtags") or settings.get("hashtags") or ():
        tag = tag.lstrip("#")
        out.append((f"#{tag}", f"{instance}/api/v1/timelines/tag/{urllib.parse.quote(tag)}?limit=40"))
    for query in config.get("search") or ():
        out.append((f"search:{query}", f"{instance}/api/v2/search?type=statuses&limit=40&q="
                    + urllib.parse.quote(query)))
    return out


def fetch_timeline(url: str, state: dict, limits: Limits, token: str | None, now: datetime,
                   on_redirect=None) -> tuple[list[Entry], str | None]:
    """(entries, newest status id) of a hashtag timeline or a search.

    The answer is a stranger's JSON: a field of the wrong type is read as absent (a status
    without a usable uri is skipped), a time without zone is UTC (Mastodon's own are)."""
    import json

    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if state.get("since_id"):
        url += "&since_id=" + urllib.parse.quote(state["since_id"])
    response = get(url, limits, headers, on_redirect)
    if response.status in (401, 403):
        raise FetchProblem("listening/mastodon", _("the instance refused the token (HTTP {status})").format(
            status=response.status), _("set GAZETTE_MASTODON_TOKEN to a token with read:search"))
    if not 200 <= response.status < 300:
        raise FetchProblem("listening/feed-http", _("answered HTTP {status}").format(status=response.status),
                           _("retried next run"))
    try:
        data = json.loads(response.body)
    except ValueError:
        raise FetchProblem("listening/mastodon", _("the answer is not JSON"), _("check mastodon.instance")) from None
    statuses = data.get("statuses") if isinstance(data, dict) else data
    if not isinstance(statuses, list):
        raise FetchProblem("listening/mastodon", _("the answer is not a list of statuses"), _("check mastodon.instance"))
    entries, newest = [], state.get("since_id")
    for status in statuses:
        if not isinstance(status, dict):
            continue
        sid = _text(status.get("id"))
        if isinstance(status.get("reblog"), dict):
            status = status["reblog"]
        key = mention_key(_text(status.get("uri")) or _text(status.get("url")))
        if not key:
            continue
        account = status.get("account") if isinstance(status.get("account"), dict) else {}
        entries.append(Entry(key, _text(status.get("url")) or key, _text(account.get("acct")), "",
                             plain_text(_text(status.get("content"))), _status_time(status.get("created_at"), now)))
        if sid.isdigit() and (newest is None or not str(newest).isdigit() or int(sid) > int(newest)):
            newest = sid
    return entries, newest
