"""Stage 2: rules over the loaded repository, each a small function.

A rule is ``rule(item, repo) -> Iterable[Problem]`` registered with
:func:`rule`; repository-wide rules take only the repo. Load and schema
problems come from :mod:`gazette.load`; :func:`check` gathers everything,
applies the repository's severity overrides and sorts by file and line.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable

from .lazypattern import lazy
from .i18n import _
from .load import CHANNELS_FILE, FOLDER_OF_KIND, Item, Repo
from .problems import Problem, apply_severity, is_locked

ItemRule = Callable[[Item, Repo], Iterable[Problem]]
RepoRule = Callable[[Repo, set | None], Iterable[Problem]]
ITEM_RULES: dict[str, list[ItemRule]] = defaultdict(list)
REPO_RULES: dict[str, list[RepoRule]] = defaultdict(list)

# A file an item points at: (code if missing, target as written, repo-relative path, line).
Reference = tuple[str, str, str, int | None]


def rule(family: str, scope: str = "item"):
    """Register a rule. Item rules may read only the item and the frame, never
    the clock or other files: their results are cached per file. What depends
    on other files is a Reference (checked on every run) or a repo rule."""
    def register(function):
        (ITEM_RULES if scope == "item" else REPO_RULES)[family].append(function)
        return function
    return register


def check_item(item: Item, repo: Repo) -> tuple[list[Problem], list[Reference]]:
    """What can be known from one item and the frame: its problems and the files it needs."""
    problems, _refs = item_report(item, repo)
    return problems, references(item) + site_references(item, repo.frame) + _declared_slug(item)


def _declared_slug(item: Item) -> list[Reference]:
    """A ``slug:`` gives the item the URL of that name: it may clash with another file's (last)."""
    slug = item.meta.get("slug")
    return [("ref/slug", slug, "", item.line_of("slug"))] if isinstance(slug, str) and slug else []


def item_report(item: Item, repo: Repo) -> tuple[list[Problem], list[tuple[Problem, str]]]:
    """The item's problems, and those its ``allow:`` waives with their reasons."""
    problems = [p for rules in ITEM_RULES.values() for item_rule in rules for p in item_rule(item, repo)]

    allowed = [w for w in item.meta.get("allow") or () if w.get("rule") and w.get("reason")]
    # A security rule is never waived: the waiver itself is reported, the problem stays.
    problems += [Problem("security/override", item.path, item.line_of("allow", index),
                         _('allow: names {w!r}: security rules cannot be waived').format(w=w['rule']),
                         _("remove the unsafe markup; the site removes it anyway"))
                 for index, w in enumerate(item.meta.get("allow") or ()) if w in allowed and is_locked(w["rule"])]
    waivers = {w["rule"]: w["reason"] for w in allowed if not is_locked(w["rule"])}
    if not waivers:
        return problems, []
    kept, waived = [], []
    for problem in problems:
        reason = waivers.get(problem.code) or waivers.get(problem.code.split("/")[0])
        if reason:
            waived.append((problem, reason))
        else:
            kept.append(problem)
    return kept, waived


def check_references(path: str, refs: list[Reference], repo: Repo) -> list[Problem]:
    if refs and refs[-1][0] == "ref/slug":  # not a file: remembered for unique_slugs, judged once all are read
        _kind, slug, _target, line = refs[-1]
        repo.declared_slugs[path] = (slug, line)
        refs = refs[:-1]  # a copy: the list may be the cache's own
    if any(ref[0] == "ref/site-url" for ref in refs):  # judged at a time, against other items
        from .sitelinks import check_site_references

        site = [ref for ref in refs if ref[0] == "ref/site-url"]
        refs = [ref for ref in refs if ref[0] != "ref/site-url"]
        return _missing_files(path, refs, repo) + check_site_references(path, site, repo)
    return _missing_files(path, refs, repo)


def _missing_files(path: str, refs: list[Reference], repo: Repo) -> list[Problem]:
    return [Problem(code, path, line, (_('image {target!r} points at no file') if code == 'ref/image' else _('link {target!r} points at no file')).format(target=target),
                    _("paths are relative to this file, e.g. ../2026/other-post.md"))
            for code, target, resolved, line in refs
            if not resolved.startswith("content/") or not repo.exists(resolved)]


def check_repo(repo: Repo, only: set[str] | None) -> list[Problem]:
    return [p for rules in REPO_RULES.values() for repo_rule in rules for p in repo_rule(repo, only)]


def finish(problems, repo: Repo, only: set[str] | None) -> list[Problem]:
    """Keep the selection, apply the repository's severities, sort by file and line."""
    if only is not None:
        problems = [p for p in problems if p.path in only]
    problems = apply_severity(problems, repo.frame.severity)
    return sorted(set(problems), key=Problem.sort_key)


# -- references ----------------------------------------------------------------

