"""Moving an existing blog in: gazette import wordpress|material|hugo."""

from __future__ import annotations

import sys

import click

from ..i18n import _
from .base import ConfigError, cli, common_options


@cli.group("import")
def import_group():
    """Bring an existing blog's posts into content/ (see `gazette import wordpress --help`)."""


def _run(source, path, comments, media, fmt, root, now):
    from ..importers import ImportError_, run

    try:
        report, problems = run(root, source, path, now, comments=comments, media=media)
    except ImportError_ as error:
        raise ConfigError(str(error)) from None
    if fmt == "json":
        import json

        click.echo(json.dumps({
            "version": 1, "written": report.written, "skipped": report.skipped,
            "needs_person": report.needs_person, "redirects": report.redirects,
            "authors_added": report.authors_added, "comments": report.comments,
            "problems": [{"code": p.code, "path": p.path, "line": p.line, "message": p.message} for p in problems],
        }, indent=2, ensure_ascii=False))
    else:
        click.echo(_("imported {count} files").format(count=len(report.written)))
        for path_ in report.written:
            click.echo(f"  + {path_}")
        if report.authors_added:
            click.echo(_("authors added to content/.authors.yml: {keys}").format(keys=", ".join(report.authors_added)))
        if report.redirects:
            click.echo(_("{count} redirects from old addresses (mkdocs.yml, redirects plugin)").format(
                count=len(report.redirects)))
        if report.comments:
            click.echo(_("{count} comments queued for moderation in {file} (not in git): "
                         "gazette moderate {file}").format(count=report.comments, file=report.comments_file))
        if report.skipped:
            click.echo(_("not carried over:"))
            for line in report.skipped:
                click.echo(f"  - {line}")
        if report.needs_person:
            click.echo(_("needs a person:"))
            for line in report.needs_person:
                click.echo(f"  - {line}")
        for problem in problems:
            click.echo(f"{problem.path}:{problem.line or 1}: {problem.code} {problem.message}")
    errors = [p for p in problems if p.severity == "error"]
    sys.exit(1 if errors else 0)


COMMENTS = click.option("--comments", is_flag=True,
                        help="Queue the comments for moderation in the state folder (never in git).")


@import_group.command("wordpress")
@click.argument("export", type=click.Path(exists=True, dir_okay=False))
@COMMENTS
@click.option("--media", type=click.Path(exists=True, file_okay=False),
              help="A copy of wp-content/uploads: featured images are copied next to their post.")
@common_options(("text", "json"))
def import_wordpress(export, comments, media, fmt, root, now):
    """Import a WordPress export (WXR: Tools > Export) into content/.

    Posts, pages, drafts and scheduled posts with their dates, categories,
    tags, authors and featured images; old addresses become redirects.
    Exit 1 if what was written needs fixing before `gazette check` passes.
    """
    from pathlib import Path

    _run("wordpress", export, comments, Path(media) if media else None, fmt, root, now)


@import_group.command("material")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@common_options(("text", "json"))
def import_material(directory, fmt, root, now):
    """Import a Material for MkDocs blog (its docs/ or docs/blog/ folder) into content/.

    Posts keep their Markdown; old addresses (blog/YYYY/MM/DD/slug/) become redirects.
    """
    _run("material", directory, False, None, fmt, root, now)


@import_group.command("hugo")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@common_options(("text", "json"))
def import_hugo(directory, fmt, root, now):
    """Import a Hugo site's posts (TOML or YAML front matter) into content/.

    Reads content/posts/ (or content/post/, content/blog/); aliases and old
    addresses become redirects; shortcodes are listed for a person.
    """
    _run("hugo", directory, False, None, fmt, root, now)
