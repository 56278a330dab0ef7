"""`check --changed-since`: only what changed, plus the items that refer to it (real git)."""

from __future__ import annotations

import json


def report(repo, *args):
    result = repo.gazette("check", "--format", "json", *args)
    return result, json.loads(result.output) if result.output.startswith("{") else None


def test_only_changed_files_are_checked(git_repo):
    git_repo.post("ancien-bancal", front="title: A\n")  # already broken on main
    git_repo.commit_all()
    base = git_repo.git("rev-parse", "HEAD").strip()
    changed = git_repo.post("nouveau", front="title: B\ndate: 2026-10-06T12:30:00+02:00\nauteurs: [x]\nstatus: draft\n")
    result, data = report(git_repo, "--changed-since", base)
    assert data["scope"] == "changed"
    assert data["items_checked"] == 1
    assert [(p["path"], p["code"]) for p in data["problems"]] == [(changed, "schema/unknown-key")]
    assert result.exit_code == 0


def test_deleting_a_linked_post_flags_the_posts_linking_to_it(git_repo):
    git_repo.post("cible")
    linking = git_repo.post("lien", body="Voir [la cible](cible.md).\n")
    git_repo.post("sans-lien")
    git_repo.commit_all()
    (git_repo.root / "content/posts/2026/cible.md").unlink()
    git_repo.commit_all("remove")
    _, data = report(git_repo, "--changed-since", "HEAD~1")
    assert [(p["path"], p["line"], p["code"]) for p in data["problems"]] == [(linking, 7, "ref/link")]


def test_removing_an_author_flags_their_items(git_repo):
    by_camille = git_repo.post("de-camille", front="title: A\ndate: 2026-10-06T12:30:00+02:00\nauthors: [camille]\nstatus: draft\n")
    git_repo.commit_all()
    git_repo.write("content/.authors.yml", "authors:\n  yanis: {name: Yanis}\n")
    _, data = report(git_repo, "--changed-since", "HEAD")
    assert [(p["path"], p["code"]) for p in data["problems"]] == [(by_camille, "ref/author")]


def test_removing_a_campaign_flags_its_items(git_repo):
    item = git_repo.post("en-campagne", front="title: A\ndate: 2026-10-06T12:30:00+02:00\ncampaign: automne-2026\nstatus: draft\n")
    git_repo.commit_all()
    (git_repo.root / "calendar/campaigns/automne-2026.yml").unlink()
    _, data = report(git_repo, "--changed-since", "HEAD")
    assert [(p["path"], p["code"]) for p in data["problems"]] == [(item, "ref/campaign")]


def test_unknown_ref_is_a_usage_error(git_repo):
    result = git_repo.gazette("check", "--changed-since", "nope")
    assert result.exit_code == 2
    assert "--changed-since nope:" in result.output


def test_changed_since_outside_git_is_a_usage_error(repo):
    result = repo.gazette("check", "--changed-since", "HEAD")
    assert result.exit_code == 2


def test_a_misnamed_post_fails_the_pull_request_check(git_repo):
    """review.yml checks --changed-since: a post saved as .MD must fail there, not only
    later on main, where it would never be published."""
    git_repo.write("content/posts/2026/Nouveau-Billet.MD", "---\ntitle: Oublié\n---\n\nTexte.\n")
    git_repo.commit_all("add")
    result, data = report(git_repo, "--changed-since", "HEAD~1")
    assert [(p["path"], p["code"]) for p in data["problems"]] == [
        ("content/posts/2026/Nouveau-Billet.MD", "file/extension")]
    assert result.exit_code == 1
    for selection in ("content/posts/2026/Nouveau-Billet.MD", "content/posts/"):
        result, data = report(git_repo, str(git_repo.root / selection))
        assert [p["code"] for p in data["problems"]] == ["file/extension"], selection
