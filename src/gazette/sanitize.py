"""The one HTML sanitizer: every body Markdown renders goes through it before anyone reads it.

Contributors are untrusted, and Markdown passes raw HTML through, so what a
body becomes is cleaned by an allow-list (nh3, the Rust ``ammonia`` crate):
the tags and attributes Material's pages and our e-mails need, URL schemes
http, https, mailto and relative, and nothing else: no event handler, no
``style``, no ``<script>``, ``<iframe>``, ``<svg>`` or ``<form>``, no
entity-encoded ``javascript:``. The site and the newsletter both call
:func:`sanitize_html`; the ``security/*`` checks only tell authors earlier.
"""

from __future__ import annotations

import re
from functools import lru_cache

# What Python-Markdown, its extensions (toc, admonition, attr_list, footnotes, tables,
# def_list, abbr) and pymdownx (details, highlight, tabbed, tasklist, mark, keys…) emit.
TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd", "label", "li", "mark",
    "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
})
# Removed with what they contain: their text is code or styling, never reading matter.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "noscript", "iframe", "object",
                                  "embed", "svg", "math", "textarea", "select", "title"})
GENERIC_ATTRIBUTES = frozenset({"id", "class", "title", "lang", "dir"})
ATTRIBUTES = {
    "a": {"href", "hreflang", "rel"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "col": {"span"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "details": {"open"},
    "time": {"datetime"},
    "input": {"type", "checked", "disabled", "name"},  # task lists and tabbed blocks
    "label": {"for"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Python-Markdown's tables align columns with a style attribute: these exact values only.
ALIGNMENTS = frozenset({"text-align: left;", "text-align: right;", "text-align: center;"})
# Attributes whose value names an element the theme finds by name: body content comes before the
# theme's own <script id="__config">, <input id="__drawer">…, so a body element with that id would
# be the one Material reads (DOM clobbering: its base URL, search worker, instant navigation).
NAMING_ATTRIBUTES = frozenset({"id", "for", "name"})
THEME_NAMES = re.compile(r"(?:__|md[-_])", re.I)
# What pymdownx itself names in that namespace (content tabs, line anchors): not the theme's.
EXTENSION_NAMES = re.compile(r"__(?:tabbed_\d+(?:_\d+)?|codelineno-\d+-\d+|span-\d+-\d+)", re.I)

# Material's own classes (md-dialog, md-banner, md-header…) would make a body element look like
# the theme (a fake toast or banner): only the ones Material documents for content may stay.
THEME_CLASS = re.compile(r"md[-_]", re.I)
THEME_CLASS_IN = re.compile(r"(?:^|\s)md[-_]", re.I)
CONTENT_THEME_CLASSES = frozenset({"md-button", "md-button--primary"})


@lru_cache(maxsize=1)
def _cleaner():
    import nh3

    return nh3.Cleaner(
        tags=set(TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={"*": set(GENERIC_ATTRIBUTES), **{tag: set(names) for tag, names in ATTRIBUTES.items()}},
        url_schemes=set(URL_SCHEMES),
        tag_attribute_values={"th": {"style": set(ALIGNMENTS)}, "td": {"style": set(ALIGNMENTS)}},
        link_rel=None,  # rel stays what Markdown wrote; target=_blank is not allowed at all
        strip_comments=True,
        attribute_filter=_no_theme_names,
    )


def _no_theme_names(element: str, attribute: str, value: str) -> str | None:
    """Drops an id, for or name the theme reads, and the theme's classes (the value arrives
    with entities decoded)."""
    if attribute in NAMING_ATTRIBUTES and THEME_NAMES.match(value.strip()) and not EXTENSION_NAMES.fullmatch(value):
        return None
    if attribute == "class" and THEME_CLASS_IN.search(value):  # one scan: most classes never hold md-
        kept = [token for token in value.split()
                if not THEME_CLASS.match(token) or token in CONTENT_THEME_CLASSES]
        return " ".join(kept) or None
    return value


def sanitize_html(html: str) -> str:
    """``html`` with only allow-listed markup left: safe to put in a page or an e-mail."""
    return _cleaner().clean(html)
