"""What gazette check says about files the site will never publish, and the lock on security."""

from __future__ import annotations

import json
import os

import pytest

from gazette.published import svg_danger
from gazette.problems import Problem, apply_severity

ITEM = "---\ntitle: Brouillon\ndate: 2026-10-06T12:30:00+02:00\nstatus: draft\n---\n\nSecret.\n"


def problems_of(result) -> list[tuple[str, str]]:
    return [(p["path"], p["code"]) for p in json.loads(result.output)["problems"]]


def test_files_the_site_refuses_are_reported(repo, tmp_path):
    repo.post("bon")
    repo.write("content/post/2026/brouillon.md", ITEM)           # misspelt kind folder
    repo.write("content/Posts/2026/brouillon.md", ITEM)          # wrong case
    repo.write("content/posts/2026/bon.md~", ITEM)               # editor backup
    repo.write("content/posts/2026/bon.md.orig", ITEM)           # merge leftover
    repo.write("content/posts/2026/#bon.md#", ITEM)              # Emacs autosave
    repo.write("content/posts/2026/page.html", "<script>alert(1)</script>")
    repo.write("content/assets/app.js", "alert(1)")
    repo.write("content/assets/bad.svg", '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')
    repo.write("content/assets/good.svg", '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1"/></svg>')
    repo.write("content/assets/photo.jpg", b"\xff\xd8")
    outside = tmp_path / "subscribers.csv"
    outside.write_text("email\nsecret@example.org\n")
    os.symlink(outside, repo.root / "content/assets/liste.png")
    found = problems_of(repo.gazette("check", "--format", "json"))
    assert sorted(found) == sorted([
        ("content/post/2026/brouillon.md", "security/misplaced-item"),
        ("content/Posts/2026/brouillon.md", "security/misplaced-item"),
        ("content/posts/2026/bon.md~", "file/leftover"),
        ("content/posts/2026/bon.md.orig", "file/leftover"),
        ("content/posts/2026/#bon.md#", "file/leftover"),
        ("content/posts/2026/page.html", "security/attachment-type"),
        ("content/assets/app.js", "security/attachment-type"),
        ("content/assets/bad.svg", "security/svg"),
        ("content/assets/liste.png", "file/symlink"),
    ])


def test_names_outside_the_safe_set_are_reported(git_repo):
    """Engines make titles, addresses and search entries of file and folder names: a name with
    markup ran in search results. Letters (accented too), digits, '-', '_' and '.' only."""
    git_repo.post("bon")
    git_repo.write("content/étés_2026.v2/page-à-lire.md", "# Page\n")
    git_repo.commit_all("base")
    git_repo.write("content/z<img src=x onerror=alert(23)>.md", "Zorglub sans titre.\n")
    git_repo.write("content/d<img src=x>/index.md", "Zorglub.\n")
    git_repo.write("content/d<img src=x>/autre.md", "Zorglub.\n")
    git_repo.write("content/assets/mon image.png", b"\x89PNG\r\n\x1a\n")
    git_repo.write("content/posts/2026/<b>/autre.md", (git_repo.root / "content/posts/2026/bon.md").read_text())
    expected = [("content/z<img src=x onerror=alert(23)>.md", "file/unsafe-name"),
                ("content/d<img src=x>/index.md", "file/unsafe-name"), ("content/d<img src=x>/autre.md", "file/unsafe-name"),
                ("content/assets/mon image.png", "file/unsafe-name"),
                ("content/posts/2026/<b>/autre.md", "file/unsafe-name"), ("content/posts/2026/<b>/autre.md", "file/year-folder")]
    for args in ((), ("--changed-since", "HEAD")):
        result = git_repo.gazette("check", "--format", "json", *args)
        assert (args, sorted(problems_of(result))) == (args, sorted(expected)) and result.exit_code == 1
    assert "rename it to z-img-src-x-onerror-alert-23.md" in git_repo.gazette("check").output


