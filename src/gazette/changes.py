"""What changed since a git ref, and what refers to it (for ``check --changed-since``).

Reads go through the git command line directly: one ``git diff`` and, only
when something was deleted or a frame key removed, one ``git grep``.
GitPython's import alone (~120 ms) would cost more than the whole check of
one changed file; it is kept for writing (publish).
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

from .i18n import _


class GitError(Exception):
    """git failed (unknown ref, not a repository): a usage error."""


def _start(root: Path, *args: str, input: bytes | None = None, env: dict | None = None) -> "_Git":
    command = ["git", "-c", "core.quotePath=false", *args]
    try:
        if hasattr(os, "posix_spawnp"):
            try:
                return _Git(os.fspath(root), command, input, env)
            except FileNotFoundError:
                raise
            except OSError:  # posix_spawnp stops at the first git on PATH it cannot run (not a
                pass  # program, no permission); subprocess goes on to the next one, as a shell does
        return _Popen(root, command, input, env)
    except FileNotFoundError:
        raise GitError(_("git is not installed")) from None
    except OSError as error:  # the only git on PATH is not a program, or a folder: a usage error
        raise GitError(_("git cannot run: {error}").format(error=error.strerror or error)) from None


def _Popen(root, command: list, input: bytes | None, env: dict | None = None):
    import subprocess

    class Popen(subprocess.Popen):
        def communicate(self):
            return super().communicate(input if self.stdin and not self.stdin.closed else None)

    return Popen(command, cwd=root, stdin=subprocess.PIPE if input is not None else None,
                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def _pipe(fds: list) -> tuple[int, int]:
    """os.pipe(), both ends above 0-2 (one of them may be free: a hook that closed stdout),
    so that moving one end onto the child's stdout cannot land on itself or another end."""
    ends = []
    for fd in os.pipe():
        low = []
        while fd < 3:
            low.append(fd)
            fd = os.dup(fd)
        for spare in low:
            os.close(spare)
        ends.append(fd)
        fds.append(fd)
    return ends[0], ends[1]


def _inherited_descriptors() -> list[int]:
    """The descriptors above 2 a child would inherit: those Gazette itself was given (Python
    opens its own non-inheritable). Where /proc is missing, none are known: git ignores them."""
    try:
        numbers = [int(name) for name in os.listdir("/proc/self/fd")]
    except (OSError, ValueError):
        return []
    found = []
    for fd in numbers:
        try:
            if fd > 2 and os.get_inheritable(fd):
                found.append(fd)
        except OSError:  # the listing's own descriptor, closed by now
            continue
    return found


class _Git:
    """One git command, its output read through pipes: the part of ``subprocess.Popen`` these
    reads use (``communicate``, ``poll``, ``kill``, ``returncode``), over ``os.posix_spawnp``.

    Importing subprocess (with selectors, threading, signal, locale, contextlib: ~4 ms CPU)
    was a twentieth of checking one changed file. As Popen does, the child gets the signals
    Python ignores back to their defaults (SIGPIPE, SIGXFSZ) and keeps stdin; Python's own
    descriptors are not inherited (PEP 446), nor those Gazette itself inherited (``3>file``), as
    Popen's ``close_fds``. It runs in ``cwd`` by git's own ``-C``.
    """

    def __init__(self, cwd: str, command: list, input: bytes | None = None, env: dict | None = None):
        if not os.path.isdir(cwd):
            raise FileNotFoundError(cwd)  # as Popen's chdir said it
        import _signal

        fds: list[int] = []
        try:
            out_read, out_write = _pipe(fds)
            err_read, err_write = _pipe(fds)
            actions = [(os.POSIX_SPAWN_DUP2, out_write, 1), (os.POSIX_SPAWN_DUP2, err_write, 2)]
            if input is not None:
                in_read, in_write = _pipe(fds)
                actions.append((os.POSIX_SPAWN_DUP2, in_read, 0))
            actions += [(os.POSIX_SPAWN_CLOSE, fd) for fd in _inherited_descriptors()]
            defaults = [getattr(_signal, name) for name in ("SIGPIPE", "SIGXFSZ", "SIGXFZ") if hasattr(_signal, name)]
            self.pid = os.posix_spawnp(command[0], [command[0], "-C", cwd, *command[1:]],
                                       os.environ if env is None else env, file_actions=actions, setsigdef=defaults)
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise
        for fd in (out_write, err_write, *((in_read,) if input is not None else ())):
            os.close(fd)
        self.returncode = None
        self._chunks = {out_read: [], err_read: []}
        self._open = [out_read, err_read]
        self._input = (in_write, memoryview(input)) if input is not None else None
        self._output = None

    def communicate(self) -> tuple[bytes, bytes]:
        """Everything git writes, once it has exited (then empty outputs, as Popen gives)."""
        if self._output is not None:
            self.wait()
            return b"", b""
        import select

        poller = select.poll()
        for fd in self._open:
            poller.register(fd, select.POLLIN)
        if self._input is not None:
            poller.register(self._input[0], select.POLLOUT)
        while self._open or self._input is not None:
            for fd, _event in poller.poll():
                if self._input is not None and fd == self._input[0]:
                    self._write_some(poller)
                    continue
                data = os.read(fd, 65536)
                if data:
                    self._chunks[fd].append(data)
                else:
                    poller.unregister(fd)
                    self._open.remove(fd)
                    os.close(fd)
        out, err = (b"".join(chunks) for chunks in self._chunks.values())
        self._output = True
        self.wait()
        return out, err

    def _write_some(self, poller) -> None:
        fd, rest = self._input
        try:
            written = os.write(fd, rest[:65536]) if rest else 0
        except BrokenPipeError:  # git stopped reading: what it said is in its output
            written, rest = 0, rest[:0]
        self._input = (fd, rest[written:])
        if not self._input[1]:
            poller.unregister(fd)
            os.close(fd)
            self._input = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self) -> int:
        if self.returncode is None:
            _pid, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 9)
            except ProcessLookupError:
                pass


