"""ASCII slugs from French titles: "Été à l'école" -> "ete-a-l-ecole"."""

from __future__ import annotations

import re
import unicodedata

# Letters NFKD does not decompose into ASCII.
_SPECIAL = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss",
                          "ø": "o", "Ø": "o", "đ": "d", "ł": "l", "Ł": "l", "’": "-"})


def slugify(title: str, max_length: int = 60) -> str:
    text = unicodedata.normalize("NFKD", title.translate(_SPECIAL))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug
