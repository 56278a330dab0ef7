"""What under ``content/`` may ever reach the site: one set of rules for check and build.

``content/`` is MkDocs' ``docs_dir``, and MkDocs copies whatever it finds
there. Contributors are untrusted, so the site plugin asks these
predicates for every file and drops what fails, whatever severity the
matching problem has; ``gazette check`` reports the same files (through
:func:`gazette.load.list_item_paths`) so that authors learn why.
"""

from __future__ import annotations

import os
import re

from .lazypattern import lazy
from .i18n import N_, _

# Editor backups, swap files and merge leftovers: copies of text nobody meant to publish.
LEFTOVER = lazy(r"(?:~|\.orig|\.rej|\.swp|\.swo|\.bak)$|^\.#|^#.*#$")
# Attachments a page may show or link to: images, documents, audio and video.
ATTACHMENT_TYPES = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg", ".ico", ".pdf",
    ".mp3", ".ogg", ".oga", ".opus", ".wav", ".m4a", ".flac", ".mp4", ".webm", ".ogv", ".mov",
})
MARKDOWN_TYPES = (".md", ".markdown", ".mdown", ".mkd", ".mkdn")
# Stylesheets are code: published only when mkdocs.yml (a maintainer's file) names them.
STYLESHEET_TYPES = (".css",)
# Found by their extension, then read backwards to the delimiter: a pattern that matched the name
# first would retry every start of a long unbroken run of text (quadratic on a hostile body).
ATTACHMENT_SUFFIX = lazy(r"\.(?:" + "|".join(sorted(t[1:] for t in ATTACHMENT_TYPES)) + r")(?![\w.-])", re.I)
NAME_DELIMITER = lazy(r"[\s\"'()<>\[\]{}=,;|*`\\/]")
MAX_NAME = 255
ITEM_KEYS = frozenset({"date", "status", "draft"})
# What Material writes from a page's meta as text (<title>, <meta name="description">, the search index).
MATERIAL_PAGE_STATUSES = ("new", "deprecated")
PAGE_TEXT_KEYS = ("title", "description", "author")
# A page's template: is a name in the theme (Material's own, or the custom_dir's overrides): a path
# (../../etc/passwd) breaks the build, another file type (sitemap.xml) swaps the page's layout.
PAGE_TEMPLATE = lazy(r"[A-Za-z0-9_-]+\.html")
# A block that only looks like metadata: any of the keys, however quoted, indented or escaped.
ITEM_KEY_TEXT = lazy(r"date|status|draft|\\[xuU]|\?", re.I)
# How MkDocs (mkdocs.utils.meta) finds a YAML front matter and MultiMarkdown keys.
MKDOCS_YAML = lazy(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)
MKDOCS_META_KEY = lazy(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):")
MKDOCS_META_MORE = lazy(r"^(?:[ ]{4}|\t)")

# What makes an SVG active when opened as a document, judged on the parsed XML by local names
# (a prefix is whatever the author declares: <s:script xmlns:s="…svg"> is a script).
SVG_ACTIVE_ELEMENTS = {"script": N_("a <script> element"), "foreignobject": N_("a <foreignObject> (HTML inside the image)"),
                       "handler": N_("a <handler> element"), "listener": N_("a <listener> element"),
                       "iframe": N_("an <iframe>"), "embed": N_("an <embed>"), "object": N_("an <object>")}
SVG_ANIMATIONS = frozenset({"set", "animate", "animatemotion", "animatetransform", "animatecolor"})
XHTML = "http://www.w3.org/1999/xhtml"
# In CSS (a <style> or a style="…"): anything fetched, and escapes that could spell url( or @import.
CSS_DANGER = lazy(r"url\(\s*[\"']?\s*(?!#)|@import|\\|image(?:-set)?\(|src\(", re.I)
URL_IN_VALUE = lazy(r"url\(\s*[\"']?\s*(?!#)", re.I)
ACTIVE_SCHEME = lazy(r"(?:javascript|data|vbscript):", re.I)


def is_leftover(name: str) -> bool:
    return bool(LEFTOVER.search(name))


def suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


# A contest's list of pseudonyms (gazette contest close), published for anyone to verify the draw.
CONTEST_LIST = lazy(r"[a-z0-9][a-z0-9_-]*\.entries\.txt")


def attachment_type_allowed(name: str) -> bool:
    """Whether a file that is not an item may be published for its type (stylesheets are
    decided by mkdocs.yml, Markdown by the item rules)."""
    kind = suffix(name)
    return kind in ATTACHMENT_TYPES or kind in STYLESHEET_TYPES or kind in MARKDOWN_TYPES or \
        bool(CONTEST_LIST.fullmatch(name))


