"""The public tree, built by MkDocs (no plugin) and by Zensical: only public items, the same
home and link previews, and the attack corpus harmless on both engines."""

from __future__ import annotations

import json
import marshal
import shutil

import pytest
from attacks.community import NOW as ATTACK_NOW, make_community
from test_attacks import audit, search_in_chromium, search_index_faults

from gazette import sealed
from gazette.site.tree import PAGES_FILE, PAGES_FORMAT

pytestmark = pytest.mark.slow
NOW = "2026-11-23T12:00:00+01:00"
ENGINES = ["mkdocs", pytest.param("zensical", marks=pytest.mark.skipif(
    not shutil.which("zensical") and not __import__("importlib.util").util.find_spec("zensical"),
    reason="zensical is not installed (pip install 'gazette-editorial[zensical]')"))]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_sample_builds_on_each_engine(sample, engine, monkeypatch):
    from gazette.site.tree import build_site, tree_pages

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    sample.post("brouillon", front="title: Brouillon secret\ndate: 2026-11-02T12:30:00+01:00\nstatus: draft\n",
                body="MARQUEUR-BROUILLON\n")
    tree = build_site(sample.root, engine, now_text=NOW)
    docs = tree.root / "docs"
    if engine == "mkdocs":  # MkDocs builds in this process: the pages go to it from memory, kept in one file
        pages = set(tree_pages(tree.root))
        assert not list(docs.rglob("*.md")) and "posts/2026/rentree-boutique.md" in pages
    else:
        pages = {path.relative_to(docs).as_posix() for path in docs.rglob("*.md")}
        assert not (tree.root / PAGES_FILE).exists()
    assert "posts/2026/rentree-boutique.md" in pages
    assert "posts/2026/brouillon.md" not in pages
    assert "posts/2026/portes-ouvertes-de-l-atelier.md" not in pages  # approved, but on 1 December
    site = sample.root / "site"
    everything = "\n".join(p.read_text(errors="replace") for p in site.rglob("*") if p.suffix in (".html", ".json", ".xml"))
    assert "MARQUEUR-BROUILLON" not in everything
    post = (site / "posts/2026/rentree-boutique/index.html").read_text()
    assert '<meta property="og:image" content="https://fabrique.example.org/posts/2026/rentree-boutique.png">' in post
    assert "application/ld+json" in post and "4 septembre 2026" in post and 'class="gazette-cover"' in post
    home = (site / "index.html").read_text()
    assert 'class="gazette-cards"' in home and "Rejoindre la communauté" in home and "Made with" not in home
    assert (site / "feed.xml").exists() and (site / "posts/2026/rentree-boutique-320w.webp").exists()


