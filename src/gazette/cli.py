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


def _write_output(path: str, data: bytes) -> None:
    """Every ``-o``: a missing folder or a read-only place is a usage error, not a traceback."""
    try:
        with open(path, "wb") as handle:
            handle.write(data)
    except OSError as error:
        raise ConfigError(f"cannot write {path}: {error.strerror or error} (-o wants a file in an existing, "
                          "writable folder)") from None


def _repo_and_now(repo_option, now_option):
    """The two things every command needs, with library errors turned into exit 2."""
    from .clock import ClockError, now
    from .root import RepoNotFound, find_root

    try:
        root = find_root(repo_option)
    except RepoNotFound as error:
        raise ConfigError(str(error)) from None
    def community_zone():  # a naive --now is read in the community's zone
        from .load import load_frame

        return load_frame(root)[0].timezone

    try:
        return root, now(now_option, community_zone)
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


def common_options(formats: tuple[str, ...] | None = ("text", "json"), needs_repo: bool = True):
    """--repo and --now on every command; --format where the command reports.

    With ``needs_repo=False`` the command also runs outside a repository (root is None).
    """

    def decorate(command):
        @click.option("--repo", type=click.Path(file_okay=False), default=None,
                      help="Community repository (default: the nearest folder with content/ or calendar/).")
        @click.option("--now", "now_text", metavar="ISO", default=None, envvar="GAZETTE_NOW",
                      help="Run as if it were this date-time (e.g. 2026-12-04T09:00+01:00). Env: GAZETTE_NOW.")
        @functools.wraps(command)
        def wrapper(*args, repo, now_text, **kwargs):
            if not needs_repo and repo is None:
                from .clock import ClockError, now as clock_now
                from .root import RepoNotFound, find_root

                try:
                    root = find_root()
                except RepoNotFound:
                    try:
                        return command(*args, root=None, now=clock_now(now_text), **kwargs)
                    except ClockError as error:
                        raise ConfigError(f"--now: {error}") from None
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
@click.option("--no-cache", is_flag=True, help="Parse every file again (ignore the cache in $GAZETTE_CACHE_DIR or ~/.cache/gazette).")
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
    click.echo(render_json(items, now) if fmt == "json" else render_text(items, now, _community_zone(root, now)()))


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


def _moment_option(value: str | None, name: str, zone):
    """An ISO option; a naive value is read in ``zone`` (a tzinfo, or a function giving one)."""
    if not value:
        return None
    from .clock import ClockError, parse_moment

    try:
        return parse_moment(value, zone)
    except ClockError as error:
        raise ConfigError(f"{name}: {error}") from None


def _community_zone(root, now):
    """The repository's zone, read only when a naive date needs it."""

    def zone():
        from .load import load_frame

        return load_frame(root)[0].timezone or now.tzinfo

    return zone


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

    from . import agenda
    from .load import load_repo

    repo = load_repo(root)
    zone = repo.frame.timezone or now.tzinfo
    start = _moment_option(start_text, "--from", zone)
    end = _moment_option(end_text, "--to", zone)
    if fmt in ("text", "html"):
        today = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
        start = start or today
        end = end or start + timedelta(days=35)
    unknown = [c for c in channels if c not in repo.frame.channels]
    if unknown:
        raise ConfigError(f"unknown channel {unknown[0]!r} (known: {', '.join(repo.frame.channels)})")
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
        _write_output(output, data if isinstance(data, bytes) else data.encode("utf-8"))
        click.echo(f"wrote {len(entries)} entries to {output}")
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
    from .changes import GitError
    from .plan_diff import describe, diff, to_json

    try:
        changes = diff(root, base, head)
    except GitError as error:
        raise ConfigError(str(error)) from None
    if fmt == "json":
        click.echo(to_json(changes))
    elif not changes:
        click.echo("no calendar changes")
    else:
        zone = _community_zone(root, now)()
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
    from .clock import shown
    from .load import load_repo
    from .plan import channel_zone, next_free_slot, publications

    repo = load_repo(root)
    after = _moment_option(after_text, "--after", repo.frame.timezone or now.tzinfo) or now
    names = channels or [name for name, spec in repo.frame.channels.items() if spec.get("slots")]
    unknown = [c for c in names if c not in repo.frame.channels]
    if unknown:
        raise ConfigError(f"unknown channel {unknown[0]!r} (known: {', '.join(repo.frame.channels)})")
    pubs = [pub for item in repo.items for pub in publications(item)]
    found = {name: next_free_slot(repo.frame, pubs, name, after) for name in names}
    if fmt == "json":
        import json

        click.echo(json.dumps({"version": 1, "after": after.isoformat(),
                               "slots": {n: s.isoformat() if s else None for n, s in found.items()}}, indent=2))
        return
    for name, moment in found.items():
        if moment is None:
            click.echo(f"{name:<20} no free slot in the next 120 days (no slots set in calendar/channels.yml?)")
        else:
            local = moment.astimezone(channel_zone(repo.frame, name) or moment.tzinfo)
            click.echo(f"{name:<20} {local:%a} {shown(local)}  (date: {local.isoformat()})")


