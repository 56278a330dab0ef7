"""The ``gazette`` MkDocs plugin: a thin adapter over the site stage, for ``mkdocs build`` and
``mkdocs serve``.

``on_config`` writes the public tree (the site stage: check, visibility, gate, archives, home,
link previews; nothing when no input changed) and points MkDocs at it: ``docs_dir`` becomes the
tree's ``docs/``, the navigation the tree's escaped one, and ``on_files`` hands MkDocs the tree's
pages from memory (kept in one file, not 3,100). MkDocs then renders plain Markdown with
no Gazette code per page but the finish step of ``gazette site build`` (``on_post_page``: the
sanitizer over each page's content region, Gazette's own HTML put back, and the page written,
by a worker process while MkDocs renders the next one: :mod:`.pagewriter`; ``on_post_build``:
the other HTML files, feeds, search forms). ``on_serve`` watches the real folders, not
the tree. The clock is ``GAZETTE_NOW`` or the plugin's ``now`` option.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config import config_options
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority

from .tree import INPUT_FOLDERS

# What the site stage reads: a change there rebuilds the site under `mkdocs serve`.
WATCHED = INPUT_FOLDERS


class SafeTableOfContents:
    """The page hooks both MkDocs builds share (this plugin, and ``site build --engine mkdocs``'s
    in-process one): the table of contents made safe where MkDocs hands it over."""

    @event_priority(-100)  # last: after what other plugins did to it, before any page is rendered
    def on_page_content(self, html, page, config, files):
        from .finish import make_toc_safe

        make_toc_safe(page)
        return html

    @event_priority(-100)
    def on_page_context(self, context, page, config, nav):
        """Again just before the theme writes it: a plugin may change it in between."""
        from .finish import make_toc_safe

        make_toc_safe(page)
        return context


class TreePages(SafeTableOfContents):
    """What both MkDocs builds of the public tree do (this plugin, and ``site build --engine
    mkdocs``'s in-process one): the tree's pages given from memory, each rendered page finished
    and written by the page worker (:mod:`.pagewriter`). ``tree`` and ``texts`` are set before the
    build starts."""

    tree: Path
    texts: dict

    @event_priority(100)  # first: the other plugins see the pages as if MkDocs had read them from docs/
    def on_files(self, files, config):
        """The tree's pages, from memory: the tree keeps them in one file for MkDocs."""
        from .tree import add_tree_pages

        return add_tree_pages(files, config, self.texts)

    def on_pre_build(self, config):
        """A worker starts finishing and writing pages (held.json is this build's, written
        before): it has the Markdown phase to start before the first page comes."""
        from .pagewriter import PageWriter, last_on_post_page

        self.writer = PageWriter(self.tree, last=last_on_post_page(config.plugins, self.on_post_page))

    @event_priority(-100)  # last: what other plugins do to a page goes through the sanitizer too
    def on_post_page(self, output, page, config):
        """Each page finished as MkDocs renders it, by the worker, which writes it (MkDocs, handed
        back an empty page, writes nothing); the finish step then reads and rewrites only what
        MkDocs wrote outside its pages (the 404)."""
        from .pagewriter import PageWriterError

        try:
            return self.writer.page(page.file, output)
        except PageWriterError as error:  # about the worker, not about this page
            raise PluginError(f"gazette: {error}") from None

    @event_priority(100)  # first: the other plugins' post-build steps find every page written
    def _collect_pages(self, config):
        from .pagewriter import PageWriterError

        try:
            self.finisher = self.writer.close()
        except PageWriterError as error:
            raise PluginError(f"gazette: {error}") from None

    def on_build_error(self, error):
        writer = getattr(self, "writer", None)
        if writer is not None:
            writer.abandon()


class GazettePlugin(TreePages, BasePlugin):
    config_scheme = (
        ("now", config_options.Type(str, default="")),
        ("repo", config_options.Type(str, default="")),
    )

    def on_config(self, config):
        from ..clock import ClockError, now as clock_now
        from ..i18n import use_repository
        from .stage import adjust_config
        from .tree import EngineError, tree_pages, write_tree

        self.root = Path(self.config["repo"] or Path(config["config_file_path"]).parent).resolve()
        use_repository(self.root)  # the build's messages follow gazette: {language} in channels.yml
        try:
            now = clock_now(self.config["now"] or None)
        except ClockError as error:
            raise PluginError(f"gazette: now: {error}") from None
        self.tree = self.root / ".gazette" / "public"
        adjust_config(config)  # also when the tree is unchanged and the stage does not run
        try:
            written = write_tree(self.root, self.tree, now.isoformat(), config, pages_on_disk=False)
            self.texts = written.texts if written.texts is not None else tree_pages(self.tree)
        except EngineError as error:
            raise PluginError(f"gazette: {error}") from None
        except (OSError, ValueError) as error:  # the pages file unreadable: a damaged tree
            raise PluginError(f"gazette: {self.tree}: {error}") from None
        self.content = config["docs_dir"]
        config["docs_dir"] = str(self.tree / "docs")
        from mkdocs.utils.yaml import yaml_load

        with open(self.tree / "mkdocs.yml", encoding="utf-8") as handle:  # the tree's escaped navigation,
            config["nav"] = (yaml_load(handle) or {}).get("nav")  # its tags built as MkDocs builds them
        return config

    def on_serve(self, server, config, builder):
        """Edits happen in content/ (and the plan), not in the tree the build writes."""
        server.unwatch(config["docs_dir"])
        for name in WATCHED:
            folder = self.root / name
            if folder.is_dir():
                server.watch(str(folder))
        return server

    def _finish_site(self, config):  # after the search plugin (listed first) wrote its index
        from .finish import FinishError, finish_site

        try:
            finish_site(self.tree, Path(config["site_dir"]), self.finisher)
        except FinishError as error:
            raise PluginError(f"gazette: {error}") from None
        self.finisher = None

    on_post_build = CombinedEvent(TreePages._collect_pages, _finish_site)
