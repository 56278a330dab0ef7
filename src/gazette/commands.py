"""The bodies of ``gazette check`` and ``gazette moderate``, with no click in them.

Both ways in run these same functions: the click commands (:mod:`gazette.cli`), and
:mod:`gazette.launch`'s click-free start for argv :func:`gazette.cliargs.parse` fully
understands. What click would do around a command (find the root and the time, turn a
library error into ``gazette: error: …`` and exit 2, "Aborted!" on Ctrl-C, quiet on a
closed pipe) is here once, so the two ways print the same bytes and exit the same way.
"""

from __future__ import annotations

import os
import sys

from .i18n import _, os_reason


class CommandError(Exception):
    """A usage or configuration error: ``gazette: error: …`` on stderr, exit 2."""


def error_line(message: str) -> str:
    return _('gazette: error: {message}').format(message=message)


# click.echo's rule (click 8.5): codes that look like ANSI styles are removed when the stream
# is no terminal; a stream that says ASCII is written in UTF-8 with unwritable characters replaced.
_ANSI = None


def echo(message: str = "", err: bool = False) -> None:
    """One line to stdout (stderr with ``err``), written as ``click.echo`` writes it."""
    echo_pieces((message,), err)


def echo_pieces(pieces, err: bool = False) -> None:
    """:func:`echo` of the text the ``pieces`` make, written piece by piece: a queue of megabytes
    is never joined, copied with its line break and encoded whole (fresh memory each time, whose
    page faults cost more than the copies). Same bytes, styles stripped by the same rule, given
    that no piece ends inside a style sequence (a JSON queue holds none: its quoter escapes \\033)."""
    stream = sys.stderr if err else sys.stdout
    if stream is None:
        return
    stream = _writable(stream)
    strip = None
    try:
        for piece in pieces:
            if "\033" in piece:
                if strip is None:
                    strip = _strip_styles(stream)
                if strip:
                    piece = _ansi().sub("", piece)
            stream.write(piece)
        stream.write("\n")
        stream.flush()
    except OSError as error:
        _write_failed(error, err)


def _ansi():
    global _ANSI
    if _ANSI is None:
        import re

        _ANSI = re.compile(r"\033\[[0-?]*[ -/]*[@-~]")
    return _ANSI


def _write_failed(error: OSError, err: bool):
    import errno

    if err or error.errno == errno.EPIPE:
        raise error  # a closed pipe: the reader went away, quiet as click is (stderr: nowhere to say anything)
    # a full disk, a vanished file system: the report is lost, which a usage error says (exit 2);
    # what stays buffered is dropped at exit rather than failing again with a traceback
    sys.stdout = _Pacified(sys.stdout)
    raise CommandError(_("cannot write the output: {error}").format(error=os_reason(error))) from None


def say_error(line: str) -> None:
    """An error line on stderr, if stderr can take it: the exit code says it anyway (a hook
    whose stderr is a closed pipe still gets 2 for a usage error, not the 1 of a crash)."""
    try:
        echo(line, err=True)
    except OSError:
        sys.stderr = _Pacified(sys.stderr)


def _strip_styles(stream) -> bool:
    utils, settings = sys.modules.get("click.utils"), sys.modules.get("click.globals")
    if utils is not None and settings is not None:
        # Inside click (a command, CliRunner(color=True), ctx.color): its colour setting decides,
        # as it did for click.echo. Not imported for that: the click-free start never has it.
        return utils.should_strip_ansi(stream, settings.resolve_color_default(None))
    try:
        return not stream.isatty()
    except Exception:
        return True


_rewrapped: dict = {}


def _writable(stream):
    import codecs

    try:
        ascii_only = codecs.lookup(getattr(stream, "encoding", None) or "ascii").name == "ascii"
    except LookupError:
        ascii_only = False
    buffer = getattr(stream, "buffer", None)
    if not ascii_only or buffer is None:
        return stream
    wrapped = _rewrapped.get(id(stream))
    if wrapped is None or wrapped[0] is not stream:
        import io

        class NonClosing(io.TextIOWrapper):
            def __del__(self):
                try:
                    self.detach()
                except Exception:
                    pass

        wrapped = (stream, NonClosing(buffer, "utf-8", "replace", line_buffering=True))
        _rewrapped[id(stream)] = wrapped
    return wrapped[1]


def progress_bar(label: str, minimum: int = 500):
    """A progress bar on stderr for long runs in a terminal; nothing in CI logs or pipes."""

    def wrap(items):
        if len(items) < minimum or not sys.stderr.isatty():
            yield from items
            return
        import click  # only for a long run in a terminal, where its import is nothing

        with click.progressbar(items, label=label, file=sys.stderr) as bar:
            yield from bar

    return wrap


