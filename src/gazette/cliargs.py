"""The options of the commands with a click-free start, declared once.

``gazette check`` and ``gazette moderate`` are run by machines (pre-commit hooks, CI,
moderation exports) where importing click costs more than the rest of a one-file check.
Their options are declared here, with nothing heavy imported: :mod:`gazette.cli` builds
the click options from these declarations (help, ``--help`` and every usage error stay
click's), and :mod:`gazette.launch` reads ``sys.argv`` with :func:`parse` when, and only
when, every token is one these declarations accept with a valid value. Anything else
(``--help``, a typo, a bad choice, ``--lang``, a value that looks like an option...)
answers None, and click runs the command as ever, with its own messages.
"""

from __future__ import annotations

import os
import stat

from .i18n import N_  # help texts are marked here, translated where click shows them (cli.base.TranslatedHelp)


class Option:
    """One option: ``flags`` as typed; ``name`` the keyword the command receives."""

    def __init__(self, flags: tuple[str, ...], name: str, help: str, *, is_flag: bool = False,
                 choices: tuple[str, ...] | None = None, default=None, metavar: str | None = None,
                 envvar: str | None = None, path: str | None = None, show_default: bool = False):
        self.flags, self.name, self.help = flags, name, help
        self.is_flag, self.choices, self.metavar, self.envvar = is_flag, choices, metavar, envvar
        self.default = False if is_flag else default
        self.path = path  # None, or what click.Path allows: "dir" (no file), "file" (no folder), "any"
        self.show_default = show_default


class Argument:
    """A positional argument: one (``many=False``) or any number of values."""

    def __init__(self, name: str, *, many: bool = False, path: str | None = None):
        self.name, self.many, self.path = name, many, path


class Command:
    def __init__(self, name: str, arguments: tuple[Argument, ...], options: tuple[Option, ...]):
        self.name, self.arguments, self.options = name, arguments, options


# What every command has (cli.base.common_options); --format's choices are each command's.
REPO = Option(("--repo",), "repo", N_("Community repository (default: the nearest folder with content/ or calendar/)."),
              path="dir")
NOW = Option(("--now",), "now_text", N_("Run as if it were this date-time (e.g. 2026-12-04T09:00+01:00). "
                                         "Env: GAZETTE_NOW."), metavar="ISO", envvar="GAZETTE_NOW")


def format_option(formats: tuple[str, ...]) -> Option:
    return Option(("--format",), "fmt", N_("Output format."), choices=formats, default=formats[0], show_default=True)


CHECK_FORMATS = ("text", "github", "json")
CHANGED_SINCE = Option(("--changed-since",), "changed_since",
                       N_("Check only files changed since this git ref, and the items that refer to them."),
                       metavar="REF")
NO_CACHE = Option(("--no-cache",), "no_cache",
                  N_("Parse every file again (ignore the cache in $GAZETTE_CACHE_DIR or ~/.cache/gazette)."), is_flag=True)
CHECK = Command("check", (Argument("paths", many=True, path="any"),),
                (CHANGED_SINCE, NO_CACHE, format_option(CHECK_FORMATS), REPO, NOW))

MODERATE_FORMATS = ("text", "json")
RECORD = Option(("--record",), "record",
                N_("Store flagged messages in the state database (for gazette moderation act) and add weekly "
                   "counts per rule family to metrics/moderation.csv."), is_flag=True)
NO_COMMIT = Option(("--no-commit",), "no_commit",
                   N_("With --record: leave metrics/moderation.csv changed but uncommitted (default: commit that "
                      "file alone when the repository is a git repository, as publish does with receipts)."),
                   is_flag=True)
MODERATE = Command("moderate", (Argument("export", path="file"),),
                   (RECORD, NO_COMMIT, format_option(MODERATE_FORMATS), REPO, NOW))

COMMANDS = {command.name: command for command in (CHECK, MODERATE)}

# Read by click before any command runs: shell completion, the workspace mode.
CLICK_ENVIRONMENT = ("_GAZETTE_COMPLETE", "GAZETTE_WORKSPACE")


def parse(args) -> tuple[Command, dict] | None:
    """``(command, keyword arguments)`` for argv (without the program) that click would read
    the same way without a word to say; None for anything else, which click then reads."""
    if not args or args[0] not in COMMANDS or any(name in os.environ for name in CLICK_ENVIRONMENT):
        return None
    command = COMMANDS[args[0]]
    options = {flag: option for option in command.options for flag in option.flags}
    values = {option.name: option.default for option in command.options}
    given = set()
    positional: list[str] = []
    tokens = iter(args[1:])
    for token in tokens:
        if token == "--":
            positional.extend(tokens)
            break
        if not token.startswith("-") or token == "-":
            positional.append(token)
            continue
        flag, equals, value = token.partition("=")
        option = options.get(flag)
        if option is None:
            return None
        if option.is_flag:
            if equals:
                return None  # click: "does not take a value"
            values[option.name] = True
            continue
        if not equals:
            value = next(tokens, None)
            if value is None:
                return None
        if not _plain_value(option, value):
            return None
        values[option.name] = value
        given.add(option.name)
    for option in command.options:
        if option.envvar and option.name not in given:
            values[option.name] = os.environ.get(option.envvar) or None  # click ignores an empty variable
    if not all(_plain_value(option, values[option.name]) for option in command.options
               if not option.is_flag and values[option.name] is not None):
        return None
    if any(not value or not _path_accepted(argument.path, value) for argument in command.arguments
           for value in positional):
        return None
    for argument in command.arguments:
        if argument.many:
            values[argument.name] = tuple(positional)
            positional = []
        elif positional:
            values[argument.name] = positional.pop(0)
        else:
            return None  # click: "Missing argument"
    return (command, values) if not positional else None  # extra arguments: click's error


def _plain_value(option: Option, value: str) -> bool:
    """A value click takes as it is: not empty, not one that looks like an option (click would
    take it, but whether it was meant is the command's to say), valid for its type."""
    if not value or value.startswith("-") or (option.choices and value not in option.choices):
        return False
    return _path_accepted(option.path, value)


def _path_accepted(kind: str | None, value: str) -> bool:
    """What ``click.Path(exists=False, file_okay=kind != "dir", dir_okay=kind != "file")`` lets
    through without a word: a path that does not exist, or an existing readable one of the
    allowed type."""
    if kind is None:
        return True
    try:
        info = os.stat(value)
    except OSError:
        return True  # click lets a missing path through: the command says what it makes of it
    except ValueError:
        return False
    if (kind == "dir" and stat.S_ISREG(info.st_mode)) or (kind == "file" and stat.S_ISDIR(info.st_mode)):
        return False
    return os.access(value, os.R_OK)
