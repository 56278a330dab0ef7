"""gazette check flags the conflict markers a merge or `gazette upgrade` leaves in a file."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from gazette.cli import cli
from gazette.starter import init

NOW = "2026-11-23T12:00:00+01:00"
CONFLICT = "<<<<<<< ours\nNotre règle.\n=======\nLa règle du modèle.\n>>>>>>> theirs\n"


def check(root: Path):
    return CliRunner().invoke(cli, ["check", "--repo", str(root), "--now", NOW], catch_exceptions=False)


def test_conflict_markers_in_content_calendar_and_community_files_are_errors(tmp_path):
    root = tmp_path / "c"
    init(root, name="Club")
    assert check(root).exit_code == 0
    post = root / "content/posts/2026/regle.md"
    post.parent.mkdir(parents=True)
    post.write_text("---\ntitle: Règle\ndate: 2026-11-20T10:00:00+01:00\nstatus: draft\n---\n\nIntro.\n\n" + CONFLICT)
    page = root / "content/netiquette.md"
    page.write_text(page.read_text() + "\n" + CONFLICT)
    channels = root / "calendar/channels.yml"
    channels.write_text(channels.read_text() + "# " + CONFLICT.replace("\n", "\n# ")[:-2])  # commented: fine
    people = root / "community/people/ana.yml"
    people.parent.mkdir(parents=True)
    people.write_text('name: "Ana"\nkind: blogger\n' + CONFLICT.replace("Notre règle.", "stage: engaged")
                      .replace("La règle du modèle.", "stage: contacted"))
    result = check(root)
    assert result.exit_code == 1, result.output
    assert "content/posts/2026/regle.md:9: file/conflict-marker" in result.output
    assert f"content/netiquette.md:{page.read_text().splitlines().index('<<<<<<< ours') + 1}: file/conflict-marker" \
        in result.output
    assert "community/people/ana.yml:3: file/conflict-marker" in result.output
    assert "calendar/channels.yml" not in result.output


def test_markers_shown_in_a_code_block_and_heading_underlines_are_not_conflicts(tmp_path):
    root = tmp_path / "c"
    init(root, name="Club")
    post = root / "content/posts/2026/git.md"
    post.parent.mkdir(parents=True)
    post.write_text("---\ntitle: Git\ndate: 2026-11-20T10:00:00+01:00\nstatus: draft\n---\n\nTitre\n=======\n\n"
                    "```text\n" + CONFLICT + "```\n\n~~~\n" + CONFLICT + "~~~\n")
    result = check(root)
    assert result.exit_code == 0, result.output
    assert "conflict-marker" not in result.output
