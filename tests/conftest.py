"""Fixture repositories built in tmp_path, and the sample community."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-23T12:00:00+01:00"

CHANNELS = """\
timezone: Europe/Paris
channels:
  site: {network: site}
  mastodon: {network: mastodon, limit: 500, slots: ["Tue 12:30"]}
  newsletter: {network: newsletter}
"""
AUTHORS = "authors:\n  camille: {name: Camille Roux}\n"
CAMPAIGN = "name: Automne\nfrom: 2026-09-01T00:00:00+02:00\nto: 2026-11-30T00:00:00+01:00\n"


class FixtureRepo:
    """A small community repository: write files, run the CLI, run git."""

    def __init__(self, root: Path):
        self.root = root

    def write(self, relpath: str, text: str | bytes) -> Path:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def post(self, slug: str, front: str = "", body: str = "Texte.\n", year: int = 2026,
             kind: str = "posts") -> str:
        relpath = f"content/{kind}/{year}/{slug}.md"
        head = front or f"title: {slug}\ndate: {year}-10-06T12:30:00+02:00\nstatus: published\n"
        self.write(relpath, f"---\n{head}---\n\n{body}")
        return relpath

    def gazette(self, *args: str, now: str = NOW):
        from gazette.cli import cli

        # Options last: they then belong to the innermost command ("calendar diff", "slot next").
        return CliRunner().invoke(cli, [*args, "--repo", str(self.root), "--now", now] if args else ["--help"],
                                  catch_exceptions=False)

    def git(self, *args: str) -> str:
        return subprocess.run(["git", *args], cwd=self.root, check=True, capture_output=True,
                              text=True).stdout

    def commit_all(self, message: str = "change") -> None:
        self.git("add", "-A")
        self.git("-c", "user.name=Test", "-c", "user.email=test@example.org", "commit", "-q", "-m", message)


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """Messages in English unless a test asks for another language (the machine's locale never
    decides what a test asserts); subprocesses inherit it through the environment."""
    from gazette import i18n

    for name in i18n.ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    i18n.set_language(None)
    yield
    i18n.set_language(None)


@pytest.fixture
def french(monkeypatch):
    """The library speaks French, as ``--lang fr`` makes it."""
    from gazette import i18n

    i18n.set_language("fr")
    yield
    i18n.set_language(None)


@pytest.fixture(autouse=True)
def own_cache_dir(tmp_path, monkeypatch):
    """Each test its own parse cache: no cross-talk, nothing left in ~/.cache."""
    monkeypatch.setenv("GAZETTE_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def repo(tmp_path) -> FixtureRepo:
    fixture = FixtureRepo(tmp_path / "community")
    fixture.write("calendar/channels.yml", CHANNELS)
    fixture.write("content/.authors.yml", AUTHORS)
    fixture.write("calendar/campaigns/automne-2026.yml", CAMPAIGN)
    fixture.write("content/index.md", "---\ntitle: Accueil\n---\n\nBienvenue.\n")
    return fixture


@pytest.fixture
def git_repo(repo) -> FixtureRepo:
    repo.git("init", "-q", "-b", "main")
    repo.commit_all("start")
    return repo


@pytest.fixture
def sample(tmp_path) -> FixtureRepo:
    """A copy of the bundled French sample community."""
    target = tmp_path / "sample"
    target.mkdir()
    for folder in ("content", "calendar", "templates", "community"):
        shutil.copytree(ROOT / folder, target / folder)
    shutil.copy(ROOT / "mkdocs.yml", target / "mkdocs.yml")  # site_url: what {url} in channel texts becomes
    return FixtureRepo(target)