@pytest.mark.parametrize("svg", [
    '<svg><script>alert(1)</script></svg>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<svg><animate onbegin="alert(1)" attributeName="x" dur="1s"/></svg>',
    '<svg><a><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a></svg>',
    '<svg><image href="https://evil.example/pixel.png"/></svg>',
    '<svg><style>@import url(https://evil.example/x.css);</style></svg>',
    '<svg><foreignObject><iframe src="x"></iframe></foreignObject></svg>',
    '<svg><rect style="fill:url(https://evil.example/#p)"/></svg>',
])
def test_unsafe_svgs_are_refused(svg):
    assert svg_danger(svg)


def test_the_sample_drawings_are_safe():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "content"
    for path in [*root.glob("posts/2026/*.svg"), root / "assets/logo.svg"]:
        assert svg_danger(path.read_text()) is None, path


def test_severity_overrides_cannot_switch_security_off():
    found = [Problem("security/script", "a.md", 3, "a <script> element"),
             Problem("netiquette/shouting", "a.md", 4, "capitals")]
    rated = apply_severity(found, {"security": "off", "security/script": "warning", "netiquette": "off"})
    assert [(p.code, p.severity) for p in rated] == [("security/script", "error")]


def test_overrides_and_waivers_of_security_rules_are_errors(repo):
    channels = repo.root / "calendar/channels.yml"
    channels.write_text(channels.read_text() + "gazette:\n  severity:\n    security/script: off\n")
    repo.post("piege", front="title: Piège\ndate: 2026-10-06T12:30:00+02:00\nstatus: published\n"
              "allow:\n  - {rule: security/event-handler, reason: \"c'est pour rire\"}\n",
              body='<img src="x" onerror="alert(1)">\n\n<script>alert(2)</script>\n')
    result = repo.gazette("check", "--format", "json")
    found = problems_of(result)
    assert ("calendar/channels.yml", "security/override") in found
    assert ("content/posts/2026/piege.md", "security/override") in found
    assert ("content/posts/2026/piege.md", "security/event-handler") in found  # not waived
    assert ("content/posts/2026/piege.md", "security/script") in found  # not switched off
    assert result.exit_code == 1


def test_a_repository_template_cannot_reach_the_environment(repo, monkeypatch):
    monkeypatch.setenv("GAZETTE_SMTP_PASSWORD", "hunter2-secret")
    repo.write("templates/new/post.md.j2",
               "---\ntitle: {{ title | yaml }}\ndate: {{ date | iso }}\n---\n"
               "{{ cycler.__init__.__globals__.os.environ.GAZETTE_SMTP_PASSWORD }}\n")  # works unsandboxed
    result = repo.gazette("new", "post", "Fuite")
    assert result.exit_code != 0
    assert "hunter2-secret" not in result.output and "unsafe" in result.output
    assert not list((repo.root / "content").rglob("fuite.md"))


def test_a_repository_template_cannot_include_a_link_to_the_environment(repo, monkeypatch):
    from attacks.community import add_template_link

    monkeypatch.setenv("GAZETTE_SMTP_PASSWORD", "hunter2-secret")
    add_template_link(repo.root)
    result = repo.gazette("new", "post", "Fuite")
    assert result.exit_code != 0
    assert "hunter2-secret" not in result.output and "symbolic link" in result.output
    assert not list((repo.root / "content").rglob("fuite.md"))


def test_a_linked_template_folder_is_refused(repo, tmp_path):
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    (elsewhere / "post.md.j2").write_text("---\ntitle: SECRET-ELSEWHERE\n---\n")
    (repo.root / "templates").mkdir(exist_ok=True)
    os.symlink(elsewhere, repo.root / "templates/new")
    result = repo.gazette("new", "post", "Fuite")
    assert result.exit_code != 0 and "templates/new is a symbolic link" in result.output
    assert not list((repo.root / "content").rglob("fuite.md"))


