"""The netiquette engine: one scanner for content (``gazette check``) and for
community messages (``gazette moderate``).

Word lists ship per language in ``gazette/data/moderation.<lang>.yml``, the
settings in ``gazette/data/moderation.yml``; a community adds to them, or
re-rates rules, in ``calendar/moderation.yml``.

Each text is normalized once (lowercase, accents removed, leetspeak undone,
punctuation turned into spaces, one character for one character so offsets
hold) and read once by one multi-pattern automaton (Aho-Corasick) holding every
list entry and every context trigger. What it finds is then judged in context:
a quoted or reported word is not said, a group noun is hate only with a
dehumanizing predicate, a weak sexual word is spam only with a solicitation
cue. Personal data is found by cheap hints first, then confirmed by the
maintained validators (phonenumbers, python-stdnum, email-validator).
Every finding says which rule, which list or pattern, and what matched.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import namedtuple
from itertools import accumulate, islice
from operator import add, itemgetter, lt
from os.path import dirname as _dirname, join as _join

from .i18n import _
from .lazypattern import LazyPattern as _Lazy  # a one-file check should not pay for every pattern

Finding = namedtuple("Finding", "code start end text severity rule why", defaults=("", ""))
_new_tuple = tuple.__new__
_BY_START_THEN_CODE = itemgetter(1, 0)  # (finding.start, finding.code), read in C: a queue sorts thousands

MODERATION_FILE = "calendar/moderation.yml"
# Paths as text: pathlib (and the urllib.parse it imports) costs ~4 ms, more than `gazette
# moderate` outside a repository needs it for.
DATA = _join(_dirname(__file__), "data")
DEFAULTS = _join(DATA, "moderation.yml")
LANGUAGES = ("fr", "en")
WORD_RULES = ("insult", "discrimination", "porn")
CONTEXT_LISTS = ("report", "fiction", "groups", "dehumanizing", "exclusion", "exclusion_weak", "exclusion_place",
                 "solicitation", "solicitation_cues", "solicitation_generic", "solicitation_private", "public_numbers", "residence", "school", "birth",
                 "role_mailboxes")
STREETS = ("rue", "avenue", "av", "boulevard", "bd", "impasse", "chemin", "allee", "place", "route", "quai",
           "cours", "square", "street", "road", "lane", "drive", "close", "way", "crescent", "terrace")


_CODES = {name: f"netiquette/{name}" for name in ("insult", "discrimination", "porn")}


def _byte_table() -> bytes:
    """Latin-1 byte -> folded ASCII byte: letters kept (accents removed), leet digits and
    symbols to letters, everything else to a space. One byte for one character."""
    import unicodedata

    table = bytearray(b" " * 256)
    for code in range(256):
        char = chr(code)
        if "a" <= char <= "z" or "0" <= char <= "9":
            table[code] = code
        elif "A" <= char <= "Z":  # lowercasing here spares str.lower(), slow on accented text
            table[code] = code + 32
        elif code >= 0xC0:
            base = unicodedata.normalize("NFKD", char)[0].lower()
            if base.isascii() and base.isalpha():
                table[code] = ord(base)
    for digit, letter in zip("013457@$", "oieastas"):
        table[ord(digit)] = ord(letter)
    table[ord("ß")] = ord("s")
    return bytes(table)


NORMAL = _byte_table()


def _class_table() -> bytes:
    """Latin-1 byte of the original text -> its class: d(igit), U(ppercase letter),
    l(owercase letter), s(eparator of digits), and the few symbols rules look for:
    one C pass answers "could this rule match at all?"."""
    table = bytearray(b" " * 256)
    for code in range(256):
        char = chr(code)
        if char.isdigit() and char.isascii():
            table[code] = ord("d")
        elif char.isalpha() and char.isupper() and code != 0xD7:
            table[code] = ord("U")
        elif char.isalpha():
            table[code] = ord("l")
    for symbol in "@*#!":
        table[ord(symbol)] = ord(symbol)
    table[ord("#")] = ord("*")
    for separator in " .-/()+\xa0":  # what separates the digits of a written number
        table[ord(separator)] = ord("s")
    return bytes(table)


CLASSES = _class_table()
# Candidate numbers are found on the class view with a pattern that starts with a literal,
# which the regex engine finds at C speed.
NUMBER_RUN = _Lazy(rb"d[ds]{6,30}d")


def normalize(text: str) -> str:
    """Folded text of the same length: offsets in it are offsets in ``text``."""
    return _latin1(text).translate(NORMAL).decode("ascii")


def _latin1(text: str) -> bytes:
    """One byte a character: the ligatures outside Latin-1 spelled with their first letter,
    any other character outside it (curly quotes, emoji) a "?" that folds to a space."""
    if "œ" in text or "Œ" in text or "æ" in text or "Æ" in text:
        text = text.replace("œ", "o").replace("Œ", "O").replace("æ", "a").replace("Æ", "A")
    return text.encode("latin-1", "replace")


def fold(text: str) -> str:
    """An entry as the engine compares it: words of the normalized form, single spaces."""
    return " ".join(normalize(str(text)).split())


def iban_valid(candidate: str) -> bool:
    """The ISO 13616 mod-97 check (python-stdnum): "FR76 3000 …" passes, a product code does not.
    Not the national account checks: a member's IBAN is private even when a bank's own
    check digit is mistyped, and mod-97 alone already rules out chance."""
    from stdnum import iban

    return iban.is_valid(candidate, check_country=False)


# Patterns read on the original text (digits, capitals and "@" matter there).
EMAIL = _Lazy(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}(?![\w-])")
# "\b[A-Z]{2}", written to start with its character class (see SHOUT).
IBAN = _Lazy(r"[A-Z](?<!\w.)[A-Z]\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
IBAN_BEFORE = r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b"
# Three words or more in capitals. The first word is written "capital, then no word character
# before it" rather than "\b, capital" (the same matches, tests/test_moderate_speed.py): a
# pattern that starts with a character class is searched at C speed, one with \b at every position.
SHOUT = _Lazy(r"[A-ZÀ-ÖØ-Þ](?<!\w.)[A-ZÀ-ÖØ-Þ'’\-]*\b[\s,;:?!.]*(?:\b[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’\-]*\b[\s,;:?!.]*){2,}")
SHOUT_BEFORE = r"(?:\b[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’\-]*\b[\s,;:?!.]*){3,}"  # the plain form, for the tests
# "!{3,}" written to start with its literal: the regex engine then looks for "!!!" at C speed
# rather than trying the repeat at every position (~5 ms a 1 MB queue).
BANGS = _Lazy(r"!!!+")
# Every branch starts with its quotation mark (the lookbehind after it), for the same reason.
QUOTED = _Lazy(r"«[^»\n]{1,80}»|\"[^\"\n]{1,80}\"|“[^”\n]{1,80}”|„[^“\n]{1,80}“|'(?<!\w')[^'\n]{1,60}'(?!\w)"
               r"|‘(?<!\w‘)[^’\n]{1,60}’(?!\w)")
# The longest match of QUOTED: a mark, 80 characters, a mark.
QUOTE_REACH = 82
QUOTED_BEFORE = (r"«[^»\n]{1,80}»|\"[^\"\n]{1,80}\"|“[^”\n]{1,80}”|„[^“\n]{1,80}“|(?<!\w)'[^'\n]{1,60}'(?!\w)"
                 r"|(?<!\w)‘[^’\n]{1,60}’(?!\w)")
RUNS = _Lazy(r"([a-z])\1{2,}")
URL = _Lazy(r"(?:https?://|www\.)[^\s)\"'<>]+", re.IGNORECASE)
# Words of a host name (split on dots and hyphens) that make a link an adult site's:
# whole words, so hotel.com, camping.fr and sussex.ac.uk are not.
ADULT_HOST_WORDS = {"porn", "porno", "xxx", "sex", "sexy", "hot", "cam", "cams", "nude", "nudes", "escort", "escorts",
                    "coquin", "coquine", "coquines", "adult", "adulte", "xvideos", "onlyfans", "milf", "webcamsex"}
ADULT_HOST_STARTS = ("porn", "xxx", "xvideo", "onlyfans")
OBFUSCATED_EMAIL = _Lazy(
    r"(?<![a-z0-9])[a-z0-9_]+(?: +(?:point|dot) +[a-z0-9_]+)* +(?:at|arobase|arrobase) +[a-z0-9-]+"
    r"(?: +(?:point|dot) +[a-z0-9-]+)* +(?:point|dot) +(?:com|fr|org|net|eu|be|ch|uk|co|io|de|info)(?![a-z0-9])")
STREET_NUMBER = _Lazy(r"(?<![\w])\d{1,4}(?:\s?(?:bis|ter|[a-d]))?,?\s+$", re.IGNORECASE)
# English puts the street's name between the number and its type: "42 Baker Street".
STREET_NUMBER_EN = _Lazy(r"(?<![\w])\d{1,4}\s+(?:[A-Z][\w'’-]*\s+){1,3}$")
ENGLISH_STREETS = {"street", "road", "lane", "drive", "close", "way", "crescent", "terrace", "avenue", "square"}
BIRTH_DATE = _Lazy(r"\bn[ée]e?s? (?:le )?(?:\d{1,2}(?:er)?[ /.-]\S+[ /.-]?\d{2,4}|en \d{4})|\bborn (?:on )?"
                   r"(?:\d|[a-z]+ \d)|date de naissance|date of birth|\bdob\b", re.IGNORECASE)
PERSON_BEFORE = _Lazy(r"(?<![\w])[A-ZÀ-Þ][a-zß-ÿ]+(?:-[A-ZÀ-Þ][a-zß-ÿ]+)? [A-ZÀ-Þ][a-zß-ÿ]+\s+$")
PLACE_AFTER = _Lazy(r"\s+(?:à|a|au|aux|en|rue|avenue|dans|près|chez|in|at|on|near)\b", re.IGNORECASE)
DETERMINERS = {"Le", "La", "Les", "L", "Un", "Une", "Des", "Ce", "Cet", "Cette", "Ces", "Mon", "Ma", "Mes", "Notre",
               "The", "A", "An", "This", "That", "My", "Our"}
SENTENCE_END = _Lazy(r"[.!?\n]")


class _Automaton:
    """Every list entry and context trigger in one Aho-Corasick automaton: ahocorasick-rs
    (Rust; as a DFA over bytes about 5x pyahocorasick on 7 KiB bodies), else pyahocorasick,
    else a regular-expression alternation (slower, same hits)."""

    def __init__(self, keys: dict[str, list]):
        self.keys = keys
        self.tags = list(keys.values())
        self.rust = self.automaton = self.pattern = None
        if not keys:
            return
        try:
            import ahocorasick_rs

            self.module, self.scanned, self.dfa = ahocorasick_rs, 0, False
            self.rust = self._rust("ContiguousNFA")
            return
        except ImportError:
            pass
        try:
            import ahocorasick

            self.automaton = ahocorasick.Automaton()
            for key, tags in keys.items():
                self.automaton.add_word(key, (len(key), tags))
            self.automaton.make_automaton()
            return
        except ImportError:
            pass
        alternatives = sorted(map(re.escape, keys), key=len, reverse=True)
        self.pattern = re.compile("(?=(" + "|".join(alternatives) + "))")
        # The pattern finds the longest key at a position; the shorter keys found there too
        # are exactly its prefixes that are keys.
        self.prefixes = {key: [key[:i] for i in range(len(key), 0, -1) if key[:i] in keys] for key in keys}

    def _rust(self, implementation):
        # Over bytes: the normalized text is ASCII, so byte offsets are character offsets.
        module = self.module
        return module.BytesAhoCorasick([k.encode("ascii") for k in self.keys], matchkind=module.MatchKind.Standard,
                                       implementation=getattr(module.Implementation, implementation))

    def hits(self, ascii_bytes: bytes):
        """(start, end, tags) of every key found in the normalized text, end exclusive."""
        if self.rust is not None:
            self.scanned += len(ascii_bytes)
            if self.scanned > 2 * 1024 * 1024 and not self.dfa:
                # A long run: the DFA scans ~2x faster than the NFA on these keys (they all
                # begin with a space: ~2 ms a MiB against ~4) but takes ~4 ms to build, most of
                # a one-file check and more than a 10,000-message queue (~1 MiB) would save.
                self.rust, self.dfa = self._rust("DFA"), True
            tags = self.tags
            return [(start, end, tags[index])
                    for index, start, end in self.rust.find_matches_as_indexes(ascii_bytes, overlapping=True)]
        text = ascii_bytes.decode("ascii")
        if self.automaton is not None:
            return [(last + 1 - length, last + 1, tags) for last, (length, tags) in self.automaton.iter(text)]
        if self.pattern is not None:
            return [(match.start(1), match.start(1) + len(key), self.keys[key])
                    for match in self.pattern.finditer(text) for key in self.prefixes[match.group(1)]]
        return []


# Cues searched around every word or number of a kind: the automaton finds their entries' longest
# words, as whole words (" mairie "), and a cue is searched only near one (_Where.may_hold). A cue
# with an entry whose longest word is shorter than 3 letters ("le 15") is searched everywhere, as
# before: "le" as a key would be a hit at every other word of French prose.
CUE_WORDS = ("report", "fiction", "public_numbers")
CUE_WORD_LETTERS = 3


def cue_key_words(entries) -> frozenset | None:
    """The words the automaton looks for on behalf of a cue, None when the cue is searched
    everywhere. Every match of an entry holds its longest word between spaces (the folded text
    is letters, digits and spaces; the pattern's words are whole words)."""
    words = frozenset(max(entry.split(), key=len) for entry in entries if entry.split())
    return words if all(len(word) >= CUE_WORD_LETTERS for word in words) else None
PERSONAL_TRIGGERS = frozenset(("obfuscated", "street", "school", "resident"))


class _Cues(dict):
    """One pattern a context list, compiled when first needed: most texts need none, and
    compiling them all is most of a one-file check's set-up."""

    def __init__(self, context: dict):
        super().__init__()
        self.context = context
        self.everywhere = frozenset(cue for cue in CUE_WORDS if cue_key_words(context[cue]) is None)
        self._heads: dict[str, frozenset] = {}

    def may_start_cut(self, name: str, plain: str, first: int, stop: int) -> bool:
        """Whether an entry of cue ``name`` may match ``plain[first:stop]`` from its first
        character, where ``first`` cuts a word: the one way an entry can match there without
        its key word (cue_key_words) whole in the window, which the automaton would have seen.
        A match elsewhere holds its words whole; a match there reads the cut word's tail as
        its first word, so that word is its key word and equals the tail."""
        heads = self._heads.get(name)
        if heads is None:
            heads = self._heads[name] = frozenset(
                words[0] for words in map(str.split, self.context[name]) if words and max(words, key=len) == words[0])
        space = plain.find(" ", first, stop)
        return plain[first:stop if space < 0 else space] in heads

    def __missing__(self, name):
        entries = self.context[name]
        words = sorted((r" +".join(map(re.escape, e.split())) for e in entries), key=len, reverse=True)
        pattern = re.compile(r"(?<![a-z0-9])(?:" + "|".join(words) + r")(?![a-z0-9])" if words else r"(?!)")
        self[name] = pattern
        return pattern


class _Where:
    """What one scan reads: the text's bounds (each message's, when :meth:`Moderator.scan_many`
    joined them, so that no window around a word reaches into another message) and its
    quotations, found once a scan."""

    __slots__ = ("text", "raw", "classes", "starts", "ends", "_quoted", "cue_words", "everywhere")

    def __init__(self, text, raw, classes, starts, ends):
        self.text, self.raw, self.classes, self.starts, self.ends = text, raw, classes, starts, ends
        self._quoted: dict = {}
        self.cue_words: dict[str, list[int]] = {}
        self.everywhere: frozenset = frozenset()  # the cues searched without their key words

    def may_hold(self, cue: str, start: int, end: int) -> bool:
        """Whether the longest word of one of ``cue``'s entries (CUE_WORDS) starts in [start, end):
        if not, none of its entries can match there. The automaton found those words in its one
        pass; searching a cue's pattern (a look-behind tried at every position) around every
        word or number cost more than the word's or the number's own rules."""
        if cue in self.everywhere:
            return True
        positions = self.cue_words.get(cue)
        if not positions:
            return False
        at = bisect_left(positions, start)
        return at < len(positions) and positions[at] < end

    def segments(self, haystack: bytes, *needles: bytes) -> list[tuple[int, int]]:
        """(start, end) of each text holding one of ``needles`` in ``haystack`` (the raw or class
        view): a rule's pattern then runs over those texts alone, as it did one message at a
        time, never over the whole queue (a pattern without a literal start reads every position)."""
        if len(self.starts) == 1:
            return [(self.starts[0], self.ends[0])] if any(n in haystack for n in needles) else []
        if len(needles) == 1:
            # One needle is found in text order, once a text (the next search starts at its end):
            # the texts come sorted and distinct without a set (a queue holds thousands).
            needle, starts, ends, find, out = needles[0], self.starts, self.ends, haystack.find, []
            at = find(needle)
            while at >= 0:
                index = bisect_right(starts, at) - 1
                last = ends[index]
                out.append((starts[index], last))
                at = find(needle, last)
            return out
        found = set()
        for needle in needles:
            at = haystack.find(needle)
            while at >= 0:
                first, last = self.bounds(at)
                found.add((first, last))
                at = haystack.find(needle, last)
        return sorted(found)

    def bounds(self, index: int) -> tuple[int, int]:
        """(start, end) of the text holding ``index``."""
        if len(self.starts) == 1:
            return self.starts[0], self.ends[0]
        at = bisect_right(self.starts, index) - 1
        return self.starts[at], self.ends[at]

    def quoted(self, start: int, end: int, first: int = -1, last: int = -1) -> bool:
        """Whether [start, end) lies inside one quotation. Quotations never overlap (one
        finditer) nor run across a line, so only the last one opened before ``start`` can.
        ``first`` and ``last``: the text's bounds (:meth:`bounds`), when the caller has them."""
        if first < 0:
            first, last = self.bounds(start)
        if first not in self._quoted and not self._may_open_before(first, start, end):
            return False
        if first not in self._quoted:
            text = self.text if len(self.starts) == 1 else self.text[first:last]
            spans = [(s + first, e + first) for s, e in (m.span() for m in QUOTED.finditer(text))] \
                if _has_quote(text) else []
            self._quoted[first] = ([s for s, _e in spans], spans)
        opened, spans = self._quoted[first]
        at = bisect_right(opened, start) - 1
        return at >= 0 and end <= spans[at][1]

    def _may_open_before(self, first: int, start: int, end: int) -> bool:
        """Whether a quotation holding [start, end) could open before ``start``: QUOTED's matches
        are at most QUOTE_REACH characters long, so its opening mark lies in the window that ends
        at ``start`` and holds ``end`` within that reach. An apostrophe opens only after a
        non-word character (the pattern's look-behind) or at its text's start. False spares
        finding a message's quotations (a pattern run over the whole message) for an insult that
        none can hold: French apostrophes (l'atelier, qu'un) follow a letter."""
        low = end - QUOTE_REACH
        if low < first:
            low = first
        text = self.text
        window = text[low:start]
        if "«" in window or '"' in window or "“" in window or "„" in window:
            return True
        for mark in ("'", "‘"):
            at = window.find(mark)
            while at >= 0:
                before = low + at - 1
                if before < first or not (text[before].isalnum() or text[before] == "_"):  # re's \w
                    return True
                at = window.find(mark, at + 1)
        return False


SCAN_MANY_SEPARATOR = "\n\x00\n"  # a line break (no sentence, quotation or run of words crosses it) around a NUL


class Moderator:
    """Compiled rules: build once per run, then :meth:`scan` each text."""

    def __init__(self, config: dict):
        rules = config.get("rules") or {}
        self.severity = {name: (rules.get(name) or {}).get("severity", "error") for name in WORD_RULES}
        self.allow = {fold(word) for word in config.get("allow") or ()}
        self.allow_phrases = [fold(p) for p in config.get("allow_phrases") or () if fold(p)]
        self.phrases_by_word: dict[str, list] = {}  # a flag's first word -> the phrases that hold it
        for phrase in self.allow_phrases:
            for word in set(phrase.split()):
                self.phrases_by_word.setdefault(word, []).append(phrase)
        context = config.get("context") or {}
        self.context = {name: [fold(e) for e in context.get(name) or () if fold(e)] for name in CONTEXT_LISTS}
        keys: dict[str, list] = {}
        self.words: dict[str, tuple] = {}  # single-word entry -> (rule, lang): dotted, stretched, censored forms
        self.prefixes: list[tuple] = []

        def add(key, tag):
            keys.setdefault(key, []).append(tag)

        for name in WORD_RULES:
            if self.severity[name] == "off":
                continue
            for lang, entries in ((rules.get(name) or {}).get("words") or {}).items():
                for raw in entries or ():
                    raw = str(raw).strip()
                    entry = fold(raw.rstrip("*"))
                    if not entry:
                        continue
                    variants = {entry, entry.replace("oe", "o")}
                    for variant in variants:
                        if raw.endswith("*"):
                            add(" " + variant, ("word", name, lang, raw))
                            self.prefixes.append((variant, name, lang, raw))
                            continue
                        for form in (variant, variant + "s", variant + "x"):
                            add(f" {form} ", ("word", name, lang, raw))
                            if " " not in form:
                                self.words.setdefault(form, (name, lang, raw))
                                if len(form) >= 4:  # c.o.n.n.a.r.d folds to "c o n n a r d"
                                    add(" " + " ".join(form) + " ", ("spelled", name, lang, raw))
        for entry in self.context["groups"]:
            add(f" {entry} ", ("group", entry))
        for entry in self.context["solicitation"]:
            add(f" {entry} ", ("solicit", entry, "solicitation_cues"))
        for entry in self.context["solicitation_generic"]:
            add(f" {entry} ", ("solicit", entry, "solicitation_private"))
        for entry in self.context["school"]:
            add(f" {entry} ", ("school", entry))
        for cue in CUE_WORDS:  # where an entry of these cues may be (_Where.may_hold)
            for word in sorted(cue_key_words(self.context[cue]) or ()):
                add(f" {word} ", ("cue", cue))
        for entry in self.context["residence"]:
            if " " not in entry and entry not in ("adresse", "address", "domicile"):
                add(f" {entry} ", ("resident", entry))
        for street in STREETS:
            add(f" {street} ", ("street", street))
        for trigger in ("arobase", "arrobase", "dot"):
            add(f" {trigger} ", ("obfuscated", trigger))
        for letter in "abcdefghijklmnopqrstuvwxyz":  # connnnnard: a letter three times in a row
            keys.setdefault(letter * 3, []).append(("stretched", letter))
        for phrase in self.allow_phrases:  # a text holding none has no finding to let go
            add(phrase, ("phrase", phrase))
        self.automaton = _Automaton(keys)
        self.cue = _Cues(self.context)
        self.by_length: dict[tuple, list] = {}
        for word, tag in self.words.items():
            if tag[0] == "insult" or tag[0] == "discrimination":
                self.by_length.setdefault((word[0], len(word)), []).append(word)
        for stem, name, lang, entry in self.prefixes:  # f*ck, f**k spell the stem of fuck*
            if name != "porn" and " " not in stem:
                self.by_length.setdefault((stem[0], len(stem)), []).append(stem)
                self.words.setdefault(stem, (name, lang, entry))

        data = config.get("personal_data") or {}
        self.personal = data.get("severity", "error")
        self.review = data.get("review_severity", "warning")
        self.regions = [str(r).upper() for r in data.get("regions") or ("FR",)]
        shouting = config.get("shouting") or {}
        self.shout_letters = shouting.get("min_letters", 12)
        self.shout_severity = shouting.get("severity", "warning")
        self.bang_severity = (config.get("exclamation") or {}).get("severity", "warning")
        self.iframe_hosts = [str(h).lower() for h in config.get("iframe_hosts") or ()]

    def state(self) -> dict:
        """What ``__init__`` compiled, as plain data (for the cache)."""
        state = {name: getattr(self, name) for name in _COMPILED}
        state["keys"] = self.automaton.keys
        return state

    @classmethod
    def from_state(cls, state: dict) -> "Moderator":
        moderator = cls.__new__(cls)
        for name in _COMPILED:
            setattr(moderator, name, state[name])
        moderator.automaton = _Automaton(state["keys"])
        moderator.cue = _Cues(moderator.context)
        return moderator

    # -- the scan -------------------------------------------------------------------------------
    def scan_many(self, texts: list[str]) -> list[list[Finding]]:
        """``[self.scan(text) for text in texts]``, from one scan of the texts joined: a queue of
        short messages costs the scan's fixed part once, not once a message. Every rule that
        looks around a word stays inside its message (:class:`_Where`); tests compare."""
        out: list[list[Finding]] = [[] for _ in texts]
        for index, start, end, finding in self.scan_joined(texts):
            out[index].append(finding if start == finding.start else Finding(
                finding.code, start, end, finding.text, finding.severity, finding.rule, finding.why))
        return out

    def scan_joined(self, texts: list[str]):
        """(index of the text, start, end in it, finding) for :meth:`scan_many`; the finding's own
        offsets are in the joined text (a queue builds its flags without a second tuple)."""
        if len(texts) < 2:
            for index, text in enumerate(texts):
                for finding in self.scan(text):
                    yield index, finding.start, finding.end, finding
            return
        found, starts = self.scan_joined_findings(texts)
        ends = list(map(add, starts, map(len, texts)))
        index, following = 0, ends[0]
        for finding in found:
            if finding.start > following:  # findings come in text order
                index = bisect_right(starts, finding.start) - 1
                following = ends[index]
            base = starts[index]
            yield index, finding.start - base, finding.end - base, finding

    def scan_joined_findings(self, texts: list[str]) -> tuple[list[Finding], list[int]]:
        """(the findings of the texts joined, with offsets in the joined text; where each text
        starts in it): what :meth:`scan_joined` reads, for a caller that maps offsets in C."""
        # Each text's bounds in the joined text, summed in C (a queue has tens of thousands).
        starts = list(accumulate(map(len(SCAN_MANY_SEPARATOR).__add__, map(len, texts)), initial=0))
        starts.pop()
        ends = list(map(add, starts, map(len, texts)))
        return self.scan(SCAN_MANY_SEPARATOR.join(texts), (starts, ends)), starts

    def scan(self, text: str, _bounds=None) -> list[Finding]:
        raw = text.encode("ascii") if text.isascii() else _latin1(text)
        folded = raw.translate(NORMAL)
        plain = folded.decode("ascii")
        # What kinds of characters the original holds, in one C pass: most rules need
        # digits, capitals, "@", "*" or "!!!" and are skipped at once without them.
        classes = raw.translate(CLASSES)
        where = _Where(text, raw, classes, *(_bounds or ([0], [len(text)])))
        found: list[Finding] = []
        triggers: dict[str, list] = {}
        padded = b" " + folded + b" "  # every word, first and last included, between spaces
        for start, end, tags in self.automaton.hits(padded):
            # Back to offsets in ``plain``, without the spaces that bound a key (32).
            start, end = start - (padded[start] != 32), end - 1 - (padded[end - 1] == 32)
            for tag in tags:
                hits = triggers.get(tag[0])
                if hits is None:
                    triggers[tag[0]] = [(start, end, tag)]
                else:
                    hits.append((start, end, tag))
        for hits in triggers.values():  # the same order whichever matcher found them
            if len(hits) > 1:
                hits.sort()
        for start, _end, (_, cue) in triggers.get("cue", ()):
            where.cue_words.setdefault(cue, []).append(start)  # in text order: the hits are sorted
        where.everywhere = self.cue.everywhere
        if "word" in triggers:
            self._words(text, plain, triggers["word"], found, where)
        if "spelled" in triggers:
            self._words(text, plain, triggers["spelled"], found, where, "spelled-out", ", letters separated")
        if "stretched" in triggers:
            self._stretched(text, plain, triggers["stretched"], found, where)
        if b"*" in classes:
            self._censored(text, found)
        if "group" in triggers and self.severity["discrimination"] != "off":
            self._groups(text, plain, triggers["group"], found, where)
        links = (b":" in raw and b"://" in raw) or ("stretched" in triggers and self._www(raw, triggers))
        if self.severity["porn"] != "off" and ("solicit" in triggers or links):
            self._solicitation(text, plain, links, triggers.get("solicit", ()), found, where)
        if self.personal != "off" and (b"@" in classes or b"dd" in classes or not PERSONAL_TRIGGERS.isdisjoint(
                triggers)):
            self._personal(text, plain, classes, triggers, found, where)
        if self.shout_severity != "off" and b"UU" in classes:
            self._shouting(text, classes, found, where)
        if self.bang_severity != "off" and b"!" in raw and b"!!!" in raw:  # memchr first: "!" is rare
            # "!!!+" starts with a literal: found at C speed; the findings made by tuple.__new__ (a
            # Finding's own __new__ is Python), thousands in a queue.
            severity = self.bang_severity
            found += [_new_tuple(Finding, ("netiquette/exclamation", match.start(), match.end(), match.group(),
                                           severity, "exclamation", "three or more exclamation marks"))
                      for match in BANGS.finditer(text)]
        if not found:
            return found
        if "phrase" in triggers:
            found = [f for f in found if not self._allowed_phrase(plain, f)]
        if len(found) > 1:
            found.sort(key=_BY_START_THEN_CODE)
            found = _dedupe(found)
        return found

    @staticmethod
    def _www(raw: bytes, triggers: dict) -> bool:
        """Whether the text holds "www." or "WWW.", without reading 7 KiB twice: "www" folds
        to a run of three letters, which the automaton reports."""
        if any(tag[1] == "w" for _s, _e, tag in triggers["stretched"]):
            return b"www." in raw or b"WWW." in raw
        return False

    def _flag(self, found, rule_name, start, end, text, rule, why):
        found.append(_new_tuple(Finding, (_CODES[rule_name], start, end, text[start:end], self.severity[rule_name],
                                          rule, why)))

    def _words(self, text, plain, hits, found, where, rule="word-list", how=""):
        # Thousands of hits a queue: the flag is made here (what _flag does) and the rule's
        # explanation read from a table, with the attribute and global look-ups made once.
        allow, reported, append, severity = self.allow, self._reported, found.append, self.severity
        for start, end, (_, name, lang, entry) in hits:
            original = text[start:end]
            if not original.isalpha() and not any(c.isalpha() for c in original):  # "455" is a number, not "ass"
                continue
            if plain[start:end] in allow:
                continue
            if entry[-1:] == "*":
                if plain[start:end + 30].split(" ", 1)[0] in allow:
                    continue
                space = plain.find(" ", start)  # to the end of the word, without copying the rest of the text
                end = len(plain) if space < 0 else space
            if reported(text, plain, start, end, where):
                continue
            if name == "insult" and original[:1].isupper() and self._is_name(text, start, end):
                continue
            why = _WORD_WHY.get((name, lang, entry, how))
            if why is None:
                why = _WORD_WHY[name, lang, entry, how] = f"{name} list ({lang}): {entry!r}{how}"
            append(_new_tuple(Finding, (_CODES[name], start, end, text[start:end], severity[name], rule, why)))

    def _reported(self, text, plain, start, end, where) -> str:
        """Why a word is reported rather than said ("" if it is said)."""
        low, high = where.bounds(start)
        if where.quoted(start, end, low, high):
            return "quoted"
        first = start - 40 if start - 40 > low else low
        # Searched where the automaton saw a key word of the cue, or where the window's start cuts
        # a word whose tail may begin an entry (most windows cut a word; few tails are cue words).
        if (where.may_hold("report", first, start) or _cuts(plain, first) and self.cue.may_start_cut(
                "report", plain, first, start)) and self.cue["report"].search(plain[first:start]):
            return "reported"
        # Searched in place rather than in a copy: a sentence cut at its window's start does not
        # turn the tail of a cut word into a cue.
        # A sentence lies within 300 characters of the word (_sentence_start, _sentence_end).
        if where.may_hold("fiction", start - 300, end + 300):
            if self.cue["fiction"].search(plain, _sentence_start(text, start), _sentence_end(text, end)):
                return "fiction"
        elif high >= end + 300 and "fiction" not in where.everywhere:
            # No key word near: only a cue cut by the window's end (a sentence cut at 300
            # characters: its text goes on that far), which its key word would not show, can match.
            stop = _sentence_end(text, end)
            if _cuts(plain, stop) and self.cue["fiction"].search(plain, _sentence_start(text, start), stop):
                return "fiction"
        return ""

    @staticmethod
    def _is_name(text, start, end) -> bool:
        """A capitalised word inside a sentence is a name (les Enfoirés), not an insult."""
        word = text[start:end]
        if not (word[:1].isupper() and not word.isupper()):
            return False
        at = start  # the last character before the word but spaces, without copying the text before it
        while at and text[at - 1] in " \t":
            at -= 1
        return at > 0 and text[at - 1] not in ".!?\n:;«\"“(-—–*#>"

    def _stretched(self, text, plain, hits, found, where):
        """connnnnard, fuuuck: a word with a letter three times or more, read squeezed."""
        stop = -1
        for start, _, _ in hits:
            # Hits come in text order, and "aaaaa" holds one for each position: the word of a
            # hit before the last word's end is that word, read once (looking for its bounds
            # again at every hit read a run of a million letters a million times).
            if start < stop:
                continue
            begin = plain.rfind(" ", 0, start) + 1
            stop = plain.find(" ", start)
            stop = len(plain) if stop < 0 else stop
            word = plain[begin:stop]
            for squeezed in (RUNS.sub(r"\1\1", word), RUNS.sub(r"\1", word)):
                tag = self._lookup(squeezed)
                if tag:
                    self._words(text, plain, [(begin, stop, ("word",) + tag)], found, where, "stretched",
                                ", letters repeated")
                    break

    def _censored(self, text, found):
        """f*ck, f**k, b*tch: stars for letters, read against the insult and slur lists."""
        at = text.find("*")
        while at >= 0:
            begin = at
            while begin > 0 and text[begin - 1].isalpha():
                begin -= 1
            stop = at
            while stop < len(text) and (text[stop] in "*#" or text[stop].isalpha()):
                stop += 1
            token = text[begin:stop].lower()  # only the token: lowering a whole body is slow
            at = text.find("*", stop)
            head = token[:len(token) - len(token.lstrip("abcdefghijklmnopqrstuvwxyz"))]
            if not head or token.count("*") + token.count("#") > 4 or token == head:
                continue
            shape = re.compile("".join("[a-z]" if c in "*#" else re.escape(c) for c in token))
            for candidate in self.by_length.get((token[0], len(token)), ()):
                if shape.fullmatch(candidate):
                    name, lang, entry = self.words[candidate]
                    found.append(Finding(f"netiquette/{name}", begin, stop, text[begin:stop], self.severity[name],
                                         "censored", f"{name} list ({lang}): {entry!r}, letters hidden"))
                    break

    def _lookup(self, word):
        if word in self.allow:
            return None
        tag = self.words.get(word)
        if tag:
            return tag
        for prefix, name, lang, entry in self.prefixes:
            if word.startswith(prefix):
                return (name, lang, entry)
        return None

    def _groups(self, text, plain, hits, found, where):
        for start, end, (_, group) in hits:
            if self._reported(text, plain, start, end, where):
                continue
            s_start, s_end = _sentence_start(text, start), _sentence_end(text, end)
            why = None
            exclusion = self.cue["exclusion"].search(plain, max(s_start, start - 25), start)
            if exclusion and not plain[exclusion.end():start].strip():
                span, why = (exclusion.start(), end), f"exclusion {exclusion.group()!r} + group {group!r}"
            if why is None:
                weak = self.cue["exclusion_weak"].search(plain, max(s_start, start - 25), start)
                if weak and not plain[weak.end():start].strip() and self.cue["exclusion_place"].search(
                        plain, end, min(s_end, end + 30)):
                    span, why = (weak.start(), end), f"exclusion {weak.group()!r} + group {group!r} + place"
            if why is None:
                predicate = self.cue["dehumanizing"].search(plain, max(s_start, start - 60), min(s_end, end + 60))
                if predicate and not (predicate.start() < end and start < predicate.end()):
                    span = (min(start, predicate.start()), max(end, predicate.end()))
                    why = f"group {group!r} + dehumanizing {predicate.group()!r}"
            if why:
                self._flag(found, "discrimination", span[0], span[1], text, "group+predicate", why)

    def _solicitation(self, text, plain, links, hits, found, where):
        urls = [m for first, last in where.segments(where.raw, b"://", b"www.", b"WWW.")
                for m in URL.finditer(text, first, last)] if links else []
        url_starts = [m.start() for m in urls]
        for match in urls:
            host = match.group().split("//")[-1].split("/")[0].lower()
            words = [w for w in re.split(r"[.\-]", host) if w and w not in self.allow]
            if any(w in ADULT_HOST_WORDS or w.startswith(ADULT_HOST_STARTS) for w in words):
                self._flag(found, "porn", match.start(), match.end(), text, "adult-link",
                           f"link to an adult site ({host})")
        for start, end, (_, word, cues) in hits:
            first, last = where.bounds(start)
            window = (max(first, start - 120), min(last, end + 120))
            cue = self.cue[cues].search(plain, *window)
            at = bisect_left(url_starts, window[0])  # the first link starting in the window
            link = at < len(urls) and url_starts[at] <= window[1]
            if cue or link:
                because = f"cue {cue.group()!r}" if cue else "a link"
                self._flag(found, "porn", start, end, text, "solicitation",
                           f"solicitation word {word!r} + {because}")

    # -- personal data ------------------------------------------------------------------------------
    def _personal(self, text, plain, classes, triggers, found, where):
        if b"@" in classes:
            self._emails(text, found, where)
        if "obfuscated" in triggers:
            done = set()
            for start, _end, _tag in triggers["obfuscated"]:
                first, last = where.bounds(start)
                if first in done:
                    continue
                done.add(first)
                for match in OBFUSCATED_EMAIL.finditer(plain, first, last):
                    found.append(Finding("netiquette/personal-data", match.start(), match.end(),
                                         text[match.start():match.end()], self.personal, "obfuscated-email",
                                         "an e-mail address spelled out (at/arobase, dot/point)"))
        digits = classes.count(b"d")
        if digits >= 10 and b"UUdd" in classes:
            matches = [match for first, last in where.segments(classes, b"UUdd")
                       if classes.count(b"d", first, last) >= 10 for match in IBAN.finditer(text, first, last)]
            for match in matches:
                if iban_valid(match.group()):
                    found.append(Finding("netiquette/personal-data", match.start(), match.end(), match.group(),
                                         self.personal, "iban", "IBAN with a valid checksum (python-stdnum)"))
        candidates = self._number_candidates(text, classes) if digits >= 8 else ()
        if candidates:
            self._numbers(text, plain, classes, candidates, found, where)
        if "street" in triggers:
            for start, end, (_, street) in triggers["street"]:
                number = STREET_NUMBER.search(text, max(0, start - 12), start)
                if not number and street in ENGLISH_STREETS:
                    number = STREET_NUMBER_EN.search(text, max(0, start - 50), start)
                if not number:
                    continue
                s_start, s_end = _sentence_start(text, start), _sentence_end(text, end)
                cue = self.cue["residence"].search(plain, s_start, s_end)
                if cue:
                    stop = _clause_end(text, end)
                    found.append(Finding("netiquette/personal-data", number.start(), stop,
                                         text[number.start():stop], self.personal, "postal-address",
                                         f"a street address with {cue.group()!r}"))
        if "school" in triggers:
            done = set()
            for school in triggers["school"]:  # the first school of each message
                first, last = where.bounds(school[0])
                if first in done:
                    continue
                done.add(first)
                birth = BIRTH_DATE.search(text, first, last)
                if birth:
                    start, end = min(birth.start(), school[0]), max(birth.end(), school[1])
                    found.append(Finding("netiquette/personal-data", start, end, text[start:end], self.review,
                                         "child-identity", "a birth date and a school in one message (review)"))
        if "resident" in triggers:
            addressed = None
            for start, end, (_, verb) in triggers["resident"]:
                person = PERSON_BEFORE.search(text, max(0, start - 40), start)
                if not person or person.group().split()[0] in DETERMINERS or not PLACE_AFTER.match(text, end):
                    continue  # "Le Tour vit un grand moment": no person, no place
                if addressed is None:  # the messages that have a postal address
                    addressed = {where.bounds(f.start)[0] for f in found if f.rule == "postal-address"}
                if where.bounds(start)[0] not in addressed:
                    stop = _clause_end(text, end)
                    found.append(Finding("netiquette/personal-data", person.start(), stop,
                                         text[person.start():stop], self.review, "person-place",
                                         f"a named person and where they live ({verb!r}) (review)"))

    @staticmethod
    def _number_candidates(text, classes):
        """Spans of 8 digits or more written as one number, not inside a word (WTU123456789)."""
        out = []
        for match in NUMBER_RUN.finditer(classes):
            start, end = match.span()
            if classes.count(b"d", start, end) < 8 or (start and text[start - 1].isalnum()):
                continue
            if end < len(text) and text[end].isalnum():
                continue
            if start and text[start - 1] in "+(":
                start -= 1
            out.append((start, end))
        return out

    def _emails(self, text, found, where):
        from email_validator import EmailNotValidError, validate_email

        roles = set(self.context["role_mailboxes"])
        for match in (m for first, last in where.segments(where.classes, b"@") for m in _email_matches(text, first, last)):
            address = match.group()
            local = address.split("@", 1)[0].lower()
            if local in roles or re.split(r"[._+-]", local)[0] in roles:
                continue
            try:
                validate_email(address, check_deliverability=False)
            except EmailNotValidError:
                continue
            found.append(Finding("netiquette/personal-data", match.start(), match.end(), address, self.personal,
                                 "email", "an e-mail address of a person (email-validator; not a role mailbox)"))

    def _numbers(self, text, plain, classes, candidates, found, where):
        regions, count, phones = tuple(self.regions), classes.count, self._phones
        for start, end in candidates:
            raw = text[start:end]
            # A card has 13 to 19 digits, a NIR 15: most candidates are phone numbers, whose
            # digits are counted in C on the class view (ASCII digits, what str.isdigit keeps here).
            if not 13 <= count(b"d", start, end) <= 19:
                phones(text, plain, start, raw, found, where, regions)
                continue
            digits = "".join(filter(str.isdigit, raw))
            if 13 <= len(digits) <= 19 and digits[0] in "3456" and _luhn_valid(digits):
                found.append(Finding("netiquette/personal-data", start, end, raw, self.personal,
                                     "card-number", "a payment card number (Luhn check, python-stdnum)"))
                continue
            if len(digits) == 15 and _nir_valid(digits):
                found.append(Finding("netiquette/personal-data", start, end, raw, self.personal,
                                     "nir", "a French social security number with its key (python-stdnum)"))
                continue
            phones(text, plain, start, raw, found, where, regions)

    def _phones(self, text, plain, offset, raw_span, found, where, regions=None):
        numbers = _phone_numbers(raw_span, tuple(self.regions) if regions is None else regions)
        if not numbers:
            return
        # Where a public-number cue may be (_Where.may_hold), read once for the span's numbers.
        everywhere = "public_numbers" in where.everywhere
        cue_at = where.cue_words.get("public_numbers") or ()
        seen = set() if len(numbers) > 1 else None  # the first number of each span (most spans hold one)
        for start, end, raw, valid, region in numbers:
            start, end = offset + start, offset + end
            if seen is not None and (start, end) in seen:
                continue
            if everywhere or cue_at and where.may_hold("public_numbers", start - 50, start) or (
                    0 < start < len(plain) and plain[start - 1] != " " and plain[start] != " "):  # _cuts
                if self.cue["public_numbers"].search(plain, max(_sentence_start(text, start), start - 50), start):
                    continue  # "la mairie au 04 72 10 30 30": an organisation's number
            if seen is not None:
                seen.add((start, end))
            why = _PHONE_WHY.get((valid, region))
            if why is None:
                how = "valid" if valid else "possible"
                why = _PHONE_WHY[valid, region] = f"a {how} phone number for region {region} (phonenumbers)"
            found.append(_new_tuple(Finding, ("netiquette/personal-data", start, end, raw, self.personal, "phone",
                                              why)))

    # -- shouting ---------------------------------------------------------------------------------
    def _shouting(self, text, classes, found, where):
        minimum, severity, append = self.shout_letters, self.shout_severity, found.append
        finditer, count = SHOUT.finditer, classes.count
        for first, last in where.segments(classes, b"UU"):
            for match in finditer(text, first, last):
                span = match.group().rstrip(" ,;:?!.\t\n")
                start = match.start()
                end = start + len(span)
                letters = count(b"U", start, end)  # a run of capitals: its letters are capitals
                if letters < minimum:
                    continue
                words = len(span.split())
                if not (letters >= 20 and words >= 4 or letters >= 0.7 * self._line_letters(text, classes, start, end)):
                    continue
                why = _SHOUT_WHY.get((words, letters))
                if why is None:
                    why = _SHOUT_WHY[words, letters] = f"{words} words in capitals ({letters} letters)"
                append(_new_tuple(Finding, ("netiquette/shouting", start, end, span, severity, "shouting", why)))

    @staticmethod
    def _line_letters(text, classes, start, end) -> int:
        """The letters of the line holding [start, end): read only for a short run of capitals."""
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        return classes.count(b"U", line_start, line_end) + classes.count(b"l", line_start, line_end)

    def _allowed_phrase(self, plain, finding) -> bool:
        words = plain[finding.start:finding.end].split()
        for phrase in self.phrases_by_word.get(words[0] if words else "", ()):
            window_start = max(0, finding.start - len(phrase))
            at = plain.find(phrase, window_start, finding.end + len(phrase))
            while at >= 0:
                if at <= finding.start and finding.end <= at + len(phrase):
                    return True
                at = plain.find(phrase, at + 1, finding.end + len(phrase))
        return False


def _phone_numbers(span: str, regions: tuple) -> tuple:
    """(start, end, raw, valid, region) of the private numbers phonenumbers finds in ``span``.

    Not cached on the span: a cache keyed on what matched would make a queue that repeats one
    number (spam, or a benchmark built from a few phrases) look faster than one that does not.
    A number that is possible but not valid counts only written in full (+ or 0 and 10
    digits: 07700 900123, the UK's numbers for fiction, are not valid yet are numbers).
    Toll-free, shared-cost and premium numbers are public services. A later region's number
    on a span an earlier region found whole is left out: the caller keeps the first of a span.
    """
    phones = _PHONES[0] if _PHONES else _import_phones()
    # phonenumbers is imported only when gazette.phones hands a span back (its import is
    # ~12 ms, more than a queue's numbers cost): its metadata comes from gazette.phones' tables.
    tables = phones.current_tables(not _NO_CACHE)
    if tables is not _PHONE_TYPES.get("tables"):
        types = tables.types
        _PHONE_TYPES.update(tables=tables, unknown=types["UNKNOWN"], public=(
            types["TOLL_FREE"], types["PREMIUM_RATE"], types["SHARED_COST"], types["UAN"], types["VOICEMAIL"]))
    public, unknown, UNSURE = _PHONE_TYPES["public"], _PHONE_TYPES["unknown"], phones.UNSURE
    out = []
    plain = PLAIN_NUMBER.fullmatch(span) is not None
    whole = False  # whether a region before this one kept the whole span as a number
    for region in regions:
        # Where numbers are dialled with a trunk 0 (France, the UK…), people write it: a
        # number without it nor a +, like "732 829 320", is a reference, not a phone.
        trunk = _TRUNKS.get(region)
        if trunk is None:
            trunk = tables.trunk(region)
            if trunk is None:
                metadata = tables.phonenumbers().PhoneMetadata.metadata_for_region(region)
                trunk = "0" if metadata is not None and metadata.national_prefix == "0" else ""
            _TRUNKS[region] = trunk
        found = None  # (start, end, raw, number, its type or None to ask phonenumbers)
        if plain:
            # A plain span is read from phonenumbers' metadata (gazette.phones) unless that is
            # unsure; after a region that found the whole span only "possible?" matters.
            kind = phones.plain_number_type(span, region, not whole)
            if kind is not UNSURE and kind is not None:
                if whole:
                    continue  # the whole span again, and nothing else: the caller keeps the first number of a span
                # The loop below for this one whole-span number, written out: most numbers are these.
                if trunk and not span.startswith(("+", trunk)):
                    continue
                valid = kind != unknown
                if not valid and not (span[:1] in "+0" and sum(c.isdigit() for c in span) >= 10):
                    continue
                if valid and kind in public:
                    continue
                out.append((0, len(span), span, valid, region))
                whole = True
                continue
            if kind is UNSURE:
                number = _possible_whole(tables.phonenumbers(), span, region)
                if number is not None:
                    found = ((0, len(span), span, number, None),)
        elif whole:
            number = _possible_whole(tables.phonenumbers(), span, region)
            if number is not None:
                found = ((0, len(span), span, number, None),)
        if found is not None and whole:
            continue  # the whole span again, and nothing else: the caller keeps the first number of a span
        if found is None:
            phonenumbers = tables.phonenumbers()
            found = ((match.start, match.end, match.raw_string, match.number, None)
                     for match in phonenumbers.PhoneNumberMatcher(span, region, phonenumbers.Leniency.POSSIBLE))
        for start, end, raw, number, kind in found:
            if trunk and not raw.lstrip("(").startswith(("+", trunk)):
                continue
            # One lookup for both answers: is_valid_number is number_type(...) != UNKNOWN
            # (tests/test_moderate_speed.py compares them).
            if kind is None:
                kind = tables.phonenumbers().number_type(number)
            valid = kind != unknown
            if not valid and not (raw.lstrip("(")[:1] in "+0" and sum(c.isdigit() for c in raw) >= 10):
                continue
            if valid and kind in public:
                continue
            out.append((start, end, raw, valid, region))
            whole = whole or (start == 0 and end == len(span))
    return tuple(out)


_PHONES: list = []
_NO_CACHE: list = []  # not empty once a run asked for no cache (build_moderator)


def _import_phones():
    from . import phones

    _PHONES.append(phones)
    return phones


# Digits in groups split by one space, dot or hyphen, after an optional "+": how most numbers
# are written. On such a span PhoneNumberMatcher's checks that read no region all pass with the
# whole span as its first candidate (its pattern takes all of it; no slash, bracket, letter,
# date followed by a time, or page number), so see _possible_whole.
PLAIN_NUMBER = _Lazy(r"\+?[0-9]+(?:[ .-][0-9]+)*")


def _possible_whole(phonenumbers, span: str, region: str):
    """The number ``region``'s PhoneNumberMatcher finds as the whole ``span``, or None when it
    would look inside instead (then the matcher runs), given that the span's first candidate is
    the whole span and passed the matcher's checks that read no region: a plain number
    (PLAIN_NUMBER), or a span another region found whole. What the matcher then does is
    parse(candidate, region) and, at leniency POSSIBLE, is_possible_number; after the match it
    searches from the span's end: nothing. The matcher costs about 1.3x this, the parse included
    (tests/test_moderate_speed.py compares the answers on hundreds of spans)."""
    try:
        number = phonenumbers.parse(span, region, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


_WORD_WHY: dict = {}  # (rule, language, entry, how) -> a word flag's explanation, written once
_SHOUT_WHY: dict = {}  # (words, letters) -> a shouting flag's explanation, written once
_PHONE_TYPES: dict = {}  # the type numbers phonenumbers gives, read from gazette.phones' tables
_PHONE_WHY: dict = {}  # (valid, region) -> a phone flag's explanation, written once
_TRUNKS: dict = {}  # region -> its trunk prefix ("0" or ""), read from phonenumbers' metadata once


def _email_matches(text: str, first: int, last: int):
    """``EMAIL.finditer(text, first, last)``, run only over the runs of characters an address
    can hold (\\w . + - @) that contain an "@": no match leaves such a run, and EMAIL, which
    starts with a lookbehind, is otherwise tried at every position of a 7 KiB body."""
    at = text.find("@", first, last)
    while at >= 0:
        start = at
        while start > first and (text[start - 1].isalnum() or text[start - 1] in "_.+-"):
            start -= 1
        end = at + 1
        while end < last and (text[end].isalnum() or text[end] in "_.+-@"):
            end += 1
        yield from EMAIL.finditer(text, start, end)
        at = text.find("@", end, last)


def _luhn_valid(digits: str) -> bool:
    from stdnum import luhn  # imported when a long number is seen: most exports have none

    return luhn.is_valid(digits)


def _nir_valid(digits: str) -> bool:
    from stdnum.fr import nir

    return nir.is_valid(digits)


def _cuts(plain: str, at: int) -> bool:
    """Whether a window starting or ending at ``at`` cuts a word of the folded text in two: a cue
    matched there (a pattern reads a cut word as whole) does not show its key word whole."""
    return 0 < at < len(plain) and plain[at - 1] != " " and plain[at] != " "


def _has_quote(text: str) -> bool:
    return "«" in text or '"' in text or "“" in text or "„" in text or "'" in text or "‘" in text


def _sentence_start(text: str, index: int) -> int:
    """Where the sentence holding ``index`` starts, at most 300 characters back: with no end of
    sentence in that window, the window's start (never the text's: a cue 2,000 characters or
    another message earlier says nothing about this word; a joined queue's messages are
    separated by a line break, which ends a sentence)."""
    low = index - 300 if index > 300 else 0
    return max(text.rfind(".", low, index), text.rfind("!", low, index), text.rfind("?", low, index),
               text.rfind("\n", low, index), low - 1) + 1


def _sentence_end(text: str, index: int) -> int:
    match = SENTENCE_END.search(text, index, index + 300)
    return match.start() if match else min(len(text), index + 300)


def _clause_end(text: str, index: int) -> int:
    """An address or a place runs to the end of the clause (comma, full stop, line)."""
    match = re.compile(r"[.!?\n;]| (?:allez|passez|go|the|le pauvre)\b").search(text, index, index + 80)
    end = match.start() if match else min(len(text), index + 80)
    return len(text[:end].rstrip(" ,"))


def _dedupe(found):
    # Most queues have no two findings in a row that overlap: checked pairwise in C first.
    if not any(map(lt, map(itemgetter(1), islice(found, 1, None)), map(itemgetter(2), found))):
        return found
    out = []
    append, last_code, last_end = out.append, None, 0
    for finding in found:
        code, start, end = finding[0], finding[1], finding[2]
        if code == last_code and start < last_end:
            continue  # one flag for one span: a word and its spelled-out form
        append(finding)
        last_code, last_end = code, end
    return out


def load_config(root: Path | None = None) -> tuple[dict, list]:
    """Shipped settings and per-language lists, plus the community's calendar/moderation.yml:
    its lists and allow-lists are added, its severities and settings win. Returns (config, problems)."""
    from pathlib import Path

    import yaml

    from .problems import Problem

    config = _defaults(yaml)
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
                local, lines = yamlsafe.parse(text, max_bytes=FRAME_YAML_BYTES)
            except yamlsafe.YAMLProblem as error:
                problems.append(error.to_problem(MODERATION_FILE))
        if local is not None and not isinstance(local, dict):
            problems.append(Problem("yaml/not-mapping", MODERATION_FILE, 1, "is not a mapping of keys",
                                    "see docs/moderation.md"))
            local = None
        if local:
            problems.extend(_drop_misshapen(local, lines))
            config = merge(config, local)
    return config, problems


# Where calendar/moderation.yml holds lists of words: (path, example).
LIST_KEYS = ("allow", "allow_phrases", "iframe_hosts")
SEVERITIES = ("error", "warning", "off")


def _drop_misshapen(local: dict, lines) -> list:
    """schema/type problems for values of the wrong shape, removed from ``local`` so the
    engine only ever reads lists of words and known severities."""
    from .problems import Problem

    problems = []

    def bad(path, what):
        line = lines.get(tuple(path), 1) if hasattr(lines, "get") else 1
        problems.append(Problem("schema/type", MODERATION_FILE, line,
                                _("{key} must be {what}").format(key=".".join(map(str, path)), what=what),
                                "see docs/moderation.md", "error"))

    def words(container, key, path):
        value = container.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            bad(path, _("a list of words (quote yes, no, on, off)"))
            del container[key]

    for key in LIST_KEYS:
        words(local, key, [key])
    for key, kind in (("rules", dict), ("context", dict), ("personal_data", dict), ("shouting", dict),
                      ("exclamation", dict)):
        if key in local and not isinstance(local[key], kind):
            bad([key], _("a mapping"))
            del local[key]
    for name in list(local.get("context") or {}):
        words(local["context"], name, ["context", name])
    for name, rule in list((local.get("rules") or {}).items()):
        if not isinstance(rule, dict):
            bad(["rules", name], _("a mapping"))
            del local["rules"][name]
            continue
        if "severity" in rule and rule["severity"] not in SEVERITIES:
            bad(["rules", name, "severity"], "error, warning or off")
            del rule["severity"]
        if "words" in rule and not isinstance(rule["words"], dict):
            bad(["rules", name, "words"], _("a mapping of languages to lists of words"))
            del rule["words"]
        for lang in list(rule.get("words") or {}):
            words(rule["words"], lang, ["rules", name, "words", lang])
    for section in ("personal_data", "shouting", "exclamation"):
        settings = local.get(section) or {}
        for key in ("severity", "review_severity"):
            if key in settings and settings[key] not in SEVERITIES:
                bad([section, key], "error, warning or off")
                del settings[key]
    words(local.get("personal_data") or {}, "regions", ["personal_data", "regions"])
    shouting = local.get("shouting") or {}
    if "min_letters" in shouting and (not isinstance(shouting["min_letters"], int)
                                      or isinstance(shouting["min_letters"], bool)):
        bad(["shouting", "min_letters"], _("a whole number"))
        del shouting["min_letters"]
    return problems


def _defaults(yaml) -> dict:
    with open(DEFAULTS, encoding="utf-8") as handle:
        config = yaml.load(handle, Loader=yaml.CSafeLoader) or {}
    rules = config.setdefault("rules", {})
    context = config.setdefault("context", {})
    for lang in LANGUAGES:
        with open(_join(DATA, f"moderation.{lang}.yml"), encoding="utf-8") as handle:
            lists = yaml.load(handle, Loader=yaml.CSafeLoader) or {}
        for name in WORD_RULES:
            rule = rules.setdefault(name, {})
            rule.setdefault("words", {})[lang] = list(lists.get(name) or ())
        for name, entries in (lists.get("context") or {}).items():
            context[name] = list(context.get(name) or ()) + list(entries or ())
    return config


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
    """One compiled Moderator per run (kept in the frame's memo); from the compiled-lists cache
    unless the run asked for no cache (``frame.memo["use_cache"]``, set by ``gazette check``)."""
    if "moderator" not in frame.memo:
        frame.memo["moderator"] = build_moderator(root, frame.memo.get("use_cache", True))[0]
    return frame.memo["moderator"]


# -- the compiled lists, cached ------------------------------------------------------------------
# Reading the YAML lists and folding some 2,000 entries costs ~20 ms at every start, more than a
# one-file `gazette check --changed-since` should. The compiled state is kept in the cache folder
# (marshal: plain data, never code), keyed by the exact bytes of every list file, Gazette's
# version and its source files' stamps (the YAML reader decides what a community file says);
# a mismatch, or any trouble, only means compiling again.
CACHE_FORMAT = 6  # 2: the allowed phrases are keys of the automaton; 3 (withdrawn): so were the cue key words;
# 5: so are the longest words of the CUE_WORDS cues' entries, as whole words (3 was substrings); 6: phones.seal
CACHE_FILE = "moderator.marshal"
_COMPILED = ("severity", "allow", "allow_phrases", "phrases_by_word", "context", "words", "prefixes", "by_length",
             "personal", "review", "regions", "shout_letters", "shout_severity", "bang_severity", "iframe_hosts")


def build_moderator(root: Path | None, use_cache: bool = True) -> tuple[Moderator, list]:
    """(the Moderator for ``root``'s lists, the problems of calendar/moderation.yml)."""
    if not use_cache:
        _NO_CACHE[:] = [True]  # nor the phone regions' compiled metadata (gazette.phones)
    key = _cache_key(root) if use_cache else None
    if key is not None:
        state = _cached_state(root, key)
        if state is not None:
            try:
                if _state_shaped(state):
                    return Moderator.from_state(state), []
            except Exception:  # noqa: BLE001 - whatever the file holds, it only costs a compile
                pass
    config, problems = load_config(root)
    moderator = Moderator(config)
    if key is not None and not problems:  # a file with problems is read again, to report them
        _store_state(root, key, moderator.state())
    return moderator, problems


def _cache_key(root):
    """(format, version, module stamp, bytes of each list file), or None when the community
    file is not a plain file (a link, a folder): then load_config decides, every time."""
    import os

    from . import __version__

    try:
        code = sorted((entry.name, entry.stat().st_size, entry.stat().st_mtime_ns)
                      for entry in os.scandir(os.path.dirname(__file__)) if entry.name.endswith(".py"))
        sources = [_read_bytes(path) for path in (DEFAULTS, *(_join(DATA, f"moderation.{lang}.yml")
                                                              for lang in LANGUAGES))]
        local = b""
        if root is not None:
            import stat

            folder = os.path.join(root, os.path.dirname(MODERATION_FILE))
            path = os.path.join(root, MODERATION_FILE)
            if os.path.lexists(folder) and not stat.S_ISDIR(os.lstat(folder).st_mode):
                return None
            if os.path.lexists(path):
                if not stat.S_ISREG(os.lstat(path).st_mode):
                    return None
                with open(path, "rb") as handle:
                    local = handle.read(1024 * 1024 + 1)
                local = b"local:" + local
    except OSError:
        return None
    return (CACHE_FORMAT, __version__, tuple(code), *sources, local)


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _cache_path(root) -> Path:
    from pathlib import Path

    return Path(_cache_file_text(root))


def _cache_file_text(root, name: str = CACHE_FILE) -> str:
    """:func:`_cache_path` (``name`` in its folder) as text: reading a cache needs no pathlib."""
    import os

    if root is not None:
        from .cache import cache_dir

        return str(cache_dir(root) / name)
    base = os.environ.get("GAZETTE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "gazette")
    return os.path.join(base, name)


def _cached_state(root, key):
    from .sealed import read

    return read(_cache_file_text(root), key)


_TAG_SIZES = {"cue": 2, "word": 4, "spelled": 4, "solicit": 3, "group": 2, "school": 2, "resident": 2, "street": 2,
              "obfuscated": 2, "stretched": 2, "phrase": 2}


def _state_shaped(state) -> bool:
    """Whether a cached state has the shape ``Moderator.__init__`` gives it, down to each entry
    the scan indexes: a file that loads yet holds something else (damaged, written by another
    tool) must mean compiling again, never a crash in the middle of a scan. Read a container at
    a time (map, set comprehensions): ~0.8 ms CPU, against ~1.7 ms to load and rebuild the state.
    May raise on a misshapen value (an empty tag, a list as a key): the caller catches."""
    from itertools import chain

    def only(values, *kinds):
        return set(map(type, values)) <= set(kinds)

    def texts(value, kind=list):
        return type(value) is kind and only(value, str)

    def records(values, size):
        return only(values, tuple) and {len(v) for v in values} <= {size} and only(chain.from_iterable(values), str)

    if type(state) is not dict or set(state) != {*_COMPILED, "keys"}:
        return False
    severity, context, words, by_length, keys, prefixes, phrases = (state[name] for name in (
        "severity", "context", "words", "by_length", "keys", "prefixes", "phrases_by_word"))
    rules, severities = set(WORD_RULES), set(SEVERITIES)
    if not (type(severity) is dict and set(severity) == rules and set(severity.values()) <= severities
            and type(context) is dict and set(context) == set(CONTEXT_LISTS) and all(map(texts, context.values()))
            and type(words) is dict and type(by_length) is dict and type(keys) is dict
            and type(phrases) is dict and type(prefixes) is list and only(keys.values(), list)):
        return False
    tags = set(chain.from_iterable(keys.values()))
    return (texts(state["allow"], set) and texts(state["allow_phrases"])
            and only(phrases, str) and all(map(texts, phrases.values()))
            and only(words, str) and records(words.values(), 3) and {v[0] for v in words.values()} <= rules
            and records(prefixes, 4) and {p[1] for p in prefixes} <= rules
            and only(by_length, tuple) and {(type(k[0]), type(k[1]), len(k)) for k in by_length} <= {(str, int, 2)}
            and all(map(texts, by_length.values())) and set(chain.from_iterable(by_length.values())) <= words.keys()
            and {state[n] for n in ("personal", "review", "shout_severity", "bang_severity")} <= severities
            and texts(state["regions"]) and texts(state["iframe_hosts"]) and type(state["shout_letters"]) is int
            and only(keys, str) and "" not in keys and all(map(str.isascii, keys))
            and only(tags, tuple) and only(chain.from_iterable(tags), str)
            and {(t[0], len(t)) for t in tags} <= _TAG_SIZES.items()
            and {t[1] for t in tags if t[0] in ("word", "spelled")} <= rules
            and {t[2] for t in tags if t[0] == "solicit"} <= context.keys()
            and {t[1] for t in tags if t[0] == "cue"} <= set(CUE_WORDS))
def _store_state(root, key, state) -> None:
    from .sealed import write

    write(_cache_path(root), key, state)