def community_zone(root, now=None):
    """The repository's zone (else ``now``'s), read only when a naive date needs it."""

    def zone():
        from .load import load_frame

        return load_frame(root)[0].timezone or (now.tzinfo if now is not None else None)

    return zone


def root_and_now(repo_option, now_option, found=None, optional: bool = False, now_needed: bool = True):
    """The two things every command needs; library errors become :class:`CommandError`.

    ``found(root)``, if given, runs as soon as the root is known, before the imports
    that reading the repository's language takes (to start a subprocess meanwhile).
    With ``optional``, no repository around (and no --repo) gives root None.
    Without ``now_needed``, now is None when neither --now nor GAZETTE_NOW sets it (the
    system clock, which cannot fail, is then read by the command if it needs it: `gazette
    moderate` without --record does not import datetime); a value set is read, and
    refused when bad, as ever.
    """
    from .root import RepoNotFound, find_root

    try:
        root = find_root(repo_option)
    except RepoNotFound as error:
        if not optional or repo_option is not None:
            raise CommandError(str(error)) from None
        root = None
    if root is not None:
        if found:
            found(root)
        from . import i18n

        i18n.use_repository(root)
    if not now_needed and not now_option and not os.environ.get("GAZETTE_NOW"):
        return root, None
    from .clock import ClockError, now

    try:  # a naive --now is read in the community's zone (UTC outside a repository)
        return root, now(now_option, community_zone(root) if root is not None else None)
    except ClockError as error:
        raise CommandError(_('--now: {error}').format(error=error)) from None


def run(command, kwargs: dict, repo, now_text, needs_repo: bool = True, start=None, needs_now=None):
    """``command(root=…, now=…, **kwargs)`` once the root and the time are known.

    With ``needs_repo=False`` the command also runs outside a repository (root is None).
    ``start(root, kwargs)`` runs once the root is found, before anything else is imported;
    it may add keyword arguments for the command, and return a function that stops what it
    began, called on every way out (so it must be harmless once the command is done).
    ``needs_now(kwargs)``, if given, says whether the command reads the system clock's now
    (see :func:`root_and_now`'s ``now_needed``).
    """
    started = []
    try:
        root, now = root_and_now(repo, now_text, start and (lambda root: started.append(start(root, kwargs))),
                                 optional=not needs_repo, now_needed=needs_now is None or needs_now(kwargs))
        return command(root=root, now=now, **kwargs)
    finally:  # every way out (a bad --now, Ctrl-C during an import, the command's exit): nothing left running
        for cancel in filter(None, started):
            cancel()


# ---- gazette check ------------------------------------------------------------------------

def start_git_reads(root, options):
    """--changed-since: git's reads of the tree start now and run while Python imports
    the checker (they are most of the cost of checking one changed file)."""
    if options.get("changed_since"):
        from .changes import GitError, PendingChanges, adopt_early

        try:
            # started by gazette.launch before click was even imported, if it could
            options["pending"] = (adopt_early(root, options["changed_since"])
                                  or PendingChanges(root, options["changed_since"]))
        except GitError:
            return None  # run_check says why, as a usage error
        return options["pending"].cancel
    return None


def check(paths, changed_since, no_cache, fmt, root, now, pending=None):
    from . import output
    from .check import UsageError, run_check

    try:
        result = run_check(root, now, paths, changed_since, cache=not no_cache,
                           progress=progress_bar("Checking"), pending=pending)
    except UsageError as error:
        raise CommandError(str(error)) from None
    if fmt == "json":
        echo(output.problems_json(result.problems, result.checked, scope=result.scope))
    else:
        render = output.problems_github if fmt == "github" else output.problems_text
        for line in render(result.problems, result.checked):
            echo(line)
    sys.exit(result.exit_code)


# ---- gazette moderate ---------------------------------------------------------------------

def moderate(export, record, no_commit, fmt, root, now):
    from .moderate import InputError, moderate as run_rules, render_json_pieces, render_text
    from .netiquette import build_moderator

    moderator, problems = build_moderator(root)
    if problems:
        raise CommandError(problems[0].format())
    notes: list[str] = []
    try:
        messages, flags = run_rules(_path_text(export), moderator, notes)
    except InputError as error:
        raise CommandError(str(error)) from None
    for note in notes:
        echo(_('gazette: note: {note}').format(note=note), err=True)
    if record:
        from pathlib import Path

        from .clock import now as clock_now

        now = now or clock_now()  # None when nothing set the time (see root_and_now's now_needed)
        _record(root, now, Path(export), flags, commit=not no_commit)
    if fmt == "json":
        echo_pieces(render_json_pieces(messages, flags, notes))
    else:
        from .output import terminal_safe

        for line in render_text(messages, flags):
            echo(terminal_safe(line))  # an export's fields are anyone's: no escape reaches the terminal
    sys.exit(1 if flags else 0)


