"""``python -m gazette``: the same as the ``gazette`` command."""

from .launch import main

main()
