"""Stage 5: the community site, as a thin MkDocs plugin over the library.

The plugin (entry point ``gazette`` in ``mkdocs.plugins``) does four things:
fails the build with ``path:line: code`` problems (no traceback) when
``gazette check`` finds errors (it runs in a second process while MkDocs
renders, and is awaited before any page is written); removes every item ``is_public`` refuses from
the files, so drafts and future items reach no page, nav, search index or
sitemap; generates the archive pages (by kind, year, category and campaign)
in one pass over the items, so the build grows linearly; and writes the RSS
and Atom feeds. The clock is ``GAZETTE_NOW`` or the plugin's ``now`` option.
"""

from __future__ import annotations

import math
from html import escape
import posixpath
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from mkdocs.config import config_options
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File

from .urls import page_src as item_src

KIND_LABELS = {"post": ("posts", "Billets"), "newsletter": ("newsletters", "Lettres"),
               "contest": ("contests", "Concours")}
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]
HELD_MARKER = "<!-- gazette-list-{} -->"
PER_PAGE = 50  # each archive page is a full page to render: fewer, longer pages build faster


def french_date(moment: datetime) -> str:
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def reading_minutes(text: str) -> int:
    return max(1, math.ceil(len(text.split()) / 220))


def _listing(errors) -> str:
    shown = "\n".join(p.format() for p in errors[:50])
    more = f"\n… and {len(errors) - 50} more: run gazette check" if len(errors) > 50 else ""
    return f"gazette check found {len(errors)} error(s):\n{shown}{more}"


def contest_state(item, now: datetime) -> str:
    meta = item.meta
    if meta.get("winners"):
        return "gagnants"
    if meta.get("closes") and now >= meta["closes"]:
        return "clos"
    if meta.get("opens") and now >= meta["opens"]:
        return "ouvert"
    return "à venir"


