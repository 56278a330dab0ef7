"""Stage 1: read the repository once into plain data.

``load_repo`` never raises for bad content: a broken file becomes a Problem
and the rest still loads (Pelican's readers). Each file is read once,
capped before parsing, split, and its front matter parsed by
:mod:`gazette.yamlsafe`; parse results are cached by content hash
(:mod:`gazette.cache`) so a warm run only parses what changed.
"""

from __future__ import annotations

import gc
import os
import re
import stat
from datetime import datetime, tzinfo
from pathlib import Path

from .i18n import _, type_name, os_reason
from . import model
from .lazypattern import lazy
from .parsememo import parse as parse_yaml  # PyYAML only imported when a text is parsed
from .problems import Problem
from .published import attachment_type_allowed, is_leftover, looks_like_item, page_meta_not_text, suffix, svg_danger

MAX_FILE_BYTES = 1024 * 1024
FRAME_YAML_BYTES = 128 * 1024  # frame files: long lists are fine; libyaml's stack is not at risk
KIND_FOLDERS = {"posts": "post", "newsletters": "newsletter", "contests": "contest"}
FOLDER_OF_KIND = {kind: folder for folder, kind in KIND_FOLDERS.items()}
SLUG = lazy(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# What a content file or folder may be named: engines derive titles, URLs and search entries from
# the name, and one of them wrote it raw into the search index (<img onerror> in a file name ran).
SAFE_NAME = lazy(r"[\w.\-]+")
FRONT_MATTER_END = lazy(r"^(?:---|\.\.\.)[ \t]*\r?$", re.M)
# The same line found from the line break before it: a pattern that opens with a literal
# character is searched for at memchr speed, "^" is tried at every position.
_END_AFTER_BREAK = lazy(r"\n((?:---|\.\.\.)[ \t]*\r?)$", re.M)
AUTHORS_FILE = "content/.authors.yml"
CHANNELS_FILE = "calendar/channels.yml"
MODERATION_FILE = "calendar/moderation.yml"
FRAME_FOLDERS = {"campaigns": "calendar/campaigns", "events": "calendar/events", "freezes": "calendar/freezes",
                 "actions": "calendar/actions"}
FRAME_MODELS = {"campaigns": model.CAMPAIGN, "events": model.EVENT, "freezes": model.FREEZE,
                "actions": model.ACTION}


class Item:
    """One post, newsletter or contest. (Plain classes here: no dataclass import on start.)"""

    __slots__ = ("kind", "path", "slug", "meta", "body", "body_line", "lines", "publications")

    def __init__(self, kind: str, path: str, slug: str, meta: dict, body: str = "",
                 body_line: int = 1, lines: dict | None = None):
        self.kind = kind
        self.path = path  # relative to the repository root, POSIX separators
        self.slug, self.meta, self.body, self.body_line = slug, meta, body, body_line
        self.lines = lines or {}
        self.publications = None  # memo of plan.publications(self): several rules and views read it

    def __repr__(self) -> str:
        return f"Item({self.path!r})"

    @property
    def title(self) -> str:
        return self.meta.get("title", self.slug)

    @property
    def date(self) -> datetime | None:
        return self.meta.get("date")

    @property
    def status(self) -> str:
        return self.meta.get("status", "draft")

    def line_of(self, *key) -> int | None:
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return min(self.lines.values(), default=None)


class Frame:
    """The planning frame: calendar/ and content/.authors.yml."""

    _UNRESOLVED = object()

    def __init__(self):
        self.timezone_name = ""
        self.timezone_line: int | None = None
        self._timezone = self._UNRESOLVED
        self.channels: dict = {}
        self.campaigns: dict = {}
        self.events: dict = {}
        self.freezes: dict = {}
        self.actions: dict = {}  # recruitment actions (calendar/actions/), see gazette.community
        self.channel_lines: dict = {}  # (channel, key) -> line in calendar/channels.yml
        self.memo: dict = {}  # values derived from the frame (parsed slots, zones), computed once
        self.authors: dict = {}
        self.severity: dict = {}
        self.severity_lines: dict = {}

    @property
    def timezone(self) -> tzinfo | None:
        """The default zone, resolved on first use: importing zoneinfo costs ~15 ms at start."""
        if self._timezone is self._UNRESOLVED:
            self._timezone = resolve_timezone(self.timezone_name)
        return self._timezone


def resolve_timezone(name: str) -> tzinfo | None:
    if not name:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "Europe" is a folder of tzdata
        return None


class Repo:
    def __init__(self, root: Path, items: list[Item], frame: Frame, problems: list[Problem],
                 item_paths: list[str], pages: list[str] | None = None):
        self.root, self.items, self.frame, self.problems = root, items, frame, problems
        self.item_paths = item_paths  # every item file found, loaded or not (slugs, link targets)
        self.publications: list | None = None  # plan.Publication of the items; from items if None
        self.now: datetime | None = None  # the run's clock, for the rules that compare with it
        self.pages = pages or []
        self._seen_files: dict[str, bool] = {}
        self._item_set: set[str] | None = None
        self.listed_all = False  # item_paths lists every item file: links to items need no stat
        self.declared_slugs: dict[str, tuple[str, int | None]] = {}  # path -> (slug:, its line), from check

    def exists(self, relpath: str) -> bool:
        """Whether a repository file exists (memoized: many items link to the same files)."""
        if self.listed_all:
            if self._item_set is None:
                self._item_set = set(self.item_paths)
            if relpath in self._item_set:  # most links: an item that exists
                return True
            if relpath.endswith(".md") and kind_of(relpath):
                return False
        known = self._seen_files.get(relpath)
        if known is None:
            known = self._seen_files[relpath] = os.path.isfile(os.path.join(self.root, relpath))
        return known


# -- reading files -------------------------------------------------------------

def stat_file(root: Path, relpath: str):
    """lstat with the guards that need no reading: symlink, not a regular file, size."""
    try:
        info = os.lstat(os.path.join(root, relpath))
    except OSError as error:
        return None, Problem("file/unreadable", relpath, None, os_reason(error))
    if stat.S_ISLNK(info.st_mode):
        return None, Problem("file/symlink", relpath, None, _("is a symbolic link; Gazette does not follow links"),
                             _("commit the file itself"))
    if not stat.S_ISREG(info.st_mode):  # a FIFO would block the read forever
        return None, Problem("file/unreadable", relpath, None, _("is not a regular file"), _("remove it"))
    if info.st_size > MAX_FILE_BYTES:
        return None, Problem(
            "file/too-large", relpath, None,
            _('is {value:.1f} MiB, over the 1 MiB cap').format(value=info.st_size / 1048576),
            _("keep images and attachments out of the Markdown file"))
    return info, None


def read_bytes(root: Path, relpath: str, info=None) -> tuple[bytes | None, Problem | None]:
    """Read one file with the guards that need no decoding: symlink, size, emptiness, NUL bytes."""
    if info is None:
        info, problem = stat_file(root, relpath)
        if problem:
            return None, problem
    try:
        raw = _read_at_most(os.path.join(root, relpath), info.st_size)
    except _NotRegular:  # swapped for a FIFO or a device since lstat
        return None, Problem("file/unreadable", relpath, None, _("is not a regular file"), _("remove it"))
    except OSError as error:
        return None, Problem("file/unreadable", relpath, None, os_reason(error))
    if len(raw) > MAX_FILE_BYTES:  # it grew past the cap since lstat
        return None, Problem("file/too-large", relpath, None, _("is over the 1 MiB cap"),
                             _("keep images and attachments out of the Markdown file"))
    if not raw or raw.isspace():  # strip() would copy the whole file
        return None, Problem("file/empty", relpath, 1, _("is empty"),
                             _("start with a front matter block: ---, title:, date:, ---"))
    if b"\x00" in raw:
        return None, Problem("file/binary", relpath, raw[: raw.index(b"\x00")].count(b"\n") + 1,
                             _("contains NUL bytes: this is a binary file, not Markdown"),
                             _("content files are UTF-8 text"))
    return raw, None


class _NotRegular(Exception):
    pass


_OPEN_FLAGS = (os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)  # NONBLOCK: a FIFO swapped in
               | getattr(os, "O_CLOEXEC", 0))                            # after lstat must not hang


