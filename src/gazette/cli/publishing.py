"""Delivering and stopping: publish, freeze, unfreeze, published, status."""

from __future__ import annotations

import sys

import click

from ..i18n import _
from .base import ConfigError, community_zone, moment_option, shown_iso, cli, common_options, progress_bar


@cli.command()
@click.option("--dry-run", is_flag=True, help="Print what is due and touch nothing.")
@click.option("--channel", "channels", multiple=True, help="Only these channels (repeatable).")
@click.option("--push/--no-push", default=False, show_default=True,
              help="Take the lease on the remote and push each receipt before the next delivery.")
@common_options(("text", "json"))
def publish(dry_run, channels, push, fmt, root, now):
    """Deliver what is public and due, once, and commit the receipts.

    Each (item, channel) goes through its target (calendar/channels.yml
    `target:`; default `outbox`, files in outbox/); each receipt is committed
    (and pushed, with --push) before the next delivery. A freeze holds
    everything but items tagged crisis. Exit 1 if a delivery failed or an
    item is held by a check error, 2 if
    git or the configuration refused (nothing more is sent), 75 if another
    publisher holds the lock or the remote's lease (nothing is sent).
    """
    from ..clock import shown
    from ..publish import EX_TEMPFAIL, PublishError, PublisherBusy, needs_attention, run, summary

    try:
        outcomes = run(root, now, channels, dry_run=dry_run, push=push, progress=progress_bar("Publishing", 50))
    except PublishError as error:
        zone = community_zone(root, now)()
        for o in error.outcomes:
            detail = f"  ({o.detail})" if o.detail else ""
            click.echo(f"{_(o.state):<7} {o.channel:<20} {shown(o.at, zone)}  {o.path}{detail}")
        if isinstance(error, PublisherBusy):
            sent = any(o.state == "sent" for o in error.outcomes)
            click.echo(_("gazette: busy: {error}")
                           .format(error=error) + ("" if sent else _(" (nothing was sent)")), err=True)
            sys.exit(EX_TEMPFAIL)
        raise ConfigError(str(error)) from None
    if fmt == "json":
        import json

        click.echo(json.dumps({"version": 1, "dry_run": dry_run, "outcomes": [
            {"path": o.path, "channel": o.channel, "at": o.at.isoformat(), "state": o.state, "detail": o.detail}
            for o in outcomes]}, ensure_ascii=False, indent=2))
    else:
        zone = community_zone(root, now)()
        for o in outcomes:
            detail = f"  ({o.detail})" if o.detail else ""
            click.echo(f"{_(o.state):<7} {o.channel:<20} {shown(o.at, zone)}  {o.path}{detail}")
        click.echo((_("dry run: ") if dry_run else "") + summary(outcomes))
    sys.exit(1 if needs_attention(outcomes) else 0)


@cli.command("freeze")
@click.option("--reason", required=True, help="Why: shown in gazette status and in the commit.")
@click.option("--until", "until_text", metavar="ISO", help="End the freeze by itself at this time.")
@click.option("--channel", "channels", multiple=True, help="Only these channels (default: all).")
@click.option("--no-push", is_flag=True, help="Commit here only (default: also push, so every publisher stops).")
@common_options(formats=None)
def freeze_command(reason, until_text, channels, no_push, root, now):
    """Stop every delivery now (crisis): commits and pushes calendar/freezes/<id>.yml.

    Items tagged crisis (holding statements) still go out. A send in
    progress stops at its next batch.
    """
    from ..clock import shown
    from ..freeze import FreezeError, freeze

    zone = community_zone(root, now)()
    until = moment_option(until_text, "--until", zone)
    try:
        freeze_id = freeze(root, now.astimezone(zone), reason, until and until.astimezone(zone), channels,
                           push=False if no_push else None)
    except FreezeError as error:
        raise ConfigError(str(error)) from None
    click.echo(_("frozen: {id} since {since}").format(id=freeze_id, since=shown(now, zone))
               + (_(" until {until}").format(until=shown(until, zone)) if until else "")
               + _(" (the id starts with the UTC time; gazette unfreeze {id} to resume)").format(id=freeze_id))


@cli.command("unfreeze")
@click.argument("freeze_id", metavar="ID")
@click.option("--no-push", is_flag=True, help="Commit here only (default: also push).")
@common_options(formats=None)
def unfreeze_command(freeze_id, no_push, root, now):
    """End a freeze now; its window stays on record so passed slots are reported, not sent."""
    from ..clock import shown
    from ..freeze import FreezeError, unfreeze

    zone = community_zone(root, now)()
    try:
        path = unfreeze(root, now.astimezone(zone), freeze_id, push=False if no_push else None)
    except FreezeError as error:
        raise ConfigError(str(error)) from None
    click.echo(_('unfrozen at {now}: {path}').format(now=shown(now, zone), path=path))


