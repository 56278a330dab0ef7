"""Messages people read, in their language (gettext).

Write every message a person reads as ``_("unknown channel {name}").format(name=…)``:
the English text is the msgid, placeholders are named and filled *after*
translation. Problem codes, JSON keys and exit codes are identifiers and stay
English. Until the catalogs land, ``_`` returns the English text.
"""

from __future__ import annotations


def _(message: str) -> str:
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural
