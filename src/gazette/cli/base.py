"""What every command shares: the root group, --repo/--now/--format, errors as exit 2, output files.

Only click is imported here (``gazette --help`` stays fast); each command
imports what it needs. Library errors become exit code 2 here and nowhere
else; problems in content are exit code 1.
"""

from __future__ import annotations

import functools

import click

from .. import cliargs
from ..commands import CommandError, community_zone, echo, error_line, progress_bar, say_error  # noqa: F401 (shared)
from ..i18n import N_, Nn_, _, ngettext, os_reason


class ConfigError(click.ClickException):
    exit_code = 2

    def show(self, file=None):
        say_error(error_line(self.format_message()))


def write_output(path: str, data: bytes) -> None:
    """Every ``-o``: a missing folder or a read-only place is a usage error, not a traceback."""
    try:
        with open(path, "wb") as handle:
            handle.write(data)
    except OSError as error:
        raise ConfigError(_('cannot write {path}: {value} (-o wants a file in an existing, writable folder)')
                              .format(path=path, value=os_reason(error))) from None


def repo_and_now(repo_option, now_option, found=None):
    """The two things every command needs, with library errors turned into exit 2
    (:func:`gazette.commands.root_and_now`)."""
    from ..commands import root_and_now

    try:
        return root_and_now(repo_option, now_option, found)
    except CommandError as error:
        raise ConfigError(str(error)) from None


def click_param(declared):
    """The click option or argument for one of :mod:`gazette.cliargs`' declarations."""
    types = {None: None, "any": click.Path(), "dir": click.Path(file_okay=False), "file": click.Path(dir_okay=False)}
    if isinstance(declared, cliargs.Argument):
        return click.argument(declared.name, nargs=-1 if declared.many else 1, type=types[declared.path])
    settings = {"help": declared.help}
    if declared.is_flag:
        settings["is_flag"] = True
    else:
        settings.update(default=declared.default, metavar=declared.metavar, envvar=declared.envvar,
                        type=click.Choice(declared.choices) if declared.choices else types[declared.path])
        if declared.show_default:
            settings["show_default"] = True
    return click.option(*declared.flags, declared.name, **settings)


def common_options(formats: tuple[str, ...] | None = ("text", "json"), needs_repo: bool = True, start=None,
                   needs_now=None):
    """--repo and --now on every command; --format where the command reports.

    With ``needs_repo=False`` the command also runs outside a repository (root is None).
    ``start(root, options)`` runs once the root is found, before anything else is
    imported; it may add keyword arguments for the command to ``options``, and return
    a function that stops what it began (called on every way out, also after the command).
    ``needs_now(options)``: whether the command reads the clock (gazette.commands.run).
    """

    def decorate(command):
        @click_param(cliargs.REPO)
        @click_param(cliargs.NOW)
        @functools.wraps(command)
        def wrapper(*args, repo, now_text, **kwargs):
            if click.get_current_context().find_root().meta.get("gazette.workspace"):
                from .workspace import run_in_workspace  # gazette --workspace FILE: every community at once

                return run_in_workspace(now_text, kwargs)
            from ..commands import run

            try:  # the same steps as gazette.launch's click-free start (gazette.commands)
                return run(functools.partial(command, *args), kwargs, repo, now_text, needs_repo, start, needs_now)
            except CommandError as error:
                raise ConfigError(str(error)) from None

        if formats:
            wrapper = click_param(cliargs.format_option(formats))(wrapper)
        return wrapper

    return decorate


