"""Watching the built site: ``gazette site check`` crawls ``site/`` and ``gazette site ping``
asks the deployed site which build it serves.

The crawl reads every HTML page the build wrote (never through a symbolic link), resolves its
links and images as a browser would, and reports what a member would hit: a link to no page, an
image that does not load, a page heavier than the budget with its images. With ``external``,
links to other sites are asked once each (HEAD, then GET when refused), one host at a time with
a pause between two requests to the same host, answers kept for a week in the cache folder.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from .i18n import _
from .netsafe import InternalAddress
from .problems import Problem

BUDGET = 500_000  # bytes: a page with its images and stylesheets, as the home's target
EXTERNAL_TTL = 7 * 24 * 3600
POLITE_DELAY = 1.0  # seconds between two requests to the same host
USER_AGENT = "gazette-site-check (+https://github.com/; link checker of a community site)"
VERSION_META = "gazette-build"
NOT_CHECKED = 0  # the status of a link to an internal address: never asked
# What a hostile server could send to a terminal or a CI log ("\n::error …" is a GitHub
# Actions workflow command): control characters and Unicode line breaks.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """``text`` with its control characters shown as spaces: one line, nothing a terminal runs."""
    return CONTROL.sub(" ", text)


@dataclass
class Reference:
    kind: str  # "link" or "image" or "asset"
    url: str
    line: int


@dataclass
class Page:
    path: str  # site-relative file
    refs: list[Reference] = field(default_factory=list)
    version: str | None = None


class _Reader(HTMLParser):
    def __init__(self, page: Page):
        super().__init__(convert_charrefs=True)
        self.page = page

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        line = self.getpos()[0]
        refs = self.page.refs
        if tag == "a" and attrs.get("href"):
            refs.append(Reference("link", attrs["href"], line))
        elif tag == "img":
            if attrs.get("src"):
                refs.append(Reference("image", attrs["src"], line))
            for candidate in (attrs.get("srcset") or "").split(","):
                if candidate.strip():
                    refs.append(Reference("image", candidate.split()[0], line))
        elif tag == "link" and attrs.get("href") and "stylesheet" in (attrs.get("rel") or ""):
            refs.append(Reference("asset", attrs["href"], line))
        elif tag == "script" and attrs.get("src"):
            refs.append(Reference("asset", attrs["src"], line))
        elif tag == "meta" and attrs.get("name") == VERSION_META:
            self.page.version = attrs.get("content") or ""


def read_page(site_dir: Path, path: str) -> Page:
    page = Page(path)
    reader = _Reader(page)
    reader.feed((site_dir / path).read_text(encoding="utf-8", errors="replace"))
    reader.close()
    return page


def html_pages(site_dir: Path) -> list[str]:
    pages = []
    for folder, dirs, files in os.walk(site_dir):  # os.walk does not follow symbolic links
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(folder, d)))
        for name in sorted(files):
            full = os.path.join(folder, name)
            if name.endswith(".html") and not os.path.islink(full):
                pages.append(os.path.relpath(full, site_dir).replace(os.sep, "/"))
    return pages


def _target(site_dir: Path, page_path: str, url: str, site_host: str) -> str | None:
    """The site-relative file ``url`` asks for, or None when it is not on this site."""
    parts = urlsplit(url)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None  # mailto:, tel:…
    if parts.netloc and parts.netloc != site_host:
        return None
    if not parts.path and not parts.netloc:
        return ""  # #fragment or ?query: this page
    base = "/" + page_path
    absolute = urljoin(base, unquote(parts.path)) if not parts.netloc else unquote(parts.path)
    path = posixpath.normpath(absolute).lstrip("/")
    if path in ("", "."):
        return "index.html"
    if absolute.endswith("/"):
        return path + "/index.html"
    if (site_dir / path).is_dir():
        return path + "/index.html"
    return path


def _exists(site_dir: Path, path: str) -> bool:
    current = site_dir
    for part in path.split("/"):
        current = current / part
        if current.is_symlink():  # the server may follow it; the check does not
            return False
    return current.is_file()


def check_site(site_dir: Path, *, site_url: str = "", budget: int = BUDGET, external: bool = False,
               cache: Path | None = None, fetch=None) -> tuple[list[Problem], int]:
    """(problems, pages read) for the built site in ``site_dir``."""
    site_dir = Path(site_dir)
    host = urlsplit(site_url).netloc
    problems: list[Problem] = []
    pages = html_pages(site_dir)
    outside: dict[str, list[tuple[str, int]]] = {}
    sizes: dict[str, int] = {}

    def size(path: str) -> int:
        if path not in sizes:
            try:
                sizes[path] = (site_dir / path).stat().st_size
            except OSError:
                sizes[path] = 0
        return sizes[path]

    for path in pages:
        page = read_page(site_dir, path)
        shown = f"site/{path}"
        weight, counted = size(path), {path}
        for ref in page.refs:
            target = _target(site_dir, path, ref.url, host)
            if target is None:
                if ref.kind == "link" and urlsplit(ref.url).scheme in ("http", "https"):
                    outside.setdefault(ref.url, []).append((shown, ref.line))
                continue
            if target == "":
                continue
            if not _exists(site_dir, target):
                if ref.kind == "image":
                    problems.append(Problem("site/missing-image", shown, ref.line,
                                            _("image {url} is not in the built site").format(url=printable(ref.url)),
                                            _("add the file next to the item, or fix the path")))
                else:
                    problems.append(Problem("site/broken-link", shown, ref.line,
                                            _("link to {url}: no such page in the built site").format(url=printable(ref.url)),
                                            _("fix the link, or check that the page is public at this date")))
                continue
            if ref.kind in ("image", "asset") and target not in counted:
                counted.add(target)
                weight += size(target)
        if weight > budget:
            problems.append(Problem("site/heavy-page", shown, 1,
                                    _("page weighs {kb} kB with its images, over the {budget} kB budget").format(
                                        kb=weight // 1000, budget=budget // 1000),
                                    _("use smaller images (the site makes WebP copies of cover images) or fewer")))
    if external and outside:
        problems += _external(outside, cache, fetch or _fetch_status)
    return problems, len(pages)


def _external(outside: dict[str, list[tuple[str, int]]], cache: Path | None, fetch) -> list[Problem]:
    known: dict[str, list] = {}
    if cache is not None:
        try:
            known = json.loads(cache.read_text())
        except (OSError, ValueError):
            known = {}
    now = time.time()
    last_asked: dict[str, float] = {}
    problems = []
    for url in sorted(outside):
        entry = known.get(url)
        if not (isinstance(entry, list) and len(entry) == 2 and now - entry[1] < EXTERNAL_TTL):
            host = urlsplit(url).netloc
            wait = last_asked.get(host, 0) + POLITE_DELAY - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            entry = [fetch(url), now]
            last_asked[host] = time.monotonic()
            known[url] = entry
        status = entry[0]
        if status == NOT_CHECKED:
            for shown, line in outside[url]:
                problems.append(Problem("site/unchecked-link", shown, line,
                                        _("external link {url}: not checked, its host is an internal address")
                                        .format(url=printable(url)),
                                        _("a public page should not link to a private address")))
        elif status is None or status >= 400:
            reason = _("no answer") if status is None else _("HTTP {status}").format(status=status)
            for shown, line in outside[url]:
                problems.append(Problem("site/dead-link", shown, line,
                                        _("external link {url}: {reason}").format(url=printable(url), reason=reason),
                                        _("update or remove the link; answers are cached for a week")))
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        temporary = cache.with_suffix(".tmp")
        temporary.write_text(json.dumps(known))
        os.replace(temporary, cache)
    return problems


def _request(url: str, method: str, timeout: float, public_only: bool = False):
    """One request, redirects not followed (a redirect is an answer); with ``public_only``
    every connection goes only to public addresses (InternalAddress otherwise: gazette.netsafe)."""
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # a redirect is an answer: the page is there
            return None

    if public_only:
        from .netsafe import opener as public_opener

        opener = public_opener(NoRedirect)
    else:
        opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})
    return opener.open(request, timeout=timeout)


def _fetch_status(url: str, timeout: float = 10.0, public_only: bool = True) -> int | None:
    """The HTTP status ``url`` answers (HEAD, then GET if HEAD is refused); None: no answer;
    NOT_CHECKED when its host is an internal address (``public_only=False`` only in tests,
    whose servers are on 127.0.0.1)."""
    import urllib.error

    for method in ("HEAD", "GET"):
        try:
            with _request(url, method, timeout, public_only) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            if 300 <= error.code < 400:
                return error.code
            if method == "HEAD" and error.code in (403, 405, 501):
                continue
            return error.code
        except urllib.error.URLError as error:
            return NOT_CHECKED if isinstance(error.reason, InternalAddress) else None
        except InternalAddress:
            return NOT_CHECKED
        except (OSError, ValueError):
            return None
    return None


@dataclass
class Ping:
    url: str
    status: int | None
    version: str | None
    problem: Problem | None


def ping(url: str, expected: str = "", timeout: float = 10.0) -> Ping:
    """Whether ``url`` answers with the build ``expected`` (its version meta tag)."""
    import urllib.error

    try:
        with _request(url, "GET", timeout) as answer:
            status = answer.status
            body = answer.read(2 * 1024 * 1024).decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        return Ping(url, error.code, None, Problem("site/unreachable", url, None,
                                                   _("the site answers HTTP {status}").format(status=error.code),
                                                   _("check the deployment and the URL")))
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = printable(str(getattr(error, "reason", error)))
        return Ping(url, None, None, Problem("site/unreachable", url, None,
                                             _("no answer: {reason}").format(reason=reason),
                                             _("check the deployment, DNS and the URL")))
    page = Page(url)
    reader = _Reader(page)
    reader.feed(body)
    if page.version is not None:
        page.version = printable(page.version)  # the server's text, printed on a terminal or in CI
    if page.version is None:
        return Ping(url, status, None, Problem("site/stale-build", url, None,
                                               _("the page has no {meta} meta tag").format(meta=VERSION_META),
                                               _("deploy a site built with the gazette plugin")))
    if expected and page.version != expected:
        return Ping(url, status, page.version, Problem(
            "site/stale-build", url, None,
            _("the site serves build {found}, expected {expected}").format(found=page.version or "?", expected=expected),
            _("the last deployment did not go out: look at the site workflow")))
    return Ping(url, status, page.version, None)
