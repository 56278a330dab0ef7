"""The public tree: what members may see, as plain Markdown with front matter, for any engine.

``write_tree`` runs the site stage once (the same gate, archives, home, covers and link
previews as the MkDocs plugin) and writes a docs folder that MkDocs with Material, or Zensical,
builds with no Gazette code at all: only public items, the generated pages, the images they
use. What Gazette writes as HTML (lists, bylines, the contest box, the home's cards) is not
given to the engine: each piece is a marker comment in the Markdown and the HTML is kept
beside the tree (``held.json``). After the engine's build, ``finish_site`` sanitizes each
page's content region with the one sanitizer (whatever the engine did with raw HTML) and puts
the kept pieces back, then copies the feeds written with the tree and writes the search forms.

Files are rewritten only when their bytes change, so a rebuild with nothing changed touches
nothing and the engine's own caches stay warm.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import escape

from ..i18n import _, os_reason
from ..siteurls import config_chain

TREE_MARKER = "<!-- gazette-held-{token}-{number} -->"
# Every folder the site stage and its verdict (the check: items, plan, community, metrics) read:
# the stamp covers them and `mkdocs serve` watches them. tests/test_site_verdict.py records what
# the verdict opens, so a folder a new rule reads is noticed here.
INPUT_FOLDERS = ("content", "calendar", "community", "templates", "metrics")


@dataclass
class Tree:
    root: Path  # the tree folder: docs/, mkdocs.yml, held.json
    pages: int
    files: int
    written: int  # files whose bytes changed
    # For MkDocs (``pages_on_disk=False``): each page's Markdown by its path under docs/, handed to
    # MkDocs from memory (read back, and checked, when the tree was unchanged); None on disk.
    texts: dict[str, str] | None = field(default=None, repr=False)


PAGES_FILE = "pages.marshal"  # the tree's pages, one file, when MkDocs is the engine
# Sealed marshal (gazette.sealed), not JSON: 15 MB of pages for 3,000 posts cost ~75 ms to write as
# JSON (~15 as marshal) on every cold build and ~60 ms to read back (~15) on every rebuild. Texts
# only, checked when read; the CRC refuses a damaged file (marshal alone may load one).
PAGES_FORMAT = "gazette-pages-1"
OLD_PAGES_FILE = "pages.json"  # what an earlier Gazette kept them in


def _write(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return True


def _write_kept(path: Path, data: bytes) -> bool:
    """A file only later builds read (the pages file, the sanitized texts), written as
    :func:`_write` writes; one that cannot be (a folder in its place, a full disk) costs the next
    build speed, never this build (it has the texts in memory), and leaves no temporary file."""
    try:
        return _write(path, data)
    except OSError:
        try:
            path.with_name(path.name + ".tmp").unlink()
        except OSError:
            pass
        return False


def _copy(source: str, target: Path) -> bool:
    info = os.stat(source, follow_symlinks=False)
    try:
        mine = target.stat()
        if mine.st_size == info.st_size and mine.st_mtime_ns == info.st_mtime_ns:
            return False
    except OSError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target, follow_symlinks=False)
    return True


def _front_matter(values: dict) -> str:
    """YAML front matter written as JSON values (JSON is YAML): PyYAML's emitter was two thirds
    of a warm rewrite of the tree."""
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in values.items()]
    return "---\n" + "\n".join(lines) + "\n---\n"


def _stamp(root: Path, config_file: str | None = None, settings: str = "") -> str:
    """What the tree is made from: every file's (path, size, mtime) under the folders the site
    stage reads, mkdocs.yml, the commit (each page names its build) and Gazette's version."""
    import hashlib
    import subprocess

    from .. import __version__ as version

    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{version}\0{os.environ.get('GAZETTE_BUILD', '')}\0{settings}\0".encode())
    for name in INPUT_FOLDERS:
        for folder, dirs, names in os.walk(root / name):
            dirs.sort()
            for entry in sorted(names):
                info = os.lstat(os.path.join(folder, entry))
                # surrogateescape: a name that is not UTF-8 is the check's problem, not a traceback here
                digest.update(f"{folder}/{entry}\0{info.st_size}\0{info.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))
    for path in config_chain(Path(config_file or root / "mkdocs.yml")):  # an INHERIT parent's edit counts too
        try:
            info = os.stat(path)
            digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))
        except OSError:
            pass
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True)
    digest.update(done.stdout.encode())
    return digest.hexdigest()