# Click's own words people read (usage, headings, its errors), translated by our catalog:
# click looks them up through a module-level ``_`` at the moment it shows them.
CLICK_MESSAGES = (N_("Usage:"), N_("Options"), N_("Commands"), N_("Show this message and exit."),
                  N_("Show the version and exit."), N_("Error: {message}"), N_("Missing argument"),
                  N_("Missing option"), N_("No such option {name!r}."), N_("No such command {name!r}."),
                  N_("Invalid value for {param_hint}: {message}"), N_("Invalid value: {message}"),
                  N_("default: {default}"), N_("env var: {var}"), N_("required"), N_("Aborted!"),
                  N_("Try '{command} {option}' for help."), N_("Missing command."), N_("Missing parameter"),
                  N_("Missing parameter: {param_name}"), N_("Positional arguments"),
                  N_("{value!r} is not a valid {number_type}."), N_("{value} is not in the range {range}."),
                  N_("file"), N_("directory"), N_("path"), N_("{name} {filename!r} does not exist."),
                  N_("{name} {filename!r} is a file."), N_("{name} {filename!r} is a directory."),
                  N_("{name} {filename!r} is not readable."), N_("{name} {filename!r} is not writable."),
                  Nn_("{value!r} is not {choice}.", "{value!r} is not one of {choices}."),
                  Nn_("{value!r} does not match the format {format}.",
                      "{value!r} does not match the formats {formats}."),
                  Nn_("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"))


def _use_our_catalog_in_click() -> None:
    import click.core
    import click.exceptions
    import click.formatting

    for module in (click.core, click.exceptions, click.formatting, click.types, click.parser):
        if getattr(module, "_", None) is not None:
            module._ = _
        if getattr(module, "ngettext", None) is not None:
            module.ngettext = ngettext


_use_our_catalog_in_click()


def _translated_help(text):
    """Click's help as it shows it (dedented, up to a form feed), in the reader's language."""
    if not text:
        return text
    import inspect

    return _(inspect.cleandoc(text).partition("\f")[0])


class TranslatedHelp:
    """Help texts are English in the source and translated when help is shown.

    Not at import: ``--lang`` is parsed after every command is defined, and one
    process (tests) shows help in several languages. Each rendering works on a
    shallow copy, so the command objects keep their English text.
    """

    def _in_language(self):
        import copy

        translated = copy.copy(self)
        translated.help = _translated_help(self.help)
        translated.short_help = _translated_help(self.short_help)
        translated.epilog = _translated_help(self.epilog)
        return translated

    def get_short_help_str(self, limit: int = 45) -> str:
        return super(TranslatedHelp, self._in_language()).get_short_help_str(limit)

    def format_help(self, ctx, formatter) -> None:
        super(TranslatedHelp, self._in_language()).format_help(ctx, formatter)

    def format_options(self, ctx, formatter) -> None:
        import copy

        records = []
        for param in self.get_params(ctx):
            if isinstance(param, click.Argument):
                continue
            shown = copy.copy(param)
            shown.help = _translated_help(getattr(param, "help", None))
            record = shown.get_help_record(ctx)
            if record is not None:
                records.append(record)
        if records:
            with formatter.section(_("Options")):
                formatter.write_dl(records)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)


class TranslatedCommand(TranslatedHelp, click.Command):
    pass


class TranslatedGroup(TranslatedHelp, click.Group):
    command_class = TranslatedCommand
    group_class = type  # sub-groups are TranslatedGroups too


def _set_language(ctx, param, value):
    from .. import i18n

    i18n.set_language(value)  # also when absent: each invocation starts from the environment
    return value


@click.group(cls=TranslatedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--lang", type=click.Choice(["en", "fr"]), default=None, is_eager=True, expose_value=False,
              callback=_set_language,
              help="Language of messages (default: gazette: {language: …} in calendar/channels.yml, "
                   "then LC_ALL, LC_MESSAGES, LANG).")
@click.version_option(package_name="gazette-editorial", prog_name="gazette")
def cli():
    """Gazette: your community's posts, newsletters and contests, kept in git.

    Write Markdown with front matter under content/, plan under calendar/,
    run `gazette check` on every change. Exit codes: 0 ok (warnings
    allowed), 1 problems found, 2 usage or configuration error.
    """


def moment_option(value: str | None, name: str, zone):
    """An ISO option; a naive value is read in ``zone`` (a tzinfo, or a function giving one)."""
    if not value:
        return None
    from ..clock import ClockError, parse_moment

    try:
        return parse_moment(value, zone)
    except ClockError as error:
        raise ConfigError(f"{name}: {error}") from None


def shown_iso(text: str, zone) -> str:
    """An ISO time read back from a JSON record, shown like every other time."""
    from datetime import datetime

    from ..clock import shown

    try:
        return shown(datetime.fromisoformat(text), zone)
    except (TypeError, ValueError):
        return str(text)