@rule("ref")
def authors_exist(item: Item, repo: Repo):
    known = repo.frame.authors
    for index, author in enumerate(item.meta.get("authors", ())):
        if author not in known:
            yield Problem("ref/author", item.path, item.line_of("authors", index),
                          _('author {author!r} is not in content/.authors.yml').format(author=author),
                          _did_you_mean(author, known) or _("add {author}: {{name: …}} under authors:")
                                                              .format(author=author))


@rule("ref")
def campaign_exists(item: Item, repo: Repo):
    campaign = item.meta.get("campaign")
    if campaign and campaign not in repo.frame.campaigns:
        yield Problem("ref/campaign", item.path, item.line_of("campaign"),
                      _('campaign {campaign!r} has no file calendar/campaigns/{campaign}.yml')
                          .format(campaign=campaign),
                      _did_you_mean(campaign, repo.frame.campaigns) or _("create the campaign file first"))


@rule("ref")
def channels_exist(item: Item, repo: Repo):
    known = repo.frame.channels
    for name in item.meta.get("channels", {}):
        if name not in known:
            yield Problem("ref/channel", item.path, item.line_of("channels", name),
                          _('channel {name!r} is not declared in calendar/channels.yml').format(name=name),
                          _did_you_mean(name, known) or _("known channels: {names}")
                                                            .format(names=", ".join(known) or _("none")))


def cover_images(item: Item) -> list[tuple[tuple[str, ...], dict, str | None]]:
    """(front-matter key, image, channel or None) of the item's cover image and each
    channel's own image."""
    images = [(("image",), item.meta.get("image"), None)]
    images += [(("channels", name, "image"), spec.get("image"), name)
               for name, spec in (item.meta.get("channels") or {}).items() if isinstance(spec, dict)]
    return [(key, image, channel) for key, image, channel in images if isinstance(image, dict)]


@rule("a11y")
def cover_image_alt(item: Item, repo: Repo):
    # Names translated only for an image that lacks its text: _() per item and channel
    # was a few per cent of a cold check.
    for key, image, channel in cover_images(item):
        if image.get("src") and not (image.get("alt") or "").strip():
            what = _("the cover image") if channel is None else _("the {name} image").format(name=channel)
            yield Problem("a11y/image-alt", item.path, item.line_of(*key), _('{what} has no alt text')
                                                                               .format(what=what),
                          _('describe it for screen readers: image: {src: …, alt: "…"}'))


