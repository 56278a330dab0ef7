"""Work done aside in a forked child: the answer is always the function's, wherever it ran."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from gazette.aside import Aside, AsideError, cpus

pytestmark = pytest.mark.skipif(cpus() < 2 or not sys.platform.startswith("linux"),
                                reason="work is done aside on Linux with two processors or more")


def _children() -> set[int]:
    found = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        found.update(int(pid) for pid in (task / "children").read_text().split())
    return found


@pytest.fixture(autouse=True)
def _alone():
    """The builds fork only with no other thread: pytest runs none of its own here."""
    assert threading.active_count() == 1


def test_the_work_runs_in_a_child_and_its_answer_comes_back():
    parent = os.getpid()
    big = {"pid": None, "texts": ["é" * 1000] * 3000}  # more than a pipe holds: read while it writes
    aside = Aside(lambda: {**big, "pid": os.getpid()})
    answer = aside.result()
    assert answer["pid"] != parent and answer["texts"] == big["texts"]


def test_an_exception_in_the_child_is_raised_here_by_running_the_work_again():
    ran_here = []

    def work():
        if os.getpid() == parent:
            ran_here.append(True)
        raise ValueError("a broken item")

    parent = os.getpid()
    aside = Aside(work)
    with pytest.raises(ValueError, match="a broken item"):
        aside.result()
    assert ran_here == [True]


def test_a_child_killed_leaves_the_work_to_this_process():
    parent = os.getpid()

    def work():
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return "done here"

    assert Aside(work).result() == "done here"


def test_with_other_threads_the_work_runs_here():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert Aside(os.getpid).result() == os.getpid()
    finally:
        stop.set()
        other.join()


def test_abandoned_work_leaves_no_process_behind():
    before = _children()
    aside = Aside(lambda: time.sleep(30))
    assert _children() - before  # it started
    started = time.monotonic()
    aside.abandon()
    assert time.monotonic() - started < 10  # stopped, not waited for
    assert _children() <= before


def test_work_that_must_not_run_twice_says_why_the_child_failed():
    def broken():
        raise ValueError("a broken item")

    def killed():
        os.kill(os.getpid(), signal.SIGKILL)

    for work, reason in ((broken, "ValueError: a broken item"), (killed, "SIGKILL")):
        aside = Aside(work, again=False)
        assert aside.started
        with pytest.raises(AsideError, match=reason):
            aside.result()


def test_a_child_that_exits_says_so():
    aside = Aside(lambda: sys.exit(3), again=False)
    with pytest.raises(AsideError, match="SystemExit: 3"):
        aside.result()


ORPHAN = """
import os, signal, sys, time
from gazette.aside import Aside
marker, started = sys.argv[1], sys.argv[2]
def work():
    with open(started + ".tmp", "w") as handle:
        handle.write(str(os.getpid()))
    os.rename(started + ".tmp", started)
    time.sleep(3)
    open(marker, "w").close()
Aside(work)
for _ in range(600):  # until the child is at work, however busy the machine
    if os.path.exists(started):
        break
    time.sleep(0.05)
os.kill(os.getpid(), signal.SIGKILL)  # the parent dies with no cleanup, its child still working
"""


def test_a_child_dies_with_its_parent(tmp_path):
    """SIGKILL or SIGTERM to a build: the child working aside (finishing pages) does not go on
    writing into a folder nobody waits for."""
    import subprocess

    marker, started = tmp_path / "written", tmp_path / "started"
    subprocess.run([sys.executable, "-c", ORPHAN, str(marker), str(started)], capture_output=True, timeout=60)
    child = int(started.read_text())
    time.sleep(4)
    assert not marker.exists()
    state = Path(f"/proc/{child}/stat")
    assert not state.exists() or state.read_text().split(")")[1].split()[0] == "Z"  # gone, or waiting for its reaper