def _read_at_most(path: str, size: int) -> bytes:
    """The file's bytes, up to MAX_FILE_BYTES + 1. Asks for the size lstat gave plus one
    byte (asking for the cap itself allocates and faults in a MiB per file), then reads on
    to the cap only if the file grew. A plain descriptor, not a file object: 10,000 files."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _NotRegular(path)
        chunks, wanted = [], min(size, MAX_FILE_BYTES) + 1
        while wanted > 0:
            chunk = os.read(fd, wanted)
            if not chunk:
                break
            chunks.append(chunk)
            wanted -= len(chunk)
            if wanted == 0 and sum(map(len, chunks)) <= MAX_FILE_BYTES:
                wanted = MAX_FILE_BYTES + 1 - sum(map(len, chunks))  # it grew since lstat
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)


def decode(relpath: str, raw: bytes) -> tuple[str | None, Problem | None]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, Problem("file/not-utf8", relpath, line, _('byte 0x{raw:02x} is not UTF-8')
                                                                 .format(raw=raw[error.start]),
                             _("re-save the file as UTF-8 (it may be Latin-1 or Windows-1252)"))
    return text.removeprefix("\ufeff"), None


def read_text(root: Path, relpath: str) -> tuple[str | None, Problem | None]:
    """Read and decode one file with every guard: symlink, size, binary, encoding, emptiness."""
    raw, problem = read_bytes(root, relpath)
    return (None, problem) if problem else decode(relpath, raw)


def split_front_matter(text: str) -> tuple[str, int, int] | None:
    """Return (yaml text, body offset, body first line), or None without a front matter."""
    first = text[: text.find("\n") + 1]
    if not first or first.rstrip(" \t\r\n") != "---":
        return None
    start = text.index("\n") + 1
    match = _END_AFTER_BREAK.search(text, start - 1)  # text[start - 1] is the first line's break
    if match is None:
        return "", -1, -1
    end = match.end()
    if end < len(text) and text[end] == "\n":
        end += 1
    yaml_text = text[start:match.start(1)]
    return yaml_text, end, yaml_text.count("\n") + 3


CONFLICT_STARTS = ("<<<<<<< ", ">>>>>>> ")
FENCES = ("```", "~~~")


def conflict_marker(relpath: str, text: str) -> Problem | None:
    """The first conflict marker git (a merge, ``gazette upgrade``) left at a line start,
    outside fenced code: it would be published as text. A lone ``=======`` is also a
    Markdown heading underline, so the opening and closing markers decide."""
    # Nearly every file: single characters first, found at memchr speed (a longer needle
    # reads the text far slower).
    if ("<" not in text or "<<<<<<< " not in text) and (">" not in text or ">>>>>>> " not in text):
        return None
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        opening = line.lstrip()[:3]
        if opening in FENCES:
            fence = opening if fence is None else (None if opening == fence else fence)
        elif fence is None and line.startswith(CONFLICT_STARTS):
            return Problem("file/conflict-marker", relpath, number,
                           _("a conflict marker ({marker}) is left in the file").format(marker=line[:7]),
                           _("keep the right lines, then delete the <<<<<<<, ======= and >>>>>>> lines"))
    return None


def _yaml_problem():
    """The exception a parse raises (an ``except`` evaluates this only when something was raised)."""
    from .yamlsafe import YAMLProblem

    return YAMLProblem


def parse_item(relpath: str, kind: str, text: str, tz) -> tuple[dict, dict, int, list[Problem]]:
    """Parse and validate one item's text: (meta, key lines, body offset, problems).

    ``tz`` is the default zone for naive dates, or a function returning it.
    """
    meta, lines, offset, problems = _parse_item(relpath, kind, text, tz)
    conflict = conflict_marker(relpath, text)
    return meta, lines, offset, ([conflict, *problems] if conflict else problems)


def _parse_item(relpath: str, kind: str, text: str, tz) -> tuple[dict, dict, int, list[Problem]]:
    split = split_front_matter(text)
    if split is None:
        return {}, {}, 0, [Problem("yaml/no-front-matter", relpath, 1,
                                    _("has no front matter (the file must start with a --- line)"),
                                    _("gazette new creates a correct file"))]
    yaml_text, offset, _body = split
    if offset < 0:
        return {}, {}, 0, [Problem("yaml/unclosed-front-matter", relpath, 1,
                                    _("the front matter opened on line 1 is never closed"),
                                    _("add a line with --- after the last key"))]
    found = []
    if not yaml_text.isascii():
        yaml_text, found = _plain_line_breaks(relpath, yaml_text, first_line=2)
    try:
        data, lines = parse_yaml(yaml_text, first_line=2)
    except _yaml_problem() as problem:
        return {}, {}, offset, [*found, problem.to_problem(relpath)]
    if data is None:
        data = {}  # an empty block: the model will say which keys are required
    if not isinstance(data, dict):
        return {}, {}, offset, [Problem("yaml/not-mapping", relpath, 2,
                                        _('the front matter is a {type}, not key: value lines')
                                            .format(type=type_name(data)),
                                        _("write title: …, date: … one per line"))]
    heading = model.first_heading(text[offset:]) if "# " in text[offset:offset + 512] else None
    if heading is not None and "title" not in data:  # Material's way: the first "# Heading" is the title
        data = {**data, "title": heading[0]}
        lines[("title",)] = text.count("\n", 0, offset) + heading[1]
    if heading is not None and data["title"] == heading[0]:
        offset += heading[2]  # the site writes the title as the page's heading: once
    meta, problems = model.validate(model.MODELS[kind], data, relpath, lines, tz)
    return meta, lines, offset, found + problems


# YAML counts these as line breaks and editors do not: left in, every line number
# after them would be off by one. Pasted from word processors, they mean a space.
UNUSUAL_BREAKS = {"\x85": "NEL", "\u2028": "LINE SEPARATOR", "\u2029": "PARAGRAPH SEPARATOR"}


def _plain_line_breaks(relpath: str, yaml_text: str, first_line: int = 1) -> tuple[str, list[Problem]]:
    problems = []
    for char, name in UNUSUAL_BREAKS.items():
        at = yaml_text.find(char)
        if at >= 0:
            problems.append(Problem("yaml/unusual-line-break", relpath, first_line + yaml_text.count("\n", 0, at),
                                    _('contains U+{char:04X} {name}, read as a space')
                                        .format(char=ord(char), name=name),
                                    _("retype the line: it was probably pasted from a word processor")))
            yaml_text = yaml_text.replace(char, " ")
    return yaml_text, problems


# -- the frame -----------------------------------------------------------------

def _load_yaml_file(root: Path, relpath: str, schema, tz, problems) -> dict | None:
    text, problem = read_text(root, relpath)
    if problem:
        problems.append(problem)
        return None
    return parse_yaml_file(relpath, text, schema, tz, problems)


def parse_yaml_file(relpath: str, text: str, schema, tz, problems) -> dict | None:
    """One frame or registry file's text, validated by ``schema``; its key lines under "_lines"."""
    conflict = conflict_marker(relpath, text)
    if conflict:
        problems.append(conflict)
    if not text.isascii():
        text, found = _plain_line_breaks(relpath, text)
        problems += found
    try:
        data, lines = parse_yaml(text, max_bytes=FRAME_YAML_BYTES)
    except _yaml_problem() as error:
        problems.append(error.to_problem(relpath))
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(Problem("yaml/not-mapping", relpath, 1, _("is not a mapping of keys")))
        return None
    out, found = model.validate(schema, data, relpath, lines, tz)
    problems.extend(found)
    out["_lines"] = lines
    return out


