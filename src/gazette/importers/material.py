"""A Material for MkDocs blog (``docs/blog/posts/**.md``) read into Gazette items.

Material's keys map one to one (``date`` or ``date: {created, updated}``,
``draft``, ``authors``, ``categories``, ``tags``, ``slug``); the body stays
Markdown. Old addresses follow Material's default ``post_url_format``
(``blog/YYYY/MM/DD/slug/``); a blog with another format lists its redirects
for a person to check.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import Imported, ImportError_, ImportReport
from .markdown_source import SourceProblem, markdown_files, moment, report_links, split, strings, title_of
from ..slugs import slugify
from ..i18n import _

RELATIVE_LINK = re.compile(r"\]\((?!https?:|mailto:|#|/)[^)\s]+")


def _blog_folder(path: Path) -> Path:
    for candidate in (path / "docs/blog", path / "blog", path):
        if (candidate / "posts").is_dir():
            return candidate
    raise ImportError_(_("{path}: no posts/ folder (give a Material site, its docs/ or its docs/blog/ folder)").format(path=path))


def read(path: Path, zone, report: ImportReport) -> tuple[list[Imported], dict[str, str]]:
    import yaml

    blog = _blog_folder(Path(path))
    authors: dict[str, str] = {}
    authors_file = blog / ".authors.yml"
    if authors_file.is_file() and not authors_file.is_symlink():
        try:
            data = yaml.safe_load(authors_file.read_text(encoding="utf-8")) or {}
            for key, spec in (data.get("authors") or {}).items():
                name = spec.get("name") if isinstance(spec, dict) else None
                authors[str(key)] = str(name or key)
        except (yaml.YAMLError, AttributeError, UnicodeDecodeError) as error:
            report.needs_person.append(_("{name}: not read ({error}); add the authors by hand").format(name=authors_file.name, error=error))
    entries = []
    links: list[Path] = []
    for file in markdown_files(blog / "posts", links):
        source = str(file.relative_to(blog))
        try:
            meta, body = split(file)
        except SourceProblem as error:
            report.skipped.append(_("{source}: {error}").format(source=source, error=error))
            continue
        raw_date = meta.get("date")
        updated = None
        if isinstance(raw_date, dict):
            raw_date, updated = raw_date.get("created"), raw_date.get("updated")
        when = moment(raw_date, zone)
        title = title_of(meta, body, file.stem)
        slug_text = meta.get("slug") if isinstance(meta.get("slug"), str) else title
        slug = slugify(slug_text) or slugify(file.stem) or "billet"
        entry = Imported(kind="post", title=title, slug=slug, date=when, body=body, source=source,
                         status="draft" if meta.get("draft") is True else "published",
                         authors=[slugify(a) or a for a in strings(meta.get("authors"))],
                         categories=strings(meta.get("categories")), tags=strings(meta.get("tags")),
                         summary=str(meta.get("description") or "").strip())
        for key in entry.authors:
            authors.setdefault(key, key)
        if when is not None and entry.status == "published":
            entry.old_urls.append(f"blog/{when:%Y/%m/%d}/{slug}/")
        if updated is not None:
            report.needs_person.append(_("{source}: 'updated' date not carried").format(source=source))
        if "<!-- more -->" in body:
            entry.body = body.replace("<!-- more -->", "", 1)
            report.needs_person.append(_("{source}: excerpt marker <!-- more --> removed (write a summary: instead)").format(source=source))
        if RELATIVE_LINK.search(body):
            report.needs_person.append(_("{source}: relative images or links: copy the files next to the new item").format(source=source))
        entries.append(entry)
    report_links(links, blog, report)
    return entries, authors
