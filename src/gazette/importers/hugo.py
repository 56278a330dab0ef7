"""A Hugo site's posts (TOML ``+++`` or YAML ``---`` front matter) read into Gazette items.

Reads ``content/posts/``, ``content/post/`` or ``content/blog/`` (page
bundles ``slug/index.md`` too). ``draft``, ``date`` (or ``publishDate``),
``tags``, ``categories``, ``author(s)``, ``slug`` and ``summary`` or
``description`` map directly; ``aliases`` and the default permalink
(``/posts/slug/``) become redirects; shortcodes (``{{< … >}}``) are listed
for a person, since only Hugo can render them.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import Imported, ImportError_, ImportReport
from .markdown_source import SourceProblem, markdown_files, moment, report_links, split, strings, title_of
from ..slugs import slugify
from ..i18n import _

SECTIONS = ("posts", "post", "blog")
SHORTCODE = re.compile(r"\{\{[<%]\s*/?\s*([\w-]+)")


def read(path: Path, zone, report: ImportReport) -> tuple[list[Imported], dict[str, str]]:
    root = Path(path)
    content = root / "content" if (root / "content").is_dir() else root
    sections = [content / name for name in SECTIONS if (content / name).is_dir()]
    if not sections:
        raise ImportError_(_("{path}: no content/posts/, content/post/ or content/blog/ folder").format(path=path))
    entries, authors = [], {}
    links: list[Path] = []
    for section in sections:
        for file in markdown_files(section, links):
            if file.name == "_index.md":
                continue
            source = str(file.relative_to(content))
            try:
                meta, body = split(file)
            except SourceProblem as error:
                report.skipped.append(_("{source}: {error}").format(source=source, error=error))
                continue
            bundle = file.name == "index.md"
            stem = file.parent.name if bundle else file.stem
            title = title_of(meta, body, stem)
            slug = slugify(str(meta.get("slug") or stem)) or slugify(title) or "billet"
            when = moment(meta.get("date") or meta.get("publishDate") or meta.get("publishdate"), zone)
            names = strings(meta.get("authors")) or strings(meta.get("author"))
            entry = Imported(kind="post", title=title, slug=slug, date=when, body=body, source=source,
                             status="draft" if meta.get("draft") is True else "published",
                             authors=[slugify(a) or a for a in names],
                             categories=strings(meta.get("categories")), tags=strings(meta.get("tags")),
                             summary=str(meta.get("summary") or meta.get("description") or "").strip())
            for name in names:
                authors.setdefault(slugify(name) or name, name)
            if entry.status == "published":
                url = meta.get("url") if isinstance(meta.get("url"), str) else f"/{section.name}/{slug}/"
                entry.old_urls.append(url)
                entry.old_urls.extend(a for a in strings(meta.get("aliases")))
            codes = sorted(set(SHORTCODE.findall(body)))
            if codes:
                report.needs_person.append(_("{source}: Hugo shortcodes left as text: {items}").format(source=source, items=', '.join(codes)))
            if bundle and any(p.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp", ".gif", ".svg")
                              for p in file.parent.iterdir()):
                report.needs_person.append(_("{source}: page bundle images not copied: copy them next to the new item").format(source=source))
            entries.append(entry)
    report_links(links, content, report)
    return entries, authors
