"""``python -m gazette``: the same as the ``gazette`` command."""

from .cli import main

main()
