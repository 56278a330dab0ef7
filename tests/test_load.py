"""Loader guards that need the file system: links, sizes, names, slugs, zones."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from gazette.load import load_repo


def problems_of(result):
    return [(p["path"], p["line"], p["code"]) for p in json.loads(result.output)["problems"]]


def test_symlinked_post_is_reported_not_followed(repo, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: Secret\ndate: 2026-10-06T12:30:00+02:00\n---\n")
    link = repo.root / "content/posts/2026/lien.md"
    link.parent.mkdir(parents=True)
    os.symlink(secret, link)
    result = repo.gazette("check", "--format", "json")
    assert problems_of(result) == [("content/posts/2026/lien.md", None, "file/symlink")]
    assert result.exit_code == 1


def test_a_post_with_another_markdown_extension_is_an_error_not_lost(repo):
    repo.post("bon")
    front = "---\ntitle: Oublié\ndate: 2026-10-06T12:30:00+02:00\nstatus: published\n---\n\nTexte.\n"
    repo.write("content/posts/2026/Export-Word.MD", front)
    repo.write("content/newsletters/2026/lettre.markdown", front)
    repo.write("content/posts/2026/photo.jpg", b"\xff\xd8")  # attachments are not items
    repo.write("content/charte.markdown", front)  # outside the kind folders, with a date: a lost item
    result = repo.gazette("check", "--format", "json")
    problems = json.loads(result.output)["problems"]
    assert [(p["path"], p["code"]) for p in problems] == [
        ("content/charte.markdown", "security/misplaced-item"),
        ("content/newsletters/2026/lettre.markdown", "file/extension"),
        ("content/posts/2026/Export-Word.MD", "file/extension")]
    assert problems[2]["hint"] == "rename it to export-word.md"
    assert result.exit_code == 1


def test_symlinked_folder_is_not_walked(repo, tmp_path):
    outside = tmp_path / "ailleurs"
    (outside / "2026").mkdir(parents=True)
    (outside / "2026/x.md").write_text("no front matter")
    os.symlink(outside, repo.root / "content/contests")
    result = repo.gazette("check", "--format", "json")
    assert problems_of(result) == [("content/contests", None, "file/symlink")]


def test_oversize_file_is_rejected_without_reading_it(repo):
    path = repo.post("enorme", body="x" * (1024 * 1024 + 10))
    result = repo.gazette("check", "--format", "json")
    assert problems_of(result) == [(path, None, "file/too-large")]


def test_file_name_must_be_a_slug(repo):
    repo.post("Été à Lyon")
    result = repo.gazette("check")
    assert "content/posts/2026/Été à Lyon.md: file/not-slug" in result.output
    assert "rename it to ete-a-lyon.md" in result.output
    assert result.exit_code == 1


def test_duplicate_slugs_across_years_are_errors(repo):
    a = repo.post("atelier-ouvert", year=2025, front="title: A\ndate: 2025-10-06T12:30:00+02:00\nstatus: draft\n")
    b = repo.post("atelier-ouvert", year=2026)
    result = repo.gazette("check", "--format", "json")
    assert sorted(problems_of(result)) == [(a, None, "ref/duplicate-slug"), (b, None, "ref/duplicate-slug")]


def test_same_slug_in_two_kinds_is_fine(repo):
    repo.post("rentree")
    repo.post("rentree", kind="newsletters",
              front="title: Rentrée\nsubject: Rentrée\ndate: 2026-10-06T12:30:00+02:00\n")
    assert repo.gazette("check").exit_code == 0


def test_naive_date_without_a_timezone_setting_is_an_error(repo):
    repo.write("calendar/channels.yml", "channels:\n  site: {network: site}\n")
    path = repo.post("sans-fuseau", front="title: A\ndate: 2026-10-06 12:30\nstatus: draft\n")
    result = repo.gazette("check", "--format", "json")
    assert problems_of(result) == [(path, 3, "schema/date-naive")]
    assert json.loads(result.output)["problems"][0]["severity"] == "error"
    assert result.exit_code == 1


def test_naive_date_takes_the_repository_timezone_with_a_warning(repo):
    repo.post("naif", front="title: A\ndate: 2026-10-06 12:30\nstatus: published\n")
    result = repo.gazette("check")
    assert result.exit_code == 0
    assert "read as Europe/Paris" in result.output
    item = load_repo(repo.root).items[0]
    assert item.date.isoformat() == "2026-10-06T12:30:00+02:00"


def test_unknown_timezone_is_reported_in_channels_file(repo):
    repo.write("calendar/channels.yml", "timezone: Europe/Lyon\n")
    result = repo.gazette("check", "--format", "json")
    assert problems_of(result) == [("calendar/channels.yml", 1, "config/timezone")]


def test_broken_frame_files_are_problems_with_lines(repo):
    repo.write("calendar/campaigns/noel.yml", "name: Noël\nfrom: 2026-12-01T00:00:00+01:00\nto: [\n")
    repo.write("content/.authors.yml", "authors:\n  camille: {nom: Camille}\n")
    result = repo.gazette("check", "--format", "json")
    assert sorted(problems_of(result)) == [
        ("calendar/campaigns/noel.yml", 4, "yaml/syntax"),
        ("content/.authors.yml", 2, "schema/required"),
        ("content/.authors.yml", 2, "schema/unknown-key"),
    ]


def test_a_pasted_line_separator_does_not_shift_frame_line_numbers(repo):
    repo.write("content/.authors.yml", "authors:\n  camille: {name: \"Camille\u2028Roux\"}\n  yanis: {nom: Yanis}\n")
    result = repo.gazette("check", "--format", "json")
    assert sorted(problems_of(result)) == [
        ("content/.authors.yml", 2, "yaml/unusual-line-break"),
        ("content/.authors.yml", 3, "schema/required"),
        ("content/.authors.yml", 3, "schema/unknown-key"),
    ]


def test_one_bad_file_does_not_hide_the_others(repo):
    for n in range(5):
        repo.post(f"bon-{n}")
    repo.post("mauvais", front="title: [\n")
    loaded = load_repo(repo.root, cache=False)
    assert len(loaded.items) == 5
    assert [p.code for p in loaded.problems] == ["yaml/syntax"]


def test_paths_outside_the_repository_are_usage_errors(repo, tmp_path):
    outside = tmp_path / "ailleurs.md"
    outside.write_text("x")
    result = repo.gazette("check", str(outside))
    assert result.exit_code == 2
    assert "outside the repository" in result.output


@pytest.mark.slow
def test_deeply_nested_yaml_does_not_kill_the_process(repo):
    """30,000 levels segfault libyaml's composer; the 16 KiB cap must stop it first."""
    repo.post("profond", front="title: A\ndate: 2026-10-06T12:30:00+02:00\nx: " + "[" * 40000 + "\n")
    done = subprocess.run([sys.executable, "-m", "gazette.cli", "check", "--repo", str(repo.root)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "yaml/too-large" in done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_alias_bomb_is_rejected_fast_with_bounded_memory(repo):
    levels = "".join(f"l{i}: &l{i} [*l{i-1},*l{i-1},*l{i-1},*l{i-1},*l{i-1},*l{i-1},*l{i-1},*l{i-1},*l{i-1}]\n"
                     for i in range(1, 12))
    repo.post("bombe", front="title: A\ndate: 2026-10-06T12:30:00+02:00\nl0: &l0 [lol]\n" + levels)
    code = ("import resource, sys; from gazette.cli import main; sys.argv=['gazette','check','--format','json',"
            f"'--repo',{str(repo.root)!r}]\ntry: main()\nexcept SystemExit as e: "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); raise")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert '"yaml/alias"' in done.stdout
    assert int(done.stderr.strip().splitlines()[-1]) < 200_000  # KiB: nothing was expanded


def test_a_fifo_is_reported_not_read(repo):
    fifo = repo.root / "content/posts/2026/tube.md"
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    result = repo.gazette("check", "--format", "json")
    assert problems_of(result) == [("content/posts/2026/tube.md", None, "file/unreadable")]


def test_a_timezone_that_is_a_tzdata_folder_is_a_problem(repo):
    repo.write("calendar/channels.yml", "timezone: Europe\n")
    assert problems_of(repo.gazette("check", "--format", "json")) == [
        ("calendar/channels.yml", 1, "config/timezone")]


def test_a_ref_that_looks_like_an_option_is_refused(git_repo):
    result = git_repo.gazette("check", "--changed-since=--output=/tmp/gazette-pwned")
    assert result.exit_code == 2
    assert "is not a git revision" in result.output


def test_items_outside_a_year_folder_are_flagged(repo):
    repo.write("content/posts/direct.md", "---\ntitle: A\ndate: 2026-10-06T12:30:00+02:00\n---\n")
    result = repo.gazette("check")
    assert "content/posts/direct.md:3: file/year-folder is not in a year folder" in result.output
    assert "move it to content/posts/2026/direct.md" in result.output


def test_unknown_severity_override_is_reported(repo):
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\ngazette:\n  severity:\n    shema/unknown-key: off\n")
    assert problems_of(repo.gazette("check", "--format", "json")) == [
        ("calendar/channels.yml", 4, "config/unknown-code")]


def test_checking_the_calendar_folder_reports_its_files(repo):
    repo.write("calendar/channels.yml", "timezone: Nope/Zone\n")
    result = repo.gazette("check", str(repo.root / "calendar"))
    assert "calendar/channels.yml:1: config/timezone" in result.output
    assert result.exit_code == 1


def test_a_slug_key_taking_another_files_url_is_reported_at_its_line(repo):
    taken = repo.post("bien-eclaire-en-hiver")
    d3 = repo.post("d3", front="title: D3\ndate: 2026-10-06T12:30:00+02:00\nstatus: published\n"
                   "slug: bien-eclaire-en-hiver\n")
    result = repo.gazette("check", "--format", "json")
    assert sorted(problems_of(result)) == [(taken, None, "ref/duplicate-slug"), (d3, 5, "ref/duplicate-slug")]
    again = repo.gazette("check", "--format", "json")  # from the per-file cache
    assert sorted(problems_of(again)) == sorted(problems_of(result))
    only_d3 = repo.gazette("check", str(repo.root / d3), "--format", "json")
    assert problems_of(only_d3) == [(d3, 5, "ref/duplicate-slug")]
    repo.post("autre", front="title: Autre\ndate: 2026-10-06T12:30:00+02:00\nstatus: published\nslug: d3\n")
    (repo.root / taken).unlink()  # d3.md is named bien-eclaire-en-hiver now; autre.md takes its file name
    assert [p[2] for p in problems_of(repo.gazette("check", "--format", "json"))] == []