# [text](target "title") and ![alt](target); starting the pattern with a literal
# "](" lets the regex engine skip ahead fast. Fenced code is skipped.
# The target excludes "(" and "]" so that a failed match stops at the next
# candidate: "](](](…" would otherwise backtrack quadratically.
LINK = lazy(r"\]\(\s*<?([^()\]\s<>]+)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
# [label]: target "title" — a reference-style link's definition ([^1]: is a footnote),
# also in a quote or a list item, its target maybe on the next line.
REFERENCE_DEFINITION = lazy(
    r"^[ \t]*(?:>[ \t]*)*\[([^\]\n^][^\]\n]*)\]:[ \t]*(?:\n[ \t]*(?:>[ \t]*)*)?<?([^\s<>]+)>?", re.M)
CODE = lazy(r"^(```|~~~)[^\n]*\n.*?^\1[ \t]*$|`[^`\n]+`", re.M | re.S)


# The last body blanked / linked: several rules of one item ask for the same body in turn.
# Keyed by the string's identity (an item's body is one object), swapped whole, so a
# reader never sees half an entry.
_last_without_code: tuple = (None, "")
_last_links: tuple = (None, 0, [])


def without_code(text: str) -> str:
    """Code blocks and spans blanked out (same length, same lines): Markdown shows them
    as text, so what they contain neither links, runs, nor needs moderating."""
    global _last_without_code
    last = _last_without_code
    if last[0] is text:
        return last[1]
    # One character is found at memchr speed; a longer needle reads a body ~300x slower.
    if "`" not in text and "~" not in text:
        return text
    blanked = CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    _last_without_code = (text, blanked)
    return blanked
SCHEME = lazy(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@rule("a11y")
def body_image_alt(item: Item, repo: Repo):
    for is_image, text, target, line in _body_links(item):
        if is_image and not text.strip():
            yield Problem("a11y/image-alt", item.path, line, _('image {target!r} has no alt text')
                                                                 .format(target=target),
                          _("write ![what the image shows](…)"))


def references(item: Item) -> list[Reference]:
    """Local files the item needs: the cover image, linked files and images."""
    refs: list[Reference] = []
    folder = posixpath.dirname(item.path)
    for key, image, _channel in cover_images(item):
        if image.get("src") and not _is_external(image["src"]):
            refs.append(("ref/image", image["src"], _resolve(item.path, image["src"], folder),
                         item.line_of(*key, "src")))
    for is_image, _text, target, line in _body_links(item):
        if _is_external(target) or target.startswith(("#", "/")):
            continue
        local = target.split("#", 1)[0].split("?", 1)[0]
        if local:
            refs.append(("ref/image" if is_image else "ref/link", target, _resolve(item.path, local, folder), line))
    return refs


def _body_links(item: Item) -> tuple[tuple[bool, str, str, int], ...]:
    """(is an image, text, target, line) of every inline link and reference definition."""
    global _last_links
    last = _last_links
    if last[0] is item.body and last[1] == item.body_line:
        return last[2]
    links = tuple(_find_body_links(item))
    _last_links = (item.body, item.body_line, links)
    return links


def _find_body_links(item: Item) -> list[tuple[bool, str, str, int]]:
    body = without_code(item.body)
    links = []
    if ":" in body and "]:" in body:
        counted, line = 0, item.body_line
        for match in REFERENCE_DEFINITION.finditer(body):
            line += body.count("\n", counted, match.start())
            counted = match.start()
            links.append((False, match.group(1), match.group(2), line))
    if "](" not in body:
        return links
    counted, line = 0, item.body_line  # lines counted incrementally: linear in the body
    for match in _link_matches(body):
        opening = body.rfind("[", body.rfind("\n", 0, match.start()) + 1, match.start())
        if opening < 0:
            continue
        is_image = opening > 0 and body[opening - 1] == "!"
        line += body.count("\n", counted, match.start())
        counted = match.start()
        links.append((is_image, body[opening + 1:match.start()], match.group(1), line))
    return links


def _link_matches(body: str):
    """``LINK.finditer(body)``: every match starts with "](", which str.find reaches several
    times faster than the regex engine's own scan."""
    at, find, match_at = body.find("]("), body.find, LINK.match
    while at >= 0:
        match = match_at(body, at)
        if match is None:
            at = find("](", at + 1)
        else:
            yield match
            at = find("](", match.end())


@rule("schema")
def status_given(item: Item, repo: Repo):
    """No status (nor Material's draft:) stays a draft: safe, but a Material blog moved in
    would vanish from the site without a word."""
    if "status" not in item.meta and ("status",) not in item.lines:  # a wrong one is schema/choice already
        yield Problem("schema/no-status", item.path, 1, _("no status: this item stays a draft, never published"),
                      _("add status: approved (or draft: false) to publish it, or status: draft to keep it hidden"))


@rule("file")
def year_folder(item: Item, repo: Repo):
    date = item.date
    parts = item.path.split("/")
    if date is None:
        return
    folder = f"content/{FOLDER_OF_KIND[item.kind]}/{date.year}/"
    if len(parts) != 4:
        yield Problem("file/year-folder", item.path, item.line_of("date"),
                      _("is not in a year folder"), _('move it to {folder}{slug}.md')
                                                        .format(folder=folder, slug=item.slug))
    elif parts[2] != str(date.year):
        yield Problem("file/year-folder", item.path, item.line_of("date"),
                      _('dated {year} but filed under {parts}/').format(year=date.year, parts=parts[2]),
                      _('move it to content/{FOLDER_OF_KIND}/{year}/')
                          .format(FOLDER_OF_KIND=FOLDER_OF_KIND[item.kind], year=date.year))


@rule("config", scope="repo")
def timezone_known(repo: Repo, only: set | None):
    frame = repo.frame
    if (only is None or CHANNELS_FILE in only) and frame.timezone_name and frame.timezone is None:
        yield Problem("config/timezone", CHANNELS_FILE, frame.timezone_line,
                      _('{timezone_name!r} is not a known timezone')
                          .format(timezone_name=frame.timezone_name), _("use an IANA name such as Europe/Paris"))


@rule("config", scope="repo")
def channel_addresses_safe(repo: Repo, only: set | None):
    """Where a channel's token or signature goes: https, and not this machine or its network. The
    targets refuse the same at run time (after resolution, for names); this tells the contributor
    who wrote it, on its line."""
    if only is not None and CHANNELS_FILE not in only:
        return
    from .netsafe import cleartext_allowed, literal_internal

    for name, spec in repo.frame.channels.items():
        if not isinstance(spec, dict):
            continue
        keys = ["instance"]
        if "webhook" in (spec.get("target"), spec.get("network")):
            keys.append("url")
        for key in keys:
            url = spec.get(key)
            if not isinstance(url, str) or not url.strip():
                continue
            line = repo.frame.channel_lines.get((name, key))
            address = literal_internal(url)
            if address:
                yield Problem("security/channel-address", CHANNELS_FILE, line,
                              _("{name}: {key}: {url!r:.80} names an internal address ({address}): never asked")
                                  .format(name=name, key=key, url=url, address=address),
                              _("write the public https:// address of the server"))
            elif not cleartext_allowed(url):
                yield Problem("security/channel-address", CHANNELS_FILE, line,
                              _("{name}: {key}: {url!r:.80} is not https://: the token or signature sent there "
                                "would travel in clear").format(name=name, key=key, url=url),
                              _("write https://…"))


@rule("config", scope="repo")
def severity_codes_known(repo: Repo, only: set | None):
    if only is not None and CHANNELS_FILE not in only:
        return
    from .problems import CODES

    from .problems import is_locked

    families = {code.split("/")[0] for code in CODES}
    for name, line in repo.frame.severity_lines.items():
        if is_locked(name):
            yield Problem("security/override", CHANNELS_FILE, line,
                          _('gazette.severity names {name!r}: security problems stay errors').format(name=name),
                          _("remove the line; the site removes unsafe markup whatever it says"))
        elif name not in CODES and name not in families:
            yield Problem("config/unknown-code", CHANNELS_FILE, line,
                          _('gazette.severity names {name!r}, which is no problem code or family').format(name=name),
                          _did_you_mean(name, [*CODES, *families]) or _("see docs/problems.md"))


@rule("config", scope="repo")
def moderation_readable(repo: Repo, only: set | None):
    from .load import MODERATION_FILE
    from .netiquette import load_config

    if only is None or MODERATION_FILE in only:
        yield from load_config(repo.root)[1]


@rule("ref", scope="repo")
def unique_slugs(repo: Repo, only: set | None):
    """Two items of one kind with one URL: by file name or by ``slug:`` (which Material's
    build refuses). A partial check lists only its selection, so the files named like a
    selected item's ``slug:`` are looked up on disk."""
    by_slug: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in repo.item_paths:
        parts = path.split("/")
        declared = repo.declared_slugs.get(path)
        by_slug[(parts[1], declared[0] if declared else parts[-1][:-3])].add(path)
    if only is not None:
        for path, (slug, _line) in repo.declared_slugs.items():
            kind = path.split("/")[1]
            by_slug[(kind, slug)].update(_files_named(repo.root, kind, slug))
    for (_kind, slug), paths in by_slug.items():
        if len(paths) < 2:
            continue
        for path in sorted(paths):
            if only is None or path in only:
                others = ", ".join(sorted(p for p in paths if p != path))
                declared = repo.declared_slugs.get(path)
                yield Problem("ref/duplicate-slug", path, declared[1] if declared else None,
                              _('slug {slug!r} is also used by {others}; both would get the same URL')
                                  .format(slug=slug, others=others),
                              _("choose another slug: value") if declared else _("rename one of the files"))


def _files_named(root, kind: str, slug: str) -> list[str]:
    import os

    folder = os.path.join(root, "content", kind)
    try:
        years = [entry.name for entry in os.scandir(folder) if entry.is_dir(follow_symlinks=False)]
    except OSError:
        return []
    return [f"content/{kind}/{year}/{slug}.md" for year in years
            if os.path.isfile(os.path.join(folder, year, f"{slug}.md"))]


# -- helpers -------------------------------------------------------------------

def _resolve(item_path: str, target: str, folder: str | None = None) -> str:
    """The repository path ``target`` names, written in the file ``item_path`` (whose
    ``posixpath.dirname`` is ``folder``, when the caller has it already)."""
    if folder is None:
        folder = posixpath.dirname(item_path)
    if "/" not in target and "%" not in target and target != "." and target != ".." and target:
        # A file next to the item (most links): nothing to join, unquote or normalize.
        normal = _NORMAL_FOLDERS.get(folder)
        if normal is None:
            normal = _NORMAL_FOLDERS[folder] = posixpath.normpath(folder) == folder and folder != "."
        if normal:
            return f"{folder}/{target}" if folder else target
    resolved = _RESOLVED.get((folder, target))
    if resolved is None:
        from urllib.parse import unquote

        resolved = posixpath.normpath(posixpath.join(folder, unquote(target)))
        if len(_RESOLVED) < 4096:  # shared images and pages: a few targets, linked from many items
            _RESOLVED[(folder, target)] = resolved
    return resolved


_NORMAL_FOLDERS: dict[str, bool] = {}
_RESOLVED: dict[tuple[str, str], str] = {}


def _is_external(target: str) -> bool:
    return bool(SCHEME.match(target)) or target.startswith("//")


def _did_you_mean(name: str, known) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1)
    return _("did you mean {name}?").format(name=repr(close[0])) if close else ""


from .sitelinks import site_references  # noqa: E402 - per item; sitelinks imports nothing of ours at load
from . import calendar_rules, quality_rules
from .contests import rules as _contest_rules  # noqa: E402,F401 - register their rules
from .community import rules as _relation_rules  # noqa: E402,F401 - registry, actions, paid collaborations
