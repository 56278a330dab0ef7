"""The images a body's page will actually show: rendered as the site renders it, then sanitized.

Reading the Markdown with patterns misses what Markdown and its extensions turn into an
``<img src>`` (a shortcut reference ``![r]``, attr_list's ``{: src=… }``, an entity-encoded
URL, a ``>`` inside a quoted attribute); reading the page cannot.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from .lazypattern import lazy

# A scheme-relative URL with a line break or tab between its slashes (browsers drop those).
SPLIT_SLASHES = lazy(r"/[\t\n\r]+/")
# The emoji extension's pictures come from the site's configuration, not from the author.
NOT_THE_AUTHORS = ("pymdownx.emoji",)
# What browsers drop from a URL before reading it (tab, line breaks) and strip around it.
URL_IGNORED = lazy(r"[\t\n\r]")


def may_show_remote_image(body: str) -> bool:
    """False when no rendering of ``body`` can show an image from another host: most bodies,
    told with plain substring searches (a regex or a render per body would slow the cold check).
    An image needs ``![``, ``<img`` or ``src`` (attr_list's ``{: src=… }``); another host needs
    "http" (any case) or two slashes ("//", "\\" read as "/", a line break between), unless
    an entity ("&#104;") hides them. Another host needs a scheme's ":", two slashes, or the
    "&" or "\\" that hides them: without any of the four (single characters, found at
    memchr speed) no image can come from elsewhere."""
    if ":" not in body and "/" not in body and "&" not in body and "\\" not in body:
        return False
    lower = _ascii_lower(body)
    if "![" not in body and "<img" not in lower and "src" not in lower:
        return False
    return ("http" in lower or "//" in body or "&" in body or "\\" in body
            or SPLIT_SLASHES.search(body) is not None)


ENTITY = lazy(r"&#?\w+;")


def _ascii_lower(text: str) -> str:
    """``text.lower()`` as far as the ASCII needles above can tell (no other character lowers to
    one of their letters next to the others: only U+0130 and U+212A lower to ASCII at all),
    three times cheaper on a long accented body."""
    return text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")


def needs_rendering(body: str) -> bool:
    """Whether only the rendered page can tell: raw ``<img>`` tags (quotes, entities), attr_list
    ``{: src=… }``, entities, backslashes or split slashes. A plain ``![x](https://…)`` or a
    reference is read where it is written: rendering every body with an image and a link made
    the cold check of an illustrated community three times slower."""
    lower = _ascii_lower(body)
    return ("<img" in lower or ("src" in lower and "{" in body) or "\\" in body
            or ENTITY.search(body) is not None or SPLIT_SLASHES.search(body) is not None)


def image_sources(body: str, site) -> list[str]:
    """Every ``<img src>`` of the sanitized page ``body`` becomes, in page order (entities decoded)."""
    from html.parser import HTMLParser

    from .sanitize import sanitize_html

    converter = _converter(site)
    converter.reset()
    html = sanitize_html(converter.convert(body))
    sources: list[str] = []

    class Images(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "img":
                sources.extend(value for name, value in attrs if name == "src" and value)

        handle_startendtag = handle_starttag

    parser = Images(convert_charrefs=True)
    parser.feed(html)
    parser.close()
    return sources


def is_remote(src: str, own_host: str = "") -> bool:
    """Whether a browser fetches ``src`` from another host than the site's: an absolute URL
    (``https:…``) or a scheme-relative one (``//host``, ``/\\host``: browsers read ``\\`` as ``/``)."""
    url = as_fetched(src)
    parts = urlsplit(url)
    if not parts.scheme and not url.startswith("//"):
        return False
    return not own_host or (parts.hostname or "") != own_host


def as_fetched(src: str) -> str:
    """The URL a browser asks for when a page says ``src``."""
    return URL_IGNORED.sub("", src).strip("\x00 \x0b\x0c").replace("\\", "/")


@lru_cache(maxsize=4)
def _converter(site):
    """One Markdown converter per site configuration (load_site_config gives the same object
    while mkdocs.yml is unchanged): loading extensions costs more than converting."""
    import markdown

    from .newsletter import _usable_extensions

    configured = [(name, options) for name, options in site.extensions
                  if name.partition(":")[0] not in NOT_THE_AUTHORS]
    names, configs = _usable_extensions(configured)
    return markdown.Markdown(extensions=names, extension_configs=configs)
