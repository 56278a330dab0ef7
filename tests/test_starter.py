"""gazette init and gazette upgrade: a new community that passes check and builds, and later template versions."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gazette.cli import cli
from gazette.starter import DISTRIBUTION, init, requirement, upgrade
from gazette.starter.history import VERSIONS

NOW = "2026-11-23T12:00:00+01:00"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=t@example.org", *args], cwd=root,
                          check=True, capture_output=True, text=True).stdout


def test_init_makes_a_community_that_passes_check(tmp_path):
    target = tmp_path / "jardin"
    result = run("init", str(target), "--name", "Les Amis du Jardin d'Été", "--sample")
    assert result.exit_code == 0, result.output
    assert "first commit" in result.output
    for path in ("content/index.md", "content/charte.md", "content/netiquette.md", "content/.authors.yml",
                 "calendar/channels.yml", "mkdocs.yml", ".gitignore", "README.md", ".copier-answers.yml",
                 ".github/workflows/review.yml", ".github/workflows/publish.yml", "templates/README.md",
                 "content/posts/2026/bienvenue.md"):
        assert (target / path).is_file(), path
    assert "Les Amis du Jardin d'Été" in (target / "content/netiquette.md").read_text()
    assert "Nétiquette" in (target / "content/netiquette.md").read_text()
    # One commit holding every file; nothing left over.
    assert git(target, "log", "--format=%s").strip() == "New community: Les Amis du Jardin d'Été (gazette init)"
    assert git(target, "status", "--porcelain") == ""
    checked = run("check", "--repo", str(target), "--now", NOW)
    assert checked.exit_code == 0, checked.output
    assert "2 items, 0 errors, 0 warnings" in checked.output


def test_workflows_install_exactly_the_gazette_that_made_them(tmp_path):
    init(tmp_path / "c", name="C", gazette_version="0.1.0")
    pin = f"{DISTRIBUTION} @ git+https://github.com/gazette-editorial/gazette@v0.1.0"
    assert requirement("0.1.0") == pin
    for name in ("review.yml", "publish.yml"):
        text = (tmp_path / "c/.github/workflows" / name).read_text()
        assert f'pip install "{pin}"' in text
        assert "${{ github." in text  # GitHub's own expressions survive the template engine
    answers = (tmp_path / "c/.copier-answers.yml").read_text()
    assert "_commit: v0.1.0" in answers and "_src_path: .gazette/template" in answers


def test_init_in_english(tmp_path):
    result = run("init", str(tmp_path / "en"), "--name", "Garden Friends", "--language", "en",
                 "--timezone", "America/Montreal", "--site-url", "https://garden.example.org")
    assert result.exit_code == 0, result.output
    assert "# Netiquette" in (tmp_path / "en/content/netiquette.md").read_text()
    mkdocs = (tmp_path / "en/mkdocs.yml").read_text()
    assert "language: en" in mkdocs and "site_url: 'https://garden.example.org/'" in mkdocs
    assert "timezone: 'America/Montreal'" in (tmp_path / "en/calendar/channels.yml").read_text()
    assert run("check", "--repo", str(tmp_path / "en"), "--now", NOW).exit_code == 0


def test_init_refuses_a_folder_with_files_and_force_never_overwrites(tmp_path):
    target = tmp_path / "existing"
    target.mkdir()
    (target / "README.md").write_text("my own readme\n")
    refused = run("init", str(target))
    assert refused.exit_code == 2
    assert "not empty" in refused.output
    assert sorted(p.name for p in target.iterdir()) == ["README.md"]

    forced = run("init", str(target), "--force")
    assert forced.exit_code == 0, forced.output
    assert "kept README.md" in forced.output
    assert (target / "README.md").read_text() == "my own readme\n"
    assert (target / "content/index.md").is_file()
    # The person's file is not swept into Gazette's commit.
    assert "README.md" not in git(target, "show", "--name-only", "--format=", "HEAD").split()


@pytest.mark.parametrize("args, message", [
    (["--timezone", "Europe/Lyon"], "unknown time zone"),
    (["--site-url", "javascript:alert(1)"], "not an http(s) address"),
    (["--name", "a\nb"], "on one line"),
    (["--name", 'Le "Club"'], '--name: " would break the site'),
    (["--name", "Club <b>"], "< > would break the site"),
])
def test_init_refuses_bad_answers_before_writing(tmp_path, args, message):
    result = run("init", str(tmp_path / "x"), *args)
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "x/content").exists()


@pytest.mark.slow
def test_init_then_mkdocs_build_strict(tmp_path):
    target = tmp_path / "site-test"
    init(target, name="L'Atelier Vélo & Cie", sample=True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"], cwd=target, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    home = (target / "site/index.html").read_text()
    assert "Vélo &amp; Cie" in home
    assert 'aria-label="L\'Atelier Vélo & Cie"' in home  # the YAML quoting gives the theme the literal name
    assert (target / "site/netiquette/index.html").is_file()


# -- upgrade ------------------------------------------------------------------------------------

OLD_RULE = "4. **Vérifiez avant de partager.** En cas de doute, demandez."


def older_versions(tmp_path: Path) -> tuple[Path, Path]:
    """Template history as a later release sees it: an older 0.0.9 and today's version."""
    only_old, both = tmp_path / "only-old", tmp_path / "both"
    current = max(VERSIONS.iterdir(), key=lambda p: tuple(int(x) for x in p.name.split(".")))
    for folder in (only_old, both):
        shutil.copytree(current, folder / "0.0.9")
        old = folder / "0.0.9/template"
        netiquette = old / "content/netiquette.md.jinja"
        netiquette.write_text(netiquette.read_text().replace(OLD_RULE, "4. **Vérifiez.**"))
        for workflow in (old / ".github/workflows").iterdir():
            workflow.write_text(workflow.read_text().replace("actions/setup-python@v5", "actions/setup-python@v4"))
    shutil.copytree(current, both / current.name)
    return only_old, both


