"""gazette newsletter: preview, test copies, unsubscribe, suppressions."""

from __future__ import annotations

import sys

import click

from ..i18n import _
from .base import ConfigError, write_output, cli, common_options


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
    from ..state import StateError
    from ..unsubscribe import UnsubscribeError, unsubscribe

    try:
        key, added = unsubscribe(root, who, now, reason)
    except (UnsubscribeError, StateError) as error:
        raise ConfigError(str(error)) from None
    click.echo((_("unsubscribed: {key}") if added else _("already unsubscribed: {key}")).format(key=key))


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

    from ..state import StateError
    from ..unsubscribe import UnsubscribeError, import_suppressions

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
        click.echo(_('{added} added, {known} already suppressed, {problems} skipped')
                       .format(added=report.added, known=report.known, problems=len(report.problems)))
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
    from ..newsletter import NewsletterError, preview

    try:
        html = preview(root, slug)
    except NewsletterError as error:
        raise ConfigError(str(error)) from None
    if output:
        write_output(output, html.encode("utf-8"))
        click.echo(_('written: {output}').format(output=output))
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
    from ..newsletter import NewsletterError, send_test
    from ..targets import DeliveryError, TargetConfigError

    if "@" not in to or any(c in to for c in "\r\n<>,"):
        raise click.BadParameter(_('{to!r} is not an e-mail address').format(to=to), param_hint="--to")
    try:
        message_id = send_test(root, slug, to, now, channel)
    except (NewsletterError, TargetConfigError) as error:
        raise ConfigError(str(error)) from None
    except DeliveryError as error:
        raise click.ClickException(str(error)) from None
    click.echo(_('sent a test copy of {slug} to {to} ({message_id}); nothing recorded')
                   .format(slug=slug, to=to, message_id=message_id))
