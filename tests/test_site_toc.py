"""On MkDocs the table of contents is made safe where MkDocs hands it over (``make_toc_safe``, in
the page hooks) and again in the sidebars as each page is written: a hostile heading reaches neither
the sidebars nor the navigation, the search index or the title, whatever a plugin put in the
entries or pasted into the rendered page after Gazette's hooks."""

from __future__ import annotations

import pytest
from test_attacks import audit, search_index_faults

pytestmark = pytest.mark.slow
NOW = "2026-11-23T12:00:00+01:00"

# Like Zensical, and like a community's plugin may: each entry gets its heading's own HTML, Material's
# typeset plugin's field too, and one anchor a name that leaves its attribute.
HOOK = '''
import re

def on_page_content(html, page, config, files):
    headings = dict(re.findall(r'<h[1-6] id="([^"]+)">(.*?)<a class="headerlink"', html))
    for anchor in page.toc:
        for entry in [anchor, *anchor.children]:
            if entry.id in headings:
                entry.title = headings[entry.id]
                entry.typeset = {"title": headings[entry.id]}
    if page.toc.items and page.toc.items[0].children:
        page.toc.items[0].children[-1].id = 'fin" onmouseover="alert(31)'
    page.typeset = {"title": '<img src=x onerror=alert(32)>'}
    return html
'''
# Later than any hook Gazette has before the page is written (a reviewer's): the headings' HTML
# pasted into the rendered sidebar, and the entries rewritten after Gazette's last context hook.
LATE_HOOK = '''
import re
from mkdocs.plugins import event_priority

def on_post_page(output, page, config):
    h = dict(re.findall(r'<h[1-6] id="([^"]+)">(.*?)<a class="headerlink"', page.content or ""))
    return re.sub(r'(<a href="#([^"]+)" class="md-nav__link">\\s*<span class="md-ellipsis">)(.*?)(</span>)',
                  lambda m: m.group(1) + h.get(m.group(2), m.group(3)) + m.group(4), output, flags=re.S)

@event_priority(-100)
def on_page_context(context, page, config, nav):
    for anchor in page.toc:
        anchor.title = anchor.title + '<img src=x onerror=alert(33)>'
    return context
'''
HEADINGS = ("# Titres\n\n## Un <em onmouseover=\"alert(10)\">em</em>\n\nTexte.\n\n"
            "## Deux <span onclick=alert(11)>span</span>\n\nTexte.\n\n"
            "## Quatre </span></span></a></li></ul></nav></div><img src=x onerror=alert(13)>\n\nTexte.\n\n"
            "## Six <span id=\"__config\" data-md-component=\"content\">six</span>\n\nTexte.\n\n## Fin\n\nTexte.\n")


@pytest.mark.parametrize("hook_text", [HOOK, LATE_HOOK], ids=["early-hook", "late-hook"])
@pytest.mark.parametrize("engine", ["plugin", "mkdocs"])
def test_hostile_headings_reach_no_sidebar_on_mkdocs(sample, engine, hook_text, monkeypatch):
    from gazette.site import Stage

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.setenv("GAZETTE_NOW", NOW)
    monkeypatch.setattr(Stage, "_refuse", lambda self, errors: None)  # a check that misses everything
    hook = sample.write("hooks/headings.py", hook_text)
    config = sample.root / "mkdocs.yml"
    config.write_text(config.read_text() + f"hooks:\n  - {hook}\n")
    sample.write("content/titres.md", HEADINGS)
    if engine == "plugin":
        from mkdocs.commands.build import build
        from mkdocs.config import load_config

        build(load_config(str(config)))
    else:
        from gazette.site.tree import build_site

        build_site(sample.root, "mkdocs", now_text=NOW)
    site = sample.root / "site"
    page = (site / "titres/index.html").read_text(encoding="utf-8")
    toc = page[page.index('<nav class="md-nav md-nav--secondary"'):page.index('<div class="md-content"')]
    assert "Un" in toc and "em" in toc and "Quatre" in toc  # the entries are there, as text
    assert "alert(1" not in toc and "alert(32)" not in toc and "alert(33)" not in toc  # tags dropped
    assert 'onmouseover="' not in toc
    assert "onerror" not in toc
    if hook_text is HOOK:
        assert "onmouseover=alert(31)" in toc  # the anchor's name stays inside its attribute, as text
    assert page.count('id="__config"') == 1 and page.count('data-md-component="content"') == 1
    faults = [fault for path in sorted(site.rglob("*.html")) for fault in audit(path, path.name).faults
              if not fault.endswith(": <form>")]  # the sample's sign-up form, in the footer of every page
    assert faults == []
    assert search_index_faults(site) == []


