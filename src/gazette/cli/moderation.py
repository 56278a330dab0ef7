"""gazette moderate: the netiquette over community messages."""

from __future__ import annotations

from .. import cliargs, commands
from .base import cli, click_param, common_options


@cli.command()
@click_param(cliargs.MODERATE.arguments[0])
@click_param(cliargs.RECORD)
@click_param(cliargs.NO_COMMIT)
@common_options(cliargs.MODERATE_FORMATS, needs_repo=False, needs_now=commands.moderate_needs_now)
def moderate(**options):
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
    commands.moderate(**options)  # also run without click by gazette.launch (gazette.cliargs)
