"""Commands over the content: check, new, list, schema, review."""

from __future__ import annotations

import sys

import click

from .. import cliargs, commands
from ..i18n import _
from .base import ConfigError, community_zone, cli, click_param, common_options


@cli.command()
@click_param(cliargs.CHECK.arguments[0])
@click_param(cliargs.CHANGED_SINCE)
@click_param(cliargs.NO_CACHE)
@common_options(cliargs.CHECK_FORMATS, start=commands.start_git_reads)
def check(**options):
    """Validate content and calendar files; report problems with file:line.

    PATHS limits the report to these files or folders (default: everything).
    """
    commands.check(**options)  # also run without click by gazette.launch (gazette.cliargs)


@cli.command()
@click.argument("kind", type=click.Choice(["post", "newsletter", "contest"]))
@click.argument("title")
@click.option("--date", "date_text", metavar="ISO", help="Publication date-time (default: the next full hour).")
@click.option("--campaign", help="Campaign slug from calendar/campaigns/.")
@click.option("--channel", "channels", multiple=True, help="Channel from calendar/channels.yml (repeatable).")
@click.option("--author", "authors", multiple=True, help="Author key from content/.authors.yml (repeatable).")
@click.option("--slug", help="File name to use instead of the one made from the title.")
@click.option("--organizer", help="Contest: the organiser's legal identity (name, form, address, RCS).")
@click.option("--opens", metavar="ISO", help="Contest: when participation opens (default: the date).")
@click.option("--closes", metavar="ISO", help="Contest: when participation closes (default: 14 days later).")
@click.option("--prize", "prizes", multiple=True, metavar="NAME:QUANTITY:VALUE",
              help="Contest: a prize, e.g. \"Révision complète:2:89\" (repeatable, in order).")
@click.option("--template", "template", metavar="NAME",
              help="Another scaffold from templates/new/NAME.md.j2, e.g. crisis (a holding statement, tagged crisis).")
@common_options(formats=None)
def new(kind, title, date_text, campaign, channels, authors, slug, organizer, opens, closes, prizes, template, root, now):
    """Create a post, newsletter or contest from its template.

    The file goes to content/<kind>s/<year>/<slug>.md, with an ASCII slug
    made from TITLE. An existing file is never overwritten.
    """
    from ..scaffold import ScaffoldError, new_item

    try:
        answers = {"organizer": organizer, "opens": opens, "closes": closes, "prizes": prizes}
        path = new_item(root, kind, title, now, date_text=date_text, campaign=campaign,
                        channels=channels, authors=authors, slug=slug, template=template,
                        contest={k: v for k, v in answers.items() if v} or None)
    except ScaffoldError as error:
        raise ConfigError(str(error)) from None
    click.echo(_('created {path}').format(path=path))


@cli.command("list")
@click.option("--kind", type=click.Choice(["post", "newsletter", "contest"]), help="Only this kind.")
@click.option("--status", type=click.Choice(["idea", "draft", "review", "approved", "published", "cancelled"]),
              help="Only this status.")
@click.option("--future", "when", flag_value="future", help="Only items dated after --now.")
@click.option("--past", "when", flag_value="past", help="Only items dated at or before --now.")
@common_options(("text", "json"))
def list_command(kind, status, when, fmt, root, now):
    """List items by date, with their status and whether members can see them."""
    from ..listing import list_items, render_json, render_text

    items = list_items(root, now, kind=kind, status=status, when=when)
    click.echo(render_json(items, now) if fmt == "json" else render_text(items, now, community_zone(root, now)()))


# model.SCHEMA_FILES' keys, written out so that --help imports no model (a test keeps them equal).
SCHEMA_NAMES = ("post", "newsletter", "contest", "channels", "campaign", "event", "freeze", "action", "authors",
                "person", "place")


@cli.command()
@click.option("--kind", type=click.Choice([*SCHEMA_NAMES, "items", "all"]), default="items",
              show_default=True, help="Which file's schema: an item kind, a calendar or registry file; "
                                      "items: the three item kinds; all: every file, by name.")
@common_options(formats=None)
def schema(kind, root, now):
    """Print the JSON Schema of front matter and of the calendar and registry files, for editor
    autocompletion (each schema's title says which files it describes)."""
    import json

    from ..model import KINDS, SCHEMA_FILES, json_schema

    names = {"items": KINDS, "all": SCHEMA_FILES}.get(kind)
    document = json_schema(kind) if names is None else {name: json_schema(name) for name in names}
    click.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))


@cli.command()
@click.option("--base", required=True, metavar="REF", help="The git revision the pull request starts from.")
@common_options(("markdown", "json"))
def review(base, fmt, root, now):
    """Write the pull-request review: changed items, problems, calendar, previews, verdict.

    Only changed items and the items that refer to them are linted. Exit 1
    when the review finds errors, like `gazette check`.
    """
    from .. import review as reviewing
    from ..changes import GitError

    try:
        report = reviewing.build(root, base, now)
    except GitError as error:
        raise ConfigError(_('--base {base}: {error}').format(base=base, error=error)) from None
    click.echo(reviewing.to_json(report) if fmt == "json" else reviewing.to_markdown(report), nl=fmt == "json")
    sys.exit(1 if report["errors"] else 0)
