"""Pages finished and written beside MkDocs' rendering: the second core's share of a build.

MkDocs renders its pages one after the other, in one process, on one core. Each page's finish
step (:class:`~gazette.site.finish.Finisher`: the sanitizer over its sidebars and content region,
Gazette's own HTML put back) and writing it to ``site/`` cost ~1.5 s of a cold build at 3,000
posts. A worker process does both while MkDocs renders the next page: the page goes down a pipe,
MkDocs is handed back an empty page and writes nothing (its own rule for empty output).

What reaches ``site/`` is the same: the worker writes only what went through the finisher, as
MkDocs would have written it (``xmlcharrefreplace``, the folders made). The worker is used only
when Gazette's page hook is the last one (a later hook would change what MkDocs writes: an empty
page made into something, written over the worker's); otherwise, or when the worker cannot
start, the pages are finished in this process as before. A worker that stops half-way fails the
build, saying so: the pages it wrote are finished ones, those it did not are missing, never raw.
"""

from __future__ import annotations

import logging
import marshal
import os
import struct
import sys
from pathlib import Path

HEADER = struct.Struct("<III")  # the lengths of: the page's site-relative path, its file, its HTML
READY = b"R"  # the worker's first byte: imports done, the finisher made
READY_WAIT = 60.0  # seconds; a worker not ready by then (a machine far too busy) is not waited for
MESSAGE_LIMIT = 2000


class PageWriterError(Exception):
    """The worker stopped before every page was written: the build must fail."""


def last_on_post_page(plugins, handler) -> bool:
    """Whether ``handler`` is the last ``on_post_page`` MkDocs runs (hooks included: they are
    registered after the plugins, so one at Gazette's priority comes after it)."""
    events = getattr(plugins, "events", {}).get("post_page") or []
    return bool(events) and events[-1] == handler


class _SkippedPages(logging.Filter):
    """MkDocs says "Page skipped … Generated empty output" at INFO for each page it is handed back
    empty: 3,000 lines of a `mkdocs build` without -q. Said for the pages the worker writes, not
    for a page another plugin emptied."""

    def __init__(self):
        super().__init__()
        self.sent: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not message.startswith("Page skipped: '"):
            return True
        return message[len("Page skipped: '"):].partition("'. ")[0] not in self.sent


