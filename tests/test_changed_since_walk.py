"""check --changed-since walks the folders once for untracked AND ignored files
(``git ls-files --others`` sorted by ``git check-ignore``): the same sets as the two
listings it replaces (``--exclude-standard`` and ``--ignored --exclude-standard``), on
layouts meant to tell them apart."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from gazette.changes import CHECKED_FOLDERS, PendingChanges
from gazette.dayindex import KIND_PATHS


def _git(root: Path, *args: str, input: bytes | None = None) -> bytes:
    return subprocess.run(["git", "-c", "core.quotePath=false", *args], cwd=root, input=input, check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout


def _write(root: Path, relpath: str | bytes, text: bytes = b"---\ntitle: x\n---\n") -> None:
    full = os.path.join(os.fsencode(root), relpath if isinstance(relpath, bytes) else relpath.encode())
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as handle:
        handle.write(text)


def _listing(root: Path, *args: str) -> set[str]:
    return {p for p in _git(root, "ls-files", "-z", "--others", *args).decode("utf-8", "surrogateescape").split("\0")
            if p}


def _as_before(root: Path) -> tuple[set[str], set[str]]:
    """The two listings this replaces, filtered as PendingChanges filtered them."""
    untracked = _listing(root, "--exclude-standard", "--", *CHECKED_FOLDERS)
    ignored = {p for p in _listing(root, "--ignored", "--exclude-standard", "--", *KIND_PATHS)
               if p.endswith(".md") and not any(part.startswith(".") for part in p.split("/")[:-1])}
    return untracked, ignored


def _now(root: Path, folder: Path | None = None) -> tuple[set[str], set[str]]:
    pending = PendingChanges(root, "HEAD")
    try:
        pending.result()
        return pending.untracked_paths, pending.ignored_paths
    finally:
        pending.cancel()


def _repository(tmp_path: Path) -> Path:
    root = tmp_path / "community"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    _write(root, "content/posts/2026/suivi.md")
    _write(root, "calendar/channels.yml", b"timezone: Europe/Paris\n")
    _write(root, ".gitignore", b".cache/\n*.tmp.md\n/metrics/private/\n")
    _write(root, "content/posts/.gitignore", b"brouillons/\n!brouillons/garde.md\n*.bak\n!important.bak\n")
    _write(root, "content/newsletters/2026/.gitignore", b"*\n!*.md\n!.gitignore\nsecret.md\n")
    _write(root, "content/posts/2026/suivi-ignore.tmp.md")  # tracked although ignored: never "others"
    _git(root, "add", "-f", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "start")
    return root


LAYOUTS = {
    "nothing untracked": [],
    "one new post": ["content/posts/2026/nouveau.md"],
    "ignored folder with a negated file": ["content/posts/brouillons/a.md", "content/posts/brouillons/garde.md",
                                           "content/posts/brouillons/sous/b.md"],
    "spaced and non-UTF-8 names": ["content/posts/2026/avec espace.md", b"content/posts/2026/caf\xe9.md",
                                   "content/posts/2026/é accent.md", "content/posts/2026/#hash.md",
                                   "content/posts/2026/!bang.md", "content/posts/2026/back\\slash.md"],
    "ignored by the root and nested ignore files": [
        "content/.cache/x.md", "content/posts/2026/y.tmp.md", "content/newsletters/2026/lettre.md",
        "content/newsletters/2026/secret.md", "content/newsletters/2026/image.png", "content/posts/vieux.bak",
        "content/posts/important.bak", "content/contests/.cache/z.md", "content/contests/2026/.brouillon/c.md"],
    "outside the kind folders": ["calendar/campaigns/nouvelle.yml", "community/people/x.yml",
                                 "metrics/private/a.csv", "metrics/moderation.csv", "content/pages/p.md",
                                 "ailleurs/hors.md", "content/.cache/y.yml"],
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_one_walk_lists_what_the_two_listings_did(tmp_path, layout):
    root = _repository(tmp_path)
    for relpath in LAYOUTS[layout]:
        _write(root, relpath)
    before = _as_before(root)
    assert _now(root) == before
    if layout != "nothing untracked":
        assert before != (set(), set())  # the layout has something to tell apart


def test_excludes_from_info_exclude_and_core_excludes_file(tmp_path):
    root = _repository(tmp_path)
    (root / ".git" / "info").mkdir(exist_ok=True)
    (root / ".git" / "info" / "exclude").write_text("content/posts/2026/local-*.md\n")
    excludes = tmp_path / "global-ignore"
    excludes.write_text("*.orig.md\n")
    _git(root, "config", "core.excludesFile", str(excludes))
    for relpath in ("content/posts/2026/local-1.md", "content/posts/2026/a.orig.md", "content/posts/2026/ok.md"):
        _write(root, relpath)
    before = _as_before(root)
    assert before == ({"content/posts/2026/ok.md"}, {"content/posts/2026/local-1.md", "content/posts/2026/a.orig.md"})
    assert _now(root) == before


def test_a_nested_repository_and_a_repository_inside_a_larger_tree(tmp_path):
    root = _repository(tmp_path)
    nested = root / "content" / "posts" / "2026" / "sous-depot"
    nested.mkdir(parents=True)
    _git(nested, "init", "-q")
    _write(nested, "dedans.md")
    _write(root, "content/posts/2026/voisin.md")
    assert _now(root) == _as_before(root)


def test_nothing_untracked_starts_no_sorting_process(tmp_path, monkeypatch):
    root = _repository(tmp_path)
    pending = PendingChanges(root, "HEAD")
    started = []
    real = subprocess.Popen

    def spy(command, *args, **kwargs):
        started.append(command)
        return real(command, *args, **kwargs)

    real_spawn = os.posix_spawnp

    def spawn_spy(path, command, *args, **kwargs):
        started.append(command)
        return real_spawn(path, command, *args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", spy)
    monkeypatch.setattr(os, "posix_spawnp", spawn_spy)
    try:
        pending.result()
    finally:
        pending.cancel()
    assert started == [] and pending.untracked_paths == set() and pending.ignored_paths == set()


def test_thousands_of_untracked_names_go_through_check_ignore_whole(tmp_path):
    """Names fed on git's stdin beyond a pipe's 64 KiB: written as git reads them."""
    root = _repository(tmp_path)
    for number in range(1500):
        _write(root, f"content/posts/2026/un-nom-assez-long-pour-remplir-le-tuyau-{number:04d}.md")
        _write(root, f"content/posts/brouillons/brouillon-assez-long-pour-remplir-le-tuyau-{number:04d}.md")
    before = _as_before(root)
    assert len(before[0]) == 1500 and len(before[1]) == 1500
    assert _now(root) == before


SHUT = r'''
import os, sys
from pathlib import Path
from gazette.changes import PendingChanges
for fd in map(int, sys.argv[2:]):
    os.close(fd)  # a hook runner that closed stdin or stdout
pending = PendingChanges(Path(sys.argv[1]), "HEAD")
changed, gone = pending.result()
os.write(2, repr((sorted(changed), sorted(gone), sorted(pending.untracked_paths), sorted(pending.ignored_paths),
                  pending.tree_ids(), pending.stored_form_differs())).encode())
'''


@pytest.mark.parametrize("closed", [(), (0,), (1,), (0, 1)])
def test_git_reads_with_standard_descriptors_closed(tmp_path, closed):
    import sys

    root = _repository(tmp_path)
    _write(root, "content/posts/2026/nouveau.md")
    _write(root, "content/posts/brouillons/a.md")
    _write(root, "content/posts/2026/suivi.md", b"---\ntitle: changed\n---\n")
    run = subprocess.run([sys.executable, "-c", SHUT, str(root), *map(str, closed)], capture_output=True)
    plain = subprocess.run([sys.executable, "-c", SHUT, str(root)], capture_output=True)
    assert run.returncode == plain.returncode == 0, run.stderr
    assert run.stderr == plain.stderr and b"nouveau.md" in plain.stderr and b"suivi.md" in plain.stderr


def test_no_git_on_the_path_is_a_usage_error(tmp_path, monkeypatch):
    from gazette.changes import GitError

    root = _repository(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    with pytest.raises(GitError, match="git is not installed"):
        PendingChanges(root, "HEAD")


def test_without_posix_spawn_popen_gives_the_same(tmp_path, monkeypatch):
    root = _repository(tmp_path)
    for relpath in LAYOUTS["ignored by the root and nested ignore files"] + ["content/posts/2026/nouveau.md"]:
        _write(root, relpath)
    spawned = _now(root)
    monkeypatch.delattr(os, "posix_spawnp")
    assert _now(root) == spawned == _as_before(root)


def test_thousands_of_ignored_files_are_listed_by_gits_two_walks(tmp_path, monkeypatch):
    """Past SORT_MAX names, the two listings answer (the same sets, faster than check-ignore)."""
    from gazette import changes

    root = _repository(tmp_path)
    for relpath in LAYOUTS["ignored by the root and nested ignore files"] + LAYOUTS["one new post"]:
        _write(root, relpath)
    sorted_one_by_one = _now(root)
    monkeypatch.setattr(changes, "SORT_MAX", 3)
    assert _now(root) == sorted_one_by_one == _as_before(root)


def test_an_ignored_name_holding_glob_characters_stays_ignored(tmp_path):
    """A reviewer's: check-ignore matched `content/posts/2026/*.md` as a glob against the index,
    took it for the tracked suivi.md and never said it was ignored: the pre-commit hook then
    checked (and blocked on) an ignored file."""
    root = _repository(tmp_path)
    with open(root / ".git/info/exclude", "a", encoding="utf-8") as handle:
        handle.write("content/posts/2026/[*].md\ncontent/posts/2026/[?]uivi.md\ncontent/posts/2026/[[]as]*.md\n")
    for name in ("*.md", "?uivi.md", "[as]*.md", "nouveau.md"):
        _write(root, f"content/posts/2026/{name}")
    untracked, ignored = _now(root)
    assert (untracked, ignored) == _as_before(root)
    assert "content/posts/2026/*.md" in ignored and "content/posts/2026/*.md" not in untracked


@pytest.mark.parametrize("setting", ["GIT_LITERAL_PATHSPECS", "GIT_GLOB_PATHSPECS", "GIT_NOGLOB_PATHSPECS",
                                     "GIT_ICASE_PATHSPECS"])
def test_git_pathspec_settings_from_the_environment_do_not_stop_the_check(tmp_path, monkeypatch, setting):
    """Editors and git front-ends set GIT_LITERAL_PATHSPECS=1; check-ignore refuses it ("pathspec
    magic not supported"): every check with a new file ended in a usage error."""
    root = _repository(tmp_path)
    _write(root, "content/posts/2026/nouveau.md")
    _write(root, "content/.cache/x.md")
    before = _as_before(root)
    monkeypatch.setenv(setting, "1")
    assert _now(root) == before


def test_a_git_on_the_path_that_cannot_run_is_passed_over(tmp_path, monkeypatch):
    """posix_spawnp stops at the first `git` it finds and cannot execute (not a program): a
    traceback, where subprocess (and a shell) go on to the next one on PATH."""
    root = _repository(tmp_path)
    _write(root, "content/posts/2026/nouveau.md")
    broken = tmp_path / "broken-bin"
    broken.mkdir()
    (broken / "git").write_bytes(b"not a program")
    (broken / "git").chmod(0o755)
    before = _now(root)
    monkeypatch.setenv("PATH", f"{broken}{os.pathsep}{os.environ['PATH']}")
    assert _now(root) == before


def test_git_inherits_no_descriptor_gazette_was_given(tmp_path):
    """`gazette check ... 3>file`: Popen closed what the child would inherit (close_fds);
    posix_spawnp must too."""
    import sys

    root = _repository(tmp_path)
    spy = tmp_path / "spy-bin"
    spy.mkdir()
    real = subprocess.run(["which", "git"], capture_output=True, text=True, check=True).stdout.strip()
    # What each descriptor opens, not its number: the shell holds its script and the redirection
    # on low numbers of its own (dash: 10, 11), which the given one can share by chance (CI did).
    (spy / "git").write_text(f'#!/bin/sh\nfor fd in /proc/$$/fd/*; do readlink "$fd"; done'
                             f' >> "{tmp_path}/fds.txt"\nexec {real} "$@"\n')
    (spy / "git").chmod(0o755)
    code = ("import sys\nfrom pathlib import Path\nfrom gazette.changes import PendingChanges\n"
            f"pending = PendingChanges(Path({str(root)!r}), 'HEAD')\npending.result()\n")
    with open(tmp_path / "given.txt", "w") as given:
        descriptor = given.fileno()
        os.set_inheritable(descriptor, True)
        subprocess.run([sys.executable, "-c", code], check=True, pass_fds=(descriptor,),
                       env={**os.environ, "PATH": f"{spy}{os.pathsep}{os.environ['PATH']}"})
    opened = set((tmp_path / "fds.txt").read_text().splitlines())
    assert str(tmp_path / "fds.txt") in opened  # the spy ran and saw what it opens
    assert str(tmp_path / "given.txt") not in opened


@pytest.mark.parametrize("kind", ["not a program", "a folder"])
def test_the_only_git_on_the_path_that_cannot_run_is_a_usage_error(tmp_path, monkeypatch, kind):
    """A reviewer's: with no other git after it, the traceback ended in exit 1, which a hook
    reads as "problems found"."""
    from gazette.changes import GitError

    root = _repository(tmp_path)
    broken = tmp_path / "broken-bin"
    broken.mkdir()
    if kind == "a folder":
        (broken / "git").mkdir()
    else:
        (broken / "git").write_bytes(b"garbage\n")
        (broken / "git").chmod(0o755)
    monkeypatch.setenv("PATH", str(broken))
    with pytest.raises(GitError, match="git cannot run"):
        PendingChanges(root, "HEAD")
