"""Triage: question, criticism, praise or other, by rules anyone can read.

Word lists in ``gazette/data/triage.yml`` (French and English), extended per
repository under ``triage:`` in ``calendar/listening.yml``. Decision, in order:
more criticism than praise → criticism; a question mark or an opening question
word (and no exclamation mark) → question; any praise → praise; else other. A negated praise word ("pas
top", "not great") counts as criticism. Questions and criticisms need an answer.
"""

from __future__ import annotations

import re
from pathlib import Path

from .match import fold

CLASSES = ("question", "criticism", "praise", "other")
NEEDS_ANSWER = frozenset({"question", "criticism"})
DATA = Path(__file__).resolve().parent.parent / "data" / "triage.yml"


STEM = 5  # a single listed word this long also matches its longer forms: parfait → parfaitement


def _alternation(words, stems: bool = False) -> str:
    """One regex alternative per listed word or phrase. With ``stems``, a single word of STEM letters
    or more matches as a prefix ("abime" → "abimees", "disappoint" → "disappointing") and a
    shorter one takes a plural or feminine ending ("nul" → "nulle", "nuls")."""
    phrases = set()
    for word in words:
        parts = [re.escape(w) for w in re.findall(r"\w+", fold(word))]
        if not parts:
            continue
        phrase = r"[\W_]+".join(parts)
        if stems and len(parts) == 1:
            phrase += r"\w*" if len(parts[0]) >= STEM else r"(?:e|s|es|x)?"
        phrases.add(phrase)
    return "|".join(sorted(phrases, key=len, reverse=True)) or r"(?!x)x"


class Classifier:
    def __init__(self, extra: dict | None = None):
        import yaml

        lists = yaml.load(DATA.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        for name, words in (extra or {}).items():
            if name in lists:
                lists[name] = list(lists[name]) + list(words)
        self.criticism = re.compile(rf"(?<!\w)(?:{_alternation(lists['criticism'], True)})(?!\w)")
        self.praise = re.compile(rf"(?<!\w)(?:{_alternation(lists['praise'], True)})(?!\w)")
        self.negated = re.compile(rf"(?<!\w)(?:{_alternation(lists['negations'])})[\W_]+(?:\w+[\W_]+)?"
                                  rf"(?:{_alternation(lists['praise'], True)})(?!\w)")
        # "Bonjour, vous…" / "Hello, are you…": a greeting may come before the question word.
        self.exclamation = re.compile(rf"(?:{_alternation(lists.get('exclamations', ()))})(?!\w)")
        self.opening = re.compile(rf"(?:^|[.\n]\s*)(?:(?:bonjour|salut|hello|hi|hey)[\W_]+)?"
                                  rf"(?:{_alternation(lists['question'])})(?!\w)")

    def classify(self, text: str, folded: str | None = None) -> str:
        plain = fold(text) if folded is None else folded
        negated = len(self.negated.findall(plain))
        if negated:
            plain = self.negated.sub(" ", plain)
        criticism = len(self.criticism.findall(plain)) + negated
        praise = len(self.praise.findall(plain))
        if criticism > praise:
            return "criticism"
        if "?" in plain or ("!" not in plain and self.opening.search(plain.lstrip())
                            and not self.exclamation.match(plain.lstrip())):
            return "question"
        if praise:
            return "praise"
        return "other"
