"""Content quality rules run by ``gazette check``: netiquette, channel texts, security.

All are item rules: they read the item, the frame and the moderation lists
(part of the frame's digest), so their results are cached per file.
"""

from __future__ import annotations

from .lazypattern import lazy
from .i18n import _

import re
from bisect import bisect_right
from urllib.parse import urlsplit

from .i18n import N_, _
from .load import Item, Repo
from .netiquette import moderator_for
from .problems import Problem
from .sitelinks import PLACEHOLDER, PLACEHOLDERS
from .textcount import HASHTAG_LIMITS, LIMITS, count, hashtags
from .validate import cover_images, rule, without_code

NO_TEXT_NETWORKS = ("site", "newsletter", "webhook")
TRACKING = lazy(r"[?&](utm_[a-z]+|fbclid|gclid|mc_eid|mc_cid|igshid|_hsenc|_hsmi)=", re.IGNORECASE)
HTTP = lazy(r"(?<![\w/])http://[^\s)\"'<>]+", re.IGNORECASE)
# An admonition's opening marker (``!!! note "Titre"``): syntax, not shouting.
ADMONITION = lazy(r"^([ \t]*)!!!(?=[ \t]+[\w-])", re.MULTILINE)


def texts(item: Item) -> tuple:
    """(where, text, first line, is_markdown) for every text members may read."""
    global _last_texts
    last = _last_texts
    if last[0] is item:  # several rules read them in turn; the memo keeps the item alive, so
        return last[1]   # its id cannot be reused by another one
    found = tuple(_texts(item))
    _last_texts = (item, found)
    return found


_last_texts: tuple = (None, ())


def _texts(item: Item):
    meta = item.meta
    for key in ("title", "summary", "subject", "preheader"):
        if isinstance(meta.get(key), str):
            yield key, meta[key], item.line_of(key), False
    for name, spec in (meta.get("channels") or {}).items():
        if isinstance((spec or {}).get("text"), str):
            yield f"channels.{name}.text", spec["text"], item.line_of("channels", name, "text"), False
    yield "body", without_code(item.body), item.body_line, True


def _line(text: str, start: int, first_line: int | None) -> int | None:
    return None if first_line is None else first_line + text.count("\n", 0, start)


# Between an item's texts when they are scanned as one: a line break (no word or phrase
# runs across it) around a NUL (no run of capitals either).
SEPARATOR = "\n\x00\n"


@rule("netiquette")
def netiquette(item: Item, repo: Repo):
    moderator = moderator_for(repo.frame, repo.root)
    parts, starts, offset = [], [], 0
    for where, text, first, _key in texts(item):
        if where == "body" and "!" in text and "!!!" in text and _admonitions_on(repo):
            text = ADMONITION.sub(lambda m: m.group(1) + "   ", text)  # same length: lines and offsets hold
        parts.append((where, text, first))
        starts.append(offset)
        offset += len(text) + len(SEPARATOR)
    # One scan for the title, summary, channel texts and body: the scan's fixed cost is
    # paid once an item, not five times.
    for finding in moderator.scan(SEPARATOR.join(text for _where, text, _first in parts)):
        index = bisect_right(starts, finding.start) - 1
        where, text, first = parts[index]
        label = _(LABELS.get(finding.code, finding.code.split("/")[1].replace("-", " ")))
        why = f" ({finding.rule}: {finding.why})" if finding.why else ""  # which list or pattern
        yield Problem(finding.code, item.path, _line(text, finding.start - starts[index], first),
                      _('{label} in {where}: {text!r}').format(label=label, where=where, text=finding.text) + why,
                      _(HINTS[finding.code]), finding.severity)


def _admonitions_on(repo: Repo) -> bool:
    from .siteurls import load_site_config

    return any(name == "markdown.extensions.admonition" for name, _config in load_site_config(repo.root).extensions)