def _started(started: list, root: Path, *args: str) -> _Git:
    process = _start(root, *args)
    started.append(process)
    return process


def _finish(process: _Git) -> str:
    return _finish_bytes(process).decode("utf-8", "replace")


def _finish_paths(process: _Git) -> str:
    """git's listing of paths, decoded as Python names files (os.fsdecode): a name that is
    not UTF-8 (caf\\xe9.md) is then the same str os.scandir gives, and opens."""
    return _finish_bytes(process).decode("utf-8", "surrogateescape")


def _finish_bytes(process: _Git) -> bytes:
    out, err = process.communicate()
    if process.returncode not in (0, 1) or (process.returncode == 1 and err):
        message = err.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[0] if message else "git failed")
    return out


def _git(root: Path, *args: str) -> str:
    return _finish(_start(root, *args))


# Where a full check reads files: a new file anywhere here is a change.
CHECKED_FOLDERS = ("content", "calendar", "community", "metrics")


def frame_reach(paths) -> str | None:
    """How far a change to these paths reaches beyond the files themselves.

    "all": every item, as a full check (the channels' slots, zones and severities, freezes,
    events... any item may depend on them: hard to narrow, so nothing is); "frame": the
    frame and registry files, which refer to each other (a place or an action names a
    person, an action a campaign); the items naming a campaign or an action are found by
    :func:`referrers`; None: nothing beyond them."""
    reach = None
    for path in paths:
        if path.startswith(("calendar/campaigns/", "calendar/actions/", "community/")):
            reach = "frame"
        elif path.startswith("calendar/"):
            return "all"
    return reach


