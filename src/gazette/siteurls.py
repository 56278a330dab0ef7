"""Where things live on the members' site: one URL rule for pages, e-mails and link checks.

The site's address, its URL style and its Markdown extensions are read from
``mkdocs.yml`` (the file MkDocs builds with), so a newsletter's links and the
``ref/site-url`` check agree with the pages the build writes.
"""

from __future__ import annotations

import os
import posixpath
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

DOCS_DIR = "content"
# Extensions the e-mail may load by name from mkdocs.yml: the configuration is untrusted
# (a pull request can change it), so only Python-Markdown's own and pymdownx's are imported.
TRUSTED_EXTENSION_PREFIXES = ("markdown.extensions.", "pymdownx.")
# Extensions that put a file's content into the page (`--8<-- ".git/config"`, an image as
# base64): a contributor's body would publish any repository file, so neither the build nor
# the e-mail ever loads them, whatever mkdocs.yml says (docs/security.md).
FILE_READING_EXTENSIONS = frozenset({"pymdownx.snippets", "pymdownx.b64", "markdown_include.include",
                                     "mdx_include"})
BUILTIN_EXTENSIONS = frozenset({"abbr", "admonition", "attr_list", "def_list", "extra", "fenced_code",
                                "footnotes", "md_in_html", "sane_lists", "smarty", "tables", "toc"})
# Pages and files the build writes that come from no source file.
GENERATED = frozenset({"", "404.html", "sitemap.xml", "sitemap.xml.gz", "search/search_index.json",
                       *(f"{kind}{name}" for kind in ("", "posts/", "newsletters/", "contests/")
                         for name in ("feed.xml", "atom.xml"))})
ARCHIVE_PREFIXES = ("archives/",)


def url_path(src: str, directory_urls: bool = True) -> str:
    """The URL path MkDocs gives a docs-relative source file: the one rule for the site's
    pages, its archives, the e-mail's links and the link checks."""
    stem = src.removesuffix(".md")
    if stem == "README" or stem.endswith("/README"):  # MkDocs and Zensical make a folder's README its index
        stem = stem.removesuffix("README") + "index"
    if not directory_urls:
        return stem + ".html"
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"


