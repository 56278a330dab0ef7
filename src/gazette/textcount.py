"""Text length the way each network counts it.

- X: weighted characters (most Latin text 1, CJK and emoji 2), every URL 23.
- Mastodon: characters (code points), every URL 23, ``@user@domain`` as ``@user``.
- Bluesky: graphemes (what a reader sees as one character: é, 👍🏽, 🇫🇷).
- Threads, LinkedIn, Instagram: characters.
Limits are the networks' own; a channel's ``limit`` in calendar/channels.yml wins.
"""

from __future__ import annotations

import re
import unicodedata

from .lazypattern import lazy

URL = lazy(r"https?://[^\s<>\"]+", re.IGNORECASE)
MENTION = lazy(r"(@[\w.]+)@[\w.-]+\.[a-z]{2,}", re.IGNORECASE)
LIMITS = {"x": 280, "mastodon": 500, "bluesky": 300, "threads": 500, "linkedin": 3000, "instagram": 2200,
          "facebook": 63206}
HASHTAG_LIMITS = {"instagram": 30, "x": 5, "mastodon": 10, "bluesky": 10, "threads": 1, "linkedin": 10}

# X's "weight 1" ranges (twitter-text config v3); everything else weighs 2.
_X_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def graphemes(text: str) -> list[str]:
    """Extended grapheme clusters, enough for text people write: base + combining marks,
    emoji with skin tones and variation selectors, ZWJ sequences, flag pairs."""
    clusters: list[str] = []
    join_next = False
    for char in text:
        code = ord(char)
        extends = (unicodedata.combining(char) or 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF
                   or code == 0x200D or 0xE0020 <= code <= 0xE007F)
        regional = 0x1F1E6 <= code <= 0x1F1FF
        if clusters and (extends or join_next or (regional and _open_flag(clusters[-1]))):
            clusters[-1] += char
        else:
            clusters.append(char)
        join_next = code == 0x200D
    return clusters


def _open_flag(cluster: str) -> bool:
    return len(cluster) == 1 and 0x1F1E6 <= ord(cluster) <= 0x1F1FF


def _x_weight(cluster: str) -> int:
    if len(cluster) > 1 or ord(cluster) > 0xFFFF:
        return 2 if any(ord(c) > 0x2000 for c in cluster) else len(cluster)
    code = ord(cluster)
    return 1 if any(low <= code <= high for low, high in _X_LIGHT) else 2


def count(text: str, network: str) -> int:
    """The length ``network`` shows for ``text``."""
    text = unicodedata.normalize("NFC", text)
    if network == "x":
        urls = URL.findall(text)
        rest = URL.sub("", text)
        return 23 * len(urls) + sum(_x_weight(c) for c in graphemes(rest))
    if network == "mastodon":
        urls = URL.findall(text)
        rest = MENTION.sub(r"\1", URL.sub("", text))
        return 23 * len(urls) + len(rest)
    if network == "bluesky":
        return len(graphemes(text))
    return len(text)


HASHTAG = lazy(r"(?<![\w&])#\w+")


def hashtags(text: str) -> list[str]:
    # Most texts have no "#": one memchr, not a regex that must try every position.
    return HASHTAG.findall(text) if "#" in text else []