class PendingChanges:
    """The git reads, started at once so they run while Python imports the rest.

    Together they are most of the cost of checking one changed file. The third lists the
    kind folders' trees at the ref: the key of the index of days (:mod:`gazette.dayindex`).
    """

    def __init__(self, root: Path, ref: str):
        if ref.startswith("-"):
            raise GitError(_('{ref!r} is not a git revision').format(ref=ref))  # never let it become a git option
        if is_range(ref):  # git diff A..B compares two commits: the working tree would be left out
            raise GitError(_('{ref!r} is a range; give one commit (e.g. origin/main): what changed since it, '
                             'committed or not, is checked').format(ref=ref))
        from .dayindex import KIND_PATHS  # before the first git: an interrupt here leaves none running

        started = []
        try:
            # --relative: paths from the repository root even inside a larger git tree.
            # One thread: git's parallel lstat of 10,000 files (core.preloadIndex) cost ~3 ms more
            # CPU, and Python's imports, not git, are what the command waits for.
            self.diff = _started(started, root, "-c", "core.preloadIndex=false", "diff", "--relative",
                                 "--name-status", "-z", "-M", ref, "--")
            # Every file git does not track, ignored or not: one walk of the folders (two listings,
            # --exclude-standard and --ignored, walked them twice: ~8 ms each in 10,000 files);
            # the few found are sorted into untracked and ignored by one git check-ignore.
            self.others = _started(started, root, "ls-files", "--others", "-z", "--", *CHECKED_FOLDERS)
            self.trees = _started(started, root, "ls-tree", "-z", ref, "--", *KIND_PATHS)
            # Whether REF's stored blobs may differ from the files on disk (read by stored_form_differs).
            self.settings = _started(started, root, "config", "-z", "--get-regexp", STORED_FORM_SETTINGS)
        except BaseException:  # Ctrl-C or git missing halfway: the caller has no object to cancel
            for process in started:
                process.kill()
                process.communicate()
            raise
        self.root, self.ref = root, ref
        self._differs: bool | None = None
        # known once result() has read them
        self.untracked_paths: set[str] | None = None
        self.ignored_paths: set[str] | None = None
        self.changed: set[str] | None = None
        self.gone: set[str] | None = None

    def cancel(self) -> None:
        for process in (self.diff, self.others, self.trees, self.settings):
            if process.poll() is None:
                process.kill()
            process.communicate()

    def result(self) -> tuple[set[str], set[str]]:
        """(paths changed since the ref, incl. uncommitted and untracked; paths gone since it)."""
        untracked, ignored = _sort_others(self.root, _finish_bytes(self.others))
        self.untracked_paths = set(untracked)
        # Ignored files the full check would read: Markdown in a kind folder, outside dot folders
        # (a .cache/ of 20,000 files, or of one 220 MB file, was read whole to find nothing).
        self.ignored_paths = {p for p in ignored
                              if p.endswith(".md") and any(in_pathspec(p, folder) for folder in _kind_paths())
                              and not any(part.startswith(".") for part in p.split("/")[:-1])}
        self.changed, self.gone = _parse_changes(_finish_paths(self.diff), "\0".join(untracked))
        return set(self.changed), set(self.gone)

    def stored_form_differs(self) -> bool:
        """Whether a file ``git diff`` does not list may still differ from REF's blob, or
        reading REF's blobs may reach the network: a filter driver that cleans (git-crypt's
        ciphertext, an LFS pointer: git diff compares after the clean filter), or a partial
        clone (each missing blob fetched from the remote, one round trip each). Then only
        the working tree answers (git grep), as a full check reads it."""
        if self._differs is None:
            try:
                entries = _finish(self.settings).split("\0")
            except GitError:
                entries = ["?\n?"]  # git could not say: assume the worst
            self._differs = any(map(_changes_stored_form, filter(None, entries)))
        return self._differs

    def tree_ids(self):
        """(folder, tree id) of the kind folders at the ref, or None if git could not say."""
        from .dayindex import parse_tree_listing

        try:
            return parse_tree_listing(_finish(self.trees))
        except GitError:
            return None


def _kind_paths():
    from .dayindex import KIND_PATHS

    return KIND_PATHS


def _sort_others(root: Path, listing: bytes) -> tuple[list[str], list[str]]:
    """(untracked, ignored) among the files of ``git ls-files --others -z`` (NUL-separated
    bytes), as ``ls-files --others [--ignored] --exclude-standard`` would list them: git
    check-ignore applies the same exclude files (every .gitignore on the way, info/exclude,
    core.excludesFile) and the same rule that a file in an ignored folder stays ignored.
    Nothing to sort (the usual case): no process at all."""
    names = [name for name in listing.split(b"\0") if name]
    if not names:
        return [], []
    if len(names) > SORT_MAX:  # an ignored folder of thousands of files: git's two listings are cheaper
        return _listed_apart(root)
    # --no-index: a name is matched against the exclude files only (without it, a name with
    # * ? [ matched as a glob against tracked files is taken for tracked, never ignored); and
    # git's global pathspec settings, which check-ignore refuses with a fatal error, left out.
    settings = {key: value for key, value in os.environ.items() if key not in PATHSPEC_SETTINGS}
    checker = _start(root, "check-ignore", "--no-index", "--stdin", "-z", input=b"\0".join(names) + b"\0",
                     env=settings)
    try:
        out = _finish_bytes(checker)
    except BaseException:  # Ctrl-C: no git left running
        checker.kill()
        checker.communicate()
        raise
    excluded = set(filter(None, out.split(b"\0")))
    untracked = [name.decode("utf-8", "surrogateescape") for name in names if name not in excluded]
    ignored = [name.decode("utf-8", "surrogateescape") for name in names if name in excluded]
    return untracked, ignored


