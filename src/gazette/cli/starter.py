"""A community's beginning and its template's improvements: gazette init, gazette upgrade."""

from __future__ import annotations

import sys

import click

from ..i18n import _
from .base import ConfigError, cli, common_options


@cli.command("init")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--name", help="The community's name as members read it (default: the folder's name).")
@click.option("--language", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="Language of the site, the charter and the netiquette.")
@click.option("--timezone", default="Europe/Paris", show_default=True, help="The community's time zone (IANA name).")
@click.option("--site-url", default="https://example.org/", show_default=True, help="Where the site will be served.")
@click.option("--sample", is_flag=True, help="Add French sample content (a post and a newsletter draft).")
@click.option("--force", is_flag=True, help="Accept a folder that has files: add what is missing, overwrite nothing.")
@common_options(formats=None, needs_repo=False)
def init_command(directory, name, language, timezone, site_url, sample, force, root, now):
    """Create a community repository in DIRECTORY and make its first commit.

    It passes `gazette check` and `mkdocs build` at once; `gazette upgrade`
    brings later improvements of the template.
    """
    from ..starter import StarterError, init

    try:
        result = init(directory, name=name, language=language, timezone=timezone, site_url=site_url,
                      sample=sample, force=force)
    except StarterError as error:
        raise ConfigError(str(error)) from None
    click.echo(_("created {count} files in {root} (template {version})").format(
        count=len(result.written), root=result.root, version=result.version))
    for path in result.kept:
        click.echo(_("kept {path} (already there, not overwritten)").format(path=path))
    if result.commit:
        click.echo(_("first commit {sha}").format(sha=result.commit[:12]))
    click.echo(_("next: cd {root} && gazette check && mkdocs serve").format(root=result.root))


@cli.command("upgrade")
@common_options(formats=None)
def upgrade_command(root, now):
    """Bring the newest community template (workflows, netiquette, mkdocs.yml) into this repository.

    The changes are left uncommitted for review; where your edits and the
    template's meet, both are kept between <<<<<<< and >>>>>>> markers.
    Exit 1 while such conflicts remain.
    """
    from ..starter import StarterError, upgrade

    try:
        result = upgrade(root)
    except StarterError as error:
        raise ConfigError(str(error)) from None
    if not result.changed:
        click.echo(_("already at template {version}: nothing to change").format(version=result.new))
        return
    click.echo(_("template {old} -> {new}: {count} files changed, not committed").format(
        old=result.old, new=result.new, count=len(result.changed)))
    for path in result.changed:
        marker = "C" if path in result.conflicts else "M"
        click.echo(f"  {marker} {path}")
    if result.conflicts:
        click.echo(_("{count} files have conflicts: keep what you want between the <<<<<<< and >>>>>>> "
                     "markers, then commit").format(count=len(result.conflicts)))
        sys.exit(1)
    click.echo(_("review with `git diff`, then commit (or open a pull request)"))