def test_a_pull_request_check_reports_the_same_files(git_repo, tmp_path):
    git_repo.post("bon")
    git_repo.commit_all("base")
    git_repo.write("content/post/2026/brouillon.md", ITEM)
    git_repo.write("content/posts/2026/bon.md~", ITEM)
    git_repo.write("content/assets/app.js", "alert(1)")
    git_repo.write("content/posts/2026/Oups.MD", ITEM)
    found = problems_of(git_repo.gazette("check", "--changed-since", "HEAD", "--format", "json"))
    assert sorted(found) == sorted([
        ("content/post/2026/brouillon.md", "security/misplaced-item"),
        ("content/posts/2026/bon.md~", "file/leftover"),
        ("content/assets/app.js", "security/attachment-type"),
        ("content/posts/2026/Oups.MD", "file/extension"),
    ])


@pytest.mark.parametrize("text", [
    "---\ntitle: x\nstatus: draft\n---\n",
    "\ufeff---\r\ntitle: x\r\ndate: 2026-10-06\r\n---\r\n",
    "---\n\"status\": draft\n---\n",
    "Title: x\nStatus: draft\n\nTexte.\n",  # MultiMarkdown metadata, which MkDocs reads too
    "---\n{title: x, status: draft, date: 2026-01-01}\n---\n",  # a flow mapping
    "---\n  title: x\n  status: draft\n---\n",                  # indented keys
    '---\n"\\x73tatus": draft\n---\n',                            # an escaped key
    "---\n? status\n: draft\n---\n",                              # a complex key
    "---\ntitle: x\ndraft: true\n---\n",                          # Material's own draft flag
    "---\ntitle: x\nStatus: draft\n...\n",                        # YAML's end marker
    "---\ntitle: [x\nstatus: draft\n---\n",                       # does not load: MkDocs shows it all
    "Title: x\n    suite\nDraft: true\n\nTexte.\n",
])
def test_item_lookalikes_are_recognised(text):
    from gazette.published import looks_like_item

    assert looks_like_item(text)


@pytest.mark.parametrize("text", ["---\ntitle: Charte\n---\n\nstatus: quo\n", "# Charte\n\nTexte.\n\nDate: hier\n",
                                  "---\ntitle: Charte\ndescription: {draft: non}\n---\n\nTexte.\n",
                                  "---\n\nRègle : date: et status: sont pour les billets.\n"])
def test_pages_are_not_items(text):
    from gazette.published import looks_like_item

    assert not looks_like_item(text)


def test_a_script_mkdocs_yml_names_is_the_maintainers(repo):
    repo.write("mkdocs.yml", "site_name: x\nextra_javascript:\n  - javascripts/extra.js\n")
    repo.write("content/javascripts/extra.js", "console.log(1)")
    repo.write("content/javascripts/other.js", "alert(1)")
    found = problems_of(repo.gazette("check", "--format", "json"))
    assert found == [("content/javascripts/other.js", "security/attachment-type")]


def test_a_stylesheet_mkdocs_yml_does_not_name_is_reported(repo):
    repo.write("mkdocs.yml", "site_name: x\nextra_css: [stylesheets/extra.css]\n")
    repo.write("content/stylesheets/extra.css", "body {}")
    repo.write("content/posts/2026/fuite.css", "body{background:url(https://evil.example/)}")
    found = problems_of(repo.gazette("check", "--format", "json"))
    assert found == [("content/posts/2026/fuite.css", "security/attachment-type")]


@pytest.mark.parametrize("svg", [
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:s="http://www.w3.org/2000/svg"><s:script>alert(1)</s:script></svg>',
    '<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:script>alert(1)</svg:script></svg:svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:h="http://www.w3.org/1999/xhtml"><h:iframe/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/2000/svg"><x:foreignObject/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:e="http://www.w3.org/2001/xml-events"><e:listener/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/2000/svg" x:onload="alert(1)"/>',
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:l="http://www.w3.org/1999/xlink">'
    '<a l:href="jav&#x61;script:alert(1)"><text>x</text></a></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:l="http://www.w3.org/1999/xlink"><a>'
    '<set attributeName="l:href" to="javascript:alert(1)"/><text>x</text></a></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><style>@\\69mport "https://evil.example/x.css";</style></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(https://evil.example/#p)"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><style>rect { fill: u&#114;l(https://evil.example/) }</style></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" xml:base="https://evil.example/"><use href="#p"/></svg>',
    '<!DOCTYPE svg [<!ENTITY x "alert(1)">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
    '<?xml-stylesheet href="https://evil.example/x.css"?><svg xmlns="http://www.w3.org/2000/svg"/>',
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</svg>',  # not XML: a browser would guess
])
def test_svgs_are_judged_by_what_they_parse_to(svg):
    assert svg_danger(svg)


