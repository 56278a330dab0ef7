"""The calendar and slots: gazette calendar, calendar diff, slot next."""

from __future__ import annotations

import sys

import click

from ..i18n import _
from .base import ConfigError, community_zone, moment_option, write_output, cli, common_options


@cli.group("calendar", invoke_without_command=True)
@click.option("--from", "start_text", metavar="ISO", help="Start of the window (text/html default: today).")
@click.option("--to", "end_text", metavar="ISO", help="End of the window (text/html default: 5 weeks on).")
@click.option("--channel", "channels", multiple=True, help="Only publications on this channel (repeatable).")
@click.option("--campaign", "campaigns", multiple=True, help="Only this campaign and its items (repeatable).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write to this file.")
@common_options(("text", "ics", "html", "json"))
@click.pass_context
def calendar_command(ctx, start_text, end_text, channels, campaigns, output, fmt, root, now):
    """Show the editorial calendar: publications, campaigns, events, freezes.

    Derived from front matter and calendar/; `ics` opens in any calendar
    app, `html` is a month grid, `json` is documented in docs/json.md.
    """
    if ctx.invoked_subcommand:
        return
    from datetime import timedelta

    from .. import agenda
    from ..load import load_repo

    repo = load_repo(root)
    zone = repo.frame.timezone or now.tzinfo
    start = moment_option(start_text, "--from", zone)
    end = moment_option(end_text, "--to", zone)
    if fmt in ("text", "html"):
        today = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
        start = start or today
        end = end or start + timedelta(days=35)
    unknown = [c for c in channels if c not in repo.frame.channels]
    if unknown:
        raise ConfigError(_('unknown channel {unknown!r} (known: {channels})')
                              .format(unknown=unknown[0], channels=', '.join(repo.frame.channels)))
    entries = agenda.build(repo, now, start, end, channels, campaigns)
    if fmt == "ics":
        data = agenda.to_ics(entries, now, zone)
    elif fmt == "json":
        data = agenda.to_json(entries, start, end)
    elif fmt == "html":
        data = agenda.to_html(entries, now, zone, start, end)
    else:
        data = agenda.to_text(entries, now, zone, colour=not output and sys.stdout.isatty())
    if output:
        write_output(output, data if isinstance(data, bytes) else data.encode("utf-8"))
        click.echo(_('wrote {entries} entries to {output}').format(entries=len(entries), output=output))
    else:
        click.echo(data.decode("utf-8") if isinstance(data, bytes) else data, nl=not isinstance(data, bytes))


@calendar_command.command("diff")
@click.argument("base")
@click.argument("head", required=False)
@common_options(("text", "json"))
def calendar_diff(base, head, fmt, root, now):
    """What a change does to the calendar: publications added, removed, moved, re-statused.

    Compares git revision BASE with HEAD (default: the working tree).
    """
    from ..changes import GitError
    from ..plan_diff import describe, diff, to_json

    try:
        changes = diff(root, base, head)
    except GitError as error:
        raise ConfigError(str(error)) from None
    if fmt == "json":
        click.echo(to_json(changes))
    elif not changes:
        click.echo(_("no calendar changes"))
    else:
        zone = community_zone(root, now)()
        for change in changes:
            click.echo(describe(change, zone))


@cli.group("slot")
def slot_group():
    """Find publication slots (see `gazette slot next --help`)."""


@slot_group.command("next")
@click.option("--channel", "channels", multiple=True, help="Channel (default: every channel with slots).")
@click.option("--after", "after_text", metavar="ISO", help="Search after this time (default: --now).")
@common_options(("text", "json"))
def slot_next(channels, after_text, fmt, root, now):
    """Suggest the next free slot per channel, honouring slots, freezes and events."""
    from ..clock import shown
    from ..load import load_repo
    from ..plan import channel_zone, next_free_slot, publications

    repo = load_repo(root)
    after = moment_option(after_text, "--after", repo.frame.timezone or now.tzinfo) or now
    names = channels or [name for name, spec in repo.frame.channels.items() if spec.get("slots")]
    unknown = [c for c in names if c not in repo.frame.channels]
    if unknown:
        raise ConfigError(_('unknown channel {unknown!r} (known: {channels})')
                              .format(unknown=unknown[0], channels=', '.join(repo.frame.channels)))
    pubs = [pub for item in repo.items for pub in publications(item)]
    found = {name: next_free_slot(repo.frame, pubs, name, after) for name in names}
    if fmt == "json":
        import json

        click.echo(json.dumps({"version": 1, "after": after.isoformat(),
                               "slots": {n: s.isoformat() if s else None for n, s in found.items()}}, indent=2))
        return
    for name, moment in found.items():
        if moment is None:
            click.echo(_('{name:<20} no free slot in the next 120 days (no slots set in calendar/channels.yml?)')
                           .format(name=name))
        else:
            local = moment.astimezone(channel_zone(repo.frame, name) or moment.tzinfo)
            click.echo(_('{name:<20} {local:%a} {shown}  (date: {iso})')
                           .format(name=name, local=local, shown=shown(local), iso=local.isoformat()))
