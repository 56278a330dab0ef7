"""``gazette community list|show``: the registry as rows and one relation's timeline."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from .registry import ACTIVE_STAGES, load_registry
from .rules import STALE_AFTER, last_touched

COLUMNS = ("type", "key", "name", "kind", "stage", "owner", "topics", "path")


MAX_LISTED = 30  # known values named in an error (a big registry has hundreds of topics)


class UnknownFilter(Exception):
    """A --kind, --stage or --topic value nothing could ever match (a usage error, exit 2)."""


def _refuse_unknown(option: str, value: str | None, known, fold: bool = False) -> None:
    if value and (value.casefold() not in {k.casefold() for k in known} if fold else value not in known):
        from ..i18n import _
        from ..validate import _did_you_mean

        hint = _did_you_mean(value, known)
        listed = sorted(known)
        shown = ", ".join(listed[:MAX_LISTED]) + (", …" if len(listed) > MAX_LISTED else "")
        raise UnknownFilter(_("unknown {option} {value!r} (known: {known})").format(
            option=option, value=value, known=shown or "-") + (f"; {hint}" if hint else ""))


def rows(root: Path, frame, now: datetime, kind: str | None = None, stage: str | None = None,
         topic: str | None = None, stale: bool = False) -> list[dict]:
    """People and places as flat rows, filtered; ``stale``: active relations untouched for 90 days.
    UnknownFilter for a kind or a stage the schema does not have, or a topic no entry has: a
    typo must not look like "nobody here"."""
    from .registry import PERSON_KINDS, PLACE_KINDS, STAGES

    registry = load_registry(root, frame)
    everyone = (*registry.people.values(), *registry.places.values())
    _refuse_unknown("--kind", kind, {"person", "place", *PERSON_KINDS, *PLACE_KINDS})
    _refuse_unknown("--stage", stage, STAGES)
    _refuse_unknown("--topic", topic, {t for e in everyone for t in (e.get("topics") or ()) if isinstance(t, str)},
                    fold=True)  # topics match whatever their case, as the filter below does
    out = []
    for what, entries in (("person", registry.people), ("place", registry.places)):
        for key, entry in entries.items():
            if kind and entry.get("kind") != kind and what != kind:
                continue
            if stage and entry.get("stage") != stage:
                continue
            if topic and topic.casefold() not in (t.casefold() for t in entry.get("topics") or ()):
                continue
            out.append({"type": what, "key": key, "name": entry.get("name", key), "kind": entry.get("kind") or "",
                        "stage": entry.get("stage") or "", "owner": entry.get("owner") or "",
                        "topics": list(entry.get("topics") or ()), "path": entry["_path"]})
    if stale:
        active = {r["key"]: registry.people[r["key"]] for r in out
                  if r["type"] == "person" and r["stage"] in ACTIVE_STAGES}
        touched = last_touched(root, active)
        out = [r for r in out if r["key"] in active and r["key"] in touched
               and now - touched[r["key"]] > STALE_AFTER]
        for row in out:
            row["last_touched"] = touched[row["key"]].isoformat()
    return sorted(out, key=lambda r: (r["type"], r["key"]))


def when(value, zone) -> datetime | None:
    """The aware instant of an event's ``at`` (an ISO text or a datetime): a day alone is its
    midnight in the community's zone, a time stored without offset (older imports) UTC, as
    :func:`.relations.last_contacts` reads it. None if there is no date."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day, tzinfo=zone)
    else:
        text = str(value or "").strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone if len(text) <= 10 else timezone.utc)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone or timezone.utc)


def shown_at(value, zone) -> str:
    """An event's date as people read it: in the community's zone (:func:`gazette.clock.shown`);
    a day alone stays a day."""
    from ..clock import shown

    moment = when(value, zone)
    if moment is None:
        return ""
    if isinstance(value, str) and len(value.strip()) <= 10 or type(value) is date:
        return moment.date().isoformat()
    return shown(moment, zone)


def timeline(root: Path, repo, key: str, connection=None) -> dict | None:
    """One person (or place): its public facts, and every dated event of the relation:
    contacts, agreements and consents (state database), actions that target it, items of
    those actions or that name it. None if the key is unknown."""
    registry = load_registry(root, repo.frame)
    entry = registry.people.get(key)
    what = "person"
    if entry is None:
        entry, what = registry.places.get(key), "place"
    if entry is None:
        return None
    from .registry import read_entry

    facts = {k: v for k, v in (read_entry(root, entry["_path"], repo.frame) or entry).items() if not k.startswith("_")}
    events = []
    if connection is not None and what == "person":
        from .relations import history

        for table, records in history(connection, key).items():
            for record in records:
                at = record.get("at") or record.get("starts")
                events.append({"at": at, "type": table.rstrip("s"), **record})
    actions = [slug for slug, action in repo.frame.actions.items()
               if key in ((action.get("targets") or {}).get("people" if what == "person" else "places") or ())]
    for slug in actions:
        action = repo.frame.actions[slug]
        events.append({"at": action["from"].isoformat() if action.get("from") else "", "type": "action",
                       "action": slug, "name": action.get("name", slug), "path": action["_path"]})
    handles = [h.lstrip("@").split("@")[0].casefold() for h in (entry.get("handles") or {}).values()]
    for item in repo.items:
        named = item.meta.get("action") in actions
        if not named and handles:
            texts = " ".join(str((spec or {}).get("text") or "") for spec in (item.meta.get("channels") or {}).values())
            named = any(f"@{h}" in (texts + " " + item.body).casefold() for h in handles if h)
        if named:
            events.append({"at": item.date.isoformat() if item.date else "", "type": "item", "path": item.path,
                           "title": item.title})
    zone = repo.frame.timezone
    # by instant, not by text: contacts carry the offset of whoever logged them, items and
    # actions the community's; an event without a date goes last
    def order(event):
        moment = when(event["at"], zone)
        return moment is None, moment or datetime.min.replace(tzinfo=timezone.utc)

    events.sort(key=order)
    return {"type": what, "key": key, "path": entry["_path"], "facts": facts, "events": events}
