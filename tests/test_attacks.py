"""The attack corpus (tests/attacks/) against everything members, subscribers and reviewers see.

The site is built with ``gazette check``'s verdict switched off (``_refuse`` does
nothing), as if every check were waived or wrong: what keeps members safe is how
the pages are built, and that is what these tests look at.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from attacks.community import NOW, SECRET, SUBSCRIBER, make_community
from attacks.payloads import FIELD_PAYLOADS, one_line

SITE_HOST = "fabrique.example.org"
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "data",
                  "background", "cite", "ping", "manifest", "codebase"}
FETCHING = {("img", "src"), ("script", "src"), ("link", "href"), ("iframe", "src"), ("source", "src"),
            ("video", "poster"), ("audio", "src"), ("video", "src"), ("object", "data"), ("embed", "src"),
            ("image", "href"), ("use", "href"), ("input", "src")}
NEVER = {"iframe", "object", "embed", "form", "frame", "frameset", "applet", "base", "animate", "set",
         "foreignobject", "math", "textarea", "template"}


class Audit(HTMLParser):
    """Everything on a page that content could have made active."""

    def __init__(self, name: str):
        super().__init__(convert_charrefs=True)
        self.name, self.faults, self.script, self.texts = name, [], None, {}
        self.open: list[str] = []
        self.all_text: list[str] = []
        self.theme_ids: set[str] = set()

    def fault(self, what: str) -> None:
        self.faults.append(f"{self.name}: {what}")

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in NEVER and not (tag == "form" and "md-search__form" in (attributes.get("class") or "")
                                 and "action" not in attributes):  # the theme's search box
            self.fault(f"<{tag}>")
        if tag == "meta" and "http-equiv" in attributes:
            self.fault(f"<meta http-equiv={attributes['http-equiv']}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.fault(f"<{tag} {name}=…>")
            squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
            if name in URL_ATTRIBUTES and squeezed.startswith(("javascript:", "data:", "vbscript:")):
                self.fault(f"<{tag} {name}={value[:40]!r}>")
            if (tag, name) in FETCHING and re.match(r"(?:https?:)?//", squeezed) and SITE_HOST not in squeezed:
                self.fault(f"<{tag} {name}> fetches {value[:60]!r}")
            if name == "style" and "url(" in squeezed:
                self.fault(f"<{tag} style=…url(…)>")
        if (attributes.get("id") or "").startswith("__"):  # the theme's names: one element each
            if attributes["id"] in self.theme_ids:
                self.fault(f"a second element named {attributes['id']!r} (<{tag}>)")
            elif attributes["id"] == "__config" and tag != "script":
                self.fault(f"<{tag} id=__config> before the theme's")
            self.theme_ids.add(attributes["id"])
        if tag == "script":
            src, kind = attributes.get("src"), attributes.get("type")
            if src and "assets/javascripts/" not in src:
                self.fault(f"<script src={src!r}>")
            self.script = kind or "inline"
        if tag in ("h1", "title", "li", "strong", "p"):
            self.open.append(tag)
            self.texts.setdefault(tag, []).append("")
        if tag == "meta" and attributes.get("name") == "description":
            self.texts.setdefault("description", []).append(attributes.get("content") or "")

    def handle_endtag(self, tag):
        if tag == "script":
            self.script = None
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data):
        if self.script:
            if self.script == "application/ld+json" and "<" in data:
                self.fault("JSON-LD with an unescaped <")
            if self.script != "application/ld+json" and re.search(r"alert|evil\.example", data):
                self.fault(f"content in an inline script: {data[:60]!r}")
            return
        self.all_text.append(data)
        for tag in self.open:
            self.texts[tag][-1] += data


def audit(path: Path, name: str) -> Audit:
    parser = Audit(name)
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return parser


def search_index_faults(site: Path) -> list[str]:
    """Search results are written as HTML from the index, outside the sanitized region: no
    field may carry a tag, but the preview's text its bare formatting tags (no attribute)."""
    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, (list, dict)):
            for inner in value.values() if isinstance(value, dict) else value:
                yield from strings(inner)

    faults = []
    for path in (site / "search/search_index.json", site / "search.json"):  # MkDocs', Zensical's
        if path.exists():
            index = json.loads(path.read_text(encoding="utf-8"))
            for doc in index.get("docs") or index.get("items") or ():
                for key, value in doc.items():
                    for text in strings(value) if key != "location" else ():
                        faults += [f"{path.name} {doc.get('location')} {key}: {tag}" for tag in re.findall(r"<[^>]*>?", text)
                                   if key != "text" or not re.fullmatch(r"</?[a-z][a-z0-9]*>|<span hidden>", tag)]
    return faults


