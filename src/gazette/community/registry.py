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


# -- reading ---------------------------------------------------------------------

class Registry:
    """People and places by key; each entry keeps ``_path`` and ``_lines``."""

    def __init__(self):
        self.people: dict[str, dict] = {}
        self.places: dict[str, dict] = {}
        self.problems: list[Problem] = []

    def paths(self) -> list[str]:
        return [e["_path"] for e in (*self.people.values(), *self.places.values())]


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
    problems += personal_data(relpath, data, lines, moderator, text)
    problems += feed_problems(relpath, data.get("feeds") or (), lines)
    return kind, key, data, problems


def feed_problems(relpath: str, feeds, lines: dict) -> list[Problem]:
    """A place's feeds as calendar/listening.yml's are judged: ``gazette watch`` reads both
    lists, so an address it would refuse at fetch time is reported here, on its line."""
    from ..netsafe import literal_internal

    found = []
    for index, url in enumerate(feeds):
        line = lines.get(("feeds", index))
        if not isinstance(url, str) or not re.match(r"^https?://[^/\s]+", url.strip()):
            found.append(Problem("listening/feed-url", relpath, line,
                                 _("feed {value!r:.80} is not an http(s) URL").format(value=url),
                                 _("write - https://example.org/feed.xml")))
        elif (address := literal_internal(url.strip())) is not None:
            found.append(Problem("listening/feed-address", relpath, line,
                                 _("{url!r:.80} names an internal address ({address}): never fetched").format(
                                     url=url, address=address),
                                 _("list a public https:// address; this machine and private networks are never asked")))
    return found


# Networks whose handles are written @name@server: that shape is a public address there.
FEDIVERSE = {"mastodon", "pixelfed", "peertube", "lemmy", "misskey", "fediverse"}
FEDIVERSE_HANDLE = re.compile(r"^@[\w.-]+@[a-z0-9.-]+\.[a-z]{2,}$", re.I)
# Mail providers no fediverse server is named after: "@eve@gmail.com" is an e-mail address.
MAIL_DOMAINS = {"gmail.com", "googlemail.com", "hotmail.com", "hotmail.fr", "outlook.com", "outlook.fr", "live.fr",
                "live.com", "yahoo.com", "yahoo.fr", "icloud.com", "me.com", "orange.fr", "wanadoo.fr", "free.fr",
                "sfr.fr", "laposte.net", "gmx.fr", "gmx.com", "proton.me", "protonmail.com", "aol.com"}
# A YAML comment: "#" at the start of a line or after a blank.
COMMENT = re.compile(r"(?:^|[ \t])#([^\n]*)", re.M)


def public_handle(network: str, handle: str) -> bool:
    """Whether ``handle`` (normalized) has the shape of a public handle on ``network``: on the
    fediverse ``@name@server``, elsewhere ``@name`` (no second "@", no blank)."""
    if str(network).lower() in FEDIVERSE:
        return bool(FEDIVERSE_HANDLE.match(handle)) and handle.rsplit("@", 1)[1].lower() not in MAIL_DOMAINS
    return bool(re.match(r"^@[\w.-]+$", handle))


def personal_data(relpath: str, data: dict, lines: dict, moderator, text: str = "") -> list[Problem]:
    """The netiquette's e-mail, phone and IBAN detectors over every text of the file, its
    comments too (git keeps them as well), but public handles (``@alice@example.org`` is a
    public address on the fediverse; an e-mail or a phone under ``handles:`` is not). One scan
    of all the texts together; each text alone only when that finds something (for its line)."""
    texts: list[tuple[tuple, str]] = []

    def walk(value, key):
        if isinstance(value, str):
            texts.append((key, value))
        elif isinstance(value, dict):
            for name, inner in value.items():
                if not (key == () and name in ("handles", "_lines")):
                    walk(inner, key + (name,))
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(inner, key + (index,))

    walk(data, ())
    for network, handle in (data.get("handles") or {}).items():
        if isinstance(handle, str) and not public_handle(network, handle):
            texts.append((("handles", network), handle))
    comments = [(text.count("\n", 0, match.start()) + 1, match.group(1))
                for match in COMMENT.finditer(text)] if "#" in text else []
    code = "netiquette/personal-data"
    everything = "\n".join([*(value for _key, value in texts), *(comment for _line, comment in comments)])
    if not any(f.code == code for f in moderator.scan(everything)):
        return []
    found = [Problem(code, relpath, lines.get(key) or _line_of(lines, key),
                     _("{key} holds {what!r}: no private contact details in the registry")
                     .format(key=model.dotted(key), what=finding.text),
                     _("git never forgets: keep them in a CRM and write contact_ref: instead"), finding.severity)
             for key, value in texts for finding in moderator.scan(value) if finding.code == code]
    found += [Problem(code, relpath, line, _("a comment holds {what!r}: no private contact details in the registry")
                      .format(what=finding.text),
                      _("git never forgets: keep them in a CRM and write contact_ref: instead"), finding.severity)
              for line, comment in comments for finding in moderator.scan(comment) if finding.code == code]
    return found


