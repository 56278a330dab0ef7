"""The ``gazette`` command line: parse arguments, call the library, format output.

Only click is imported at start-up (``gazette --help`` stays fast); each
command imports what it needs. Library errors become exit code 2 here and
nowhere else; problems in content are exit code 1.
"""

from __future__ import annotations

import functools
import sys

import click


class ConfigError(click.ClickException):
    exit_code = 2

    def show(self, file=None):
        click.echo(f"gazette: error: {self.format_message()}", err=True)


def _repo_and_now(repo_option, now_option):
    """The two things every command needs, with library errors turned into exit 2."""
    from .clock import ClockError, now
    from .root import RepoNotFound, find_root

    try:
        root = find_root(repo_option)
    except RepoNotFound as error:
        raise ConfigError(str(error)) from None
    tz = None
    if now_option and "T" in now_option and not any(c in now_option[10:] for c in "+-Z"):
        from .load import load_frame

        tz = load_frame(root)[0].timezone  # a naive --now is read in the community's zone
    try:
        return root, now(now_option, tz)
    except ClockError as error:
        raise ConfigError(f"--now: {error}") from None


def progress_bar(label: str, minimum: int = 500):
    """A progress bar on stderr for long runs in a terminal; nothing in CI logs or pipes."""

    def wrap(items):
        if len(items) < minimum or not sys.stderr.isatty():
            yield from items
            return
        with click.progressbar(items, label=label, file=sys.stderr) as bar:
            yield from bar

    return wrap


def common_options(formats: tuple[str, ...] | None = ("text", "json")):
    """--repo and --now on every command; --format where the command reports."""

    def decorate(command):
        @click.option("--repo", type=click.Path(file_okay=False), default=None,
                      help="Community repository (default: the nearest folder with content/ or calendar/).")
        @click.option("--now", "now_text", metavar="ISO", default=None, envvar="GAZETTE_NOW",
                      help="Run as if it were this date-time (e.g. 2026-12-04T09:00+01:00). Env: GAZETTE_NOW.")
        @functools.wraps(command)
        def wrapper(*args, repo, now_text, **kwargs):
            root, now = _repo_and_now(repo, now_text)
            return command(*args, root=root, now=now, **kwargs)

        if formats:
            wrapper = click.option("--format", "fmt", type=click.Choice(formats), default=formats[0],
                                   show_default=True, help="Output format.")(wrapper)
        return wrapper

    return decorate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gazette", prog_name="gazette")
def cli():
    """Gazette: your community's posts, newsletters and contests, kept in git.

    Write Markdown with front matter under content/, plan under calendar/,
    run `gazette check` on every change. Exit codes: 0 ok (warnings
    allowed), 1 problems found, 2 usage or configuration error.
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--changed-since", metavar="REF",
              help="Check only files changed since this git ref, and the items that refer to them.")
@click.option("--no-cache", is_flag=True, help="Parse every file again (ignore .gazette/cache).")
@common_options(("text", "github", "json"))
def check(paths, changed_since, no_cache, fmt, root, now):
    """Validate content and calendar files; report problems with file:line.

    PATHS limits the report to these files or folders (default: everything).
    """
    from . import output
    from .check import UsageError, run_check

    try:
        result = run_check(root, now, paths, changed_since, cache=not no_cache,
                           progress=progress_bar("Checking"))
    except UsageError as error:
        raise ConfigError(str(error)) from None
    if fmt == "json":
        click.echo(output.problems_json(result.problems, result.checked, scope=result.scope))
    else:
        render = output.problems_github if fmt == "github" else output.problems_text
        for line in render(result.problems, result.checked):
            click.echo(line)
    sys.exit(result.exit_code)


@cli.command()
@click.argument("kind", type=click.Choice(["post", "newsletter", "contest"]))
@click.argument("title")
@click.option("--date", "date_text", metavar="ISO", help="Publication date-time (default: the next full hour).")
@click.option("--campaign", help="Campaign slug from calendar/campaigns/.")
@click.option("--channel", "channels", multiple=True, help="Channel from calendar/channels.yml (repeatable).")
@click.option("--author", "authors", multiple=True, help="Author key from content/.authors.yml (repeatable).")
@click.option("--slug", help="File name to use instead of the one made from the title.")
@common_options(formats=None)
def new(kind, title, date_text, campaign, channels, authors, slug, root, now):
    """Create a post, newsletter or contest from its template.

    The file goes to content/<kind>s/<year>/<slug>.md, with an ASCII slug
    made from TITLE. An existing file is never overwritten.
    """
    from .scaffold import ScaffoldError, new_item

    try:
        path = new_item(root, kind, title, now, date_text=date_text, campaign=campaign,
                        channels=channels, authors=authors, slug=slug)
    except ScaffoldError as error:
        raise ConfigError(str(error)) from None
    click.echo(f"created {path}")


@cli.command("list")
@click.option("--kind", type=click.Choice(["post", "newsletter", "contest"]), help="Only this kind.")
@click.option("--status", type=click.Choice(["idea", "draft", "review", "approved", "published", "cancelled"]),
              help="Only this status.")
@click.option("--future", "when", flag_value="future", help="Only items dated after --now.")
@click.option("--past", "when", flag_value="past", help="Only items dated at or before --now.")
@common_options(("text", "json"))
def list_command(kind, status, when, fmt, root, now):
    """List items by date, with their status and whether members can see them."""
    from .listing import list_items, render_json, render_text

    items = list_items(root, now, kind=kind, status=status, when=when)
    click.echo(render_json(items, now) if fmt == "json" else render_text(items, now))


@cli.command()
@click.option("--kind", type=click.Choice(["post", "newsletter", "contest", "all"]), default="all",
              show_default=True, help="Which kind's schema to print.")
@common_options(formats=None)
def schema(kind, root, now):
    """Print the JSON Schema of front matter, for editor autocompletion."""
    import json

    from .model import KINDS, json_schema

    document = json_schema(kind) if kind != "all" else {k: json_schema(k) for k in KINDS}
    click.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))


def main():
    cli(prog_name="gazette")


if __name__ == "__main__":
    main()
