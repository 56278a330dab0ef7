"""Move an existing blog in: WordPress (WXR), a Material blog, a Hugo site.

Every importer reads its source into :class:`Imported` records (read
everything first, write after) and :func:`write` turns them into Gazette
items under ``content/<kind>/<year>/``, never overwriting a file. What could
not be carried over is listed in the :class:`ImportReport` (the CLI prints
it; nothing is dropped silently), old URLs become redirects (the
mkdocs-redirects plugin's ``redirect_maps``), and comments, which are
personal data, go to the state folder as a moderation queue
(``gazette moderate`` reads it), never into git.

Sources are untrusted: XML is parsed with defusedxml (no entities, no
external references), HTML bodies are converted to Markdown and still go
through the site's sanitizer at build, paths are made from slugs only.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..slugs import slugify
from ..i18n import _, ngettext

__all__ = ["Imported", "ImportError_", "ImportReport", "forget", "write"]

COMMENTS_FOLDER = "imports"   # in the state folder
KIND_FOLDERS = {"post": "posts", "newsletter": "newsletters"}


class ImportError_(Exception):
    """The source cannot be read at all (exit 2); one bad entry is a report line instead."""


@dataclass
class Comment:
    id: str
    author: str
    date: str
    text: str
    approved: bool


@dataclass
class Imported:
    """One thing to write: an item (post), or a plain page (``kind == "page"``)."""

    kind: str
    title: str
    slug: str
    date: datetime | None
    status: str = "published"
    body: str = ""
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    summary: str = ""
    image: str | None = None       # a file name next to the item, or an address to fetch
    image_alt: str = ""
    old_urls: list[str] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    source: str = ""               # where it came from, for the report


@dataclass
class ImportReport:
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)          # already there (a previous run): checked again
    skipped: list[str] = field(default_factory=list)       # not carried, and why
    needs_person: list[str] = field(default_factory=list)  # carried, but a person must finish it
    redirects: dict[str, str] = field(default_factory=dict)
    authors_added: list[str] = field(default_factory=list)
    comments: int = 0
    comments_file: str | None = None


def scalar(value) -> str:
    """One YAML value on one line, quoted when it must be (titles with ':' or '#')."""
    import yaml

    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=1 << 20)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def front_matter(entry: Imported) -> str:
    lines = [f"title: {scalar(entry.title)}"]
    if entry.kind != "page":
        lines.append(f"date: {entry.date.isoformat()}")
        lines.append(f"status: {entry.status}")
        for key in ("authors", "categories", "tags"):
            values = getattr(entry, key)
            if values:
                lines.append(f"{key}: {scalar(list(values))}")
        if entry.summary:
            lines.append(f"summary: {scalar(entry.summary)}")
        if entry.image:
            lines.append(f"image: {{src: {scalar(entry.image)}, alt: {scalar(entry.image_alt)}}}")
    return "---\n" + "\n".join(lines) + "\n---\n\n"


# Top-level names the site itself uses: an imported page named so would clash with them.
RESERVED_PAGES = frozenset({"index", "archives", "posts", "newsletters", "contests", "assets", "stylesheets",
                            "search", "tags", "404", "feed", "atom"})


def target_path(entry: Imported) -> str:
    if entry.kind == "page":
        if entry.slug in RESERVED_PAGES:
            entry.slug = "page-" + entry.slug
        return f"content/{entry.slug}.md"
    return f"content/{KIND_FOLDERS[entry.kind]}/{entry.date.year:04d}/{entry.slug}.md"


def write(root: Path, entries: list[Imported], report: ImportReport, *, source_name: str,
          comments: bool = False, authors: dict[str, str] | None = None, media: Path | None = None) -> ImportReport:
    """Write the items, authors, redirects and (optionally) the comments queue; fill ``report``."""
    from ..load import load_frame

    root = Path(root)
    frame, _problems = load_frame(root)
    if authors:
        _add_authors(root, authors, frame.authors, report)
    site_url, directory_urls = _site(root)
    queue = []
    taken = set()
    planned = []
    for entry in entries:
        if entry.kind != "page" and not _usable(entry.date):
            report.skipped.append(_("{source}: no date, or a date out of range; not imported").format(source=entry.source))
            continue
        entry.slug = entry.slug or "sans-titre"
        path = target_path(entry)
        while path in taken:
            entry.slug += "-2"
            path = target_path(entry)
        taken.add(path)
        if (root / path).exists() or (root / path).is_symlink():
            report.skipped.append(_("{source}: {path} already exists; kept as it was").format(source=entry.source, path=path))
            report.kept.append(path)
            continue
        planned.append((entry, path))
    # Links between imported posts point at their new files, so they survive any later move.
    moved = {_url_key(old): path for entry, path in planned for old in entry.old_urls}
    own_pages = _own_pages(root, [path for _entry, path in planned], directory_urls)
    for entry, path in planned:
        full = root / path
        if entry.image and "://" in entry.image:
            entry.image = _image(root, entry, path, media, report)
        body = _relink(entry.body, path, moved)
        full.parent.mkdir(parents=True, exist_ok=True)
        with open(full, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(front_matter(entry) + body.strip() + "\n")
        report.written.append(path)
        new_url = _page_url(path, site_url, directory_urls)
        for old in entry.old_urls:
            key = _redirect_key(old)
            if not key or key == path.removeprefix("content/"):
                continue
            page = _own_page(key, own_pages, directory_urls)
            if page is not None:  # a redirect file written there would replace the page
                report.skipped.append(_("{source}: old address {url} is the site's own page {page}; no redirect written")
                                      .format(source=entry.source, url=old, page=page))
                continue
            report.redirects[key] = new_url
        for comment in entry.comments if comments else ():
            queue.append({"id": comment.id, "author": comment.author, "text": comment.text, "date": comment.date,
                          "approved": comment.approved, "item": path})
    if entries and any(e.comments for e in entries) and not comments:
        count = sum(len(e.comments) for e in entries)
        report.skipped.append(_("{count} comments not imported (pass --comments to queue them for moderation)").format(count=count))
    if queue:
        report.comments = len(queue)
        report.comments_file = _queue_comments(root, source_name, queue)
    if report.redirects:
        _add_redirects(root, report)
    return report


def _usable(when: datetime | None) -> bool:
    """A date the planning can compute with: a year of margin on both sides of datetime's range."""
    from datetime import timedelta, timezone

    if when is None:
        return False
    try:
        when.astimezone(timezone.utc)
        when + timedelta(days=366)
        when - timedelta(days=366)
    except OverflowError:
        return False
    return True