def _yaml_files(root: Path, folder: str) -> list[str]:
    try:
        entries = list(os.scandir(root / folder))
    except OSError:  # absent (most repos have no freezes) or unreadable
        return []
    return sorted(f"{folder}/{e.name}" for e in entries
                  if e.name.endswith((".yml", ".yaml")) and not e.name.startswith("."))


def frame_digest(root: Path) -> str:
    """Changes whenever a frame file changes: caches of per-file results depend on it."""
    from hashlib import blake2b

    digest = blake2b(digest_size=16)
    for relpath in (CHANNELS_FILE, AUTHORS_FILE, MODERATION_FILE, "mkdocs.yml",  # site_url: {url} in texts
                    *(f for folder in FRAME_FOLDERS.values() for f in _yaml_files(root, folder))):
        try:
            digest.update(relpath.encode() + b"\0" + (root / relpath).read_bytes() + b"\0")
        except OSError:
            pass
    return digest.hexdigest()


def load_frame(root: Path) -> tuple[Frame, list[Problem]]:
    """The frame and its problems (the timezone is resolved on first use)."""
    problems: list[Problem] = []
    frame = Frame()
    if (root / CHANNELS_FILE).exists():
        settings = _load_yaml_file(root, CHANNELS_FILE, model.CHANNELS_FILE, None, problems) or {}
        frame.timezone_name = settings.get("timezone") or ""
        frame.timezone_line = settings["_lines"].get(("timezone",)) if "_lines" in settings else None
        frame.channels = settings.get("channels", {})
        frame.channel_lines = {key[1:]: line for key, line in settings.get("_lines", {}).items()
                               if len(key) == 3 and key[0] == "channels"}
        frame.severity = settings.get("gazette", {}).get("severity", {})
        frame.severity_lines = {key[2]: line for key, line in settings.get("_lines", {}).items()
                                if len(key) == 3 and key[:2] == ("gazette", "severity")}
    tz = lambda: frame.timezone  # noqa: E731 - resolved only if a naive date needs it
    if (root / AUTHORS_FILE).exists():
        authors = _load_yaml_file(root, AUTHORS_FILE, model.AUTHORS_FILE, tz, problems) or {}
        frame.authors = authors.get("authors", {})
    for kind, folder in FRAME_FOLDERS.items():
        schema = FRAME_MODELS[kind]
        entries = getattr(frame, kind)
        for relpath in _yaml_files(root, folder):
            data = _load_yaml_file(root, relpath, schema, tz, problems)
            if data is not None:
                data["_path"] = relpath
                entries[Path(relpath).stem] = data
    return frame, problems


