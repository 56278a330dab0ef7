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
TOKEN = re.compile(r"[^\W_]+(?:[@$][^\W_]*)*|[@$]+[^\W_]+", re.UNICODE)

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}(?![\w-])")
PHONE_FR = re.compile(r"(?<![\d+])(?:(?:\+|00)33[\s.-]?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")
PHONE_INTL = re.compile(r"(?<![\w+])\+(?!33)\d{1,3}(?:[\s.-]?\d){7,12}(?!\d)")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
SHOUT = re.compile(r"(?:\b[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’-]+\b[\s,;:]*){3,}")
BANGS = re.compile(r"!{3,}")


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
    """Compiled rules: build once per run, then :meth:`scan` each text."""

    def __init__(self, config: dict):
        self.severity = {name: (config.get("rules", {}).get(name) or {}).get("severity", "error")
                         for name in WORD_RULES}
        self.exact: dict[str, str] = {}
        self.prefixes: dict[str, str] = {}
        self.phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for name in WORD_RULES:
            words = (config.get("rules", {}).get(name) or {}).get("words") or {}
            for entry in (w for language in words.values() for w in (language or ())):
                entry = fold(str(entry)).strip()
                if " " in entry:
                    parts = tuple(entry.split())
                    self.phrases.setdefault(parts[0], []).append((parts, name))
                elif entry.endswith("*"):
                    self.prefixes[entry[:-1]] = name
                elif entry:
                    self.exact[entry] = name
        self.allow = {fold(str(word)) for word in config.get("allow") or ()}
        self.prefix_lengths = sorted({len(p) for p in self.prefixes})
        data = config.get("personal_data") or {}
        self.personal = data.get("severity", "error")
        shouting = config.get("shouting") or {}
        self.shout_letters = shouting.get("min_letters", 12)
        self.shout_severity = shouting.get("severity", "warning")
        self.bang_severity = (config.get("exclamation") or {}).get("severity", "warning")
        self.iframe_hosts = [str(h).lower() for h in config.get("iframe_hosts") or ()]

    def _word_rule(self, token: str) -> str | None:
        if token in self.allow:
            return None
        rule = self.exact.get(token)
        if rule is None and token[-1:] in ("s", "x"):
            rule = self.exact.get(token[:-1])  # plurals: connards, cons
        if rule is None:
            for length in self.prefix_lengths:
                if length > len(token):
                    break
                rule = self.prefixes.get(token[:length])
                if rule:
                    break
        return rule

    def scan(self, text: str) -> list[Finding]:
        found: list[Finding] = []
        folded = fold(text)
        tokens = []
        for match in TOKEN.finditer(folded):
            word = match.group()
            if not word.isdigit():
                word = word.translate(LEET)
            tokens.append((word, match.start(), match.end()))
        for index, (word, start, end) in enumerate(tokens):
            rule = self._word_rule(word)
            if rule and self.severity[rule] != "off":
                found.append(Finding(f"netiquette/{rule}", start, end, text[start:end], self.severity[rule]))
            for parts, rule in self.phrases.get(word, ()):
                window = tokens[index:index + len(parts)]
                if tuple(w for w, _, _ in window) == parts and self.severity[rule] != "off":
                    last = window[-1][2]
                    found.append(Finding(f"netiquette/{rule}", start, last, text[start:last], self.severity[rule]))
        if self.personal != "off" and any(c in text for c in "@+0123456789"):
            for pattern, check in ((EMAIL, None), (PHONE_FR, None), (PHONE_INTL, None), (IBAN, iban_valid)):
                for match in pattern.finditer(text):
                    if check is None or check(match.group()):
                        found.append(Finding("netiquette/personal-data", match.start(), match.end(),
                                             match.group(), self.personal))
        if self.shout_severity != "off":
            for match in SHOUT.finditer(text):
                if sum(c.isalpha() for c in match.group()) >= self.shout_letters:
                    span = match.group().rstrip(" ,;:\t\n")
                    found.append(Finding("netiquette/shouting", match.start(), match.start() + len(span),
                                         span, self.shout_severity))
        if self.bang_severity != "off" and "!!!" in text:
            for match in BANGS.finditer(text):
                found.append(Finding("netiquette/exclamation", match.start(), match.end(), match.group(),
                                     self.bang_severity))
        return sorted(found, key=lambda f: f.start)


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
