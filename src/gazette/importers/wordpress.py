"""A WordPress export (WXR, Tools > Export) read into :class:`~gazette.importers.Imported` records.

The XML is untrusted: defusedxml refuses entity declarations and external
references (a "billion laughs" export stops with a message, it never
expands). Dates come from ``post_date_gmt`` and are shown in the
community's zone; drafts have no GMT date, so their local date is read in
that zone.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote

from . import Comment, Imported, ImportError_, ImportReport
from ..slugs import slugify
from ..i18n import _, os_reason

MAX_EXPORT_BYTES = 256 * 1024 * 1024
STATUSES = {"publish": "published", "future": "approved", "draft": "draft", "pending": "review",
            "private": "draft"}


def _local(tag: str) -> tuple[str, str]:
    namespace, _brace, name = tag.rpartition("}")
    return namespace.lstrip("{"), name


def _child(element, name: str, namespace_part: str = "") -> str:
    for child in element:
        namespace, local = _local(child.tag)
        if local == name and namespace_part in namespace:
            return (child.text or "").strip() if name not in ("encoded",) else (child.text or "")
    return ""


def _children(element, name: str):
    return [child for child in element if _local(child.tag)[1] == name]


def _date(gmt: str, local: str, zone) -> datetime | None:
    for text, tz in ((gmt, timezone.utc), (local, zone)):
        if text and not text.startswith("0000"):
            try:
                return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=tz).astimezone(zone)
            except (ValueError, OverflowError):  # 9999-12-31 in UTC is past datetime.max in Paris
                continue
    return None


def read(path: Path, zone, report: ImportReport) -> tuple[list[Imported], dict[str, str]]:
    """(entries, authors {key: display name}) from a WXR file."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import parse

    from .html import to_markdown

    path = Path(path)
    try:
        if path.stat().st_size > MAX_EXPORT_BYTES:
            raise ImportError_(_("{path}: larger than {value} MiB; export fewer posts at a time").format(path=path, value=MAX_EXPORT_BYTES >> 20))
        tree = parse(str(path), forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except OSError as error:
        raise ImportError_(_("{path}: {value}").format(path=path, value=os_reason(error))) from None
    except DefusedXmlException as error:
        raise ImportError_(_("{path}: refused ({error}); a WordPress export never declares entities").format(path=path, error=error)) from None
    except ParseError as error:
        line = error.position[0] if getattr(error, "position", None) else 0
        raise ImportError_(_("{path}:{line}: not a readable XML export ({error})").format(path=path, line=line, error=error)) from None
    channel = tree.getroot().find("channel")
    if channel is None:
        raise ImportError_(_("{path}: no <channel>: not a WordPress export (WXR)").format(path=path))

    authors = {}
    for author in _children(channel, "author"):
        login = _child(author, "author_login")
        if login:
            authors[slugify(login) or login] = _child(author, "author_display_name") or login
    attachments, alts = {}, {}
    items = _children(channel, "item")
    for item in items:
        if _child(item, "post_type") == "attachment":
            key = _child(item, "post_id")
            attachments[key] = _child(item, "attachment_url") or _child(item, "guid")
            for meta in _children(item, "postmeta"):
                if _child(meta, "meta_key") == "_wp_attachment_image_alt":
                    alts[key] = _child(meta, "meta_value")

    entries: list[Imported] = []
    others: dict[str, int] = {}
    for item in items:
        kind = _child(item, "post_type")
        title = _child(item, "title") or "(sans titre)"
        source = f"{path.name}: {kind} {_child(item, 'post_id')} {title!r}"
        if kind == "attachment":
            continue
        if kind not in ("post", "page"):
            others[kind] = others.get(kind, 0) + 1
            continue
        wp_status = _child(item, "status")
        if wp_status not in STATUSES:
            report.skipped.append(_("{source}: status {wp_status!r} (trash, auto-draft…) not imported").format(source=source, wp_status=wp_status))
            continue
        if wp_status == "private":
            report.needs_person.append(_("{source}: private on WordPress, imported as a draft").format(source=source))
        name = unquote(_child(item, "post_name"))
        slug = slugify(name or title) or f"article-{_child(item, 'post_id')}"
        body, notes = to_markdown(_child(item, "encoded", "content"), paragraphs_by_blank_lines=True)
        excerpt, _notes = to_markdown(_child(item, "encoded", "excerpt"))
        entry = Imported(kind="page" if kind == "page" else "post", title=title, slug=slug,
                         date=_date(_child(item, "post_date_gmt"), _child(item, "post_date"), zone),
                         status=STATUSES[wp_status], body=body, source=source,
                         summary=" ".join(excerpt.split()))
        creator = _child(item, "creator")
        if creator:
            entry.authors = [slugify(creator) or creator]
            authors.setdefault(entry.authors[0], creator)
        for category in _children(item, "category"):
            text = (category.text or "").strip()
            if text:
                (entry.tags if category.get("domain") == "post_tag" else entry.categories).append(text)
        for meta in _children(item, "postmeta"):
            if _child(meta, "meta_key") == "_thumbnail_id":
                url = attachments.get(_child(meta, "meta_value"))
                if url:
                    entry.image, entry.image_alt = url, alts.get(_child(meta, "meta_value"), "")
                else:
                    notes.append(_("featured image not in the export (export 'All content' to carry it)"))
        link = _child(item, "link")
        if link and wp_status == "publish":
            entry.old_urls.append(link)
        for comment in _children(item, "comment"):
            if _child(comment, "comment_type") in ("pingback", "trackback"):
                continue
            approved = _child(comment, "comment_approved")
            if approved in ("spam", "trash"):
                continue
            text, _notes = to_markdown(_child(comment, "comment_content"), paragraphs_by_blank_lines=True)
            when = _date(_child(comment, "comment_date_gmt"), _child(comment, "comment_date"), zone)
            entry.comments.append(Comment(_child(comment, "comment_id"), _child(comment, "comment_author"),
                                          when.isoformat() if when else "", text.strip(), approved == "1"))
        if kind == "page" and entry.categories + entry.tags:
            notes.append(_("a page's categories and tags are not carried"))
        for note in notes:
            report.needs_person.append(_("{source}: {note}").format(source=source, note=note))
        entries.append(entry)
    for kind, count in sorted(others.items()):
        report.skipped.append(_("{name}: {count} {kind!r} entries (menus, blocks, custom types) not imported").format(name=path.name, count=count, kind=kind))
    return entries, authors
