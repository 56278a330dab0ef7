"""Keyword matching: one regular expression over accent- and case-folded text.

"Fabrique à Vélos", "FABRIQUE A VELOS" and "fabrique-a-velos" are one name;
"#FabriqueAVelos" matches the variant "fabriqueavelos". Names match on word
boundaries, so "velo" does not match "velociraptor".
"""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """Lowercase, accents removed, punctuation and separators made one space."""
    text = text.casefold()
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text


def _pattern_of(name: str) -> str:
    words = re.findall(r"\w+", fold(name))
    return r"[\W_]*".join(re.escape(w) for w in words)


class Matcher:
    """Built once per run from the settings; :meth:`find` gives (brand names, competitor names)."""

    def __init__(self, settings: dict):
        self.owner: dict[str, tuple[str, str]] = {}  # group name -> (kind, canonical name)
        parts = []
        groups = [("brand", n, v) for n, v in (settings.get("keywords") or {}).items()]
        groups += [("brand", n, v) for n, v in (settings.get("products") or {}).items()]
        groups += [("brand", f"#{t.lstrip('#')}", []) for t in settings.get("hashtags") or ()]
        groups += [("competitor", n, v) for n, v in (settings.get("competitors") or {}).items()]
        for number, (kind, name, variants) in enumerate(groups):
            alternatives = {p for p in (_pattern_of(x) for x in [name, *variants]) if p}
            if not alternatives:
                continue
            group = f"g{number}"
            self.owner[group] = (kind, name)
            parts.append(f"(?P<{group}>" + "|".join(sorted(alternatives, key=len, reverse=True)) + ")")
        self.regex = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)") if parts else None

    def find(self, text: str, folded: str | None = None) -> tuple[list[str], list[str]]:
        """``folded``: :func:`fold` of ``text`` when the caller has it already."""
        if self.regex is None:
            return [], []
        brand, competitors = [], []
        for match in self.regex.finditer(fold(text) if folded is None else folded):
            kind, name = self.owner[match.lastgroup]
            out = brand if kind == "brand" else competitors
            if name not in out:
                out.append(name)
        return brand, competitors
