"""gazette import wordpress|material|hugo on real-shaped exports written for these tests."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from gazette.cli import cli
from gazette.starter import init

NOW = "2026-11-23T12:00:00+01:00"
WXR = Path(__file__).parent / "imports/wordpress.xml"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def community(tmp_path) -> Path:
    init(tmp_path / "jardin", name="Le Jardin", site_url="https://jardin.example.org/")
    return tmp_path / "jardin"


def test_wordpress_export_lands_in_year_folders_with_dates_statuses_and_a_report(community, tmp_path):
    uploads = tmp_path / "uploads/2025/09"
    uploads.mkdir(parents=True)
    (uploads / "Tomates-Panier.JPG").write_bytes(b"\xff\xd8\xff fake jpeg")
    result = run("import", "wordpress", str(WXR), "--media", str(tmp_path / "uploads"),
                 "--repo", str(community), "--now", NOW)
    posts = community / "content/posts"
    tomatoes = (posts / "2025/les-tomates-de-lete.md").read_text()
    # Non-ASCII slug made ASCII; the GMT date shown in the community's zone; categories, tags, author.
    assert "date: 2025-09-08T10:30:00+02:00\nstatus: published\nauthors: [marie]\n" in tomatoes
    assert "categories: [Potager]\ntags: [tomates, été]\n" in tomatoes
    assert "image: {src: tomates-panier.jpg, alt: Un panier de tomates mûres}" in tomatoes
    assert (posts / "2025/tomates-panier.jpg").read_bytes() == b"\xff\xd8\xff fake jpeg"
    assert "## Ce qui a marché\n\n- Le paillage" in tomatoes and "**tomates**" in tomatoes
    assert "Cette année" in tomatoes and "\n\nMerci à toutes" in tomatoes  # blank-line paragraphs kept
    assert "alert" not in tomatoes and "iframe" not in tomatoes and "wp:paragraph" not in tomatoes
    assert "status: draft" in (posts / "2025/atelier-compost-brouillon.md").read_text()
    scheduled = (posts / "2026/fete-des-recoltes.md").read_text()
    assert "date: 2026-12-05T09:00:00+01:00\nstatus: approved" in scheduled
    assert "(../2025/les-tomates-de-lete.md)" in scheduled  # a link between imported posts follows the move
    assert (community / "content/nous-trouver.md").read_text().startswith("---\ntitle: Nous trouver\n---")
    assert not list(community.rglob("vieux-billet*"))
    authors = (community / "content/.authors.yml").read_text()
    assert "  marie:\n    name: Marie Dupré\n" in authors and "example.org" not in authors  # no e-mail
    mkdocs = (community / "mkdocs.yml").read_text()
    assert ("  - redirects:\n      redirect_maps:\n        2025/09/les-tomates-de-lété.md: "
            "https://jardin.example.org/posts/2025/les-tomates-de-lete/\n") in mkdocs
    # The report: what was not carried, and the one thing gazette check wants from a person.
    assert "status 'trash'" in result.output and "'nav_menu_item'" in result.output
    assert "1 <script> dropped" in result.output and "[gallery]" in result.output
    assert "1 comments not imported (pass --comments" in result.output
    assert result.output.strip().splitlines()[-1].startswith(
        "content/posts/2025/les-tomates-de-lete.md:19: ref/site-url https://jardin.example.org/2025/05/semis/")
    assert result.exit_code == 1
    # Once a person fixes that link, the repository passes check.
    path = posts / "2025/les-tomates-de-lete.md"
    path.write_text(path.read_text().replace("https://jardin.example.org/2025/05/semis/", "https://example.net/"))
    checked = run("check", "--repo", str(community), "--now", NOW)
    assert checked.exit_code == 0, checked.output


def test_wordpress_comments_go_to_the_state_folder_and_can_be_forgotten(community):
    result = run("import", "wordpress", str(WXR), "--comments", "--repo", str(community), "--now", NOW,
                 "--format", "json")
    report = json.loads(result.output)
    assert report["comments"] == 1
    queue = community / ".gazette/imports/wordpress-comments.jsonl"
    rows = [json.loads(line) for line in queue.read_text().splitlines()]
    assert rows == [{"id": "7", "author": "Lucie", "text": "Bravo, et merci pour les graines !",
                     "date": "2025-09-08T12:00:00+02:00", "approved": True,
                     "item": "content/posts/2025/les-tomates-de-lete.md"}]  # spam left out, no e-mail
    assert "Lucie" not in "".join(p.read_text() for p in (community / "content").rglob("*.md"))
    moderated = run("moderate", str(queue), "--repo", str(community), "--now", NOW)
    assert moderated.exit_code == 0, moderated.output  # the queue is in the format moderate reads

    (community / "content/posts/2025/les-tomates-de-lete.md").unlink()  # imported again, with its comments
    run("import", "wordpress", str(WXR), "--comments", "--repo", str(community), "--now", NOW)
    assert len(queue.read_text().splitlines()) == 1  # queued once, however often the export is imported

    from gazette.importers import forget
    from gazette.state import connect

    connection = connect(community)
    assert forget(connection, "lucie") == ["1 imported comment in wordpress-comments.jsonl"]
    assert queue.read_text() == ""


def test_importing_twice_overwrites_nothing(community):
    run("import", "wordpress", str(WXR), "--repo", str(community), "--now", NOW)
    path = community / "content/posts/2025/atelier-compost-brouillon.md"
    path.write_text(path.read_text() + "Ajout.\n")
    again = run("import", "wordpress", str(WXR), "--repo", str(community), "--now", NOW)
    assert "already exists; kept as it was" in again.output
    assert path.read_text().endswith("Ajout.\n")


def test_hostile_xml_is_refused_without_expanding(community, tmp_path):
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
                    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<rss><channel>&b;</channel></rss>\n')
    result = run("import", "wordpress", str(bomb), "--repo", str(community), "--now", NOW)
    assert result.exit_code == 2 and "refused" in result.output
    broken = tmp_path / "broken.xml"
    broken.write_text("<rss><channel><item>\n</rss>")
    result = run("import", "wordpress", str(broken), "--repo", str(community), "--now", NOW)
    assert result.exit_code == 2 and "broken.xml:2: not a readable XML export" in result.output


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_material_blog(community, tmp_path):
    blog = tmp_path / "old-site/docs/blog"
    write(blog / ".authors.yml", "authors:\n  sam: {name: Sam Petit, description: Jardinier}\n")
    write(blog / "posts/semis.md", "---\ndate:\n  created: 2024-03-02\n  updated: 2024-03-05\nauthors: [sam]\n"
          "categories: [Potager]\nslug: semis-de-printemps\n---\n\n# Semis de printemps\n\nIntro.\n\n"
          "<!-- more -->\n\nLa suite.\n")
    write(blog / "posts/brouillon.md", "---\ndate: 2024-04-01T10:00:00+00:00\ndraft: true\ntitle: Plus tard\n---\n\nTexte.\n")
    write(blog / "posts/bad.md", "---\na: &x [1]\nb: *x\n---\n\nTexte.\n")
    result = run("import", "material", str(tmp_path / "old-site"), "--repo", str(community), "--now", NOW)
    assert result.exit_code == 0, result.output
    post = (community / "content/posts/2024/semis-de-printemps.md").read_text()
    assert post.startswith("---\ntitle: Semis de printemps\ndate: 2024-03-02T09:00:00+01:00\nstatus: published\n"
                           "authors: [sam]\ncategories: [Potager]\n---\n")
    assert "<!-- more -->" not in post
    assert "status: draft" in (community / "content/posts/2024/plus-tard.md").read_text()
    assert "blog/2024/03/02/semis-de-printemps.md: https://jardin.example.org/posts/2024/semis-de-printemps/" in \
        (community / "mkdocs.yml").read_text()
    assert "posts/bad.md: YAML front matter uses an alias" in result.output
    assert "'updated' date not carried" in result.output
    assert "  sam:\n    name: Sam Petit\n" in (community / "content/.authors.yml").read_text()


def test_hugo_site_with_toml_and_yaml(community, tmp_path):
    site = tmp_path / "hugo"
    write(site / "content/posts/premier.md", '+++\ntitle = "Premier billet"\ndate = 2023-05-04T08:00:00Z\n'
          'tags = ["début"]\naliases = ["/old/premier.html"]\nauthor = "Zoé Martin"\n+++\n\n'
          'Bonjour. {{< youtube abc >}}\n')
    write(site / "content/posts/second/index.md", "---\ntitle: Second\ndate: 2023-06-01\ndraft: true\n---\n\nTexte.\n")
    write(site / "content/posts/_index.md", "---\ntitle: Posts\n---\n")
    write(site / "content/posts/cassé.md", "+++\ntitle = \n+++\n")
    result = run("import", "hugo", str(site), "--repo", str(community), "--now", NOW)
    first = (community / "content/posts/2023/premier.md").read_text()
    assert "date: 2023-05-04T10:00:00+02:00\nstatus: published\nauthors: [zoe-martin]\ntags: [début]\n" in first
    assert "status: draft" in (community / "content/posts/2023/second.md").read_text()
    redirects = (community / "mkdocs.yml").read_text()
    assert "old/premier.md: https://jardin.example.org/posts/2023/premier/" in redirects
    assert "\n        posts/premier.md: https://jardin.example.org/posts/2023/premier/" in redirects  # Hugo's permalink
    assert "shortcodes left as text: youtube" in result.output
    assert "cassé.md: TOML front matter" in result.output
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_imported_site_builds_with_its_redirects(community, tmp_path):
    import os
    import subprocess
    import sys

    blog = tmp_path / "old/docs/blog"
    write(blog / "posts/semis.md", "---\ndate: 2024-03-02\n---\n\n# Semis\n\nTexte.\n")
    assert run("import", "material", str(tmp_path / "old"), "--repo", str(community), "--now", NOW).exit_code == 0
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"], cwd=community,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    page = (community / "site/blog/2024/03/02/semis/index.html").read_text()
    assert 'url=https://jardin.example.org/posts/2024/semis/' in page


def wxr(*items: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">\n'
            '<channel>\n<title>Vieux</title>\n' + "\n".join(items) + "\n</channel>\n</rss>\n")


def wxr_item(post_id: int, title: str, slug: str, *, kind: str = "post", gmt: str = "2025-03-01 10:00:00",
             local: str = "2025-03-01 11:00:00", link: str = "") -> str:
    return (f"<item><title>{title}</title><link>{link}</link>"
            f"<content:encoded><![CDATA[<p>Texte.</p>]]></content:encoded>"
            f"<wp:post_id>{post_id}</wp:post_id><wp:post_date>{local}</wp:post_date>"
            f"<wp:post_date_gmt>{gmt}</wp:post_date_gmt><wp:post_name>{slug}</wp:post_name>"
            f"<wp:status>publish</wp:status><wp:post_type>{kind}</wp:post_type></item>")


def test_a_date_out_of_range_is_reported_and_the_import_goes_on(community, tmp_path):
    export = tmp_path / "dates.xml"
    export.write_text(wxr(wxr_item(1, "Bien", "bien"),
                          wxr_item(2, "Fin des temps", "fin", gmt="9999-12-31 23:59:59", local="9999-12-31 23:59:59")))
    result = run("import", "wordpress", str(export), "--repo", str(community), "--now", NOW)
    assert result.exit_code == 0, result.output
    assert (community / "content/posts/2025/bien.md").is_file()
    assert "'Fin des temps': no date, or a date out of range; not imported" in result.output
    assert not list(community.rglob("fin.md"))

    site = tmp_path / "hugo"
    write(site / "content/posts/loin.md", "+++\ntitle = \"Loin\"\ndate = 9999-12-31T23:59:59-05:00\n+++\n\nTexte.\n")
    write(site / "content/posts/proche.md", "+++\ntitle = \"Proche\"\ndate = 2024-01-02T10:00:00Z\n+++\n\nTexte.\n")
    result = run("import", "hugo", str(site), "--repo", str(community), "--now", NOW)
    assert result.exit_code == 0, result.output
    assert (community / "content/posts/2024/proche.md").is_file()
    assert "posts/loin.md: no date, or a date out of range; not imported" in result.output


def test_an_old_address_never_turns_one_of_the_sites_own_pages_into_a_redirect(community, tmp_path):
    charter = (community / "content/charte.md").read_text()
    export = tmp_path / "pages.xml"
    export.write_text(wxr(wxr_item(1, "Notre charte", "notre-charte", kind="page", link="https://old.example/charte/"),
                          wxr_item(2, "Écrire", "ecrire", kind="page", link="https://old.example/contact/"),
                          wxr_item(3, "Vieux", "vieux", link="https://old.example/archives/2019/")))
    result = run("import", "wordpress", str(export), "--repo", str(community), "--now", NOW)
    assert result.exit_code == 0, result.output
    mkdocs = (community / "mkdocs.yml").read_text()
    assert "charte.md:" not in mkdocs and "contact.md:" not in mkdocs and "archives/2019.md" not in mkdocs
    assert "https://old.example/charte/ is the site's own page charte/; no redirect written" in result.output
    assert "https://old.example/contact/ is the site's own page contact/" in result.output
    assert (community / "content/charte.md").read_text() == charter

    site = tmp_path / "hugo"
    write(site / "content/posts/charte.md", '---\ntitle: Charte\ndate: 2024-01-02\nurl: "/charte/"\n---\n\nTexte.\n')
    write(site / "content/posts/ailleurs.md", '---\ntitle: Ailleurs\ndate: 2024-01-02\nurl: "/ailleurs/"\n---\n\nT.\n')
    result = run("import", "hugo", str(site), "--repo", str(community), "--now", NOW)
    assert result.exit_code == 0, result.output
    mkdocs = (community / "mkdocs.yml").read_text()
    assert "\n        charte.md:" not in mkdocs and "ailleurs.md: https://jardin.example.org/posts/2024/ailleurs/" in mkdocs
    assert "/charte/ is the site's own page charte/" in result.output


def test_symbolic_links_in_a_hugo_or_material_source_are_reported_not_followed(community, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text("---\ntitle: Secret\ndate: 2024-01-02\n---\n\nSECRET\n")
    site = tmp_path / "hugo"
    write(site / "content/posts/vrai.md", "---\ntitle: Vrai\ndate: 2024-01-02\n---\n\nTexte.\n")
    (site / "content/posts/lien.md").symlink_to(outside)
    (site / "content/posts/dossier").symlink_to(tmp_path)
    result = run("import", "hugo", str(site), "--repo", str(community), "--now", NOW)
    assert result.exit_code == 0, result.output
    assert "posts/lien.md: a symbolic link; links are not followed, not imported" in result.output
    assert "posts/dossier: a symbolic link" in result.output
    assert "SECRET" not in "".join(p.read_text() for p in (community / "content").rglob("*.md"))

    blog = tmp_path / "material/docs/blog"
    write(blog / "posts/vrai.md", "---\ndate: 2024-03-02\n---\n\n# Vrai aussi\n\nTexte.\n")
    (blog / "posts/lien.md").symlink_to(outside)
    result = run("import", "material", str(tmp_path / "material"), "--repo", str(community), "--now", NOW)
    assert "posts/lien.md: a symbolic link; links are not followed, not imported" in result.output


def test_media_copies_only_photos_and_lists_what_it_does_not_carry(community, tmp_path):
    def attachment(post_id: int, url: str) -> str:
        return (f"<item><title>f{post_id}</title><wp:post_id>{post_id}</wp:post_id>"
                f"<wp:post_type>attachment</wp:post_type><wp:attachment_url>{url}</wp:attachment_url></item>")

    def with_cover(item: str, attachment_id: int) -> str:
        return item.replace("</item>", f"<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>"
                                       f"<wp:meta_value>{attachment_id}</wp:meta_value></wp:postmeta></item>")

    uploads = tmp_path / "uploads/2025/03"
    uploads.mkdir(parents=True)
    for name in ("page.html", "logo.svg", "photo.jpg"):
        (uploads / name).write_text("<script>alert(1)</script>" if name != "photo.jpg" else "jpeg")
    base = "https://old.example/wp-content/uploads/2025/03/"
    export = tmp_path / "media.xml"
    export.write_text(wxr(attachment(10, base + "page.html"), attachment(11, base + "logo.svg"),
                          attachment(12, base + "photo.jpg"),
                          with_cover(wxr_item(1, "Un", "un"), 10), with_cover(wxr_item(2, "Deux", "deux"), 11),
                          with_cover(wxr_item(3, "Trois", "trois"), 12)))
    result = run("import", "wordpress", str(export), "--media", str(tmp_path / "uploads"),
                 "--repo", str(community), "--now", NOW)
    assert result.exit_code == 1 and "trois.md:5: a11y/image-alt" in result.output  # a person writes the alt
    year = community / "content/posts/2025"
    assert sorted(p.name for p in year.iterdir()) == ["deux.md", "photo.jpg", "trois.md", "un.md"]
    assert "image:" not in (year / "un.md").read_text() and "image:" not in (year / "deux.md").read_text()
    assert "image: {src: photo.jpg" in (year / "trois.md").read_text()
    assert f"featured image {base}page.html is not a photo (.png, .jpg, .jpeg, .webp, .gif): not carried" \
        in result.output
    assert f"featured image {base}logo.svg is not a photo" in result.output


class Marked:
    """A French catalog that brackets every message: what reaches the output unbracketed
    never went through ``_()``, whatever the real catalog holds today."""

    def gettext(self, message):
        return f"⟦{message}⟧"

    def ngettext(self, singular, plural, n):
        return f"⟦{singular if n == 1 else plural}⟧"


def test_the_shortcodes_note_is_translatable(community, monkeypatch):
    from gazette import i18n

    monkeypatch.setitem(i18n._catalogs, "fr", Marked())
    result = run("--lang", "fr", "import", "wordpress", str(WXR), "--repo", str(community), "--now", NOW)
    assert "⟦shortcodes left as text: [gallery]⟧" in result.output, result.output


def test_importing_again_fails_as_long_as_the_imported_files_have_errors(community):
    first = run("import", "wordpress", str(WXR), "--repo", str(community), "--now", NOW)
    assert first.exit_code == 1 and ": ref/image " in first.output
    again = run("import", "wordpress", str(WXR), "--repo", str(community), "--now", NOW)
    assert "already exists; kept as it was" in again.output
    assert again.exit_code == 1 and ": ref/image " in again.output, again.output
    path = community / "content/posts/2025/les-tomates-de-lete.md"
    text = path.read_text().replace("https://jardin.example.org/2025/05/semis/", "https://example.net/")
    path.write_text("".join(line for line in text.splitlines(keepends=True) if not line.startswith("image:")))
    fixed = run("import", "wordpress", str(WXR), "--repo", str(community), "--now", NOW)
    assert fixed.exit_code == 0, fixed.output