def test_upgrade_brings_the_new_template_and_marks_conflicts(tmp_path):
    only_old, both = older_versions(tmp_path)
    root = tmp_path / "c"
    made = init(root, name="Club", folder=only_old, gazette_version="0.0.9")
    assert made.version == "0.0.9"
    assert "setup-python@v4" in (root / ".github/workflows/review.yml").read_text()
    # The community changed the very rule the template improves, and its charter elsewhere.
    netiquette = root / "content/netiquette.md"
    netiquette.write_text(netiquette.read_text().replace("4. **Vérifiez.**", "4. **Vérifiez vos sources.**"))
    charte = root / "content/charte.md"
    charte.write_text(charte.read_text() + "\nNotre ajout.\n")
    git(root, "commit", "-qam", "our wording")

    result = upgrade(root, folder=both, gazette_version="0.1.0")
    assert (result.old, result.new) == ("0.0.9", "0.1.0")
    assert result.conflicts == ["content/netiquette.md"]
    text = netiquette.read_text()
    assert "<<<<<<< " in text and "Vérifiez vos sources." in text and OLD_RULE in text
    review = (root / ".github/workflows/review.yml").read_text()
    assert "setup-python@v5" in review and "@v0.1.0" in review
    assert "Notre ajout." in charte.read_text()  # the community's own change is kept
    assert "_commit: v0.1.0" in (root / ".copier-answers.yml").read_text()
    assert git(root, "log", "--format=%s").count("\n") == 2  # nothing committed by upgrade
    checked = run("check", "--repo", str(root), "--now", NOW)  # the markers must not be published
    assert checked.exit_code == 1 and "content/netiquette.md:" in checked.output
    assert "file/conflict-marker" in checked.output


def test_upgrade_without_conflicts_passes_check_and_cli_says_what_changed(tmp_path, monkeypatch):
    only_old, both = older_versions(tmp_path)
    root = tmp_path / "c"
    init(root, name="Club", folder=only_old, gazette_version="0.0.9")
    monkeypatch.setattr("gazette.starter.VERSIONS", both)
    monkeypatch.setattr("gazette.starter.installed_version", lambda: "0.1.0")
    result = run("upgrade", "--repo", str(root), "--now", NOW)
    assert result.exit_code == 0, result.output
    assert "template 0.0.9 -> 0.1.0" in result.output
    assert "M .github/workflows/review.yml" in result.output
    assert OLD_RULE in (root / "content/netiquette.md").read_text()
    git(root, "commit", "-qam", "upgrade")
    assert run("check", "--repo", str(root), "--now", NOW).exit_code == 0
    again = run("upgrade", "--repo", str(root), "--now", NOW)
    assert again.exit_code == 0 and "nothing to change" in again.output


