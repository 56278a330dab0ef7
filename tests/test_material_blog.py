"""A Material for MkDocs blog moves into content/posts/ and reports only real problems.

The three posts are written the way Material documents its blog plugin
(setting-up-a-blog.md, "Writing your first post" and the metadata section):
title from the first heading, `draft`, `date: {created, updated}`, `slug`,
`links`, `readtime`, `pin`, `description`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gazette.load import load_repo

ROOT = Path(__file__).resolve().parent.parent

HELLO = """\
---
draft: true
date: 2024-01-31
categories:
  - Hello
  - World
---

# Hello world!

Lorem ipsum dolor sit amet, consectetur adipiscing elit.

<!-- more -->

Nunc vehicula sagittis condimentum.
"""

LANDED = """\
---
date:
  created: 2023-12-31
  updated: 2024-01-02
authors: [squidfunk]
description: >
  Our new blog is built with the brand new built-in blog plugin. You can build
  a blog alongside your documentation or standalone
categories:
  - Blog
links:
  - Getting started with Insiders: insiders/getting-started.md#requirements
  - setup/setting-up-a-blog.md#built-in-blog-plugin
  - Setup:
    - setup/index.md
readtime: 15
pin: true
draft: false
slug: blog-support-just-landed
---

# Blog support just landed