# -- the items -----------------------------------------------------------------

def frame_paths(root: Path) -> list[str]:
    """Every planning-frame file that exists."""
    fixed = [p for p in (CHANNELS_FILE, AUTHORS_FILE) if os.path.isfile(os.path.join(root, p))]
    return fixed + [f for folder in FRAME_FOLDERS.values() for f in _yaml_files(root, folder)]


# Names an author may well give a post (another editor's habit, a Windows export):
# silently skipping them would lose the post.
MARKDOWN_LOOKALIKES = (".md", ".markdown", ".mdown", ".mkd", ".mkdn")


def list_item_paths(root: Path) -> tuple[list[str], list[str], list[Problem]]:
    """Every Markdown file under the kind folders, plus site pages; never follows links.

    Also reports every file the site refuses to publish (:mod:`gazette.published`):
    symbolic links of any kind, leftovers, attachments of other types, unsafe SVGs and
    item-like Markdown outside the exact kind folders."""
    items, pages, problems = [], [], []
    content = root / "content"
    if not content.is_dir():
        return items, pages, problems
    stack = [("content", content)]
    while stack:
        rel, folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as error:
            problems.append(Problem("file/unreadable", rel, None, str(error)))
            continue
        for entry in entries:
            relpath = f"{rel}/{entry.name}"
            if not is_text_name(relpath):
                problems += unsafe_name(printable_name(relpath))  # never loaded: no report could name it
                continue
            if entry.is_symlink():
                problems.append(Problem("file/symlink", relpath, None,
                                        _("is a symbolic link; Gazette does not follow links"),
                                        _("commit the file itself")))
                continue
            if entry.is_dir():
                if not entry.name.startswith("."):
                    stack.append((relpath, Path(entry.path)))
            elif is_leftover(entry.name):
                problems.append(Problem("file/leftover", relpath, None,
                                        _("is an editor backup or merge leftover: never published"), _("delete it")))
            elif entry.name.endswith(".md") and kind_of(relpath):
                items.append(relpath)
                problems += unsafe_name(relpath, folders_only=True)  # its own name: file/not-slug
            elif is_misnamed_item(relpath):
                problems.append(misnamed_item(relpath))
            elif not entry.name.startswith("."):  # MkDocs skips dotfiles (.authors.yml, .meta.yml)
                if entry.name.endswith(".md"):
                    pages.append(relpath)
                problems += unsafe_name(relpath)
                problems += _publishable_problems(root, relpath, entry.name)
    return sorted(items), sorted(pages), problems


