"""`gazette review` on a real two-commit repository, against a golden file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden" / "review.md"


def make_pull_request(repo):
    repo.post("deja-la", front="title: Déjà là\ndate: 2026-12-01T12:30:00+01:00\nstatus: approved\n"
              "channels:\n  mastodon: {text: \"Rendez-vous mardi à l'atelier.\"}\n")
    repo.post("retire", front="title: Retiré\ndate: 2026-12-15T12:30:00+01:00\nstatus: draft\n")
    repo.commit_all("base")
    base = repo.git("rev-parse", "HEAD").strip()
    repo.post("deja-la", front="title: Déjà là\ndate: 2026-12-08T12:30:00+01:00\nstatus: approved\n"
              "channels:\n  mastodon: {text: \"Rendez-vous mardi à l'atelier.\"}\n")
    (repo.root / "content/posts/2026/retire.md").unlink()
    repo.post("nouveau", front="title: Nouveau billet\ndate: 2026-12-01T12:30:00+01:00\nstatus: review\n"
              "channels:\n  mastodon: {text: \"Quelle bande de connards !!! https://fabrique.example.org\"}\n"
              "allow:\n  - {rule: netiquette/exclamation, reason: \"ton de la campagne\"}\n")
    repo.post("lettre", kind="newsletters", front="title: Lettre\ndate: 2026-12-04T09:00:00+01:00\n"
              "status: review\nsubject: \"Décembre à l'atelier\"\npreheader: \"Portes ouvertes et jeu\"\n"
              "audience: tous\nchannels:\n  newsletter: {}\n")
    repo.commit_all("change")
    return base


def test_review_markdown_matches_the_golden_file(git_repo):
    base = make_pull_request(git_repo)
    result = git_repo.gazette("review", "--base", base)
    if not GOLDEN.exists():
        GOLDEN.write_text(result.output)
        pytest.fail(f"wrote {GOLDEN}: read it, then commit it")
    assert result.output == GOLDEN.read_text()
    assert result.exit_code == 1  # the insult is an error


def test_review_json_shape(git_repo):
    base = make_pull_request(git_repo)
    review = json.loads(git_repo.gazette("review", "--base", base, "--format", "json").output)
    assert review["verdict"] == "❌ 1 error to fix before merging"
    assert [i["path"] for i in review["items"]] == [
        "content/posts/2026/nouveau.md", "content/newsletters/2026/lettre.md", "content/posts/2026/deja-la.md"]
    assert review["removed"] == ["content/posts/2026/retire.md"]
    assert [(c["change"], c["channel"]) for c in review["calendar"]] == [
        ("added", "mastodon"), ("added", "newsletter"), ("moved", "mastodon")]
    assert review["previews"][0]["length"] == len("Quelle bande de connards !!! ") + 23
    assert review["waivers"][0]["reason"] == "ton de la campagne"


def test_review_of_nothing(git_repo):
    result = git_repo.gazette("review", "--base", "HEAD")
    assert "✅ Ready to merge: no problems found" in result.output
    assert "No content changed." in result.output
    assert result.exit_code == 0


def test_review_with_a_bad_base_is_a_usage_error(git_repo):
    result = git_repo.gazette("review", "--base", "nope")
    assert result.exit_code == 2


def test_markup_code_and_severity_changes_need_a_maintainer(git_repo):
    git_repo.post("calme", front="title: Calme\ndate: 2026-12-01T12:30:00+01:00\nstatus: review\n")
    git_repo.commit_all("base")
    base = git_repo.git("rev-parse", "HEAD").strip()
    git_repo.write("templates/new/post.md.j2", "---\ntitle: {{ title | yaml }}\n---\n")
    git_repo.write("mkdocs.yml", "site_name: x\n")
    git_repo.write(".github/workflows/review.yml", "on: pull_request\n")
    channels = git_repo.root / "calendar/channels.yml"
    channels.write_text(channels.read_text() + "gazette:\n  severity:\n    calendar/off-slot: off\n")
    git_repo.commit_all("change")
    result = git_repo.gazette("review", "--base", base)
    comment = result.output
    assert "**👀 A maintainer must read this change before merging**" in comment
    assert comment.index("### Needs a maintainer's reading") < comment.index("No content changed.")
    for line in ("- changed file `.github/workflows/review.yml`", "- changed file `mkdocs.yml`",
                 "- changed file `templates/new/post.md.j2`",
                 "- severity of `calendar/off-slot`: `default` → `off`"):
        assert line in comment
    assert "Ready to merge" not in comment
    assert result.exit_code == 0  # nothing is wrong: someone must read it


def test_an_unchanged_severity_is_not_a_change(git_repo):
    channels = git_repo.root / "calendar/channels.yml"
    channels.write_text(channels.read_text() + "gazette:\n  severity:\n    calendar/off-slot: off\n")
    git_repo.commit_all("base")
    git_repo.post("calme", front="title: Calme\ndate: 2026-12-01T12:30:00+01:00\nstatus: review\n")
    result = git_repo.gazette("review", "--base", "HEAD")
    assert "Needs a maintainer" not in result.output and "✅ Ready to merge" in result.output


def test_a_channel_delivery_change_needs_a_maintainer(git_repo):
    """A contributor could point a channel at their own server with another target's secret:
    the review never calls that "Ready to merge"."""
    git_repo.post("calme", front="title: Calme\ndate: 2026-12-01T12:30:00+01:00\nstatus: review\n")
    git_repo.commit_all("base")
    base = git_repo.git("rev-parse", "HEAD").strip()
    channels = git_repo.root / "calendar/channels.yml"
    channels.write_text(channels.read_text().replace(
        "mastodon: {network: mastodon, limit: 500,",
        'mastodon: {network: mastodon, target: mastodon, instance: "https://attacker.example", '
        "token_env: GAZETTE_SMTP_PASSWORD, limit: 500,"))
    git_repo.commit_all("change")
    comment = git_repo.gazette("review", "--base", base).output
    assert "**👀 A maintainer must read this change before merging**" in comment
    for line in ("- delivery setting `mastodon.instance`: `(none)` → `https://attacker.example`",
                 "- delivery setting `mastodon.token_env`: `(none)` → `GAZETTE_SMTP_PASSWORD`",
                 "- delivery setting `mastodon.target`: `(none)` → `mastodon`"):
        assert line in comment
    assert "Ready to merge" not in comment


def test_a_limit_change_alone_is_not_a_delivery_change(git_repo):
    channels = git_repo.root / "calendar/channels.yml"
    channels.write_text(channels.read_text().replace("limit: 500", "limit: 400"))
    git_repo.commit_all("change")
    comment = git_repo.gazette("review", "--base", "HEAD~1").output
    assert "delivery setting" not in comment and "Ready to merge" in comment


@pytest.mark.parametrize("path", ["requirements.txt", "docs/requirements-dev.txt", "package.json",
                                  "poetry.lock", "Pipfile", "package-lock.json", "pyproject.toml"])
def test_a_dependency_file_needs_a_maintainer(git_repo, path):
    git_repo.write(path, "evil-package==1.0\n")
    git_repo.commit_all("change")
    comment = git_repo.gazette("review", "--base", "HEAD~1").output
    assert f"- changed file `{path}`" in comment and "Ready to merge" not in comment