class SiteConfig:
    """What Gazette needs to know of the site: address, URL style, Markdown extensions."""

    def __init__(self, site_url: str = "", directory_urls: bool = True, extensions=()):
        self.site_url = (site_url or "").rstrip("/") + "/" if site_url else ""
        self.directory_urls = directory_urls
        self.extensions = list(extensions)  # [(name, options)]
        # A check asks about every URL of every channel text and body: each answer is kept,
        # and the site's own address is split once.
        self._paths: dict[str, str | None] = {}
        self._mine = None
        self._prefix: str | None = None

    def page_path(self, src: str) -> str:
        """The URL path MkDocs gives a source file under content/."""
        return url_path(src.removeprefix(DOCS_DIR + "/"), self.directory_urls)

    def url_of(self, src: str) -> str:
        """Absolute URL of a repository file under content/: a page for .md, else the copied file."""
        path = self.page_path(src) if src.endswith(".md") else src.removeprefix(DOCS_DIR + "/")
        return self.site_url + path

    def item_url(self, item) -> str:
        """Absolute URL of an item's page, honouring ``slug:`` (see :mod:`gazette.urls`)."""
        from .urls import page_src

        return self.site_url + self.page_path(page_src(item))

    def under_site(self, url: str) -> bool:
        return self._path_on_site(url) is not None

    def site_path(self, url: str) -> str:
        """The path of a site URL relative to the site root, without query or fragment."""
        return self._path_on_site(url) or ""

    def _path_on_site(self, url: str) -> str | None:
        """The site path of ``url`` if it is on the site, else None. Scheme and host in any
        case, http or https, the default port written or not: one site, however it is typed."""
        if not self.site_url:
            return None
        try:
            return self._paths[url]
        except KeyError:
            path = self._paths[url] = self._find_path_on_site(url)
            return path

    def _find_path_on_site(self, url: str) -> str | None:
        if self._mine is None:
            try:
                mine = urlsplit(self.site_url)
                self._mine = (mine.hostname, _port(mine), mine.path if mine.path.endswith("/") else mine.path + "/")
                # A URL that starts with the site's address as written splits into the same scheme
                # and host, and its path continues the site's: no urlsplit needed (most URLs a
                # check asks about are {url} expanded). Only for an address urlsplit keeps as is.
                plain = (mine.scheme in DEFAULT_PORTS and not mine.query and not mine.fragment
                         and self.site_url == f"{mine.scheme}://{mine.netloc}{mine.path}" and mine.path.endswith("/")
                         and not any(c in self.site_url for c in "?#\t\r\n"))
                self._prefix = self.site_url if plain else None
            except ValueError:  # the site's own port is no number: no URL is ours
                self._mine = (None, ValueError, "")
        hostname, port, base = self._mine
        if port is ValueError:
            return None
        prefix = self._prefix
        if prefix is not None and url.startswith(prefix) and not any(c in url for c in "\t\r\n"):
            rest = url[len(prefix):]
            for mark in "?#":
                rest = rest.partition(mark)[0]
            return unquote(rest)
        try:
            theirs = urlsplit(url)
            their_port = _port(theirs)
        except ValueError:  # a port that is no number: not a URL of ours
            return None
        if theirs.scheme.lower() not in DEFAULT_PORTS or theirs.hostname != hostname or their_port != port:
            return None
        if theirs.path == base.rstrip("/"):
            return ""
        return unquote(theirs.path[len(base):]) if theirs.path.startswith(base) else None

    def sources_for(self, path: str) -> list[str]:
        """Repository files that would produce the site path ``path`` (candidates, in order)."""
        if path.endswith("index.html") and (path == "index.html" or path.endswith("/index.html")):
            path = path.removesuffix("index.html")  # what a server answers for the folder
        if path == "" or path.endswith("/"):
            stem = path.rstrip("/")
            if not stem:
                return [f"{DOCS_DIR}/index.md"]
            return ([f"{DOCS_DIR}/{stem}.md"] if self.directory_urls else []) + [f"{DOCS_DIR}/{stem}/index.md"]
        if path.endswith(".html") and not self.directory_urls:
            return [f"{DOCS_DIR}/{path.removesuffix('.html')}.md", f"{DOCS_DIR}/{path}"]
        return [] if path.endswith(".md") else [f"{DOCS_DIR}/{path}"]  # MkDocs copies files, not .md


DEFAULT_PORTS = {"http": 80, "https": 443}


def _port(parts) -> int | None:
    """The port, None when it is the scheme's default (https://x:443/ is https://x/)."""
    port = parts.port
    return None if port == DEFAULT_PORTS.get(parts.scheme.lower()) else port


def load_site_config(root: Path | str) -> SiteConfig:
    """The site's address, URL style and extensions, from mkdocs.yml merged over the files it
    INHERITs from, as MkDocs merges them (a site_url may live in a shared parent)."""
    stats = []
    for path in config_chain(Path(root) / "mkdocs.yml", inside=Path(root)):
        try:
            info = path.lstat()
        except OSError:
            break
        stats.append((str(path), info.st_size, info.st_mtime_ns))
    return _load(tuple(stats)) if stats else SiteConfig()


def site_config_of_run(root: Path | str, frame) -> SiteConfig:
    """``load_site_config`` once per run (kept in the frame's memo): a check asks for it
    for every channel text of every item, and each ask costs a stat."""
    memo = getattr(frame, "memo", None)
    if memo is None:
        return load_site_config(root)
    if "site_config" not in memo:
        memo["site_config"] = load_site_config(root)
    return memo["site_config"]