@cli.command()
@click.argument("export", type=click.Path(dir_okay=False))
@common_options(("text", "json"), needs_repo=False)
def moderate(export, fmt, root, now):
    """Run the netiquette rules over community messages (CSV or JSON lines).

    EXPORT has a message column (text, message, contenu, commentaire…) and
    optional id and author columns; CSV with , ; or tab, in UTF-8 or
    Windows-1252 (read with a note). Prints the moderation queue with the
    rule and the matched text; exit 1 if anything is flagged, 2 if the
    export cannot be read.
    Uses calendar/moderation.yml when run inside a community repository.
    """
    from pathlib import Path

    from .moderate import InputError, moderate as run, render_json, render_text
    from .netiquette import Moderator, load_config

    config, problems = load_config(root)
    if problems:
        raise ConfigError(problems[0].format())
    notes: list[str] = []
    try:
        messages, flags = run(Path(export), Moderator(config), notes)
    except InputError as error:
        raise ConfigError(str(error)) from None
    for note in notes:
        click.echo(f"gazette: note: {note}", err=True)
    if fmt == "json":
        click.echo(render_json(messages, flags, notes))
    else:
        for line in render_text(messages, flags):
            click.echo(line)
    sys.exit(1 if flags else 0)


@cli.command()
@click.option("--base", required=True, metavar="REF", help="The git revision the pull request starts from.")
@common_options(("markdown", "json"))
def review(base, fmt, root, now):
    """Write the pull-request review: changed items, problems, calendar, previews, verdict.

    Only changed items and the items that refer to them are linted. Exit 1
    when the review finds errors, like `gazette check`.
    """
    from . import review as reviewing
    from .changes import GitError

    try:
        report = reviewing.build(root, base, now)
    except GitError as error:
        raise ConfigError(f"--base {base}: {error}") from None
    click.echo(reviewing.to_json(report) if fmt == "json" else reviewing.to_markdown(report), nl=fmt == "json")
    sys.exit(1 if report["errors"] else 0)


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
    from .clock import shown
    from .publish import EX_TEMPFAIL, PublishError, PublisherBusy, needs_attention, run, summary

    try:
        outcomes = run(root, now, channels, dry_run=dry_run, push=push, progress=progress_bar("Publishing", 50))
    except PublishError as error:
        zone = _community_zone(root, now)()
        for o in error.outcomes:
            detail = f"  ({o.detail})" if o.detail else ""
            click.echo(f"{o.state:<7} {o.channel:<20} {shown(o.at, zone)}  {o.path}{detail}")
        if isinstance(error, PublisherBusy):
            sent = any(o.state == "sent" for o in error.outcomes)
            click.echo(f"gazette: busy: {error}" + ("" if sent else " (nothing was sent)"), err=True)
            sys.exit(EX_TEMPFAIL)
        raise ConfigError(str(error)) from None
    if fmt == "json":
        import json

        click.echo(json.dumps({"version": 1, "dry_run": dry_run, "outcomes": [
            {"path": o.path, "channel": o.channel, "at": o.at.isoformat(), "state": o.state, "detail": o.detail}
            for o in outcomes]}, ensure_ascii=False, indent=2))
    else:
        zone = _community_zone(root, now)()
        for o in outcomes:
            detail = f"  ({o.detail})" if o.detail else ""
            click.echo(f"{o.state:<7} {o.channel:<20} {shown(o.at, zone)}  {o.path}{detail}")
        click.echo(("dry run: " if dry_run else "") + summary(outcomes))
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
    from .clock import shown
    from .freeze import FreezeError, freeze

    zone = _community_zone(root, now)()
    until = _moment_option(until_text, "--until", zone)
    try:
        freeze_id = freeze(root, now.astimezone(zone), reason, until and until.astimezone(zone), channels,
                           push=False if no_push else None)
    except FreezeError as error:
        raise ConfigError(str(error)) from None
    click.echo(f"frozen: {freeze_id} since {shown(now, zone)}" + (f" until {shown(until, zone)}" if until else "")
               + f" (the id starts with the UTC time; gazette unfreeze {freeze_id} to resume)")


