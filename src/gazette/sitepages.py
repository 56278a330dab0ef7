"""What the members' site shows beyond the bodies: the home, the cover images, the link
previews (Open Graph, Twitter card, JSON-LD) and the French words around them.

Every piece of HTML here comes from a Jinja2 template with autoescape (templates/sitepages/):
every field is text someone typed. JSON-LD is written with ``<``, ``>`` and ``&`` as
``\\u`` escapes, so no value can close its ``<script>`` element.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from urllib.parse import urlsplit

from markupsafe import Markup

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]
# Networks whose public profile URL follows from the handle.
PROFILE_URLS = {
    "mastodon": lambda user, host: f"https://{host}/@{user}" if host else None,
    "instagram": lambda user, host: f"https://www.instagram.com/{user}/",
}
NETWORK_NAMES = {"mastodon": "Mastodon", "instagram": "Instagram", "linkedin": "LinkedIn", "facebook": "Facebook",
                 "bluesky": "Bluesky", "youtube": "YouTube", "tiktok": "TikTok", "x": "X"}
HANDLE = re.compile(r"^@?([A-Za-z0-9_.]+)(?:@([A-Za-z0-9.-]+\.[A-Za-z]{2,}))?$")


def french_date(moment: datetime) -> str:
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def price(value) -> str:
    """``12,50 €``, ``89 €``: French grouping and decimal comma, no-break space before the sign."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return f"{value} €"
    whole = amount == amount.to_integral_value()
    text = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    return text.replace(",", "\u202f").replace(".", ",") + "\u00a0€"


def country_name(code, locale: str = "fr") -> str:
    """A country code (``FR``) as its name in the page's language (``France``); Babel's
    locale data, which MkDocs already installs; an unknown code is shown as written."""
    text = str(code)
    try:
        from babel import Locale

        return Locale.parse(locale).territories.get(text.upper(), text)
    except Exception:  # noqa: BLE001 - no Babel or an unknown locale: the code itself
        return text


