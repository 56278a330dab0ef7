"""``gazette site``: check the built site, ask the deployed one which build it serves."""

from __future__ import annotations

import sys

import click

from ..i18n import _, ngettext
from .base import ConfigError, cli, common_options


@cli.group()
def site():
    """The members' site: build it, check it, watch it."""


@site.command("check")
@click.option("--site-dir", type=click.Path(file_okay=False), default=None,
              help="The built site (default: site_dir of mkdocs.yml, else site/).")
@click.option("--budget", type=click.IntRange(1), default=500, show_default=True,
              help="Weight budget of a page with its images, in kB.")
@click.option("--external", is_flag=True,
              help="Also ask other sites whether linked pages answer (cached a week, one request a second per host).")
@common_options(("text", "github", "json"))
def site_check(site_dir, budget, external, fmt, root, now):
    """Crawl the built site: broken internal links, missing images, pages over the weight
    budget, and with --external dead links to other sites; prints path:line problems."""
    from pathlib import Path

    from .. import output
    from ..cache import cache_dir
    from ..sitecheck import check_site
    from ..siteurls import load_site_config

    config = load_site_config(root)
    folder = Path(site_dir) if site_dir else Path(root) / "site"
    if not folder.is_dir():
        raise ConfigError(_("{folder}: no built site here; run mkdocs build (or gazette site build) first")
                          .format(folder=folder))
    problems, pages = check_site(folder, site_url=getattr(config, "site_url", "") or "", budget=budget * 1000,
                                 external=external, cache=cache_dir(Path(root)) / "external-links.json")
    if fmt == "json":
        click.echo(output.problems_json(problems, pages))
    else:
        render = output.problems_github if fmt == "github" else output.problems_text
        for line in render(problems, pages):
            click.echo(line)
    sys.exit(1 if any(p.severity == "error" for p in problems) else 0)


@site.command("ping")
@click.argument("url")
@click.option("--expect", metavar="VERSION", default=None,
              help="The build the site must serve (default: the repository's HEAD commit; '' accepts any).")
@common_options(("text", "json"), needs_repo=False)
def site_ping(url, expect, fmt, root, now):
    """Ask the deployed site at URL which build it serves (its gazette-build meta tag);
    exit 1 when it does not answer or serves another build: a scheduled availability check."""
    import json
    import subprocess

    from ..sitecheck import ping

    if not url.startswith(("http://", "https://")):
        raise ConfigError(_("{url}: give an http:// or https:// URL").format(url=url))
    if expect is None:
        expect = ""
        if root is not None:
            done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True)
            expect = done.stdout.strip() if done.returncode == 0 else ""
    answer = ping(url, expect)
    if fmt == "json":
        click.echo(json.dumps({"url": answer.url, "status": answer.status, "version": answer.version,
                               "expected": expect or None, "ok": answer.problem is None,
                               "problem": None if answer.problem is None else {
                                   "code": answer.problem.code, "message": answer.problem.message}}, ensure_ascii=False))
    elif answer.problem is None:
        click.echo(_("{url}: ok, build {version}").format(url=url, version=answer.version or "?"))
    else:
        click.echo(answer.problem.format())
    sys.exit(0 if answer.problem is None else 1)


@site.command("build")
@click.option("--engine", type=click.Choice(["mkdocs", "zensical"]), default="mkdocs", show_default=True,
              help="What renders the public tree: MkDocs with Material, or Zensical (pip install 'gazette-editorial[zensical]').")
@click.option("--tree", type=click.Path(file_okay=False), default=None,
              help="Where the public tree goes (default: .gazette/public).")
@common_options(None)
def site_build(engine, tree, root, now):
    """Build the members' site: the public tree (only what members may see: for MkDocs its pages
    kept in one file and handed over from memory, for Zensical one Markdown file a page),
    rendered by ENGINE into site/, every page's content sanitized as the engine writes it."""
    from pathlib import Path

    from ..site.tree import build_site

    result = _tree_or_exit(build_site, Path(root), engine, Path(tree) if tree else None, now_text=now.isoformat())
    pages = ngettext("{count} page", "{count} pages", result.pages).format(count=result.pages)
    files = ngettext("{count} file", "{count} files", result.files).format(count=result.files)
    click.echo(_("site/: {pages}, {files} with {engine} ({written} changed in the public tree {tree})").format(
        pages=pages, files=files, engine=engine, written=result.written, tree=result.root))


def _tree_or_exit(make, *args, **kwargs):
    """The site stage's failures as the command's exit codes: check errors 1, the rest 2."""
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    from ..site.tree import EngineError

    try:
        return make(*args, **kwargs)
    except PluginError as error:  # gazette check found errors: the same report as mkdocs build
        click.echo(str(error), err=True)
        sys.exit(1)
    except (EngineError, ConfigurationError, Abort) as error:  # Abort: mkdocs.yml did not validate
        raise ConfigError(str(error)) from None


@site.command("tree")
@click.option("--tree", type=click.Path(file_okay=False), default=None,
              help="Where the public tree goes (default: .gazette/public).")
@common_options(None)
def site_tree(tree, root, now):
    """Write the public tree alone: only what members may see, each page a Markdown file with
    front matter under DIR/docs, and DIR/mkdocs.yml without the gazette plugin, which plain
    `mkdocs build -f DIR/mkdocs.yml` (Material) builds. Gazette's sanitizer and lists are put in
    by `gazette site build`, not by that plain build."""
    from pathlib import Path

    from ..site.tree import plain_tree

    result = _tree_or_exit(plain_tree, Path(root), Path(tree) if tree else None, now_text=now.isoformat())
    pages = ngettext("{count} page", "{count} pages", result.pages).format(count=result.pages)
    files = ngettext("{count} file", "{count} files", result.files).format(count=result.files)
    written = ngettext("{count} file changed", "{count} files changed", result.written).format(count=result.written)
    click.echo(_("{tree}: {pages} as Markdown under docs/, {files} beside them; {written}").format(
        tree=result.root, pages=pages, files=files, written=written))
    click.echo(_("plain build: mkdocs build -f {config} (into {site}; gazette site build sanitizes and finishes "
                 "the pages for members)").format(config=result.root / "mkdocs.yml", site=result.root / "site"))