def _next_change(stage) -> str:
    """The first moment after the build at which the site would show something else: an item
    becomes public, a contest opens, closes or is drawn, an event starts (the home's list)."""
    now = stage.now
    moments = [item.date for item in stage.repo.items if item.date and item.date > now]
    for item in stage.public:
        moments += [item.meta[key] for key in ("opens", "closes", "draw") if hasattr(item.meta.get(key), "isoformat")
                    and item.meta[key] > now]
    moments += [event["start"] for event in stage.repo.frame.events.values()
                if hasattr(event.get("start"), "isoformat") and event["start"] > now]
    return min(moments).isoformat() if moments else ""


def _unchanged(tree: Path, stamp: str, now_text: str | None, pages_on_disk: bool = True) -> Tree | None:
    """The last tree, when nothing it is made from changed and its time window still holds."""
    from datetime import datetime

    from ..clock import now as clock_now

    try:
        last = json.loads((tree / "stamp.json").read_text())
        if last["stamp"] != stamp or not (tree / "docs").is_dir() or not (tree / "held.json").is_file():
            return None
        now = clock_now(now_text or os.environ.get("GAZETTE_NOW") or None)
        if now < datetime.fromisoformat(last["built_at"]):
            return None
        if last["until"] and now >= datetime.fromisoformat(last["until"]):
            return None
        # Read (and so checked) here: a pages file damaged behind an unchanged stamp built an empty
        # site that said "30 pages", or stopped on a traceback; now it means writing the tree again.
        texts = None if pages_on_disk else _whole_pages(tree, last["pages"])
        if not pages_on_disk and texts is None:
            return None
        return Tree(tree, last["pages"], last["files"], 0, texts)
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None


def _read_pages(tree: Path):
    """The pages file's dict, or None (absent, damaged, another version's)."""
    from .. import sealed

    return sealed.read(tree / PAGES_FILE, PAGES_FORMAT)


def _whole_pages(tree: Path, count: int) -> dict[str, str] | None:
    """The pages file as written (a text for each path, as many as the stamp counted); else None."""
    pages = _read_pages(tree)
    if not isinstance(pages, dict) or len(pages) != count:
        return None
    if not all(isinstance(path, str) and isinstance(text, str) for path, text in pages.items()):
        return None
    return pages


def write_tree(root: Path, tree: Path, now_text: str | None = None, config=None, pages_on_disk: bool = True,
               heads_held: bool = False) -> Tree:
    """Write the public tree of the community at ``root`` into ``tree``; with nothing changed
    since the last one (files, commit, and no item or contest due in between), nothing to do.
    ``config``: the MkDocs configuration already loaded (the plugin's), else ``root/mkdocs.yml``.
    ``pages_on_disk``: each page a Markdown file under docs/, for any engine (Zensical reads them);
    False when MkDocs builds in this process: the pages go into one file (``pages.marshal``) and to
    MkDocs from memory (:func:`add_tree_pages`), the images and other files under docs/ as ever.
    Writing 3,100 page files cost up to a second of a cold build, most of it in the kernel.
    ``heads_held``: each page's link preview tags (``gazette_head``) kept in held.json for the
    finish step to put in the page's head, not in its front matter: Zensical scans every byte of
    a page file, front matter included, in Python (its link collector), and those tags were two
    thirds of the tree's front matter: 3.5 s CPU of 3,100 pages. A tree for a plain build with no
    finish step (``gazette site tree``) keeps them in the front matter, where the theme reads them."""
    root, tree = Path(root).resolve(), Path(tree).resolve()
    _claim(root, tree)
    stamp = _stamp(root, config["config_file_path"] if config is not None else None,
                   (f"{config['site_url']}\0{config['use_directory_urls']}" if config is not None else "")
                   + ("" if pages_on_disk else "\0pages in memory") + ("\0heads held" if heads_held else ""))
    last = _unchanged(tree, stamp, now_text, pages_on_disk)
    if last is not None:
        return last
    from ..load import no_gc

    with no_gc():  # tens of thousands of dicts and strings that live for the build: no cycle to find in them
        result, stage = _write_tree(root, tree, now_text, config, pages_on_disk, heads_held)
    _write(tree / "stamp.json", json.dumps({"stamp": stamp, "built_at": stage.now.isoformat(),
                                            "until": _next_change(stage), "pages": result.pages,
                                            "files": result.files}).encode())
    return result


