"""Links to the community's own site lead to pages it will have built when the text goes out.

A channel text, a newsletter or a post may link ``site_url`` (from mkdocs.yml).
Such a link must name a page the site builds (an item public by then, a
page, an archive, a feed) or a file it copies, judged at the moment the text
goes out: the channel's ``at`` for a channel text, the item's date (or its
newsletter's send time, if earlier) for a body. A link to a post scheduled
earlier is fine; to a draft, a later post or a path the site never builds is
``ref/site-url``, with the right URL in the hint when one is close.

Channel texts may write ``{url}`` (the item's own page) and ``{site}`` (the
site's address): :func:`expand` turns them into URLs wherever a delivery text
is made, so nobody types a URL the site does not build.

The per-file part (which URLs, at what time) is a reference cached with the
item; whether each answers depends on other files, so it is judged on every run.
"""

from __future__ import annotations

import re
from datetime import datetime

from .lazypattern import lazy
from .i18n import _
from .problems import Problem
from .siteurls import GENERATED, SiteConfig, load_site_config, resolve_relative, site_config_of_run

CODE = "ref/site-url"
URL = lazy(r"https?://[^\s<>\"'`)\]]+|\{site\}[^\s<>\"'`)\]]*|\{url\}[^\s<>\"'`)\]]*", re.IGNORECASE)
TRAILING = ".,;:!?»"
# What a channel text may write in braces, and what :func:`expand` replaces: nothing else.
PLACEHOLDERS = ("{url}", "{site}")
PLACEHOLDER = lazy(r"\{[^{}\s]{0,40}\}")
# Statuses whose texts are still being written: their links are not judged yet.
UNFINISHED = ("idea", "draft", "cancelled")
# Folders the build writes from no source file (Gazette's archives, Material's assets, search).
GENERATED_FOLDERS = ("archives/", "assets/javascripts/", "assets/stylesheets/", "search/")


def expand(text: str, item, site: SiteConfig) -> str:
    """``{url}`` and ``{site}`` replaced: the text as people will read it. Without a
    site_url they stay as written (and ``ref/site-url`` says why)."""
    if "{" not in text or not site.site_url:
        return text
    return (text.replace("{url}", site.item_url(item)).replace("{site}/", site.site_url)
            .replace("{site}", site.site_url))


def expand_for(root, item, text: str) -> str:
    """:func:`expand` with the repository's mkdocs.yml: what publish and review call."""
    return expand(text, item, load_site_config(root)) if "{" in text else text


# -- what an item links (cached with the item) ---------------------------------

def site_references(item, frame) -> list[tuple]:
    """(CODE, URL as written, when it must answer, line) for every absolute or placeholder
    URL in the item's channel texts and body, and, in a newsletter, every relative link
    to another item (the e-mail turns it into that item's URL)."""
    meta = item.meta
    date = meta.get("date")
    if date is None or item.status in UNFINISHED or not isinstance(date, datetime):
        return []
    refs = []
    receipts = meta.get("published") if isinstance(meta.get("published"), dict) else {}
    channels = meta.get("channels") if isinstance(meta.get("channels"), dict) else {}
    sends = [date]
    for name, spec in channels.items():
        spec = spec if isinstance(spec, dict) else {}
        at = spec["at"] if isinstance(spec.get("at"), datetime) and spec["at"].tzinfo else date
        if isinstance(name, str) and (frame.channels.get(name) or {}).get("network") == "newsletter":
            sends.append(at)
        text = spec.get("text")
        if isinstance(text, str) and name not in receipts:  # what went out cannot be edited
            line = item.line_of("channels", name, "text")
            refs += [(CODE, url, at, line) for url in _urls(text)]
    body_when = min(sends)
    from .validate import _body_links, without_code

    body = without_code(item.body)
    if ":" in body and "://" in body:
        line, counted = item.body_line, 0
        for match in URL.finditer(body):
            if match.group().startswith("{"):
                continue  # Markdown does not expand placeholders
            line += body.count("\n", counted, match.start())
            counted = match.start()
            refs.append((CODE, match.group().rstrip(TRAILING), body_when, line))
    if item.kind != "newsletter":
        return refs  # on the site, a link to a hidden item is MkDocs' to report
    for is_image, _text, target, line in _body_links(item):  # the e-mail makes these absolute URLs
        if not is_image and ".md" in target and "://" not in target and not target.startswith(("#", "/")):
            refs.append((CODE, target, body_when, line))
    return refs


def _urls(text: str) -> list[str]:
    return [match.group().rstrip(TRAILING) for match in URL.finditer(text)]


# -- whether each answers (every run) ------------------------------------------

def check_site_references(path: str, refs, repo) -> list[Problem]:
    if not refs:
        return []
    site = site_config_of_run(repo.root, repo.frame)  # once per run, not a stat per linking item
    problems = []
    for _target, written, when, line in refs:
        problem = _judge(path, written, when, line, site, repo)
        if problem:
            problems.append(problem)
    return problems


