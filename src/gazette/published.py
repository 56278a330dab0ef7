"""What under ``content/`` may ever reach the site: one set of rules for check and build.

``content/`` is MkDocs' ``docs_dir``, and MkDocs copies whatever it finds
there. Contributors are untrusted, so the site plugin asks these
predicates for every file and drops what fails, whatever severity the
matching problem has; ``gazette check`` reports the same files (through
:func:`gazette.load.list_item_paths`) so that authors learn why.
"""

from __future__ import annotations

import re

# Editor backups, swap files and merge leftovers: copies of text nobody meant to publish.
LEFTOVER = re.compile(r"(?:~|\.orig|\.rej|\.swp|\.swo|\.bak)$|^\.#|^#.*#$")
# Attachments a page may show or link to: images, documents, audio and video.
ATTACHMENT_TYPES = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg", ".ico", ".pdf",
    ".mp3", ".ogg", ".oga", ".opus", ".wav", ".m4a", ".flac", ".mp4", ".webm", ".ogv", ".mov",
})
MARKDOWN_TYPES = (".md", ".markdown", ".mdown", ".mkd", ".mkdn")
# Stylesheets are code: published only when mkdocs.yml (a maintainer's file) names them.
STYLESHEET_TYPES = (".css",)
ITEM_KEY = re.compile(r"^[\"']?(?:date|status)[\"']?[ \t]*:", re.M | re.I)
BLANK_LINE = re.compile(r"\r?\n[ \t]*\r?\n")

# What makes an SVG active when opened as a document: script, handlers, HTML islands,
# animations that rewrite links or handlers, and anything fetched from elsewhere.
SVG_DANGERS = [
    (re.compile(r"<\s*script", re.I), "a <script> element"),
    (re.compile(r"[\s\"'/]on[a-z]+\s*=", re.I), "an on…= event handler"),
    (re.compile(r"<\s*foreignObject", re.I), "a <foreignObject> (HTML inside the image)"),
    (re.compile(r"<\s*(?:set|animate\w*)\b[^>]*attributeName\s*=\s*[\"']?\s*(?:[\w:]*href|on)", re.I),
     "an animation that rewrites a link or a handler"),
    (re.compile(r"(?:href|src)\s*=\s*[\"']?\s*(?!#)[^\s\"'>]", re.I), "a reference to another file or site"),
    (re.compile(r"url\(\s*[\"']?\s*(?!#)", re.I), "a url(…) to another file or site"),
    (re.compile(r"@import|<!ENTITY|<\?xml-stylesheet", re.I), "an import or an entity"),
    (re.compile(r"javascript:|data:", re.I), "a javascript: or data: URL"),
]


def is_leftover(name: str) -> bool:
    return bool(LEFTOVER.search(name))


def suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def attachment_type_allowed(name: str) -> bool:
    """Whether a file that is not an item may be published for its type (stylesheets are
    decided by mkdocs.yml, Markdown by the item rules)."""
    kind = suffix(name)
    return kind in ATTACHMENT_TYPES or kind in STYLESHEET_TYPES or kind in MARKDOWN_TYPES


def svg_danger(text: str) -> str | None:
    """What makes this SVG unsafe to serve, or None. Refusing is simpler and surer than
    rewriting: a drawing made in an editor has none of these."""
    for pattern, what in SVG_DANGERS:
        if pattern.search(text):
            return what
    return None


def looks_like_item(text: str) -> bool:
    """A Markdown file whose metadata has ``date:`` or ``status:``: an item someone put in the
    wrong folder (content/post/, content/Posts/…), perhaps a draft. MkDocs reads a YAML front
    matter (after a BOM too) or, without one, MultiMarkdown-style ``Key: value`` first lines."""
    text = text[:16384].lstrip("\ufeff")
    if text.startswith("---"):
        end = text.find("\n---", 3)
        head = text[: end if end > 0 else len(text)]
    else:
        head = BLANK_LINE.split(text, 1)[0]
    return bool(ITEM_KEY.search(head))