def _line_of(lines: dict, key: tuple):
    while key:
        if key in lines:
            return lines[key]
        key = key[:-1]
    return None


# What the views and the rules read of an entry; kept small and plain because a warm check
# unpickles it for every file (whole entries cost 0.25 s for 7,000 files, these 0.02 s).
SUMMARY_KEYS = ("name", "kind", "stage", "owner", "topics", "handles", "opt_out", "contacts", "url",
                "utm", "referral_code", "feeds")


def summary(kind: str, key: str, data: dict | None, problems: list[Problem]):
    if data is None:
        return kind, key, None, problems
    lines = data["_lines"]
    kept = {name: data[name] for name in SUMMARY_KEYS if name in data}
    kept["_lines"] = {k: v for k, v in lines.items()
                      if len(k) <= 2 and k[0] in ("handles", "stage", "contacts", "opt_out", "feeds")}
    return kind, key, kept, problems


def read_entry(root: Path, relpath: str, frame) -> dict | None:
    """Every fact of one entry (``community show``): parsed again, not from the cache."""
    from ..load import read_text
    from ..netiquette import moderator_for

    text, problem = read_text(root, relpath)
    if problem:
        return None
    data = parse_entry(relpath, text, moderator_for(frame, root), lambda: frame.timezone)[2]
    if data is not None:
        data["_path"] = relpath
    return data


def _listing(root: Path) -> tuple[list[tuple[str, tuple | None]], bool]:
    """(path, (size, mtime_ns) or None for a link or an unreadable entry) of every registry
    file, sorted; and whether any of them is such an entry."""
    listing, odd = [], False
    for folder in KINDS:
        try:
            entries = list(os.scandir(os.path.join(root, folder)))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if not name.endswith((".yml", ".yaml")) or name.startswith("."):
                continue
            stat_key = None
            if not entry.is_symlink():
                try:
                    info = entry.stat(follow_symlinks=False)
                    stat_key = (info.st_size, info.st_mtime_ns)
                except OSError:
                    pass
            odd = odd or stat_key is None
            listing.append((f"{folder}/{name}", stat_key))
    listing.sort()
    return listing, odd


def _listing_key(root: Path, listing) -> str:
    from array import array
    from hashlib import blake2b

    from ..cache import _code_stamp
    from ..load import frame_digest

    digest = blake2b(repr((frame_digest(root), _code_stamp())).encode(), digest_size=16)
    digest.update("\n".join(path for path, _ in listing).encode())
    digest.update(array("q", [number for _, stat_key in listing for number in stat_key]).tobytes())
    return digest.hexdigest()


# What ``gazette check`` needs of each entry once the per-file problems are known: the
# rules over actions and stale relations. Loading 7,000 of these costs ~2 ms.
INDEX_KEYS = ("stage", "opt_out")


def _index(registry: Registry) -> Registry:
    slim = Registry()
    slim.problems = registry.problems
    for person_key, person in registry.people.items():
        entry = {name: person[name] for name in INDEX_KEYS if name in person}
        entry["_path"] = person["_path"]
        entry["_lines"] = {("stage",): person["_lines"][("stage",)]} if ("stage",) in person["_lines"] else {}
        slim.people[person_key] = entry
    slim.places = {place_key: {"_path": place["_path"]} for place_key, place in registry.places.items()}
    return slim


def place_feeds(root: Path, frame) -> list[tuple[str, str, int | None, str]]:
    """(url, place slug, line, path) of every http(s) feed the registry's places list: what
    ``gazette watch`` reads besides calendar/listening.yml (its ``Feed`` has these fields)."""
    out = []
    for slug, place in sorted(load_registry(root, frame).places.items()):
        for index, url in enumerate(place.get("feeds") or ()):
            if isinstance(url, str) and re.match(r"^https?://[^/\s]+", url):
                out.append((url.strip(), slug, place["_lines"].get(("feeds", index)), place["_path"]))
    return out


def registry_files(root: Path) -> list[str]:
    """Every registry file's path (``gazette check community/`` selects them)."""
    return [path for path, _ in _listing(root)[0]]


