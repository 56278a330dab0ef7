"""Stage 3: the editorial calendar, derived from front matter and the planning frame.

Nothing here is written twice: a publication is an (item, channel) pair
read from the item's ``channels:``; its time is the channel's ``at`` or the
item's ``date``. Campaigns, events and freezes come from ``calendar/``.
Publications are small tuples so that ``gazette check`` can cache them per
file and run the calendar rules over 10,000 items without parsing again.
"""

from __future__ import annotations

from collections import namedtuple
from datetime import datetime, time, timedelta

from .i18n import _

WEEKDAYS = {name: index for index, names in enumerate((
    ("mon", "monday", "lun", "lundi"), ("tue", "tuesday", "mar", "mardi"),
    ("wed", "wednesday", "mer", "mercredi"), ("thu", "thursday", "jeu", "jeudi"),
    ("fri", "friday", "ven", "vendredi"), ("sat", "saturday", "sam", "samedi"),
    ("sun", "sunday", "dim", "dimanche"),
)) for name in names}

# One (item, channel) publication. ``at`` is aware; ``line`` points at the
# channel's key (or the date) in the item's file.
Publication = namedtuple("Publication", "path kind slug title status channel at line campaign tags receipted date")


class SlotError(ValueError):
    pass


def parse_slot(text: str) -> tuple[int, time]:
    """'Tue 12:30' (or 'mardi 12h30') -> (1, time(12, 30))."""
    parts = str(text).strip().lower().split()
    if len(parts) != 2 or parts[0].rstrip(".") not in WEEKDAYS:
        raise SlotError(_('{text!r} is not a slot: write a weekday and a time, e.g. "Tue 12:30"').format(text=text))
    try:
        hours, _colon, minutes = parts[1].replace("h", ":").partition(":")
        moment = time(int(hours), int(minutes or 0))
    except ValueError:
        raise SlotError(_('{text!r}: {parts!r} is not a time of day (write 12:30)')
                            .format(text=text, parts=parts[1])) from None
    return WEEKDAYS[parts[0].rstrip(".")], moment


def publications(item) -> list[Publication]:
    """The item's publications, one per channel, in the order of its front matter."""
    if item.publications is None:
        item.publications = _publications(item)
    return item.publications


def _publications(item) -> list[Publication]:
    meta = item.meta
    date = meta.get("date")
    if date is None:
        return []
    receipts = meta.get("published") or {}
    tags = tuple(meta.get("tags") or ())
    out = []
    for channel, spec in (meta.get("channels") or {}).items():
        at = (spec or {}).get("at") or date
        out.append(Publication(item.path, item.kind, item.slug, item.title, item.status, channel, at,
                               item.line_of("channels", channel), meta.get("campaign"), tags,
                               channel in receipts, date))
    return out


def channel_zone(frame, channel: str):
    """The channel's own timezone if set (an account aimed at another country), else the repo's."""
    key = ("zone", channel)
    if key not in frame.memo:
        frame.memo[key] = _channel_zone(frame, channel)
    return frame.memo[key]


def _channel_zone(frame, channel: str):
    name = (frame.channels.get(channel) or {}).get("timezone")
    if name:
        from .load import resolve_timezone

        zone = resolve_timezone(name)
        if zone is not None:
            return zone
    return frame.timezone


def channel_slots(frame, channel: str) -> set[tuple[int, time]]:
    """The channel's readable slots as (weekday, time); unreadable ones are reported elsewhere."""
    key = ("slots", channel)
    if key not in frame.memo:
        frame.memo[key] = _channel_slots(frame, channel)
    return frame.memo[key]


def _channel_slots(frame, channel: str) -> set[tuple[int, time]]:
    slots = set()
    for text in (frame.channels.get(channel) or {}).get("slots") or ():
        try:
            slots.add(parse_slot(text))
        except SlotError:
            continue  # reported by the frame rules
    return slots


def active_freezes(frame, at: datetime, channel: str | None = None) -> list[dict]:
    """Freezes covering ``at`` (and ``channel``, when a freeze names channels)."""
    found = []
    for freeze in frame.freezes.values():
        start, until = freeze.get("from"), freeze.get("until")
        if start is None or at < start or (until is not None and at >= until):
            continue
        if channel and freeze.get("channels") and channel not in freeze["channels"]:
            continue
        found.append(freeze)
    return found


def week_key(moment) -> tuple[int, int]:
    year, week, _weekday = moment.isocalendar()
    return year, week


def period_key(moment, per: str) -> tuple:
    if per == "day":
        return (moment.year, moment.month, moment.day)
    if per == "month":
        return (moment.year, moment.month)
    return week_key(moment)


def next_periods(start: datetime, end: datetime, per: str) -> list[tuple]:
    """Every period key (day, ISO week or month) from the one holding ``start`` to ``end``'s."""
    keys: list[tuple] = []
    day, last = start.date(), end.date()
    while day <= last:
        key = period_key(day, per)
        if not keys or keys[-1] != key:
            keys.append(key)
        day += timedelta(days=1)
    return keys


def next_free_slot(frame, pubs: list[Publication], channel: str, after: datetime,
                   horizon_days: int = 120) -> datetime | None:
    """The first slot of ``channel`` after ``after`` with no publication, freeze or event."""
    slots = channel_slots(frame, channel)
    if not slots:
        return None
    zone = channel_zone(frame, channel) or after.tzinfo
    taken = {p.at for p in pubs if p.channel == channel and p.status != "cancelled"}
    local = after.astimezone(zone)
    for offset in range(horizon_days + 1):
        day = (local + timedelta(days=offset)).date()
        for weekday, moment in sorted(slots, key=lambda s: s[1]):
            if day.weekday() != weekday:
                continue
            # Wall-clock time in the zone: 12:30 stays 12:30 across DST changes.
            candidate = datetime.combine(day, moment, tzinfo=zone)
            if candidate <= after or candidate in taken:
                continue
            if active_freezes(frame, candidate, channel) or _during_event(frame, candidate):
                continue
            return candidate
    return None


def _during_event(frame, moment: datetime) -> bool:
    for event in frame.events.values():
        start = event.get("start")
        end = event.get("end") or (start + timedelta(hours=1) if start else None)
        if start and start <= moment < end:
            return True
    return False
