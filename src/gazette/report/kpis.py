"""Publishing KPIs from the repository alone: receipts, the plan, freezes and git history.

Every figure here is recomputed from files in git, so a report is reproducible:
the same commit gives the same numbers. Rates carry their formula beside them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..i18n import N_

# The publish workflow runs every 15 minutes; a receipt within that interval plus
# 5 minutes of CI start-up of its planned time is on time.
DEFAULT_TOLERANCE = timedelta(minutes=20)
# Buffer reports 98 % of 1M posts out within 60 s: a CI schedule cannot match it. The msgid avoids
# "% o" ("98 % of"), which gettext tools read as a printf conversion and would flag python-format.
# The JSON keeps these texts in English; the text and HTML reports show them translated.
BUFFER_ANCHOR = N_("Buffer: 98 % within 60 s, over 1M posts (a 15-minute CI schedule cannot match it)")
PIPELINE_STATUSES = ("idea", "draft", "review", "approved", "published", "cancelled")


def quantile(values: list[float], q: float) -> float | None:
    """Nearest-rank quantile: a value that occurred, stable and explainable."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 1))  # ceil(q·n), at least 1
    return ordered[int(rank) - 1]


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 1)


def _spread(values: list[float]) -> dict:
    return {"count": len(values), "median": quantile(values, 0.5), "p90": quantile(values, 0.9)}


def in_scope(pub, channel: str | None, campaign: str | None) -> bool:
    return (channel is None or pub.channel == channel) and (campaign is None or pub.campaign == campaign)


def publishing(repo, history, now: datetime, start: datetime, end: datetime, channel: str | None = None,
               campaign: str | None = None, tolerance: timedelta = DEFAULT_TOLERANCE) -> dict:
    """Publications per channel and week against cadence, punctuality, missed and held slots."""
    from ..plan import active_freezes, publications, week_key

    zone = repo.frame.timezone or start.tzinfo
    per_channel: dict[str, int] = {}
    per_week: dict[tuple[str, str], int] = {}
    delays: list[float] = []
    on_time = 0
    missed, held = [], []
    for item in repo.items:
        receipts = item.meta.get("published") or {}
        for pub in publications(item):
            if not in_scope(pub, channel, campaign):
                continue
            receipt = receipts.get(pub.channel) or {}
            at = receipt.get("at")
            if isinstance(at, datetime):
                if not start <= at < end:
                    continue
                per_channel[pub.channel] = per_channel.get(pub.channel, 0) + 1
                year, week = week_key(at.astimezone(zone))
                key = (f"{year}-W{week:02d}", pub.channel)
                per_week[key] = per_week.get(key, 0) + 1
                delay = at - pub.at
                delays.append(_minutes(delay))
                on_time += delay <= tolerance
            elif start <= pub.at < end and pub.at <= now and pub.status in ("approved", "published"):
                entry = {"path": pub.path, "channel": pub.channel, "planned": pub.at.astimezone(zone).isoformat(),
                         "title": pub.title}
                freezes = active_freezes(repo.frame, pub.at, pub.channel)
                (held if freezes and "crisis" not in pub.tags else missed).append(entry)
    weeks = _weeks(start, end, zone)
    cadence = {name: expected_per_week(spec) for name, spec in repo.frame.channels.items()
               if channel is None or name == channel}
    published = sum(per_channel.values())
    return {
        "publications": published,
        "per_channel": dict(sorted(per_channel.items())),
        "per_week": [{"week": week, "channel": name, "count": per_week.get((week, name), 0),
                      "expected": cadence.get(name)}
                     for week in weeks for name in sorted(set(per_channel) | {n for n, c in cadence.items() if c})],
        "on_time": {
            "rate": round(on_time / published, 3) if published else None,
            "formula": N_("receipts within tolerance of the planned time / receipts"),
            "tolerance_minutes": _minutes(tolerance),
            "delay_minutes": _spread(delays),
            "anchor": BUFFER_ANCHOR,
        },
        "missed": sorted(missed, key=lambda e: (e["planned"], e["path"], e["channel"])),
        "held": sorted(held, key=lambda e: (e["planned"], e["path"], e["channel"])),
    }


def expected_per_week(spec: dict) -> float | None:
    cadence = (spec or {}).get("cadence") or {}
    posts, per = cadence.get("posts"), cadence.get("per")
    if not isinstance(posts, int) or per not in ("day", "week", "month"):
        return None
    return round(posts * {"day": 7, "week": 1, "month": 12 / 52}[per], 2)


def _weeks(start: datetime, end: datetime, zone) -> list[str]:
    from ..plan import week_key

    out: list[str] = []
    day = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    for offset in range((last - day).days + 1):  # never a day past `last`: 9999-12-31 has no next day
        year, week = week_key(day + timedelta(days=offset))
        label = f"{year}-W{week:02d}"
        if not out or out[-1] != label:
            out.append(label)
    return out


def freezes(repo, start: datetime, end: datetime, held: int) -> dict:
    """Freezes overlapping the period: how many, how long (clipped to the period)."""
    count, hours = 0, timedelta()
    for freeze in repo.frame.freezes.values():
        begin, until = freeze.get("from"), freeze.get("until") or end
        if not isinstance(begin, datetime) or begin >= end or until <= start:
            continue
        count += 1
        hours += min(until, end) - max(begin, start)
    return {"count": count, "hours": _hours(hours), "items_held": held}


def pipeline(repo, history, now: datetime) -> dict:
    """Items by status now, and how old the ideas and drafts are (days since first commit)."""
    by_status = {status: 0 for status in PIPELINE_STATUSES}
    ages: list[float] = []
    for item in repo.items:
        by_status[item.status] = by_status.get(item.status, 0) + 1
        if item.status in ("idea", "draft"):
            born = history.created.get(item.path) or item.date
            if isinstance(born, datetime) and born <= now:
                ages.append(round((now - born).total_seconds() / 86400, 1))
    return {"by_status": by_status, "idea_draft_age_days": {**_spread(ages), "max": max(ages, default=None)}}


def lead_times(repo, history, start: datetime, end: datetime, campaign: str | None = None) -> dict:
    """First commit → first receipt, and first commit → approval, for items first out in the period."""
    lead, review = [], []
    after_receipt = 0  # first commit after the first receipt: history imported later, no lead time to tell
    for item in repo.items:
        if campaign is not None and item.meta.get("campaign") != campaign:
            continue
        moments = [r.get("at") for r in (item.meta.get("published") or {}).values()
                   if isinstance(r, dict) and isinstance(r.get("at"), datetime)]
        if not moments:
            continue
        first = min(moments)
        born = history.created.get(item.path)
        if not start <= first < end or born is None:
            continue
        if born > first:
            after_receipt += 1
            continue
        lead.append(_hours(first - born))
        approved = history.approved_at(item.path, first)
        if approved is not None:
            review.append(_hours(max(approved - born, timedelta())))
    return {
        "left_out_history_after_receipt": after_receipt,
        "lead_time_hours": {**_spread(lead), "formula": N_("first receipt − first commit of the item")},
        "review_time_hours": {**_spread(review),
                              "formula": N_("last change by a person before the first receipt − first commit")},
    }


def contributors(history, start: datetime, end: datetime) -> dict:
    people, new = history.contributors(start, end)
    return {"count": people, "new": new, "from_git": history.available}