def fold(text: str) -> str:
    """``text`` without accents and in lower case: "Éclairage" -> "eclairage"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


# Material's search matches what is typed as the start of an indexed word, unstemmed: the index
# must hold the plural and the usual conjugated forms themselves.
VERB_ENDINGS = ("aient", "ais", "ait", "ant", "ees", "ee", "ent", "ons", "er", "ez")
VERB_FORMS = ("er", "ez", "es", "ent", "ons", "ee", "ees", "ant", "ais", "ait", "aient")
VERB_FORMS_ACCENTED = ("er", "ez", "es", "ent", "ons", "ée", "ées", "és", "ant", "ais", "ait", "aient")
WORD = re.compile(r"\w{4,}")


@lru_cache(maxsize=1 << 16)  # the same words come back on every page
def word_forms(word: str) -> frozenset[str]:
    """The forms of ``word`` (lower case) a member may type: without accents, plural, and for
    what looks like a verb, its root with the usual endings ("réparer" -> "reparez", "répare"…)."""
    folded = fold(word)
    forms = {folded}
    if not folded.endswith(("s", "x", "z")):
        plural = "x" if folded.endswith(("au", "eu")) else "s"
        forms.update((folded + plural, word + plural))
    for ending in VERB_ENDINGS:
        if folded.endswith(ending) and len(folded) - len(ending) >= 3:
            root = folded[: -len(ending)]
            forms.update(root + form for form in VERB_FORMS)
            accented_root = word[: len(root)] if len(word) == len(folded) else ""
            if accented_root and accented_root != root:
                forms.update(accented_root + form for form in VERB_FORMS_ACCENTED)
            break
    return frozenset(forms)


TAG = re.compile(r"<[^>]*>")


def search_forms(text: str) -> list[str]:
    """Every form of the words in ``text`` (HTML) that ``text`` does not already spell."""
    plain = TAG.sub(" ", text).lower()
    # A word (\w) never holds a space: each distinct space-separated token is read once, and one
    # made of letters only is a word itself. Scanning the whole text was most of this function
    # (the search index of 3,000 posts holds 8 MB of text; tests/test_site_pages.py compares).
    written = set()
    for token in set(plain.split()):
        if len(token) < 4:
            continue
        if token.isalpha():
            written.add(token)
        else:
            written.update(WORD.findall(token))
    forms: set[str] = set()
    for word in written:
        forms |= word_forms(word)
    forms -= written
    return sorted(forms)


def is_web_url(url) -> bool:
    parts = urlsplit(str(url))
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@dataclass
class Settings:
    """``extra.gazette`` in mkdocs.yml: what the community configures for its site."""

    newsletter_signup: str = ""  # a page or a form's action URL
    newsletter_form: bool = False  # True: an e-mail field posting to newsletter_signup
    contact_email: str = ""
    contact_form: str = ""
    card_image: str = ""  # docs-relative, for link previews of items without an image
    legal: dict = field(default_factory=dict)

    @classmethod
    def from_extra(cls, extra) -> "Settings":
        spec = (extra or {}).get("gazette") or {}
        if not isinstance(spec, dict):
            return cls()
        signup = spec.get("newsletter_signup") or ""
        form = False
        if isinstance(signup, dict):
            form, signup = bool(signup.get("form")), signup.get("url") or ""
        contact = spec.get("contact") or {}
        if not isinstance(contact, dict):
            contact = {}
        legal = spec.get("legal") if isinstance(spec.get("legal"), dict) else {}
        return cls(newsletter_signup=str(signup) if is_web_url(signup) else "", newsletter_form=form,
                   contact_email=str(contact.get("email") or ""),
                   contact_form=str(contact.get("form") or "") if is_web_url(contact.get("form") or "") else "",
                   card_image=str(spec.get("card_image") or "").lstrip("/"), legal=legal)


def social_accounts(channels: dict) -> list[dict]:
    """The accounts of calendar/channels.yml members can follow, with a link when known."""
    accounts = []
    for spec in channels.values():
        network, handle = spec.get("network"), spec.get("account")
        if not handle or network in ("site", "newsletter", "webhook"):
            continue
        url = spec.get("profile") or ""
        if not url:
            match = HANDLE.match(str(handle).strip())
            make = PROFILE_URLS.get(network)
            url = (make(match.group(1), match.group(2)) if match and make else None) or ""
        accounts.append({"network": NETWORK_NAMES.get(network, str(network).capitalize()), "handle": str(handle),
                         "url": url if is_web_url(url) else ""})
    return accounts


_ENVIRONMENT = None


def template(name: str):
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        import jinja2

        # auto_reload off: the package's templates do not change during a build, and checking
        # their dates cost a stat on every page.
        _ENVIRONMENT = jinja2.Environment(loader=jinja2.PackageLoader("gazette", "templates/sitepages"), autoescape=True,
                                          trim_blocks=True, lstrip_blocks=True, auto_reload=False)
        _ENVIRONMENT.filters.update(french_date=french_date, price=price, country=country_name)
    return _ENVIRONMENT.get_template(name)


def render(name: str, **values) -> Markup:
    return Markup(template(name).render(**values))


def json_ld(data) -> Markup:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup('<script type="application/ld+json">') + Markup(text) + Markup("</script>")


def event_ld(event: dict) -> dict:
    data = {"@context": "https://schema.org", "@type": "Event", "name": str(event.get("name") or ""),
            "startDate": event["start"].isoformat()}
    if event.get("end"):
        data["endDate"] = event["end"].isoformat()
    if event.get("summary"):
        data["description"] = str(event["summary"])
    if event.get("place"):
        data["eventAttendanceMode"] = "https://schema.org/OfflineEventAttendanceMode"
        data["location"] = {"@type": "Place", "name": str(event["place"]), "address": str(event["place"])}
    elif event.get("url") and is_web_url(event["url"]):
        data["eventAttendanceMode"] = "https://schema.org/OnlineEventAttendanceMode"
        data["location"] = {"@type": "VirtualLocation", "url": str(event["url"])}
    return data
