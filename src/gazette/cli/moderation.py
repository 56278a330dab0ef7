"""gazette moderate: the netiquette over community messages."""

from __future__ import annotations

import sys

import click

from ..i18n import _, os_reason
from .base import ConfigError, cli, common_options


@cli.command()
@click.argument("export", type=click.Path(dir_okay=False))
@click.option("--record", is_flag=True,
              help="Store flagged messages in the state database (for gazette moderation act) and add weekly "
                   "counts per rule family to metrics/moderation.csv.")
@click.option("--no-commit", is_flag=True,
              help="With --record: leave metrics/moderation.csv changed but uncommitted (default: commit that file "
                   "alone when the repository is a git repository, as publish does with receipts).")
@common_options(("text", "json"), needs_repo=False)
def moderate(export, record, no_commit, fmt, root, now):
    """Run the netiquette rules over community messages (CSV or JSON lines).

    EXPORT has a message column (text, message, contenu, commentaire…) and
    optional id and author columns; CSV with , ; or tab, in UTF-8 or
    Windows-1252 (read with a note). Prints the moderation queue with the
    rule and the matched text; exit 1 if anything is flagged, 2 if the
    export cannot be read.
    Uses calendar/moderation.yml when run inside a community repository.
    With --record (inside a repository), flagged messages are kept for
    `gazette moderation act` (one line each on stderr: #ID author rule
    excerpt) and counted in metrics/moderation.csv, committed alone
    (unless --no-commit) so that publish does not stop on it.
    """
    from pathlib import Path

    from ..moderate import InputError, moderate as run, render_json, render_text
    from ..netiquette import build_moderator

    moderator, problems = build_moderator(root)
    if problems:
        raise ConfigError(problems[0].format())
    notes: list[str] = []
    try:
        messages, flags = run(Path(export), moderator, notes)
    except InputError as error:
        raise ConfigError(str(error)) from None
    for note in notes:
        click.echo(_('gazette: note: {note}').format(note=note), err=True)
    if record:
        _record(root, now, Path(export), flags, commit=not no_commit)
    if fmt == "json":
        click.echo(render_json(messages, flags, notes))
    else:
        for line in render_text(messages, flags):
            click.echo(line)
    sys.exit(1 if flags else 0)


def _record(root, now, export, flags, commit: bool = True) -> None:
    from ..listening import records
    from ..state import StateError, connect
    from .base import community_zone

    if root is None:
        raise ConfigError(_("--record needs a community repository (run it inside one or pass --repo)"))
    try:
        connection = connect(root)
    except StateError as error:
        raise ConfigError(str(error)) from None
    try:
        recorded, counts = records.record(connection, flags, export.name, now)
    finally:
        connection.close()
    new = sum(item["new"] for item in recorded)
    try:
        records.add_metrics(root, records.week_of(now, community_zone(root, now)()), counts)
    except OSError as error:
        raise ConfigError(_("cannot write {path}: {error}").format(path=records.METRICS_FILE,
                                                                   error=os_reason(error))) from None
    if counts and commit:
        _commit_metrics(root)
    from ..i18n import ngettext

    from ..listening.buzz import one_line

    # the recorded id, the one `moderation act` takes: the export's ids start again at 1 in every export
    for item in recorded:
        excerpt = one_line(item["text"])
        excerpt = excerpt if len(excerpt) <= 60 else excerpt[:59] + "…"
        click.echo(f"#{item['id']}\t{one_line(item['author'] or '?')}\t{','.join(item['codes'])}\t{excerpt}", err=True)
    click.echo("gazette: " + ngettext("recorded {count} new flagged message (gazette moderation act #ID …)",
                                      "recorded {count} new flagged messages (gazette moderation act #ID …)",
                                      new).format(count=new), err=True)


def _commit_metrics(root) -> None:
    """Commit metrics/moderation.csv alone: left changed, it made the next `gazette publish` refuse
    to start ("uncommitted changes that are not receipts")."""
    from ..gitops import Git, GitFailed
    from ..listening.records import METRICS_FILE

    git = Git(root)
    if not git.is_repository():
        return
    try:
        git.commit_paths([METRICS_FILE], "gazette moderate --record: weekly moderation counts")
    except GitFailed as error:
        click.echo("gazette: " + _("{path} is changed but not committed: {error}").format(
            path=METRICS_FILE, error=error), err=True)