def test_upgrade_refuses_uncommitted_changes_and_foreign_repositories(tmp_path, repo):
    root = tmp_path / "c"
    init(root, name="Club")
    (root / "content/index.md").write_text("changed\n")
    dirty = run("upgrade", "--repo", str(root), "--now", NOW)
    assert dirty.exit_code == 2 and "uncommitted changes" in dirty.output
    assert (root / "content/index.md").read_text() == "changed\n"
    foreign = run("upgrade", "--repo", str(repo.root), "--now", NOW)
    assert foreign.exit_code == 2 and ".copier-answers.yml not found" in foreign.output


@pytest.mark.slow
def test_the_wheel_ships_every_template_file(tmp_path):
    """Package-data globs skip dotfiles (.gitignore, .github/) unless named: a missing one would
    make `gazette init` from an installed Gazette write a community without its workflows."""
    import zipfile

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                           "-w", str(tmp_path), str(root)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("gazette_editorial-*.whl")
    shipped = {name for name in zipfile.ZipFile(wheel).namelist() if "/starter/versions/" in name}
    expected = {"gazette/" + path.relative_to(root / "src/gazette").as_posix()
                for path in VERSIONS.rglob("*") if path.is_file() and "__pycache__" not in path.parts}
    assert expected and expected <= shipped


@pytest.mark.slow
def test_after_upgrade_the_site_still_builds(tmp_path):
    only_old, both = older_versions(tmp_path)
    root = tmp_path / "c"
    init(root, name="Club", folder=only_old, gazette_version="0.0.9", sample=True)
    result = upgrade(root, folder=both, gazette_version="0.1.0")
    assert result.changed and not result.conflicts
    git(root, "commit", "-qam", "upgrade")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"], cwd=root,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Vérifiez avant de partager" in (root / "site/netiquette/index.html").read_text()


def test_init_inside_another_repository_makes_its_own(tmp_path):
    agency = tmp_path / "agency"
    agency.mkdir()
    git(agency, "init", "-q", "-b", "main")
    git(agency, "commit", "-q", "--allow-empty", "-m", "agency")
    init(agency / "client", name="Client")
    assert (agency / "client/.git").is_dir()
    assert git(agency, "log", "--format=%s").strip() == "agency"
    assert git(agency / "client", "log", "--format=%s").strip() == "New community: Client (gazette init)"


def test_upgrade_works_where_the_gitignore_forgot_the_state_folder(tmp_path):
    only_old, both = older_versions(tmp_path)
    root = tmp_path / "c"
    init(root, name="Club", folder=only_old, gazette_version="0.0.9")
    (root / ".gitignore").write_text("site/\n")
    git(root, "commit", "-qam", "our own ignore list")
    shutil.rmtree(root / ".gazette")
    result = upgrade(root, folder=both, gazette_version="0.1.0")
    assert ".github/workflows/review.yml" in result.changed
    assert not any(path.startswith(".gazette") for path in result.changed)


def test_a_failed_init_leaves_nothing_behind_and_a_rerun_works(tmp_path, monkeypatch):
    real_git = shutil.which("git")
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    (bin_folder / "git").write_text('#!/bin/sh\nfor arg in "$@"; do if [ "$arg" = commit-tree ]; then '
                                    'echo "fatal: No space left on device" >&2; exit 128; fi; done\n'
                                    f'exec {real_git} "$@"\n')
    (bin_folder / "git").chmod(0o755)
    path = os.environ["PATH"]
    monkeypatch.setenv("PATH", f"{bin_folder}{os.pathsep}{path}")
    fresh = tmp_path / "agence/club"
    failed = run("init", str(fresh))
    assert failed.exit_code == 2 and "No space left on device" in failed.output
    assert not fresh.exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("à moi\n")
    failed = run("init", str(mine), "--force")
    assert failed.exit_code == 2
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]  # no .gazette/, .github/, .git/ left

    monkeypatch.setenv("PATH", path)
    again = run("init", str(mine), "--force")
    assert again.exit_code == 0, again.output
    assert run("check", "--repo", str(mine), "--now", NOW).exit_code == 0