def _nav_from_disk(docs, folder):
    """The navigation as the tree derived it by walking docs/ (before the pages could stay in
    memory): the reference the path-based derivation must match."""
    from markupsafe import escape

    pages, sections = [], []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.is_symlink():
            continue
        if path.is_dir():
            children = _nav_from_disk(docs, path)
            if children:
                sections.append({str(escape(path.name.replace("-", " ").replace("_", " ").capitalize())): children})
        elif path.suffix == ".md":
            relative = path.relative_to(docs).as_posix()
            (pages.insert(0, relative) if path.stem in ("index", "README") else pages.append(relative))
    return pages + sections


@pytest.mark.parametrize("layout", [
    ["index.md", "charte.md", "posts/2026/a.md", "posts/2026/b.md", "posts/index.md", "archives/index.md"],
    ["README.md", "index.md", "z.md", "A.md", "_x/index.md", "a-b/README.md", "a-b/c.md", "vide/image.png"],
    ["<img src=x onerror=alert(1)>/page.md", "d<b>/index.md", "d<b>/e.md", "Zéro/un.md", "zéro/deux.md"],
    ["a/b/c/d.md", "a/b.md", "a.md", "a/index.md", "b/README.md", "b/index.md", "b/c/README.md"],
])
def test_the_navigation_from_the_pages_matches_the_one_from_the_files(tmp_path, layout):
    from gazette.site.tree import _nav_of_pages, _pages_under

    docs = tmp_path / "docs"
    for path in layout:
        (docs / path).parent.mkdir(parents=True, exist_ok=True)
        (docs / path).write_text("x")
    expected = _nav_from_disk(docs, docs)
    assert _nav_of_pages([path for path in layout if path.endswith(".md")]) == expected
    assert _nav_of_pages(_pages_under(docs)) == expected


def _page(primary_toc: str, secondary_toc: str) -> str:
    toc = '<nav class="md-nav md-nav--secondary" aria-label="Sommaire"><ul class="md-nav__list"><li>{}</li></ul></nav>'
    return ('<html><body><div class="md-sidebar md-sidebar--primary" data-md-component="sidebar">'
            '<nav class="md-nav md-nav--primary"><ul class="md-nav__list" data-md-scrollfix><li>Accueil'
            + (toc.format(primary_toc) if primary_toc else "") + '</li></ul></nav></div>\n'
            '<div class="md-sidebar md-sidebar--secondary" data-md-component="sidebar">'
            + toc.format(secondary_toc) + '</div>\n<div class="md-content" data-md-component="content">'
            '<article class="md-content__inner md-typeset"><h1>T</h1></article></div></body></html>')


@pytest.mark.parametrize("in_navigation", [True, False])
def test_zensical_s_tables_of_contents_are_cleaned_in_either_sidebar(tmp_path, in_navigation):
    """Zensical writes the headings' HTML into the table of contents: the secondary sidebar is
    always cleaned, the primary one when the page's table of contents is in it too."""
    import json

    from gazette.site.finish import Finisher

    (tmp_path / "held.json").write_text(json.dumps({"token": "0" * 16, "pages": {}}))
    hostile = 'Un <em onmouseover="alert(10)">em</em> <img src=x onerror=alert(13)>'
    html = _page(hostile if in_navigation else "", hostile)
    finished = Finisher(tmp_path).page("titres/index.html", html)
    assert "alert(" not in finished and finished.count("Un <em>em</em>") == (2 if in_navigation else 1)
    assert audit_text(finished) == []
    if not in_navigation:  # the navigation alone (escaped titles) is left as the theme wrote it
        assert '<ul class="md-nav__list" data-md-scrollfix><li>Accueil</li>' in finished


def audit_text(html: str) -> list[str]:
    from test_attacks import Audit

    parser = Audit("page")
    parser.feed(html)
    parser.close()
    return parser.faults
