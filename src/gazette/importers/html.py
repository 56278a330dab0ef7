"""HTML bodies to Markdown (markdownify; docs/init.md says why rather than html2text).

What cannot become Markdown is reported, never carried blindly: scripts,
styles, embeds and forms are dropped with a note; WordPress shortcodes
(``[gallery]``, ``[caption]``) are left as text with a note, for a person.
"""

from __future__ import annotations

import re
from ..i18n import _

DROPPED = ("script", "style", "iframe", "object", "embed", "form", "input", "button", "noscript", "template")
SHORTCODE = re.compile(r"\[/?([a-z_][a-z0-9_-]*)(?:\s[^\]]*)?\]", re.I)
BLOCK_START = re.compile(r"^\s*<(?:p|div|h[1-6]|ul|ol|li|blockquote|pre|table|figure|hr|!--)\b", re.I)


def autop(html: str) -> str:
    """WordPress stores paragraphs as blank lines (its wpautop adds <p> on display): make them <p>."""
    blocks = re.split(r"\n\s*\n", html.replace("\r\n", "\n"))
    out = []
    for block in blocks:
        if not block.strip():
            continue
        out.append(block if BLOCK_START.match(block) else "<p>" + block.replace("\n", "<br>\n") + "</p>")
    return "\n".join(out)


def to_markdown(html: str, paragraphs_by_blank_lines: bool = False) -> tuple[str, list[str]]:
    """(Markdown, notes on what was not carried)."""
    from bs4 import BeautifulSoup, Comment
    from markdownify import MarkdownConverter

    notes: list[str] = []
    if paragraphs_by_blank_lines:
        html = autop(html)
    soup = BeautifulSoup(html, "html.parser")
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()   # Gutenberg's <!-- wp:paragraph --> block markers
    dropped: dict[str, int] = {}
    for tag in soup.find_all(DROPPED):
        dropped[tag.name] = dropped.get(tag.name, 0) + 1
        tag.decompose()
    for name, count in sorted(dropped.items()):
        notes.append(_("{count} <{name}> dropped (not carried: re-create it by hand if it mattered)").format(count=count, name=name))
    markdown = MarkdownConverter(heading_style="ATX", bullets="-", strip=["span", "font"],
                                 escape_underscores=False).convert_soup(soup)
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip() + "\n"
    codes = sorted({m.group(1).lower() for m in SHORTCODE.finditer(markdown)
                    if m.group(1).lower() in SHORTCODES})
    if codes:
        notes.append(_("shortcodes left as text: {items}").format(items=", ".join(f"[{c}]" for c in codes)))
    return markdown, notes


# WordPress's built-in shortcodes and the commonest plugins': the rest of [word] is ordinary text.
SHORTCODES = frozenset({"caption", "gallery", "audio", "video", "playlist", "embed", "wp_caption", "contact-form-7",
                        "contact-form", "youtube", "vimeo"})