TREE_MARK = ".gazette-public-tree"  # in a folder the tree may be written over again


def _claim(root: Path, tree: Path) -> None:
    """Refuse a tree folder whose files are someone else's: the tree is written over (its
    mkdocs.yml, docs/, site/...) and the build then replaces ``root/site`` by ``tree/site``."""
    default = root / ".gazette" / "public"
    if tree == root or root.is_relative_to(tree):
        raise TreeError(_("--tree {tree}: the tree would be written over the repository; "
                          "give an empty folder outside it, or leave the default").format(tree=tree))
    for inner in ("content", "site"):
        if tree.is_relative_to(root / inner):
            raise TreeError(_("--tree {tree}: not inside {folder}/ (the tree is made from it, or replaces it)")
                            .format(tree=tree, folder=inner))
    if tree.is_relative_to(root) and not tree.is_relative_to(root / ".gazette"):
        # Anywhere else in the working tree, the tree (held.json, the built pages) waits for a `git add -A`.
        raise TreeError(_("--tree {tree}: inside the repository, where git would take it; give a folder under "
                          ".gazette/ or outside the repository").format(tree=tree))
    try:
        if tree.is_symlink() or tree.exists() and not tree.is_dir():
            raise TreeError(_("--tree {tree}: not a folder").format(tree=tree))
        if tree.is_dir() and tree != default and not (tree / TREE_MARK).is_file() and any(tree.iterdir()):
            raise TreeError(_("--tree {tree}: this folder has files and no earlier public tree in it; "
                              "give an empty or new folder").format(tree=tree))
        tree.mkdir(parents=True, exist_ok=True)
        (tree / TREE_MARK).write_bytes(b"")
    except OSError as error:
        raise TreeError(_("--tree {tree}: {error}").format(tree=tree, error=os_reason(error))) from None


def _write_tree(root: Path, tree: Path, now_text: str | None = None, config=None, pages_on_disk: bool = True,
                heads_held: bool = False):
    from mkdocs.config import load_config

    from ..clock import now as clock_now
    from .stage import Stage

    root, tree = Path(root).resolve(), Path(tree).resolve()
    now = clock_now(now_text or None)  # checked by the caller: the command's --now, the plugin's now
    if config is None:
        config = load_config(str(root / "mkdocs.yml"))
    if getattr(config.plugins, "_current_plugin", None) is None:
        config.plugins._current_plugin = "gazette"  # File.generated names the plugin that made a file
    stage = Stage(root, now)
    stage.prepare(config)
    try:
        result = _written_tree(stage, root, tree, config, pages_on_disk, heads_held)
    except Exception:
        stage.verdict()  # what the check found in the items comes first: it may be why this failed
        raise
    except BaseException:  # interrupted: the check is not waited for
        stage.checking.abandon()
        raise
    return result, stage


