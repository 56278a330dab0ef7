"""What a newsletter says in a mail client: an HTML part and a plain-text part.

The HTML is the body as the site renders it (Markdown with mkdocs.yml's
extensions), made safe by the one sanitizer, with every link and image
absolute against ``site_url`` (a link to another item's ``.md`` becomes that
item's page), put in the e-mail template and with its CSS inlined, since
mail clients drop ``<style>``. The text part is written from that same HTML,
so both say the same thing: links as ``text <url>``, headings underlined,
lines wrapped at 72 columns.

Both parts keep the ``{{UNSUBSCRIBE}}`` placeholder where each recipient's
unsubscribe URL goes: the message builder fills it in per recipient.
"""

from __future__ import annotations

from pathlib import Path

from .i18n import _
from .siteurls import SiteConfig, load_site_config, resolve_relative

UNSUBSCRIBE = "{{UNSUBSCRIBE}}"
TEMPLATE = "email/newsletter.html.j2"
# MkDocs always adds these three to what mkdocs.yml lists.
MKDOCS_DEFAULT_EXTENSIONS = ("markdown.extensions.toc", "markdown.extensions.tables",
                             "markdown.extensions.fenced_code")
WIDTH = 72
BREAK = "\x00"  # a <br>: kept apart from the source's own line breaks, which are spaces


class NewsletterError(Exception):
    """The newsletter cannot be rendered (a broken repository template): a usage error."""


def render_newsletter(item, root: Path | str | None, site: SiteConfig | None = None,
                      community: str | None = None, tracking: dict | None = None) -> tuple[str, str]:
    """(HTML with inlined CSS, plain text) of a newsletter item, with the unsubscribe placeholder.
    ``root`` None: no repository (Gazette's template, links as written). ``tracking``: the
    UTM parameters links to the site get (:func:`gazette.tracking.parameters`)."""
    import css_inline
    import jinja2
    from markupsafe import Markup

    site = site or (load_site_config(root) if root else SiteConfig())
    body_html = body_to_html(item, site)
    if tracking:
        from .tracking import track_html, track_url

        body_html = track_html(body_html, tracking, site)
    title = str(item.title)  # YAML may have read "2026" as a number: schema/type says so
    subject = str(item.meta.get("subject") or title)
    preheader = str(item.meta.get("preheader") or "")
    community = community or (_site_name(root) if root else "") or "notre communauté"
    page_url = site.item_url(item) if site.site_url else ""
    if page_url and tracking:
        page_url = track_url(page_url, tracking, site)
    try:
        html = _template(Path(root) if root else None).render(
            subject=subject, preheader=preheader, title=title, body_html=Markup(body_html),
            community=community, unsubscribe_url=UNSUBSCRIBE, page_url=page_url, site_url=site.site_url,
        )
    except jinja2.TemplateError as error:  # the sandbox refused something, or a filter failed
        raise NewsletterError(_('templates/{TEMPLATE}: {type}: {error}')
                                  .format(TEMPLATE=TEMPLATE, type=type(error).__name__, error=error)) from None
    try:
        html = css_inline.inline(html)
    except ValueError as error:  # css-inline refuses what it cannot parse: keep the HTML as is
        raise NewsletterError(_('{TEMPLATE}: cannot inline its CSS: {error}')
                                  .format(TEMPLATE=TEMPLATE, error=error)) from None
    text = html_to_text(body_html)
    lines = [_underline(title, "="), ""]
    if text:
        lines += [text, ""]
    if page_url:
        lines += ["Lire en ligne :", f"<{page_url}>", ""]
    lines += ["-- ", f"Vous recevez cette lettre car vous êtes abonné·e à {community}.",
              f"Se désabonner : {UNSUBSCRIBE}"]
    return html, "\n".join(lines) + "\n"


