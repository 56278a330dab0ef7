"""gazette watch, gazette mentions …, gazette moderation …: listening and moderation follow-through."""

from __future__ import annotations

import sys

import click

from ..i18n import _, ngettext
from .. import cliargs
from .base import ConfigError, cli, click_param, common_options, community_zone, moment_option, repo_and_now

EXIT_BAD_BUZZ = 3
EXIT_BUSY = 75


def _connect(root):
    from ..state import StateError, connect

    try:
        return connect(root)
    except StateError as error:
        raise ConfigError(str(error)) from None


def _zone(root, now):
    return community_zone(root, now)()


def _cell(value):
    """A CSV cell a spreadsheet will not run: =, +, - and @ start formulas (CSV injection); and
    one line without control characters, since an export is often read with cat or less."""
    from ..listening.buzz import one_line

    if isinstance(value, list):
        value = ";".join(value)
    if isinstance(value, str):
        value = one_line(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _class_label(name: str) -> str:
    """A triage class as people read it (JSON and CSV keep the English key)."""
    labels = {"question": _("question"), "criticism": _("criticism"), "praise": _("praise"), "other": _("other")}
    return labels.get(name, name)


def _dump(data) -> None:
    import json

    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@cli.command("watch")
# Every run is one pass that exits: cron, a systemd timer or CI repeats it (and catches up, logs,
# restarts), and the exit code is the alert. --once said nothing more; hidden, it only keeps the
# cron lines written when the README advertised it working.
@click.option("--once", is_flag=True, hidden=True, help="Changes nothing: every run is one pass.")
@click.option("--wait", type=float, default=0.0, metavar="SECONDS", show_default=True,
              help="When another watch runs, wait this long for it before giving up (exit 75).")
@common_options(("text", "json"))
def watch_command(once, wait, fmt, root, now):
    """Fetch the feeds and Mastodon timelines of calendar/listening.yml once, store the mentions, exit.

    One pass per run: schedule it with cron, a systemd timer or CI. Keeps
    entries naming a keyword (or a competitor, for share of voice), triages
    them (question, criticism, praise, other), purges what is older than the
    retention, and checks for a bad buzz. Exit 3 on a bad buzz (said
    first), 1 when a source failed (the others are read; it is retried next
    run), 75 when another watch is running, 2 on a configuration error.
    """
    from ..listening import buzz
    from ..listening.watch import WatchBusy, watch
    from ..state import StateError

    try:
        report = watch(root, now, wait=wait)
    except WatchBusy as error:
        click.echo(f"gazette: {error}", err=True)
        sys.exit(EXIT_BUSY)
    except (StateError, OSError) as error:
        raise ConfigError(str(error)) from None
    if fmt == "json":
        _dump({"version": 1, "sources": report.sources, "failed": report.failed, "not_modified": report.not_modified,
               "entries": report.entries, "new": report.new, "purged": report.purged,
               "problems": [p.as_dict() for p in report.problems],
               "bad_buzz": None if report.alert is None else {
                   "count": report.alert.count, "window_hours": report.alert.window.total_seconds() / 3600,
                   "threshold": report.alert.threshold, "usual": round(report.alert.usual, 2),
                   "top": report.alert.top}})
    else:
        if report.alert is not None:
            for line in buzz.describe(report.alert):
                click.echo(line)
        for problem in report.problems:
            click.echo(problem.format())
        if not report.sources:
            click.echo("gazette: " + _("nothing to read: list feeds: (or mastodon:) in calendar/listening.yml "
                                   "(see docs/listening.md)"), err=True)
        purged = sum(report.purged.values())
        # how many answered, not how many were asked: "3 sources read" when all 3 failed misled
        answered = ngettext("{answered} of {count} source answered", "{answered} of {count} sources answered",
                            report.sources).format(answered=report.sources - report.failed, count=report.sources)
        click.echo(answered + " " + _("({unchanged} unchanged), {entries} entries, {new} new mentions").format(
            unchanged=report.not_modified, entries=report.entries, new=report.new)
            + (_(", {count} old records purged").format(count=purged) if purged else ""))
    if report.alert is not None:
        sys.exit(EXIT_BAD_BUZZ)
    if report.config_errors:
        sys.exit(2)
    sys.exit(1 if any(p.severity == "error" for p in report.problems) else 0)


QUEUE_FIELDS = ("id", "at", "class", "needs_answer", "place", "author", "title", "text", "url", "flags",
                "keywords", "answered_at", "answer_url", "answered_by", "ignored_reason")


@cli.group("mentions", invoke_without_command=True)
@click.option("--needs-answer", is_flag=True, help="Only questions and criticisms not yet answered or ignored.")
@click.option("--since", metavar="ISO", default=None, help="Only mentions published since this date-time.")
@click.option("--place", metavar="SLUG", default=None, help="Only mentions from this place.")
@click_param(cliargs.format_option(("text", "json", "csv")))
@click_param(cliargs.REPO)
@click_param(cliargs.NOW)
@click.pass_context
def mentions_group(ctx, needs_answer, since, place, fmt, repo, now_text):
    """The mentions queue, newest first (gazette mentions import|answer|ignore|stats for the rest).

    Each line: id, date, class (question, criticism, praise, other), place,
    author, text, URL and netiquette flags. Mentions are personal data: they
    stay in the state database and leave it only through this command.
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..listening import store

    root, now = repo_and_now(repo, now_text)
    zone = _zone(root, now)
    moment = moment_option(since, "--since", zone)
    connection = _connect(root)
    try:
        if place and place not in store.places(connection):
            _known_place_or_exit(root, zone, place, store.places(connection))
        rows = store.queue(connection, needs_answer=needs_answer, since=moment, place=place)
    finally:
        connection.close()
    if fmt == "json":
        _dump({"version": 1, "mentions": [{k: r[k] for k in QUEUE_FIELDS} for r in rows]})
        return
    if fmt == "csv":
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(QUEUE_FIELDS)
        for r in rows:
            writer.writerow([_cell(r[k]) for k in QUEUE_FIELDS])
        click.echo(out.getvalue(), nl=False)
        return
    from datetime import datetime

    from ..clock import shown
    from ..listening.buzz import one_line

    for r in rows:
        state = (_("answered") if r["answered_at"] else _("ignored") if r["ignored_reason"] else
                 _("NEEDS ANSWER") if r["needs_answer"] else "")
        text = one_line(f"{r['title']} {r['text']}")[:140]
        flags = f"  [{', '.join(r['flags'])}]" if r["flags"] else ""
        label = _class_label(r["class"])
        click.echo(f"#{r['id']:<5} {shown(datetime.fromisoformat(r['at']), zone)}  {label:<9} {state:<12} "
                   f"{one_line(r['place']) or '-'}  {one_line(r['author']) or '?'}: {text}  {one_line(r['url'])}{flags}")
    click.echo(ngettext("{count} mention", "{count} mentions", len(rows)).format(count=len(rows)))


def _known_place_or_exit(root, zone, place, stored) -> None:
    """A misspelt --place listed "0 mentions" as if the place were quiet: it is a usage error."""
    from ..listening import config

    settings, _problems = config.load(root, zone)
    known = sorted(stored | config.places(root, settings))
    if place not in known:
        raise ConfigError(_("unknown place {place!r}: known places are {known}").format(
            place=place, known=", ".join(known) or "-"))


@mentions_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@common_options(("text", "json"))
def mentions_import(file, fmt, root, now):
    """Import mentions exported by another monitoring tool (CSV or JSON lines).

    Columns: url and text, optional date and author. Dates are ISO 8601, or
    dd/mm/yyyy [hh:mm] when another date of the file (28/11/2026) shows the
    day comes first. Rows already stored (same URL) are skipped; bad rows are
    reported by line and not imported (exit 1); an unreadable file is exit 2.
    """
    from pathlib import Path

    from ..listening.importer import import_file
    from ..moderate import InputError

    try:
        read, new, problems, notes = import_file(root, Path(file), now, _zone(root, now))
    except InputError as error:
        raise ConfigError(str(error)) from None
    if fmt == "json":
        _dump({"version": 1, "read": read, "new": new, "problems": problems, "notes": notes})
    else:
        for note in notes:
            click.echo(_('gazette: note: {note}').format(note=note), err=True)
        for problem in problems:
            click.echo(problem)
        click.echo(_("{read} rows read, {new} new mentions").format(read=read, new=new))
    sys.exit(1 if problems else 0)


def _mention_or_exit(function, *args):
    from ..listening.store import NotFound

    try:
        return function(*args)
    except NotFound as error:
        raise ConfigError(_("no mention #{id} (see gazette mentions)").format(id=error.args[0])) from None


@mentions_group.command("answer")
@click.argument("mention_id", metavar="ID", type=int)
@click.option("--url", required=True, help="Where the answer is (the reply's URL).")
@click.option("--by", "by", default=None, help="Who answered (default: $USER).")
@click.option("--at", "at_text", metavar="ISO", default=None,
              help="When the answer was posted, if not now (recording it later must not lengthen answer times).")
@click.option("--replace", is_flag=True, help="Replace the answer already recorded for this mention.")
@common_options(None)
def mentions_answer(mention_id, url, by, at_text, replace, root, now):
    """Record that a mention was answered (its URL, who, when): it leaves the queue and counts in answer times.

    --at cannot be earlier than the mention; a mention already answered
    keeps its answer unless --replace.
    """
    import getpass

    from ..listening import store
    from .base import shown_iso

    if not url.startswith(("https://", "http://")):
        raise ConfigError(_("--url {url!r} is not an http(s) URL").format(url=url))
    zone = community_zone(root, now)
    at = moment_option(at_text, "--at", zone) or now
    connection = _connect(root)
    try:
        record = _mention_or_exit(store.answer, connection, mention_id, url, by or getpass.getuser(), at, replace)
    except store.AnswerRefused as refused:
        mention = refused.mention
        if refused.reason == "before":
            raise ConfigError(_("--at {at} is before mention #{id} itself ({published}): an answer cannot precede "
                                "the message").format(at=shown_iso(at.isoformat(), zone()), id=mention_id,
                                                      published=shown_iso(mention["at"], zone()))) from None
        raise ConfigError(_("mention #{id} was already answered by {who} on {at}: {url} (--replace to replace "
                            "that answer)").format(id=mention_id, who=mention["answered_by"] or "?",
                                                   at=shown_iso(mention["answered_at"], zone()),
                                                   url=mention["answer_url"])) from None
    finally:
        connection.close()
    if record["replaced"]:
        click.echo(_("#{id}: replaces the earlier answer {url}").format(id=mention_id, url=record["replaced"]))
    click.echo(_("#{id} answered by {who}: {url}").format(id=record["id"], who=record["answered_by"],
                                                          url=record["answer_url"]))


@mentions_group.command("ignore")
@click.argument("mention_id", metavar="ID", type=int)
@click.option("--reason", required=True, help="Why no answer is needed (kept with the mention).")
@common_options(None)
def mentions_ignore(mention_id, reason, root, now):
    """Take a mention out of the queue without answering, with the reason."""
    from ..listening import store

    connection = _connect(root)
    try:
        record = _mention_or_exit(store.ignore, connection, mention_id, reason, now)
    finally:
        connection.close()
    click.echo(_("#{id} ignored: {reason}").format(id=record["id"], reason=record["ignored_reason"]))


@mentions_group.command("stats")
@click.option("--since", metavar="ISO", default=None, help="Only mentions published since this date-time.")
@common_options(("text", "json"))
def mentions_stats(since, fmt, root, now):
    """Listening KPIs: mentions per place and day, share of voice, criticism/praise, answer times, late criticism.

    Answer times count business hours only (business_hours in calendar/listening.yml).
    """
    from ..listening import config
    from ..listening.stats import mention_stats

    zone = _zone(root, now)
    settings, _problems = config.load(root, zone)
    connection = _connect(root)
    try:
        data = mention_stats(connection, settings, now, zone, moment_option(since, "--since", zone))
    finally:
        connection.close()
    if fmt == "json":
        _dump({"version": 1, **data})
        return
    click.echo(_("mentions: {count}").format(count=data["mentions"]) + "  "
               + "  ".join(f"{_class_label(k)}: {v}" for k, v in data["classes"].items()))
    click.echo(_("per place: {counts}").format(counts=", ".join(f"{k} {v}" for k, v in data["per_place"].items()) or "-"))
    click.echo(_("per day: {counts}").format(counts=", ".join(f"{k} {v}" for k, v in data["per_day"].items()) or "-"))
    voice = data["share_of_voice"]
    if voice["brand"] is not None:
        click.echo(_("share of voice: {share}").format(share=f"{voice['brand']:.0%}") + "".join(
            f", {name} {share:.0%}" for name, share in voice["competitors"].items()))
    ratio = data["criticism_praise_ratio"]
    click.echo(_("criticism/praise: {ratio}").format(ratio=ratio if ratio is not None else "-"))
    if data["answered"]:
        click.echo(_("time to answer (business hours): median {median} h, p90 {p90} h over {count} answers").format(
            median=data["answer_hours_median"], p90=data["answer_hours_p90"], count=data["answered"]))
    click.echo(_("criticism unanswered for more than 24 h: {count}").format(count=data["unanswered_criticism_24h"])
               + (" (" + ", ".join(f"#{i}" for i in data["unanswered_criticism_ids"]) + ")"
                  if data["unanswered_criticism_ids"] else ""))


@cli.group("moderation")
def moderation_group():
    """Moderation follow-through: act on recorded messages, see repeat offenders (gazette moderate --record first)."""


@moderation_group.command("act")
@click.argument("message_id", metavar="ID")
@click.argument("action", type=click.Choice(("reminder", "hide", "suspend", "ban")))
@click.option("--reason", required=True, help="Why (kept with the action).")
@click.option("--by", "by", default=None, help="Who acted (default: $USER).")
@click.option("--again", is_flag=True,
              help="Record the action even if the same one was already recorded about this message.")
@common_options(None)
def moderation_act(message_id, action, reason, by, again, root, now):
    """Record what was done about a recorded message: reminder, hide, suspend or ban (who, when, which rule).

    ID is the recorded id (#12) that `gazette moderate --record` and
    `gazette moderation list` print, not the id in the export. The same
    action twice on one message is recorded once, unless --again.
    """
    import getpass

    from ..listening import records
    from ..listening.buzz import one_line
    from ..listening.store import NotFound

    zone = _zone(root, now)
    connection = _connect(root)
    try:
        found = records.resolve(connection, message_id)
        done = records.act(connection, found, action, reason, by or getpass.getuser(), now, again=again)
    except NotFound:
        raise ConfigError(_("no recorded message {id} (gazette moderation list shows them; "
                            "gazette moderate EXPORT --record stores them)").format(id=message_id)) from None
    except records.Ambiguous as error:
        choices = ", ".join(f"#{m['id']} ({one_line(m['author'] or '?')})" for m in error.others)
        raise ConfigError(_("{id} is ambiguous: recorded message #{id} and message {id} of another export; "
                            "write the recorded id with its #: {choices} (gazette moderation list)").format(
            id=error.message_id, choices=choices)) from None
    finally:
        connection.close()
    from .base import shown_iso

    if done["already"]:
        click.echo(_("{action} already recorded for {author} (message #{id}, {at}): not recorded twice "
                     "(--again to record it once more)").format(
            action=done["action"], author=one_line(done["author"] or "?"), id=found, at=shown_iso(done["at"], zone)))
        return
    click.echo(_("{action} recorded for {author} (message #{id}, {rule})").format(
        action=done["action"], author=one_line(done["author"] or "?"), id=found, rule=done["rule"]))


@moderation_group.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True,
              help="How many recorded messages, newest first.")
@common_options(("text", "json"))
def moderation_list(limit, fmt, root, now):
    """Recorded messages, newest first: the #ID gazette moderation act takes, author, rules, excerpt, actions."""
    from .base import shown_iso
    from ..listening import records
    from ..listening.buzz import one_line

    zone = _zone(root, now)
    connection = _connect(root)
    try:
        rows = records.recorded(connection, limit)
    finally:
        connection.close()
    if fmt == "json":
        _dump({"version": 1, "messages": rows})
        return
    for row in rows:
        excerpt = one_line(row["text"])
        excerpt = excerpt if len(excerpt) <= 60 else excerpt[:59] + "…"
        actions = ", ".join(a["action"] for a in row["actions"]) or "-"
        click.echo(f"#{row['id']}\t{shown_iso(row['recorded'], zone)}\t{one_line(row['author'] or '?')}\t"
                   f"{','.join(row['codes'])}\t{excerpt}\t{actions}")
    click.echo(ngettext("{count} recorded message", "{count} recorded messages", len(rows)).format(count=len(rows)))


@moderation_group.command("offenders")
@common_options(("text", "json"))
def moderation_offenders(fmt, root, now):
    """Authors by recorded moderation actions, most first: a second offence is visible at a glance."""
    from ..listening import records
    from ..listening.buzz import one_line
    from .base import shown_iso

    zone = _zone(root, now)
    connection = _connect(root)
    try:
        rows = records.offenders(connection)
    finally:
        connection.close()
    if fmt == "json":
        _dump({"version": 1, "offenders": rows})
        return
    for row in rows:
        detail = ", ".join(f"{k} {v}" for k, v in row["by_action"].items())
        actions = ngettext("{count} action", "{count} actions", row["actions"]).format(count=row["actions"])
        click.echo(f"{one_line(row['author'])}\t{actions} ({detail}), " + _("last {at}").format(at=shown_iso(row["last"], zone)))
    click.echo(ngettext("{count} author", "{count} authors", len(rows)).format(count=len(rows)))
