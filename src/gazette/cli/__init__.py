"""The ``gazette`` command line: parse arguments, call the library, format output.

One module per command group; what they share (the root group, ``--repo``,
``--now``, ``--format``, exit codes) is in :mod:`gazette.cli.base`.
"""

from __future__ import annotations

import gc

# Start-up imports create ~100,000 objects that live as long as the process: collecting
# while they arrive cost ~10 ms of every command. None during them, then frozen so that
# later collections never walk them again.
_collecting = gc.isenabled()
gc.disable()
from .base import ConfigError, cli, common_options  # noqa: E402
# Each module registers its commands; one per line so that new groups merge without conflict.
from . import community  # noqa: F401,E402
from . import content  # noqa: F401,E402
from . import contests  # noqa: F401,E402
from . import importing  # noqa: F401,E402
from . import listening  # noqa: F401,E402
from . import moderation  # noqa: F401,E402
from . import newsletter  # noqa: F401,E402
from . import planning  # noqa: F401,E402
from . import publishing  # noqa: F401,E402
from . import report  # noqa: F401,E402
from . import site  # noqa: F401,E402
from . import starter  # noqa: F401,E402
from . import workspace  # noqa: F401,E402

gc.freeze()
if _collecting:
    gc.enable()

__all__ = ["ConfigError", "cli", "common_options", "main"]


def main():
    cli(prog_name="gazette")
