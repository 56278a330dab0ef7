"""gazette report: KPIs from git and the networks' exports; report import."""

from __future__ import annotations

import click

from .base import ConfigError, cli, common_options, moment_option, write_output
from .workspace import VIEWS


@cli.group("report", invoke_without_command=True)
@click.option("--from", "start_text", metavar="ISO", help="Start of the period (default: the last full month).")
@click.option("--to", "end_text", metavar="ISO", help="End of the period, excluded.")
@click.option("--month", "month_text", metavar="YYYY-MM", help="One month in the community's zone.")
@click.option("--channel", help="Only this channel of calendar/channels.yml.")
@click.option("--campaign", help="Only this campaign (a file name in calendar/campaigns/).")
@click.option("--tolerance", type=click.IntRange(0), default=20, show_default=True, metavar="MINUTES",
              help="A receipt this late after the planned time is still on time (schedule interval + 5).")
@click.option("--lang", type=click.Choice(("fr", "en")), default=None,
              help="Language of the report (default: gazette --lang, the repository's language, the locale; "
                   "for html without any of them, the site's language in mkdocs.yml).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to this file.")
@common_options(("text", "json", "html", "csv"))
@click.pass_context
def report_command(ctx, start_text, end_text, month_text, channel, campaign, tolerance, lang, output, fmt,
                   root, now):
    """Publishing, engagement and community KPIs for a period, from the repository.

    Receipts, the plan, freezes and git history give the publishing figures;
    metrics/ (see `gazette report import`) the engagement. Default period:
    the last full month in the community's zone. `json` is documented in
    docs/json.md; `html` is one self-contained page with charts.
    """
    if ctx.invoked_subcommand:
        return
    from datetime import timedelta

    from .. import report
    from ..load import load_frame
    from ..report import items
    from ..report.history import PendingHistory

    history = PendingHistory(root)  # git runs while the items load
    repo = items.load(root, load_frame(root)[0])
    zone = repo.frame.timezone or now.tzinfo
    try:
        start, end = _period(now, zone, month_text, start_text, end_text)
        data = report.build(root, now, start, end, channel, campaign, timedelta(minutes=tolerance), repo=repo,
                            history=history)
    except report.ReportError as error:
        raise ConfigError(str(error)) from None
    _show(_render(data, fmt, _language(lang, fmt, root)), output)


def _language(option, fmt, root) -> str:
    """The report's language; its own --lang also sets the language of the text report's sentences."""
    from .. import i18n
    from ..report.language import report_language

    if option:
        i18n.set_language(option)
    return report_language(option, fmt, root)


def _period(now, zone, month_text, start_text, end_text):
    from .. import report

    if month_text:
        start, end = report.month(month_text, zone)
    else:
        start, end = report.last_full_month(now, zone)
    return moment_option(start_text, "--from", zone) or start, moment_option(end_text, "--to", zone) or end


def _render(data: dict, fmt: str, lang: str) -> str:
    from .. import report

    if fmt == "json":
        return report.to_json(data)
    if fmt == "csv":
        from ..report.render_csv import to_csv

        return to_csv(data)
    if fmt == "html":
        from ..report.render_html import to_html

        return to_html(data, lang)
    from ..report.render_text import to_text

    return to_text(data)


def _show(text: str, output) -> None:
    if output:
        write_output(output, text.encode("utf-8"))
        from ..i18n import _

        click.echo(_("wrote {path}").format(path=output))
    else:
        click.echo(text, nl=False)


def report_view(communities, now, options):
    """gazette --workspace FILE report: each community's report for the same period, in its own zone."""
    import json
    from datetime import timedelta

    from .. import report
    from ..i18n import _
    from ..workspace import _each

    fmt = options.get("fmt") or "text"
    lang = _language(options.get("lang"), fmt, None)
    if options.get("channel") or options.get("campaign"):
        raise ConfigError(_("--channel and --campaign name one community's keys: not with --workspace"))
    if fmt in ("html", "csv"):
        raise ConfigError(_("--workspace report writes text or json; for {format}, run gazette report in each "
                            "community").format(format=fmt))
    tolerance = timedelta(minutes=options.get("tolerance") or 20)

    def one(community):
        from ..load import load_frame

        frame = load_frame(community.path)[0]
        start, end = _period(now, frame.timezone or now.tzinfo, options.get("month_text"),
                             options.get("start_text"), options.get("end_text"))
        return report.build(community.path, now, start, end, tolerance=tolerance)

    try:
        results = _each(communities, one)
    except report.ReportError as error:
        raise ConfigError(str(error)) from None
    if fmt == "json":
        text = json.dumps({"version": 1, "communities": {
            r.community.name: {"error": r.error} if r.error else r.data for r in results}},
            indent=2, ensure_ascii=False) + "\n"
    else:
        parts = []
        for r in results:
            parts.append(f"== {r.community.name} ({r.community.path})\n")
            parts.append(_("cannot be read: {error}").format(error=r.error) + "\n" if r.error
                         else _render(r.data, "text", lang))
        text = "\n".join(parts)
    _show(text, options.get("output"))
    if any(r.error for r in results):
        raise SystemExit(2)