def find_newsletter(root: Path | str, slug: str):
    """The newsletter item with this slug (content/newsletters/YYYY/SLUG.md)."""
    from .load import list_item_paths, load_repo

    paths = [p for p in list_item_paths(Path(root))[0]
             if p.startswith("content/newsletters/") and p.rsplit("/", 1)[-1] == f"{slug}.md"]
    if not paths:
        raise NewsletterError(_('no newsletter {slug!r} under content/newsletters/ (gazette list --kind newsletter)')
                                  .format(slug=slug))
    repo = load_repo(Path(root), only={paths[0]})
    if not repo.items:
        problems = "; ".join(p.format() for p in repo.problems if p.severity == "error")
        raise NewsletterError(_('{paths} does not load: {value}')
                                  .format(paths=paths[0], value=problems or _('run gazette check')))
    return repo.items[0], repo.frame


def newsletter_channel(frame, item, name: str | None = None) -> tuple[str, dict]:
    """(name, config) of the channel the newsletter goes out on: ``name``, else the item's
    newsletter channel, else the first one calendar/channels.yml declares."""
    channels = frame.channels
    if name:
        if name not in channels:
            raise NewsletterError(_('channel {name!r} is not declared in calendar/channels.yml').format(name=name))
        return name, channels[name]
    ordered = [*(item.meta.get("channels") or {}), *channels]
    for candidate in ordered:
        if (channels.get(candidate) or {}).get("network") == "newsletter":
            return candidate, channels[candidate]
    return "newsletter", {}


def preview(root: Path | str, slug: str) -> str:
    """The HTML a subscriber's mail client shows, for a browser (unsubscribe link included)."""
    item, frame = find_newsletter(root, slug)
    name, config = newsletter_channel(frame, item)
    from .tracking import parameters

    html, _text = render_newsletter(item, root, community=config.get("community"),
                                    tracking=parameters(item, name, frame, root))  # the links as subscribers get them
    return html.replace(UNSUBSCRIBE, config.get("unsubscribe") or "https://example.org/desabonnement")


def send_test(root: Path | str, slug: str, to: str, now, channel: str | None = None) -> str:
    """Send one copy to ``to`` through the channel's SMTP target; no ledger, no receipt.
    Returns the test message's Message-ID. Raises NewsletterError, or DeliveryError when
    the server cannot be reached or refuses."""
    from .targets import Delivery, target_for

    item, frame = find_newsletter(root, slug)
    name, config = newsletter_channel(frame, item, channel)
    if config.get("target") != "smtp":
        raise NewsletterError(_('channel {name!r} has no SMTP target: add target: smtp to it in '
                                'calendar/channels.yml (and $GAZETTE_SMTP_HOST) to send a test')
                                  .format(name=name))
    target = target_for("smtp", root, config)
    # Its own key: the test's Message-ID never equals the real send's, which a mail client
    # that saw the test would otherwise drop as a duplicate.
    key = f"test-{now:%Y%m%dT%H%M%S}-{item.slug}"
    delivery = Delivery(item, name, "newsletter", (item.meta.get("channels") or {}).get(name) or {}, "", now, key)
    target.send_test_copy(delivery, to, now=now)
    from .targets.message import message_id

    return message_id(delivery, to.lower(), sender=target.sender)


def body_to_html(item, site: SiteConfig) -> str:
    """The item's body as sanitized HTML with absolute links and images."""
    import markdown

    from .sanitize import sanitize_html

    names, configs = _usable_extensions(site.extensions)
    converter = markdown.Markdown(extensions=names, extension_configs=configs)
    return absolute_links(sanitize_html(converter.convert(item.body)), item.path, site)


def _usable_extensions(configured) -> tuple[list[str], dict]:
    """The site's extensions that load here, each with the options that work: an option
    mkdocs.yml gives as a Python object (read as nothing) falls back to the default, an
    extension that will not load is left out rather than failing the send."""
    import markdown

    names, configs = list(MKDOCS_DEFAULT_EXTENSIONS), {}
    for name, options in configured:
        options = {key: value for key, value in options.items() if value is not None}
        if name == "markdown.extensions.toc":
            options["permalink"] = False  # a "#" anchor for the site's readers: noise in an inbox
        for attempt in (options, {}):
            try:
                markdown.Markdown(extensions=[name], extension_configs={name: attempt}).convert("x")
            except Exception:  # noqa: BLE001 - whatever a third-party extension raises
                continue
            if name not in names:
                names.append(name)
            configs[name] = attempt
            break
    configs.setdefault("markdown.extensions.toc", {"permalink": False})
    return names, configs