def test_drawings_with_prefixes_and_internal_links_are_safe():
    svg = ('<?xml version="1.0" encoding="UTF-8"?>\n<svg:svg xmlns:svg="http://www.w3.org/2000/svg" '
           'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape">'
           '<svg:defs><svg:linearGradient id="g"/></svg:defs><svg:rect fill="url(#g)" inkscape:label="fond"/>'
           '<svg:use xlink:href="#g"/><svg:style>rect { fill: url(#g) }</svg:style></svg:svg>')
    assert svg_danger(svg) is None


def test_a_page_title_description_or_author_that_is_not_a_text_is_an_error(repo):
    repo.write("content/piege.md", "---\ntitle: [\"</title><script>alert(1)</script>\"]\n"
               "description: ['\"><script>alert(1)</script>']\nauthor: {x: '\"><img src=x onerror=alert(1)>'}\n"
               "subtitle: Texte\n---\n\n# Piège\n")
    repo.write("content/charte.md", "---\ntitle: Charte\ndescription: Les règles\nauthor:\n---\n\n# Charte\n")
    result = repo.gazette("check", "--format", "json")
    found = [(p["path"], p["line"], p["code"]) for p in json.loads(result.output)["problems"]]
    assert sorted(found) == [("content/piege.md", line, "security/page-meta") for line in (2, 3, 4)]
    assert result.exit_code == 1


def test_attachment_names_are_found_however_they_are_written():
    from gazette.published import attachment_names

    text = ('![x](../../images/secret.png) <img src="/images/caf%C3%A9.JPG"> image: {src: images/b.webp}\n'
            "body { background: url(../images/bg.png) } logo: assets/logo.svg notes.png.md")
    assert attachment_names(text) == {"secret.png", "café.JPG", "b.webp", "bg.png", "logo.svg"}
    assert attachment_names("a." * 200_000 + "x" * 200_000) == set()  # linear: a pattern from the name's start was not


def test_a_page_template_that_is_not_a_theme_file_name_is_an_error(repo):
    repo.write("content/passwd.md", "---\ntitle: P\ntemplate: \"../../../etc/passwd\"\n---\n\n# P\n")
    repo.write("content/plan.md", "---\ntitle: Plan\ntemplate: sitemap.xml\n---\n\n# Plan\n")
    repo.write("content/liste.md", "---\ntitle: Liste\ntemplate: [main.html]\n---\n\n# Liste\n")
    repo.write("content/accueil.md", "---\ntitle: Accueil\ntemplate: home_page-2.html\n---\n\n# A\n")
    result = repo.gazette("check", "--format", "json")
    found = sorted((p["path"], p["line"], p["code"]) for p in json.loads(result.output)["problems"])
    assert found == [(f"content/{name}.md", 3, "security/page-meta") for name in ("liste", "passwd", "plan")]


def test_materials_page_status_is_not_an_item(repo):
    """`status: new` / `deprecated` without a date is Material's navigation badge on a page."""
    repo.write("content/nouveau.md", "---\ntitle: Nouveau\nstatus: new\n---\n\n# Nouveau\n")
    repo.write("content/ancien.md", "Title: Ancien\nstatus: deprecated\n\n# Ancien\n")
    repo.write("content/brouillon.md", "---\ntitle: B\nstatus: draft\n---\n\n# B\n")
    repo.write("content/date.md", "---\ntitle: D\nstatus: new\ndate: 2026-11-02\n---\n\n# D\n")
    repo.write("content/liste.md", "---\ntitle: L\nstatus: [new]\n---\n\n# L\n")
    result = repo.gazette("check", "--format", "json")
    found = sorted((p["path"], p["code"]) for p in json.loads(result.output)["problems"])
    assert found == [(f"content/{name}.md", "security/misplaced-item") for name in ("brouillon", "date", "liste")]