HINTS = {
    "netiquette/insult": N_("rephrase; to quote a moderated message, waive with allow: [{rule, reason}]"),
    "netiquette/discrimination": N_("remove it; see the netiquette"),
    "netiquette/porn": N_("remove it; see the netiquette"),
    "netiquette/personal-data": N_("public text must not carry a person's e-mail, phone, address or bank details: "
                                   "use the contact form (role mailboxes like contact@ are fine)"),
    "netiquette/shouting": N_("write in sentence case: capitals read as shouting"),
    "netiquette/exclamation": N_("one ! is enough"),
}
LABELS = {"netiquette/insult": N_("insult"), "netiquette/discrimination": N_("discrimination"),
          "netiquette/porn": N_("porn"), "netiquette/personal-data": N_("personal data"),
          "netiquette/shouting": N_("shouting"), "netiquette/exclamation": N_("exclamation")}


@rule("channel")
def channel_texts(item: Item, repo: Repo):
    for name, spec in (item.meta.get("channels") or {}).items():
        channel = repo.frame.channels.get(name)
        if channel is None:
            continue  # ref/channel says so
        network = channel.get("network")
        text = (spec or {}).get("text")
        line = item.line_of("channels", name, "text") if text is not None else item.line_of("channels", name)
        if network in NO_TEXT_NETWORKS:
            continue
        if not (text or "").strip():
            if item.status in ("review", "approved", "published"):  # drafts are work in progress
                yield Problem("channel/missing-text", item.path, line,
                              _('{name} has no text to post')
                                  .format(name=name), _('add channels.{name}.text').format(name=name))
            continue
        limit = channel.get("limit") or LIMITS.get(network)
        length = _delivered_length(repo, item, name, text, network) if limit else 0
        if limit and length > limit:
            yield Problem("channel/too-long", item.path, line,
                          _('{name} text is {length} characters as {network} counts them, over {limit}')
                              .format(name=name, length=length, network=network, limit=limit),
                          _('cut {value} characters').format(value=length - limit))
        tags = hashtags(text)
        most = HASHTAG_LIMITS.get(network)
        if most is not None and len(tags) > most:
            yield Problem("channel/hashtags", item.path, line,
                          _('{name} text has {tags} hashtags, more than {most} for {network}')
                              .format(name=name, tags=len(tags), most=most, network=network),
                          _("keep the few that people follow"))


# Networks that count every URL as 23 characters, whatever it holds: the tracking parameters
# delivery adds to a URL's query change no length there (tests/test_channel_length.py).
URL_COUNTED_AS_ONE = ("x", "mastodon")


def _delivered_length(repo: Repo, item: Item, name: str, text: str, network: str) -> int:
    """The length of the text as it goes out (placeholders expanded, site links tracked), as
    ``network`` counts it. Tracking every text of every item only to count it was most of the
    check's channel rules: where URLs count the same tracked or not, they are only expanded."""
    if network in URL_COUNTED_AS_ONE:
        if "{" in text:
            from .sitelinks import expand
            from .siteurls import site_config_of_run

            text = expand(text, item, site_config_of_run(repo.root, repo.frame))
        return count(text, network)
    from .sitelinks import expand
    from .siteurls import site_config_of_run
    from .tracking import delivered_text, parameters, tracked_growth

    # What tracking adds is counted, not written (the tracked text was most of this rule's cost).
    site = site_config_of_run(repo.root, repo.frame)
    if site.site_url:
        expanded = expand(text, item, site) if "{" in text else text
        growth = tracked_growth(expanded, parameters(item, name, repo.frame, repo.root), site)
        if growth is not None:
            return count(expanded, network) + growth
    return count(delivered_text(repo.root, repo.frame, item, name, text), network)


@rule("channel")
def placeholders_known(item: Item, repo: Repo):
    """Only {url} and {site} are replaced: {URL}, {lien} or {url.upper} would go out as written."""
    for name, spec in (item.meta.get("channels") or {}).items():
        text = spec.get("text") if isinstance(spec, dict) else None
        if not isinstance(text, str) or "{" not in text:
            continue
        first = item.line_of("channels", name, "text")
        for match in PLACEHOLDER.finditer(text):
            written = match.group()
            if written in PLACEHOLDERS:
                continue
            near = [known for known in PLACEHOLDERS if known[1:-1] in written.lower()]
            yield Problem("channel/placeholder", item.path, _line(text, match.start(), first),
                          _('unknown placeholder {written} in channels.{name}.text: it would be posted as written')
                              .format(written=written, name=name),
                          (_("did you mean {name}?").format(name=near[0]) + " " if near else "")
                          + _("the known ones are {{url}} (this item's page) and {{site}} (the site's address)")
                                .format())


