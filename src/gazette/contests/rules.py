"""``contest/*`` checks: the règlement's mentions, its agreement with the front matter, placeholders,
platform rules, the draw's commitment and the data's retention.

Driven by ``gazette/data/contest_rules.yml`` (mentions and patterns per language), which a
repository extends with ``calendar/contest_rules.yml`` (same shape: patterns are added to a
mention of the same name, new mentions are required too). One repo rule: a règlement may be
another file (``rules: PATH``) and some checks compare with the run's clock.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from ..i18n import _
from ..lazypattern import lazy
from ..load import KIND_FOLDERS, Item, Repo
from ..problems import Problem
from ..validate import rule

STRICT_STATUSES = ("review", "approved", "published")
MAX_RULES_BYTES = 1024 * 1024
SOCIAL = ("mastodon", "facebook", "instagram", "linkedin", "x", "twitter", "bluesky", "threads", "tiktok")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
EN_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
             "november", "december")
NUMBERS = {1: ("un", "une", "one"), 2: ("deux", "two"), 3: ("trois", "three"), 4: ("quatre", "four"),
           5: ("cinq", "five"), 6: ("six",), 7: ("sept", "seven"), 8: ("huit", "eight"), 9: ("neuf", "nine"),
           10: ("dix", "ten")}
COUNTRIES = {"FR": "france", "BE": "belgique", "CH": "suisse", "LU": "luxembourg", "CA": "canada",
             "MC": "monaco", "DE": "allemagne", "ES": "espagne", "IT": "italie"}
# A word of a person's name: letters, inner apostrophes and hyphens; never digits, "_", "@" or "."
# (those are handles and e-mails).
_NAME_WORD = r"[^\W\d_]+(?:['’-][^\W\d_]+)*"
NAME_WORD = lazy(_NAME_WORD)
# A displayed winner: a first name and an initial ("Léa M."), or the pseudonymous label the draw writes.
ANONYMIZED = lazy(rf"{_NAME_WORD}(?: [^\W\d_]\.)?|Participant·e [0-9a-f]{{6}}")


@lru_cache(maxsize=8)
def _data(extension: str) -> dict:
    import yaml

    with open(Path(__file__).parent.with_name("data") / "contest_rules.yml", encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=yaml.CSafeLoader)
    if extension:
        extra = yaml.load(extension, Loader=yaml.CSafeLoader) or {}
        for name, mention in (extra.get("mentions") or {}).items() if isinstance(extra, dict) else ():
            if not isinstance(mention, dict):
                continue
            known = data["mentions"].setdefault(name, {"label": mention.get("label") or {"fr": name, "en": name},
                                                       "example": mention.get("example"), "patterns": []})
            known["patterns"] = list(known.get("patterns") or ()) + [str(p) for p in mention.get("patterns") or ()]
        if isinstance(extra, dict):
            data["placeholders"] = list(data["placeholders"]) + [str(p) for p in extra.get("placeholders") or ()]
    return data


def _compiled(patterns) -> re.Pattern | None:
    valid = []
    for pattern in patterns:
        try:
            re.compile(pattern)
            valid.append(f"(?:{pattern})")
        except re.error:
            continue
    return re.compile("|".join(valid), re.IGNORECASE) if valid else None


def load_data(root: Path) -> dict:
    extension = ""
    path = Path(root) / "calendar" / "contest_rules.yml"
    if path.is_file() and not path.is_symlink() and path.stat().st_size < 65536:
        extension = path.read_text(encoding="utf-8", errors="replace")
    try:
        return _data(extension)
    except Exception:  # a broken extension is the repository's to fix: the bundled rules still run
        return _data("")


def folded(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("’", "'").split()).casefold()


def reglement(item: Item, repo: Repo) -> tuple[str | None, str, int, list[Problem]]:
    """(text, path, first line, problems) of the contest's règlement: its body, or the file named
    by ``rules:``, which must be a regular file inside the repository (no symbolic link)."""
    spec = item.meta.get("rules")
    if not spec or str(spec).strip().lower() == "inline":
        return item.body, item.path, item.body_line, []
    line = item.line_of("rules")
    target = str(spec).strip()
    root = Path(repo.root).resolve()
    example = _("name a page of the site under content/, e.g. rules: ../../reglements/{slug}.md "
                "(content/reglements/{slug}.md with a title:)").format(slug=item.slug)
    unsafe = Problem("security/contest-rules-path", item.path, line,
                     _("rules: {target!r} leaves content/, goes into a hidden or state folder, or through a symbolic "
                       "link").format(target=target), example)
    if target.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", target) or "\x00" in target:
        return None, item.path, line, [unsafe]
    relative = os.path.normpath(os.path.join(os.path.dirname(item.path), target))
    parts = Path(relative).parts
    # Only content/ is published; .gazette/ (seeds, entries), .git/ and the state folder never are.
    if relative.startswith("..") or os.path.isabs(relative) or parts[0] != "content" \
            or any(part.startswith(".") for part in parts) or _in_state_folder(repo.root, root / relative):
        return None, item.path, line, [unsafe]
    current = root
    for part in Path(relative).parts:
        current = current / part
        if current.is_symlink():
            return None, item.path, line, [unsafe]
    if len(parts) < 3 or parts[1] in KIND_FOLDERS or not relative.endswith(".md"):
        # A file beside the contest would be read as an item (yaml/no-front-matter) and never published.
        return None, item.path, line, [Problem("contest/rules-place", item.path, line,
                                               _("rules: {target!r} is not a page of the site").format(target=target),
                                               example)]
    if not current.is_file():
        return None, item.path, line, [Problem("contest/rules-missing", item.path, line,
                                               _("rules: {target!r} is not a file").format(target=target),
                                               _("write the règlement there, or rules: inline in the body"))]
    data = current.read_bytes()[:MAX_RULES_BYTES]
    return data.decode("utf-8", errors="replace"), Path(relative).as_posix(), 1, []


def _in_state_folder(root, path: Path) -> bool:
    from ..publish import state_dir

    state = Path(state_dir(root)).resolve()
    return path == state or state in path.parents


def _line_at(text: str, position: int, first: int) -> int:
    return first + text.count("\n", 0, position)


def _severity(item: Item) -> str:
    return "error" if item.status in STRICT_STATUSES else "warning"


def french_date(moment) -> str:
    day = "1er" if moment.day == 1 else str(moment.day)
    return f"{day} {MONTHS[moment.month - 1]} {moment.year}"


def _date_written(text: str, moment) -> bool:
    forms = (french_date(moment), f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}",
             f"{moment.day} {EN_MONTHS[moment.month - 1]} {moment.year}",
             f"{EN_MONTHS[moment.month - 1]} {moment.day}, {moment.year}",
             f"{moment:%d/%m/%Y}", f"{moment:%Y-%m-%d}")
    return any(form.casefold() in text for form in forms)


def _paragraphs(text: str) -> list[str]:
    return [folded(p) for p in re.split(r"\n\s*\n|\n(?=\s*[-*+] )", text)]


def agreement(item: Item, text: str, path: str, first: int) -> list[Problem]:
    """The règlement says what the front matter says: dates, prizes (count and value), age, countries."""
    meta, flat = item.meta, folded(text)
    problems = []

    def mismatch(key, message, hint):
        problems.append(Problem("contest/mismatch", item.path, item.line_of(key), message, hint,
                                severity=_severity(item)))

    for key in ("opens", "closes", "draw"):
        moment = meta.get(key)
        if moment is not None and not _date_written(flat, moment):
            mismatch(key, _("{key}: {date} is not in the règlement ({path})").format(
                key=key, date=french_date(moment), path=path),
                _("write « le {date} » in the règlement, or fix {key}:").format(date=french_date(moment), key=key))
    paragraphs = _paragraphs(text)
    for index, prize in enumerate(meta.get("prizes") or ()):
        value = prize.get("value")
        if value is None or value == 0:  # a 0 € prize is a placeholder, reported as one
            continue
        shown = f"{value:g}" if isinstance(value, (int, float)) else str(value)
        amount = re.compile(rf"(?<![\d,.]){re.escape(shown)}(?:[,.]00)?\s*(?:€|euros?\b|eur\b)", re.I)
        holding = [p for p in paragraphs if amount.search(p)]
        if not holding:
            mismatch("prizes", _("prize {name!r}: its value {value} € is not in the règlement").format(
                name=prize.get("name"), value=shown), _("write the value in euros beside the prize"))
            continue
        quantity = int(prize.get("quantity") or 0)
        words = (str(quantity),) + NUMBERS.get(quantity, ())
        if not any(re.search(rf"\b{re.escape(w)}\b", p) for p in holding for w in words):
            mismatch("prizes", _("prize {name!r}: the règlement does not say {n} beside its value").format(
                name=prize.get("name"), n=quantity), _("write how many, e.g. « {word} … d'une valeur de {value} € »").format(
                word=(NUMBERS.get(quantity) or (str(quantity),))[0], value=shown))
    eligibility = meta.get("eligibility") or {}
    age = eligibility.get("min_age")
    if age is not None:
        forms = [rf"\b{age} ans\b", rf"\b{age} years\b"] + (["majeur", "adult", "over 18"] if age == 18 else [])
        if not any(re.search(form, flat) for form in forms):
            mismatch("eligibility", _("min_age {age} is not in the règlement").format(age=age),
                     _("write « {age} ans » (or « majeure » for 18)").format(age=age))
    for code in eligibility.get("countries") or ():
        name = COUNTRIES.get(str(code).upper())
        if name and name not in flat and not re.search(rf"\b{re.escape(str(code))}\b", text):
            mismatch("eligibility", _("country {code} ({name}) is not in the règlement").format(code=code, name=name),
                     _("name the countries where participants must live"))
    return problems


def _networks(item: Item, repo: Repo) -> dict[str, str]:
    channels = repo.frame.channels or {}
    return {name: str((channels.get(name) or {}).get("network") or name).lower()
            for name in item.meta.get("channels") or ()}


TIMING_KEYS = ("opens", "closes", "draw", "commitment", "draw_proof", "winners", "retention", "purged", "entries",
               "status")


@rule("contest", scope="repo")
def contest_reglement(repo: Repo, only):
    """check keeps no items, only their cached problems: the contests are read here through
    their own per-file cache (what the règlement says changes only with the file; what the
    clock says is judged on every run from the few keys kept)."""
    from ..load import each_file, frame_digest, load_item

    loaded = [item for item in repo.items if item.kind == "contest"]
    if loaded:  # a caller that kept its items (review, tests)
        for item in loaded:
            if only is None or item.path in only:
                yield from check_contest(item, repo)
        return
    paths = [p for p in repo.item_paths if p.startswith("content/contests/") and (only is None or p in only)]
    if not paths:
        return
    store = None
    if only is None:
        import hashlib

        from ..cache import FileCache

        extension = Path(repo.root) / "calendar" / "contest_rules.yml"
        salt = hashlib.sha256(extension.read_bytes()).hexdigest() if extension.is_file() else ""
        store = FileCache(repo.root, "contests", frame_digest(repo.root) + salt)

    def compute(path: str, text: str):
        item = load_item(path, text, lambda: repo.frame.timezone)[0]
        if item is None or item.kind != "contest":
            return ()
        spec = str(item.meta.get("rules") or "inline").strip().lower()
        if spec != "inline":
            return None  # the règlement is another file: judged afresh on every run
        kept = Item(item.kind, item.path, item.slug, {k: item.meta[k] for k in TIMING_KEYS if k in item.meta},
                    "", item.body_line, {k: v for k, v in item.lines.items() if k and k[0] in TIMING_KEYS})
        return (list(check_contest(item, repo, clock=False)), kept)

    for path, text, result in each_file(repo.root, paths, [], store, compute, need_text=False):
        if result is None:  # rules: PATH, never cached
            from ..load import read_text

            text = text if text is not None else read_text(repo.root, path)[0]
            item = load_item(path, text, lambda: repo.frame.timezone)[0] if text is not None else None
            if item is not None:
                yield from check_contest(item, repo)
            continue
        if result:
            static, kept = result
            yield from static
            yield from timing(kept, repo.now)
    if store is not None:
        store.save()


def check_contest(item: Item, repo: Repo, clock: bool = True):
    data = load_data(repo.root)
    meta = item.meta
    text, path, first, problems = reglement(item, repo)
    yield from problems
    severity = _severity(item)
    networks = _networks(item, repo)
    social = any(n in SOCIAL for n in networks.values())
    channel_text = folded(" ".join(str((spec or {}).get("text") or "") for spec in (meta.get("channels") or {}).values()))
    if text is not None:
        flat = folded(text)
        age = (meta.get("eligibility") or {}).get("min_age")
        at = item.line_of("rules") if path == item.path and meta.get("rules") else first
        missing, applicable = [], 0
        for name, mention in data["mentions"].items():
            when = mention.get("when")
            if when == "social" and not social or when == "minors" and age is not None and age >= 15:
                continue
            applicable += 1
            pattern = _compiled(mention.get("patterns") or ())
            if pattern is not None and not pattern.search(flat):
                example = mention.get("example")
                missing.append(((mention.get("label") or {}).get("fr") or name,
                                example.get("fr") if isinstance(example, dict) else example))
        if len(missing) * 2 > applicable:  # no règlement to speak of: one problem, not seventeen
            yield Problem("contest/mention-missing", path, at,
                          _("no règlement found: {n} of the {total} expected mentions are missing ({labels})").format(
                              n=len(missing), total=applicable, labels="; ".join(label for label, _example in missing)),
                          _("write the règlement in the body under « ## Règlement du jeu » or name its file with "
                            "rules: (gazette new contest writes a complete one)"), severity=severity)
        else:
            for label, example in missing:
                # What to write, not where to start again: the scaffold's own règlement may lack it too.
                hint = (_("write it in the règlement, for example: « {example} »").format(example=example) if example
                        else _("add a sentence that states {label} to the règlement").format(label=label))
                yield Problem("contest/mention-missing", path, at,
                              _("the règlement does not state {label}").format(label=label), hint, severity=severity)
        placeholder = _compiled(data.get("placeholders") or ())
        for match in placeholder.finditer(text) if placeholder else ():
            yield Problem("contest/placeholder", path, _line_at(text, match.start(), first),
                          _("placeholder left from the template: {text!r}").format(text=match.group(0)),
                          _("write the real value"), severity=severity)
        if len(missing) * 2 <= applicable:
            yield from agreement(item, text, path, first)
    for index, prize in enumerate(meta.get("prizes") or ()):
        if prize.get("value") == 0:
            yield Problem("contest/placeholder", item.path, item.line_of("prizes", index),
                          _("prize {name!r} is worth 0 €").format(name=prize.get("name")),
                          _("give the prize's value in euros"), severity=severity)
    statements = folded(text or "") + " " + channel_text
    for channel, network in networks.items():
        spec = (data.get("platforms") or {}).get(network) or {}
        for required in spec.get("required") or ():
            pattern = _compiled(required.get("patterns") or ())
            if pattern is not None and not pattern.search(statements):
                yield Problem("contest/platform-statement", item.path, item.line_of("channels", channel),
                              _("{network} requires {what} in the contest's text or règlement").format(
                                  network=network.capitalize(), what=required.get("fr")),
                              _("add it to the règlement's article on platforms"))
        mechanics = folded(str(meta.get("mechanism") or "")) + " " + channel_text
        for forbidden in spec.get("forbidden") or ():
            pattern = _compiled(forbidden.get("patterns") or ())
            if pattern is not None and pattern.search(mechanics):
                yield Problem("contest/platform-mechanic", item.path, item.line_of("channels", channel),
                              _("{network} forbids {what}").format(network=network.capitalize(), what=forbidden.get("fr")),
                              _("ask for a comment or a reply instead"))
        if network == "linkedin":
            yield Problem("contest/platform-linkedin", item.path, item.line_of("channels", channel),
                          _("LinkedIn's advertising and professional community policies are read as forbidding "
                            "contests on LinkedIn"), _("announce the contest elsewhere, or check with LinkedIn"))
    mechanism = folded(str(meta.get("mechanism") or ""))
    paid, free = _compiled(data.get("paid") or ()), _compiled(data.get("free_of_charge") or ())
    if paid and paid.search(free.sub(" ", mechanism) if free else mechanism):
        yield Problem("contest/paid", item.path, item.line_of("mechanism"),
                      _("the mechanism mentions a purchase or a payment: a game of chance with a financial "
                        "sacrifice is a banned lottery in France"), _("have a lawyer review it, or make it free"))
    for index, name in enumerate(meta.get("winners") or ()):
        if not ANONYMIZED.fullmatch(str(name).strip()):
            yield Problem("contest/winner-personal", item.path, item.line_of("winners", index),
                          _("winner {name!r} is not anonymized (a full surname or a handle is personal data on "
                            "a public page)").format(name=name), _("write a first name and an initial: « Léa M. »"))
    if str(meta.get("beacon") or "").strip().lower() == "none":
        yield Problem("contest/beacon-none", item.path, item.line_of("beacon"),
                      _("beacon: none: without public randomness the organiser, who knows the seed, could bias the draw"),
                      _("name a drand round that follows the closing time"))
    if clock:
        yield from timing(item, repo.now)


def timing(item: Item, now) -> list[Problem]:
    """What the clock says: a commitment due before opening, an overdue draw or announcement,
    entries kept past the retention period."""
    from .history import late_freeze

    meta, problems = item.meta, []
    late = late_freeze(meta)
    if late:
        problems.append(Problem("contest/late-freeze", item.path, item.line_of("entries"), late,
                                _("announce a new draw date and a beacon round after a new closing, or explain on "
                                  "the contest page why the list was frozen late")))
    if now is None:
        return problems
    opens, closes, draw = meta.get("opens"), meta.get("closes"), meta.get("draw")
    if item.status in STRICT_STATUSES and opens and closes and now < closes and not meta.get("commitment"):
        problems.append(Problem("contest/commitment-missing", item.path, item.line_of("opens"),
                                _("no commitment to the draw's seed: participants cannot check the draw afterwards"),
                                _("run gazette contest commit {slug} --beacon … before opening").format(slug=item.slug)))
    proof = meta.get("draw_proof")
    if meta.get("commitment") and draw and now > draw and not proof:
        problems.append(Problem("contest/overdue", item.path, item.line_of("draw"),
                                _("the draw date has passed and there is no draw"),
                                _("gazette contest close {slug}, then gazette contest draw {slug} --beacon …").format(
                                    slug=item.slug)))
    if proof and proof.get("at") and now > proof["at"] + timedelta(days=7) and not meta.get("winners"):
        problems.append(Problem("contest/overdue", item.path, item.line_of("draw_proof"),
                                _("winners not announced a week after the draw"),
                                _("write winners: (gazette contest draw does) and announce them")))
    retention = meta.get("retention")
    if retention and closes and now > closes + timedelta(days=int(retention)) and not meta.get("purged") \
            and meta.get("entries"):
        problems.append(Problem("contest/retention", item.path, item.line_of("retention"),
                                _("the entries are kept past the {days} days the règlement states").format(days=retention),
                                _("gazette contest purge {slug}").format(slug=item.slug)))
    return problems