Read [the plugin's documentation](../../setup/setting-up-a-blog.md#built-in-blog-plugin).
"""

SEARCH = """\
---
title: "Search: better, faster, smaller"
date:
  created: 2024-02-10T10:00:00+01:00
search:
  exclude: false
hide: [toc]
social:
  cards_layout: default/only/image
status: published
draft: true
authors:
  - camille
categories:
  - Search
---

# Search: better, faster, smaller

The new search is faster, as [announced](../2023/2023-12-31-blog-support.md).
"""


def write_blog(repo, authors="camille", link="../../setup/setting-up-a-blog.md#built-in-blog-plugin"):
    repo.write("content/posts/2024/hello-world.md", HELLO)
    repo.write("content/posts/2023/2023-12-31-blog-support.md",
               LANDED.replace("squidfunk", authors).replace("../../setup/setting-up-a-blog.md#built-in-blog-plugin", link))
    repo.write("content/posts/2024/search-better-faster-smaller.md", SEARCH)


def test_a_material_blog_reports_only_real_problems(repo):
    write_blog(repo, authors="squidfunk")
    report = json.loads(repo.gazette("check", "--format", "json").output)
    found = sorted((p["path"].rsplit("/", 1)[-1], p["line"], p["code"]) for p in report["problems"])
    assert found == [
        ("2023-12-31-blog-support.md", 3, "schema/date-naive"),   # created: a day, no zone
        ("2023-12-31-blog-support.md", 4, "schema/date-naive"),   # updated: same
        ("2023-12-31-blog-support.md", 5, "ref/author"),          # squidfunk is not in .authors.yml
        ("2023-12-31-blog-support.md", 24, "ref/link"),           # Material's docs are not here
        ("hello-world.md", 3, "schema/date-naive"),
    ]


def test_material_keys_mean_what_they_mean_in_material(repo):
    write_blog(repo)
    items = {item.path.rsplit("/", 1)[-1]: item for item in load_repo(repo.root).items}
    hello, landed, search = (items[name] for name in (
        "hello-world.md", "2023-12-31-blog-support.md", "search-better-faster-smaller.md"))
    assert (hello.title, hello.status) == ("Hello world!", "draft")
    assert not hello.body.lstrip().startswith("#")  # the site writes the title once
    assert (landed.status, landed.slug, landed.meta["readtime"], landed.meta["pin"]) == (
        "approved", "blog-support-just-landed", 15, True)
    assert (landed.date.isoformat(), landed.meta["updated"].isoformat()) == (
        "2023-12-31T00:00:00+01:00", "2024-01-02T00:00:00+01:00")
    assert search.status == "published"  # a status beside draft: wins
    assert search.body.lstrip().startswith("The new search")  # its heading repeated the title
    assert search.date.isoformat() == "2024-02-10T10:00:00+01:00"


def test_a_slug_must_stay_a_slug(repo):
    path = repo.post("evasion", front="title: A\ndate: 2026-10-06T12:30:00+02:00\nslug: ../../admin\nstatus: draft\n")
    report = json.loads(repo.gazette("check", "--format", "json").output)
    assert [(p["line"], p["code"], p["hint"]) for p in report["problems"] if p["path"] == path] == [
        (4, "schema/slug", "write slug: admin")]
    assert load_repo(repo.root).items[-1].slug == "evasion"


@pytest.mark.slow
def test_the_site_and_feeds_use_the_slug_and_the_heading(sample):
    write_blog(sample, link="../2026/rentree-boutique.md")
    (sample.root / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text())
    env = {**os.environ, "GAZETTE_NOW": "2026-11-23T12:00:00+01:00", "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=sample.root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    site = sample.root / "site"
    page = site / "posts/2023/blog-support-just-landed/index.html"
    assert page.is_file() and not (site / "posts/2023/2023-12-31-blog-support").exists()
    html = page.read_text()
    assert html.count("<h1") == 1 and "Blog support just landed" in html and "15 min de lecture" in html
    assert not (site / "posts/2024/hello-world").exists()  # draft: true
    feed = (site / "posts/feed.xml").read_text()
    assert "https://fabrique.example.org/posts/2023/blog-support-just-landed/" in feed
    assert "2023-12-31-blog-support" not in feed
    linking = (site / "posts/2024/search-better-faster-smaller/index.html").read_text()
    assert 'href="../../2023/blog-support-just-landed/"' in linking
    assert linking.count("<h1") == 1  # title: and the same "# Heading": written once
    archive = (site / "archives/posts/index.html").read_text() if (site / "archives/posts/index.html").exists() \
        else "\n".join(p.read_text() for p in site.glob("archives/**/*.html"))
    assert "posts/2023/blog-support-just-landed/" in archive and "2023-12-31-blog-support" not in archive



@pytest.mark.slow
def test_a_slug_that_takes_another_pages_url_stops_the_build(sample):
    sample.post("autre-nom", front="title: B\ndate: 2026-10-06T12:30:00+02:00\nstatus: published\n"
                                   "slug: rentree-boutique\n")
    (sample.root / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text())
    env = {**os.environ, "GAZETTE_NOW": "2026-11-23T12:00:00+01:00", "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=sample.root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "ref/duplicate-slug" in done.stderr and "autre-nom.md" in done.stderr
    assert "Traceback" not in done.stderr


def test_editors_schema_takes_materials_date_mapping(repo):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(repo.gazette("schema", "--kind", "post").output)
    raw = {"title": "A", "date": {"created": "2024-01-31T00:00:00+01:00", "updated": "2024-02-01T00:00:00+01:00"},
           "draft": True, "slug": "a", "links": ["setup/index.md", {"Setup": "setup/index.md"}],
           "readtime": 15, "pin": True, "description": "Texte"}
    jsonschema.validate(raw, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**raw, "slug": "../admin"}, schema)


def test_a_post_without_status_or_draft_stays_hidden_but_says_so(repo):
    silent = repo.post("importe", front="date: 2026-10-06T12:30:00+02:00\n", body="# Importé de Material\n\nTexte.\n")
    repo.post("brouillon", front="title: B\ndate: 2026-10-06T12:30:00+02:00\ndraft: true\n")
    repo.post("approuve", front="title: C\ndate: 2026-10-06T12:30:00+02:00\ndraft: false\n")
    report = json.loads(repo.gazette("check", "--format", "json").output)
    assert [(p["path"], p["line"], p["code"], p["severity"]) for p in report["problems"]] == [
        (silent, 1, "schema/no-status", "warning")]
    assert "add status: approved" in report["problems"][0]["hint"]
    assert {i.slug: i.status for i in load_repo(repo.root).items}["importe"] == "draft"  # still hidden: the warning changes nothing else