# Networks that refuse a post without a picture: the image comes from the channel
# entry (channels.NAME.image) or, failing that, the item's cover.
IMAGE_FIRST = ("instagram", "tiktok", "pinterest")


@rule("channel")
def image_first_networks(item: Item, repo: Repo):
    if item.status == "cancelled" or item.meta.get("image"):
        return
    for name, spec in (item.meta.get("channels") or {}).items():
        network = (repo.frame.channels.get(name) or {}).get("network")
        if network in IMAGE_FIRST and not (spec or {}).get("image"):
            yield Problem("channel/image-required", item.path, item.line_of("channels", name),
                          _('{name} posts on {network}, which refuses a post without an image')
                              .format(name=name, network=network),
                          _('add image: {{src: photo.jpg, alt: …}} to the item or to channels.{name}')
                              .format(name=name),
                          # a draft is work in progress: said early, blocking once in review
                          "error" if item.status in ("review", "approved", "published") else "warning")


@rule("channel")
def link_hygiene(item: Item, repo: Repo):
    for where, text, first, _key in texts(item):
        # cheap: ":" at memchr speed, then http:, HTTP:, Http: (the regex ignores case)
        if ":" in text and ("ttp:" in text or "TTP:" in text):
            for match in HTTP.finditer(text):
                yield Problem("channel/http", item.path, _line(text, match.start(), first),
                              _('insecure link in {where}: {group}')
                                  .format(where=where, group=match.group()), _("use https://"))
        if "=" in text and "?" in text:
            for match in TRACKING.finditer(text):
                yield Problem("channel/tracking", item.path, _line(text, match.start(), first),
                              _('tracking parameter {value!r} in a link in {where}')
                                  .format(value=match.group(1), where=where),
                              _("remove it: members' clicks are not for sale"))


TAG = lazy(r"<\s*/?[a-zA-Z!]")
SCRIPT = lazy(r"<\s*script\b", re.IGNORECASE)
EVENT_HANDLER = lazy(r"<[a-z][^>]*?\s(on[a-z]+)\s*=", re.IGNORECASE)
JS_URL = lazy(r"(?:\]\(\s*<?|\b(?:href|src|action|formaction)\s*=\s*[\"']?)\s*(javascript|vbscript|data):",
                    re.IGNORECASE)
IFRAME = lazy(r"<\s*iframe\b[^>]*?\bsrc\s*=\s*[\"']?(?:https?:)?//([^/\s\"'>]+)|<\s*iframe\b",
                    re.IGNORECASE)
# pymdownx.snippets' marker; it works inside code blocks too (a preprocessor), so the whole body is read.
INCLUDE = lazy(r"^[ \t]*;*-+8<-+", re.MULTILINE)
DEFAULT_IFRAME_HOSTS = ("www.youtube-nocookie.com", "player.vimeo.com", "peertube.fr", "www.openstreetmap.org")


@rule("security")
def markup_in_fields(item: Item, repo: Repo):
    """Plain-text fields reach the page head, the navigation and the e-mail subject as
    they are (the theme does not escape them): a tag there is broken markup or an attack."""
    for key in ("title", "summary", "subject", "preheader"):
        value = item.meta.get(key)
        if isinstance(value, str) and "<" in value:
            match = TAG.search(value)
            if match:
                yield Problem("security/markup-in-field", item.path, item.line_of(key),
                              _('{key} contains an HTML tag: {value!r}')
                                  .format(key=key, value=value[match.start():match.start() + 20]),
                              _("write plain text; emphasis belongs in the body"))


