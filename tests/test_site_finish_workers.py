"""finish_site's second process: the same site as one process writes, and a worker killed mid-way
stops the build with a clear message, leaving no page the sanitizer has not seen.

Each finish runs in a fresh interpreter (the fork is only taken by a process with no other thread),
on the engine's untouched output copied anew: the sample and the attack corpus, built by MkDocs
without Gazette (every page then finished from the disk, as after Zensical) and by Zensical."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from attacks.community import NOW as ATTACK_NOW, make_community
from test_attacks import audit, search_index_faults

pytestmark = pytest.mark.slow
# Work is taken aside on Linux with two processors or more (gazette.aside.can_fork): the tests of
# the second process need one.
FORKS = pytest.mark.skipif(not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2,
                           reason="finish_site shares its pages on Linux with two processors or more")
NOW = "2026-11-23T12:00:00+01:00"
HAS_ZENSICAL = bool(shutil.which("zensical") or (Path(sys.executable).parent / "zensical").exists())

# Finishes ARGV[1] (the tree) into ARGV[2] (its site folder) with two processes from ARGV[3] pages
# on; with ARGV[4] > 0, the worker kills itself (SIGKILL) after that many pages; with ARGV[5] "nofork",
# the system refuses to start a process. Prints whether a worker was started, and the worker's share.
FINISH = """
import json, os, signal, sys
from pathlib import Path
from gazette.site import finish

finish.TWO_PROCESSES_FROM = int(sys.argv[3])
kill_after, parent, done, started = int(sys.argv[4]), os.getpid(), [], []
real_page, real_fork = finish._finish_page, finish._fork_worker

def page(finisher, relpath, path):
    real_page(finisher, relpath, path)
    done.append(path)
    if kill_after and os.getpid() != parent and len(done) >= kill_after:
        os.kill(os.getpid(), signal.SIGKILL)

def fork(finisher, share):
    worker = real_fork(finisher, share)
    started.append([path for _relpath, path in share] if worker else None)
    return worker

finish._finish_page, finish._fork_worker = page, fork
if sys.argv[5:] == ["nofork"]:
    def refused():
        raise BlockingIOError(11, "Resource temporarily unavailable")
    os.fork = refused
try:
    count = finish.finish_site(Path(sys.argv[1]), Path(sys.argv[2]))
    print(json.dumps({"started": started, "error": None, "count": count}))
except finish.FinishError as error:
    print(json.dumps({"started": started, "error": str(error)}))
"""


def _environment(cache: Path) -> dict:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", "GAZETTE_CACHE_DIR": str(cache)}


def _engine_output(root: Path, engine: str, now: str, cache: Path) -> Path:
    """The public tree of ``root`` and the engine's site of it, unfinished (the pages as written)."""
    from gazette.site.tree import write_tree

    tree = root.parent / f"tree-{root.name}-{engine}"
    write_tree(root, tree, now, heads_held=engine == "zensical")
    if engine == "mkdocs":
        command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", "mkdocs.yml"]
    else:
        command = [shutil.which("zensical") or str(Path(sys.executable).parent / "zensical"), "build", "-f", "mkdocs.yml"]
    subprocess.run(command, cwd=tree, check=True, capture_output=True, env=_environment(cache))
    raw = tree.parent / f"raw-{root.name}-{engine}"
    shutil.move(str(tree / "site"), raw)
    return tree


def _finish(tree: Path, from_pages: int, kill_after: int = 0, *more: str) -> tuple[dict, dict[str, bytes]]:
    """A fresh copy of the engine's output finished in another interpreter: what it said, and the
    site's files by path."""
    raw = tree.parent / ("raw-" + tree.name.removeprefix("tree-"))
    shutil.rmtree(tree / "site", ignore_errors=True)
    (tree / "sanitized.marshal").unlink(missing_ok=True)  # cold, as a first build
    shutil.copytree(raw, tree / "site")
    done = subprocess.run([sys.executable, "-c", FINISH, str(tree), str(tree / "site"), str(from_pages), str(kill_after), *more],
                          capture_output=True, text=True, timeout=300, env=_environment(tree.parent / "cache"))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    said = json.loads(done.stdout.strip().splitlines()[-1])
    files = {path.relative_to(tree / "site").as_posix(): path.read_bytes()
             for path in sorted((tree / "site").rglob("*")) if path.is_file()}
    return said, files