@pytest.fixture(scope="module")
def attack_site(tmp_path_factory):
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from gazette.site import Stage

    root = make_community(tmp_path_factory.mktemp("attaques") / "community")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GAZETTE_NOW", NOW)
        patch.setenv("GAZETTE_CACHE_DIR", str(root.parent / "cache"))
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        patch.setattr(Stage, "_refuse", lambda self, errors: None)  # a check that misses everything
        build(load_config(str(root / "mkdocs.yml")))
    return root


def test_no_page_carries_active_content(attack_site):
    pages = sorted((attack_site / "site").rglob("*.html"))
    assert len(pages) > 100  # every item, archive and author page of the corpus
    faults = [fault for page in pages for fault in audit(page, str(page.relative_to(attack_site))).faults]
    assert faults == []


def test_the_table_of_contents_keeps_headings_as_text(attack_site):
    """The table of contents copies each heading; its anchors still lead to them."""
    page = attack_site / "site/titres/index.html"
    assert audit(page, "titres").faults == []
    html = page.read_text(encoding="utf-8")
    toc = html[html.index('<nav class="md-nav md-nav--secondary"'):]
    for anchor in re.findall(r'<h2 id="([^"]+)"', html):
        assert f'href="#{anchor}"' in toc
    assert html.count('id="__config"') == 1 and html.count('data-md-component="content"') == 1


def test_every_search_index_field_is_made_inert_whatever_the_engine_wrote(tmp_path):
    """Whatever an engine puts into its index, the finish step leaves no markup that can act."""
    from gazette.site.finish import fold_search_index

    hostile = "Z<img src=x onerror=alert(23)>"
    for name, key in (("search/search_index.json", "docs"), ("search.json", "items")):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({key: [{"location": "z/", "title": hostile, "path": [hostile, {"x": [hostile]}],
                                           "tags": [hostile], "text": f"<p>vélo</p><p onclick=alert(1)>frein</p>{hostile}"}]}))
        fold_search_index(path)
    assert search_index_faults(tmp_path) == []
    doc = json.loads((tmp_path / "search.json").read_text())["items"][0]
    assert doc["title"] == "Z" and doc["text"].startswith("<p>vélo</p><p>frein</p>Z")  # paragraphs stay words apart


def test_search_index_holds_file_names_as_text(attack_site):
    """A page without a title is named after its file: ``z<img onerror>.md`` ran in search results."""
    assert search_index_faults(attack_site / "site") == []
    index = json.loads((attack_site / "site/search/search_index.json").read_text(encoding="utf-8"))
    titles = {doc["title"] for doc in index["docs"]}
    assert {"Z&lt;img src=x onerror=alert(23)&gt;", "D&lt;img src=x onerror=alert(24)&gt;"} <= titles


@pytest.mark.parametrize("number", range(len(FIELD_PAYLOADS)))
def test_every_field_shows_as_the_text_typed(attack_site, number):
    payload = one_line(FIELD_PAYLOADS[number])
    site = attack_site / "site"
    post = audit(site / f"posts/2026/p{number}/index.html", "post")
    assert post.texts["h1"][0].rstrip("¶") == payload
    assert post.texts["title"][0] == f"{payload} - Attaques"
    assert post.texts["description"] == [payload]
    assert payload in one_line("".join(post.all_text))  # the author's name in the byline
    contest = one_line("".join(audit(site / f"contests/2026/k{number}/index.html", "contest").all_text))
    assert f"1 × {payload} (10 € TTC)" in contest and f"Gagnants : {payload}" in contest
    assert f"résidant en {payload}." in contest
    letter = one_line("".join(audit(site / f"newsletters/2026/n{number}/index.html", "letter").all_text))
    assert f"Objet : {payload}" in letter
    author = audit(site / f"archives/auteur-a{number}/index.html", "author")
    assert author.texts["h1"][0].rstrip("¶") == payload
    assert payload in one_line("".join(author.all_text))  # the description, as text


def test_archives_list_fields_as_text(attack_site):
    index = one_line("".join(audit(attack_site / "site/archives/index.html", "archives").all_text))
    for payload in FIELD_PAYLOADS:
        assert one_line(payload) in index  # category, campaign and author names