MARKDOWN_LINK = re.compile(r"(\]\()(<[^>\n]*>|[^)\s]+)")


def _url_key(url: str) -> str:
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url.strip("<>"))
    return parts.netloc.lower() + unquote(parts.path).rstrip("/")


def _relink(body: str, path: str, moved: dict[str, str]) -> str:
    import posixpath

    if not moved:
        return body

    def swap(match):
        target = moved.get(_url_key(match.group(2)))
        if target is None:
            return match.group(0)
        return match.group(1) + posixpath.relpath(target, posixpath.dirname(path))

    return MARKDOWN_LINK.sub(swap, body)


# Pages the site plugin generates (sitepages/site.py) beside the items and RESERVED_PAGES.
GENERATED_PAGES = ("contact.md", "mentions-legales.md")


def _own_pages(root: Path, planned: list[str], directory_urls: bool) -> set[str]:
    """The URL paths of the pages the site has: files under content/ (links included: they are
    someone's page, whatever they point to), this import's files and the generated pages."""
    from ..siteurls import url_path

    sources = [name + ".md" for name in RESERVED_PAGES] + list(GENERATED_PAGES)
    sources += [path.removeprefix("content/") for path in planned]
    content = root / "content"
    for directory, folders, files in os.walk(content, followlinks=False):
        folders[:] = [f for f in folders if not f.startswith(".")]
        relative = Path(directory).relative_to(content).as_posix()
        sources += [name if relative == "." else f"{relative}/{name}" for name in files if name.endswith(".md")]
    return {url_path(source, directory_urls) for source in sources}