def load_registry(root: Path, frame, cache: bool = True, full: bool = True) -> Registry:
    """Every place and person (as :data:`SUMMARY_KEYS`, or only :data:`INDEX_KEYS` if not
    ``full``), with their problems, including the ones across files (duplicate handles,
    contacts that have no file).

    Warm, the whole result comes from one snapshot (marshal: plain data loads ~5× faster
    than a pickle) whose key is every file's (size, mtime_ns) and the frame's digest: the
    registry then costs a ``stat`` a file. When some files changed, only those are read
    and parsed again (per-file cache) and the cross-file rules run again."""
    from ..load import no_gc

    memo = "registry" if full else "registry-index"
    if memo in frame.memo or "registry" in frame.memo:
        return frame.memo.get(memo) or frame.memo["registry"]
    with no_gc():
        listing, odd = _listing(root)
        if not listing:  # no registry (or another branch's checkout): leave the caches for when it is back
            frame.memo[memo] = Registry()
            return frame.memo[memo]
        key = None
        if cache and not odd:
            from ..cache import cache_dir

            key = _listing_key(root, listing)
            folder = cache_dir(root)
            registry = _read_snapshot(folder / f"{memo}.marshal", key)
            if registry is not None:
                frame.memo[memo] = registry
                return registry
            registry = _read_snapshot(folder / "registry.marshal", key) if not full else None
        if key is None or registry is None:
            registry = _load_files(root, frame, [path for path, _ in listing], cache)
            registry.problems += cross_problems(registry)
            if key is not None:
                _write_snapshot(folder / "registry.marshal", key, registry)
        if not full:
            registry = _index(registry)
            if key is not None:
                _write_snapshot(folder / f"{memo}.marshal", key, registry)
    frame.memo[memo] = registry
    return registry


def _read_snapshot(path: Path, key: str) -> Registry | None:
    from .. import sealed

    stored = sealed.read(path, key)  # None: absent, damaged, another key or Python
    try:
        people, places, problems = stored
        registry = Registry()
        registry.people, registry.places = people, places
        registry.problems = [Problem(*fields) for fields in problems]
    except Exception:  # noqa: BLE001 - None or another shape: start afresh
        return None
    return registry


def _write_snapshot(path: Path, key: str, registry: Registry) -> None:
    from .. import sealed

    try:
        sealed.write(path, key, (registry.people, registry.places, [p._key() for p in registry.problems]))
    except ValueError:  # a value marshal cannot write; only speed is lost
        pass


def _load_files(root: Path, frame, paths: list[str], cache: bool) -> Registry:
    """Each file from the per-file cache if unchanged, else read and parsed."""
    from ..load import each_file, frame_digest
    from ..netiquette import moderator_for

    registry = Registry()
    store = None
    if cache:
        from ..cache import FileCache

        store = FileCache(root, "registry", frame_digest(root))

    def compute(relpath: str, text: str):
        kind, key, data, problems = summary(*parse_entry(relpath, text, moderator_for(frame, root),
                                                         lambda: frame.timezone))
        if data is not None:
            data["_path"] = relpath
        return kind, key, data, problems

    for _path, _text, (kind, key, data, problems) in each_file(root, paths, registry.problems, store, compute):
        registry.problems += problems
        if data is not None:
            (registry.people if kind == "person" else registry.places)[key] = data
    if store:
        store.save(prune=True)
    return registry


def cross_problems(registry: Registry) -> list[Problem]:
    """Duplicate people (one handle on one network in two files) and places' unknown contacts."""
    from ..validate import _did_you_mean

    found = []
    people = registry.people
    by_handle: dict[tuple, list] = {}
    for person in people.values():
        for network, handle in (person.get("handles") or {}).items():
            by_handle.setdefault((network.lower(), handle.lower()), []).append(person)
    for (network, handle), persons in by_handle.items():
        if len(persons) < 2:
            continue
        for person in persons:
            others = ", ".join(sorted(p["_path"] for p in persons if p is not person))
            found.append(Problem("relation/duplicate-person", person["_path"],
                                 person["_lines"].get(("handles", network)),
                                 _("{network} handle {handle} is also in {others}").format(
                                     network=network, handle=handle, others=others),
                                 _("one file per person: merge them and keep one key")))
    for place in registry.places.values():
        for index, key in enumerate(place.get("contacts") or ()):
            if key not in people:
                found.append(Problem("relation/unknown-person", place["_path"],
                                     place["_lines"].get(("contacts", index)),
                                     _("contact {key!r} has no file community/people/{key}.yml").format(key=key),
                                     _did_you_mean(key, people) or _("add the person first")))
    return found