def _judge(path: str, written: str, when: datetime, line, site: SiteConfig, repo) -> Problem | None:
    if written.startswith("{"):
        if not site.site_url:
            return Problem(CODE, path, line, _('{value}}} needs site_url, and mkdocs.yml has none')
                                                 .format(value=written.split('}')[0]),
                           _("set site_url: https://… in mkdocs.yml"))
        url = written.replace("{url}", site.url_of(path)).replace("{site}/", site.site_url) \
            .replace("{site}", site.site_url)
    elif "://" in written:
        url = written
        if not site.under_site(url):
            return None  # another site's page: not ours to judge
    else:  # a newsletter's relative link to another item: the e-mail makes it a site URL
        if not site.site_url:
            return None  # no site to link: the e-mail keeps it as written
        source = resolve_relative(path, written.split("#", 1)[0].split("?", 1)[0])
        if not repo.exists(source):
            return None  # ref/link says so
        return _visible(path, line, written, source, when, site, repo)
    site_path = site.site_path(url)
    if site_path in GENERATED or site_path.startswith(GENERATED_FOLDERS):
        return None
    for source in site.sources_for(site_path):
        if repo.exists(source):
            return _visible(path, line, written, source, when, site, repo)
    return Problem(CODE, path, line, _('{url} is no page or file of the site')
                                         .format(url=url), _suggest(url, site_path, path, site, repo))


def _visible(path, line, written, source, when, site, repo) -> Problem | None:
    """A page exists for ``source``: is it on the site by ``when``?"""
    from .load import kind_of
    from .visibility import is_public

    if not kind_of(source):
        return None  # a page (charte, index) or a copied file: always built
    state = _state(repo, source)
    if state is None:
        return None  # does not load: its own problems say so
    if is_public(state, when):
        return None
    shown = written if "://" in written or written.startswith("{") else site.url_of(source) or source
    if state.status not in ("approved", "published"):
        return Problem(CODE, path, line, _('{shown} links {source}, which is {status}: the site will not have it')
                                             .format(shown=shown, source=source, status=state.status),
                       _('approve {source} before this goes out, or remove the link').format(source=source))
    return Problem(CODE, path, line,
                   _('{shown} links {source}, which is on the site only from {date:%Y-%m-%d %H:%M}, after this goes '
                     'out ({when:%Y-%m-%d %H:%M})')
                       .format(shown=shown, source=source, date=state.date, when=when),
                   _('move this after {date:%Y-%m-%d %H:%M}, or link a page already published').format(date=state.date))


class _State:
    __slots__ = ("status", "date")

    def __init__(self, status, date):
        self.status, self.date = status, date


def _state(repo, source: str):
    """(status, date) of an item, from the publications gathered by the scan, else read once."""
    memo = getattr(repo, "_site_states", None)
    if memo is None:
        memo = repo._site_states = {}
        for pub in repo.publications or ():
            memo.setdefault(pub.path, _State(pub.status, pub.date))
        for item in repo.items:  # as reading the file gives: no date (it did not validate), no state
            memo[item.path] = _State(item.status, item.date) if item.date is not None else None
    if source not in memo:  # an item with no channel, or not scanned yet: read that one file
        from .load import load_item, read_text

        text, problem = read_text(repo.root, source)
        item = load_item(source, text, lambda: repo.frame.timezone)[0] if problem is None else None
        memo[source] = _State(item.status, item.date) if item is not None and item.date is not None else None
    return memo[source]


def _suggest(url: str, site_path: str, path: str, site: SiteConfig, repo) -> str:
    """The right URL when the last part of the path names an item or a page."""
    name = site_path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html").removesuffix(".md")
    if name:
        own = path.rsplit("/", 1)[-1].removesuffix(".md")
        by_name = getattr(repo, "_site_by_name", None)
        if by_name is None:  # one index per run: thousands of dead links stay linear
            by_name = repo._site_by_name = {}
            known_paths = [*repo.item_paths, *repo.pages]
            if not repo.listed_all:  # a partial check lists its selection only: the right page is elsewhere
                from .load import list_item_paths

                items, pages, _found = list_item_paths(repo.root)
                known_paths = [*items, *pages]
            for known in known_paths:
                by_name.setdefault(known.rsplit("/", 1)[-1][:-3], []).append(known)
        candidates = by_name.get(name) or []
        if candidates:
            right = site.url_of(candidates[0])
            if name == own and candidates[0] == path:
                return _("the site builds {right}: write {{url}} for this item's own page").format(right=right)
            return _("the site builds {right} (or write {{site}}{rest})").format(right=right, rest=right[len(site.site_url):])
    return _("link a page the site builds, e.g. {url}archives/").format(url=site.site_url)
