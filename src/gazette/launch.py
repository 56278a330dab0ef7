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


def main():
    args = sys.argv[1:]
    from .cliargs import parse

    understood = parse(args)
    if understood is not None:  # the body starts git itself as soon as the root is known
        from .commands import run_standalone

        command, values = understood
        run_standalone(command.name, values)
    _start_early(args)
    from .cli import main as cli_main

    cli_main()


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
