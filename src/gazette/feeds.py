"""RSS 2.0 and Atom feeds of public items, for everything and per kind, with absolute URLs.

ElementTree escapes every text once, which makes it XML. RSS readers then read
``title`` and ``description`` as HTML, so those are escaped once more (a title
``<img onerror=…>`` shows as those characters); Atom's ``title`` and ``summary``
are declared ``type="text"``, which readers do not parse.
"""

from __future__ import annotations

import re
from email.utils import format_datetime
from pathlib import Path
from xml.etree import ElementTree as ET

from markupsafe import escape
from .urls import item_url

# What XML 1.0 forbids (C0 controls but tab and line breaks, lone surrogates, U+FFFE/F): one
# \f in a title would make every feed unparseable, and ElementTree writes it as it is.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
FEEDS = {"": None, "posts/": "post", "newsletters/": "newsletter", "contests/": "contest"}




def write_feeds(site_dir: Path, site_url: str, title: str, items, limit: int = 50) -> list[Path]:
    """Write feed.xml (RSS) and atom.xml at the root and in each kind's folder."""
    written = []
    for prefix, kind in FEEDS.items():
        chosen = [i for i in items if kind is None or i.kind == kind][:limit]
        folder = site_dir / prefix
        folder.mkdir(parents=True, exist_ok=True)
        feed_url = f"{site_url.rstrip('/')}/{prefix}"
        for name, build in (("feed.xml", _rss), ("atom.xml", _atom)):
            tree = build(chosen, site_url, feed_url + name, title + (f" — {prefix.rstrip('/')}" if prefix else ""))
            _strip_forbidden(tree)
            path = folder / name
            ET.ElementTree(tree).write(path, encoding="utf-8", xml_declaration=True)
            written.append(path)
    return written


def _strip_forbidden(tree: ET.Element) -> None:
    for element in tree.iter():
        if element.text:
            element.text = NOT_XML.sub("", element.text)
        for key, value in element.attrib.items():
            element.attrib[key] = NOT_XML.sub("", value)


def _rss(items, site_url, self_url, title):
    rss = ET.Element("rss", version="2.0", attrib={"xmlns:atom": "http://www.w3.org/2005/Atom"})
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = title
    ET.SubElement(channel, "link").text = site_url or "/"
    ET.SubElement(channel, "description").text = title
    ET.SubElement(channel, "language").text = "fr"
    ET.SubElement(channel, "atom:link", href=self_url, rel="self", type="application/rss+xml")
    for item in items:
        entry = ET.SubElement(channel, "item")
        ET.SubElement(entry, "title").text = str(escape(item.title))
        ET.SubElement(entry, "link").text = item_url(site_url, item)
        ET.SubElement(entry, "guid", isPermaLink="true").text = item_url(site_url, item)
        ET.SubElement(entry, "pubDate").text = format_datetime(item.date)
        ET.SubElement(entry, "description").text = str(escape(item.meta.get("summary") or item.title))
    return rss


def _atom(items, site_url, self_url, title):
    feed = ET.Element("feed", xmlns="http://www.w3.org/2005/Atom", attrib={"xml:lang": "fr"})
    ET.SubElement(feed, "title").text = title
    ET.SubElement(feed, "id").text = self_url
    ET.SubElement(feed, "link", href=self_url, rel="self")
    ET.SubElement(feed, "link", href=site_url or "/")
    updated = max((i.date for i in items), default=None)
    ET.SubElement(feed, "updated").text = updated.isoformat() if updated else "1970-01-01T00:00:00+00:00"
    for item in items:
        entry = ET.SubElement(feed, "entry")
        ET.SubElement(entry, "title", type="text").text = item.title
        ET.SubElement(entry, "id").text = item_url(site_url, item)
        ET.SubElement(entry, "link", href=item_url(site_url, item))
        ET.SubElement(entry, "updated").text = item.date.isoformat()
        ET.SubElement(entry, "summary", type="text").text = item.meta.get("summary") or item.title
        author = ET.SubElement(entry, "author")
        ET.SubElement(author, "name").text = ", ".join(item.meta.get("authors") or ["La communauté"])
    return feed