def _path_text(export) -> str:
    """``str(Path(export))``, the export's name in messages, without importing pathlib (~4 ms
    of `gazette moderate`'s start) when ``export`` is already written as Path would write it."""
    text = os.fspath(export)
    body = text[1:] if text.startswith("/") and not text.startswith("//") else text
    if os.sep == "/" and not isinstance(text, bytes) and body:
        parts = body.split("/")
        if "" not in parts and "." not in parts:
            return text
    from pathlib import Path

    return str(Path(export))


def _record(root, now, export, flags, commit: bool = True) -> None:
    from .listening import records
    from .state import StateError, connect

    if root is None:
        raise CommandError(_("--record needs a community repository (run it inside one or pass --repo)"))
    try:
        connection = connect(root)
    except StateError as error:
        raise CommandError(str(error)) from None
    try:
        recorded, counts = records.record(connection, flags, export.name, now)
    finally:
        connection.close()
    new = sum(item["new"] for item in recorded)
    try:
        records.add_metrics(root, records.week_of(now, community_zone(root, now)()), counts)
    except OSError as error:
        raise CommandError(_("cannot write {path}: {error}").format(path=records.METRICS_FILE,
                                                                    error=os_reason(error))) from None
    if counts and commit:
        _commit_metrics(root)
    from .i18n import ngettext
    from .listening.buzz import one_line

    # the recorded id, the one `moderation act` takes: the export's ids start again at 1 in every export
    for item in recorded:
        excerpt = one_line(item["text"])
        excerpt = excerpt if len(excerpt) <= 60 else excerpt[:59] + "…"
        echo(f"#{item['id']}\t{one_line(item['author'] or '?')}\t{','.join(item['codes'])}\t{excerpt}", err=True)
    echo("gazette: " + ngettext("recorded {count} new flagged message (gazette moderation act #ID …)",
                                "recorded {count} new flagged messages (gazette moderation act #ID …)",
                                new).format(count=new), err=True)


def _commit_metrics(root) -> None:
    """Commit metrics/moderation.csv alone: left changed, it made the next `gazette publish` refuse
    to start ("uncommitted changes that are not receipts")."""
    from .gitops import Git, GitFailed
    from .listening.records import METRICS_FILE

    git = Git(root)
    if not git.is_repository():
        return
    try:
        git.commit_paths([METRICS_FILE], "gazette moderate --record: weekly moderation counts")
    except GitFailed as error:
        echo("gazette: " + _("{path} is changed but not committed: {error}").format(
            path=METRICS_FILE, error=error), err=True)


# ---- the click-free start -----------------------------------------------------------------

def moderate_needs_now(options) -> bool:
    """Only --record writes a time (the week of the metrics)."""
    return bool(options.get("record"))


# command name: (body, needs a repository, what starts once the root is known, whether it reads now)
BODIES = {"check": (check, True, start_git_reads, None), "moderate": (moderate, False, None, moderate_needs_now)}


def run_standalone(name: str, values: dict) -> None:
    """Run a command as click's standalone ``main`` would run it, then exit."""
    import gc

    from . import i18n

    # As gazette.cli does while importing: start-up creates objects that live as long as the
    # process, and collecting while they arrive is wasted. Frozen once the body starts.
    collecting = gc.isenabled()
    gc.disable()
    i18n.set_language(None)  # what the root group's --lang does when it is not given
    command, needs_repo, start, needs_now = BODIES[name]

    def body(**options):
        gc.freeze()
        if collecting:
            gc.enable()
        return command(**options)

    values = dict(values)
    repo, now_text = values.pop("repo"), values.pop("now_text")
    report, exit_code = None, 1
    try:
        try:
            run(body, values, repo, now_text, needs_repo, start, needs_now)
            exit_code = 0
        except (EOFError, KeyboardInterrupt):
            echo(err=True)  # closes the terminal's ^C echo
            report = _aborted
        except CommandError as error:
            line = error_line(str(error))
            report, exit_code = (lambda: say_error(line)), 2
        except OSError as error:
            import errno

            if error.errno != errno.EPIPE:
                raise
            sys.stdout, sys.stderr = _Pacified(sys.stdout), _Pacified(sys.stderr)
        if report is not None:
            report()
        sys.exit(exit_code)
    except (EOFError, KeyboardInterrupt):
        sys.exit(exit_code)


def _aborted() -> None:
    echo(_("Aborted!"), err=True)


class _Pacified:
    """A stream whose flush at exit ignores what already failed and was reported (a closed
    pipe after the reader went away, a full disk)."""

    def __init__(self, wrapped):
        self.wrapped = wrapped

    def flush(self) -> None:
        try:
            self.wrapped.flush()
        except OSError:
            pass

    def __getattr__(self, name):
        return getattr(self.wrapped, name)