@pytest.mark.parametrize("engine", ENGINES[1:])
def test_zensical_gets_the_link_previews_from_the_finish_step_not_the_front_matter(sample, engine, monkeypatch):
    """Zensical scans every byte of a page file in Python, front matter included: the tree it
    builds keeps each page's link preview tags beside it (held.json), and the finish step writes
    them into the page's head, once, where the theme layer writes them; `gazette site tree` (a
    plain build, no finish step) keeps them in the front matter."""
    from gazette.site import Stage
    from gazette.site.tree import build_site

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.setattr(Stage, "_refuse", lambda self, errors: None)  # a check that misses the title
    hostile = 'Titre <script>alert("og")</script> & fin'
    sample.post("piege", front=f"title: {json.dumps(hostile)}\ndate: 2026-11-02T12:30:00+01:00\nstatus: published\n")
    sample.write("content/guide/README.md", "---\ntitle: Guide\n---\n\nUn dossier et son README.\n")  # its index
    tree = build_site(sample.root, engine, now_text=NOW).root
    page = (tree / "docs/posts/2026/rentree-boutique.md").read_text(encoding="utf-8")
    assert "gazette_head" not in page and "og:" not in page
    heads = json.loads((tree / "held.json").read_text())["heads"]
    assert 'property="og:title"' in heads["posts/2026/rentree-boutique.md"] and "index.md" in heads
    site = sample.root / "site"
    for path in ("posts/2026/rentree-boutique/index.html", "posts/2026/piege/index.html", "index.html",
                 "charte/index.html", "guide/index.html"):
        head, _, body = (site / path).read_text(encoding="utf-8").partition("</head>")
        assert head.count('<meta property="og:title"') == 1 and "og:title" not in body, path
        assert head.count("application/ld+json") == (path not in ("charte/index.html", "guide/index.html")), path
    trapped = (site / "posts/2026/piege/index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in trapped and 'content="Titre &lt;script&gt;alert(&#34;og&#34;)' in trapped
    assert sample.gazette("site", "tree").exit_code == 0  # the same folder, the other mode: written again
    assert "gazette_head" in (tree / "docs/posts/2026/rentree-boutique.md").read_text(encoding="utf-8")
    assert "heads" not in json.loads((tree / "held.json").read_text())


def test_the_finish_step_puts_a_head_only_in_a_document_s_head():
    from gazette.site.finish import _with_head

    assert _with_head("<p>pas de tête</p>", "<meta x>") == "<p>pas de tête</p>"
    theme = "<html><head><title>t</title>\n  \n\n  </head><body></head></body></html>"
    assert _with_head(theme, "<meta x>") == "<html><head><title>t</title>\n  <meta x>\n\n  </head><body></head></body></html>"
    assert _with_head("<head></head><body>", "<meta x>") == "<head><meta x></head><body>"


@pytest.mark.parametrize("engine", ["plugin", *ENGINES])
def test_a_community_s_own_archives_page_is_kept(sample, engine, monkeypatch):
    """Like contact.md: the community's content/archives/index.md is the page, not replaced by
    the generated one (MkDocs printed a DeprecationWarning traceback and kept neither word)."""
    import subprocess
    import sys

    from gazette.site.tree import build_site

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    sample.write("content/archives/index.md", "# Nos archives\n\nMOT-REPERE-ARCHIVES\n")
    if engine == "plugin":
        done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=sample.root, capture_output=True,
                              text=True, timeout=120, env={**__import__("os").environ, "GAZETTE_NOW": NOW,
                                                           "NO_MKDOCS_2_WARNING": "1"})
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    else:
        build_site(sample.root, engine, now_text=NOW)
    site = sample.root / "site"
    assert "MOT-REPERE-ARCHIVES" in (site / "archives/index.html").read_text()
    assert "rentree-boutique" in (site / "archives/posts/index.html").read_text()  # the other archives are there


def test_a_rebuild_with_nothing_changed_writes_nothing(sample, monkeypatch):
    from gazette.site.tree import write_tree

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    first = write_tree(sample.root, sample.root / ".gazette/public", NOW)
    assert first.written > 20
    again = write_tree(sample.root, sample.root / ".gazette/public", NOW)
    assert again.written == 0
    docs = sample.root / ".gazette/public/docs"
    # Time passes: on 1 December the open-day post becomes public, the tree follows.
    assert not (docs / "posts/2026/portes-ouvertes-de-l-atelier.md").exists()
    later = write_tree(sample.root, sample.root / ".gazette/public", "2026-12-02T00:00:00+01:00")
    assert later.written and (docs / "posts/2026/portes-ouvertes-de-l-atelier.md").exists()
    # A file changes: only what it shows is rewritten.
    post = sample.root / "content/posts/2026/rentree-boutique.md"
    post.write_text(post.read_text().replace("Douze vélos", "Treize vélos", 1))
    edited = write_tree(sample.root, sample.root / ".gazette/public", "2026-12-02T00:00:00+01:00")
    assert 1 <= edited.written <= 5, edited  # the post, the lists that show its summary
    assert "Treize vélos" in (docs / "posts/2026/rentree-boutique.md").read_text()


def test_for_mkdocs_the_pages_stay_in_one_file_and_a_rebuild_writes_nothing(sample, monkeypatch):
    """MkDocs builds in this process: the tree keeps its pages in one file (one write, not one a
    page) and hands them over from memory; the same bytes as the files another engine reads."""
    from gazette.site.tree import tree_pages, write_tree

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    tree = sample.root / ".gazette/public"
    tree.mkdir(parents=True)
    (tree / "pages.json").write_text("{}")  # an earlier Gazette's pages file: removed, never read
    first = write_tree(sample.root, tree, NOW, pages_on_disk=False)
    assert not (tree / "pages.json").exists()
    assert first.texts and "posts/2026/rentree-boutique.md" in first.texts and first.pages == len(first.texts)
    assert not list((tree / "docs").rglob("*.md")) and (tree / "docs/stylesheets/extra.css").exists()
    again = write_tree(sample.root, tree, NOW, pages_on_disk=False)
    assert again.written == 0 and again.texts == first.texts and tree_pages(tree) == first.texts
    on_disk = write_tree(sample.root, tree, NOW)  # then Zensical: the same pages as files
    assert on_disk.written and not (tree / PAGES_FILE).exists()
    assert {path.relative_to(tree / "docs").as_posix(): path.read_text(encoding="utf-8")
            for path in (tree / "docs").rglob("*.md")} == first.texts
    back = write_tree(sample.root, tree, NOW, pages_on_disk=False)
    assert back.texts == first.texts and not list((tree / "docs").rglob("*.md"))


@pytest.mark.parametrize("damage", [b'{"index.md": ', marshal.dumps({"index.md": "x"}), b"",
                                    sealed.dumps(PAGES_FORMAT, {}), sealed.dumps(PAGES_FORMAT, []),
                                    sealed.dumps(PAGES_FORMAT, {"index.md": 3}), sealed.dumps("other", {"index.md": "x"}),
                                    sealed.dumps(PAGES_FORMAT, {"index.md": "x"})[:9]])
def test_a_damaged_pages_file_behind_an_unchanged_stamp_is_written_again(sample, monkeypatch, damage):
    # A reviewer's: `{}` built a site of one 404 page that said "30 pages" (a deploy would
    # publish it); broken JSON stopped site build on a traceback.
    from gazette.site.tree import write_tree

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    tree = sample.root / ".gazette/public"
    first = write_tree(sample.root, tree, NOW, pages_on_disk=False)
    (tree / PAGES_FILE).write_bytes(damage)
    again = write_tree(sample.root, tree, NOW, pages_on_disk=False)
    assert again.written >= 1 and again.texts == first.texts
    assert sealed.read(tree / PAGES_FILE, PAGES_FORMAT) == first.texts


def test_the_tree_alone_finishes_a_build_with_its_feeds(sample, monkeypatch):
    """Any engine's build of the tree, then finish_site: the feeds come from the tree, not from
    a second read of the repository (which a CI step building elsewhere may not have)."""
    import subprocess
    import sys

    from gazette.site.finish import finish_site
    from gazette.site.tree import write_tree

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    tree = write_tree(sample.root, tmp := sample.root.parent / "arbre", NOW).root
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", "mkdocs.yml"], cwd=tree, check=True)
    shutil.rmtree(sample.root / "content")  # the repository is no longer needed
    finish_site(tmp, tmp / "site")
    feed = (tmp / "site/feed.xml").read_text()
    assert "la rentrée à la boutique" in feed and "Portes ouvertes" not in feed  # public items only, as the pages
    assert "rentree-boutique" in (tmp / "site/posts/atom.xml").read_text()


def test_a_rebuild_sanitizes_only_what_changed(sample, monkeypatch):
    """finish_site keeps each content region's sanitized text: the same pages rebuilt cost no
    sanitizing, give the same bytes, and a cache from another sanitizer is not trusted."""
    import json
    import marshal
    import subprocess
    import sys

    from gazette import sanitize
    from gazette.site import finish as publicfinish, tree as publictree

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    tree = publictree.write_tree(sample.root, sample.root / ".gazette/public", NOW).root

    def engine_and_finish():
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", "mkdocs.yml"], cwd=tree, check=True)
        publicfinish.finish_site(tree, tree / "site")
        return {p: p.read_bytes() for p in (tree / "site").rglob("*.html")}

    first = engine_and_finish()
    calls = []
    real = sanitize.sanitize_html
    monkeypatch.setattr(sanitize, "sanitize_html", lambda html: calls.append(html) or real(html))
    assert engine_and_finish() == first and calls == []
    cache = tree / publicfinish.CACHE_NAME
    policy, kept = marshal.loads(sealed.unseal(cache.read_bytes()))
    poisoned = {key: "<script>alert(1)</script>" for key in kept}
    cache.write_bytes(sealed.dumps("gazette 0.0.1, nh3 0.1", poisoned))
    assert engine_and_finish() == first and calls  # another sanitizer's answers: sanitized again
    whole = cache.read_bytes()
    flipped = whole[:500] + bytes([whole[500] ^ 4]) + whole[501:]  # a byte of a kept text, say
    for damaged in (b"", b"\xff" * 7, whole[:1000], flipped, sealed.unseal(whole), sealed.dumps(policy, [1, 2]),
                    marshal.dumps({"policy": policy, "pages": kept}), json.dumps({"policy": "x", "pages": {}}).encode()):
        cache.write_bytes(damaged)
        calls.clear()
        assert engine_and_finish() == first and calls  # a damaged cache: sanitized again, no traceback


@pytest.mark.parametrize("engine", ENGINES)
def test_the_attack_corpus_is_harmless_on_each_engine(tmp_path, engine, monkeypatch):
    from gazette.site.tree import build_site
    from gazette.site import Stage

    root = make_community(tmp_path / "community")
    monkeypatch.setenv("GAZETTE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.setattr(Stage, "_refuse", lambda self, errors: None)  # a check that misses everything
    build_site(root, engine, now_text=ATTACK_NOW)
    pages = sorted((root / "site").rglob("*.html"))
    assert len(pages) > 100
    faults = [fault for page in pages for fault in audit(page, str(page.relative_to(root))).faults]
    assert faults == []
    assert search_index_faults(root / "site") == []
    # The table of contents too. On Zensical a heading that forges the content region's start
    # makes the sanitizer take the theme's own content <div> for content: that page's layout, never safety.
    titles = (root / "site/titres/index.html").read_text(encoding="utf-8")
    assert titles.count('id="__config"') == 1 and titles.count('data-md-component="content"') <= 1
    assert search_in_chromium(root / "site", "zorglub") == ([], [])  # a page named after its file


def test_site_build_command_reports_check_errors_and_builds(sample, monkeypatch):
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    done = sample.gazette("site", "build")
    assert done.exit_code == 0, done.output
    assert "pages" in done.output and (sample.root / "site/index.html").exists()
    sample.post("cassé", front="title: Cassé\ndate: 2026-11-02T12:30:00+01:00\nstatus: published\nauthors: [personne]\n")
    broken = sample.gazette("site", "build")
    assert broken.exit_code == 1
    assert "content/posts/2026/cassé.md:5: ref/author" in broken.output


def test_a_failing_mkdocs_build_is_said_without_a_traceback(sample, monkeypatch):
    """MkDocs runs in the command's own process: its failure (here it cannot write its site
    folder, a file stands there) is a usage error quoting MkDocs' words, with no traceback."""
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    assert sample.gazette("site", "build").exit_code == 0
    shutil.rmtree(sample.root / ".gazette/public/site", ignore_errors=True)
    (sample.root / ".gazette/public/site").write_text("pas un dossier")
    sample.post("nouveau", front="title: Nouveau\ndate: 2026-11-02T12:30:00+01:00\nstatus: published\n")
    done = sample.gazette("site", "build")
    assert done.exit_code == 2, done.output
    assert "mkdocs build failed" in done.output and "Traceback" not in done.output
    assert not (sample.root / "site/posts/2026/nouveau/index.html").exists()


def test_site_tree_is_built_by_plain_mkdocs_without_the_plugin(sample, monkeypatch):
    """`gazette site tree`: each page a Markdown file and the tree's own mkdocs.yml, which names
    no gazette plugin; a plain `mkdocs build` (Material, another interpreter with no Gazette code
    asked for) makes the pages a member should see, and never a draft or a future item."""
    import os
    import subprocess
    import sys

    import yaml

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    sample.post("brouillon", front="title: Brouillon secret\ndate: 2026-11-02T12:30:00+01:00\nstatus: draft\n",
                body="MARQUEUR-BROUILLON\n")
    tree = sample.root.parent / "arbre"
    done = sample.gazette("site", "tree", "--tree", str(tree))
    assert done.exit_code == 0, done.output
    assert str(tree) in done.output and "files changed" in done.output and f"mkdocs build -f {tree / 'mkdocs.yml'}" in done.output
    config = yaml.safe_load((tree / "mkdocs.yml").read_text())
    plugins = [entry if isinstance(entry, str) else next(iter(entry)) for entry in config.get("plugins") or []]
    assert "gazette" not in plugins and config["theme"]["name"] == "material" and config["docs_dir"] == "docs"
    assert not (tree / PAGES_FILE).exists() and not (tree / "pages.json").exists()
    assert (tree / "docs/posts/2026/rentree-boutique.md").read_text().startswith("---\ntitle: ")
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(tree / "mkdocs.yml")],
                           cwd=tree, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "GAZETTE_NOW": "1999-01-01T00:00:00+01:00"})
    assert built.returncode == 0, built.stderr
    site = tree / "site"
    for page in ("index.html", "charte/index.html", "posts/2026/rentree-boutique/index.html", "archives/index.html"):
        assert (site / page).is_file(), page
    assert "la rentrée à la boutique" in (site / "posts/2026/rentree-boutique/index.html").read_text()
    assert not (site / "posts/2026/brouillon").exists() and not (site / "posts/2026/portes-ouvertes-de-l-atelier").exists()
    everything = "\n".join(p.read_text(errors="replace") for p in site.rglob("*") if p.suffix in (".html", ".json", ".xml"))
    assert "MARQUEUR-BROUILLON" not in everything and "Brouillon secret" not in everything
    # Nothing changed: the second run says so and writes nothing.
    again = sample.gazette("site", "tree", "--tree", str(tree))
    assert again.exit_code == 0 and "0 files changed" in again.output