def config_chain(config_file: Path, limit: int = 8, inside: Path | None = None) -> list[Path]:
    """mkdocs.yml and the files it INHERITs from, child first (read as text: no YAML). With
    ``inside``, a parent outside that folder ends the chain: a check must not read files
    beyond the repository because a pull request's mkdocs.yml names them."""
    import re

    chain, path = [], Path(config_file)
    top = Path(os.path.realpath(inside)) if inside is not None else None
    while len(chain) < limit and path not in chain:
        chain.append(path)
        try:
            match = re.search(r"^['\"]?INHERIT['\"]?[ \t]*:[ \t]*['\"]?([^'\"#\n]+?)['\"]?[ \t]*(?:#.*)?$",
                              path.read_text(encoding="utf-8"), re.M)
        except (OSError, UnicodeDecodeError):
            break
        if match is None:
            break
        path = (path.parent / match.group(1).strip()).resolve()
        if top is not None and top != path and top not in path.parents:
            break
    return chain


@lru_cache(maxsize=8)
def _load(stats: tuple) -> SiteConfig:
    """``stats``: (path, size, mtime) of mkdocs.yml and its parents, child first: the key
    that makes an edit of any of them a new reading."""
    merged: dict = {}
    for path, _size, _mtime in reversed(stats):
        written = _read_config(path)
        if written is None:
            if path == stats[0][0]:
                return SiteConfig()  # the community's own file unreadable: no configuration
            continue
        written.pop("INHERIT", None)
        merged = _merged(merged, written)
    site_url = merged.get("site_url") if isinstance(merged.get("site_url"), str) else ""
    return SiteConfig(site_url, merged.get("use_directory_urls", True) is not False,
                      _extensions(merged.get("markdown_extensions")))


def _merged(parent: dict, child: dict) -> dict:
    """MkDocs' INHERIT merge: mappings key by key, anything else the child's."""
    out = dict(parent)
    for key, value in child.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _read_config(path: str) -> dict | None:
    import yaml

    class Lenient(yaml.SafeLoader):
        """mkdocs.yml may hold !!python/name and !ENV tags: read them as plain values."""

    Lenient.add_multi_constructor("", lambda loader, suffix, node: None)
    Lenient.add_constructor("!ENV", _environment_value)  # site_url: !ENV [SITE_URL, https://…]
    try:
        if os.path.islink(path):
            return None
        with open(path, encoding="utf-8") as handle:
            data = yaml.load(handle.read(1 << 20), Loader=Lenient)  # noqa: S506 - a SafeLoader subclass
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def from_environment(written):
    """MkDocs' ``!ENV`` read as MkDocs reads it: ``VAR``, or ``[VAR…, default]``; the first
    variable set wins, else the default (the one reading of that tag, here and in the tree)."""
    names = written if isinstance(written, list) else [written]
    names, default = (names[:-1], names[-1]) if len(names) > 1 else (names, None)
    for name in names:
        if isinstance(name, str) and os.environ.get(name):
            return os.environ[name]
    return default


def _environment_value(loader, node):
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return from_environment(loader.construct_scalar(node))
    if isinstance(node, yaml.SequenceNode):
        return from_environment([loader.construct_object(child) for child in node.value])
    return None


def _extensions(entries) -> list[tuple[str, dict]]:
    chosen = []
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, str):
            name, options = entry, {}
        elif isinstance(entry, dict) and len(entry) == 1:
            name, options = next(iter(entry.items()))
            options = options if isinstance(options, dict) else {}
        else:
            continue
        if not isinstance(name, str):
            continue
        if name in BUILTIN_EXTENSIONS:
            name = "markdown.extensions." + name
        if name.startswith(TRUSTED_EXTENSION_PREFIXES) and not reads_files(name):
            chosen.append((name, options))
    return chosen


def reads_files(name: str) -> bool:
    """Whether the Markdown extension ``name`` (a module, or ``module:Class``) reads files."""
    return name.partition(":")[0].strip() in FILE_READING_EXTENSIONS


def resolve_relative(item_path: str, target: str) -> str:
    """The repository path a relative link in ``item_path`` points at."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(item_path), unquote(target)))

