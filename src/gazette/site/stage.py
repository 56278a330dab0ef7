"""The site stage: what members may see, from the loaded repository, as pages for any engine.

``Stage`` runs once per build over the index ``gazette.load`` gives: the check's verdict (errors
stop the build), visibility (``is_public``: drafts and future items reach no page, nav, search
index or sitemap), the gate of :mod:`gazette.published` (only the files public items use, never
through a symbolic link), the archives (by kind, year, category, campaign and author, in one pass
over the items, so the build grows linearly), the home, the contact and legal pages, the cover
copies and the link previews. :mod:`gazette.site.tree` writes what it makes as the public tree;
an engine (MkDocs through the thin plugin, or Zensical) renders it; :mod:`gazette.site.finish`
sanitizes what the engine wrote.

Safe by construction (docs/security.md): every field is text, written through markupsafe (a
``Fragment`` escapes each value) or a Jinja2 template with autoescape, or as character
references where it must stay Markdown (a heading).
"""

from __future__ import annotations

import math
import os
import posixpath
import re
import secrets
from collections import defaultdict
from datetime import date, datetime
from functools import cached_property
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File
from markupsafe import Markup, escape

from ..published import template_allowed
from ..sitepages import country_name, is_web_url, price
from ..siteurls import resolve_relative, url_path
from ..urls import page_src as item_src

OVERRIDES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "overrides")
KIND_LABELS = {"post": ("posts", "Billets"), "newsletter": ("newsletters", "Lettres"),
               "contest": ("contests", "Concours")}
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]
# A page's own text could contain this comment: the token, new on every build, tells them apart.
HELD_MARKER = "<!-- gazette-list-{token}-{number} -->"


class Fragment:
    """A fixed piece of HTML with holes; every value put in is escaped (Markup passes as is).

    What Markup.format does, with markupsafe's C escape instead of its Python formatter,
    which cost a tenth of a large archive's build."""

    __slots__ = ("template",)

    def __init__(self, template: str):
        self.template = template

    def format(self, *values) -> Markup:
        return Markup(self.template.format(*[escape(value) for value in values]))


# Every piece of HTML the plugin writes itself: values can only go in through a Fragment.
ROW = Fragment('<li>{}<strong><a href="{}">{}</a></strong> — {}')
# Beside its title, a thumbnail says nothing more: empty alt, so screen readers skip it.
THUMB = Fragment('<img class="gazette-thumb" src="{}" alt="" width="64" height="64" loading="lazy" decoding="async">')
SUMMARY = Fragment("<br>{}")
AUTHOR_LINK = Fragment('<a href="{}">{}</a>')
BYLINE = Fragment("<p><em>{}{} · {} min de lecture</em></p>")
EVENT_ROW = Fragment("<li><strong>{}</strong> — {} à {}{}</li>")
PLACE = Fragment(", {}")
NEWSLETTER_NOTE = Fragment('<div class="admonition note"><p class="admonition-title">Lettre envoyée aux abonnés</p>'
                           "<p><strong>Objet :</strong> {}</p></div>")
PER_PAGE = 50  # each archive page is a full page to render: fewer, longer pages build faster


# Every character Markdown or one of its extensions (attr_list's "{: …}", tables, emphasis,
# links, raw HTML) could read as syntax; written as a character reference it is just text.
MARKDOWN_SPECIAL = re.compile(r"""[\\`*_{}\[\]()#+\-.!:|<>&~^="'$@]""")


def markdown_text(text) -> str:
    """``text`` as Markdown that renders as exactly that text, on one line: no link,
    no emphasis, no attribute list, no HTML."""
    line = " ".join(str(text).split())
    return MARKDOWN_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", line)


