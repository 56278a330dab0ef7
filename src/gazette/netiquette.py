"""The netiquette engine: one scanner for content (``gazette check``) and for
community messages (``gazette moderate``).

Word lists ship in ``gazette/data/moderation.yml`` (French and English) and a
community adds to them, or re-rates rules, in ``calendar/moderation.yml``.
Matching is on words, after lowercasing, removing accents and undoing basic
leetspeak, so "c0nnard" is caught and "conseil" is not. Spans point into the
original text, so a moderator sees exactly what matched.
"""

from __future__ import annotations

import re
import unicodedata
from collections import namedtuple
from pathlib import Path

Finding = namedtuple("Finding", "code start end text severity")

MODERATION_FILE = "calendar/moderation.yml"
DEFAULTS = Path(__file__).parent / "data" / "moderation.yml"
WORD_RULES = ("insult", "discrimination", "porn")
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}(?![\w-])")
PHONE_FR = re.compile(r"(?<![\d+])(?:(?:\+|00)33[\s.-]?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")
PHONE_INTL = re.compile(r"(?<![\w+])\+(?!33)\d{1,3}(?:[\s.-]?\d){7,12}(?!\d)")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
SHOUT = re.compile(r"(?:\b[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’-]+\b[\s,;:]*){3,}")
BANGS = re.compile(r"!{3,}")
PHONE_HINT = re.compile(r"\d\d[\s.-]?\d\d[\s.-]?\d\d[\s.-]?\d\d")
IBAN_HINT = re.compile(r"[A-Z][A-Z]\d\d")
CAPS_HINT = re.compile(r"[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ]")  # IBANs and shouting both need two capitals


def _fold_table() -> dict:
    """One character for one character: offsets in the folded text are offsets in the original."""
    table = {}
    for code in range(0x80, 0x250):
        char = chr(code)
        base = unicodedata.normalize("NFKD", char)[0].lower()
        if base.isascii() and base.isalpha():
            table[code] = base
    table.update({ord("œ"): "o", ord("Œ"): "o", ord("æ"): "a", ord("Æ"): "a", ord("’"): "'"})
    return table


FOLD = _fold_table()
# One pass instead of three: fold, undo leetspeak, and turn ASCII punctuation into spaces
# (it separates words anyway) so that str.split finds the words without a regex.
PUNCTUATION = "!\"#%&'()*+,-./:;<=>?[\\]^`{|}~"
FOLD_AND_LEET = {**FOLD, **LEET, **{ord(c): " " for c in PUNCTUATION}}
BYTE_FOLD = bytes.maketrans(b"013457@$" + PUNCTUATION.encode(), b"oieastas" + b" " * len(PUNCTUATION))


def fold(text: str) -> str:
    return text.lower().translate(FOLD)


def iban_valid(candidate: str) -> bool:
    """The ISO 13616 mod-97 check: "FR76 3000 …" passes, a product code does not."""
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    digits = "".join(str(int(c, 36)) for c in moved)
    return int(digits) % 97 == 1


