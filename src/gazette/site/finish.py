"""After any engine's build: what Gazette does to the pages the engine wrote.

Whatever the engine did with raw HTML, each page's content region (from Material's
``<article class="md-content__inner md-typeset">`` to the last ``</article>``) goes through the
one sanitizer, :func:`gazette.sanitize.sanitize_html`; Gazette's own HTML (lists, bylines, the
contest box, the home's sections), kept beside the public tree, is put back at its markers; the
tree's feeds are copied; the search index's fields are made text (results are written as HTML,
outside the content region) and get the forms of their words members may type. The
same step finishes ``gazette site build`` (any engine) and ``mkdocs build`` with the plugin.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from markupsafe import escape

from ..siteurls import url_path

CONTENT_START = '<article class="md-content__inner md-typeset">'
CONTENT_END = "</article>"
# The sidebars (navigation, table of contents) come before the content region and carry the
# headings' own HTML: Zensical copies it into the table of contents as written, handlers too.
SIDEBAR_START = '<div class="md-sidebar md-sidebar--primary"'
CONTENT_DIV = '<div class="md-content" data-md-component="content">'
CACHE_NAME = "sanitized.marshal"  # beside the tree: each content region's sanitized text, by digest
SECONDARY_START = '<div class="md-sidebar md-sidebar--secondary"'
TOC_NAV = '<nav class="md-nav md-nav--secondary"'  # a table of contents, in either sidebar


def _sanitizer_version() -> str:
    from importlib.metadata import version

    from .. import __version__

    return f"gazette {__version__}, nh3 {version('nh3')}"


class Finisher:
    """The finish step of one build, page by page: each page's content region through the
    sanitizer, Gazette's own HTML put back at its markers. The plugin gives it each page as MkDocs
    renders it (no second read and write of every page); ``finish_site`` does the rest."""

    def __init__(self, tree: Path, sidebars: bool = True, cached: bool = True):
        """``sidebars``: re-parse each page's sidebars through the allow-list, on every engine:
        Zensical writes the headings' HTML into the table of contents, and on MkDocs a plugin or
        hook that runs after Gazette's page hooks can (a reviewer pasted live HTML there, past
        :func:`make_toc_safe`). Only what runs here, as the page is written, comes last.
        ``cached``: read the sanitized texts kept by the last build (not for the few pages left
        when a worker finished the others)."""
        tree = Path(tree)
        self.tree = tree
        self.sidebars = sidebars
        state = json.loads((tree / "held.json").read_text())
        self.held = state["pages"]
        self.pattern = re.compile(f"<!-- gazette-held-{state['token']}-(\\d+) -->")
        directory_urls = state.get("directory_urls", True)
        # The file the engine writes for each page that has held pieces.
        self.by_path = {_written_path(src, directory_urls): src for src in self.held}
        # Each page's link preview tags, when the tree kept them here rather than in its front
        # matter (Zensical: see write_tree's heads_held), by the file the engine writes.
        heads = state.get("heads")
        self.heads = {_written_path(src, directory_urls): head for src, head in heads.items()
                      if isinstance(head, str)} if isinstance(heads, dict) else {}
        # A rebuild renders most pages' content exactly as last time: their sanitized text is kept
        # beside the tree, by the digest of what the engine wrote (the sanitizer is a pure function).
        # Another Gazette or nh3 may sanitize differently: their versions name the cache.
        # marshal, not JSON: writing 14 MB of texts as JSON cost ~80 ms of every cold build (~15 as
        # marshal), reading them ~60 ms of every rebuild. Plain dicts and texts only: nothing in it
        # is executed, and a text is used only as the sanitizer's output for the digest it is kept by.
        self.cache_file = tree / CACHE_NAME
        self.policy = _sanitizer_version()
        from .. import sealed

        known = sealed.read(self.cache_file, self.policy) if cached else None  # None: absent, damaged, another policy
        self.known = known if type(known) is dict else {}
        self.used: dict[str, str] = {}
        self.done: set[str] = set()  # site-relative paths already finished
        self.count = 0
        import hashlib

        from ..sanitize import sanitize_html

        self.blake2b, self.sanitize_html = hashlib.blake2b, sanitize_html

    def sanitized(self, html: str, sanitize=None) -> str:
        key = self.blake2b(html.encode("utf-8"), digest_size=16).hexdigest()
        if sanitize is None:
            sanitize = self.sanitize_html
        else:
            key = "sidebars-" + key
        clean = self.known.get(key)
        if not isinstance(clean, str):
            clean = sanitize(html)
        self.used[key] = clean
        return clean

    def page(self, relpath: str, html: str) -> str:
        """The page the engine wrote at ``relpath`` (site-relative, "/" separators), finished."""
        self.done.add(relpath)
        finished = _name_search_dialog(html)
        start = finished.find(CONTENT_START)
        end = finished.rfind(CONTENT_END)
        sidebar = finished.find(SIDEBAR_START) if self.sidebars else -1
        if 0 <= sidebar < start:
            # Up to the content region (the first occurrence: one a heading forged only starts the
            # region earlier), so together they cover everything from the sidebars to </article>.
            # The primary sidebar (the navigation: escaped titles from the tree) is cleaned only
            # when it holds a table of contents (the current page's, when it is in the navigation):
            # it was four fifths of the sidebars' bytes on every other page.
            secondary = finished.find(SECONDARY_START, sidebar, start)
            if secondary > sidebar and TOC_NAV not in finished[sidebar:secondary]:
                sidebar = secondary
            region = finished[sidebar:start]
            tail = region.rstrip()
            tail = region[len(tail) - len(CONTENT_DIV):] if tail.endswith(CONTENT_DIV) else ""
            clean = self.sanitized(region[:len(region) - len(tail)], _sanitize_sidebars) + tail
            finished = finished[:sidebar] + clean + finished[start:]
            start = sidebar + len(clean)
            end = finished.rfind(CONTENT_END)
        if start >= 0 and end >= start:
            start += len(CONTENT_START)
            pieces_html = self.held.get(self.by_path.get(relpath, ""), [])
            parts = self.pattern.split(finished[start:end])
            out = [self.sanitized(parts[0])]
            for number, rest in zip(parts[1::2], parts[2::2]):
                out += [pieces_html[int(number)] if int(number) < len(pieces_html) else "", self.sanitized(rest)]
            finished = finished[:start] + "".join(out) + finished[end:]
            self.count += 1
        head = self.heads.get(relpath)
        if head:
            finished = _with_head(finished, head)
        return finished


def _written_path(src: str, directory_urls: bool) -> str:
    """The site-relative file the engine writes for the page at ``src`` under docs/."""
    url = url_path(src, directory_urls)
    return url + "index.html" if url.endswith("/") or not url else url


# What Gazette's theme layer (overrides/main.html) writes after its extrahead block when the page
# has no tags of its own, before the theme's </head>: the tags go where the template puts them.
_HEAD_END = "\n\n  </head>"


def _with_head(html: str, head: str) -> str:
    """``head`` (Gazette's link preview tags, escaped as they were made) put where the theme layer
    writes them: at the end of the document's head. The first </head> is the theme's: nothing a
    contributor writes comes before it unescaped (titles and descriptions are escaped in the tree)."""
    end = html.find("</head>")
    if end < 0:
        return html
    if html.startswith(_HEAD_END, end - len(_HEAD_END) + len("</head>")):
        end -= len(_HEAD_END) - len("</head>")
    return html[:end] + head + html[end:]


def finish_site(tree: Path, site_dir: Path, finisher: Finisher | None = None) -> int:
    """After any engine's build: each page's content region through the sanitizer, Gazette's
    own HTML put back, the tree's feeds copied, search forms written. Returns the pages processed.
    ``finisher``: the one the pages already went through as the engine rendered them; every other
    HTML file the engine wrote (404, a theme's own page) is finished here from the disk."""
    tree, site_dir = Path(tree), Path(site_dir)
    finisher = finisher or Finisher(tree)
    top = str(site_dir)
    pages = []
    # os.walk never enters a link to a folder (followlinks=False: it tests each one itself), and
    # every folder it yields is top or under it: the relative path is a slice (relpath and a
    # second islink a folder were 0.05 s of 3,100 folders).
    for folder, _dirs, names in os.walk(top):
        prefix = folder[len(top) + 1:].replace(os.sep, "/") + "/" if folder != top else ""
        for name in names:
            if not name.endswith(".html") or prefix + name in finisher.done:
                continue
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                pages.append((prefix + name, path))
    # MkDocs' search index, Zensical's.
    indexes = [os.path.join(top, "search", "search_index.json"), os.path.join(top, "search.json")]
    _finish_files(finisher, pages, indexes)
    from .. import sealed
    from .tree import _write_kept

    _write_kept(finisher.cache_file, sealed.dumps(finisher.policy, finisher.used))
    try:
        os.unlink(tree / "sanitized.json")  # what an earlier Gazette kept the same texts in
    except OSError:
        pass
    _copy_feeds(tree / "feeds", site_dir)
    return finisher.count


# Fewer pages than this are finished by this process alone (MkDocs leaves a few: the 404).
TWO_PROCESSES_FROM = 64
WORKER_SHARE = (2, 3)  # the second process finishes 2 pages in 3


class FinishError(Exception):
    """The second process finishing pages failed: the build stops (its pages were removed)."""


def _finish_files(finisher: Finisher, pages: list[tuple[str, str]], indexes: list[str]) -> None:
    """Each page (site-relative path, file) through ``finisher``, written back where it changed,
    and each search index folded. With many pages, two in three in a second process: the engine
    has exited and left both cores idle (3,117 pages: 1.6 s to about 1.1 s of wall time, 0.1 s
    more CPU; two threads were slower than one, the sanitizers' attribute filters being Python;
    this process folds the search index meanwhile, as long as a third of the pages). A forked
    copy of this process, so it starts with everything loaded, where :func:`gazette.aside.can_fork`
    says it is safe; when none can be started, this process does it all. What must never happen
    does not: if either process fails (the worker killed, a full disk), every file not known
    finished is removed, the worker's whole share with them (no page the sanitizer has not seen,
    no raw search index stays behind) and the build stops."""
    from ..aside import can_fork

    finished: set[str] = set()
    theirs, mine, worker = [], pages, None
    try:  # from the first page on: one that fails before the fork (a full disk) removes the rest too
        if len(pages) >= TWO_PROCESSES_FROM and can_fork():
            _finish_page(finisher, *pages[0])  # builds the cleaners once, before the fork: both have them
            finished.add(pages[0][1])
            rest = pages[1:]
            share = [page for number, page in enumerate(rest) if number % WORKER_SHARE[1] < WORKER_SHARE[0]]
            kept = [page for number, page in enumerate(rest) if number % WORKER_SHARE[1] >= WORKER_SHARE[0]]
            worker = _fork_worker(finisher, share)
            theirs, mine = (share, kept) if worker is not None else ([], rest)
        for path in indexes:
            fold_search_index(Path(path))
            finished.add(path)
        for relpath, path in mine:
            _finish_page(finisher, relpath, path)
            finished.add(path)
        if worker is not None:
            taken, worker = worker, None
            _worker_result(finisher, taken)
            finished.update(path for _relpath, path in theirs)
    except BaseException:
        if worker is not None:  # this process failed first: the worker's pages are removed too
            worker.abandon()
        for path in [*indexes, *(path for _relpath, path in pages)]:
            if path not in finished:
                try:
                    os.unlink(path)
                except OSError:
                    pass
        raise


def _fork_worker(finisher: Finisher, share: list[tuple[str, str]]):
    """A copy of this process (:class:`~gazette.aside.Aside`) finishing ``share`` and sending back
    what the finisher learnt; None when it cannot be started."""
    from ..aside import Aside

    counted = finisher.count

    def work():
        for relpath, path in share:
            _finish_page(finisher, relpath, path)
        return finisher.used, finisher.count - counted, [relpath for relpath, _path in share]

    worker = Aside(work, again=False)  # pages already rewritten are not finished twice
    return worker if worker.started else None


def _worker_result(finisher: Finisher, worker) -> None:
    """The worker's answer taken into ``finisher``; FinishError if it failed or ended early."""
    from ..aside import AsideError
    from ..i18n import _

    try:
        used, count, done = worker.result()
    except AsideError as error:
        raise FinishError(_("the second process finishing the site's pages stopped ({reason}): the pages it had "
                            "were removed and the site was not replaced; build again").format(reason=error)) from None
    finisher.used.update(used)
    finisher.count += count
    finisher.done.update(done)


def _finish_page(finisher: Finisher, relpath: str, path: str) -> None:
    with open(path, encoding="utf-8", errors="replace") as handle:
        html = handle.read()
    finished = finisher.page(relpath, html)
    if finished != html:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(finished)


# The theme's own markup in the sidebars, beside what content may hold (sanitize.TAGS): its
# icons, toggles and component names; never a handler, a style or another URL scheme.
SIDEBAR_TAGS = {"nav", "svg", "path", "g", "circle", "rect", "line", "polyline", "polygon", "ellipse"}
SIDEBAR_ATTRIBUTES = {"aria-label", "aria-labelledby", "aria-expanded", "aria-hidden", "hidden", "tabindex",
                      "data-md-component", "data-md-level", "data-md-type", "data-md-scrollfix", "data-md-state"}
SVG_ATTRIBUTES = {"viewbox", "viewBox", "fill", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin", "width",
                  "height", "d", "cx", "cy", "r", "rx", "ry", "x", "y", "x1", "x2", "y1", "y2", "points",
                  "fill-rule", "clip-rule", "transform"}
# The names the theme gives its sidebars' toggles; a heading may not name anything else the theme
# reads (__config, __search...), nor mount a component there (a second "content" before the real one).
SIDEBAR_NAMES = re.compile(r"__(?:nav_\d+(?:_\d+)*(?:_label)?|toc|drawer)")
SIDEBAR_COMPONENTS = {"toc", "logo", "sidebar", "navigation", "source"}


def _sidebar_names(element: str, attribute: str, value: str) -> str | None:
    # Called for every attribute of every page's sidebars: the common case (a class, an href)
    # returns at the first test; an import here was most of the sidebars' cost.
    if attribute not in _FILTERED:
        return value
    if attribute == "data-md-component":
        return value if value in SIDEBAR_COMPONENTS else None
    if _THEME_NAMES.match(value.strip()) and not SIDEBAR_NAMES.fullmatch(value):
        return None
    return value


def _sanitize_sidebars(html: str) -> str:
    """The sidebars through an allow-list: the theme's navigation markup stays, what the headings
    brought (handlers, scripts, other URL schemes) does not."""
    global _SIDEBAR_CLEANER
    if _SIDEBAR_CLEANER is None:
        import nh3

        from .. import sanitize

        every = set(sanitize.GENERIC_ATTRIBUTES) | SIDEBAR_ATTRIBUTES
        attributes = {"*": every, **{tag: set(names) for tag, names in sanitize.ATTRIBUTES.items()}}
        for tag in SIDEBAR_TAGS - {"nav"}:
            attributes[tag] = set(SVG_ATTRIBUTES)
        attributes["svg"] |= {"xmlns"}
        global _FILTERED, _THEME_NAMES
        _FILTERED, _THEME_NAMES = sanitize.NAMING_ATTRIBUTES | {"data-md-component"}, sanitize.THEME_NAMES
        _SIDEBAR_CLEANER = nh3.Cleaner(
            tags=set(sanitize.TAGS) | SIDEBAR_TAGS, clean_content_tags=set(sanitize.DROPPED_WITH_CONTENT) - {"svg"},
            attributes=attributes, url_schemes=set(sanitize.URL_SCHEMES), link_rel=None, strip_comments=True,
            attribute_filter=_sidebar_names)
    return _SIDEBAR_CLEANER.clean(html)


_SIDEBAR_CLEANER = None
_FILTERED: frozenset = frozenset()  # set with the cleaner: the attributes _sidebar_names reads
_THEME_NAMES = None

# What the sidebars' allow-list would rewrite in a text (the rest it leaves byte for byte), and what
# could end the double-quoted attribute or the tag an anchor is written in (attr_list lets an id
# hold them): dropped, so that cleaning twice changes nothing.
_SIDEBAR_TEXT = re.compile("[<>&\xa0]")
_ATTRIBUTE_UNSAFE = re.compile('["<>]')


def _sidebar_text(value) -> str:
    if not isinstance(value, str):
        return str(escape(str(value)))
    return _sanitize_sidebars(value) if _SIDEBAR_TEXT.search(value) else value


def make_toc_safe(page) -> None:
    """Each entry of the page's table of contents made what the sidebars' allow-list lets through,
    before the theme writes it (its title raw, its anchor in an attribute): on MkDocs, in place of
    re-parsing every page's sidebars. A title with no markup character is left as it is (the
    allow-list would write it unchanged); one with markup goes through the same allow-list.
    Material's typeset plugin adds the headings' HTML to entries and pages: cleaned the same way."""
    typeset = getattr(page, "typeset", None)
    if isinstance(typeset, dict) and "title" in typeset:
        typeset["title"] = _sidebar_text(typeset["title"])
    stack, seen = list(getattr(page, "toc", None) or ()), set()
    while stack:
        anchor = stack.pop()
        if id(anchor) in seen:
            continue
        seen.add(id(anchor))
        if getattr(anchor, "title", None) is not None:
            anchor.title = _sidebar_text(anchor.title)
        identifier = getattr(anchor, "id", None)
        if isinstance(identifier, str) and _ATTRIBUTE_UNSAFE.search(identifier):
            anchor.id = _ATTRIBUTE_UNSAFE.sub("", identifier)
        typeset = getattr(anchor, "typeset", None)
        if isinstance(typeset, dict) and "title" in typeset:
            typeset["title"] = _sidebar_text(typeset["title"])
        stack.extend(getattr(anchor, "children", None) or ())


def _copy_feeds(folder: Path, site_dir: Path) -> None:
    for path in folder.rglob("*.xml") if folder.is_dir() else ():
        if not path.is_symlink():
            target = site_dir / path.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def _name_search_dialog(html: str) -> str:
    """Material's search dialog has no accessible name (axe: aria-dialog-name, serious)."""
    return html.replace('data-md-component="search" role="dialog">',
                        'data-md-component="search" role="dialog" aria-label="Recherche">', 1)


# A result's preview keeps its paragraphs, lists and code (stripped bare, "a</p><p>b" became the
# one word "ab"); no attribute at all, so nothing in it can act.
PREVIEW_TAGS = frozenset({"p", "ul", "ol", "li", "code", "pre", "em", "strong", "b", "i", "br", "table", "thead",
                          "tbody", "tr", "th", "td", "blockquote", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5",
                          "h6", "sub", "sup"})


_TEXT_CLEANERS: dict = {}


def _text_cleaner(tags: frozenset):
    """One nh3 cleaner per allow-list, built once: ``nh3.clean`` builds its cleaner again on
    every call, half of its cost on the 6,000 fields of a large index (same arguments, same output)."""
    cleaner = _TEXT_CLEANERS.get(tags)
    if cleaner is None:
        import nh3

        cleaner = _TEXT_CLEANERS[tags] = nh3.Cleaner(tags=set(tags), attributes={})
    return cleaner


def _text_only(value, tags=frozenset(), depth: int = 0):
    """``value`` with every text in it made inert by nh3: only ``tags``, without attributes."""
    if isinstance(value, str):
        return _text_cleaner(frozenset(tags)).clean(value) if "<" in value or "&" in value else value
    if isinstance(value, (list, dict)) and depth >= 8:
        return None  # no index nests this deep: dropped rather than let through unread
    if isinstance(value, list):
        return [_text_only(inner, tags, depth + 1) for inner in value]
    if isinstance(value, dict):
        return {key: _text_only(inner, tags, depth + 1) for key, inner in value.items()}
    return value


def fold_search_index(path: Path) -> None:
    """Searching "velo", "reparer", "eclairages" or "reparez" finds what "vélo", "réparer" and
    "éclairage" find: Material's search matches the start of indexed words, unstemmed, so each
    entry gets the forms of its words it does not spell (no accents, plural, conjugations), in
    an element the result's preview hides. Every field but the address is made text first:
    search results are written as HTML, outside the region the sanitizer sees."""
    import json

    from ..sitepages import search_forms

    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for doc in index.get("docs") or index.get("items") or ():  # MkDocs' search, Zensical's
        for key, value in doc.items():  # the theme writes them as HTML: text only, whatever the engine put in
            if key != "location":
                doc[key] = _text_only(value, PREVIEW_TAGS if key == "text" else frozenset())
        extra = search_forms(f'{doc.get("title") or ""} {doc.get("text") or ""}')
        if extra:
            doc["text"] = (doc.get("text") or "") + " <span hidden> " + " ".join(extra) + " </span>"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(temporary, path)