@cli.command("published")
@click.argument("slug")
@click.option("--channel", required=True, help="The channel posted by hand (target: manual in calendar/channels.yml).")
@click.option("--url", required=True, help="The address of the post on the network.")
@click.option("--at", "at_text", metavar="ISO", help="When it was posted (default: now).")
@common_options(formats=None)
def published_command(slug, channel, url, at_text, root, now):
    """Record that a person posted SLUG on a manual channel (Instagram, a forum): commits the receipt."""
    from ..publish import PublishError, record_manual

    at = moment_option(at_text, "--at", community_zone(root, now))
    try:
        path = record_manual(root, now, slug, channel, url, at)
    except PublishError as error:
        raise ConfigError(str(error)) from None
    click.echo(_('recorded: {channel} {path}').format(channel=channel, path=path))


@cli.command("status")
@common_options(("text", "json"))
def status_command(fmt, root, now):
    """Show active freezes, running recruitment actions, what publish would do now (due, held, missed)
    and what failed last time."""
    from ..community.actions import as_json, due_actions
    from ..plan import active_freezes
    from ..publish import last_run, planned, summary

    from ..contests.calendar import overdue

    frame, outcomes = planned(root, now)
    late = overdue(root, now)
    freezes = [f for f in frame.freezes.values() if f in active_freezes(frame, now)]
    previous = last_run(root) or {}
    failed = [o for o in previous.get("outcomes", ()) if o["state"] == "failed"]
    alert = _bad_buzz(root, now)
    actions = due_actions(frame, now)
    if fmt == "json":
        import json

        click.echo(json.dumps({"version": 1, "bad_buzz": None if alert is None else {
            "count": alert.count, "window_hours": alert.window.total_seconds() / 3600, "threshold": alert.threshold,
            "usual": round(alert.usual, 2), "top": [{"id": m["id"], "url": m["url"], "author": m["author"],
                                                     "text": m["text"]} for m in alert.top]}, "freezes": [
            {"path": f["_path"], "reason": f.get("reason"), "who": f.get("who"),
             "from": f["from"].isoformat(), "until": f["until"].isoformat() if f.get("until") else None}
            for f in freezes], "outcomes": [
            {"path": o.path, "channel": o.channel, "at": o.at.isoformat(), "state": o.state, "detail": o.detail}
            for o in outcomes], "actions": [as_json(slug, a) for slug, a in actions],
            "last_run": previous or None,
            "contests_overdue": [{"path": path, "step": step.key, "due": step.at.isoformat()} for path, step in late]},
            ensure_ascii=False, indent=2))
        return
    from ..clock import shown

    zone = frame.timezone or now.tzinfo
    if alert is not None:  # said first: it may be why publishing should stop
        from ..listening.buzz import describe

        for line in describe(alert):
            click.echo(line)
    for f in freezes:
        until = _(" until {until}").format(until=shown(f['until'], zone)) if f.get("until") else ""
        click.echo(_('FROZEN since {since}{until} by {who}: {reason} [{path}]')
                       .format(since=shown(f['from'], zone), until=until, who=f.get('who', '?'), reason=f.get('reason'), path=f['_path']))
    for slug, a in actions:
        goal = _("  goal: {value:g} {metric}").format(value=a['target']['value'], metric=a['target']['metric']) \
            if a.get("target") else ""
        click.echo(_("action  {kind:<20} until {until}  {name} [{path}]{goal}").format(
            kind=a.get('kind', ''), until=shown(a['to'], zone), name=a.get('name', slug), path=a['_path'], goal=goal))
    for o in outcomes:
        detail = f"  ({o.detail})" if o.detail else ""
        click.echo(f"{_(o.state):<7} {o.channel:<20} {shown(o.at, zone)}  {o.path}{detail}")
    for o in failed:
        click.echo(_('failed  {channel:<20} {at}  {path}  (last run {previous}: {detail})')
                       .format(channel=o['channel'], at=shown_iso(o['at'], zone), path=o['path'], previous=shown_iso(previous['at'], zone), detail=o['detail']))
    for path, step in late:
        click.echo(_("overdue contest {step:<19} {at}  {path}").format(step=step.label, at=shown(step.at, zone), path=path))
    click.echo(summary(outcomes) if outcomes else _("nothing due"))


def _bad_buzz(root, now):
    """The listening alert, if a watch has stored mentions; a broken state database is not status's problem."""
    from ..listening.buzz import current
    from ..state import StateError

    try:
        return current(root, now)
    except StateError:
        return None