def test_site_tree_exit_codes(sample, monkeypatch):
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    refused = sample.gazette("site", "tree", "--tree", str(sample.root / "content/arbre"))
    assert refused.exit_code == 2 and "--tree" in refused.output
    sample.post("cassé", front="title: Cassé\ndate: 2026-11-02T12:30:00+01:00\nstatus: published\nauthors: [personne]\n")
    broken = sample.gazette("site", "tree")
    assert broken.exit_code == 1 and "content/posts/2026/cassé.md:5: ref/author" in broken.output
    assert not (sample.root / ".gazette/public/docs").exists()
    (sample.root / "content/posts/2026/cassé.md").unlink()
    (sample.root / "mkdocs.yml").write_text((sample.root / "mkdocs.yml").read_text() + "\ntheme: {name: pas-un-theme}\n")
    misconfigured = sample.gazette("site", "tree")
    assert misconfigured.exit_code == 2 and "Traceback" not in misconfigured.output, misconfigured.output


MATERIAL_EXTENSIONS = """\
  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
      emoji_generator: !!python/name:material.extensions.emoji.to_svg
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          class: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format
"""


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["plugin", "mkdocs"])
def test_material_s_documented_settings_and_a_relative_hook_build(sample, monkeypatch, engine):
    # A reviewer's: Material's own emoji setting (!!python/name:) stopped every engine with a
    # YAML traceback while the tree's mkdocs.yml was written, and `hooks: [hooks/x.py]` was
    # looked for beside the tree's mkdocs.yml, not the community's.
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.setenv("GAZETTE_NOW", NOW)
    config = sample.root / "mkdocs.yml"
    text = config.read_text().replace("  - toc:\n", MATERIAL_EXTENSIONS + "  - toc:\n", 1)
    config.write_text(text + "hooks:\n  - hooks/marque.py\n")
    sample.write("hooks/marque.py", "def on_post_page(output, page, config):\n"
                                    "    return output.replace('</body>', '<!-- marque -->\\n</body>')\n")
    sample.write("content/emoji.md", "# Émoji\n\nBravo :smile: !\n")
    if engine == "plugin":
        from mkdocs.commands.build import build
        from mkdocs.config import load_config

        build(load_config(str(config)))
    else:
        result = sample.gazette("site", "build", "--engine", "mkdocs")
        assert result.exit_code == 0, result.output
    page = (sample.root / "site/emoji/index.html").read_text(encoding="utf-8")
    assert "<!-- marque -->" in page
    assert "<svg" in page[page.index("Bravo"):] and "cdnjs" not in page  # inline SVG, no third party