CONTEST_BOX_TEMPLATE = """\
<div class="admonition info"><p class="admonition-title">Jeu concours — {{ state }}</p>
<p><strong>Ouverture :</strong> {{ french_date(opens) }} à {{ opens.strftime("%H:%M") }} · \
<strong>Clôture :</strong> {{ french_date(closes) }} à {{ closes.strftime("%H:%M") }}\
{% if draw %} · <strong>Tirage :</strong> {{ french_date(draw) }}{% endif %}</p>
{% if prizes %}<ul>{% for prize in prizes %}<li>{{ prize.quantity }} × {{ prize.name }} ({{ price(prize.value) }} TTC)</li>\
{% endfor %}</ul>{% endif %}
{% if eligibility %}<p><strong>Conditions :</strong> {{ min_age }} ans et plus, résidant en \
{{ countries | join(", ") }}. Participation gratuite.</p>{% endif %}
{% if winners %}<p><strong>Gagnants :</strong> {{ winners | join(", ") }}</p>{% endif %}
{% if proof %}<details class="gazette-draw"><summary>Tirage vérifiable</summary>
<p><strong>Engagement (empreinte de la graine secrète) :</strong> <code>{{ proof.commitment }}</code><br>
<strong>Source d'aléa public :</strong> {{ proof.beacon }}</p>
{% if proof.list %}<p><strong>Liste figée à la clôture :</strong> {{ proof.eligible }} participations, <a href="{{ list_href }}">liste des pseudonymes</a>, empreinte <code>{{ proof.digest }}</code></p>{% endif %}
{% if proof.seed %}<p><strong>Graine révélée :</strong> <code>{{ proof.seed }}</code><br>
<strong>Valeur de l'aléa public :</strong> <code>{{ proof.beacon_value }}</code><br>
<strong>Gagnants (pseudonymes, dans l'ordre) :</strong> {% for p in proof.ranking %}<code>{{ p }}</code> {% endfor %}</p>
<p>Pour vérifier : <code>{{ proof.verify }}</code> (procédure dans la documentation des concours).</p>{% else %}<p>La graine sera publiée après le tirage : chacun pourra alors le refaire.</p>{% endif %}
</details>{% endif %}
</div>
"""


class _ContestBox:
    """The contest box, from a Jinja2 template with autoescape: every field is text."""

    template = None

    def render(self, **values) -> Markup:
        if self.template is None:
            import jinja2

            self.template = jinja2.Environment(autoescape=True).from_string(CONTEST_BOX_TEMPLATE)
        return Markup(self.template.render(**values))


CONTEST_BOX = _ContestBox()


def page_name(key) -> str:
    """A file name for an author's or a campaign's page: their keys are text someone typed."""
    from ..slugs import slugify

    return slugify(str(key)) or "sans-nom"


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