# Set by editors and other git front-ends; check-ignore says "pathspec magic not supported".
PATHSPEC_SETTINGS = frozenset({"GIT_LITERAL_PATHSPECS", "GIT_GLOB_PATHSPECS", "GIT_NOGLOB_PATHSPECS",
                               "GIT_ICASE_PATHSPECS"})

# Above this many files git does not track, sorting them one by one (check-ignore reads the
# exclude files for each: ~50 ms for 20,000 files in an ignored content/.cache/) costs more
# than walking again with git's own two listings.
SORT_MAX = 1000


def _listed_apart(root: Path) -> tuple[list[str], list[str]]:
    """(untracked, ignored) from ``ls-files --others [--ignored] --exclude-standard``: what
    :func:`_sort_others` gives, by two walks that skip (or list) ignored folders whole."""
    started: list = []
    try:
        _started(started, root, "ls-files", "--others", "--exclude-standard", "-z", "--", *CHECKED_FOLDERS)
        _started(started, root, "ls-files", "--others", "--ignored", "--exclude-standard", "-z", "--",
                 *_kind_paths())
        return tuple([p for p in _finish_paths(process).split("\0") if p] for process in started)
    finally:  # Ctrl-C or a git error halfway: none left running
        for process in started:
            process.kill()
            process.communicate()


# git config keys (section and name lower-cased by git) that make REF's stored form differ
# from the working tree: a filter driver's clean or process command, a partial clone.
STORED_FORM_SETTINGS = r"^(filter\..+\.(clean|process)|extensions\.partialclone|remote\..+\.promisor)$"



def _changes_stored_form(entry: str) -> bool:
    """One ``git config -z`` answer: ``key\nvalue`` (a bare boolean key has no value: true)."""
    key, _newline, value = entry.partition("\n")
    value = value.strip()
    if key.startswith("remote."):  # promisor
        return value.lower() in ("", "true", "yes", "on", "1")
    return bool(value)  # an empty clean command is no filter


_early: list = []  # [(root, ref, PendingChanges)] started by gazette.launch


def start_early(root: Path, ref: str) -> None:
    """Start the reads of ``check --changed-since ref`` before the command is even parsed
    (see :mod:`gazette.launch`); stopped at exit unless the command adopts them."""
    import atexit

    pending = PendingChanges(root, ref)
    _early.append((root, ref, pending))
    atexit.register(_cancel_unadopted)


def adopt_early(root: Path, ref: str) -> PendingChanges | None:
    """The reads started early for this root and ref, if any (others are stopped)."""
    adopted = None
    while _early:
        early_root, early_ref, pending = _early.pop()
        if adopted is None and early_root == root and early_ref == ref:
            adopted = pending
        else:
            pending.cancel()
    return adopted


def _cancel_unadopted() -> None:
    while _early:
        _early.pop()[2].cancel()


def is_range(ref: str) -> bool:
    """A revision range (A..B, A...B, ^A, A^!, A^@, A^-n) rather than one commit."""
    import re

    return ".." in ref or ref.startswith("^") or re.search(r"\^[!@-]", ref) is not None


def changed_paths(root: Path, ref: str) -> tuple[set[str], set[str]]:
    pending = PendingChanges(root, ref)
    try:
        return pending.result()
    finally:
        pending.cancel()  # the listing of trees, not needed here


def _parse_changes(diff: str, others: str) -> tuple[set[str], set[str]]:
    fields = diff.split("\0")
    changed: set[str] = set()
    gone: set[str] = set()
    index = 0
    while index < len(fields) - 1:
        status = fields[index]
        if status.startswith(("R", "C")):
            gone.add(fields[index + 1])
            changed.add(fields[index + 2])
            index += 3
            continue
        path = fields[index + 1]
        (gone if status.startswith("D") else changed).add(path)
        index += 2
    changed.update(p for p in others.split("\0") if p)
    return changed, gone


def _keys_at(root: Path, ref: str, relpath: str, section: str) -> set[str]:
    # The frame as it was at ``ref`` is read with the same guards as today's (depth,
    # aliases, size): a raw libyaml load of hostile nesting kills the process.
    from .load import FRAME_YAML_BYTES
    from .yamlsafe import YAMLProblem, parse

    try:
        text = _git(root, "show", f"{ref}:./{relpath}")
        data = parse(text, max_bytes=FRAME_YAML_BYTES)[0] or {}
        return {str(key) for key in (data.get(section) or {})}
    except (GitError, YAMLProblem, AttributeError):
        return set()