def test_nothing_non_public_reaches_the_site(attack_site):
    site = attack_site / "site"
    built = [p for p in site.rglob("*") if p.is_file()]
    leaked = [p for p in built if SECRET.encode() in p.read_bytes() or SUBSCRIBER.encode() in p.read_bytes()]
    assert leaked == []
    names = {p.name for p in built}
    for name in ("evil.svg", "evil-ns.svg", "evil-prefix.svg", "app.js", "page.html", "abonnes.csv", "liste.png", "secret-draft.png",
                 "secret-draft.pdf", "subscribers.csv", "secret-orphan.png", "secret-html.jpg", "secret-cover.webp"):
        assert name not in names
    assert not [p for p in built if re.search(r"~$|\.orig$|\.rej$|\.swp$|\.bak$|^#|^\.#", p.name)]
    assert list(site.glob("assets/javascripts/bundle.*.min.js")) and list(site.glob("assets/stylesheets/main.*.css"))
    assert (site / "assets/ok.svg").is_file() and (site / "posts/2026/photo.png").is_file()  # used by a public post
    assert (site / "images/partage.png").is_file() and (site / "images/logo.png").is_file()  # a page, mkdocs.yml
    assert not (site / "donnees").exists() and not (site / "post").exists() and not (site / "blog").exists()
    sitemap = (site / "sitemap.xml").read_text()
    search = (site / "search/search_index.json").read_text()
    for text in (sitemap, search):
        assert "brouillon" not in text and "futur" not in text and "/post/" not in text


def test_feeds_carry_fields_as_text(attack_site):
    site = attack_site / "site"
    for entry in ET.parse(site / "feed.xml").getroot().iter("item"):
        assert "<" not in entry.find("title").text and "<" not in entry.find("description").text
    atom = "{http://www.w3.org/2005/Atom}"
    for entry in ET.parse(site / "atom.xml").getroot().iter(atom + "entry"):
        assert entry.find(atom + "title").get("type") == "text"
        assert entry.find(atom + "summary").get("type") == "text"


def test_html_calendar_and_ics_carry_fields_as_text(tmp_path):
    from click.testing import CliRunner

    from gazette.cli import cli

    root = make_community(tmp_path / "community", with_leftovers=False)
    args = ["--from", "2026-10-01T00:00:00+02:00", "--to", "2026-12-31T00:00:00+01:00",
            "--repo", str(root), "--now", NOW]
    page = CliRunner().invoke(cli, ["calendar", "--format", "html", "-o", str(tmp_path / "c.html"), *args])
    assert page.exit_code == 0, page.output
    found = audit(tmp_path / "c.html", "calendar")
    assert found.faults == []
    shown = one_line("".join(found.all_text))
    assert all(one_line(p) in shown for p in FIELD_PAYLOADS)
    (root / "calendar/events/cr.yml").write_text(
        'name: "Atelier\\rATTACH:https://evil.example/x\\r\\nURL:https://evil.example/"\nkind: offline\n'
        "start: 2026-12-02T18:00:00+01:00\n")
    ics = CliRunner().invoke(cli, ["calendar", "--format", "ics", *args]).output
    unfolded = ics.replace("\r\n ", "")
    assert not [line for line in re.split(r"\r\n|\r|\n", unfolded) if line.startswith(("ATTACH", "URL"))]


def test_review_comment_keeps_gazettes_structure(tmp_path):
    markdown_it = pytest.importorskip("markdown_it")
    from click.testing import CliRunner

    from gazette.cli import cli
    from gazette.review import MARKER

    root = tmp_path / "community"
    root.mkdir()

    def git(*args):
        import subprocess

        subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args], cwd=root,
                       check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    (root / "calendar").mkdir()
    (root / "calendar/channels.yml").write_text("timezone: Europe/Paris\nchannels:\n  mastodon: {network: mastodon}\n")
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    make_community(root, with_leftovers=False)
    (root / "content/posts/2026/#123 @octocat.md").write_text("---\ntitle: x\n---\n")
    git("add", "-A")
    git("commit", "-q", "-m", "attack")
    result = CliRunner().invoke(cli, ["review", "--base", "HEAD~1", "--repo", str(root), "--now", NOW])
    comment = result.output
    tokens = markdown_it.MarkdownIt("gfm-like", options_update={"linkify": False}).parse(comment)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert set(headings) <= {"Gazette review", "Needs a maintainer's reading", "Changed items", "Problems",
                             "Waived rules", "Calendar", "Social previews", "Newsletter"}
    assert headings[0] == "Gazette review" and len(headings) == len(set(headings)) + headings.count("Newsletter") - 1
    html = [t.content.strip() for t in tokens if t.type == "html_block"]
    inline = [c for t in tokens if t.type == "inline" for c in t.children or ()]
    assert html == [MARKER] and not [c for c in inline if c.type in ("html_inline", "link_open", "image")]
    plain = " ".join(c.content for c in inline if c.type == "text")
    assert not re.search(r"@\w|#\d|<", plain), plain
    rows = {}
    for t in tokens:  # every table row has its header's number of cells
        if t.type == "table_open":
            rows = {"head": None}
        if t.type == "tr_open":
            rows["cells"] = 0
        if t.type in ("th_open", "td_open"):
            rows["cells"] += 1
        if t.type == "tr_close":
            rows["head"] = rows["head"] or rows["cells"]
            assert rows["cells"] == rows["head"]
    assert "A maintainer must read" in comment or "to fix before merging" in comment
    assert "Ready to merge" not in comment


