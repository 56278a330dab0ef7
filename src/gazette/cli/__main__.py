"""``python -m gazette.cli``: the same command, for scripts that pick the interpreter."""

from . import main

main()