def referrers(root: Path, ref: str, changed: set[str], gone: set[str], frame,
              untracked: set[str] | None = None) -> set[str]:
    """Item files that mention something deleted or renamed since ``ref``, or a changed
    campaign or action (see also :func:`frame_reach`).

    ``untracked``: see :func:`files_mentioning`."""
    words: set[str] = set()
    literals: set[str] = set()
    for path in gone:
        if path.startswith("content/"):
            literals.add(posixpath.basename(path))  # a linked post or an image
    # A campaign's window and an action's paid: decide what their items may say and when.
    for path in changed | gone:
        if path.startswith(("calendar/campaigns/", "calendar/actions/")):
            words.add(posixpath.splitext(posixpath.basename(path))[0])
    if "content/.authors.yml" in changed | gone:
        words |= _keys_at(root, ref, "content/.authors.yml", "authors") - set(map(str, frame.authors))
    if "calendar/channels.yml" in changed | gone:
        words |= _keys_at(root, ref, "calendar/channels.yml", "channels") - set(map(str, frame.channels))
    return (files_mentioning(root, words, whole_words=True, untracked=untracked)
            | files_mentioning(root, literals, untracked=untracked))


def files_mentioning(root: Path, needles: set[str], folder: str = "content", whole_words: bool = False,
                     pathspecs: tuple[str, ...] = (), untracked: set[str] | None = None) -> set[str]:
    """Markdown files under ``folder`` (or ``pathspecs``) containing any of ``needles``
    (git grep, else a scan).

    ``untracked``: the untracked files (from ``git ls-files --others --exclude-standard``)
    when the caller already has them. git grep then reads only tracked files and these
    few are read here: its ``--untracked`` walks every folder again (~a third of its cost).
    """
    return PendingMentions(root, needles, folder, whole_words, pathspecs, untracked).result()


