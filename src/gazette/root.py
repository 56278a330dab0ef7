"""Finding the community repository. Kept apart so the CLI can find it without importing YAML."""

from __future__ import annotations

import os
from pathlib import Path

from .i18n import _


class RepoNotFound(Exception):
    """No Gazette repository here (a usage error, exit 2)."""


def find_root(start: Path | str | None = None) -> Path:
    """The nearest folder at or above ``start`` holding content/ or calendar/."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "content").is_dir() or (folder / "calendar").is_dir():
            return folder
    raise RepoNotFound(
        _('no Gazette repository at or above {here}: expected a content/ or calendar/ folder (run from your '
          'community repository, or pass --repo PATH)')
            .format(here=here)
    )
