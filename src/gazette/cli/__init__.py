"""The ``gazette`` command line: parse arguments, call the library, format output.

One module per command group; what they share (the root group, ``--repo``,
``--now``, ``--format``, exit codes) is in :mod:`gazette.cli.base`.
"""

from __future__ import annotations

from .base import ConfigError, cli, common_options
from . import content, moderation, newsletter, planning, publishing, site  # noqa: F401 - each registers its commands

__all__ = ["ConfigError", "cli", "common_options", "main"]


def main():
    cli(prog_name="gazette")
