"""Calendar checks, run by ``gazette check`` like every other rule.

Item rules here read only the item and the frame (cached per file); the
rules that compare items with each other or with the clock run over the
publications of the whole repository on every run.
"""

from __future__ import annotations

from collections import defaultdict

from .i18n import N_, _

from .clock import shown
from .load import CHANNELS_FILE, Item, Repo
from .plan import (active_freezes, channel_slots, channel_zone, next_periods, parse_slot, period_key,
                   publications, SlotError)
from .problems import Problem
from .validate import rule

PERIODS = {"day": N_("day"), "week": N_("week"), "month": N_("month")}  # cadence.per, shown

QUIET_STATUSES = ("cancelled", "idea")  # not in the plan yet, or not any more
PLANNED_STATUSES = ("approved", "published")


def _is_crisis(tags) -> bool:
    return "crisis" in (tags or ())


@rule("calendar")
def outside_slots(item: Item, repo: Repo):
    if item.status in QUIET_STATUSES:
        return
    frame = repo.frame
    for pub in publications(item):
        slots = _minute_slots(frame, pub.channel)
        if not slots:
            continue
        local = pub.at.astimezone(channel_zone(frame, pub.channel) or pub.at.tzinfo)
        if (local.weekday(), local.hour, local.minute) not in slots:
            wanted = ", ".join(repo.frame.channels[pub.channel]["slots"])
            yield Problem("calendar/off-slot", item.path, pub.line,
                          _('{channel} at {local:%a %H:%M} is outside its slots ({wanted})')
                              .format(channel=pub.channel, local=local, wanted=wanted),
                          _("move it to a slot: gazette slot next --channel {channel}").format(channel=pub.channel))


def _minute_slots(frame, channel: str) -> set[tuple[int, int, int]]:
    """(weekday, hour, minute) per slot: the cheapest key to test 20,000 publications."""
    key = ("minute-slots", channel)
    if key not in frame.memo:
        frame.memo[key] = {(day, moment.hour, moment.minute) for day, moment in channel_slots(frame, channel)}
    return frame.memo[key]


@rule("calendar")
def inside_freeze(item: Item, repo: Repo):
    if item.status in QUIET_STATUSES or _is_crisis(item.meta.get("tags")) or not repo.frame.freezes:
        return
    for pub in publications(item):
        for freeze in active_freezes(repo.frame, pub.at, pub.channel):
            yield Problem("calendar/frozen", item.path, pub.line,
                          _('{channel} at {at} falls in a freeze: {value}')
                              .format(channel=pub.channel, at=shown(pub.at, repo.frame.timezone), value=freeze.get('reason')),
                          _("give it a date after the freeze, or tag it crisis if it is a holding statement"))


@rule("calendar")
def inside_campaign(item: Item, repo: Repo):
    name = item.meta.get("campaign")
    campaign = repo.frame.campaigns.get(name) if name else None
    if not campaign or item.date is None or not campaign.get("from") or not campaign.get("to"):
        return
    start, end = campaign["from"], campaign["to"]
    if not start <= item.date <= end:
        yield Problem("calendar/campaign-window", item.path, item.line_of("date"),
                      _('dated {date:%Y-%m-%d} but campaign {name!r} runs from {start:%Y-%m-%d} to {end:%Y-%m-%d}')
                          .format(date=item.date, name=name, start=start, end=end),
                      _("change the date, the campaign, or the campaign's window"))


@rule("contest")
def contest_timeline(item: Item, repo: Repo):
    if item.kind != "contest":
        return
    meta = item.meta
    steps = [(key, meta.get(key)) for key in ("date", "opens", "closes", "draw")]
    present = [(key, value) for key, value in steps if value is not None]
    for (first, a), (second, b) in zip(present, present[1:]):
        if a > b if first == "date" else a >= b:
            yield Problem("contest/timeline", item.path, item.line_of(second),
                          _('{second} ({b}) comes before {first} ({a})')
                              .format(second=second, b=shown(b, repo.frame.timezone), first=first, a=shown(a, repo.frame.timezone)),
                          _("a contest is announced, opens, closes, then is drawn, in that order"))


# -- rules over every publication ---------------------------------------------

def all_publications(repo: Repo):
    if repo.publications is None:
        repo.publications = [pub for item in repo.items for pub in publications(item)]
    return repo.publications