def _written_tree(stage, root: Path, tree: Path, config, pages_on_disk: bool, heads_held: bool = False):
    import secrets
    from types import SimpleNamespace

    from mkdocs.structure.files import get_files

    from ..siteurls import url_path
    from ..urls import page_src as item_src
    from .stage import OVERRIDES, escaped_meta, markdown_text

    files = stage.files(get_files(config), config)
    # A page's own text cannot forge a marker: the token is random, kept beside the tree (never in
    # git) so that a rebuild writes the same bytes and the engine's caches stay warm.
    token_file = tree / "token"
    try:
        token = token_file.read_text().strip()
    except OSError:
        token = ""
    if not re.fullmatch(r"[0-9a-f]{16}", token):
        token = secrets.token_hex(8)
        pending: list[tuple[Path, str | None, bytes | None]] = [(token_file, None, token.encode())]
    else:
        pending = []  # what is written once the check let the build go on
    held: dict[str, list[str]] = {}
    heads: dict[str, str] = {}  # with heads_held: each page's link preview tags, by its path under docs/
    site_url = config.get("site_url") or ""

    def keep(src: str, html: str) -> str:
        pieces = held.setdefault(src, [])
        pieces.append(str(html))
        return "\n\n" + TREE_MARKER.format(token=token, number=len(pieces) - 1) + "\n\n"

    def unhold(src: str, markdown: str) -> str:
        """The plugin's own placeholders become the tree's: the HTML moves to held.json."""
        pieces = stage.held.get(src) or []
        return stage.held_pattern.sub(lambda m: keep(src, pieces[int(m.group(1))]) if int(m.group(1)) < len(pieces) else "",
                                       markdown)

    relink = _relinker({src: item_src(item) for src, item in stage.by_src.items() if item_src(item) != src})
    docs = tree / "docs"
    written = pages = copied = 0
    expected: set[Path] = set()
    texts: dict[str, str] = {}
    for file in files:
        src = file.src_uri
        item = stage.by_src.get(src)
        # An item's page is where its slug: puts it; the engine derives the same URL from the name.
        page_src = item_src(item) if item is not None else src
        target = docs / page_src
        if not file.is_documentation_page():
            expected.add(target)
            copied += 1
            pending.append((target, file.abs_src_path, None) if file.abs_src_path else (target, None, file.content_bytes))
            continue
        pages += 1
        if item is not None:  # already parsed by the site stage: its body, no second parse
            meta, body = {}, item.body
        elif src in stage.pages:
            meta, body = _split(stage.pages[src])
        else:
            meta, body = _split(Path(file.abs_src_path).read_text(encoding="utf-8", errors="replace"))
        title = stage.titles.get(src) or meta.get("title") or (" ".join(str(item.title).split()) if item else "")
        if not title:
            title = _first_heading(body) or _name_title(page_src)
        if item is not None:
            head = stage._item_head(item, src)
            body = f"# {markdown_text(item.title)}\n" + keep(page_src, head) + body
            if item.meta.get("summary"):
                meta["description"] = " ".join(str(item.meta["summary"]).split())
        elif src == "index.md":
            stage.held.setdefault(src, [])
            body = unhold(src, stage.home_markdown(body))
        body = relink(src, unhold(src, body))
        page = SimpleNamespace(file=SimpleNamespace(src_uri=src), meta={"title": title, "description": meta.get("description")},
                               title=title, canonical_url=site_url.rstrip("/") + "/" + url_path(page_src, config["use_directory_urls"])
                               if site_url else "")
        # Themes write meta as they find it: every text in it escaped, at any depth.
        front = {key: escaped_meta(value) for key, value in meta.items() if key in ("search", "hide")}
        template = stage.template(config, meta.get("template"))
        if template:
            front["template"] = template
        # Material writes the title and description into the head unescaped: escaped here.
        if title:
            front["title"] = str(escape(title))
        if meta.get("description"):
            front["description"] = str(escape(meta["description"]))
        if heads_held:
            heads[page_src] = str(stage._head(page, config))
        else:
            front["gazette_head"] = str(stage._head(page, config))
        text = _front_matter(front) + "\n" + body
        if pages_on_disk:
            expected.add(target)
            pending.append((target, None, text.encode("utf-8")))
        else:
            texts[page_src] = text
    stage.verdict()  # the check, run aside, is waited for here: nothing of a refused build is written
    for target, source, data in pending:
        written += _copy(source, target) if source else _write(target, data)
    for path in docs.rglob("*") if docs.exists() else ():  # what is no longer public leaves the tree
        if path.is_file() and path not in expected:
            path.unlink()
            written += 1
    if pages_on_disk:
        (tree / PAGES_FILE).unlink(missing_ok=True)
    else:
        from .. import sealed

        docs.mkdir(parents=True, exist_ok=True)
        written += _write_kept(tree / PAGES_FILE, sealed.dumps(PAGES_FORMAT, texts))
    (tree / OLD_PAGES_FILE).unlink(missing_ok=True)
    state = {"token": token, "pages": held, "directory_urls": config["use_directory_urls"]}
    if heads_held:
        state["heads"] = heads
    written += _write(tree / "held.json", json.dumps(state, ensure_ascii=False).encode())
    written += _write(tree / "mkdocs.yml", _engine_config(root, tree, config, OVERRIDES, None if pages_on_disk else texts)
                      .encode("utf-8"))
    _write_feeds(tree / "feeds", site_url, config["site_name"], stage.public)
    (tree / "public.json").unlink(missing_ok=True)  # written by earlier versions and read by nothing
    return Tree(tree, pages, copied, written, None if pages_on_disk else texts)


