"""The characters that end a line in a mail header or in Python's ``str.splitlines``.

A module of its own so that ``gazette check`` reads them without importing the
subscriber list's module (dataclasses, csv: ~3 ms of a one-file check).
"""

LINE_BREAKS = ("\r", "\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029")