def listing_problems(root: Path, paths) -> list[Problem]:
    """What :func:`list_item_paths` reports, for these files only (``check --changed-since``:
    a pull request's misnamed item, backup, link, script or draft in content/post/)."""
    problems = []
    for relpath in sorted(paths):
        parts = relpath.split("/")
        full = os.path.join(root, relpath)
        if parts[0] != "content" or any(p.startswith(".") for p in parts[1:-1]) or not os.path.lexists(full):
            continue
        if not is_text_name(relpath):
            problems += unsafe_name(printable_name(relpath))
            continue
        name = parts[-1]
        if name.endswith(".md") and kind_of(relpath):
            problems += unsafe_name(relpath, folders_only=True)
            continue  # an item: loading it reports links and the rest
        if os.path.islink(full):
            problems.append(Problem("file/symlink", relpath, None, _("is a symbolic link; Gazette does not follow links"),
                                    _("commit the file itself")))
        elif not os.path.isfile(full):
            continue
        elif is_leftover(name):
            problems.append(Problem("file/leftover", relpath, None,
                                    _("is an editor backup or merge leftover: never published"), _("delete it")))
        elif is_misnamed_item(relpath):
            problems.append(misnamed_item(relpath))
        elif not name.startswith("."):
            problems += unsafe_name(relpath) + _publishable_problems(root, relpath, name)
    return problems


