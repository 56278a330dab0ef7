"""``gazette check``: the whole command as a list of stages (like mkdocs' build)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .problems import Problem, count


class UsageError(Exception):
    """Bad arguments (exit 2), as opposed to problems in the content (exit 1)."""


@dataclass
class CheckResult:
    problems: list[Problem]
    checked: int  # items looked at
    scope: str = "all"  # "all", "paths" or "changed"
    selected: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return count(self.problems)[0]

    @property
    def warnings(self) -> int:
        return count(self.problems)[1]

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0


def select_paths(root: Path, paths) -> set[str]:
    """Repository-relative POSIX paths for the command-line PATHS (files or folders)."""
    selected: set[str] = set()
    for given in paths:
        full = Path(given) if os.path.isabs(given) else Path.cwd() / given
        full = Path(os.path.normpath(full))
        try:
            rel = full.relative_to(root)
        except ValueError:
            raise UsageError(f"{given}: outside the repository {root}") from None
        if not full.exists():
            raise UsageError(f"{given}: no such file or folder")
        if full.is_dir():
            prefix = rel.as_posix().rstrip("/") + "/"
            selected.add(prefix if prefix != "./" else "")
        else:
            selected.add(rel.as_posix())
    return selected


def run_check(root: Path, now: datetime, paths=(), changed_since: str | None = None,
              cache: bool = True) -> CheckResult:
    from . import validate
    from .load import load_frame, load_repo

    scope = "all"
    only: set[str] | None = None
    if changed_since:
        from .changes import GitError, changed_paths, referrers

        try:
            changed, gone = changed_paths(root, changed_since)
            frame, _ = load_frame(root)
            only = changed | referrers(root, changed_since, changed, gone, frame)
        except GitError as error:
            raise UsageError(f"--changed-since {changed_since}: {error}") from None
        scope = "changed"
    if paths:
        selected = select_paths(root, paths)
        prefixes = {p for p in selected if p == "" or p.endswith("/")}
        if "" in prefixes:
            selected = None  # the whole repository
        elif prefixes:
            from .load import list_item_paths

            every = set(list_item_paths(root)[0])
            selected = (selected - prefixes) | {p for p in every if p.startswith(tuple(prefixes))}
        if selected is not None:
            only = selected if only is None else only & selected
            scope = "paths" if scope == "all" else scope

    repo = load_repo(root, only=_item_files(only) if only is not None else None, cache=cache)
    problems = validate.check(repo, now, only=only)
    return CheckResult(problems, len(repo.items), scope, sorted(only or ()))


def _item_files(only: set[str]) -> set[str]:
    return {p for p in only if p.endswith(".md")}