def svg_danger(text: str) -> str | None:
    """What makes this SVG unsafe to serve, or None. Refusing is simpler and surer than
    rewriting: a drawing made in an editor has none of these, and what does not parse as XML
    is refused too (a browser would guess, and guess differently)."""
    from xml.parsers import expat

    found: list[str] = []
    style_depth = [0]
    stylesheet: list[str] = []  # expat hands text over in pieces (an entity splits "url(")

    def local(name: str) -> str:
        return name.rsplit(" ", 1)[-1].rsplit(":", 1)[-1].lower()

    def start(name: str, attributes: dict) -> None:
        element = local(name)
        if element in SVG_ACTIVE_ELEMENTS:
            found.append(SVG_ACTIVE_ELEMENTS[element])
        elif name.startswith(XHTML + " "):
            found.append(_("an HTML <{element}> element").format(element=element))
        if element == "style":
            style_depth[0] += 1
        for attribute, value in attributes.items():
            what = _svg_attribute_danger(element, local(attribute), value)
            if what:
                found.append(what)

    def end(name: str) -> None:
        if local(name) == "style":
            style_depth[0] -= 1
            if CSS_DANGER.search("".join(stylesheet)):
                found.append(N_("a stylesheet that imports or fetches"))
            stylesheet.clear()

    def characters(data: str) -> None:
        if style_depth[0]:
            stylesheet.append(data)

    def refuse(what: str):
        def handler(*args) -> None:
            raise _Refused(what)  # at once: no entity is ever expanded
        return handler

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, characters
    parser.StartDoctypeDeclHandler = refuse(N_("a DOCTYPE (entities, external definitions)"))
    parser.EntityDeclHandler = refuse(N_("an entity declaration"))
    parser.ProcessingInstructionHandler = refuse(N_("a processing instruction (<?xml-stylesheet…?>)"))
    parser.ExternalEntityRefHandler = refuse(N_("an external entity"))
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(text.encode("utf-8"), True)
    except _Refused as refused:
        return str(refused)
    except expat.ExpatError as error:
        return found[0] if found else _("XML that does not parse ({error})").format(
            error=expat.errors.messages.get(error.code, error))
    return found[0] if found else None


class _Refused(Exception):
    pass


def _svg_attribute_danger(element: str, attribute: str, value: str) -> str | None:
    squeezed = re.sub(r"[\x00-\x20]", "", value)
    if attribute.startswith("on"):
        return N_("an on…= event handler")
    if attribute == "base":
        return N_("an xml:base (links resolved against another site)")
    if element in SVG_ANIMATIONS and attribute == "attributename" and \
            (local_name(squeezed).lower() in ("href", "src") or local_name(squeezed).lower().startswith("on")):
        return N_("an animation that rewrites a link or a handler")
    if attribute in ("href", "src") and not squeezed.startswith("#"):
        return N_("a reference to another file or site")
    if ACTIVE_SCHEME.search(squeezed):
        return N_("a javascript: or data: URL")
    if (attribute == "style" and CSS_DANGER.search(value)) or URL_IN_VALUE.search(value):
        return N_("a url(…) to another file or site")
    return None


def _material_status(key, value) -> bool:
    """``status: new`` or ``status: deprecated`` is Material's page status (a badge in the
    navigation), not an item's: items say draft, review, approved, published…"""
    return key == "status" and value in MATERIAL_PAGE_STATUSES


def local_name(name: str) -> str:
    return name.rsplit(":", 1)[-1]


def looks_like_item(text: str) -> bool:
    """A Markdown file whose metadata has ``date:``, ``status:`` or ``draft:``: an item someone
    put in the wrong folder (content/post/, content/Posts/…), perhaps a draft. The metadata is
    read as MkDocs reads it (a YAML front matter, or MultiMarkdown ``Key: value`` first lines),
    so no spelling of a key escapes; a front matter that does not load counts as an item."""
    from .yamlsafe import YAMLProblem

    text = _normalised(text)
    block = MKDOCS_YAML.match(text)
    if block:
        try:
            data, _lines = _front_matter(block)
        except YAMLProblem:
            return True  # MkDocs would publish it whole: whatever it meant, it is not a page
        if isinstance(data, dict):
            return any(str(key).strip().lower() in ITEM_KEYS and not _material_status(key, value)
                       for key, value in data.items())
        return bool(ITEM_KEY_TEXT.search(block.group(1)))
    if text.startswith("---"):  # an unclosed front matter: MkDocs shows it as text; refuse if it could be one
        return bool(ITEM_KEY_TEXT.search(text[:16384].split("\n\n", 1)[0]))
    for line in text[:16384].split("\n"):
        if not line.strip():
            break
        key = MKDOCS_META_KEY.match(line)
        if key:
            if key["key"].lower() in ITEM_KEYS and not _material_status(key["key"], line[key.end():].strip()):
                return True
        elif not MKDOCS_META_MORE.match(line):
            break
    return False


