"""``gazette calendar``: the plan as entries, and its views (text, ics, html, json).

Entries are built from the loaded repository by :func:`build`; each view
is one function. The JSON shape is documented in docs/json.md.
"""

from __future__ import annotations

from collections import namedtuple
from datetime import datetime, timedelta

from .plan import publications
from .visibility import is_public

# kind: publication | event | campaign | freeze. ``end`` may be None (an instant,
# or a freeze with no end). ``uid`` is stable across runs and edits of the text.
Entry = namedtuple("Entry", "kind start end title channel status path slug uid campaign public")

TENTATIVE = ("idea", "draft", "review")


def build(repo, now: datetime, start: datetime | None = None, end: datetime | None = None,
          channels=(), campaigns=()) -> list[Entry]:
    """Every entry overlapping [start, end] (open bounds when None), sorted by time."""
    entries: list[Entry] = []
    items = {item.path: item for item in repo.items}
    for item in repo.items:
        if campaigns and item.meta.get("campaign") not in campaigns:
            continue
        for pub in publications(item):
            if channels and pub.channel not in channels:
                continue
            entries.append(Entry("publication", pub.at, None, pub.title, pub.channel, pub.status, pub.path,
                                 pub.slug, f"{pub.kind}.{pub.slug}.{pub.channel}@gazette", pub.campaign,
                                 is_public(items[pub.path], now)))
    frame = repo.frame
    for slug, campaign in frame.campaigns.items():
        if not campaigns or slug in campaigns:
            entries.append(Entry("campaign", campaign.get("from"), campaign.get("to"), campaign.get("name", slug),
                                 None, campaign.get("objective"), campaign["_path"], slug,
                                 f"campaign.{slug}@gazette", slug, False))
    if not campaigns:
        for slug, event in frame.events.items():
            entries.append(Entry("event", event.get("start"), event.get("end"), event.get("name", slug), None,
                                 event.get("kind"), event["_path"], slug, f"event.{slug}@gazette", None, False))
        for slug, freeze in frame.freezes.items():
            entries.append(Entry("freeze", freeze.get("from"), freeze.get("until"), freeze.get("reason", slug),
                                 None, "freeze", freeze["_path"], slug, f"freeze.{slug}@gazette", None, False))
    entries = [e for e in entries if e.start is not None and _overlaps(e, start, end)]
    return sorted(entries, key=lambda e: (e.start, e.kind != "freeze", e.channel or "", e.path))


def _overlaps(entry: Entry, start, end) -> bool:
    finish = entry.end or entry.start
    return (start is None or finish >= start) and (end is None or entry.start <= end)


# -- views ---------------------------------------------------------------------

def to_json(entries: list[Entry], start, end) -> str:
    import json

    def iso(moment):
        return moment.isoformat() if moment else None

    return json.dumps({
        "version": 1,
        "from": iso(start),
        "to": iso(end),
        "entries": [{
            "kind": e.kind, "start": iso(e.start), "end": iso(e.end), "title": e.title,
            "channel": e.channel, "status": e.status, "path": e.path, "slug": e.slug, "uid": e.uid,
            "campaign": e.campaign, "public": e.public,
        } for e in entries],
    }, ensure_ascii=False, indent=2)


def to_ics(entries: list[Entry], now: datetime, zone=None, name: str = "Gazette") -> bytes:
    """An iCalendar file: one VEVENT per publication, event, campaign and freeze.

    Times are given in the community's zone (with its VTIMEZONE), so calendar
    apps move them correctly across daylight-saving changes.
    """
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Gazette//editorial calendar//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    stamp = now.astimezone(_utc())
    for entry in entries:
        event = icalendar.Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", stamp)
        start = entry.start.astimezone(zone) if zone else entry.start
        event.add("dtstart", start)
        if entry.kind == "publication":
            event.add("dtend", start + timedelta(minutes=15))
            event.add("summary", f"[{entry.channel}] {entry.title}")
            event.add("status", "CANCELLED" if entry.status == "cancelled"
                      else "TENTATIVE" if entry.status in TENTATIVE else "CONFIRMED")
            event.add("categories", [entry.channel, entry.status])
        else:
            if entry.end:
                event.add("dtend", entry.end.astimezone(zone) if zone else entry.end)
            label = {"campaign": "Campagne", "event": "Événement", "freeze": "Gel"}[entry.kind]
            event.add("summary", f"{label} : {entry.title}")
            event.add("categories", [entry.kind])
        event.add("description", f"{entry.path} ({entry.status})")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _utc():
    from datetime import timezone

    return timezone.utc


STATUS_STYLE = {"idea": "dim", "draft": "yellow", "review": "magenta", "approved": "green",
                "published": "blue", "cancelled": "strike dim"}


def to_text(entries: list[Entry], now: datetime, zone, colour: bool = False) -> str:
    """A readable agenda grouped by day, coloured by status (rich) when ``colour``."""
    import io

    from rich.console import Console
    from rich.text import Text

    out = io.StringIO()
    console = Console(file=out, width=120, force_terminal=colour, no_color=not colour, highlight=False)
    if not entries:
        console.print("Nothing planned in this window.")
    day = None
    for entry in entries:
        local = entry.start.astimezone(zone) if zone else entry.start
        if local.date() != day:
            if day is not None:
                console.print()
            day = local.date()
            marker = "  (today)" if day == now.astimezone(local.tzinfo).date() else ""
            console.print(Text(f"{local:%a %Y-%m-%d}{marker}", style="bold underline"))
        line = Text(f"  {local:%H:%M}  ")
        if entry.kind == "publication":
            line.append(f"{entry.channel:<20}", style="cyan")
            line.append(f"{entry.status:<10}", style=STATUS_STYLE.get(entry.status, ""))
            line.append(entry.title)
        else:
            until = f" → {entry.end.astimezone(zone):%Y-%m-%d %H:%M}" if entry.end else ""
            line.append(f"{entry.kind:<20}", style="bold red" if entry.kind == "freeze" else "italic")
            line.append(f"{'':<10}{entry.title}{until}")
        console.print(line)
    return out.getvalue().rstrip("\n")


def to_html(entries: list[Entry], now: datetime, zone, start: datetime, end: datetime) -> str:
    """A month grid per month of the window, one self-contained page."""
    import calendar as cal

    import jinja2

    months = []
    cursor = datetime(start.year, start.month, 1)
    last = (end.year, end.month)
    by_day: dict = {}
    for entry in entries:
        by_day.setdefault(entry.start.astimezone(zone).date(), []).append(entry)
    while (cursor.year, cursor.month) <= last:
        weeks = cal.Calendar(firstweekday=0).monthdatescalendar(cursor.year, cursor.month)
        months.append({"year": cursor.year, "month": cursor.month, "weeks": weeks})
        cursor = datetime(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
    env = jinja2.Environment(loader=jinja2.PackageLoader("gazette", "templates"), autoescape=True)
    return env.get_template("calendar.html.j2").render(
        months=months, by_day=by_day, zone=zone, today=now.astimezone(zone).date(),
        month_names=["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                     "septembre", "octobre", "novembre", "décembre"],
    )