def test_the_tree_config_repeats_what_was_written_with_its_parent_merged(sample, monkeypatch):
    # A reviewer's four: an !ENV secret in an extension's options reached the tree's mkdocs.yml
    # in clear; !relative and Material's documented slugify (!!python/object/apply) stopped the
    # build; with INHERIT, the parent's plugins were dropped (no search); an edit of the parent
    # left the tree as it was.
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.setenv("GZ_SECRET", "hunter2-token")
    config = sample.root / "mkdocs.yml"
    text = config.read_text()
    start, end = text.index("plugins:\n"), text.index("markdown_extensions:\n")
    plugins = text[start:end]
    sample.write("base.yml", plugins + "copyright: Première\n")
    text = text[:start] + text[end:]
    text = text.replace("  - toc:\n      permalink: true\n",
                        "  - toc:\n      permalink: true\n"
                        "      slugify: !!python/object/apply:pymdownx.slugs.slugify {kwds: {case: lower}}\n"
                        "  - pymdownx.magiclink:\n      user: !ENV [GZ_SECRET, none]\n"
                        "      repo: !relative $config_dir\n", 1)
    config.write_text("INHERIT: base.yml\n" + text)
    tree = sample.root.parent / "arbre"
    done = sample.gazette("site", "tree", "--tree", str(tree))
    assert done.exit_code == 0, done.output
    written = (tree / "mkdocs.yml").read_text()
    assert "hunter2" not in written and "!ENV" in written and "!relative" in written
    assert "INHERIT" not in written and "- search" in written and "gazette" not in written.split("plugins:")[1][:80]
    assert "Première" in written
    sample.write("base.yml", plugins + "copyright: Seconde\n")
    again = sample.gazette("site", "tree", "--tree", str(tree))
    assert again.exit_code == 0 and "Seconde" in (tree / "mkdocs.yml").read_text(), again.output
    from mkdocs.config import load_config  # the tree's file as MkDocs reads it, tags built

    loaded = load_config(str(tree / "mkdocs.yml"))
    assert loaded["mdx_configs"]["pymdownx.magiclink"]["user"] == "hunter2-token"
    assert "material/search" in loaded["plugins"] and "pymdownx.magiclink" in loaded["markdown_extensions"]