@rule("calendar", scope="repo")
def slot_conflicts(repo: Repo, only):
    site = {name for name, spec in repo.frame.channels.items() if spec.get("network") == "site"}
    first: dict = {}
    clashes: dict = defaultdict(list)
    for pub in all_publications(repo):
        if pub.status in QUIET_STATUSES or pub.channel in site:
            continue
        key = (pub.channel, pub.at)
        seen = first.setdefault(key, pub)
        if seen is not pub and seen.path != pub.path:
            if not clashes[key]:
                clashes[key].append(seen)
            clashes[key].append(pub)
    for (channel, at), pubs in clashes.items():
        for pub in pubs:
            others = ", ".join(sorted({p.path for p in pubs if p.path != pub.path}))
            yield Problem("calendar/conflict", pub.path, pub.line,
                          _('{channel} at {at} is also taken by {others}')
                              .format(channel=channel, at=shown(at, repo.frame.timezone), others=others),
                          _("one publication per slot and account: gazette slot next --channel {channel}")
                          .format(channel=channel))


@rule("calendar", scope="repo")
def missed_publications(repo: Repo, only):
    now = repo.now
    if now is None:
        return
    for pub in all_publications(repo):
        if pub.status == "approved" and pub.at < now and not pub.receipted:
            yield Problem("calendar/missed", pub.path, pub.line,
                          _('{channel} was due {at} and has no receipt')
                              .format(channel=pub.channel, at=shown(pub.at, repo.frame.timezone)),
                          _("give it a new date (gazette slot next), or run gazette publish"))


@rule("calendar", scope="repo")
def cadence(repo: Repo, only):
    """Periods between now and the last planned publication with fewer than the target."""
    now = repo.now
    if now is None or (only is not None and CHANNELS_FILE not in only):
        return  # a whole-plan property: reported by full checks and `gazette calendar`
    counts: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    last: dict[str, object] = {}
    pers = {name: (spec.get("cadence") or {}) for name, spec in repo.frame.channels.items()}
    for pub in all_publications(repo):
        target = pers.get(pub.channel)
        if not target or pub.status not in PLANNED_STATUSES or pub.at < now:
            continue
        counts[pub.channel][period_key(pub.at, target["per"])] += 1
        last[pub.channel] = max(last.get(pub.channel, pub.at), pub.at)
    for channel, end in last.items():
        target = pers[channel]
        for key in next_periods(now, end, target["per"]):
            found = counts[channel].get(key, 0)
            if found < target["posts"]:
                label = {"day": "%d-%02d-%02d", "week": "%d-W%02d", "month": "%d-%02d"}[target["per"]] % key
                yield Problem("calendar/cadence", CHANNELS_FILE,
                              repo.frame.channel_lines.get((channel, "cadence")),
                              _('{channel}: {found} planned for {label}, target {target} per {period}')
                                  .format(channel=channel, found=found, label=label, target=target['posts'], period=_(PERIODS.get(target['per'], target['per']))),
                              _("plan more, or lower the cadence in calendar/channels.yml"))


@rule("config", scope="repo")
def slots_readable(repo: Repo, only):
    if only is not None and CHANNELS_FILE not in only:
        return
    for name, spec in repo.frame.channels.items():
        for index, text in enumerate(spec.get("slots") or ()):
            try:
                parse_slot(text)
            except SlotError as error:
                yield Problem("config/slot", CHANNELS_FILE, repo.frame.channel_lines.get((name, "slots")),
                              str(error), _("weekday (Mon…Sun or lun…dim) and 24-hour time"))


@rule("config", scope="repo")
def windows_in_order(repo: Repo, only):
    frame = repo.frame
    for kind, start_key, end_key in (("campaigns", "from", "to"), ("events", "start", "end"),
                                     ("freezes", "from", "until")):
        for entry in getattr(frame, kind).values():
            path = entry.get("_path")
            start, end = entry.get(start_key), entry.get(end_key)
            if (only is None or path in only) and start and end and end < start:
                yield Problem("config/window", path, entry["_lines"].get((end_key,)),
                              _('{end_key} ({end}) is before {start_key} ({start})')
                                  .format(end_key=end_key, end=shown(end, frame.timezone), start_key=start_key, start=shown(start, frame.timezone)),
                              _('{end_key} must come after {start_key}').format(end_key=end_key, start_key=start_key))