def _spawn(tree: Path, errors):
    import subprocess

    if not sys.executable:
        raise OSError("no Python executable to start the worker")
    # -P: the current folder (the community's repository, written by contributors) is not put
    # first on the import path; a nh3.py there would have been the sanitizer. stderr goes to a
    # file read at the end: a pipe read only then filled up (an import trace under PYTHONVERBOSE
    # was enough) and each process waited on the other for ever.
    return subprocess.Popen([sys.executable, "-P", "-m", "gazette.site.pagewriter", str(tree)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)


def _widen(stream) -> None:
    """A pipe of 1 MiB, not 64 KiB: when the worker is held up a moment (a neighbour on its
    core), MkDocs goes on rendering instead of waiting on a full pipe. Linux only; else as is."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):  # another system, or a lower limit: the default pipe
        pass


class PageWriter:
    """The finish step of one MkDocs build, page by page, in a worker when one is used.

    ``page`` returns what MkDocs is to write: ``""`` (nothing) for a page the worker took, the
    finished page when this process finishes it. ``close`` waits for the worker and returns the
    :class:`Finisher` holding every page's outcome (what was done, the sanitized texts to keep),
    for ``finish_site`` to do the rest. ``abandon`` stops the worker of a build that failed.
    ``last``: whether Gazette's page hook is the last to run (else no worker)."""

    def __init__(self, tree: Path, last: bool = True):
        self.tree = Path(tree)
        self.finisher = None
        self.skipped = _SkippedPages()
        self.logger = logging.getLogger("mkdocs.commands.build")
        self.worker = self.errors = None
        self.started = False
        if not last:
            return
        import tempfile

        try:
            self.errors = tempfile.TemporaryFile()
            self.worker = _spawn(self.tree, self.errors)
        except OSError:  # no interpreter to start, no process or file left: finished here
            self._stop()
            return
        self.logger.addFilter(self.skipped)
        _widen(self.worker.stdin)

    def _local(self):
        if self.finisher is None:
            from .finish import Finisher

            # With a worker, the pages' sanitized texts are its own: this process finishes the
            # few files MkDocs writes outside its pages (the 404), not worth reading 14 MB for.
            self.finisher = Finisher(self.tree, cached=self.worker is None and not self.started)
        return self.finisher

    def _usable(self) -> bool:
        """Whether the worker started: asked at the first page (it had the whole Markdown phase
        to start, so this rarely waits). One that did not start took no page."""
        if self.worker is not None and not self.started:
            import select

            ready, _, _ = select.select([self.worker.stdout], [], [], READY_WAIT)
            if ready and self.worker.stdout.read(1) == READY:
                self.started = True
            else:
                self._stop()
        return self.worker is not None

    def page(self, file, html: str) -> str:
        """The page MkDocs rendered from ``file`` (its MkDocs ``File``: where it is written)."""
        if not html.strip():  # another plugin emptied it: MkDocs skips it, and says so
            return html
        if not self._usable():
            return self._local().page(file.dest_uri, html)
        data = [file.dest_uri.encode("utf-8", "surrogatepass"), os.fsencode(file.abs_dest_path),
                html.encode("utf-8", "surrogatepass")]
        try:
            self.worker.stdin.write(HEADER.pack(*map(len, data)) + b"".join(data))
        except OSError:  # the worker stopped (killed, crashed): close() says why
            self.close()
            raise PageWriterError(_stopped(None)) from None
        self.skipped.sent.add(file.src_uri)
        return ""

    def close(self):
        """Every page written: the :class:`Finisher` with the worker's outcome merged in."""
        worker, self.worker = self.worker, None
        finisher = self._local()
        if worker is None:
            return finisher
        try:
            try:
                output, _ = worker.communicate()
            except OSError:  # its stdin already broken: what it said is still read
                output = worker.stdout.read()
                worker.wait()
        finally:
            self.logger.removeFilter(self.skipped)
        said = self._said()
        if not self.started:
            output = output.removeprefix(READY)
        if worker.returncode != 0:
            raise PageWriterError(_stopped(worker.returncode) if worker.returncode < 0 or not said else said)
        count, done, used = marshal.loads(output)
        finisher.count += count
        finisher.done.update(done)
        finisher.used.update(used)
        return finisher

    def _said(self) -> str:
        """The worker's last line on stderr (it writes one when it fails)."""
        if self.errors is None:
            return ""
        try:
            self.errors.seek(0)
            lines = self.errors.read()[-MESSAGE_LIMIT:].decode("utf-8", "replace").strip().splitlines()
        except OSError:
            lines = []
        finally:
            self.errors.close()
            self.errors = None
        return lines[-1] if lines else ""

    def _stop(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            self.logger.removeFilter(self.skipped)
            worker.kill()
            worker.communicate()
        if self.errors is not None:
            self.errors.close()
            self.errors = None

    def abandon(self) -> None:
        """The build failed: the worker is stopped, nothing more is written."""
        self._stop()


def _stopped(returncode: int | None) -> str:
    from ..aside import signal_name
    from ..i18n import _

    if returncode is not None and returncode < 0:
        return _("the worker finishing the pages was stopped by {signal}; build again").format(
            signal=signal_name(-returncode))
    if returncode is None:
        return _("the worker finishing the pages stopped; build again")
    return _("the worker finishing the pages stopped (exit {code}); build again").format(code=returncode)


def _read_exactly(stream, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError
    return data


def main(argv: list[str]) -> int:
    """The worker: pages from stdin, finished and written; at the end of stdin, the outcome
    (pages, their paths, the sanitized texts) on stdout. One line on stderr when it fails."""
    import signal

    # Ctrl-C goes to the whole process group: the build stops, and its end of the pipe closes,
    # which ends this loop. A traceback of its own was only noise in the build's error.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    source, out = sys.stdin.buffer, sys.stdout.buffer
    dest_path = ""
    try:
        from .finish import Finisher

        finisher = Finisher(Path(argv[0]))
        out.write(READY)
        out.flush()
        while True:
            header = source.read(HEADER.size)
            if not header:
                break
            if len(header) != HEADER.size:
                raise EOFError
            relpath, dest, html = (_read_exactly(source, size) for size in HEADER.unpack(header))
            dest_path = os.fsdecode(dest)
            finished = finisher.page(relpath.decode("utf-8", "surrogatepass"), html.decode("utf-8", "surrogatepass"))
            os.makedirs(os.path.dirname(dest_path), exist_ok=True)  # as MkDocs' write_file
            with open(dest_path, "wb") as handle:
                handle.write(finished.encode("utf-8", errors="xmlcharrefreplace"))
        out.write(marshal.dumps((finisher.count, sorted(finisher.done), finisher.used)))
        out.flush()
        return 0
    except EOFError:
        from ..i18n import _

        sys.stderr.write(_("the build stopped sending pages half-way") + "\n")
    except Exception as error:  # noqa: BLE001 - said in one line, the build fails with it
        from ..i18n import os_reason

        reason = os_reason(error) if isinstance(error, OSError) else f"{type(error).__name__}: {error}"
        where = dest_path or "the worker finishing the pages"
        sys.stderr.write(" ".join(f"{where}: {reason}".split())[:MESSAGE_LIMIT] + "\n")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
