"""Tracked links, added at delivery: UTM parameters on links to the community's own site.

The repository keeps clean links (``channel/tracking`` flags hand-written ones);
what goes out gets ``utm_source`` (the network), ``utm_medium`` (social, email or
referral), ``utm_campaign`` (the campaign, else the item's slug) and
``utm_content`` (the item's slug), plus GA4's ``utm_id`` and
``utm_source_platform`` when a channel or an action gives them. An item's
``action:`` adds that action's ``utm`` and its ``referral_code`` (as ``ref``); when
the action targets exactly one person, that person's ``utm`` and ``referral_code``
(``community/people/<key>.yml``) are the action's defaults: the content is addressed
to them. Several people: none of theirs (whose would it be?).
Links to other sites never change, and a link that already has UTM parameters
is left as written (never twice). One function per shape of text: a channel
text (:func:`track_text`) and e-mail HTML (:func:`track_html`); both decide
what is "the community's site" with :class:`gazette.siteurls.SiteConfig`.

Per channel in calendar/channels.yml: ``tracking: false`` turns it off, and
``utm: {…}`` gives that channel's own values.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote_plus, urlsplit, urlunsplit

from .lazypattern import lazy

# A URL stops at what Markdown or typography puts around it (quotes, backticks, emphasis,
# brackets, an ellipsis), never inside a link: a parameter inserted there breaks it.
URL = lazy(r"https?://[^\s<>\"`*\[\]“”‘’«»…]+", re.IGNORECASE)
TRAILING = ".,;:!?)'_~"  # punctuation that ends a sentence, not the URL
MEDIUM = {"newsletter": "email", "site": None, "webhook": "referral"}
ORDER = ("source", "medium", "campaign", "content", "id", "source_platform")


def parameters(item, channel: str, frame, root) -> dict[str, str]:
    """The parameters links of ``item`` get on ``channel``; empty when tracking is off.
    Later values win: the defaults, the addressed person's, the action's, the channel's."""
    config = frame.channels.get(channel) or {}
    network = config.get("network") or channel
    if config.get("tracking") is False or network == "site":
        return {}
    values = {"source": network, "medium": MEDIUM.get(network, "social"),
              "campaign": item.meta.get("campaign") or item.slug, "content": item.slug}
    action = frame.actions.get(item.meta.get("action") or "") or {}
    person = addressed_person(action, frame, root)
    values.update(person.get("utm") or {})
    values.update(action.get("utm") or {})
    values.update(config.get("utm") or {})
    out = {f"utm_{name}": str(values[name]) for name in ORDER if values.get(name)}
    code = action.get("referral_code") or person.get("referral_code")
    if code:
        out["ref"] = str(code)
    return out


def addressed_person(action: dict, frame, root) -> dict:
    """The registry entry of the one person ``action`` targets ({} for none, several, or a key
    without a file): whose ``utm`` and ``referral_code`` the action's links default to."""
    people = (action.get("targets") or {}).get("people") or []
    if len(people) != 1 or root is None:
        return {}
    from pathlib import Path

    from .community.registry import load_registry

    return load_registry(Path(root), frame).people.get(people[0]) or {}


def track_url(url: str, params: dict[str, str], site) -> str:
    """``url`` with ``params`` if it is a page of the community's site and carries no UTM yet."""
    if not params or not site.under_site(url):
        return url
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(name.lower().startswith("utm_") for name, _ in query):
        return url  # already tracked (by hand, or by an earlier pass): never twice
    extra = encoded(params)
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


# What quote_plus leaves as it is: most UTM names and values (slugs, networks) are only that.
_PLAIN = lazy(r"[A-Za-z0-9_.~-]*")


def encoded(params: dict[str, str]) -> str:
    """``urlencode(params)``, byte for byte, a fifth of the cost: the check expands and tracks
    every channel text of every item, and urlencode quoted each name and value by hand."""
    return "&".join(f"{_quoted(name)}={_quoted(value)}" for name, value in params.items())


def _quoted(text) -> str:
    text = str(text)
    return text if _PLAIN.fullmatch(text) else quote_plus(text)


def track_text(text: str, params: dict[str, str], site) -> str:
    """Every site URL in a plain text (a social post) tracked; punctuation after a URL stays."""
    if not params or "://" not in text:
        return text

    def replace(match):
        url = match.group()
        stripped = url[:_url_end(url)]
        return track_url(stripped, params, site) + url[len(stripped):]

    return URL.sub(replace, text)


def tracked_growth(text: str, params: dict[str, str], site) -> int | None:
    """How many characters :func:`track_text` adds to ``text``, without writing the tracked
    text: the length check asks it of every channel text of every item. None when a URL in the
    text is not plain ASCII: there only the tracked text tells how a network counts it
    (normalization, graphemes). An ASCII URL is followed by what no count joins to it, so what
    tracking adds counts one a character on every network that counts characters."""
    if not params or "://" not in text:
        return 0
    growth, extra = 0, None
    for match in URL.finditer(text):
        url = match.group()
        stripped = url[:_url_end(url)]
        if not stripped.isascii():
            return None
        if not site.under_site(stripped):
            continue
        if "?" in stripped or "#" in stripped:  # a query or a fragment: where it goes, track_url knows
            growth += len(track_url(stripped, params, site)) - len(stripped)
            continue
        if extra is None:
            extra = encoded(params)
        growth += 1 + len(extra)  # "?" and the parameters, at the end
    return growth


def _url_end(url: str) -> int:
    """Where the URL ends once the sentence's punctuation is taken off: like GitHub's
    autolinker, a closing parenthesis stays when it closes one opened inside the URL
    (``wiki/x_(y)``) and goes when it closes the sentence's (``(voir https://…)``)."""
    end = len(url)
    while end and url[end - 1] in TRAILING:
        if url[end - 1] == ")" and url.count("(", 0, end) >= url.count(")", 0, end):
            break
        end -= 1
    return end


def track_html(html: str, params: dict[str, str], site) -> str:
    """Every ``href`` of sanitized HTML (an e-mail) tracked; only attribute values inside start
    tags change, never text, never images' ``src`` (an image load is not a visit)."""
    if not params or "href" not in html:
        return html
    from .newsletter import rewrite_attributes

    return rewrite_attributes(html, ("href",), lambda url: track_url(url, params, site))


def delivered_text(root, frame, item, channel: str, text: str) -> str:
    """A channel text as it goes out: ``{url}``/``{site}`` expanded, site links tracked.
    Publish, the review's previews and the length check all read this one."""
    from .siteurls import site_config_of_run
    from .sitelinks import expand

    site = site_config_of_run(root, frame)
    text = expand(text, item, site) if "{" in text else text
    return track_text(text, parameters(item, channel, frame, root), site) if site.site_url else text