def tree_pages(tree: Path) -> dict[str, str]:
    """The pages of a tree written for MkDocs (``pages_on_disk=False``), by their path under docs/."""
    pages = _read_pages(Path(tree))
    if not isinstance(pages, dict):  # absent, damaged or another Gazette's: said as a damaged tree
        raise ValueError(f"{PAGES_FILE}: missing or damaged; build the site again")
    return pages


def _walk_order(src_uri: str) -> list:
    """Where MkDocs' get_files finds a file walking docs/: a folder's files (index or README
    first) before its sub-folders, each sorted by name."""
    *folders, name = src_uri.split("/")
    return [(1, folder) for folder in folders] + [(0, os.path.splitext(name)[0] not in ("index", "README"), name)]


def add_tree_pages(files, config, texts: dict[str, str]):
    """MkDocs' files with the tree's pages given from memory (``File.generated``), in the order
    get_files would have found them on disk: the search index and the sitemap list pages in it."""
    from mkdocs.structure.files import File, Files, set_exclusions

    pages = [File.generated(config, src, content=text) for src, text in texts.items()]
    set_exclusions(pages, config)
    docs = [file for file in files if file.src_dir == config["docs_dir"] and file.src_uri not in texts]
    others = [file for file in files if file.src_dir != config["docs_dir"]]
    return Files(sorted(docs + pages, key=lambda file: _walk_order(file.src_uri)) + others)


# A Markdown link's target to a .md file: "](target" or a reference definition "]: target".
MD_LINK = re.compile(r"(\]\(\s*<?|\]:[ \t]*<?)([^\s()<>#]+\.md)(?=[#)\s>])")


def _relinker(renamed: dict[str, str]):
    """Links between pages as their authors wrote them (to the file name), for pages the tree
    writes under the name their ``slug:`` gives: the engine resolves links by file name."""
    import posixpath

    names = {posixpath.basename(src) for src in renamed}

    def relink(src: str, markdown: str) -> str:
        if not names or not any(name in markdown for name in names):
            return markdown
        folder = posixpath.dirname(src)

        def target(match):
            resolved = posixpath.normpath(posixpath.join(folder, match.group(2)))
            new = renamed.get(resolved)
            return match.group(0) if new is None else match.group(1) + posixpath.relpath(new, folder or ".")

        return MD_LINK.sub(target, markdown)

    return relink


def _write_feeds(folder: Path, site_url: str, site_name: str, items) -> None:
    """The feeds of the items the tree shows, kept beside it: finishing a build reads no
    repository (it cost a second load of every item) and the feeds list what the pages show.
    Not counted as written: the engine never reads them."""
    import tempfile

    from ..feeds import write_feeds

    with tempfile.TemporaryDirectory(dir=folder.parent) as fresh:
        for path in write_feeds(Path(fresh), site_url, site_name, items):
            _write(folder / path.relative_to(fresh), path.read_bytes())


def _first_heading(markdown_text: str) -> str:
    """The title MkDocs would take from the first heading, as text: the theme's <title> strips
    the heading's tags and so unescapes it ("&lt;script&gt;" would become live)."""
    from markdown import markdown
    from markupsafe import Markup

    match = re.search(r"^#[ \t]+(.+?)[ \t#]*$", markdown_text, re.MULTILINE)
    return Markup(markdown(match.group(1))).striptags() if match else ""


def _name_title(src: str) -> str:
    """The title MkDocs derives from a page's file name (its folder's for an index), given to
    the engine escaped: left to it, the name went raw into the search index."""
    import posixpath

    name = posixpath.splitext(posixpath.basename(src))[0]
    if name in ("index", "README"):
        name = posixpath.basename(posixpath.dirname(src))
    name = name.replace("-", " ").replace("_", " ")
    return name.capitalize() if name.lower() == name else name