def absolute_links(html: str, item_path: str, site: SiteConfig) -> str:
    """Every href and src of sanitized ``html`` (Markdown's links and raw HTML alike) made
    absolute; only the attribute values inside start tags change, never the text."""
    return rewrite_attributes(html, ("href", "src"), lambda url: absolute_url(url, item_path, site))


def rewrite_attributes(html: str, names: tuple[str, ...], convert) -> str:
    """``convert`` applied to the values of the attributes ``names`` inside start tags, as the
    HTML parser reads them (entities decoded, then escaped again); text is never touched."""
    from html import escape, unescape
    from html.parser import HTMLParser
    import re

    attribute = re.compile(r'(\s(?:' + "|".join(names) + r')=")([^"]*)(")')
    edits: list[tuple[int, str, str]] = []
    line_starts = [0] + [m.end() for m in re.finditer("\n", html)]

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            raw = self.get_starttag_text() or ""
            new = attribute.sub(lambda m: m.group(1) + escape(convert(unescape(m.group(2)))) + m.group(3), raw)
            if new != raw:
                line, column = self.getpos()
                edits.append((line_starts[line - 1] + column, raw, new))

        handle_startendtag = handle_starttag

    parser = Tags(convert_charrefs=True)
    parser.feed(html)
    parser.close()
    for offset, raw, new in reversed(edits):
        html = html[:offset] + new + html[offset + len(raw):]
    return html


def absolute_url(target: str, item_path: str, site: SiteConfig) -> str:
    """Where a link written in ``item_path`` leads, as an absolute URL when the site has one."""
    target = target.strip()
    if not site.site_url or not target:
        return target
    if target.startswith("//"):
        return "https:" + target
    if target.startswith("#"):
        return site.url_of(item_path) + target
    if ":" in target.split("/", 1)[0]:  # has a scheme: the sanitizer decides which may stay
        return target
    if target.startswith("/"):
        return site.site_url + target.lstrip("/")
    local, hash_, fragment = target.partition("#")
    local, query, search = local.partition("?")
    resolved = resolve_relative(item_path, local) if local else item_path
    if not resolved.startswith("content/"):
        return target  # outside the site: ref/link reports it
    return site.url_of(resolved) + (query + search) + (hash_ + fragment)


def _site_name(root) -> str:
    import yaml

    path = Path(root) / "mkdocs.yml"
    if path.is_symlink() or not path.is_file():
        return ""
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("site_name:"):
                value = yaml.safe_load(line.partition(":")[2])
                return value if isinstance(value, str) else ""
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        pass
    return ""


