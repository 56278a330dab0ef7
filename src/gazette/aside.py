"""Work done aside: a function run in a forked child while this process goes on.

Two steps of a site build use the second core this way. The site stage checks the loaded
repository (~0.6 s at 3,000 posts) and builds the tree from the same items (~0.8 s): the check's
report is only needed before the tree's first write, so a child runs it. After Zensical has
exited, the finish step's pages are shared with a child. A forked child has everything already
loaded (copy-on-write) and sends back its answer, pickled.

A child is started only where forking is safe and pays: Linux (on macOS a forked child may not
use what the system's libraries set up in the parent), no other thread (a fork copies none of
them but keeps the locks they hold), more than one processor. ``again=True``: when the child
cannot start or fails in any way, the work runs here (its exception, if any, raised here);
``again=False`` (work that must not run twice): a failure is :class:`AsideError`, saying why.
"""

from __future__ import annotations

import os
import pickle
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class AsideError(Exception):
    """The child failed: its exception in words, or the signal that stopped it."""


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    import sys
    import threading

    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1 and cpus() > 1


class Aside(Generic[T]):
    """``work()`` started in a child (``started``); ``result()`` its answer (once)."""

    def __init__(self, work: Callable[[], T], again: bool = True):
        self.work = work
        self.again = again
        self.pid = 0
        self.reader = -1
        if not can_fork():
            return
        try:
            reader, writer = os.pipe()
        except OSError:
            return
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:  # no process left: done here
            os.close(reader)
            os.close(writer)
            return
        if pid == 0:  # the child: never returns into the caller's code
            status = 1
            try:
                os.close(reader)
                _die_with(parent)
                try:
                    answer = (True, work())
                except BaseException as error:  # noqa: BLE001 - said by the parent (sys.exit, Ctrl-C too)
                    answer = (False, f"{type(error).__name__}: {error}")
                data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
                view = memoryview(data)
                while view:
                    view = view[os.write(writer, view):]
                status = 0
            finally:
                os._exit(status)  # no atexit, no flush of the parent's buffers, no cleanup of its files
        os.close(writer)
        self.pid, self.reader = pid, reader

    @property
    def started(self) -> bool:
        return self.pid != 0

    def result(self) -> T:
        if not self.pid:
            return self.work()
        pid, self.pid = self.pid, 0
        chunks = []
        try:
            while True:
                chunk = os.read(self.reader, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(self.reader)
            _, status = os.waitpid(pid, 0)
        answer = None
        if status == 0:
            try:
                answer = pickle.loads(b"".join(chunks))
            except Exception:  # noqa: BLE001 - an answer that cannot be read is a failure like any
                answer = None
        if isinstance(answer, tuple) and len(answer) == 2 and answer[0] is True:
            return answer[1]
        if self.again:
            return self.work()
        raise AsideError(answer[1] if isinstance(answer, tuple) and len(answer) == 2 else _ended(status))

    def abandon(self) -> None:
        """The caller failed before asking: the child is stopped and reaped (a long-running
        `mkdocs serve` would collect one zombie per failed build)."""
        if self.pid:
            import signal

            pid, self.pid = self.pid, 0
            os.close(self.reader)
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            os.waitpid(pid, 0)


def _die_with(parent: int) -> None:
    """The child is killed when the parent dies (SIGTERM, SIGKILL: no cleanup runs there): left
    alone, it went on writing pages into the folder of a build nobody waits for any more."""
    import signal

    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError, ImportError):
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def signal_name(number: int) -> str:
    """"SIGKILL" for 9: how a stopped process is named to the user."""
    import signal

    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        return signal_name(os.WTERMSIG(status))
    return f"exit status {os.waitstatus_to_exitcode(status)}"
