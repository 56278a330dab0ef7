"""``relation/*`` rules: the registry, recruitment actions and paid collaborations.

Item rules (action exists, paid mention) read only the item and the frame, so
they are cached per file; what crosses files (duplicates, references, opt-outs,
stale relations) is one repository rule over the cached registry.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from datetime import timedelta

from ..i18n import _
from ..load import Item, Repo
from ..problems import Problem
from ..validate import _did_you_mean, rule

STALE_AFTER = timedelta(days=90)
PAID_MENTIONS = ("publicite", "collaboration commerciale")


# -- items -------------------------------------------------------------------------

@rule("ref")
def action_exists(item: Item, repo: Repo):
    action = item.meta.get("action")
    if action and action not in repo.frame.actions:
        yield Problem("ref/action", item.path, item.line_of("action"),
                      _("action {name!r} has no file calendar/actions/{name}.yml").format(name=action),
                      _did_you_mean(action, repo.frame.actions) or _("create the action file first"))


def is_paid(item: Item, frame) -> bool:
    action = frame.actions.get(item.meta.get("action") or "")
    return bool(item.meta.get("collaboration") or (action and action.get("paid")))


def has_paid_mention(text: str) -> bool:
    folded = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()
    return any(mention in folded for mention in PAID_MENTIONS)


@rule("relation")
def paid_mention(item: Item, repo: Repo):
    """French law on influencers (9 June 2023, art. 5): a paid collaboration says so, clearly,
    in every message: « Publicité » or « Collaboration commerciale »."""
    if not is_paid(item, repo.frame):
        return
    why = _("collaboration: true") if item.meta.get("collaboration") else \
        _("action {name} is paid").format(name=item.meta.get("action"))
    for name, spec in (item.meta.get("channels") or {}).items():
        text = (spec or {}).get("text")
        if isinstance(text, str) and not has_paid_mention(text):
            yield Problem("relation/paid-mention", item.path, item.line_of("channels", name, "text"),
                          _("the {channel} text of a paid collaboration ({why}) does not say « Publicité »")
                          .format(channel=name, why=why),
                          _("start it with « Publicité » or « Collaboration commerciale »"))


# -- the registry and the actions ---------------------------------------------------

def _concerned(only) -> bool:
    return only is None or any(p.startswith(("community/", "calendar/actions/")) for p in only)


@rule("relation", scope="repo")
def registry_rules(repo: Repo, only: set | None):
    if not _concerned(only):
        return
    from .registry import handle_key, load_registry

    registry = load_registry(repo.root, repo.frame)
    yield from registry.problems
    people, places = registry.people, registry.places

    by_handle = defaultdict(list)
    for key, person in people.items():
        for network, handle in (person.get("handles") or {}).items():
            by_handle[handle_key(network, handle)].append(person)
    for (network, handle), persons in by_handle.items():
        if len(persons) < 2:
            continue
        for person in persons:
            others = ", ".join(sorted(p["_path"] for p in persons if p is not person))
            yield Problem("relation/duplicate-person", person["_path"], person["_lines"].get(("handles", network)),
                          _("{network} handle {handle} is also in {others}").format(
                              network=network, handle=handle, others=others),
                          _("one file per person: merge them and keep one key"))

    for slug, place in places.items():
        for index, key in enumerate(place.get("contacts") or ()):
            if key not in people:
                yield Problem("relation/unknown-person", place["_path"], place["_lines"].get(("contacts", index)),
                              _("contact {key!r} has no file community/people/{key}.yml").format(key=key),
                              _did_you_mean(key, people) or _("add the person first"))

    for slug, action in repo.frame.actions.items():
        yield from _action_problems(slug, action, repo, people, places)

    yield from stale_relations(repo, people)


def _action_problems(slug: str, action: dict, repo: Repo, people: dict, places: dict):
    path, lines = action["_path"], action["_lines"]
    targets = action.get("targets") or {}
    planned = repo.now is None or action.get("to") is None or action["to"] >= repo.now
    for index, key in enumerate(targets.get("people") or ()):
        line = lines.get(("targets", "people", index))
        person = people.get(key)
        if person is None:
            yield Problem("relation/unknown-person", path, line,
                          _("target {key!r} has no file community/people/{key}.yml").format(key=key),
                          _did_you_mean(key, people) or _("add the person first"))
        elif planned and (person.get("opt_out") or person.get("stage") == "declined"):
            why = _("opted out") if person.get("opt_out") else _("declined")
            yield Problem("relation/opted-out", path, line,
                          _("action {action} targets {key}, who {why}").format(action=slug, key=key, why=why),
                          _("remove {key} from targets.people").format(key=key))
    for index, key in enumerate(targets.get("places") or ()):
        if key not in places:
            yield Problem("relation/unknown-place", path, lines.get(("targets", "places", index)),
                          _("target {key!r} has no file community/places/{key}.yml").format(key=key),
                          _did_you_mean(key, places) or _("add the place first"))
    campaign = action.get("campaign")
    if campaign and campaign not in repo.frame.campaigns:
        yield Problem("ref/campaign", path, lines.get(("campaign",)),
                      _("campaign {name!r} has no file calendar/campaigns/{name}.yml").format(name=campaign),
                      _did_you_mean(campaign, repo.frame.campaigns) or _("create the campaign file first"))
    if action.get("from") and action.get("to") and action["to"] < action["from"]:
        yield Problem("config/window", path, lines.get(("to",)), _("the action ends before it starts"),
                      _("swap from: and to:"))


def stale_relations(repo: Repo, people: dict):
    """Engaged and ambassador relations nobody touched for 90 days: the last contact in the
    state database, else the last commit of the person's file."""
    if repo.now is None:
        return
    active = {key: p for key, p in people.items() if p.get("stage") in ("engaged", "ambassador")}
    if not active:
        return
    touched = last_touched(repo.root, active)
    for key, person in sorted(active.items()):
        last = touched.get(key)
        if last is None or repo.now - last <= STALE_AFTER:
            continue
        days = (repo.now - last).days
        yield Problem("relation/stale", person["_path"], person["_lines"].get(("stage",)),
                      _("{stage} relation untouched for {days} days (last: {day})").format(
                          stage=person["stage"], days=days, day=last.date().isoformat()),
                      _("get in touch and run gazette community log {key} \"…\", or change stage:").format(key=key))


def last_touched(root, people: dict) -> dict:
    """key -> when the relation was last touched: the last contact logged in the state
    database where there is one, else the last commit of the person's file."""
    from .relations import last_contacts, read_only

    touched = {}
    connection = read_only(root)
    if connection is not None:
        try:
            touched = {k: v for k, v in last_contacts(connection).items() if k in people}
        finally:
            connection.close()
    untouched = {people[key]["_path"]: key for key in people if key not in touched}
    if untouched:
        for path, at in last_commits(root, list(untouched)).items():
            touched[untouched[path]] = at
    return touched


def last_commits(root, paths: list[str]) -> dict:
    """The last commit time of each path, from one ``git log`` (none outside git)."""
    import subprocess
    from datetime import datetime, timezone

    try:
        out = subprocess.run(["git", "-c", "core.quotePath=false", "log", "--format=@%ct", "--name-only",
                              "--", "community/people"], cwd=root, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return {}
    if out.returncode:
        return {}
    wanted, found, at = set(paths), {}, None
    for line in out.stdout.splitlines():
        if line.startswith("@"):
            at = datetime.fromtimestamp(int(line[1:]), timezone.utc)
        elif line in wanted and line not in found:
            found[line] = at
            if len(found) == len(wanted):
                break
    return found