def _corpora(tmp_path: Path, sample_root: Path) -> list[tuple[Path, str]]:
    return [(sample_root, NOW), (make_community(tmp_path / "attaque"), ATTACK_NOW)]


@pytest.fixture
def no_refusal(monkeypatch):
    from gazette.site import Stage

    monkeypatch.setattr(Stage, "_refuse", lambda self, errors: None)  # the attack corpus past a check that misses it
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")


@FORKS
@pytest.mark.parametrize("engine", ["mkdocs", pytest.param("zensical", marks=pytest.mark.skipif(
    not HAS_ZENSICAL, reason="zensical is not installed (pip install 'gazette-editorial[zensical]')"))])
def test_two_processes_write_the_same_site_as_one(tmp_path, sample, engine, no_refusal, monkeypatch):
    for root, now in _corpora(tmp_path, sample.root):
        monkeypatch.setenv("GAZETTE_CACHE_DIR", str(tmp_path / "cache"))
        tree = _engine_output(root, engine, now, tmp_path / "cache")
        alone, one = _finish(tree, from_pages=10**9)
        shared, two = _finish(tree, from_pages=1)
        assert alone["started"] == [] and shared["started"] and shared["started"][0], (alone, shared)
        assert alone["count"] == shared["count"] > 20  # the pages finished, counted once each
        assert len(shared["started"][0]) > 10  # the worker had its share of pages
        assert one.keys() == two.keys() and len(one) > 20
        assert [path for path in one if one[path] != two[path]] == []
        if root.name == "attaque":  # and what they wrote is the finished site: nothing active in it
            faults = [fault for path in (tree / "site").rglob("*.html") for fault in audit(path, path.name).faults]
            assert faults == [] and search_index_faults(tree / "site") == []


@FORKS
def test_when_no_process_can_be_started_one_finishes_everything(tmp_path, sample, no_refusal, monkeypatch):
    monkeypatch.setenv("GAZETTE_CACHE_DIR", str(tmp_path / "cache"))
    tree = _engine_output(sample.root, "mkdocs", NOW, tmp_path / "cache")
    alone, one = _finish(tree, from_pages=10**9)
    refused, files = _finish(tree, 1, 0, "nofork")
    assert refused == {"started": [None], "error": None, "count": alone["count"]}
    assert files == one


@FORKS
def test_a_worker_killed_mid_way_stops_the_finish_and_leaves_no_unsanitized_page(tmp_path, no_refusal, monkeypatch):
    root = make_community(tmp_path / "attaque")
    monkeypatch.setenv("GAZETTE_CACHE_DIR", str(tmp_path / "cache"))
    tree = _engine_output(root, "mkdocs", ATTACK_NOW, tmp_path / "cache")
    raw = tree.parent / "raw-attaque-mkdocs"
    unfinished = [fault for path in raw.rglob("*.html") for fault in audit(path, path.name).faults]
    assert unfinished  # the engine's own output is not safe: what the check below would catch
    said, files = _finish(tree, from_pages=1, kill_after=3)
    assert "SIGKILL" in said["error"] and ("build again" in said["error"] or "relancez" in said["error"]), said
    share = said["started"][0]
    assert len(share) > 3 and not any(os.path.exists(path) for path in share)  # its whole share removed
    pages = [path for path in files if path.endswith(".html")]
    assert pages  # this process's own pages stay, finished
    faults = [fault for page in pages for fault in audit(tree / "site" / page, page).faults]
    assert faults == [] and search_index_faults(tree / "site") == []