def _template(root: Path):
    """The repository's templates/email/newsletter.html.j2 if it has one, else Gazette's.
    Repository templates are untrusted: a sandbox, autoescape, and no symlink followed."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    from .safeloader import SafeFileLoader

    own = jinja2.PackageLoader("gazette", "templates")
    loader = jinja2.ChoiceLoader([SafeFileLoader(root, "templates"), own]) if root is not None else own
    env = SandboxedEnvironment(loader=loader, autoescape=True)
    try:
        return env.get_template(TEMPLATE)
    except (jinja2.TemplateError, UnicodeDecodeError, OSError) as error:
        raise NewsletterError(_('templates/{TEMPLATE}: {error}').format(TEMPLATE=TEMPLATE, error=error)) from None


# -- the plain-text part --------------------------------------------------------

def html_to_text(html: str, width: int = WIDTH) -> str:
    """Readable plain text from the body's HTML: headings underlined (level 1 and 2) or in
    capitals, links as ``text <url>``, list items with a dash, wrapped at ``width``."""
    renderer = _TextRenderer(width)
    renderer.feed(html)
    renderer.close()
    return renderer.result()


def _underline(text: str, mark: str) -> str:
    return f"{text}\n{mark * min(len(text), WIDTH)}"


class _TextRenderer:
    BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "table", "tr",
              "ul", "ol", "dl", "dt", "dd", "figure", "figcaption", "details", "summary", "hr"}

    def __new__(cls, width: int):
        from html.parser import HTMLParser

        class Renderer(HTMLParser):
            def __init__(self):
                super().__init__(convert_charrefs=True)
                self.width = width
                self.blocks: list[str] = []
                self.words: list[str] = []
                self.lists: list[list] = []  # [kind, counter]
                self.links: list[tuple[str, int]] = []  # (href, where its text starts)
                self.quote = 0
                self.pre = 0
                self.heading = None
                self.prefix = ""
                self.last_was_item = False

            # inline text gathered as one string per block
            def handle_data(self, data):
                self.words.append(data)

            def handle_starttag(self, tag, attrs):
                attrs = dict(attrs)
                if tag in cls.BLOCKS or tag == "br":
                    if tag == "br":
                        self.words.append(BREAK)
                        return
                    self.flush()
                if tag in ("ul", "ol"):
                    self.lists.append([tag, 0])
                elif tag == "li" and self.lists:
                    self.lists[-1][1] += 1
                    kind, number = self.lists[-1]
                    indent = "  " * (len(self.lists) - 1)
                    self.prefix = indent + (f"{number}. " if kind == "ol" else "- ")
                elif tag == "blockquote":
                    self.quote += 1
                elif tag == "pre":
                    self.pre += 1
                elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                    self.heading = tag
                elif tag == "a":
                    self.links.append((attrs.get("href") or "", len("".join(self.words))))
                elif tag == "img":
                    alt = (attrs.get("alt") or "").strip()
                    self.words.append(f"[image : {alt}]" if alt else "[image]")
                elif tag == "hr":
                    self._block("-" * 10)
                elif tag in ("td", "th"):
                    self.words.append(" | " if "".join(self.words).strip() else "")

            def handle_endtag(self, tag):
                if tag == "a" and self.links:
                    href, start = self.links.pop()
                    text = "".join(self.words)[start:].strip()
                    if href and not href.startswith("#") and href != text and f"<{href}>" not in text:
                        self.words.append(f" <{href}>")
                    return
                if tag in cls.BLOCKS:
                    self.flush()
                if tag in ("ul", "ol") and self.lists:
                    self.lists.pop()
                elif tag == "blockquote":
                    self.quote = max(0, self.quote - 1)
                elif tag == "pre":
                    self.pre = max(0, self.pre - 1)
                elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                    self.heading = None

            def flush(self):
                import textwrap

                raw = "".join(self.words)
                self.words = []
                quote = "> " * self.quote
                if self.pre:
                    if raw.strip("\n"):
                        self._block("\n".join(quote + "    " + line for line in raw.strip("\n").splitlines()))
                    return
                if not raw.replace(BREAK, "").strip():
                    return
                if self.heading:
                    text = " ".join(raw.replace(BREAK, " ").split())
                    if self.heading in ("h1", "h2"):
                        self._block(quote + _underline(text, "=" if self.heading == "h1" else "-"))
                    else:
                        self._block(quote + text.upper())
                    return
                prefix, self.prefix = self.prefix, ""
                indent = " " * len(prefix) if prefix else "  " * max(0, len(self.lists) - 1)
                lines = []
                for number, part in enumerate(raw.split(BREAK)):
                    part = " ".join(part.split())
                    lead = prefix if number == 0 and prefix else indent
                    if part:
                        lines += textwrap.wrap(part, self.width - len(quote), initial_indent=lead,
                                               subsequent_indent=indent, break_long_words=False,
                                               break_on_hyphens=False)
                block = "\n".join(quote + line for line in lines)
                if prefix and self.last_was_item:  # items of one list stay together
                    self.blocks[-1] += "\n" + block
                else:
                    self._block(block)
                self.last_was_item = bool(prefix)

            def _block(self, block):
                self.blocks.append(block)
                self.last_was_item = False

            def result(self):
                self.flush()
                return "\n\n".join(self.blocks).strip("\n")

        return Renderer()
