"""gazette moderate: the netiquette over community messages."""

from __future__ import annotations

import sys

import click

from ..i18n import _
from .base import ConfigError, cli, common_options


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

    from ..moderate import InputError, moderate as run, render_json, render_text
    from ..netiquette import Moderator, load_config

    config, problems = load_config(root)
    if problems:
        raise ConfigError(problems[0].format())
    notes: list[str] = []
    try:
        messages, flags = run(Path(export), Moderator(config), notes)
    except InputError as error:
        raise ConfigError(str(error)) from None
    for note in notes:
        click.echo(_('gazette: note: {note}').format(note=note), err=True)
    if fmt == "json":
        click.echo(render_json(messages, flags, notes))
    else:
        for line in render_text(messages, flags):
            click.echo(line)
    sys.exit(1 if flags else 0)
