"""Work done aside: a function run in a forked child while this process goes on.

The site stage checks the loaded repository (~0.6 s at 3,000 posts) and then builds the tree
from it (~0.8 s), one after the other on one core; the check's outcome is only needed at the
end, to stop the build. A forked child has the loaded repository already (copy-on-write), runs
the check on the second core and sends back its result, pickled.

The answer is always the function's: run here instead when this process cannot fork safely
(no ``os.fork``, or other threads: one may hold a lock the child would wait on forever), when
the child fails in any way (its exception is then raised here, by running it again), or when
its answer cannot be read.
"""

from __future__ import annotations

import os
import pickle
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


def _can_fork() -> bool:
    import sys
    import threading

    # Linux only: on macOS a forked child may not use what the system's libraries set up in the
    # parent (Python itself stopped forking there by default); elsewhere the work runs here.
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


class Aside(Generic[T]):
    """``work()`` started in a child; ``result()`` its answer (once)."""

    def __init__(self, work: Callable[[], T]):
        self.work = work
        self.pid = 0
        self.reader = -1
        if not _can_fork():
            return
        try:
            reader, writer = os.pipe()
        except OSError:
            return
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
                data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
                view = memoryview(data)
                while view:
                    view = view[os.write(writer, view):]
                status = 0
            finally:
                os._exit(status)  # no atexit, no flush of the parent's buffers, no cleanup of its files
        os.close(writer)
        self.pid, self.reader = pid, reader

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
        if status == 0:
            try:
                return pickle.loads(b"".join(chunks))
            except Exception:  # noqa: BLE001 - an answer that cannot be read is asked again here
                pass
        return self.work()

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