class _PendingGrep:
    process = None

    def cancel(self) -> None:
        """Not needed after all: stop git now rather than let it read on."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.communicate()


class PendingMentions(_PendingGrep):
    """:func:`files_mentioning`, with git grep started now and read by :meth:`result`."""

    def __init__(self, root: Path, needles: set[str], folder: str = "content", whole_words: bool = False,
                 pathspecs: tuple[str, ...] = (), untracked: set[str] | None = None):
        self.root, self.needles, self.whole_words, self.untracked = root, needles, whole_words, untracked
        self.folder, self.specs, self.process = folder, pathspecs or (folder,), None
        if not needles:
            return
        args = ["grep", "--threads=1", "-l", "-F", "-z"] + (["--untracked"] if untracked is None else [])
        args += ["-w"] if whole_words else []
        for needle in sorted(needles):
            args += ["-e", needle]
        try:
            self.process = _start(root, *args, "--", *self.specs)
        except GitError:
            pass  # no git: result() reads the files

    def result(self) -> set[str]:
        if not self.needles:
            return set()
        root, needles = self.root, self.needles
        try:
            if self.process is None:
                raise GitError("git is not installed")
            found = set(filter(None, _finish_paths(self.process).split("\0")))
            if self.untracked:
                found |= _untracked_mentioning(root, needles, self.whole_words,
                                               [p for p in self.untracked if any(in_pathspec(p, s) for s in self.specs)])
        except GitError:  # not a git repository: read the files
            found = _untracked_mentioning(root, needles, self.whole_words, _markdown_files(root, (self.folder,)))
        return {p for p in found if p.endswith(".md")}


def in_pathspec(path: str, spec: str) -> bool:
    """Whether git would match ``path`` with ``spec``: a folder, or a ``:(glob)`` pattern
    where ``*`` stays within a folder and a final ``/**`` is everything inside."""
    if not spec.startswith(":(glob)"):
        folder = spec.rstrip("/")
        return path == folder or path.startswith(folder + "/")
    import re

    pattern = spec[len(":(glob)"):]
    tail = pattern.endswith("/**")
    body = pattern[:-3] if tail else pattern
    regex = "".join("[^/]*" if part == "*" else re.escape(part) for part in re.split(r"(\*)", body))
    return re.fullmatch(regex + ("/.+" if tail else ""), path) is not None


def _untracked_mentioning(root: Path, needles: set[str], whole_words: bool, paths: list[str]) -> set[str]:
    """What ``git grep -F [-w]`` finds among these untracked files (git's word characters
    are ASCII letters, digits and _)."""
    import re

    alternatives = b"|".join(re.escape(n.encode()) for n in sorted(needles))
    wanted = re.compile(rb"(?<![A-Za-z0-9_])(?:" + alternatives + rb")(?![A-Za-z0-9_])" if whole_words
                        else alternatives)
    return _untracked_matching(root, wanted, paths)


def _markdown_files(root: Path, folders) -> list[str]:
    """The Markdown files under these folders, links left out, as git grep would list them."""
    import os

    found = []
    for folder in folders:
        for base, _dirs, names in os.walk(root / folder):
            found += [os.path.relpath(os.path.join(base, name), root).replace(os.sep, "/")
                      for name in names if name.endswith(".md")]
    return found


def _untracked_matching(root: Path, wanted, paths: list[str]) -> set[str]:
    import os

    import stat

    from .load import MAX_FILE_BYTES

    found = set()
    for relpath in paths:
        full = os.path.join(root, relpath)
        try:
            status = os.lstat(full)
            # A link: git grep reads its target's path, never what it points at. Over the cap:
            # the full check refuses the file unread, so it refers to nothing and has no slot.
            if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_FILE_BYTES:
                continue
            with open(full, "rb") as handle:
                if wanted.search(handle.read(MAX_FILE_BYTES + 1)):
                    found.add(relpath)
        except OSError:
            continue  # unreadable: the full check says so about that file, not as a neighbour
    return found


# -- items that may share a slot -------------------------------------------------

def slot_days(moments) -> set:
    """The days a date-time at one of these instants can be written on: its UTC day and
    the days either side (an offset is under 24 hours; a naive one is read in the
    repository's zone)."""
    from datetime import timedelta, timezone

    days = set()
    for moment in moments:
        utc = moment.astimezone(timezone.utc).date()
        for shift in (-1, 0, 1):
            try:
                days.add(utc + timedelta(days=shift))
            except OverflowError:
                pass
    return days


def day_pattern(days) -> str:
    """A regular expression (the same in PCRE, POSIX ERE and Python) matching every
    spelling that starts a date-time on one of these days: YAML's timestamps (month and
    day with or without their zero) and the ISO forms ``datetime.fromisoformat`` reads in a
    quoted text (basic 20261205, week 2026-W49-6 or 2026W496, a week alone: its Monday).
    It may match more (2026-1-1 inside 2026-1-15): a found file is parsed, not trusted."""
    import re

    spellings = set()
    for day in days:
        year, week, _weekday = day.isocalendar()
        month, number = (("0?" if n < 10 else "") + str(n) for n in (day.month, day.day))
        spellings.add(f"{day.year:04d}-{month}-{number}")
        spellings.add(re.escape(f"{day:%Y%m%d}"))
        spellings.add(f"{year:04d}-?W{week:02d}")
    return "|".join(sorted(spellings))


class PendingDays(_PendingGrep):
    """Item files (any kind folder, any year) that may write a date-time on one of these
    days, in any spelling: git grep started now, read by :meth:`result`.

    ``untracked``: as for :class:`PendingMentions` (then git reads the tracked files only)."""

    def __init__(self, root: Path, days, untracked: set[str] | None = None):
        from .load import KIND_FOLDERS

        self.root, self.untracked, self.days = root, untracked, set(days)
        self.pattern = day_pattern(self.days)
        self.specs = tuple(f"content/{folder}" for folder in sorted(KIND_FOLDERS))
        self.process = self._grep("-P") if self.days else None  # PCRE's JIT: a fifth of -E's time

    def _grep(self, engine: str):
        args = ["grep", "--threads=1", "-l", "-z", engine] + (["--untracked"] if self.untracked is None else [])
        try:
            return _start(self.root, *args, "-e", self.pattern, "--", *self.specs)
        except GitError:
            return None  # no git: result() reads the files

    def result(self) -> set[str]:
        import re

        if not self.days:
            return set()
        wanted = re.compile(self.pattern.encode())
        try:
            if self.process is None:
                raise GitError("git is not installed")
            try:
                found = set(filter(None, _finish_paths(self.process).split("\0")))
            except GitError:  # a git built without PCRE
                self.process = self._grep("-E")
                if self.process is None:
                    raise
                found = set(filter(None, _finish_paths(self.process).split("\0")))
            if self.untracked:
                found |= _untracked_matching(self.root, wanted, [p for p in self.untracked
                                                                 if any(in_pathspec(p, s) for s in self.specs)])
        except GitError:  # not a git repository: read the files
            found = _untracked_matching(self.root, wanted, _markdown_files(self.root, self.specs))
        return {p for p in found if p.endswith(".md")}
