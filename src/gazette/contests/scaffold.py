"""What ``gazette new contest`` fills in the règlement: dates and amounts written the way the
contest checks read them back (« le 22 octobre 2026 », « deux … de 89 euros »)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from ..i18n import _

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
WORDS = ("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix")


def fr_date(moment: datetime) -> str:
    return f"{'1er' if moment.day == 1 else moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def fr_time(moment: datetime) -> str:
    return "midi" if (moment.hour, moment.minute) == (12, 0) else f"{moment.hour} h {moment.minute:02d}"


def fr_number(n) -> str:
    return WORDS[n] if isinstance(n, int) and 0 <= n < len(WORDS) else str(n)


IDENTIFIED = re.compile(r"\bR\.?C\.?S\.?\b|\bSIRE[NT]\b|\bRNA\b|immatricul", re.IGNORECASE)
TO_COMPLETE = ("À compléter : forme juridique, adresse du siège, immatriculée au RCS de … sous le numéro … "
               "(une association : son numéro RNA)")


def identified(organizer: str) -> str:
    """The organiser as Article 1 names it: a name alone gets a marked placeholder for the rest of
    its identity, so the règlement states every mention (the placeholder is reported as one, not
    as a missing mention)."""
    organizer = str(organizer or "").strip()
    if not organizer:
        return "À compléter : raison sociale, " + TO_COMPLETE[len("À compléter : "):]
    return organizer if IDENTIFIED.search(organizer) else f"{organizer}, {TO_COMPLETE}"


FILTERS = {"fr_date": fr_date, "fr_time": fr_time, "fr_number": fr_number, "identified": identified}


def parse_prize(text: str) -> dict:
    """``"Révision complète:2:89"`` → name, quantity, value (euros)."""
    from ..scaffold import ScaffoldError

    name, _sep, rest = str(text).rpartition(":")
    name, _sep2, quantity = name.rpartition(":")
    try:
        prize = {"name": name.strip(), "quantity": int(quantity), "value": float(rest.replace(",", "."))}
    except ValueError:
        raise ScaffoldError(_("--prize {text!r}: write NAME:QUANTITY:VALUE, e.g. \"Révision complète:2:89\"").format(
            text=text)) from None
    if not prize["name"] or prize["quantity"] < 1 or prize["value"] < 0:
        raise ScaffoldError(_("--prize {text!r}: a name, at least one, a value in euros").format(text=text))
    prize["value"] = int(prize["value"]) if prize["value"].is_integer() else prize["value"]
    return prize


def contest_values(answers: dict, date: datetime, tz) -> dict:
    from ..clock import ClockError, parse_moment
    from ..scaffold import ScaffoldError

    def moment(key, default):
        if not answers.get(key):
            return default
        try:
            return parse_moment(answers[key], tz)
        except ClockError as error:
            raise ScaffoldError(f"--{key}: {error}") from None

    opens = moment("opens", date)
    closes = moment("closes", opens + timedelta(days=14))
    if closes <= opens:
        raise ScaffoldError(_("--closes must come after --opens"))
    draw = (closes + timedelta(days=2)).replace(hour=12, minute=0, second=0, microsecond=0)
    return {"opens": opens, "closes": closes, "draw": draw, "organizer": answers.get("organizer") or "",
            "prizes": [parse_prize(p) for p in answers.get("prizes") or ()]}
