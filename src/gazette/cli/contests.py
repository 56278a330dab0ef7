"""Contests (jeux concours): commit, entries, close, draw, verify, notify, replace, purge."""

from __future__ import annotations

import sys

import click

from .base import ConfigError, cli, common_options


@cli.group()
def contest():
    """Run a contest: a draw anyone can verify, entries kept out of git.

    Order: commit (before opening) → entries import (while open) → close
    (at closing) → draw (with the beacon's value) → verify → notify →
    replace (if a winner does not answer) → purge (after retention).
    The procedure is in docs/contests.md.
    """


def _run(step, *args, fmt="text", **kwargs):
    from ..contests.draw import VerifyError
    from ..contests.ops import ContestError
    from ..i18n import _

    try:
        report = step(*args, **kwargs)
    except ContestError as error:
        refused = ConfigError(str(error))
        refused.exit_code = error.exit_code  # 1 when the step could not do its job, 2 when refused
        raise refused from None
    except VerifyError as error:
        click.echo("gazette: " + _("verify FAILED: {error}").format(error=error), err=True)
        sys.exit(1)
    if fmt == "json":
        import json

        click.echo(json.dumps({"version": 1, "path": report.path, "lines": report.lines,
                               "warnings": report.warnings, "data": report.data},
                              ensure_ascii=False, indent=2, default=str))
    else:
        for line in report.lines:
            click.echo(line)
        for warning in report.warnings:
            click.echo(_("warning: {message}").format(message=warning), err=True)
    return report


@contest.command("commit")
@click.argument("slug")
@click.option("--beacon", help="The public randomness source, named now (e.g. 'drand quicknet, first round "
                                "after closing + 1 h'), or 'none'.")
@common_options()
def commit_command(slug, beacon, fmt, root, now):
    """Draw a secret seed and publish its SHA-256 commitment, before opening.

    The seed stays in the state folder (.gazette/contests/SLUG.seed) unless
    $GAZETTE_CONTEST_SEED holds it. Refused once the contest has opened.
    """
    from ..contests.ops import commit

    _run(commit, root, now, slug, beacon, fmt=fmt)


@contest.group("entries")
@click.argument("slug")
@click.pass_context
def entries_group(ctx, slug):
    """Entries of contest SLUG (personal data, kept in the state folder only):
    gazette contest entries SLUG import FILE | collect --channel NAME | list [--rejected]."""
    ctx.obj = slug


@entries_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@common_options()
@click.pass_obj
def import_command(slug, file, fmt, root, now):
    """Import entries from a CSV or JSON-lines export (columns by name).

    Malformed rows are reported with their line and skipped; a file of
    another contest is refused. The front matter gets the summary only.
    """
    from ..contests.ops import import_entries

    _run(import_entries, root, now, slug, file, fmt=fmt)


@entries_group.command("collect")
@click.option("--channel", required=True, help="The mastodon channel whose published status people replied to.")
@common_options()
@click.pass_obj
def collect_command(slug, channel, fmt, root, now):
    """Read the replies to the contest's published status through the API (each run a full snapshot)."""
    from ..contests.collect import collect

    _run(collect, root, now, slug, channel, fmt=fmt)


@entries_group.command("list")
@click.option("--rejected", is_flag=True, help="Only the rejected entries, each with its reason.")
@common_options()
@click.pass_obj
def list_command(slug, rejected, fmt, root, now):
    """List the entries with their eligibility (personal data: shown here, never written to git)."""
    from ..contests.ops import ContestError, _connect, find, judged
    from ..i18n import _, ngettext

    try:
        _repo, item = find(root, slug)
        results = judged(_connect(root), slug, item.meta)
    except ContestError as error:
        raise ConfigError(str(error)) from None
    shown = [j for j in results if j.reason is not None] if rejected else results
    if fmt == "json":
        import json

        click.echo(json.dumps({"version": 1, "entries": [
            {"source": j.entry.source, "line": j.entry.line, "who": j.entry.handle or j.entry.email,
             "at": j.entry.at and j.entry.at.isoformat(), "eligible": j.reason is None, "reason": j.reason}
            for j in shown]}, ensure_ascii=False, indent=2))
        return
    for j in shown:
        who = j.entry.handle or j.entry.email
        click.echo(f"{j.entry.source}:{j.entry.line}  {who}  {j.reason or _('eligible')}")
    count, eligible = len(results), sum(j.reason is None for j in results)
    click.echo(_("{entries}, {eligible}, {rejected}").format(
        entries=ngettext("{n} entry", "{n} entries", count).format(n=count),
        eligible=ngettext("{n} eligible", "{n} eligible", eligible).format(n=eligible),
        rejected=ngettext("{n} rejected", "{n} rejected", count - eligible).format(n=count - eligible)))


@contest.command("close")
@click.argument("slug")
@common_options()
def close_command(slug, fmt, root, now):
    """Freeze the eligible list at closing: publish the pseudonyms and their digest."""
    from ..contests.ops import close

    _run(close, root, now, slug, fmt=fmt)


@contest.command("draw")
@click.argument("slug")
@click.option("--beacon", "beacon_value", help="The beacon's value (e.g. the drand round's randomness).")
@click.option("--alternates", type=click.IntRange(0), default=None,
              help="How many alternates to name (default: as many as prizes).")
@common_options()
def draw_command(slug, beacon_value, alternates, fmt, root, now):
    """Reveal the seed, rank the frozen list with the beacon, write the proof and winners. Once only."""
    from ..contests.ops import draw

    _run(draw, root, now, slug, beacon_value, alternates, fmt=fmt)


@contest.command("verify")
@click.argument("slug")
@click.option("--entries", "list_file", type=click.Path(dir_okay=False),
              help="The published list of pseudonyms (default: SLUG.entries.txt beside the contest).")
@common_options()
def verify_command(slug, list_file, fmt, root, now):
    """Recompute the draw from public data; exit 1 if the seed, the list or the ranking was tampered with."""
    from ..contests.ops import verify

    _run(verify, root, slug, list_file, fmt=fmt)


@contest.command("notify")
@click.argument("slug")
@click.option("--days", type=click.IntRange(1), default=15, show_default=True, help="Days winners have to answer.")
@common_options()
def notify_command(slug, days, fmt, root, now):
    """Write the private messages to winners in the outbox (never git) and record the deadline."""
    from ..contests.ops import notify

    _run(notify, root, now, slug, days, fmt=fmt)


@contest.command("replace")
@click.argument("slug")
@click.argument("winner")
@click.option("--reason", required=True, help="Why (no answer in time…): recorded in git.")
@common_options()
def replace_command(slug, winner, reason, fmt, root, now):
    """Replace a winner (rank or displayed name) by the next alternate."""
    from ..contests.ops import replace

    _run(replace, root, now, slug, winner, reason, fmt=fmt)


@contest.command("purge")
@click.argument("slug")
@click.option("--force", "force", metavar="REASON",
              help="Purge before the draw or the end of the retention period, for this reason (recorded in git).")
@common_options()
def purge_command(slug, force, fmt, root, now):
    """Delete the contest's stored entries (after the draw and the retention period) and record it. Once only."""
    from ..contests.ops import purge

    _run(purge, root, now, slug, force, fmt=fmt)