def escaped_meta(value, depth: int = 0):
    """``value`` with every text in it escaped, however deep; numbers, dates and booleans write
    themselves as plain text, anything else (bytes from ``!!binary``…) becomes escaped text.
    MkDocs' own YAML load allows aliases, so a list may hold itself: deep enough, it is text."""
    if isinstance(value, str):
        return escape(value)
    if depth > 32:
        return escape(str(value))
    if isinstance(value, dict):
        return {escaped_meta(key, depth + 1): escaped_meta(inner, depth + 1) for key, inner in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [escaped_meta(inner, depth + 1) for inner in value]
    if value is None or isinstance(value, (bool, int, float, date)):
        return value
    return escape(str(value))


def _drop_file_reading_extensions(config) -> None:
    """Remove the extensions that put a repository file into a page: with them, a body line
    ``--8<-- ".git/config"`` publishes CI's token. Configuration never switches safety off."""
    import logging

    from ..siteurls import reads_files

    dropped = [name for name in config["markdown_extensions"] if isinstance(name, str) and reads_files(name)]
    if not dropped:
        return
    config["markdown_extensions"] = [name for name in config["markdown_extensions"] if name not in dropped]
    for name in dropped:
        config["mdx_configs"].pop(name, None)
    logging.getLogger("mkdocs.plugins.gazette").warning(
        "gazette: %s removed from markdown_extensions: it includes repository files (.git/config, "
        "subscribers) into pages any contributor writes; see docs/security.md", ", ".join(dropped))


def adjust_config(config) -> None:
    """The community's configuration as every Gazette build uses it: no extension that reads
    repository files, Gazette's theme layer (link previews, French footer and 404) after the
    community's own templates and before Material's, no theme credit, the footer's links."""
    from ..sitepages import Settings

    _drop_file_reading_extensions(config)
    dirs = getattr(config["theme"], "dirs", None)
    if dirs is not None and OVERRIDES not in dirs:
        dirs.insert(1 if config["theme"].custom_dir else 0, OVERRIDES)
    config["extra"]["generator"] = False
    settings = Settings.from_extra(config["extra"])
    legal = str(settings.legal.get("url") or "") if is_web_url(settings.legal.get("url") or "") else ""
    links = [("Charte", "charte/"), ("Nétiquette", "netiquette/"), ("Contact", "contact/"),
             ("Archives", "archives/"), ("Flux RSS", "feed.xml"), ("Flux Atom", "atom.xml"),
             ("Mentions légales", legal or "mentions-legales/")]
    if not config["use_directory_urls"]:
        links = [(label, path[:-1] + ".html" if path.endswith("/") else path) for label, path in links]
    config["extra"]["gazette_footer"] = [{"label": label, "href": path, "absolute": is_web_url(path)}
                                         for label, path in links]


class Stage:
    """One build's site stage over a loaded repository and an MkDocs configuration (the
    community's mkdocs.yml: theme, navigation, extra). ``prepare`` adjusts the configuration
    and loads; ``files`` gates the docs folder's files and adds the generated pages."""

    def __init__(self, root: Path, now: datetime):
        self.root = Path(root)
        self.now = now

    def prepare(self, config) -> None:
        """What a build shows: the configuration made safe, the items loaded once (from the
        parse cache when their bytes are unchanged), the check run over them (``run_check(loaded=…)``:
        ``gazette check``'s report, aside: ``problems`` waits for it; ``verdict`` stops the build on
        errors), the public ones in order."""
        from ..i18n import use_repository
        from ..load import load_repo
        from ..sitepages import Settings
        from ..visibility import is_public
        import time

        from ..check import run_check

        use_repository(self.root)  # the build's messages follow gazette: {language} in channels.yml
        adjust_config(config)
        self.settings = Settings.from_extra(config["extra"])
        started = time.time_ns()
        self.repo = load_repo(self.root)
        self.repo.loaded_at = started  # run_check caches rules' results only for files older than this
        from ..aside import Aside

        # In a forked child while the tree is built from the same items: only the verdict needs it.
        self.checking = Aside(lambda: run_check(self.root, self.now, loaded=self.repo).problems)
        self.public = sorted((i for i in self.repo.items if is_public(i, self.now)),
                             key=lambda i: i.date, reverse=True)
        self.by_src = {i.path.removeprefix("content/"): i for i in self.public}  # per-page lookups: O(1)

    def files(self, files, config):
        """``files`` (the docs folder's) without what members may not see, plus the generated
        pages and image copies."""
        from ..published import Gate

        self.directory_urls = config["use_directory_urls"]
        named = {entry if isinstance(entry, str) else getattr(entry, "path", "")
                 for entry in [*config["extra_css"], *config["extra_javascript"]]}
        gate = Gate(config["docs_dir"], self.by_src, self._used_files, named,
                    lambda: self._mentions(files, config, named, gate))
        for file in list(files):
            if gate.refuses(file.src_uri, file.abs_src_path):
                files.remove(file)  # hidden: no page, no copy, no nav entry, no search entry, no sitemap
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
        self.titles: dict[str, str] = {}  # generated page -> its title, as text
        self.held: dict[str, list[str]] = {}  # per page, the HTML its placeholders stand for
        self.held_token = secrets.token_hex(8)
        self.held_pattern = re.compile(f"<!-- gazette-list-{self.held_token}-(\\d+) -->")
        self.used_names: set[str] = set()
        self.rows: dict[str, dict[str, Markup]] = {}  # from a depth ("../"), an item's row in a list
        self._pictures(files, config)
        self._archives()
        self._community_pages(files, config)
        for uri in [uri for uri in self.pages if files.get_file_from_path(uri) is not None]:
            # The community's own page where Gazette generates one (archives/index.md) is kept, as
            # contact.md is: replaced, it was lost without a word (and MkDocs printed a traceback).
            import logging

            logging.getLogger("mkdocs.plugins.gazette").info("gazette: content/%s is the community's own page: "
                                                             "kept instead of the generated one", uri)
            del self.pages[uri]
            self.titles.pop(uri, None)
            self.held.pop(uri, None)
        for uri, text in self.pages.items():
            files.append(File.generated(config, uri, content=text))
        return files

    def _pictures(self, files, config) -> None:
        """Each public item's cover image as pages show it, with its smaller copies (Pillow,
        cached); only images the gate let through (never a symbolic link, never a draft's)."""
        from ..cache import cache_dir
        from ..siteimages import Picture, Resizer

        resizer = Resizer(cache_dir(self.root) / "images")
        self.pictures: dict[str, tuple[Picture, str]] = {}
        wanted = [(item, item.meta.get("image")) for item in self.public]
        card = self.settings.card_image
        if card:
            wanted.append((None, {"src": card, "alt": config["site_name"]}))
        for item, image in wanted:
            if not image or not image.get("src"):
                continue
            if is_web_url(image["src"]) or str(image["src"]).startswith(("/", "#", "data:")):
                continue
            src = resolve_relative(item.path, str(image["src"])).removeprefix("content/") if item else image["src"]
            file = files.get_file_from_path(src)
            if file is None or not file.abs_src_path:
                continue
            self.pictures[item.path if item else ""] = (resizer.picture(src, file.abs_src_path), str(image.get("alt") or ""))
        for name, path in resizer.made.items():
            if files.get_file_from_path(name) is None:
                files.append(File.generated(config, name, abs_src_path=path))

    def _image(self, key: str, up: str) -> dict | None:
        """The values a template needs to show an item's cover from a page ``up`` from the root."""
        found = self.pictures.get(key)
        if found is None:
            return None
        picture, alt = found
        srcset = ", ".join(f"{up}{name} {width}w" for width, name in picture.copies)
        if srcset and picture.width:
            srcset += f", {up}{picture.src} {picture.width}w"
        return {"href": up + picture.src, "alt": alt, "srcset": srcset, "width": picture.width,
                "height": picture.height}

    def _community_pages(self, files, config) -> None:
        """The contact and legal pages, from templates, unless the community wrote its own."""
        from ..sitepages import render

        settings = self.settings
        if files.get_file_from_path("contact.md") is None:
            held = self._hold_html("contact.md", str(render("contact.html.j2", email=settings.contact_email,
                                                                form=settings.contact_form)))
            self.pages["contact.md"] = ("---\ntitle: Contact\n---\n# Nous écrire\n\n"
                                        "Une question, une idée, une décision de modération à contester ? "
                                        "Écrivez-nous : une personne de l'équipe vous répond sous deux jours ouvrés.\n"
                                        + held)
        legal = str(settings.legal.get("url") or "") if is_web_url(settings.legal.get("url") or "") else ""
        if not legal and files.get_file_from_path("mentions-legales.md") is None:
            held = self._hold_html("mentions-legales.md", str(render(
                "legal.html.j2", site_name=config["site_name"], legal=settings.legal, site_url=config.get("site_url") or "")))
            self.pages["mentions-legales.md"] = "---\ntitle: Mentions légales\n---\n# Mentions légales\n" + held

    def _mentions(self, files, config, named, gate) -> tuple[set[str], set[str]]:
        """(attachment names only non-public items could show, names anything published
        shows): public items, pages, .authors.yml, mkdocs.yml and the stylesheets it names."""
        from ..published import MARKDOWN_TYPES, attachment_names

        def item_text(item) -> str:
            return f"{item.body}\n{item.meta!r}"

        public_ids = {id(item) for item in self.public}
        private = set().union(*(attachment_names(item_text(i)) for i in self.repo.items if id(i) not in public_ids))
        if not private:
            return private, set()
        texts = [item_text(item) for item in self.public]
        docs_dir = config["docs_dir"]
        sources = [config["config_file_path"], os.path.join(docs_dir, ".authors.yml")]
        sources += [os.path.join(docs_dir, path) for path in named]
        sources += [file.abs_src_path for file in files
                    if file.src_uri.lower().endswith(MARKDOWN_TYPES) and file.src_uri not in self.by_src
                    and file.abs_src_path and not gate.refuses(file.src_uri, file.abs_src_path)]  # a misplaced draft is no page
        for path in sources:
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    texts.append(handle.read(1024 * 1024))
            except OSError:
                continue
        return private, attachment_names("\n".join(texts))

    def _used_files(self):
        """The docs-relative files public items use (cover images, images and links)."""
        from ..validate import references

        return {resolved.removeprefix("content/") for item in self.public for _, _, resolved, _ in references(item)}

    # -- archives ---------------------------------------------------------------

    def _url(self, src: str) -> str:
        """The URL path MkDocs gives a source file (directory URLs or not)."""
        return url_path(src, self.directory_urls)

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
        made = self.rows.setdefault(up, {})
        for item in items:
            row = made.get(item.path)
            if row is None:  # an item is in five lists or so, all pages of one depth: its row once
                href = up + self._url(item_src(item))
                summary = item.meta.get("summary") or ""
                picture = self.pictures.get(item.path)
                thumb = THUMB.format(up + (picture[0].copies[0][1] if picture[0].copies else picture[0].src)) if picture else Markup()
                row = made[item.path] = (ROW.format(thumb, href, item.title, french_date(item.date))
                                         + (SUMMARY.format(summary) if summary else "") + Markup("</li>"))  # a str would be escaped
            rows.append(row)
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
            self.titles[uri] = title
            lines = (["---", "search:", "  exclude: true", "---", f"# {markdown_text(title)}", ""]
                     + ([markdown_text(intro), ""] if intro else []))
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
        return self._hold_html(uri, "\n".join(self._list(items, uri)))

    def _hold_html(self, uri: str, html: str) -> str:
        held = self.held.setdefault(uri, [])
        held.append(html)
        return "\n" + HELD_MARKER.format(token=self.held_token, number=len(held) - 1) + "\n"

    def _unique(self, name: str) -> str:
        used = self.used_names
        unique, number = name, 1
        while unique in used:
            number += 1
            unique = f"{name}-{number}"
        used.add(unique)
        return unique

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
        # Keys and categories are text someone typed: two may make one file name.
        self.author_pages = {key: self._unique(f"auteur-{page_name(key)}") for key in self.repo.frame.authors}
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
        index.append("## Catégories")
        for category in sorted(by_category):
            page = self._unique(f"categorie-{page_name(category)}")
            self._paged(f"archives/{page}", f"Catégorie : {category}", by_category[category], per_page=None)
            index.append(f"- [{markdown_text(category)}]({page}.md) ({len(by_category[category])})")
        index += ["", "## Campagnes"]
        for slug in sorted(by_campaign):
            name = (self.repo.frame.campaigns.get(slug) or {}).get("name", slug)
            page = self._unique(f"campagne-{page_name(slug)}")
            self._paged(f"archives/{page}", f"Campagne : {name}", by_campaign[slug], per_page=None)
            index.append(f"- [{markdown_text(name)}]({page}.md) ({len(by_campaign[slug])})")
        index += ["", "## Auteurs"]
        for key, spec in self.repo.frame.authors.items():
            name = spec.get("name", key)
            page = self.author_pages[key]
            self._paged(f"archives/{page}", name, by_author[key], spec.get("description", ""), per_page=None)
            index.append(f"- [{markdown_text(name)}]({page}.md) ({len(by_author[key])})")
        self.pages["archives/index.md"] = "\n".join(index) + "\n"

    # -- pages ------------------------------------------------------------------

    def home_markdown(self, markdown: str) -> str:
        """The home page's Markdown: its own heading, then the sections Gazette adds."""
        markdown = markdown.lstrip("\n")
        heading, newline, rest = markdown.partition("\n") if markdown.startswith("# ") else ("", "", markdown)
        return heading + newline + self._home(rest)

    def template(self, config, name) -> str | None:
        """A page's ``template:`` if it names an HTML template the theme has; else None (the
        theme's layout): a path or sitemap.xml must not become a page's layout."""
        if name is None or not (template_allowed(name) and self._theme_has(config, str(name))):
            return None
        return str(name)

    def _theme_has(self, config, name: str) -> bool:
        """A missing template would stop the whole build with a traceback."""
        dirs = getattr(config["theme"], "dirs", None) or ()
        return any(os.path.isfile(os.path.join(folder, name)) for folder in dirs)

    def _item_head(self, item, src: str) -> Markup:
        """Byline, contest box and newsletter note, as HTML: in Markdown, this line on every page
        cost more inline processing than most posts' bodies."""
        head = self._byline(item, src)
        image = self._image(item.path, self._up(src))
        if image is not None:
            from ..sitepages import render

            head += render("cover.html.j2", image=image)
        if item.kind == "contest":
            head += self._contest_box(item, src)
        if item.kind == "newsletter":
            head += NEWSLETTER_NOTE.format(item.meta.get("subject") or "")
        return head

    def _byline(self, item, src: str) -> Markup:
        authors = self.repo.frame.authors
        up = self._up(src)
        names = Markup(", ").join(
            AUTHOR_LINK.format(up + self._url(f"archives/{self.author_pages[a]}.md"), (authors.get(a) or {}).get("name", a))
            for a in item.meta.get("authors") or () if a in authors)
        return BYLINE.format(french_date(item.date), Markup(" · ") + names if names else "", item.meta.get("readtime") or reading_minutes(item.body))

    def _contest_box(self, item, src: str = "") -> Markup:
        from ..contests.ops import public_proof

        meta = item.meta
        eligibility = meta.get("eligibility") or {}
        proof = public_proof(item)
        return CONTEST_BOX.render(
            proof=proof, list_href=self._up(src) + posixpath.dirname(src) + "/" + str(proof.get("list") or ""),
            state=contest_state(item, self.now), opens=meta["opens"], closes=meta["closes"], draw=meta.get("draw"),
            prizes=meta.get("prizes") or (), eligibility=eligibility, winners=meta.get("winners") or (),
            min_age=eligibility.get("min_age", 18), countries=[country_name(c) for c in eligibility.get("countries") or ["FR"]],
            french_date=french_date, price=price)

    def _card(self, item, up: str) -> dict:
        authors = self.repo.frame.authors
        return {"href": up + self._url(item_src(item)), "title": " ".join(str(item.title).split()), "date": item.date,
                "summary": item.meta.get("summary") or "", "image": self._image(item.path, up),
                "authors": [(authors.get(a) or {}).get("name", a) for a in item.meta.get("authors") or () if a in authors]}

    def _home(self, markdown: str) -> str:
        """The home: what is on now at the top (the contest, the latest letter), then the latest
        posts as cards, the next events and how to join. Sections are Markdown headings (table of
        contents, anchors); what is under them is HTML from the site templates."""
        from ..sitepages import render, social_accounts

        up = "./"
        posts = [i for i in self.public if i.kind == "post"][:6]
        contests = sorted((i for i in self.public if i.kind == "contest" and contest_state(i, self.now) in ("ouvert", "à venir")),
                          key=lambda i: i.meta.get("closes") or i.date)
        letter = next((i for i in self.public if i.kind == "newsletter"), None)
        events = sorted((e for e in self.repo.frame.events.values() if e.get("start") and e["start"] >= self.now),
                        key=lambda e: e["start"])[:3]
        top = []
        if contests or letter:
            contest = None
            if contests:
                item = contests[0]
                contest = {**self._card(item, up), "state": contest_state(item, self.now), "opens": item.meta.get("opens"),
                           "closes": item.meta.get("closes"), "prizes": item.meta.get("prizes") or ()}
            top = ["", "## À la une", "", self._hold_html("index.md", str(render(
                "highlights.html.j2", contest=contest, newsletter=self._card(letter, up) if letter else None)))]
        lines = top + [markdown, "", "## Derniers billets", ""]
        lines.append(self._hold_html("index.md", str(render("cards.html.j2", cards=[self._card(i, up) for i in posts])))
                     if posts else "Rien pour le moment.")
        if events:
            shown = [{**e, "url": e.get("url") if is_web_url(e.get("url") or "") else ""} for e in events]
            lines += ["", "## Prochains rendez-vous", "", self._hold_html("index.md", str(render("events.html.j2", events=shown)))]
        lines += ["", "## Rejoindre la communauté", "", self._hold_html("index.md", str(render(
            "join.html.j2", signup=self.settings.newsletter_signup, signup_form=self.settings.newsletter_form,
            accounts=social_accounts(self.repo.frame.channels), up=up)))]
        return "\n".join(lines) + "\n"

    def _head(self, page, config) -> Markup:
        from ..sitepages import event_ld, json_ld, render

        site_url = config.get("site_url") or ""
        src = page.file.src_uri
        item = self.by_src.get(src)
        version = self._version()
        if item is None and src != "index.md":
            return render("head.html.j2", site_name=config["site_name"], type="website", title=page.meta.get("title") or page.title or "",
                          description=page.meta.get("description") or config.get("site_description") or "",
                          url=page.canonical_url or "", image=self._absolute_image("", site_url), version=version)
        if item is None:
            data = [{"@context": "https://schema.org", "@type": "WebSite", "name": config["site_name"], "url": site_url,
                     "inLanguage": "fr"}]
            data += [event_ld(e) for e in sorted((e for e in self.repo.frame.events.values()
                                                  if e.get("start") and e["start"] >= self.now), key=lambda e: e["start"])]
            return render("head.html.j2", site_name=config["site_name"], type="website", title=config["site_name"],
                          description=config.get("site_description") or "", url=page.canonical_url or site_url,
                          image=self._absolute_image("", site_url), version=version) + json_ld(data)
        image = self._absolute_image(item.path, site_url) or self._absolute_image("", site_url)
        title = " ".join(str(item.title).split())
        summary = " ".join(str(item.meta.get("summary") or "").split())
        authors = self.repo.frame.authors
        article = {"@context": "https://schema.org", "@type": "NewsArticle" if item.kind == "newsletter" else "Article",
                   "headline": title, "datePublished": item.date.isoformat(), "inLanguage": "fr",
                   "url": page.canonical_url or "", "publisher": {"@type": "Organization", "name": config["site_name"]},
                   "author": [{"@type": "Person", "name": (authors.get(a) or {}).get("name", a)}
                              for a in item.meta.get("authors") or () if a in authors]}
        if summary:
            article["description"] = summary
        if image:
            article["image"] = image["url"]
        data = [article]
        if item.kind == "contest" and item.meta.get("opens") and item.meta.get("closes"):
            data.append({"@context": "https://schema.org", "@type": "Event", "name": title,
                         "startDate": item.meta["opens"].isoformat(), "endDate": item.meta["closes"].isoformat(),
                         "eventAttendanceMode": "https://schema.org/OnlineEventAttendanceMode",
                         "location": {"@type": "VirtualLocation", "url": page.canonical_url or site_url},
                         "organizer": {"@type": "Organization", "name": config["site_name"]},
                         **({"description": summary} if summary else {})})
        return render("head.html.j2", site_name=config["site_name"], type="article", title=title, description=summary,
                      url=page.canonical_url or "", image=image, published=item.date.isoformat(), version=version) + json_ld(data)

    def _absolute_image(self, key: str, site_url: str) -> dict | None:
        found = self.pictures.get(key)
        if found is None or not site_url:
            return None
        picture, alt = found
        return {"url": site_url.rstrip("/") + "/" + picture.src, "alt": alt}

    def _version(self) -> str:
        """What this build is: $GAZETTE_BUILD (CI may set it), else the repository's commit."""
        if not hasattr(self, "version"):
            import subprocess

            self.version = os.environ.get("GAZETTE_BUILD", "")
            if not self.version:
                try:
                    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=self.root, capture_output=True, text=True,
                                          timeout=10)
                    self.version = done.stdout.strip() if done.returncode == 0 else ""
                except (OSError, subprocess.SubprocessError):
                    self.version = ""
        return self.version

    # -- the check's verdict ----------------------------------------------------

    @cached_property
    def problems(self) -> list:
        """The check's report (waited for: it runs aside from ``prepare`` on)."""
        return self.checking.result()

    def verdict(self) -> None:
        """Stop the build (PluginError) when the check found errors."""
        self._refuse([p for p in self.problems if p.severity == "error"])

    def _refuse(self, errors) -> None:
        """Stop the build on errors. The one place the check's verdict acts: the attack tests
        replace it to show that the site is safe when a check misses everything, on every engine."""
        if errors:
            raise PluginError(_listing(errors))
