"""Finding the community repository. Kept apart so the CLI can find it without importing YAML."""

from __future__ import annotations

import os

from .i18n import _


class RepoNotFound(Exception):
    """No Gazette repository here (a usage error, exit 2)."""


def find_root(start: Path | str | None = None) -> Path:
    """The nearest folder at or above ``start`` holding content/ or calendar/."""
    # Searched with os.path, Path made only for the answer: `gazette moderate` outside a
    # repository then never imports pathlib (and urllib.parse with it, ~4 ms of its start).
    here = os.path.realpath(os.fspath(start or os.getcwd()))
    folder = here
    while True:
        if os.path.isdir(os.path.join(folder, "content")) or os.path.isdir(os.path.join(folder, "calendar")):
            from pathlib import Path

            return Path(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    raise RepoNotFound(  # ``here`` is what str(Path(...).resolve()) gave: realpath's answer, normalized
        _('no Gazette repository at or above {here}: expected a content/ or calendar/ folder (run from your '
          'community repository, or pass --repo PATH)')
            .format(here=here)
    )