def _named_by_mkdocs(root: Path, relpath: str) -> bool | None:
    """Whether mkdocs.yml (a maintainer's file) names this stylesheet or script, as extra_css
    and extra_javascript do; None without a mkdocs.yml."""
    try:
        config = (root / "mkdocs.yml").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return re.search(r"[\s\"'\-:\[,]" + re.escape(relpath.removeprefix("content/")) + r"[\s\"',\]}]", config) is not None


def _publishable_problems(root: Path, relpath: str, name: str) -> list[Problem]:
    """Why the site will not publish this page or attachment, if it will not."""
    kind = suffix(name)
    if kind in (".css", ".js", ".mjs"):  # code: the site publishes what mkdocs.yml names
        named = _named_by_mkdocs(root, relpath)
        if not named and not (named is None and kind == ".css"):  # no mkdocs.yml: no site to judge by
            return [Problem("security/attachment-type", relpath, None,
                            _('is a {kind} file that mkdocs.yml does not name: it is not published').format(kind=kind),
                            _("a maintainer adds it to extra_css or extra_javascript, or remove it"))]
    elif not attachment_type_allowed(name):
        return [Problem("security/attachment-type", relpath, None,
                        _('is a {value} file: the site publishes only Markdown, images, PDF, audio and video')
                            .format(value=kind or _('typeless')), _("remove it; embeds go through an allowed iframe"))]
    if kind == ".svg" or kind in MARKDOWN_LOOKALIKES:
        text, problem = read_text(root, relpath)
        if problem:  # an empty page is harmless; anything unreadable is not published
            return [] if problem.code == "file/empty" else [problem]
        conflict = conflict_marker(relpath, text)
        if conflict:
            return [conflict]
        if kind == ".svg":
            danger = svg_danger(text)
            return [Problem("security/svg", relpath, None, _('contains {danger}: not published')
                                                               .format(danger=_(danger)),
                            _("export it again as a plain drawing, or use PNG"))] if danger else []
        if looks_like_item(text):
            from .slugs import slugify

            return [Problem("security/misplaced-item", relpath, 1,
                            _("has date:, status: or draft: (or a front matter that does not load) but is not "
                            "under content/posts/, content/newsletters/ or content/contests/: it is not published"),
                            _('move it to content/posts/{value}.md (or the newsletters or contests folder)')
                                .format(value=slugify(name.rsplit('.', 1)[0]) or 'a-short-name'))]
        return [Problem("security/page-meta", relpath, line,
                        _("template: is not a template file name (like main.html): the site ignores it"),
                        _("remove it, or name a template of the theme: template: main.html"))
                if key == "template" else
                Problem("security/page-meta", relpath, line,
                        _('{key}: is a list, a mapping or a number, not a text: the theme would write it into the '
                          'page as it is')
                            .format(key=key), _('write one text in quotes: {key}: "…"').format(key=key))
                for key, line in page_meta_not_text(text)]
    return []


