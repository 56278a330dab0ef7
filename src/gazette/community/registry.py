"""The registry: ``community/places/<slug>.yml`` and ``community/people/<key>.yml``.

Files are read by the frame's loader (:func:`gazette.load.parse_yaml_file`) and
validated by the front-matter models' machinery, so problems carry lines and
"did you mean". Results are cached per file like items (a warm check of 5,000
people costs a stat each). Only public professional facts belong here: contact
history, agreements and consents go to the state database (:mod:`.relations`).
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from .. import model
from ..i18n import _
from ..model import Boolean, Choice, Field, Integer, ListOf, MapOf, Object, Text
from ..problems import Problem

PLACES_FOLDER = "community/places"
PEOPLE_FOLDER = "community/people"
STAGES = ("identified", "contacted", "interested", "engaged", "ambassador", "paused", "declined")
ACTIVE_STAGES = ("engaged", "ambassador")  # the relations that go stale when nobody tends them
PLACE_KINDS = ("forum", "blog", "group", "subreddit", "discord", "youtube", "podcast", "newsletter", "media",
               "event-series", "mastodon", "channel", "wiki", "other")
PERSON_KINDS = ("blogger", "influencer", "partner", "journalist", "vip", "expert", "other")
LEGAL_BASES = ("consent", "legitimate-interest", "contract", "public-figure")


class Day(model.Type):
    """A calendar day (when a reach or an audience was measured): 2026-10-01."""

    json = {"type": "string", "format": "date"}

    def check(self, value, key, ctx):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        ctx.report("schema/date-invalid", key, _("{key} {value!r:.40} is not a day").format(
            key=model.dotted(key), value=value), _("write e.g. 2026-10-01"))
        return None


class Relevance(Integer):
    def check(self, value, key, ctx):
        value = super().check(value, key, ctx)
        if value is not None and value > 3:
            ctx.report("schema/range", key, _("{key} must be 1, 2 or 3").format(key=model.dotted(key)),
                       _("1: peripheral, 2: useful, 3: shapes the brand"))
            return None
        return value


MEASURE = Object({"followers": Field(Integer(0), True, "followers, subscribers or members"),
                  "measured": Field(Day(), True, "the day it was counted")})

PLACE = Object({
    "name": Field(Text(nonempty=True), True),
    "kind": Field(Choice(PLACE_KINDS), True),
    "url": Field(Text(nonempty=True), True),
    "language": Field(Text(nonempty=True)),
    "topics": Field(ListOf(Text(nonempty=True))),
    "audience": Field(Object({"size": Field(Integer(0), True), "measured": Field(Day(), True)})),
    "relevance": Field(Relevance(1), doc="1 to 3"),
    "brand_rules": Field(Text(), doc="what the place allows brands to do"),
    "contacts": Field(ListOf(Text(nonempty=True)), doc="keys of community/people/"),
    "feeds": Field(ListOf(Text(nonempty=True)), doc="RSS/Atom URLs (read by listening)"),
    "last_activity": Field(Day()),
}, doc="an external community or medium")

PERSON = Object({
    "name": Field(Text(nonempty=True), True, "the name as publicly known"),
    "kind": Field(Choice(PERSON_KINDS)),
    "handles": Field(MapOf(Text(nonempty=True)), doc="public handles per network: {mastodon: '@alice@example.org'}"),
    "topics": Field(ListOf(Text(nonempty=True))),
    "reach": Field(MapOf(MEASURE), doc="per network: {followers, measured}"),
    "stage": Field(Choice(STAGES), doc=" → ".join(STAGES[:5]) + ", or paused, declined"),
    "owner": Field(Text(nonempty=True), doc="who follows the relation"),
    "opt_out": Field(Boolean(), doc="asked not to be contacted: no action may target them"),
    "legal_basis": Field(Choice(LEGAL_BASES)),
    "contact_ref": Field(Text(nonempty=True), doc="where to find contact details (a CRM id), never the details"),
    "utm": Field(model.UTM),
    "referral_code": Field(Text(nonempty=True)),
}, doc="a blogger, influencer, partner, journalist or VIP member: public professional facts only")

KINDS = {PLACES_FOLDER: ("place", PLACE), PEOPLE_FOLDER: ("person", PERSON)}


# -- handles ---------------------------------------------------------------------

# Where the user name sits in a profile URL, per network (others: the last path part).
PROFILE_PATH = {
    "linkedin": re.compile(r"^/(?:in|company)/([^/]+)"),
    "bluesky": re.compile(r"^/profile/([^/]+)"),
    "youtube": re.compile(r"^/(?:@|c/|user/)?([^/]+)"),
    "reddit": re.compile(r"^/(?:u|user)/([^/]+)"),
}


def normalize_handle(network: str, value: str) -> tuple[str, bool]:
    """(the handle as Gazette writes it, whether it was given as a URL).

    Mastodon handles keep their server (``@alice@example.org``): the same name on two
    servers is two people. Other networks: ``@name``."""
    value = value.strip()
    was_url = bool(re.match(r"^https?://", value, re.I))
    if was_url:
        parts = urlsplit(value)
        host, path = (parts.hostname or "").lower(), parts.path.rstrip("/")
        pattern = PROFILE_PATH.get(network)
        match = pattern.match(path) if pattern else None
        name = match.group(1) if match else path.rsplit("/", 1)[-1]
        name = name.lstrip("@")
        if network == "mastodon" and host:
            return f"@{name}@{host}", True
        return f"@{name}", True
    if network == "mastodon" and value.count("@") == 1 and not value.startswith("@"):
        return "@" + value, False
    return (value if value.startswith("@") else "@" + value), False


def handle_key(network: str, handle: str) -> tuple[str, str]:
    return network.lower(), handle.lower()


# -- reading ---------------------------------------------------------------------

class Registry:
    """People and places by key; each entry keeps ``_path`` and ``_lines``."""

    def __init__(self):
        self.people: dict[str, dict] = {}
        self.places: dict[str, dict] = {}
        self.problems: list[Problem] = []

    def paths(self) -> list[str]:
        return [e["_path"] for e in (*self.people.values(), *self.places.values())]


def registry_paths(root: Path) -> list[str]:
    """Every registry file (never follows links: a listed link is reported, not read)."""
    out = []
    for folder in KINDS:
        try:
            entries = list(os.scandir(os.path.join(root, folder)))
        except OSError:
            continue
        out += sorted(f"{folder}/{e.name}" for e in entries
                      if e.name.endswith((".yml", ".yaml")) and not e.name.startswith("."))
    return out


def parse_entry(relpath: str, text: str, moderator, tz=None):
    """(kind, key, data or None, problems) of one registry file: what is cached."""
    from ..load import SLUG, parse_yaml_file

    folder, name = relpath.rsplit("/", 1)
    kind, schema = KINDS[folder]
    key = name.rsplit(".", 1)[0]
    problems: list[Problem] = []
    if not SLUG.match(key):
        from ..slugs import slugify

        problems.append(Problem("file/not-slug", relpath, None,
                                _("file name {name!r} is not a slug (lowercase ASCII letters, digits, hyphens)")
                                .format(name=key), _("rename it to {slug}.yml").format(slug=slugify(key) or "a-name")))
    data = parse_yaml_file(relpath, text, schema, tz, problems)
    if data is None:
        return kind, key, None, problems
    lines = data["_lines"]
    handles = data.get("handles") or {}
    for network, handle in list(handles.items()):
        normal, was_url = normalize_handle(network, handle)
        if was_url:
            problems.append(Problem("relation/handle-url", relpath, lines.get(("handles", network)),
                                    _("handles.{network} is a URL; read as {handle}").format(
                                        network=network, handle=normal),
                                    _("write {network}: \"{handle}\"").format(network=network, handle=normal)))
        handles[network] = normal
    problems += personal_data(relpath, data, lines, moderator)
    return kind, key, data, problems


def personal_data(relpath: str, data: dict, lines: dict, moderator) -> list[Problem]:
    """The netiquette's e-mail, phone and IBAN detectors over every text of the file but
    the handles (``@alice@example.org`` is a public address on the fediverse)."""
    found = []

    def walk(value, key):
        if isinstance(value, str):
            for finding in moderator.scan(value):
                if finding.code == "netiquette/personal-data":
                    found.append(Problem("netiquette/personal-data", relpath, lines.get(key) or _line_of(lines, key),
                                         _("{key} holds {what!r}: no private contact details in the registry")
                                         .format(key=model.dotted(key), what=finding.text),
                                         _("git never forgets: keep them in a CRM and write contact_ref: instead"),
                                         finding.severity))
        elif isinstance(value, dict):
            for name, inner in value.items():
                if not (key == () and name in ("handles", "_lines")):
                    walk(inner, key + (name,))
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(inner, key + (index,))

    walk(data, ())
    return found


def _line_of(lines: dict, key: tuple):
    while key:
        if key in lines:
            return lines[key]
        key = key[:-1]
    return None


def load_registry(root: Path, frame, cache: bool = True) -> Registry:
    """Every place and person, with their problems (per-file results cached)."""
    from ..load import each_file, frame_digest, no_gc
    from ..netiquette import moderator_for

    if "registry" in frame.memo:
        return frame.memo["registry"]
    registry = Registry()
    paths = registry_paths(root)
    store = None
    if cache and paths:
        from ..cache import FileCache

        store = FileCache(root, "registry", frame_digest(root))
    compute = lambda relpath, text: parse_entry(relpath, text, moderator_for(frame, root),  # noqa: E731
                                                lambda: frame.timezone)
    with no_gc():
        for relpath, _text, (kind, key, data, problems) in each_file(root, paths, registry.problems, store, compute):
            registry.problems += problems
            if data is not None:
                data["_path"] = relpath
                (registry.people if kind == "person" else registry.places)[key] = data
    if store:
        store.save(prune=True)
    frame.memo["registry"] = registry
    return registry
