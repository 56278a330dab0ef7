"""The entry point starts git for `check --changed-since` before click is imported, and changes nothing else."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gazette.launch import changed_since_request


@pytest.mark.parametrize("args, expected", [
    (["check", "--changed-since", "main"], ("main", None)),
    (["check", "--changed-since=origin/main", "--repo", "x", "--format", "json"], ("origin/main", "x")),
    (["--lang", "fr", "check", "--no-cache", "content/posts", "--changed-since", "a", "--changed-since", "b"],
     ("b", None)),
    (["--lang=en", "check", "--repo=r", "--now", "2026-01-01", "--changed-since", "HEAD", "--", "-x.md"], ("HEAD", "r")),
    (["check"], None), (["check", "content/"], None), (["check", "--changed-since"], None),
    (["check", "--changed-since", "HEAD", "--help"], None), (["check", "--changed-since", "HEAD", "-h"], None),
    (["check", "--changed-since", "HEAD", "--unknown"], None), (["--workspace", "w.yml", "check", "--changed-since", "HEAD"], None),
    (["review", "--changed-since", "HEAD"], None), ([], None), (["--help"], None),
    (["check", "--", "--changed-since", "HEAD"], None),
    (["check", "--changed-since", "HEAD", "--format", "bogus"], None), (["check", "--changed-since", "-x"], None),
    (["check", "--changed-since", "HEAD", "--no-cache=1"], None), (["moderate", "--changed-since", "HEAD"], None),
])
def test_only_a_plain_check_changed_since_is_recognised(args, expected):
    assert changed_since_request(args) == expected


RUN = r'''
import subprocess, sys
real = subprocess.Popen
seen = []

class Spy(real):
    def __init__(self, args, *rest, **kwargs):
        if args[:1] == ["git"]:
            seen.append("click" in sys.modules)
        super().__init__(args, *rest, **kwargs)

subprocess.Popen = Spy
import os
real_spawn = os.posix_spawnp

def spawn(path, args, *rest, **kwargs):
    if args[:1] == ["git"]:
        seen.append("click" in sys.modules)
    return real_spawn(path, args, *rest, **kwargs)

os.posix_spawnp = spawn
sys.argv = ["gazette", *sys.argv[1:]]
try:
    from gazette.launch import main
    main()
finally:
    print("git-before-click" if seen and not seen[0] else f"git-after-click {seen}", file=sys.stderr)
'''


def _run(root, *args):
    env = {**os.environ, "GAZETTE_NOW": "2026-10-01T00:00:00+02:00"}
    env.pop("GAZETTE_WORKSPACE", None)
    return subprocess.run([sys.executable, "-c", RUN, *args], cwd=root, capture_output=True, text=True, env=env)


def _in_process(repo, *args):
    result = repo.gazette(*args)
    return result.exit_code, result.output


def test_git_starts_before_click_and_the_report_is_the_commands(git_repo):
    git_repo.post("nouveau", front="title: B\ndate: 2026-10-06T12:30:00+02:00\nauteurs: [x]\nstatus: draft\n")
    process = _run(git_repo.root, "check", "--changed-since", "HEAD")
    assert "git-before-click" in process.stderr
    code, output = _in_process(git_repo, "check", "--changed-since", "HEAD")
    assert (process.returncode, process.stdout) == (code, output) == (0, output)
    assert "schema/unknown-key" in output


@pytest.mark.parametrize("ref", ["nope", "HEAD~1..HEAD", "-x", "HEAD^!"])
def test_usage_errors_are_the_commands_exit_2_and_its_words(git_repo, ref):
    process = _run(git_repo.root, "check", f"--changed-since={ref}")
    code, output = _in_process(git_repo, "check", f"--changed-since={ref}")
    assert process.returncode == code == 2
    assert process.stderr.replace("git-before-click", "").replace("git-after-click []", "").strip() == output.strip()


def test_an_option_added_to_check_keeps_the_early_start(monkeypatch):
    """The early start reads argv with check's declarations: a new option is understood, not a
    reason to give up the head start silently."""
    from gazette import cliargs

    added = cliargs.Option(("--strict",), "strict", "Warnings fail.", is_flag=True)
    monkeypatch.setattr(cliargs.CHECK, "options", (*cliargs.CHECK.options, added))
    assert changed_since_request(["check", "--strict", "--changed-since", "HEAD"]) == ("HEAD", None)


def test_a_command_that_stops_before_checking_stops_git_too(git_repo):
    """A bad --format: click's usage error, and git is not even started."""
    process = _run(git_repo.root, "check", "--changed-since", "HEAD", "--format", "bogus")
    assert process.returncode == 2 and "bogus" in process.stderr and "git-after-click []" in process.stderr
    from gazette import changes

    changes.start_early(git_repo.root, "HEAD")
    [(_root, _ref, pending)] = changes._early
    changes._cancel_unadopted()
    assert not changes._early
    assert all(p.returncode is not None for p in (pending.diff, pending.others, pending.trees))


def test_reads_started_for_another_ref_or_root_are_not_adopted(git_repo, tmp_path):
    from gazette import changes

    changes.start_early(git_repo.root, "HEAD")
    started = changes._early[0][2]
    assert changes.adopt_early(git_repo.root, "main") is None and not changes._early
    assert started.diff.returncode is not None  # stopped
    changes.start_early(git_repo.root, "HEAD")
    assert changes.adopt_early(tmp_path, "HEAD") is None
    changes.start_early(git_repo.root, "HEAD")
    adopted = changes.adopt_early(git_repo.root, "HEAD")
    assert adopted is not None and adopted.result() == (set(), set())


def test_a_workspace_gets_nothing_started_early(git_repo, monkeypatch):
    from gazette import changes, launch

    monkeypatch.setenv("GAZETTE_WORKSPACE", "w.yml")
    monkeypatch.chdir(git_repo.root)
    launch._start_early(["check", "--changed-since", "HEAD"])
    assert not changes._early
    monkeypatch.delenv("GAZETTE_WORKSPACE")
    launch._start_early(["check", "--changed-since", "HEAD"])
    assert changes._early
    changes._cancel_unadopted()


def test_other_commands_pay_nothing_for_it():
    """`gazette --help` through the entry point imports what it did before: no git, no YAML."""
    code = ("import sys\nsys.argv = ['gazette', '--help']\nfrom gazette.launch import main\n"
            "try: main()\nexcept SystemExit: pass\n"
            "print(sorted({'yaml', 'gazette.changes', 'gazette.root', 'subprocess'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().endswith("[]"), done.stdout


def test_outside_git_the_usage_error_is_the_commands(repo):
    process = _run(repo.root, "check", "--changed-since", "HEAD")
    code, output = _in_process(repo, "check", "--changed-since", "HEAD")
    assert process.returncode == code == 2 and "git-before-click" in process.stderr
    assert process.stderr.replace("git-before-click", "").strip() == output.strip()