def _own_page(key: str, own_pages: set[str], directory_urls: bool) -> str | None:
    """The site's page a redirect from ``key`` would overwrite, if any (every archives/ page is generated)."""
    from ..siteurls import url_path

    url = url_path(key, directory_urls)
    return url if url in own_pages or url.startswith("archives/") else None


def _site(root: Path) -> tuple[str, bool]:
    from ..siteurls import load_site_config

    try:
        config = load_site_config(root)
        return config.site_url, config.directory_urls
    except Exception:  # no or broken mkdocs.yml: relative targets still work
        return "", True


def _page_url(path: str, site_url: str, directory_urls: bool) -> str:
    from ..siteurls import url_path

    relative = url_path(path.removeprefix("content/"), directory_urls)
    return (site_url + relative) if site_url else path.removeprefix("content/")


def _redirect_key(old_url: str) -> str | None:
    """The docs-relative file mkdocs-redirects writes for an old address ('2019/05/été/' -> '2019/05/été.md')."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(old_url)
    if parts.query:
        return None   # ?p=123 addresses cannot be static pages
    path = unquote(parts.path).strip("/")
    if not path or ".." in path.split("/") or "\\" in path or any(ord(c) < 32 for c in path):
        return None
    path = re.sub(r"(?:/index)?\.html?$", "", path)
    return path + ".md"


def _image(root: Path, entry: Imported, path: str, media: Path | None, report: ImportReport) -> str | None:
    """A featured image: copied from the uploads folder when given, else named for a person to fetch;
    None (and a report line) when it is not a photo the site shows."""
    from urllib.parse import unquote, urlsplit

    from ..siteimages import RASTER

    url = entry.image
    address = unquote(urlsplit(url).path)
    if not address.lower().endswith(RASTER):  # a page.html or logo.svg: never copied into content/
        report.skipped.append(_("{path}: featured image {url} is not a photo ({kinds}): not carried").format(
            path=path, url=url, kinds=", ".join(RASTER)))
        return None
    name = (slugify(Path(address).stem) or "image") + Path(address).suffix.lower()
    target = root / Path(path).parent / name
    if media is not None:
        found = _under_uploads(Path(media), address)
        if found is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                target.write_bytes(found.read_bytes())
            return name
    report.needs_person.append(_("{path}: featured image {url} -> save it as {value} (and write its alt text)").format(path=path, url=url, value=target.relative_to(root)))
    return name


def _under_uploads(media: Path, address: str) -> Path | None:
    """The uploaded file for an address, found by the part after wp-content/uploads/, never outside ``media``."""
    tail = address.split("/wp-content/uploads/", 1)[-1].lstrip("/")
    candidate = (media / tail)
    try:
        resolved = candidate.resolve(strict=True)
        resolved.relative_to(media.resolve())
    except (OSError, ValueError):
        return None
    if candidate.is_symlink() or not resolved.is_file():
        return None
    return resolved


def _add_authors(root: Path, authors: dict[str, str], known: dict, report: ImportReport) -> None:
    """Append the new authors to content/.authors.yml as text: the file's comments and order stay."""
    import yaml

    new = {key: name for key, name in authors.items() if key not in known}
    if not new:
        return
    path = root / "content/.authors.yml"
    before = path.read_text(encoding="utf-8") if path.is_file() else "authors:\n"
    if path.is_symlink():
        report.needs_person.append("content/.authors.yml is a symbolic link: add authors " + ", ".join(new))
        return
    text = before if before.endswith("\n") else before + "\n"
    for key, name in new.items():
        text += f"  {key}:\n    name: {scalar(name)}\n"
    try:
        parsed = yaml.safe_load(text)
        ok = all(key in (parsed.get("authors") or {}) for key in new)
    except (yaml.YAMLError, AttributeError):
        ok = False
    if not ok:
        report.needs_person.append("content/.authors.yml: add these authors under authors: "
                                   + ", ".join(f"{k} ({v})" for k, v in new.items()))
        return
    path.write_text(text, encoding="utf-8")
    report.authors_added.extend(new)