@cli.command("unfreeze")
@click.argument("freeze_id", metavar="ID")
@click.option("--no-push", is_flag=True, help="Commit here only (default: also push).")
@common_options(formats=None)
def unfreeze_command(freeze_id, no_push, root, now):
    """End a freeze now; its window stays on record so passed slots are reported, not sent."""
    from .clock import shown
    from .freeze import FreezeError, unfreeze

    zone = _community_zone(root, now)()
    try:
        path = unfreeze(root, now.astimezone(zone), freeze_id, push=False if no_push else None)
    except FreezeError as error:
        raise ConfigError(str(error)) from None
    click.echo(f"unfrozen at {shown(now, zone)}: {path}")


@cli.command("published")
@click.argument("slug")
@click.option("--channel", required=True, help="The channel posted by hand (target: manual in calendar/channels.yml).")
@click.option("--url", required=True, help="The address of the post on the network.")
@click.option("--at", "at_text", metavar="ISO", help="When it was posted (default: now).")
@common_options(formats=None)
def published_command(slug, channel, url, at_text, root, now):
    """Record that a person posted SLUG on a manual channel (Instagram, a forum): commits the receipt."""
    from .publish import PublishError, record_manual

    at = _moment_option(at_text, "--at", _community_zone(root, now))
    try:
        path = record_manual(root, now, slug, channel, url, at)
    except PublishError as error:
        raise ConfigError(str(error)) from None
    click.echo(f"recorded: {channel} {path}")


@cli.command("status")
@common_options(("text", "json"))
def status_command(fmt, root, now):
    """Show active freezes, what publish would do now (due, held, missed) and what failed last time."""
    from .plan import active_freezes
    from .publish import last_run, planned, summary

    frame, outcomes = planned(root, now)
    freezes = [f for f in frame.freezes.values() if f in active_freezes(frame, now)]
    previous = last_run(root) or {}
    failed = [o for o in previous.get("outcomes", ()) if o["state"] == "failed"]
    if fmt == "json":
        import json

        click.echo(json.dumps({"version": 1, "freezes": [
            {"path": f["_path"], "reason": f.get("reason"), "who": f.get("who"),
             "from": f["from"].isoformat(), "until": f["until"].isoformat() if f.get("until") else None}
            for f in freezes], "outcomes": [
            {"path": o.path, "channel": o.channel, "at": o.at.isoformat(), "state": o.state, "detail": o.detail}
            for o in outcomes], "last_run": previous or None}, ensure_ascii=False, indent=2))
        return
    from .clock import shown

    zone = frame.timezone or now.tzinfo
    for f in freezes:
        until = f" until {shown(f['until'], zone)}" if f.get("until") else ""
        click.echo(f"FROZEN since {shown(f['from'], zone)}{until} by {f.get('who', '?')}: {f.get('reason')} "
                   f"[{f['_path']}]")
    for o in outcomes:
        detail = f"  ({o.detail})" if o.detail else ""
        click.echo(f"{o.state:<7} {o.channel:<20} {shown(o.at, zone)}  {o.path}{detail}")
    for o in failed:
        click.echo(f"failed  {o['channel']:<20} {_shown_iso(o['at'], zone)}  {o['path']}  "
                   f"(last run {_shown_iso(previous['at'], zone)}: {o['detail']})")
    click.echo(summary(outcomes) if outcomes else "nothing due")


