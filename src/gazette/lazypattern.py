"""Regular expressions compiled on first use.

A one-file ``gazette check --changed-since`` imported every rule module and compiled some
sixty module-level patterns (~8 ms CPU, a tenth of the command), most of them for texts
that hold a ``<``, a URL or a ``!!!``: a rule looks for the character first and compiles
nothing on the common path. A lazy pattern answers every attribute of the compiled one
(``search``, ``finditer``, ``pattern``...); it is not a ``re.Pattern`` itself, so hand
``re`` functions ``lazy.compiled`` (no module does today).
"""

from __future__ import annotations

import re


class LazyPattern:
    __slots__ = ("source", "flags_given", "__dict__")

    def __init__(self, pattern: str, flags: int = 0):
        self.source, self.flags_given = pattern, flags

    @property
    def compiled(self) -> re.Pattern:
        return re.compile(self.source, self.flags_given)  # re's own cache answers after the first

    def __getattr__(self, name):
        if name.startswith("__") or name in ("source", "flags_given"):
            # copy and pickle look up __setstate__ and friends on an object made without
            # __init__: answering from the pattern looped without end (RecursionError)
            raise AttributeError(name)
        value = getattr(self.compiled, name)
        setattr(self, name, value)  # found in the instance next time: __getattr__ is slower than a search
        return value

    def __repr__(self) -> str:
        return f"lazy({self.source!r}, {self.flags_given!r})"


def lazy(pattern: str, flags: int = 0) -> re.Pattern:
    """``re.compile(pattern, flags)``, compiled when first used."""
    return LazyPattern(pattern, flags)  # type: ignore[return-value]
