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
from datetime import datetime

from .load import FOLDER_OF_KIND, Item, Repo
from .problems import Problem, apply_severity

ItemRule = Callable[[Item, Repo], Iterable[Problem]]
RepoRule = Callable[[Repo, set | None], Iterable[Problem]]
ITEM_RULES: dict[str, list[ItemRule]] = defaultdict(list)
REPO_RULES: dict[str, list[RepoRule]] = defaultdict(list)


def rule(family: str, scope: str = "item"):
    def register(function):
        (ITEM_RULES if scope == "item" else REPO_RULES)[family].append(function)
        return function
    return register


def check(repo: Repo, now: datetime, only: set[str] | None = None) -> list[Problem]:
    """Every problem in the repository (or in the paths of ``only``), sorted."""
    problems = list(repo.problems)
    for rules in ITEM_RULES.values():
        for item_rule in rules:
            for item in repo.items:
                problems.extend(item_rule(item, repo))
    for rules in REPO_RULES.values():
        for repo_rule in rules:
            problems.extend(repo_rule(repo, only))
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
                          f"author {author!r} is not in content/.authors.yml",
                          _did_you_mean(author, known) or f"add {author}: {{name: …}} under authors:")


@rule("ref")
def campaign_exists(item: Item, repo: Repo):
    campaign = item.meta.get("campaign")
    if campaign and campaign not in repo.frame.campaigns:
        yield Problem("ref/campaign", item.path, item.line_of("campaign"),
                      f"campaign {campaign!r} has no file calendar/campaigns/{campaign}.yml",
                      _did_you_mean(campaign, repo.frame.campaigns) or "create the campaign file first")


@rule("ref")
def channels_exist(item: Item, repo: Repo):
    known = repo.frame.channels
    for name in item.meta.get("channels", {}):
        if name not in known:
            yield Problem("ref/channel", item.path, item.line_of("channels", name),
                          f"channel {name!r} is not declared in calendar/channels.yml",
                          _did_you_mean(name, known) or "known channels: " + (", ".join(known) or "none"))


@rule("ref")
def cover_image(item: Item, repo: Repo):
    image = item.meta.get("image")
    if not image or not image.get("src"):
        return
    src = image["src"]
    if not _is_external(src) and not repo.exists(_resolve(item.path, src)):
        yield Problem("ref/image", item.path, item.line_of("image", "src"),
                      f"image {src!r} does not exist", "put the file next to the Markdown file")
    if not (image.get("alt") or "").strip():
        yield Problem("a11y/image-alt", item.path, item.line_of("image"),
                      "the cover image has no alt text",
                      'describe it for screen readers: image: {src: …, alt: "…"}')


# [text](target "title") and ![alt](target); code spans and fences are skipped below.
LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@rule("ref")
def body_links(item: Item, repo: Repo):
    body = item.body
    if "](" not in body:
        return
    fenced = [m.span() for m in FENCE.finditer(body)] if ("```" in body or "~~~" in body) else []
    for match in LINK.finditer(body):
        if any(start <= match.start() < end for start, end in fenced):
            continue
        is_image, text, target = match.groups()
        line = item.body_line + body.count("\n", 0, match.start())
        if is_image and not text.strip():
            yield Problem("a11y/image-alt", item.path, line, f"image {target!r} has no alt text",
                          "write ![what the image shows](…)")
        if _is_external(target) or target.startswith(("#", "/")):
            continue
        local = target.split("#", 1)[0].split("?", 1)[0]
        if not local:
            continue
        resolved = _resolve(item.path, local)
        if not resolved.startswith("content/") or not repo.exists(resolved):
            code = "ref/image" if is_image else "ref/link"
            yield Problem(code, item.path, line, f"{'image' if is_image else 'link'} {target!r} points at no file",
                          "paths are relative to this file, e.g. ../2026/other-post.md")


@rule("file")
def year_folder(item: Item, repo: Repo):
    date = item.date
    parts = item.path.split("/")
    if date is None or len(parts) != 4:
        return
    if parts[2] != str(date.year):
        yield Problem("file/year-folder", item.path, item.line_of("date"),
                      f"dated {date.year} but filed under {parts[2]}/",
                      f"move it to content/{FOLDER_OF_KIND[item.kind]}/{date.year}/")


@rule("ref", scope="repo")
def unique_slugs(repo: Repo, only: set | None):
    by_slug: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in repo.item_paths:
        parts = path.split("/")
        by_slug[(parts[1], parts[-1][:-3])].append(path)
    for (_, slug), paths in by_slug.items():
        if len(paths) < 2:
            continue
        for path in paths:
            if only is None or path in only:
                others = ", ".join(p for p in paths if p != path)
                yield Problem("ref/duplicate-slug", path, None,
                              f"slug {slug!r} is also used by {others}; both would get the same URL",
                              "rename one of the files")


# -- helpers -------------------------------------------------------------------

def _resolve(item_path: str, target: str) -> str:
    from urllib.parse import unquote

    return posixpath.normpath(posixpath.join(posixpath.dirname(item_path), unquote(target)))


def _is_external(target: str) -> bool:
    return bool(SCHEME.match(target)) or target.startswith("//")


def _did_you_mean(name: str, known) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean {close[0]!r}?" if close else ""