@pytest.mark.slow
def test_no_script_of_the_content_runs_in_chromium(attack_site):
    """Every page of the attack site in headless Chromium: no dialog opens, nothing is
    fetched from another origin, and a search for the payloads renders them inertly."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from chromium import ARGS, CHROMIUM, require_chromium

    playwright = require_chromium()

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(attack_site / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    dialogs, elsewhere = [], []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(origin) or url.startswith(("data:", "blob:", "about:")):
            request_route.continue_()
        else:
            elsewhere.append(url)
            request_route.abort()

    pages = sorted(p.relative_to(attack_site / "site").as_posix() for p in (attack_site / "site").rglob("*.html"))
    try:
        with playwright.sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            context = browser.new_context(locale="fr-FR")
            context.route("**/*", route)
            page = context.new_page()
            page.on("dialog", lambda dialog: (dialogs.append((page.url, dialog.message)), dialog.dismiss()))
            for path in pages:
                page.goto(f"{origin}/{path}", wait_until="load")
                page.wait_for_timeout(30)  # animations (onbegin) and toggles (ontoggle) fire right after load
            page.goto(f"{origin}/", wait_until="networkidle")
            page.locator("input.md-search__input").click()
            page.keyboard.type("Titre", delay=20)  # titles and bodies with payloads
            page.locator(".md-search-result__item").first.wait_for(timeout=15000)
            page.wait_for_timeout(300)
            browser.close()
    finally:
        server.shutdown()
    assert dialogs == []
    assert elsewhere == []


def search_in_chromium(site: Path, query: str) -> tuple[list, list]:
    """``query`` typed into the search box of ``site`` (either engine's) in headless Chromium:
    the dialogs that opened and the requests the results made for ``/x`` (the payloads' image)."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from chromium import ARGS, CHROMIUM, require_chromium

    playwright = require_chromium()

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    dialogs, fetched = [], []
    try:
        with playwright.sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(locale="fr-FR")
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.on("request", lambda request: request.url.split("?")[0].endswith("/x") and fetched.append(request.url))
            page.goto(f"{origin}/", wait_until="networkidle")
            box = page.locator("input.md-search__input")
            if not box.is_visible():
                page.locator(".md-search__button").first.click()  # Zensical opens a dialog first
            else:
                box.click()
            page.keyboard.type(query, delay=30)
            page.get_by_text(re.compile("dossier|dedans|sans titre", re.I)).first.wait_for(timeout=15000)
            page.wait_for_timeout(500)
            browser.close()
    finally:
        server.shutdown()
    return dialogs, fetched


@pytest.mark.slow
def test_a_file_name_with_markup_is_text_in_search_results(attack_site):
    assert search_in_chromium(attack_site / "site", "zorglub") == ([], [])


def test_the_subscriber_list_lives_outside_the_checkout_and_is_gone_before_the_build():
    """docs/security.md: in CI the list is a file in the runner's temp folder, written from a
    secret for the publish step and deleted before MkDocs runs; the site build has no secret."""
    import yaml

    workflow = yaml.safe_load((Path(__file__).parent.parent / ".github/workflows/publish.yml").read_text())
    steps = workflow["jobs"]["publish"]["steps"]
    names = [step.get("name") for step in steps]
    publish = steps[names.index("gazette publish")]
    assert publish["env"]["GAZETTE_SUBSCRIBERS"].startswith("${{ runner.temp }}/")
    forget = steps[names.index("Forget the subscriber list")]
    assert forget["if"] == "always()" and 'rm -f "$RUNNER_TEMP/subscribers.csv"' in forget["run"]
    site = names.index("Build the site")
    assert names.index("Forget the subscriber list") < site
    assert "secrets." not in json.dumps(steps[site:])
    uploads = [step for step in steps if "upload-pages-artifact" in str(step.get("uses"))]
    assert [step["with"]["path"] for step in uploads] == ["site"]