def page_meta_not_text(text: str) -> list[tuple[str, int | None]]:
    """The keys among ``PAGE_TEXT_KEYS`` whose value in a page's YAML front matter is not a
    text (a list, a mapping, a number…), with their lines: Material writes them with str()."""
    from .yamlsafe import YAMLProblem

    block = MKDOCS_YAML.match(_normalised(text))
    if not block:
        return []
    try:
        data, lines = _front_matter(block)
    except YAMLProblem:
        return []
    if not isinstance(data, dict):
        return []
    found = [(key, lines.get((key,))) for key in PAGE_TEXT_KEYS
             if key in data and data[key] is not None and not isinstance(data[key], str)]
    if "template" in data and not template_allowed(data["template"]):
        found.append(("template", lines.get(("template",))))
    return found


def template_allowed(value) -> bool:
    return isinstance(value, str) and PAGE_TEMPLATE.fullmatch(value) is not None


def _normalised(text: str) -> str:
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _front_matter(block):
    from .yamlsafe import parse

    return parse(block.group(1), first_line=2)


def attachment_names(text: str) -> set[str]:
    """The file names of attachments a text mentions, however: Markdown links and images,
    raw HTML, front matter, CSS url(…), mkdocs.yml settings (percent-encoding undone)."""
    from urllib.parse import unquote

    names = set()
    for match in ATTACHMENT_SUFFIX.finditer(text):
        stem = NAME_DELIMITER.split(text[max(0, match.start() - MAX_NAME):match.start()])[-1]
        if stem:
            names.add(unquote(stem + match.group()).rsplit("/", 1)[-1])
    return names


class Gate:
    """Decides, file by file, what of docs_dir the site publishes.

    ``public`` holds the docs-relative paths of the public items, ``used`` is called once,
    on the first attachment in a kind folder, for the files public items use; ``named``
    holds the stylesheets and scripts mkdocs.yml names; ``mentions`` is called once, on the
    first attachment outside the kind folders, for (the attachment names non-public items
    mention, the names public items, pages and mkdocs.yml mention)."""

    def __init__(self, docs_dir: str, public, used, named, mentions=None):
        from .load import KIND_FOLDERS

        self.docs_dir, self.public, self._used, self.named = os.path.abspath(docs_dir), public, used, named
        self._mentions = mentions
        self.kind_folders = KIND_FOLDERS
        self.linked: dict[str, bool] = {}

    def refuses(self, src: str, path: str | None) -> bool:
        if not path or not path.startswith(self.docs_dir + os.sep):
            return False  # the theme's own files
        name = src.rsplit("/", 1)[-1]
        if self.through_link(path) or is_leftover(name):
            return True
        parts = src.split("/")
        in_kind_folder = len(parts) >= 2 and parts[0] in self.kind_folders
        kind = suffix(name)
        if kind in MARKDOWN_TYPES:
            if in_kind_folder:  # an item: only the public ones, under their exact name
                return src not in self.public
            return _read(path, looks_like_item)
        if in_kind_folder and CONTEST_LIST.fullmatch(name):  # published with its public contest only
            return src.removesuffix(".entries.txt") + ".md" not in self.public
        if in_kind_folder and src not in self.used():
            return True  # an attachment no public item uses: a draft's photos stay with it
        if not in_kind_folder and kind in ATTACHMENT_TYPES and self.private_only(name):
            return True  # content/images/secret.png, shown by a draft alone
        if kind in STYLESHEET_TYPES or kind in (".js", ".mjs"):
            return src not in self.named  # code: only what mkdocs.yml names
        if kind not in ATTACHMENT_TYPES:
            return True
        return kind == ".svg" and _read(path, lambda text: svg_danger(text) is not None)

    def private_only(self, name: str) -> bool:
        if self._mentions is None:
            return False
        if callable(self._mentions):
            self._mentions = self._mentions()
        private, public = self._mentions
        return name in private and name not in public

    def used(self) -> set[str]:
        if not isinstance(self._used, set):
            self._used = set(self._used())
        return self._used

    def through_link(self, path: str) -> bool:
        """Whether the file or a folder between it and docs_dir is a symbolic link (MkDocs
        follows them: a link could publish /etc/passwd or the subscriber list)."""
        if os.path.islink(path):
            return True
        folder = os.path.dirname(path)
        while len(folder) > len(self.docs_dir):
            known = self.linked.get(folder)
            if known is None:
                known = self.linked[folder] = os.path.islink(folder)
            if known:
                return True
            folder = os.path.dirname(folder)
        return False


def _read(path: str, test) -> bool:
    """``test`` on a file's text; unreadable counts as failing (not published)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return test(handle.read(1024 * 1024))
    except (OSError, UnicodeDecodeError):
        return True