class Moderator:
    """Compiled rules: build once per run, then :meth:`scan` each text.

    Each word rule is one regular expression over the folded text, so a
    3 KiB post costs a few passes of the regex engine, not a Python loop
    over its words.
    """

    def __init__(self, config: dict):
        rules = config.get("rules") or {}
        self.severity = {name: (rules.get(name) or {}).get("severity", "error") for name in WORD_RULES}
        self.patterns: list[tuple[str, re.Pattern]] = []
        self.vocabulary: set[str] = set()  # every word that can start a match: a cheap pre-filter
        prefix_starts: list[str] = []
        for name in WORD_RULES:
            words = (rules.get(name) or {}).get("words") or {}
            exact, prefixes, phrases = [], [], []
            for entry in (w for language in words.values() for w in (language or ())):
                entry = fold(str(entry)).strip()
                if " " in entry:
                    phrases.append(r"[\W_]+".join(map(re.escape, entry.split())) + r"(?:s|x)?")
                    self.vocabulary.add(entry.split()[0])
                elif entry.endswith("*"):
                    prefixes.append(re.escape(entry[:-1]) + r"\w*")
                    prefix_starts.append(re.escape(entry[:-1]))
                elif entry:
                    exact.append(re.escape(entry) + r"(?:s|x)?")
                    self.vocabulary.update((entry, entry + "s", entry + "x"))
            alternatives = sorted(phrases, key=len, reverse=True) + prefixes + exact
            if alternatives and self.severity[name] != "off":
                self.patterns.append((name, re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")))
        self.prefix_starts = [fold(s.replace("\\", "")) for s in prefix_starts]
        self.byte_vocabulary = {w.encode("ascii", "ignore") for w in self.vocabulary}
        self.byte_prefixes = [s.encode("ascii", "ignore") for s in self.prefix_starts]
        self.allow = {fold(str(word)) for word in config.get("allow") or ()}
        data = config.get("personal_data") or {}
        self.personal = data.get("severity", "error")
        shouting = config.get("shouting") or {}
        self.shout_letters = shouting.get("min_letters", 12)
        self.shout_severity = shouting.get("severity", "warning")
        self.bang_severity = (config.get("exclamation") or {}).get("severity", "warning")
        self.iframe_hosts = [str(h).lower() for h in config.get("iframe_hosts") or ()]
        # Personal data, shouting and "!!!" in one pass of one pattern over the text.
        self.other_severity = {"email": self.personal, "phone": self.personal, "intl": self.personal,
                               "iban": self.personal, "shout": self.shout_severity, "bangs": self.bang_severity}
        hints = {
            "email": lambda text: "@" in text,
            "phone": lambda text: PHONE_HINT.search(text) is not None,
            "intl": lambda text: "+" in text and PHONE_HINT.search(text) is not None,
            "iban": lambda text: IBAN_HINT.search(text) is not None,
            "shout": lambda text: CAPS_HINT.search(text) is not None,
            "bangs": lambda text: "!!!" in text,
        }
        patterns = {"email": EMAIL, "phone": PHONE_FR, "intl": PHONE_INTL, "iban": IBAN, "shout": SHOUT,
                    "bangs": BANGS}
        self.others = [(kind, patterns[kind], hints[kind]) for kind in patterns if self.other_severity[kind] != "off"]

    def scan(self, text: str) -> list[Finding]:
        found: list[Finding] = []
        # Folding keeps one character per character, so offsets in ``plain`` are offsets
        # in ``text``. Most texts contain no listed word: a set test in C says so before
        # any of the large patterns runs.
        # Pre-filter at C speed on bytes (decomposed, marks dropped, leet and punctuation
        # mapped): offsets do not matter here, only "could anything match?".
        ascii_words = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").translate(BYTE_FOLD)
        suspicious = (not self.byte_vocabulary.isdisjoint(ascii_words.split())
                      or any(s in ascii_words for s in self.byte_prefixes))
        if suspicious:
            plain = text.lower().translate(FOLD_AND_LEET)
            # Undoing leetspeak on the whole text also turns pure numbers into letters: a
            # match must therefore contain a letter in the original ("455" is not "ass").
            for name, pattern in self.patterns:
                for match in pattern.finditer(plain):
                    original = text[match.start():match.end()]
                    if match.group() in self.allow or not any(c.isalpha() for c in original):
                        continue
                    found.append(Finding(f"netiquette/{name}", match.start(), match.end(), original,
                                         self.severity[name]))
        # Each pattern runs only where a cheap hint (a literal or a character class the
        # regex engine skips to fast) says it could match: most texts have none.
        if self.others and not ("@" in text or "!!!" in text or CAPS_HINT.search(text)
                                or PHONE_HINT.search(text)):  # the cheap tests first
            return sorted(found, key=lambda f: f.start)
        for kind, pattern, hint in self.others:
            if not hint(text):
                continue
            for match in pattern.finditer(text):
                span = match.group()
                if kind == "iban" and not iban_valid(span):
                    continue
                if kind == "shout":
                    span = span.rstrip(" ,;:\t\n")
                    if sum(c.isalpha() for c in span) < self.shout_letters:
                        continue
                found.append(Finding(OTHER_RULES[kind], match.start(), match.start() + len(span), span,
                                     self.other_severity[kind]))
        return sorted(found, key=lambda f: f.start)


OTHER_RULES = {"email": "netiquette/personal-data", "phone": "netiquette/personal-data",
               "intl": "netiquette/personal-data", "iban": "netiquette/personal-data",
               "shout": "netiquette/shouting", "bangs": "netiquette/exclamation"}


def load_config(root: Path | None = None) -> tuple[dict, list]:
    """Shipped defaults, plus the community's calendar/moderation.yml: its word lists and
    allow-list are added, its severities and settings win. Returns (config, problems)."""
    import yaml

    from .problems import Problem

    with open(DEFAULTS, encoding="utf-8") as handle:
        config = yaml.load(handle, Loader=yaml.CSafeLoader) or {}
    problems = []
    local_path = Path(root) / MODERATION_FILE if root else None
    if local_path and local_path.is_file():
        from . import yamlsafe
        from .load import FRAME_YAML_BYTES, read_text

        text, problem = read_text(Path(root), MODERATION_FILE)
        local = None
        if problem:
            problems.append(problem)
        else:
            try:
                local, _ = yamlsafe.parse(text, max_bytes=FRAME_YAML_BYTES)
            except yamlsafe.YAMLProblem as error:
                problems.append(error.to_problem(MODERATION_FILE))
        if local is not None and not isinstance(local, dict):
            problems.append(Problem("yaml/not-mapping", MODERATION_FILE, 1, "is not a mapping of keys",
                                    "see docs/moderation.md"))
            local = None
        if local:
            config = merge(config, local)
    return config, problems


def merge(base: dict, local: dict) -> dict:
    out = dict(base)
    for key, value in local.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        elif isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = out[key] + value
        else:
            out[key] = value
    return out


def moderator_for(frame, root: Path) -> Moderator:
    """One compiled Moderator per run (kept in the frame's memo)."""
    if "moderator" not in frame.memo:
        frame.memo["moderator"] = Moderator(load_config(root)[0])
    return frame.memo["moderator"]