VIEWS["report"] = report_view


@report_command.command("import")
@click.argument("export", type=click.Path(dir_okay=False))
@click.option("--network", help="Read the file as this network's export (x, facebook, instagram, linkedin, "
                                "tiktok, web) when columns alone are ambiguous.")
@click.option("--dry-run", is_flag=True, help="Show what would be imported; write nothing.")
@common_options(("text", "json"))
def report_import(export, network, dry_run, fmt, root, now):
    """Import a network's export into metrics/ (recognised by its columns).

    X, Meta Business Suite (Facebook, Instagram), LinkedIn (.xlsx), TikTok,
    Plausible, Matomo and GoatCounter; rows are joined to items through
    receipts (post id or URL) or the UTM campaign, and kept when they match
    nothing. Importing the same file twice changes nothing. Exit 1 if rows
    were skipped, 2 if the file is not an export Gazette knows.
    """
    from pathlib import Path

    from ..load import load_repo
    from ..report.imports import ImportRefused, import_export

    repo = load_repo(root)
    try:
        result = import_export(root, repo, Path(export), network, write=not dry_run)
    except ImportRefused as error:
        raise ConfigError(str(error)) from None
    if fmt == "json":
        import json

        click.echo(json.dumps({"version": 1, "format": result.format.name, "network": result.format.network,
                               "rows": len(result.rows), "matched": result.matched, "unmatched": result.unmatched,
                               "added": result.added, "changed": result.changed,
                               "problems": [{"path": p.path, "line": p.line, "code": p.code, "message": p.message}
                                            for p in result.problems]}, indent=2, ensure_ascii=False))
    else:
        for problem in result.problems:
            click.echo(f"{problem.path}:{problem.line}: {problem.code} {problem.message} ({problem.hint})")
        from ..i18n import _, ngettext

        click.echo(ngettext("{label}: {rows} row", "{label}: {rows} rows", len(result.rows)).format(
            label=result.format.label, rows=len(result.rows))
            + _(", {matched} matched to items or campaigns, {unmatched} unmatched (kept); "
                "{added} added, {changed} changed in metrics/{network}.csv").format(
            matched=result.matched, unmatched=result.unmatched,
            added=result.added, changed=result.changed, network=result.format.network)
            + (_(" (dry run: nothing written)") if dry_run else ""))
    if result.problems:
        raise SystemExit(1)


@report_command.command("collect")
@click.option("--channel", required=True, help="A mastodon channel of calendar/channels.yml.")
@click.option("--dry-run", is_flag=True, help="Read the counts; write nothing.")
@common_options(("text", "json"))
def report_collect(channel, dry_run, fmt, root, now):
    """Read favourites, boosts and replies of every receipted status through the Mastodon API.

    Mastodon has no export: the counts of each status with a receipt on the
    channel become today's rows in metrics/mastodon.csv (counts only). The
    token comes from the channel's token_env. Exit 1 if a status could not
    be read, 2 if the channel or its token is not set.
    """
    from ..load import load_repo
    from ..report.collect import CollectError, collect_mastodon

    repo = load_repo(root)
    try:
        rows, errors = collect_mastodon(root, repo, channel, now, write=not dry_run)
    except CollectError as error:
        raise ConfigError(str(error)) from None
    if fmt == "json":
        import json

        click.echo(json.dumps({"version": 1, "channel": channel, "rows": len(rows), "errors": errors}, indent=2,
                              ensure_ascii=False))
    else:
        for error in errors:
            click.echo(error)
        from ..i18n import _, ngettext

        click.echo(ngettext("{channel}: {count} status read", "{channel}: {count} statuses read", len(rows)).format(
            channel=channel, count=len(rows))
                   + (_(" (dry run: nothing written)") if dry_run else _(" into metrics/mastodon.csv")))
    if errors:
        raise SystemExit(1)
