"""The community template's versions, as the git history copier's update needs.

``copier update`` renders the template at two versions (the one a community
was made with and the new one) and merges the difference into the
community. Copier reads versions from git tags, but an installed wheel has no
git history, so Gazette ships every released template version as a folder
(``versions/<X.Y.Z>/``, a copier template each; a release that changes the
template adds a folder, never edits an old one) and rebuilds a small git
repository from them, one commit and one tag ``v<X.Y.Z>`` per version, in
the community's git-ignored state folder (``.gazette/template``). The
answers file records that relative path as ``_src_path`` and the tag as
``_commit``, so the same answers work on every machine and in CI.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..gitops import IDENTITY, Git, GitFailed

VERSIONS = Path(__file__).parent / "versions"
# Relative to the community's root, where copier runs; git-ignored by the template.
HISTORY_RELPATH = ".gazette/template"
# Fixed dates: the history repository is the same bytes on every machine.
_DATES = {"GIT_AUTHOR_DATE": "2026-01-01T00:00:00+00:00", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+00:00"}


class StarterError(Exception):
    """Init or upgrade cannot go on (a usage or configuration error, exit 2)."""


def versions(folder: Path = VERSIONS) -> list[tuple[str, Path]]:
    """Released template versions, oldest first."""
    from packaging.version import InvalidVersion, Version

    found = []
    for child in Path(folder).iterdir():
        try:
            found.append((Version(child.name), child))
        except InvalidVersion:
            continue
    if not found:
        raise StarterError(f"no template version in {folder}")
    return [(str(version), path) for version, path in sorted(found)]


def build(root: Path, folder: Path = VERSIONS) -> tuple[Path, str]:
    """(Re)build the template history under ``root``; returns its path and the newest tag."""
    target = Path(root) / HISTORY_RELPATH
    if target.is_symlink():
        raise StarterError(f"{HISTORY_RELPATH} is a symbolic link; remove it and retry")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    # Ignored even where the community's .gitignore forgot .gazette/: copier refuses a dirty tree.
    ignore = target.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Written by Gazette: never committed\n*\n", encoding="utf-8")
    git = Git(target)
    env = {**IDENTITY, **_DATES}
    try:
        git("init", "-q", "-b", "main")
        tag = ""
        for version, source in versions(folder):
            for child in target.iterdir():
                if child.name != ".git":
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
            shutil.copytree(source, target, dirs_exist_ok=True, symlinks=False,
                            ignore=shutil.ignore_patterns("__pycache__"))
            git("add", "-A")
            git("commit", "-q", "--allow-empty", "-m", f"template {version}", env=env)
            tag = f"v{version}"
            git("tag", tag)
    except GitFailed as error:
        raise StarterError(str(error)) from None
    return target, tag
