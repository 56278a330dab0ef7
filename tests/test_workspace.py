"""gazette --workspace FILE: three communities, one calendar, one status, checks grouped by community."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gazette.cli import cli
from gazette.starter import init

NOW = "2026-11-28T10:00:00+01:00"


def post(root: Path, slug: str, at: str, channel_line: str = "", status: str = "approved") -> None:
    path = root / f"content/posts/2026/{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    channels = f"channels:\n  {channel_line}\n" if channel_line else ""
    path.write_text(f"---\ntitle: {slug}\ndate: {at}\nstatus: {status}\nauthors: [equipe]\n{channels}---\n\nTexte.\n")


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    """One community made by init, copied for each test (copier takes a second a run)."""
    root = tmp_path_factory.mktemp("made") / "community"
    init(root, name="Communauté")
    return root


@pytest.fixture
def workspace(tmp_path, made) -> Path:
    import shutil

    for name in ("a", "b", "c"):
        shutil.copytree(made, tmp_path / name)
    for name in ("a", "b"):
        with open(tmp_path / name / "calendar/channels.yml", "a") as handle:
            handle.write("  mastodon: {network: mastodon, owner: camille}\n")
    post(tmp_path / "a", "billet-a", "2026-12-01T12:30:00+01:00", 'mastodon: {text: "A"}')
    post(tmp_path / "b", "billet-b", "2026-12-01T12:40:00+01:00", 'mastodon: {text: "B"}')
    post(tmp_path / "b", "billet-b-tard", "2026-12-01T18:00:00+01:00", 'mastodon: {text: "B2"}')
    post(tmp_path / "c", "billet-c", "2026-12-02T09:00:00+01:00", "site: {}")
    file = tmp_path / "agence/gazette-workspace.yml"
    file.parent.mkdir()
    file.write_text("communities:\n  - {path: ../a, name: alpha, colour: '#1b5e20'}\n"
                    "  - {path: ../b, name: beta, colour: '#8e24aa'}\n  - {path: ../c, name: gamma}\n")
    return file


def run(workspace, *args):
    return CliRunner().invoke(cli, ["--workspace", str(workspace), *args, "--now", NOW], catch_exceptions=False)


def test_one_calendar_with_each_community_and_clashes_for_the_same_owner(workspace):
    result = run(workspace, "calendar")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "[alpha] publication mastodon" in lines[0] and "[beta] publication mastodon" in lines[1]
    assert any("[gamma]" in line for line in lines)
    clashes = [line for line in lines if line.startswith("CLASH")]
    assert clashes == ["CLASH camille: [alpha] content/posts/2026/billet-a.md at 2026-12-01 12:30 +01:00 and "
                       "[beta] content/posts/2026/billet-b.md at 2026-12-01 12:40 +01:00"]
    data = json.loads(run(workspace, "calendar", "--format", "json").output)
    assert {e["community"] for e in data["entries"]} == {"alpha", "beta", "gamma"}
    assert len({e["uid"] for e in data["entries"]}) == len(data["entries"])  # unique across communities
    assert [c["owner"] for c in data["clashes"]] == ["camille"]


def test_ics_has_each_community_as_a_category_and_html_its_colour(workspace, tmp_path):
    ics = run(workspace, "calendar", "--format", "ics").output
    assert "CATEGORIES:alpha\n" in ics and "CATEGORIES:beta\n" in ics and "CATEGORIES:gamma\n" in ics
    assert "UID:alpha.post.billet-a.mastodon@gazette" in ics
    html = run(workspace, "calendar", "--format", "html").output
    assert "border-left: 4px solid #8e24aa" in html and ">beta</span>" in html


def test_one_status_with_every_freeze_and_everything_due(workspace, tmp_path):
    (tmp_path / "b/calendar/freezes").mkdir()
    (tmp_path / "b/calendar/freezes/20261201-1100-panne.yml").write_text(
        "reason: Panne du site\nwho: camille\nfrom: 2026-12-01T11:00:00+01:00\n")
    result = CliRunner().invoke(cli, ["--workspace", str(workspace), "status", "--now", "2026-12-01T12:45:00+01:00"])
    assert result.exit_code == 0, result.output
    assert "[alpha] due     mastodon" in result.output
    assert "[beta] FROZEN since 2026-12-01 11:00 +01:00 by camille: Panne du site" in result.output
    assert "[gamma] nothing due" in result.output


def test_check_grouped_by_community_and_a_broken_one_does_not_hide_the_others(workspace, tmp_path):
    post(tmp_path / "b", "sans-auteur", "2026-12-03T09:00:00+01:00")
    bad = tmp_path / "b/content/posts/2026/sans-auteur.md"
    bad.write_text(bad.read_text().replace("authors: [equipe]", "authors: [inconnu]"))
    workspace.write_text(workspace.read_text() + "  - {path: ../absent, name: absent}\n")
    result = run(workspace, "check")
    assert result.exit_code == 2
    sections = result.output.split("== ")
    assert sections[1].startswith("alpha") and "0 errors" in sections[1]
    assert sections[2].startswith("beta") and "content/posts/2026/sans-auteur.md:5: ref/author" in sections[2]
    assert sections[4].startswith("absent") and "cannot be read" in sections[4]


@pytest.mark.parametrize("text, message", [
    ("communities: []\n", "expected 'communities:'"),
    ("communities:\n  - {path: a, name: 'Bad Name'}\n", "lowercase letters"),
    ("communities:\n  - {path: a, colour: 'red; background: url(x)'}\n", "write #rgb or #rrggbb"),
    ("communities:\n  - {path: a, name: x}\n  - {path: b, name: x}\n", "used twice"),
    ("communities:\n  - {path: a, name: x}\n  - {path: ./b/../a, name: y}\n", "is listed twice"),
])
def test_bad_workspace_files_are_usage_errors(tmp_path, text, message):
    file = tmp_path / "gazette-workspace.yml"
    file.write_text(text)
    result = run(file, "status")
    assert result.exit_code == 2 and message in result.output


def test_commands_without_a_workspace_view_say_so(workspace):
    result = run(workspace, "list")
    assert result.exit_code == 2
    assert "--workspace works with calendar, check, report, status, not list" in result.output


def test_status_in_a_process_pool_gives_what_one_process_gives(workspace, tmp_path, made):
    import shutil
    from datetime import datetime

    from gazette.workspace import load, status

    shutil.copytree(made, tmp_path / "d")
    workspace.write_text(workspace.read_text() + "  - {path: ../d, name: delta}\n")
    communities = load(workspace)
    now = datetime.fromisoformat("2026-12-01T12:45:00+01:00")

    def shown(results):
        return [(r.community.name, r.error, [(o.path, o.channel, o.state) for o in r.data.outcomes]) for r in results]

    pooled, inline = status(communities, now, workers=2), status(communities, now, workers=1)
    assert shown(pooled) == shown(inline)
    assert ("alpha", None, [("content/posts/2026/billet-a.md", "mastodon", "due")]) in shown(pooled)


@pytest.mark.parametrize("command", ["status", "calendar"])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_status_and_calendar_exit_2_like_check_when_a_community_cannot_be_read(workspace, command, fmt):
    workspace.write_text(workspace.read_text() + "  - {path: ../absent, name: absent}\n")
    result = run(workspace, command, "--format", fmt)
    assert result.exit_code == 2, result.output
    assert "absent" in result.output and "alpha" in result.output  # the others are still shown
    workspace.write_text("communities:\n  - {path: ../absent, name: absent}\n")
    assert run(workspace, command, "--format", fmt).exit_code == 2


def test_status_and_calendar_speak_french_with_the_single_community_labels(workspace, tmp_path):
    (tmp_path / "a/calendar/campaigns").mkdir(exist_ok=True)
    (tmp_path / "a/calendar/campaigns/noel.yml").write_text(
        "name: Noël\nfrom: 2026-12-01T00:00:00+01:00\nto: 2026-12-24T00:00:00+01:00\n")
    status = CliRunner().invoke(cli, ["--lang", "fr", "--workspace", str(workspace), "status",
                                      "--now", "2026-12-01T12:45:00+01:00"])
    assert "[alpha] dû      mastodon" in status.output, status.output
    calendar = CliRunner().invoke(cli, ["--lang", "fr", "--workspace", str(workspace), "calendar", "--now", NOW])
    assert "[alpha] campagne" in calendar.output, calendar.output
    assert " campaign " not in calendar.output