def test_the_tree_stamp_takes_a_file_name_that_is_not_utf8(sample):
    # A reviewer's: content/bad\xff.md stopped the stamp with UnicodeEncodeError (the check
    # reports the name as file/unsafe-name; the stamp must not crash before it can).
    import os

    from gazette.site.tree import _stamp

    before = _stamp(sample.root)
    with open(os.path.join(os.fsencode(sample.root / "content"), b"bad\xff.md"), "w") as handle:
        handle.write("# x\n")
    assert _stamp(sample.root) != before


@pytest.mark.parametrize("case", ["mappings", "quoted-inherit", "tagged-paths", "theme-name"])
def test_every_form_mkdocs_takes_is_repeated_in_the_tree(sample, monkeypatch, case):
    # A reviewer's: extensions or plugins written as one mapping lost their options; a quoted
    # "INHERIT": key hid the parent from the stamp; !ENV in hooks, custom_dir or the nav crashed
    # or looked in the tree; `theme: material` was a traceback; a relative custom_dir was read
    # from the current folder.
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.setenv("GAZETTE_NOW", NOW)
    config = sample.root / "mkdocs.yml"
    text = config.read_text()
    tree = sample.root.parent / "arbre"
    if case == "mappings":
        text = text.replace("markdown_extensions:\n  - admonition\n  - attr_list\n  - toc:\n      permalink: true\n",
                            "markdown_extensions: {admonition: {}, attr_list: null, toc: {permalink: '#', title: Sommaire}}\n")
        start = text.index("plugins:\n")
        end = text.index("\n", text.index("- gazette", start)) + 1
        text = text[:start] + "plugins: {search: {lang: fr}, gazette: {}}\n" + text[end:]
        config.write_text(text)
        assert sample.gazette("site", "tree", "--tree", str(tree)).exit_code == 0
        written = (tree / "mkdocs.yml").read_text()
        assert "title: Sommaire" in written and "lang: fr" in written and "gazette:" not in written.split("extra:")[0]
    elif case == "quoted-inherit":
        sample.write("base.yml", "copyright: Première\n")
        config.write_text('"INHERIT" : base.yml\n' + text)
        assert sample.gazette("site", "tree", "--tree", str(tree)).exit_code == 0
        sample.write("base.yml", "copyright: Seconde\n")
        assert sample.gazette("site", "tree", "--tree", str(tree)).exit_code == 0
        assert "Seconde" in (tree / "mkdocs.yml").read_text()
    elif case == "tagged-paths":
        monkeypatch.setenv("GZ_HOOK", "hooks/h.py")
        sample.write("hooks/h.py", "def on_post_page(output, page, config):\n"
                                   "    return output.replace('</body>', '<!-- crochet -->\\n</body>')\n")
        sample.write("surcouche/.keep", "")
        text = text.replace("  name: material\n", "  name: material\n  custom_dir: !ENV [GZ_NONE, surcouche]\n", 1)
        text = text.replace("  - Charte: charte.md\n", "  - Charte: !ENV [GZ_CHARTE, charte.md]\n", 1)
        config.write_text(text + "hooks:\n  - !ENV [GZ_HOOK, hooks/autre.py]\n")
        from mkdocs.commands.build import build
        from mkdocs.config import load_config

        build(load_config(str(config)))
        page = (sample.root / "site/charte/index.html").read_text(encoding="utf-8")
        assert "<!-- crochet -->" in page
        assert str((sample.root / "surcouche").resolve()) in (sample.root / ".gazette/public/mkdocs.yml").read_text()
    else:
        text = text[:text.index("theme:\n")] + "theme: material\n" + text[text.index("extra_css:\n"):]
        config.write_text(text)
        done = sample.gazette("site", "tree", "--tree", str(tree))
        assert done.exit_code == 0 and "Traceback" not in done.output, done.output


def test_cache_files_that_cannot_be_written_cost_speed_not_the_build(sample, monkeypatch):
    """A reviewer's: a folder in the place of pages.marshal or sanitized.marshal stopped
    `site build` (exit 2, naming a .tmp file). Those files only serve the next build."""
    from gazette.site import finish as publicfinish
    from gazette.site.tree import build_site

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    build_site(sample.root, "mkdocs", now_text=NOW)
    site = sample.root / "site"
    first = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    tree = sample.root / ".gazette/public"
    for name in (PAGES_FILE, publicfinish.CACHE_NAME):
        (tree / name).unlink()
        (tree / name).mkdir()
    sample.post("nouveau", front="title: Nouveau billet\ndate: 2026-10-02T12:30:00+02:00\nstatus: published\n",
                body="Texte.\n")  # the tree is written again, pages file included
    build_site(sample.root, "mkdocs", now_text=NOW)
    again = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert (site / "posts/2026/nouveau/index.html").is_file() and set(first) < set(again)
    assert not list(tree.glob("*.tmp"))