@rule("schema")
def header_line_breaks(item: Item, repo: Repo):
    """The subject and preheader become mail headers (a newsletter's title stands in for a missing
    subject): a line break there would end the header, so the send refuses it; say so at check time."""
    from .linebreaks import LINE_BREAKS

    keys = ("title", "subject", "preheader") if item.kind == "newsletter" else ("subject", "preheader")
    for key in keys:
        value = item.meta.get(key)
        if isinstance(value, str) and any(mark in value for mark in LINE_BREAKS):
            trailing = value.rstrip("".join(LINE_BREAKS)) != value and not any(
                mark in value.rstrip("".join(LINE_BREAKS)) for mark in LINE_BREAKS)
            yield Problem("schema/line-break", item.path, item.line_of(key),
                          _('{key} contains a line break: it would end the e-mail header').format(key=key),
                          _("write {key} on one line").format(key=key) + (
                              _(" (a folded `>` block keeps a final newline: use `>-`)") if trailing else ""))


CONTROL_CHARACTER = lazy(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@rule("schema")
def control_characters(item: Item, repo: Repo):
    """A form feed or an escape in a title is invisible to the author; feeds and the calendar
    drop it when they are written (XML forbids it), so the text would differ: say so."""
    for where, text, first, is_body in texts(item):
        if not is_body and CONTROL_CHARACTER.search(text):
            character = CONTROL_CHARACTER.search(text).group()
            yield Problem("schema/control-character", item.path, first,
                          _('{where} contains a control character ({character!r}): feeds and calendars drop it')
                              .format(where=where, character=character),
                          _("retype the text; it often comes from a copy-paste out of a PDF or a terminal"))


REMOTE_IMAGE = lazy(r"!\[[^\]]*\]\(\s*<?((?:https?:)?//[^\s)>]+)"
                          r"|<img\b[^>]*?\bsrc\s*=\s*[\"']?((?:https?:)?//[^\s\"'>]+)", re.IGNORECASE)
IMAGE_REFERENCE = lazy(r"!\[([^\]]*)\](?:\[([^\]]*)\])?(?![(\[])")  # ![a][r], ![r][], ![r]
REMOTE_DEFINITION = lazy(r"^[ ]{0,3}\[([^\]]+)\]:\s*<?((?:https?:)?//\S+?)>?(?:\s|$)",
                               re.MULTILINE | re.IGNORECASE)


@rule("security")
def remote_images(item: Item, repo: Repo):
    """An image from another host is a request every reader's browser (and mail client) makes:
    the host learns who reads what, and when (a tracking pixel). Local images say nothing.
    What counts is the page: the body is rendered and sanitized as the site does it."""
    from .page_images import as_fetched, image_sources, is_remote, may_show_remote_image, needs_rendering

    if not may_show_remote_image(item.body):
        return
    from .siteurls import load_site_config
    site = load_site_config(repo.root)
    sources = None
    if needs_rendering(item.body):
        try:
            sources = image_sources(item.body, site)
        except Exception:  # noqa: BLE001 - a third-party extension failing: the written forms still count
            sources = None
    readable = without_code(item.body)
    own_host = urlsplit(site.site_url).hostname or ""
    if sources is None:
        found = [(start, url) for start, url in _written_remote_images(readable) if is_remote(url, own_host)]
    else:
        found = _where_written(readable, [src for src in sources if is_remote(src, own_host)],
                               _written_remote_images(readable))
    for start, url in sorted(found):
        yield Problem("security/remote-image", item.path, _line(readable, start, item.body_line),
                      _('an image from another site: {url}').format(url=as_fetched(url)[:60]),
                      _("put the image in content/assets/ and link to it: the other site would see every reader"))


@rule("security")
def cover_image_sources(item: Item, repo: Repo):
    """A cover image is a file next to the item: the site never shows a script URL or another
    site's picture there (construction), so tell the author why theirs does not appear."""
    from .page_images import as_fetched, is_remote

    for key, image, _channel in cover_images(item):
        src = image.get("src")
        if not isinstance(src, str) or (":" not in src and not src.lstrip().startswith(("//", "/\\"))):
            continue
        url = as_fetched(src)
        scheme = urlsplit(url).scheme.lower()
        line = item.line_of(*key, "src")
        if scheme in ("javascript", "vbscript", "data"):
            yield Problem("security/javascript-url", item.path, line,
                          _("a {scheme}: URL").format(scheme=scheme), _("link to an https:// page"))
        elif is_remote(src):
            yield Problem("security/remote-image", item.path, line,
                          _('an image from another site: {url}').format(url=url[:60]),
                          _("put the image in content/assets/ and link to it: the other site would see every reader"))


def _where_written(body: str, sources: list[str], written_forms) -> list[tuple[int, str]]:
    """Each rendered source with the offset in ``body`` of its image: where a plain form was
    written (a reference's image, not its definition), else the URL, the URL without its
    scheme (an entity-encoded "h"), its file name; else the body's start."""
    found, searched_from = [], {}
    plain: dict[str, list[int]] = {}
    for start, url in sorted(written_forms, reverse=True):
        plain.setdefault(url, []).append(start)
    for src in sources:
        if plain.get(src):
            found.append((plain[src].pop(), src))
            continue
        start = -1
        for written in (src, src.partition("//")[2], src.rstrip("/").rpartition("/")[2]):
            if written:
                start = body.find(written, searched_from.get(written, 0))
                if start >= 0:
                    searched_from[written] = start + 1  # the same image twice: the next one
                    break
        found.append((max(start, 0), src))
    return found


def _written_remote_images(body: str) -> list[tuple[int, str]]:
    found = [(m.start(), m.group(1) or m.group(2)) for m in REMOTE_IMAGE.finditer(body)]
    if "![" in body and "]:" in body:
        remote = {m.group(1).strip().lower(): (m.start(), m.group(2)) for m in REMOTE_DEFINITION.finditer(body)}
        for m in IMAGE_REFERENCE.finditer(body):
            label = (m.group(2) or m.group(1)).strip().lower()
            if label in remote:
                found.append((m.start(), remote[label][1]))
    return found


@rule("security")
def file_includes(item: Item, repo: Repo):
    """A snippet line asks the build to paste a repository file (.git/config, subscribers)
    into the page; the site and the e-mail never load that extension: tell the author now."""
    if "<" not in item.body or "8<" not in item.body:
        return
    for match in INCLUDE.finditer(item.body):
        yield Problem("security/include", item.path, _line(item.body, match.start(), item.body_line),
                      _("a --8<-- snippet line: the site never includes files into a page"),
                      _("paste the text itself, or link to the file"))


@rule("security")
def active_content(item: Item, repo: Repo):
    """Nothing a contributor writes may run script on members' browsers."""
    body = item.body
    if "<" not in body and ":" not in body:
        return
    body = without_code(body)
    allowed = set(DEFAULT_IFRAME_HOSTS) | set(moderator_for(repo.frame, repo.root).iframe_hosts)
    checks = (
        (SCRIPT, "security/script", lambda m: _("a <script> element"), N_("remove it; embeds go through an allowed iframe")),
        (EVENT_HANDLER, "security/event-handler", lambda m: _("an {attribute}= attribute").format(attribute=m.group(1)),
         N_("remove the attribute; no inline JavaScript")),
        (JS_URL, "security/javascript-url", lambda m: _("a {scheme}: URL").format(scheme=m.group(1)),
         N_("link to an https:// page")),
    )
    for pattern, code, what, hint in checks:
        for match in pattern.finditer(body):
            yield Problem(code, item.path, _line(body, match.start(), item.body_line),
                          _('{match} in body').format(match=what(match)), _(hint))
    for match in IFRAME.finditer(body):
        host = (match.group(1) or "").lower()
        if host not in allowed:
            yield Problem("security/iframe", item.path, _line(body, match.start(), item.body_line),
                          _('an iframe from {value}').format(value=host or _('an unknown source')),
                          _("allowed hosts: {hosts} (add more in calendar/moderation.yml)")
                          .format(hosts=", ".join(sorted(allowed))))