class GazettePlugin(BasePlugin):
    config_scheme = (
        ("now", config_options.Type(str, default="")),
        ("repo", config_options.Type(str, default="")),
    )

    def on_config(self, config):
        from .check import BackgroundCheck
        from .clock import ClockError, now as clock_now
        from .load import load_repo
        from .problems import apply_severity
        from .visibility import is_public

        root = Path(self.config["repo"] or Path(config["config_file_path"]).parent)
        try:
            self.now = clock_now(self.config["now"] or None)
        except ClockError as error:
            raise PluginError(f"gazette: now: {error}") from None
        self.checking = BackgroundCheck(root, self.now)  # its verdict is awaited in on_env
        self.repo = load_repo(root)
        unloadable = [p for p in apply_severity(self.repo.problems, self.repo.frame.severity) if p.severity == "error"]
        if unloadable:  # a file that does not load cannot be rendered: stop now, with the whole report
            self._fail_on_errors()
            raise PluginError(_listing(unloadable))  # reached only if the files changed between the reads
        self.public = sorted((i for i in self.repo.items if is_public(i, self.now)),
                             key=lambda i: i.date, reverse=True)
        self.by_src = {i.path.removeprefix("content/"): i for i in self.public}  # per-page lookups: O(1)
        return config

    def on_files(self, files, config):
        from .load import MARKDOWN_LOOKALIKES, kind_of

        self.directory_urls = config["use_directory_urls"]
        for file in list(files):
            src = file.src_uri
            if (kind_of("content/" + src) and src not in self.by_src
                    and src.lower().endswith(MARKDOWN_LOOKALIKES)):  # a stray .MD would be copied raw
                files.remove(file)  # hidden: no page, no nav entry, no search entry, no sitemap
        pages: dict[str, str] = {}
        for item in self.public:  # a slug: may take another page's URL: one would be lost
            other = pages.setdefault(item_src(item), item.path)
            if other != item.path:
                raise PluginError(f"gazette: {other} and {item.path} would both be the page "
                                  f"{self._url(item_src(item))}; give one of them another slug:")
        for file in files.documentation_pages():
            item = self.by_src.get(file.src_uri)
            if item is not None and item_src(item) != file.src_uri:  # slug: in front matter
                url = self._url(item_src(item))
                file.dest_uri = url + "index.html" if url.endswith("/") else url
                for derived in ("url", "abs_dest_path"):  # cached from the file name
                    file.__dict__.pop(derived, None)
        self.pages: dict[str, str] = {}
        self.held: dict[str, list[str]] = {}  # per archive page, the HTML lists its placeholders stand for
        self._archives()
        for uri, text in self.pages.items():
            files.append(File.generated(config, uri, content=text))
        return files

    # -- archives ---------------------------------------------------------------

    def _url(self, src: str) -> str:
        """The URL path MkDocs gives a source file (directory URLs or not)."""
        stem = src.removesuffix(".md")
        if not self.directory_urls:
            return stem + ".html"
        return "" if stem == "index" else (stem.removesuffix("/index") if stem.endswith("/index") else stem) + "/"

    def _up(self, page_src: str) -> str:
        """From a page's URL back to the site root: every link is then that plus the
        target's URL (posixpath.relpath was a third of the archives' cost)."""
        if self.directory_urls:
            depth = self._url(page_src).count("/")
        else:
            folder = posixpath.dirname(page_src)
            depth = folder.count("/") + 1 if folder else 0
        return "../" * depth or "./"

    def _list(self, items, page_src: str) -> list[str]:
        """An HTML list with resolved links. Archives list thousands of items: they reach the
        page through ``_hold`` and never go through Markdown, whose list, link and raw-HTML
        processing was most of their cost."""
        up = self._up(page_src)
        rows = []
        for item in items:
            href = up + self._url(item_src(item))
            summary = item.meta.get("summary") or ""
            rows.append(f'<li><strong><a href="{escape(href)}">{escape(item.title)}</a></strong> — '
                        f'{french_date(item.date)}' + (f"<br>{escape(summary)}" if summary else "") + "</li>")
        return ['<ul class="gazette-list">', *rows, "</ul>"] if rows else []

    def _paged(self, base: str, title: str, items, intro: str = "", by_month: bool = False,
               per_page: int | None = PER_PAGE) -> None:
        """One archive, paginated (base.md, base-2.md…) unless ``per_page`` is None;
        a year's archive has a heading per month."""
        size = per_page or max(len(items), 1)
        pages = [items[i:i + size] for i in range(0, len(items), size)] or [[]]
        for number, chunk in enumerate(pages, 1):
            uri = f"{base}.md" if number == 1 else f"{base}-{number}.md"
            # Archives repeat what the items say: out of the search index, which stays linear.
            lines = ["---", "search:", "  exclude: true", "---", f"# {title}", ""] + ([intro, ""] if intro else [])
            if by_month:  # headings stay Markdown, for the table of contents
                months = defaultdict(list)
                for item in chunk:
                    months[item.date.month].append(item)
                for month, in_month in months.items():
                    lines += ["", f"## {MONTHS[month - 1].capitalize()}", "", self._hold(uri, in_month)]
            else:
                lines += [self._hold(uri, chunk)] if chunk else ["Rien pour le moment."]
            name = base.rsplit("/", 1)[-1]
            nav = []
            if number > 1:
                nav.append(f"[← Plus récents]({name if number == 2 else f'{name}-{number - 1}'}.md)")
            if number < len(pages):
                nav.append(f"[Plus anciens →]({name}-{number + 1}.md)")
            if nav:
                lines += ["", " · ".join(nav)]
            self.pages[uri] = "\n".join(lines) + "\n"

    def _hold(self, uri: str, items) -> str:
        """A placeholder for a list that ``on_page_content`` puts in after Markdown: an HTML
        comment, which Markdown and its extensions pass through untouched."""
        held = self.held.setdefault(uri, [])
        held.append("\n".join(self._list(items, uri)))
        return HELD_MARKER.format(len(held) - 1)

    def _archives(self) -> None:
        by_kind, by_year, by_category, by_campaign, by_author = (defaultdict(list) for _ in range(5))
        for item in self.public:  # one pass: linear in the number of items
            by_kind[item.kind].append(item)
            for author in item.meta.get("authors") or ():
                by_author[author].append(item)
            by_year[(item.kind, item.date.year)].append(item)
            for category in item.meta.get("categories") or ():
                by_category[category].append(item)
            if item.meta.get("campaign"):
                by_campaign[item.meta["campaign"]].append(item)
        index = ["# Archives", ""]
        for kind, (folder, label) in KIND_LABELS.items():
            self._paged(f"archives/{folder}", label, by_kind[kind])
            years = sorted({year for (k, year) in by_year if k == kind}, reverse=True)
            index.append(f"## [{label}]({folder}.md)")
            index.append(" · ".join(f"[{year}]({folder}-{year}.md)" for year in years) or "—")
            index.append("")
            for year in years:
                self._paged(f"archives/{folder}-{year}", f"{label} {year}", by_year[(kind, year)], by_month=True,
                            per_page=None)
        from .slugs import slugify

        index.append("## Catégories")
        for category in sorted(by_category):
            slug = slugify(category)
            self._paged(f"archives/categorie-{slug}", f"Catégorie : {category}", by_category[category],
                        per_page=None)
            index.append(f"- [{category}](categorie-{slug}.md) ({len(by_category[category])})")
        index += ["", "## Campagnes"]
        for slug in sorted(by_campaign):
            name = (self.repo.frame.campaigns.get(slug) or {}).get("name", slug)
            self._paged(f"archives/campagne-{slug}", f"Campagne : {name}", by_campaign[slug], per_page=None)
            index.append(f"- [{name}](campagne-{slug}.md) ({len(by_campaign[slug])})")
        index += ["", "## Auteurs"]
        for key, spec in self.repo.frame.authors.items():
            name = spec.get("name", key)
            self._paged(f"archives/auteur-{key}", name, by_author[key], spec.get("description", ""),
                        per_page=None)
            index.append(f"- [{name}](auteur-{key}.md) ({len(by_author[key])})")
        self.pages["archives/index.md"] = "\n".join(index) + "\n"

    # -- pages ------------------------------------------------------------------

    def on_page_read_source(self, page, config):
        """An item's body without its front matter: the plugin has parsed it already, so
        MkDocs need not parse it again (its meta comes back in ``on_page_markdown``)."""
        item = self.by_src.get(page.file.src_uri)
        if item is None:
            return None
        # The leading blank line tells MkDocs there is no metadata block, even when the
        # body itself starts with a --- rule.
        return "\n" + item.body

    def on_page_markdown(self, markdown, page, config, files):
        src = page.file.src_uri
        if src == "index.md":
            return markdown + self._home()
        item = self.by_src.get(src)
        if item is None:
            return markdown
        page.meta = {**page.meta, **item.meta}  # over any .meta.yml defaults Material's meta plugin set
        if item.meta.get("summary"):
            # Material writes this into <meta name="description" content="…"> unescaped.
            page.meta.setdefault("description", escape(item.meta["summary"]))
        # The title stays Markdown: its id, permalink and table-of-contents entry (Material's
        # skip link, old #anchors, search sections) come from the toc extension.
        header = [f"# {item.title}", ""]
        if item.kind == "contest":
            header += self._contest_box(item)
        if item.kind == "newsletter":
            header += ['!!! note "Lettre envoyée aux abonnés"', f"    **Objet :** {item.meta.get('subject')}", ""]
        return "\n".join(header) + "\n" + markdown

    def on_page_content(self, html, page, config, files):
        src = page.file.src_uri
        item = self.by_src.get(src)
        if item is not None:
            return html.replace("</h1>", "</h1>\n" + self._byline(item, src), 1)
        held = self.held.get(src)
        if not held:
            return html
        for number, listing in enumerate(held):
            marker = HELD_MARKER.format(number)
            if marker not in html:  # a Markdown extension rewrote it: fail rather than lose the list
                raise PluginError(f"gazette: the archive page {src} lost its list placeholder {marker}")
            html = html.replace(marker, listing, 1)
        return html

    def _byline(self, item, src: str) -> str:
        """Date, authors and reading time, as HTML: in Markdown, this line on every page
        cost more inline processing than most posts' bodies."""
        authors = self.repo.frame.authors
        up = self._up(src)
        names = ", ".join(f'<a href="{escape(up + self._url(f"archives/auteur-{a}.md"))}">'
                          f'{escape((authors.get(a) or {}).get("name", a))}</a>'
                          for a in item.meta.get("authors") or () if a in authors)
        return (f"<p><em>{french_date(item.date)}" + (f" · {names}" if names else "")
                + f" · {item.meta.get('readtime') or reading_minutes(item.body)} min de lecture</em></p>")

    def _contest_box(self, item) -> list[str]:
        meta = item.meta
        lines = [f'!!! info "Jeu concours — {contest_state(item, self.now)}"']
        lines.append(f"    **Ouverture :** {french_date(meta['opens'])} à {meta['opens']:%H:%M} · "
                     f"**Clôture :** {french_date(meta['closes'])} à {meta['closes']:%H:%M}")
        if meta.get("draw"):
            lines.append(f"    · **Tirage :** {french_date(meta['draw'])}")
        lines.append("")
        for prize in meta.get("prizes") or ():
            lines.append(f"    - {prize['quantity']} × {prize['name']} ({prize['value']} € TTC)")
        eligibility = meta.get("eligibility") or {}
        if eligibility:
            lines += ["", f"    **Conditions :** {eligibility.get('min_age', 18)} ans et plus, résidant en "
                          f"{', '.join(eligibility.get('countries') or ['FR'])}. Participation gratuite."]
        if meta.get("winners"):
            lines += ["", f"    **Gagnants :** {', '.join(meta['winners'])}"]
        return lines + [""]

    def _home(self) -> str:
        posts = [i for i in self.public if i.kind == "post"][:5]
        contests = [i for i in self.public if i.kind == "contest" and contest_state(i, self.now) in ("ouvert", "à venir")]
        events = sorted((e for e in self.repo.frame.events.values() if e.get("start") and e["start"] >= self.now),
                        key=lambda e: e["start"])[:3]
        lines = ["", "## Derniers billets", ""] + (self._list(posts, "index.md") or ["Rien pour le moment."])
        if contests:
            lines += ["", "## Jeu concours en cours", ""] + self._list(contests[:1], "index.md")
        if events:
            lines += ["", "## Prochains rendez-vous", ""]
            lines += [f"- **{e['name']}** — {french_date(e['start'])} à {e['start']:%H:%M}"
                      + (f", {e['place']}" if e.get("place") else "") for e in events]
        return "\n".join(lines) + "\n"

    def on_post_page(self, output, page, config):
        # Material's search dialog has no accessible name (axe: aria-dialog-name, serious).
        return output.replace('data-md-component="search" role="dialog">',
                              'data-md-component="search" role="dialog" aria-label="Recherche">', 1)

    # -- the check's verdict ----------------------------------------------------

    def on_env(self, env, config, files):
        """Every page is rendered, none written yet: the moment to fail on errors."""
        self._fail_on_errors()
        return env

    def on_build_error(self, error):
        checking = getattr(self, "checking", None)
        if checking:
            checking.cancel()

    def _fail_on_errors(self) -> None:
        from .check import UsageError

        try:
            problems = self.checking.problems()
        except UsageError as error:
            raise PluginError(f"gazette check could not run: {error}") from None
        finally:
            self.checking.cancel()
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise PluginError(_listing(errors))

    # -- feeds ------------------------------------------------------------------

    def on_post_build(self, config):
        from .feeds import write_feeds

        write_feeds(Path(config["site_dir"]), config.get("site_url") or "", config["site_name"], self.public)