@FORKS
@pytest.mark.skipif(not HAS_ZENSICAL, reason="zensical is not installed (pip install 'gazette-editorial[zensical]')")
def test_site_build_says_a_killed_worker_and_keeps_the_last_site(tmp_path, no_refusal):
    """`gazette site build --engine zensical`, its finishing worker killed: exit 2, the reason in
    words and no traceback; site/ is still the last good build and nothing unsanitized is left."""
    root = make_community(tmp_path / "attaque")
    env = {**_environment(tmp_path / "cache"), "GAZETTE_NOW": ATTACK_NOW}
    build = ("import os, signal, sys\n"
             "from gazette.site import Stage, finish\n"
             "Stage._refuse = lambda self, errors: None\n"
             "finish.TWO_PROCESSES_FROM = 1\n"
             "kill, parent, real, count = int(sys.argv[1]), os.getpid(), finish._finish_page, []\n"
             "def page(finisher, relpath, path):\n"
             "    real(finisher, relpath, path)\n"
             "    count.append(path)\n"
             "    if kill and os.getpid() != parent and len(count) >= 3:\n"
             "        os.kill(os.getpid(), signal.SIGKILL)\n"
             "finish._finish_page = page\n"
             "from gazette.cli import cli\n"
             f"cli(['site', 'build', '--engine', 'zensical', '--repo', {str(root)!r}])\n")
    first = subprocess.run([sys.executable, "-c", build, "0"], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    before = {path: path.read_bytes() for path in (root / "site").rglob("*") if path.is_file()}
    (root / "content/posts/2026").mkdir(parents=True, exist_ok=True)
    (root / "content/posts/2026/encore.md").write_text("---\ntitle: Encore\ndate: 2026-01-02T10:00:00+01:00\n"
                                                       "status: published\n---\n\nUn billet de plus.\n")
    killed = subprocess.run([sys.executable, "-c", build, "1"], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert killed.returncode == 2 and "Traceback" not in killed.stderr, killed.stderr
    assert "SIGKILL" in killed.stderr and ("build again" in killed.stderr or "relancez la construction" in killed.stderr)
    assert {path: path.read_bytes() for path in (root / "site").rglob("*") if path.is_file()} == before
    left = sorted((root / ".gazette/public/site").rglob("*.html"))
    faults = [fault for path in left for fault in audit(path, path.name).faults]
    assert left and faults == [] and search_index_faults(root / ".gazette/public/site") == []


# The first page, finished before the fork, fails as on a full disk: nothing raw stays either.
FIRST_FAILS = """
import errno, json, sys
from pathlib import Path
from gazette.site import finish

finish.TWO_PROCESSES_FROM = 1
real = finish._finish_page
calls = []

def page(finisher, relpath, path):
    calls.append(path)
    if len(calls) == 1:
        raise OSError(errno.ENOSPC, "No space left on device", path)
    real(finisher, relpath, path)

finish._finish_page = page
try:
    finish.finish_site(Path(sys.argv[1]), Path(sys.argv[2]))
except OSError as error:
    print(json.dumps({"error": str(error)}))
"""


def test_a_page_failing_before_the_fork_leaves_no_unsanitized_page(tmp_path, no_refusal, monkeypatch):
    """A reviewer's: the first page is finished before the fork, outside the clean-up."""
    root = make_community(tmp_path / "attaque")
    monkeypatch.setenv("GAZETTE_CACHE_DIR", str(tmp_path / "cache"))
    tree = _engine_output(root, "mkdocs", ATTACK_NOW, tmp_path / "cache")
    shutil.copytree(tree.parent / "raw-attaque-mkdocs", tree / "site")
    done = subprocess.run([sys.executable, "-c", FIRST_FAILS, str(tree), str(tree / "site")], capture_output=True,
                          text=True, timeout=300, env=_environment(tmp_path / "cache"))
    assert "No space left" in done.stdout, done.stderr
    left = sorted((tree / "site").rglob("*.html"))
    assert [fault for path in left for fault in audit(path, path.name).faults] == []
    assert search_index_faults(tree / "site") == []