def unsafe_name(relpath: str, folders_only: bool = False) -> list[Problem]:
    """A file under content/ whose name, or a folder's on its path, has characters other than
    letters, digits, ``-``, ``_`` and ``.``: a space, ``<``, ``&``, quotes or ``#`` end up in the
    titles, URLs and search entries the engine writes. Said on the file (a folder is published
    through its files, and ``check --changed-since`` reports only changed paths)."""
    parts = relpath.split("/")[1:-1] if folders_only else relpath.split("/")[1:]
    name = next((part for part in parts if not SAFE_NAME.fullmatch(part)), None)
    if name is None:
        return []
    from .slugs import slugify

    stem, dot, extension = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
    return [Problem("file/unsafe-name", relpath, None,
                    _("the name {name!r} has characters other than letters, digits, '-', '_' and '.'").format(name=name),
                    _("rename it to {value}").format(value=(slugify(stem) or "a-short-name") + dot + extension))]


def is_misnamed_item(relpath: str) -> bool:
    """A Markdown file in a kind folder that does not end in .md: never loaded."""
    return not relpath.endswith(".md") and relpath.lower().endswith(MARKDOWN_LOOKALIKES) and bool(kind_of(relpath))


def misnamed_item(relpath: str) -> Problem:
    from .slugs import slugify

    stem = slugify(relpath.rsplit("/", 1)[-1].rsplit(".", 1)[0]) or "a-short-name"
    return Problem("file/extension", relpath, None, _("is never published: only .md files are items"),
                   _('rename it to {stem}.md').format(stem=stem))


def kind_of(relpath: str) -> str | None:
    parts = relpath.split("/")
    if len(parts) >= 3 and parts[0] == "content":
        return KIND_FOLDERS.get(parts[1])
    return None


def check_name(relpath: str) -> list[Problem]:
    stem = relpath.rsplit("/", 1)[-1][:-3]
    if SLUG.match(stem):
        return []
    from .slugs import slugify

    return [Problem("file/not-slug", relpath, None,
                    _('file name {stem!r} is not a slug (lowercase ASCII letters, digits, hyphens)').format(stem=stem),
                    _('rename it to {value}.md').format(value=slugify(stem) or 'a-short-name'))]


def load_item(relpath: str, text: str, tz, parsed=None) -> tuple[Item | None, list[Problem]]:
    """One item from its text (or from a cached ``parse_item`` result); None if unusable."""
    problems = check_name(relpath)
    meta, lines, offset, found = parsed or parse_item(relpath, kind_of(relpath), text, tz)
    problems += found
    if not meta:
        return None, problems
    slug = meta.get("slug") or relpath.rsplit("/", 1)[-1][:-3]  # slug: in front matter names the URL
    return Item(kind_of(relpath), relpath, slug, meta, text[offset:],
                text.count("\n", 0, offset) + 1, lines), problems


