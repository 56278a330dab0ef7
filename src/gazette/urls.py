"""Where an item's page is on the site: one answer for the site, the feeds and links.

The page sits in the item's folder under ``content/`` and is named by its slug:
the file name, or ``slug:`` from the front matter (Material's blog key).
"""

from __future__ import annotations


def page_src(item) -> str:
    """The docs-relative source path MkDocs would give the page: posts/2026/<slug>.md."""
    folder = item.path.removeprefix("content/").rsplit("/", 1)[0]
    return f"{folder}/{item.slug}.md"


def page_path(item) -> str:
    """The page's URL path with directory URLs (the site's setting): posts/2026/<slug>/."""
    from .siteurls import url_path

    return url_path(page_src(item))


def item_url(site_url: str, item) -> str:
    """The page's absolute URL under ``site_url``."""
    return f"{site_url.rstrip('/')}/{page_path(item)}"
