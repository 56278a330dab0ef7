"""gazette site build --tree: the tree is written over its folder and site/ is replaced from
it, so a folder holding anything else is refused before a byte is written; and the site
commands' own lines are translatable."""

from __future__ import annotations

import pytest

NOW = "2026-11-23T12:00:00+01:00"


class Marked:
    """A French catalog that brackets every message: what reaches the output unbracketed
    never went through ``_()``, whatever the real catalog holds today."""

    def gettext(self, message):
        return f"⟦{message}⟧"

    def ngettext(self, singular, plural, n):
        return f"⟦{singular if n == 1 else plural}⟧"


@pytest.fixture
def marked(monkeypatch):
    from gazette import i18n

    monkeypatch.setitem(i18n._catalogs, "fr", Marked())


def snapshot(folder):
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("where", [".", "..", "content/posts", "site/public", "mkdocs.yml", "calendar/pub",
                                   "community/people/pub"])
def test_a_tree_over_the_repository_or_inside_content_or_site_is_refused_untouched(sample, where):
    before = snapshot(sample.root)
    result = sample.gazette("site", "build", "--tree", str(sample.root / where))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "--tree" in result.output
    assert snapshot(sample.root) == before
    assert not (sample.root / "site").exists() and not (sample.root / "docs").exists()


def test_a_folder_with_other_files_is_refused_and_a_system_refusal_is_said(sample, tmp_path):
    papers = tmp_path / "papiers"
    papers.mkdir()
    (papers / "notes.txt").write_text("à garder\n")
    result = sample.gazette("site", "build", "--tree", str(papers))
    assert result.exit_code == 2 and "no earlier public tree" in result.output, result.output
    assert [p.name for p in papers.iterdir()] == ["notes.txt"]
    proc = sample.gazette("site", "build", "--tree", "/proc")
    assert proc.exit_code == 2 and "Traceback" not in proc.output, proc.output
    under_a_file = sample.gazette("site", "build", "--tree", str(papers / "notes.txt" / "arbre"))
    assert under_a_file.exit_code == 2 and "--tree" in under_a_file.output, under_a_file.output


def test_site_check_and_ping_usage_errors_are_translatable(sample, marked):
    check = sample.gazette("--lang", "fr", "site", "check")
    assert check.exit_code == 2 and "⟦{folder}: no built site here" not in check.output
    assert "no built site here; run mkdocs build (or gazette site build) first⟧" in check.output, check.output
    ping = sample.gazette("--lang", "fr", "site", "ping", "ftp://exemple.org")
    assert ping.exit_code == 2 and "ftp://exemple.org: give an http:// or https:// URL⟧" in ping.output, ping.output


@pytest.mark.slow
def test_a_new_folder_takes_the_tree_and_takes_it_again(sample, tmp_path, marked, monkeypatch):
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    tree = tmp_path / "arbre"
    first = sample.gazette("--lang", "fr", "site", "build", "--tree", str(tree))
    assert first.exit_code == 0, first.output
    assert "⟦site/: {pages}, {files} with {engine}" not in first.output  # filled after translation
    assert "pages⟧, ⟦" in first.output and "files⟧ with mkdocs" in first.output, first.output
    assert (tree / "docs").is_dir() and (sample.root / "site/index.html").is_file()
    again = sample.gazette("site", "build", "--tree", str(tree))
    assert again.exit_code == 0, again.output


def test_the_zensical_hint_names_the_distribution_people_install(sample, monkeypatch):
    from gazette.site import tree as publictree

    monkeypatch.setattr(publictree.shutil, "which", lambda name: None)
    monkeypatch.setattr(publictree.os.path, "exists", lambda path: False)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    result = sample.gazette("site", "build", "--engine", "zensical")
    assert result.exit_code == 2 and "pip install 'gazette-editorial[zensical]'" in result.output, result.output
    help_text = "".join(sample.gazette("site", "build", "--help").output.split())  # however click wraps it
    assert "pipinstall'gazette-editorial[zensical]'" in help_text