def is_text_name(relpath: str) -> bool:
    """Whether the name is UTF-8 text: the file system gives other bytes as surrogate escapes
    (caf\\xe9.md), which no report, page or link can write."""
    try:
        relpath.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable_name(relpath: str) -> str:
    """The name with each byte that is not UTF-8 shown as U+FFFD."""
    return relpath.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def is_listed_item(relpath: str) -> bool:
    """Whether :func:`list_item_paths` lists this path as an item (the full check's set):
    Markdown in a kind folder, no folder on the way named with a dot (.drafts/), a name in UTF-8."""
    parts = relpath.split("/")
    return relpath.endswith(".md") and kind_of(relpath) is not None and not any(
        part.startswith(".") for part in parts[1:-1]) and is_text_name(relpath)


def selected_item_paths(root: Path, only: set[str]) -> list[str]:
    """The item files among ``only``, plus any file sharing a slug with one of them.

    Lets a check of a few files see slug clashes without listing the whole tree.
    """
    paths = set()
    for relpath in only:
        if not (relpath.endswith(".md") and kind_of(relpath)) or not is_text_name(relpath):
            continue  # a name not in UTF-8: listing_problems reports it
        if os.path.lexists(os.path.join(root, relpath)):
            paths.add(relpath)
        kind_folder = os.path.join(root, *relpath.split("/")[:2])
        name = relpath.rsplit("/", 1)[-1]
        try:
            years = [e.name for e in os.scandir(kind_folder) if e.is_dir(follow_symlinks=False)]
        except OSError:
            continue
        prefix = relpath.rsplit("/", 2)[0]
        paths.update(f"{prefix}/{year}/{name}" for year in years
                     if is_text_name(year) and os.path.isfile(os.path.join(kind_folder, year, name)))
    return sorted(paths)


def each_file(root: Path, paths, problems: list[Problem], store, compute, need_text: bool = False):
    """Yield (path, text, result) per readable file; ``result`` comes from ``store`` when
    the bytes are unchanged (then ``text`` is None: not even decoded), else from
    ``compute(path, text)``. Unreadable files go to ``problems``."""
    for relpath in paths:
        info, problem = stat_file(root, relpath)
        if problem is None and store is not None and not need_text:
            result = store.get_by_stat(relpath, info)
            if result is not None:
                yield relpath, None, result
                continue
        if problem is None:
            raw, problem = read_bytes(root, relpath, info)
        if problem is None:
            result = store.get(relpath, raw, info) if store else None
            if result is not None and not need_text:
                yield relpath, None, result
                continue
            text, problem = decode(relpath, raw)
            if result is not None and problem is None:
                yield relpath, text, result
                continue
        if problem:
            problems.append(problem)
            continue
        result = compute(relpath, text)
        if store:
            store.put(relpath, raw, result, info)
        yield relpath, text, result


class no_gc:
    """Thousands of small dicts would trigger the cyclic GC over and over: pause it."""

    def __enter__(self):
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        if self.was_enabled:
            gc.enable()


def load_repo(root: Path | str, only: set[str] | None = None, cache: bool = True) -> Repo:
    """Load the frame and the items (all, or the item files named in ``only``)."""
    root = Path(root)
    frame, problems = load_frame(root)
    if only is None:
        item_paths, pages, found = list_item_paths(root)
        problems += found
        wanted = item_paths
    else:
        item_paths, pages = selected_item_paths(root, only), []
        wanted = [p for p in item_paths if p in only]

    store = None
    items: list[Item] = []
    parse = lambda relpath, text: parse_item(relpath, kind_of(relpath), text, lambda: frame.timezone)  # noqa: E731
    with no_gc():
        if cache:  # unpickling thousands of entries with the GC on costs twice as much
            from .cache import FileCache

            store = FileCache(root, "parse", frame_digest(root))
        for relpath, text, parsed in each_file(root, wanted, problems, store, parse, need_text=True):
            item, found = load_item(relpath, text, None, parsed)
            problems += found
            if item:
                items.append(item)
    if store:
        store.save(prune=only is None)
    repo = Repo(root, items, frame, problems, item_paths, pages)
    repo.listed_all = only is None
    return repo