def _split(text: str) -> tuple[dict, str]:
    import yaml

    match = re.match(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", text, re.DOTALL)
    if not match:
        return {}, text
    try:
        meta = yaml.load(match.group(1), Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        meta = None
    return (meta if isinstance(meta, dict) else {}), text[match.end():]


def _engine_config(root: Path, tree: Path, config, overrides: str, texts: dict[str, str] | None = None) -> str:
    """mkdocs.yml for the tree: the community's (the one the build was given: ``mkdocs build -f
    alt.yml``), without the gazette plugin, reading docs/."""
    import yaml

    given = Path(config["config_file_path"] or root / "mkdocs.yml")
    loader, dumper = config_yaml()
    raw = _written_config(given, loader)
    base = given.parent.resolve()
    raw["docs_dir"] = "docs"  # Zensical wants both inside the folder of its configuration
    raw["site_dir"] = "site"
    theme = raw.get("theme") or {}
    theme = {"name": theme} if isinstance(theme, str) else dict(theme) if isinstance(theme, dict) else {}
    custom = _environment(theme.get("custom_dir"))
    theme["custom_dir"] = str((base / custom).resolve()) if isinstance(custom, str) and custom else overrides
    raw["theme"] = theme
    # A list of names or {name: options}, or one mapping of them: MkDocs takes both forms.
    raw["plugins"] = [entry for entry in _entries(raw.get("plugins")) if _entry_name(entry) != "gazette"]
    # The theme writes navigation titles as they are: a folder name (a section) is text a
    # contributor chose, so every title in the tree's navigation is escaped.
    raw["nav"] = _escaped_nav(raw["nav"]) if raw.get("nav") else _nav_of_pages(
        [path for path in texts if path.endswith(".md")] if texts is not None else _pages_under(tree / "docs"))
    extra = dict(raw.get("extra") or {})
    extra["gazette_footer"] = config["extra"].get("gazette_footer") or []
    extra["generator"] = False
    raw["extra"] = extra
    # Each extension's options as the community wrote them (an !ENV secret stays a tag, never
    # its value on disk; !relative and !!python/ tags stay for the engine to build); MkDocs' own
    # defaults (toc, tables, fenced_code) from the loaded configuration.
    written = {}
    for entry in _entries(raw.get("markdown_extensions")):
        name = _entry_name(entry)
        if isinstance(name, str):
            written[name] = entry
    raw.pop("mdx_configs", None)
    extensions = []
    for name in config["markdown_extensions"]:
        if name in written:
            extensions.append(written[name])
            continue
        options = config["mdx_configs"].get(name)
        extensions.append({name: options} if options else name)
    raw["markdown_extensions"] = extensions
    try:
        return yaml.dump(raw, Dumper=dumper, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError as error:
        raise EngineError(_("{path}: a value the public tree's mkdocs.yml cannot repeat ({error})").format(
            path=given, error=str(error).splitlines()[0])) from None


def _entries(value) -> list:
    """Plugins or Markdown extensions as a list of names and {name: options}."""
    if isinstance(value, dict):
        return [{name: options} if options is not None else name for name, options in value.items()]
    return list(value) if isinstance(value, list) else []


def _entry_name(entry):
    return entry if isinstance(entry, str) else next(iter(entry), None) if isinstance(entry, dict) else None


def _environment(value):
    """A path written ``!ENV …``, which Gazette must resolve (a tagged option is written back
    as a tag instead)."""
    from ..siteurls import from_environment

    return from_environment(value.value) if isinstance(value, _Tagged) and value.tag == "!ENV" else value


def _written_config(given: Path, loader, depth: int = 0, top: Path | None = None) -> dict:
    """The community's mkdocs.yml as written, tags unbuilt, its INHERIT parent merged in as
    MkDocs merges it (mappings key by key, anything else replaced), paths MkDocs reads beside a
    configuration made absolute: the tree's mkdocs.yml lives elsewhere, and a parent's plugins
    must not be lost to the tree's own list."""
    import yaml

    raw = yaml.load(given.read_text(encoding="utf-8"), Loader=loader) or {}
    if not isinstance(raw, dict):
        return {}
    here = given.parent.resolve()
    top = top or here  # MkDocs reads a parent's hooks beside the main configuration too
    for key in ("hooks", "watch"):
        if isinstance(raw.get(key), list):
            raw[key] = [str(top / path) if isinstance(path, str) else path
                        for path in map(_environment, raw[key])]
    parent = raw.pop("INHERIT", None)
    if isinstance(parent, str) and depth < 8:
        raw = _merged(_written_config((here / parent).resolve(), loader, depth + 1, top), raw)
    return raw


def _merged(parent: dict, child: dict) -> dict:
    out = dict(parent)
    for key, value in child.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


class _Tagged:
    """A value under a tag the safe loader does not build (MkDocs' ``!!python/name:``, ``!ENV``,
    ``!relative``): written back as it was, for the engine to read as it reads the original."""

    def __init__(self, tag: str, value):
        self.tag, self.value = tag, value


def config_yaml():
    """(loader, dumper) for mkdocs.yml: safe, except that tagged values pass through unbuilt and
    what MkDocs built from ``!!python/name:`` (Material's emoji functions, superfences' formats)
    is written back under that tag. Material's own documented settings crashed every engine."""
    import types

    import yaml

    class Loader(yaml.CSafeLoader):
        pass

    def tagged(loader, suffix, node, prefix):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return _Tagged(prefix + suffix, value)

    Loader.add_multi_constructor("tag:yaml.org,2002:python/",
                                 lambda loader, suffix, node: tagged(loader, suffix, node, "tag:yaml.org,2002:python/"))
    Loader.add_multi_constructor("!", lambda loader, suffix, node: tagged(loader, suffix, node, "!"))

    class Dumper(yaml.SafeDumper):
        pass

    def represent_tagged(dumper, data):
        if isinstance(data.value, list):
            return dumper.represent_sequence(data.tag, data.value)
        if isinstance(data.value, dict):
            return dumper.represent_mapping(data.tag, data.value)
        return dumper.represent_scalar(data.tag, str(data.value))

    def represent_name(dumper, data):
        return dumper.represent_scalar(f"tag:yaml.org,2002:python/name:{data.__module__}.{data.__qualname__}", "")

    Dumper.add_representer(_Tagged, represent_tagged)
    for kind in (types.FunctionType, types.BuiltinFunctionType, type):
        Dumper.add_multi_representer(kind, represent_name)
    return Loader, Dumper


def _escaped_nav(entries):
    if isinstance(entries, list):
        return [_escaped_nav(entry) for entry in entries]
    if isinstance(entries, dict):
        return {str(escape(str(title))): _escaped_nav(value) for title, value in entries.items()}
    return entries


def _pages_under(docs: Path) -> list[str]:
    """The Markdown pages under ``docs`` (never through a symbolic link), as paths under it."""
    found = []
    for folder, dirs, names in os.walk(docs):
        dirs[:] = [name for name in dirs if not os.path.islink(os.path.join(folder, name))]
        prefix = os.path.relpath(folder, docs).replace(os.sep, "/")
        found += [name if prefix == "." else f"{prefix}/{name}" for name in names
                  if name.endswith(".md") and not os.path.islink(os.path.join(folder, name))]
    return found


def _nav_of_pages(paths: list[str], prefix: str = "") -> list:
    """The navigation MkDocs would derive from the pages (paths under docs/), with escaped section
    titles: a folder's pages by name (index or README first), then its sections by name."""
    pages, folders = [], {}
    for path in sorted(paths):
        head, slash, rest = path.partition("/")
        if slash:
            folders.setdefault(head, []).append(rest)
        else:
            pages.append(path)
    indexes = [name for name in pages if os.path.splitext(name)[0] in ("index", "README")]
    entries: list = [prefix + name for name in [*reversed(indexes), *(n for n in pages if n not in indexes)]]
    for name in sorted(folders):
        children = _nav_of_pages(folders[name], f"{prefix}{name}/")
        if children:
            entries.append({str(escape(name.replace("-", " ").replace("_", " ").capitalize())): children})
    return entries


def plain_tree(root: Path, tree: Path | None = None, now_text: str | None = None) -> Tree:
    """The public tree with each page a Markdown file under ``docs/`` (``gazette site tree``),
    and the ``mkdocs.yml`` beside it, without the gazette plugin, that plain ``mkdocs build``
    with Material reads: no Gazette code runs in that build. The finish step (the sanitizer, the
    held lists, the search forms) is ``gazette site build``'s: the plain build is for another
    engine, an inspection or a diff, not for members."""
    root = Path(root).resolve()
    tree = Path(tree or root / ".gazette" / "public").resolve()
    try:
        return write_tree(root, tree, now_text, pages_on_disk=True)
    except OSError as error:  # a full disk, a folder the system refuses: said, not a traceback
        raise TreeError(_("{path}: {error}").format(path=error.filename or tree, error=os_reason(error))) from None


def build_site(root: Path, engine: str = "mkdocs", tree: Path | None = None, now_text: str | None = None) -> Tree:
    """The public tree, then ``engine`` (mkdocs or zensical) over it, then ``finish_site``."""
    root = Path(root).resolve()
    tree = Path(tree or root / ".gazette" / "public").resolve()
    try:
        return _build_site(root, engine, tree, now_text)
    except OSError as error:  # a full disk, a folder the system refuses: said, not a traceback
        where = error.filename or tree
        raise TreeError(_("{path}: {error}").format(path=where, error=os_reason(error))) from None


def _build_site(root: Path, engine: str, tree: Path, now_text: str | None) -> Tree:
    import subprocess
    import sys

    from .finish import FinishError, finish_site

    result = write_tree(root, tree, now_text, pages_on_disk=engine != "mkdocs", heads_held=engine == "zensical")
    config = str(tree / "mkdocs.yml")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    finisher = None
    if engine == "mkdocs":
        finisher = _mkdocs_build(config, result.texts if result.texts is not None else tree_pages(tree))
    elif engine == "zensical":
        executable = shutil.which("zensical") or str(Path(sys.executable).parent / "zensical")
        if not os.path.exists(executable):
            raise EngineError(_("zensical is not installed: pip install 'gazette-editorial[zensical]'"))
        command = [executable, "build", "-f", config]
    else:
        raise EngineError(_("unknown engine {engine}: mkdocs or zensical").format(engine=engine))
    if finisher is None:
        done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise EngineError(_("{engine} build failed:\n{output}").format(engine=engine, output=done.stderr[-4000:]))
    try:
        finish_site(tree, tree / "site", finisher)
    except FinishError as error:
        raise EngineError(str(error)) from None
    target = root / "site"
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)
    try:  # the finished site moves in whole (a copy of 3,000 pages cost a second): the engine writes a new one
        os.rename(tree / "site", target)
    except OSError:  # the tree is on another file system
        shutil.copytree(tree / "site", target, symlinks=True)
    return result


def _mkdocs_build(config_file: str, texts: dict[str, str]):
    """``mkdocs build -q`` of the tree in this process (MkDocs is already imported for the site
    stage; a second interpreter cost a start and every import again), each page finished as
    MkDocs renders it, like the plugin does. Returns the :class:`Finisher` the pages went through."""
    import logging

    from mkdocs.commands import build
    from mkdocs.config import load_config
    from mkdocs.plugins import BasePlugin

    from .plugin import TreePages

    class FinishPages(TreePages, BasePlugin):
        on_post_build = TreePages._collect_pages  # the rest is finish_site's, after the build

    finish = FinishPages()
    finish.tree, finish.texts = Path(config_file).parent, texts

    class Kept(logging.Handler):  # what `mkdocs build -q` printed: said only if the build fails
        def __init__(self):
            super().__init__(logging.ERROR)
            self.lines: list[str] = []

        def emit(self, record):
            self.lines.append(f"{record.levelname}: {record.getMessage()}")

    logger = logging.getLogger("mkdocs")
    kept, level, propagate = Kept(), logger.level, logger.propagate
    logger.addHandler(kept)
    logger.setLevel(logging.ERROR)
    logger.propagate = False
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material's notice, on stderr at its import
    try:
        config = load_config(config_file)
        config.plugins["gazette-finish"] = finish
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build.build(config, dirty=False)
        finally:
            config.plugins.on_shutdown()
    except (Exception, SystemExit) as error:  # noqa: BLE001 - the engine's failure, whatever it raises, is said
        finish.on_build_error(error)
        output = "\n".join([*kept.lines, f"{type(error).__name__}: {error}"])
        raise EngineError(_("{engine} build failed:\n{output}").format(engine="mkdocs", output=output[-4000:])) from None
    finally:
        logger.removeHandler(kept)
        logger.setLevel(level)
        logger.propagate = propagate
    return finish.finisher


class EngineError(Exception):
    """The engine is missing or its build failed: a configuration problem (exit 2)."""


class TreeError(EngineError):
    """The tree folder cannot be used, or the disk refused a write (exit 2)."""
