"""The ``gazette`` command's entry point: ``check`` and ``moderate`` without click; git first.

``gazette check --changed-since REF`` (a pre-commit hook) and ``gazette moderate EXPORT``
are run by machines, where importing click (~30 ms) cost as much as the rest of checking
one changed file. When :func:`gazette.cliargs.parse` understands every token of argv, the
command's body (:mod:`gazette.commands`, the same one the click command calls) runs
without click; anything else (help, a typo, a bad value, ``--lang``, a workspace) goes to
click, which answers with its own messages.

Checking one changed file waits on git's reads of the tree (tens of ms: ``git diff``
lstats every tracked file) and on Python's imports (YAML, the rules). On either way git
starts as soon as the root is known, before those imports, and works on the other core
meanwhile: the click-free start's body starts it itself; for click, it is started here
before click is imported and the command adopts it (:func:`gazette.changes.adopt_early`).
Nothing is decided here: anything unusual (another command, an option this reading does
not know, a workspace, a bad ref) means nothing is started early and the command runs as
ever, with its own messages and exit codes.
"""

import sys


def main(quick_exit: bool = False):
    args = sys.argv[1:]
    from .cliargs import MODERATE, parse

    understood = parse(args)
    if understood is not None:  # the body starts git itself as soon as the root is known
        from .commands import run_standalone

        command, values = understood
        try:
            run_standalone(command.name, values)
        except SystemExit as done:
            if quick_exit and command is MODERATE and not values["record"]:
                _leave(done)
            raise
    _start_early(args)
    from .cli import main as cli_main

    cli_main()


def run():
    """The ``gazette`` command (the console script): :func:`main`, leaving quickly once
    `gazette moderate` is done (tests call main(), which raises SystemExit as ever)."""
    main(quick_exit=True)


def _leave(done: SystemExit) -> None:
    """Exit as the interpreter would, without freeing what the queue holds (tens of thousands
    of rows and flags: ~3 ms of a 10,000-message queue's ~100): the exit callbacks run and the
    standard streams are flushed first, in the interpreter's order; anything unusual (another
    thread, a stream that cannot be flushed, an exit code that is not a number) returns, and
    the interpreter's own exit says it as ever. Only `gazette moderate` without --record takes
    it: it writes no file, only its queue to stdout and its notes to stderr."""
    code = 0 if done.code is None else done.code
    if type(code) is not int or not 0 <= code <= 2:
        return
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return
    if sys.getprofile() is not None or sys.gettrace() is not None or sys.flags.inspect:
        return  # a profiler, a debugger or `python -i` has work to do after the command
    import atexit
    import os

    atexit._run_exitfuncs()  # once: the interpreter's exit would not run them again
    commands = sys.modules.get("gazette.commands")
    streams = [sys.stdout, sys.stderr, *(wrapped for _stream, wrapped in getattr(commands, "_rewrapped", {}).values())]
    try:
        for stream in streams:
            if stream is not None:
                stream.flush()
    except BaseException:  # noqa: BLE001 - the interpreter's exit reports it, as it did
        return
    os._exit(code)


def changed_since_request(args):
    """(ref, --repo or None) when ``args`` are a ``check --changed-since REF`` that
    :func:`gazette.cliargs.parse` reads in full (after a ``--lang``, which only click
    takes), else None: the same declarations decide, so a bad value starts nothing."""
    from .cliargs import CHECK, parse

    args = list(args)
    if args[:1] == ["--lang"]:
        args = args[2:]
    elif args[:1] and args[0].startswith("--lang="):
        args = args[1:]
    understood = parse(args)
    if understood is None or understood[0] is not CHECK or not understood[1]["changed_since"]:
        return None
    return understood[1]["changed_since"], understood[1]["repo"]


def _start_early(args) -> None:
    import os

    request = changed_since_request(args)
    if request is None or os.environ.get("GAZETTE_WORKSPACE"):
        return
    ref, repo = request
    try:
        from .changes import start_early
        from .root import find_root

        start_early(find_root(repo), ref)
    except Exception:  # not a repository, a range...: the command says why
        return
