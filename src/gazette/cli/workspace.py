"""``gazette --workspace FILE calendar|status|check``: an agency's communities at once.

The option belongs to the root group; each supported command's usual code is
bypassed (in :func:`gazette.cli.base.common_options`) for the workspace view
here. A command without a workspace view says so (exit 2). The report command,
built elsewhere, plugs in by adding ``"report"`` to :data:`VIEWS`.
"""

from __future__ import annotations

import sys

import click

from ..i18n import _
from .base import ConfigError, cli, moment_option, write_output


def _remember(ctx, _param, value):
    if value:
        ctx.meta["gazette.workspace"] = value
    return value


cli.params.append(click.Option(
    ["--workspace"], metavar="FILE", envvar="GAZETTE_WORKSPACE", expose_value=False, callback=_remember,
    type=click.Path(dir_okay=False), is_eager=True,
    help="Run calendar, status or check over every community of a gazette-workspace.yml. Env: GAZETTE_WORKSPACE."))


def run_in_workspace(now_text, options):
    from ..clock import ClockError, now as clock_now
    from ..workspace import WorkspaceError, display_zone, load

    ctx = click.get_current_context()
    name = ctx.command.name
    view = VIEWS.get(name)
    if view is None or ctx.invoked_subcommand:
        shown = f"{name} {ctx.invoked_subcommand}" if ctx.invoked_subcommand else name
        raise ConfigError(_("--workspace works with {commands}, not {command}").format(
            commands=", ".join(sorted(VIEWS)), command=shown))
    try:
        communities = load(ctx.meta["gazette.workspace"])
        zone = display_zone(communities)
        now = clock_now(now_text, zone)
    except WorkspaceError as error:
        raise ConfigError(str(error)) from None
    except ClockError as error:
        raise ConfigError(f"--now: {error}") from None
    return view(communities, now, {**options, "zone": zone})


def _unreadable(results, say: bool = True) -> None:
    """Name the communities that cannot be read; exit 2 if any, as ``check`` does."""
    bad = [result for result in results if result.error]
    for result in bad if say else ():
        click.echo(_("[{name}] cannot be read: {error}").format(name=result.community.name, error=result.error))
    if bad:
        sys.exit(2)


def calendar_view(communities, now, options):
    from datetime import timedelta

    from .. import agenda
    from ..workspace import calendar

    fmt, output = options.get("fmt"), options.get("output")
    if options.get("channels") or options.get("campaigns"):
        raise ConfigError(_("--channel and --campaign name one community's keys: not with --workspace"))
    zone = options.get("zone") or now.tzinfo
    start = moment_option(options.get("start_text"), "--from", zone)
    end = moment_option(options.get("end_text"), "--to", zone)
    if fmt in ("text", "html"):
        today = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
        start = start or today
        end = end or start + timedelta(days=35)
    entries, clashes, results = calendar(communities, now, start, end)
    if fmt == "ics":
        data = agenda.to_ics(entries, now, zone, name="Gazette workspace")
    elif fmt == "html":
        data = agenda.to_html(entries, now, zone, start, end, colours={c.name: c.colour for c in communities})
    elif fmt == "json":
        import json

        payload = json.loads(agenda.to_json(entries, start, end))
        for row, entry in zip(payload["entries"], entries):
            row["community"] = entry.community
        payload["clashes"] = [{"owner": c.owner, "first": {"community": c.first[0], "path": c.first[1].path,
                                                           "at": c.first[1].start.isoformat()},
                               "second": {"community": c.second[0], "path": c.second[1].path,
                                          "at": c.second[1].start.isoformat()}} for c in clashes]
        payload["unreadable"] = {r.community.name: r.error for r in results if r.error}
        data = json.dumps(payload, ensure_ascii=False, indent=2)
    else:
        from ..agenda import KINDS
        from ..clock import shown

        # the single-community agenda's labels, so a French agency reads "campagne" in both
        lines = [f"{shown(e.start, zone)}  [{e.community}] {_(KINDS.get(e.kind, e.kind)):<11} {e.channel or '':<20} "
                 f"{e.title}"
                 for e in entries]
        lines += [_("CLASH {owner}: [{a}] {a_path} at {a_at} and [{b}] {b_path} at {b_at}").format(
            owner=c.owner, a=c.first[0], a_path=c.first[1].path, a_at=shown(c.first[1].start, zone),
            b=c.second[0], b_path=c.second[1].path, b_at=shown(c.second[1].start, zone)) for c in clashes]
        data = "\n".join(lines) or _("nothing planned in this window")
    if output:
        write_output(output, data if isinstance(data, bytes) else data.encode("utf-8"))
        click.echo(_("wrote {count} entries from {communities} communities to {file}").format(
            count=len(entries), communities=len(communities), file=output))
    else:
        click.echo(data.decode("utf-8") if isinstance(data, bytes) else data, nl=not isinstance(data, bytes))
    _unreadable(results, say=fmt != "json")  # JSON lists them under "unreadable"


def status_view(communities, now, options):
    from ..clock import shown
    from ..publish import summary
    from ..workspace import status

    results = status(communities, now)
    if options.get("fmt") == "json":
        import json

        click.echo(json.dumps({"version": 1, "communities": [{
            "name": r.community.name, "path": str(r.community.path), "error": r.error,
            "freezes": [{"path": f["_path"], "reason": f.get("reason"), "who": f.get("who"),
                         "from": f["from"].isoformat(), "until": f["until"].isoformat() if f.get("until") else None}
                        for f in (r.data.freezes if r.data else ())],
            "outcomes": [{"path": o.path, "channel": o.channel, "at": o.at.isoformat(), "state": o.state,
                          "detail": o.detail} for o in (r.data.outcomes if r.data else ())],
        } for r in results]}, ensure_ascii=False, indent=2))
        _unreadable(results, say=False)  # each has its "error"
        return
    for result in results:
        if result.error:
            continue
        name, data = result.community.name, result.data
        for f in data.freezes:
            click.echo(_("[{name}] FROZEN since {since} by {who}: {reason}").format(
                name=name, since=shown(f["from"], data.zone), who=f.get("who", "?"), reason=f.get("reason")))
        for o in data.outcomes:
            click.echo(f"[{name}] {_(o.state):<7} {o.channel:<20} {shown(o.at, data.zone)}  {o.path}")
        click.echo(f"[{name}] " + (summary(data.outcomes) if data.outcomes else _("nothing due")))
    _unreadable(results)


def check_view(communities, now, options):
    from .. import output
    from ..workspace import check

    results = check(communities, now)
    fmt = options.get("fmt")
    worst = 0
    if fmt == "json":
        import json

        payload = {"version": 1, "communities": {}}
        for r in results:
            payload["communities"][r.community.name] = (
                {"error": r.error} if r.error else json.loads(output.problems_json(r.data.problems, r.data.checked)))
            worst = max(worst, 2 if r.error else r.data.exit_code)
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        sys.exit(worst)
    for r in results:
        click.echo(f"== {r.community.name} ({r.community.path})")
        if r.error:
            click.echo(_("cannot be read: {error}").format(error=r.error))
            worst = 2
            continue
        render = output.problems_github if fmt == "github" else output.problems_text
        for line in render(r.data.problems, r.data.checked):
            click.echo(line)
        worst = max(worst, r.data.exit_code)
    sys.exit(worst)


VIEWS = {"calendar": calendar_view, "status": status_view, "check": check_view}