def _add_redirects(root: Path, report: ImportReport) -> None:
    """Add the redirects plugin with the old addresses to mkdocs.yml, as a text edit a person reviews."""
    path = root / "mkdocs.yml"
    lines = [f"        {scalar(old)}: {scalar(new)}" for old, new in sorted(report.redirects.items())]
    text = path.read_text(encoding="utf-8") if path.is_file() and not path.is_symlink() else None
    if text is None or re.search(r"^\s*-\s*redirects\b", text, re.M) or not re.search(r"^plugins:\s*$", text, re.M):
        report.needs_person.append("mkdocs.yml: add under plugins: - redirects: redirect_maps: with\n"
                                   + "\n".join(lines))
        return
    block = "  - redirects:\n      redirect_maps:\n" + "\n".join(lines) + "\n"
    out, inside, done = [], False, False
    for line in text.splitlines(keepends=True):
        if inside and not done and line.strip() and not line.startswith((" ", "-")):
            out.append(block)
            done = True
        out.append(line)
        if re.match(r"^plugins:\s*$", line):
            inside = True
    if not done:
        out.append(("" if text.endswith("\n") else "\n") + block)
    path.write_text("".join(out), encoding="utf-8")


def _queue_comments(root: Path, source_name: str, queue: list[dict]) -> str:
    """Comments as JSON lines in the state folder: `gazette moderate` reads them; git never sees them."""
    from ..publish import make_state_dir, state_dir

    make_state_dir(root)
    folder = state_dir(root) / COMMENTS_FOLDER
    folder.mkdir(exist_ok=True)
    path = folder / f"{source_name}-comments.jsonl"
    seen = set()
    if path.is_file():  # importing the same export again queues nothing twice
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
                seen.add((str(row.get("id")), str(row.get("item"))))
            except (ValueError, AttributeError):
                continue
    with open(path, "a", encoding="utf-8") as handle:
        for row in queue:
            if (str(row["id"]), row["item"]) in seen:
                continue
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return str(path)


def forget(connection, identifier: str) -> list[str]:
    """Erase a person's imported comments (the ``gazette forget`` hook): rows whose author is ``identifier``."""
    row = connection.execute("PRAGMA database_list").fetchone()
    folder = Path(row[2]).parent / COMMENTS_FOLDER if row and row[2] else None
    removed = []
    if folder is None or not folder.is_dir():
        return removed
    wanted = identifier.strip().casefold()
    for path in sorted(folder.glob("*-comments.jsonl")):
        kept, dropped = [], 0
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                author = str(json.loads(line).get("author", ""))
            except (ValueError, AttributeError):
                kept.append(line)
                continue
            if author.strip().casefold() == wanted:
                dropped += 1
            else:
                kept.append(line)
        if dropped:
            path.write_text("".join(k + "\n" for k in kept), encoding="utf-8")
            removed.append(ngettext("{dropped} imported comment in {name}", "{dropped} imported comments in {name}",
                                    dropped).format(dropped=dropped, name=path.name))
    return removed


SOURCES = ("wordpress", "material", "hugo")


def run(root: Path, source: str, path: Path, now, *, comments: bool = False, media: Path | None = None):
    """Import ``path`` (a ``source`` export or folder) into the community at ``root``.

    Returns (report, problems): problems are what ``gazette check`` says of the
    written files, the exact list of what needs a person before the site can build.
    """
    from ..check import run_check
    from ..load import load_frame

    root = Path(root)
    zone = load_frame(root)[0].timezone or now.tzinfo
    report = ImportReport()
    if source == "wordpress":
        from . import wordpress

        entries, authors = wordpress.read(Path(path), zone, report)
    elif source == "material":
        from . import material

        entries, authors = material.read(Path(path), zone, report)
    elif source == "hugo":
        from . import hugo

        entries, authors = hugo.read(Path(path), zone, report)
    else:
        raise ImportError_(_("unknown source {source!r} (known: {items})").format(source=source, items=', '.join(SOURCES)))
    write(root, entries, report, source_name=source, comments=comments, authors=authors, media=media)
    problems = []
    # A second run writes nothing new, but the first run's files still stand where the
    # import put them: their errors must keep failing the import until a person fixes them.
    imported = [p for p in report.written + report.kept if (root / p).is_file() and not (root / p).is_symlink()]
    if imported:
        problems = run_check(root, now, [str(root / p) for p in imported], None, cache=False).problems
    return report, problems