def _shown_iso(text: str, zone) -> str:
    """An ISO time read back from a JSON record, shown like every other time."""
    from datetime import datetime

    from .clock import shown

    try:
        return shown(datetime.fromisoformat(text), zone)
    except (TypeError, ValueError):
        return str(text)


@cli.group("newsletter")
def newsletter_group():
    """The newsletter: preview it, send yourself a test copy, manage who never gets it.

    The suppression list lives in the state database (the state folder,
    never git); every newsletter send honours it.
    """


@newsletter_group.command("unsubscribe")
@click.argument("who", metavar="ADDRESS")
@click.option("--reason", default="unsubscribe", show_default=True, help="Why, kept with the entry.")
@common_options(formats=None)
def newsletter_unsubscribe(who, reason, root, now):
    """Never send the newsletter to ADDRESS again.

    ADDRESS may also be the token of an unsubscribe link (t=…), looked up in
    $GAZETTE_SUBSCRIBERS with $GAZETTE_UNSUBSCRIBE_SECRET.
    """
    from .state import StateError
    from .unsubscribe import UnsubscribeError, unsubscribe

    try:
        key, added = unsubscribe(root, who, now, reason)
    except (UnsubscribeError, StateError) as error:
        raise ConfigError(str(error)) from None
    click.echo(f"{'unsubscribed' if added else 'already unsubscribed'}: {key}")


@newsletter_group.group("suppressions")
def suppressions_group():
    """The suppression list every newsletter send honours (`suppressions import FILE`)."""


@suppressions_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@common_options(("text", "json"))
def suppressions_import(file, fmt, root, now):
    """Add every address of FILE to the suppression list.

    FILE is what an unsubscribe endpoint or a provider exports: a CSV with an
    email (or adresse, courriel…) column, or one address or unsubscribe token
    per line. Bad lines are reported with their line number and skipped
    (exit 1); the others are imported.
    """
    from pathlib import Path

    from .state import StateError
    from .unsubscribe import UnsubscribeError, import_suppressions

    try:
        report = import_suppressions(root, Path(file), now)
    except (UnsubscribeError, StateError) as error:
        raise ConfigError(str(error)) from None
    if fmt == "json":
        import json

        click.echo(json.dumps({"version": 1, "added": report.added, "known": report.known,
                               "problems": [p.as_dict() for p in report.problems]}, ensure_ascii=False, indent=2))
    else:
        for problem in report.problems:
            click.echo(problem.format())
        click.echo(f"{report.added} added, {report.known} already suppressed, {len(report.problems)} skipped")
    sys.exit(1 if report.problems else 0)


@newsletter_group.command("preview")
@click.argument("slug")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write the HTML to this file (default: standard output).")
@common_options(formats=None)
def newsletter_preview(slug, output, root, now):
    """Write a newsletter's HTML e-mail, as subscribers will get it, for a browser.

    SLUG is the file name under content/newsletters/YYYY/ without .md.
    """
    from .newsletter import NewsletterError, preview

    try:
        html = preview(root, slug)
    except NewsletterError as error:
        raise ConfigError(str(error)) from None
    if output:
        _write_output(output, html.encode("utf-8"))
        click.echo(f"written: {output}")
    else:
        click.echo(html, nl=False)


@newsletter_group.command("test")
@click.argument("slug")
@click.option("--to", "to", required=True, metavar="ADDRESS", help="Where to send the test copy (the editor).")
@click.option("--channel", help="Newsletter channel to send through (default: the newsletter's own).")
@common_options(formats=None)
def newsletter_test(slug, to, channel, root, now):
    """Send one test copy of a newsletter to ADDRESS through the SMTP target; records nothing.

    No ledger line, no receipt, no commit: publish still sends it to everyone.
    """
    from .newsletter import NewsletterError, send_test
    from .targets import DeliveryError, TargetConfigError

    if "@" not in to or any(c in to for c in "\r\n<>,"):
        raise click.BadParameter(f"{to!r} is not an e-mail address", param_hint="--to")
    try:
        message_id = send_test(root, slug, to, now, channel)
    except (NewsletterError, TargetConfigError) as error:
        raise ConfigError(str(error)) from None
    except DeliveryError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"sent a test copy of {slug} to {to} ({message_id}); nothing recorded")


def main():
    cli(prog_name="gazette")


if __name__ == "__main__":
    main()
