"""The community registry and relations: gazette community list|show|log|export|import, gazette forget."""

from __future__ import annotations

import click

from .base import ConfigError, cli, common_options, write_output


def _state(root):
    from ..state import StateError, connect

    try:
        return connect(root)
    except StateError as error:
        raise ConfigError(str(error)) from None


@cli.group("community")
def community_group():
    """The registry of places and people (community/) and the relation history.

    Files under community/ hold public facts only; contacts, agreements and
    consents live in the state database, never in git. See docs/community.md.
    """


@community_group.command("list")
@click.option("--kind", help="Only this kind (blog, forum, blogger…) or type (person, place).")
@click.option("--stage", help="Only people at this stage (identified … ambassador, paused, declined).")
@click.option("--topic", help="Only entries with this topic.")
@click.option("--stale", is_flag=True, help="Only engaged/ambassador relations untouched for 90 days.")
@common_options(("text", "json", "csv"))
def community_list(kind, stage, topic, stale, fmt, root, now):
    """List the registry's people and places."""
    from ..community.views import COLUMNS, UnknownFilter, rows
    from ..load import load_frame

    frame, _problems = load_frame(root)
    try:
        found = rows(root, frame, now, kind, stage, topic, stale)
    except UnknownFilter as error:
        raise ConfigError(str(error)) from None
    if fmt == "json":
        import json

        click.echo(json.dumps({"version": 1, "entries": found}, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows([*(r[c] if c != "topics" else ";".join(r[c]) for c in COLUMNS)] for r in found)
        click.echo(out.getvalue(), nl=False)
    else:
        from ..i18n import ngettext

        lines = [f"{r['type']:<7} {r['key']:<28} {r['kind']:<12} {r['stage']:<11} {r['name']}" for r in found]
        lines.append(ngettext("{count} entry", "{count} entries", len(found)).format(count=len(found)))
        click.echo("\n".join(lines))


@community_group.command("show")
@click.argument("key")
@common_options(("text", "json"))
def community_show(key, fmt, root, now):
    """One relation's timeline: contacts, agreements, consents, actions, items."""
    from ..i18n import _
    from ..load import load_repo

    repo = load_repo(root)
    from ..community.relations import read_only
    from ..community.views import shown_at, timeline

    connection = read_only(root)
    try:
        found = timeline(root, repo, key, connection)
    finally:
        if connection is not None:
            connection.close()
    if found is None:
        raise ConfigError(_("no person or place {key!r} in community/").format(key=key))
    if fmt == "json":
        import json

        click.echo(json.dumps({"version": 1, **found}, ensure_ascii=False, indent=2, default=str))
        return
    facts = found["facts"]
    lines = [f"{facts.get('name', key)} ({found['type']}, {found['path']})"]
    for name in ("kind", "stage", "owner", "handles", "topics", "url"):
        if facts.get(name):
            value = facts[name]
            if isinstance(value, dict):
                value = ", ".join(f"{k}: {v}" for k, v in value.items())
            elif isinstance(value, list):
                value = ", ".join(map(str, value))
            lines.append(f"  {name}: {value}")
    lines.append("")
    zone = repo.frame.timezone
    for event in found["events"]:
        what = {"contact": lambda e: f"{e['what']} [{e['channel']}] {e['outcome']}".rstrip(),
                "agreement": lambda e: f"{e['deliverables']} ({e['contract_ref']}) → {e['ends']}",
                "consent": lambda e: f"{e['purpose']}: " + (_("given") if str(e['given']) == '1' else _("withdrawn")),
                "action": lambda e: f"{e['name']} ({e['path']})",
                "item": lambda e: f"{e['title']} ({e['path']})"}[event["type"]](event)
        lines.append(f"  {shown_at(event['at'], zone):<23}  {event['type']:<9}  {what}")
    if not found["events"]:
        lines.append("  " + _("no history yet"))
    click.echo("\n".join(lines))


@community_group.command("log")
@click.argument("key")
@click.argument("what")
@click.option("--channel", default="", help="How: e-mail, phone, event, DM…")
@click.option("--outcome", default="", help="What came of it.")
@common_options(None)
def community_log(key, what, channel, outcome, root, now):
    """Append a dated contact to KEY's history in the state database (no commit)."""
    from ..clock import shown
    from ..community.registry import load_registry
    from ..community.relations import log_contact
    from ..i18n import _
    from ..load import load_frame

    frame, _problems = load_frame(root)
    if key not in load_registry(root, frame).people:
        raise ConfigError(_("no person {key!r} in community/people/").format(key=key))
    connection = _state(root)
    try:
        log_contact(connection, key, now, what, channel, outcome)
    finally:
        connection.close()
    click.echo(_("logged for {key} at {at}").format(key=key, at=shown(now, frame.timezone)))


TABLE_CHOICE = click.Choice(("contacts", "agreements", "consents"))


@community_group.command("export")
@click.argument("table", type=TABLE_CHOICE)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to this file.")
@common_options(None)
def community_export(table, output, root, now):
    """Export a relations table as CSV (personal data: keep the file out of git)."""
    from ..community.relations import RelationsError, export_csv, refuse_inside_repository

    if output:
        try:
            refuse_inside_repository(root, output)
        except RelationsError as error:
            raise ConfigError(str(error)) from None
    connection = _state(root)
    try:
        text = export_csv(connection, table)
    finally:
        connection.close()
    if output:
        write_output(output, text.encode("utf-8"))
    else:
        click.echo(text, nl=False)


@community_group.command("import")
@click.argument("table", type=TABLE_CHOICE)
@click.argument("file", type=click.Path(dir_okay=False))
@common_options(None)
def community_import(table, file, root, now):
    """Import rows of a relations table from CSV (as export writes it); rows already there are skipped."""
    from ..community.registry import load_registry
    from ..community.relations import RelationsError, import_csv, read_csv
    from ..i18n import ngettext
    from ..load import load_frame

    try:
        text, note = read_csv(file)
    except RelationsError as error:
        raise ConfigError(str(error)) from None
    if note:
        click.echo(f"gazette: note: {note}", err=True)
    frame, _problems = load_frame(root)
    people = load_registry(root, frame).people
    connection = _state(root)
    try:
        added = import_csv(connection, table, text, people)
    except RelationsError as error:
        raise ConfigError(f"{file}: {error}") from None
    finally:
        connection.close()
    click.echo(ngettext("{count} row added to {table}", "{count} rows added to {table}", added)
               .format(count=added, table=table))


@cli.command("forget")
@click.argument("identifier")
@click.option("--no-commit", is_flag=True, help="Change the files but do not commit.")
@common_options(("text", "json"))
def forget_command(identifier, no_commit, fmt, root, now):
    """Erase a person everywhere: registry file and references (one commit), state database.

    IDENTIFIER is a key of community/people/, a public handle, or what the state
    database knows them by. Prints what git history still holds.
    """
    from ..forget import ForgetError, forget
    from ..i18n import _, ngettext

    try:
        result = forget(root, identifier, commit=not no_commit)
    except ForgetError as error:
        raise ConfigError(str(error)) from None
    if fmt == "json":
        import json

        click.echo(json.dumps({"version": 1, **result.as_dict()}, ensure_ascii=False, indent=2))
        return
    for line in result.removed:
        click.echo(_("removed: {what}").format(what=line))
    if result.commit:
        click.echo(_("committed {sha}").format(sha=result.commit[:12]))
    elif result.changed:
        click.echo(_("not committed: {paths}").format(paths=", ".join(result.changed)))
    for path in result.mentions:
        click.echo(_("still named in {path} (public text: edit it if it must go)").format(path=path))
    if result.history:
        click.echo(ngettext("git history still holds the public profile in {count} commit: {commits}",
                            "git history still holds the public profile in {count} commits: {commits}",
                            len(result.history)).format(count=len(result.history), commits=", ".join(result.history)))
        click.echo(_("rewriting history (git filter-repo) is the community's decision: see docs/community.md"))
