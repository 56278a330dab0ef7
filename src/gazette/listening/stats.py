"""Listening KPIs, as plain data for ``gazette report`` and ``gazette mentions stats``.

Time to answer counts business hours only (``business_hours`` in
listening.yml, in the community's zone), as Sprout Social and Agorapulse do:
a question at 17:55 on Friday answered at 09:05 on Monday took 10 minutes.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, time, timedelta

from . import config

UNANSWERED_AFTER = timedelta(hours=24)


def business_seconds(start: datetime, end: datetime, settings: dict, zone) -> float:
    opens, closes, days = config.opening(settings)
    if end <= start:
        return 0.0
    start, end = start.astimezone(zone), end.astimezone(zone)
    total, day = 0.0, start.date()
    while day <= end.date():
        if day.weekday() in days:
            begin = datetime.combine(day, opens, zone)
            finish = (datetime.combine(day + timedelta(days=1), time(0), zone) if closes == time.max
                      else datetime.combine(day, closes, zone))
            low, high = max(begin, start), min(finish, end)
            if high > low:
                total += (high - low).total_seconds()
        day += timedelta(days=1)
    return total


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q  # linear interpolation, like numpy's default
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mention_stats(connection, settings: dict, now: datetime, zone, since: datetime | None = None,
                  until: datetime | None = None) -> dict:
    """Mentions per place and day, share of voice, criticism/praise, answer times, late criticism.
    ``until`` (excluded) lets a report on a past month leave out what came after it."""
    from .store import utc

    bounds = [(" at >= ?", since), (" at < ?", until)]
    conditions = [(text, utc(moment)) for text, moment in bounds if moment is not None]
    where = " WHERE" + " AND".join(text for text, _moment in conditions) if conditions else ""
    args = [value for _text, value in conditions]
    rows = connection.execute(f"SELECT id, place, source, at, brand, keywords, class, needs_answer, answered_at, "
                              f"ignored_at FROM mentions{where}", args).fetchall()
    competitors = set((settings.get("competitors") or {}).keys())
    per_place, per_day, classes, voice = Counter(), Counter(), Counter(), Counter()
    answer_hours, late = [], []
    for mention_id, place, source, at, brand, keywords, cls, needs, answered, ignored in rows:
        published = datetime.fromisoformat(at)
        for name in json.loads(keywords):
            if name in competitors:
                voice[name] += 1
        if not brand:
            continue
        voice["_brand"] += 1
        per_place[place or source] += 1
        per_day[published.astimezone(zone).date().isoformat()] += 1
        classes[cls] += 1
        if answered:
            answer_hours.append(business_seconds(published, datetime.fromisoformat(answered), settings, zone) / 3600)
        elif cls == "criticism" and not ignored and now - published > UNANSWERED_AFTER:
            late.append(mention_id)
    brand = voice.pop("_brand", 0)
    everyone = brand + sum(voice.values())
    return {
        "mentions": brand,
        "per_place": dict(per_place.most_common()),
        "per_day": dict(sorted(per_day.items())),
        "classes": {name: classes.get(name, 0) for name in ("question", "criticism", "praise", "other")},
        "share_of_voice": {"brand": round(brand / everyone, 3) if everyone else None,
                           "competitors": {name: round(count / everyone, 3) for name, count in voice.most_common()},
                           "counts": {"brand": brand, **dict(voice.most_common())}},
        "criticism_praise_ratio": (round(classes["criticism"] / classes["praise"], 2) if classes["praise"]
                                   else None),
        "answered": len(answer_hours),
        "answer_hours_median": _rounded(_quantile(answer_hours, 0.5)),
        "answer_hours_p90": _rounded(_quantile(answer_hours, 0.9)),
        "unanswered_criticism_24h": len(late),
        "unanswered_criticism_ids": sorted(late),
    }


def _rounded(value):
    return None if value is None else round(value, 2)


def report_figures(root, now: datetime, since: datetime | None = None, until: datetime | None = None) -> dict | None:
    """What ``gazette report`` calls: the KPIs of :func:`mention_stats`, or None when no watch or
    import ever stored anything (the state database is not created just to say so)."""
    from ..load import load_frame
    from ..publish import state_dir
    from ..state import FILE_NAME, connect

    if not (state_dir(root) / FILE_NAME).is_file():
        return None
    frame, _problems = load_frame(root)
    zone = frame.timezone or now.tzinfo
    settings, _problems = config.load(root, zone)
    connection = connect(root)
    try:
        return mention_stats(connection, settings, now, zone, since, until)
    finally:
        connection.close()
