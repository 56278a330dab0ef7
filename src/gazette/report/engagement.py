"""Engagement KPIs from metrics/: every rate names its formula.

Engagement rate has no single definition: interactions (reactions + comments +
shares + clicks) divided by impressions, by reach or by followers. The default
is by impressions; a channel may choose another with ``engagement:`` in
calendar/channels.yml, and the report says which one each figure uses.
"""

from __future__ import annotations

from datetime import datetime

from ..i18n import N_

DENOMINATORS = ("impressions", "reach", "followers")
INTERACTIONS = ("reactions", "comments", "shares", "clicks")
# Whole texts (not one with {by}) so each can be translated where it is shown; the JSON keeps them in English.
FORMULAS = {"impressions": N_("(reactions + comments + shares + clicks) / impressions"),
            "reach": N_("(reactions + comments + shares + clicks) / reach"),
            "followers": N_("(reactions + comments + shares + clicks) / followers")}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def interactions(row: dict) -> int:
    return sum(row.get(name) or 0 for name in INTERACTIONS)


def rate(rows: list[dict], by: str) -> float | None:
    total = sum(row.get(by) or 0 for row in rows)
    return round(sum(interactions(r) for r in rows) / total, 4) if total else None


def denominator(frame, channel: str) -> str:
    chosen = ((frame.channels.get(channel) or {}).get("engagement"))
    return chosen if chosen in DENOMINATORS else "impressions"


def in_period(rows: list[dict], start: datetime, end: datetime, zone) -> list[dict]:
    first = start.astimezone(zone).date().isoformat()
    last = end.astimezone(zone).date().isoformat()
    return [row for row in rows if first <= row["date"] < last]


def _group(rows: list[dict], key) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for row in rows:
        for name in key(row):
            groups.setdefault(name, []).append(row)
    return dict(sorted(groups.items()))


def _totals(rows: list[dict], by: str) -> dict:
    out = {name: sum(row.get(name) or 0 for row in rows)
           for name in ("impressions", "reach", "reactions", "comments", "shares", "clicks")}
    out.update(interactions=sum(interactions(r) for r in rows), rate=rate(rows, by), formula=FORMULAS[by])
    return out


def engagement(repo, rows: list[dict], previous: list[dict]) -> dict:
    """Per channel, kind, campaign, category and weekday × hour; top and bottom items; follower growth."""
    items = {item.path: item for item in repo.items}
    posts = [row for row in rows if row["network"] != "web"]
    per_channel = {}
    for channel, group in _group(posts, lambda r: [r["channel"] or r["network"]]).items():
        per_channel[channel] = _totals(group, denominator(repo.frame, channel))

    def of_item(getter):
        return lambda r: getter(items[r["item"]]) if r["item"] in items else []

    matched = [row for row in posts if row["item"]]
    heat: dict[tuple[int, int], list[dict]] = {}
    for row in matched:
        item = items.get(row["item"])
        receipt = ((item.meta.get("published") or {}).get(row["channel"]) or {}) if item else {}
        at = receipt.get("at") if isinstance(receipt, dict) else None
        if isinstance(at, datetime):
            local = at.astimezone(repo.frame.timezone or at.tzinfo)
            heat.setdefault((local.weekday(), local.hour), []).append(row)
    per_item = _group(matched, lambda r: [r["item"]])
    ranked = sorted(((rate(group, "impressions"), path) for path, group in per_item.items()
                     if rate(group, "impressions") is not None), key=lambda pair: (-pair[0], pair[1]))
    return {
        "formula": FORMULAS["impressions"],
        "rate": rate(posts, "impressions"),
        "previous_rate": rate([r for r in previous if r["network"] != "web"], "impressions"),
        "rows": len(rows),
        "unmatched_rows": sum(1 for row in posts if not row["item"]),
        "per_channel": per_channel,
        "per_week": [{"week": week, "channel": channel, "impressions": sum(r.get("impressions") or 0 for r in group),
                      "interactions": sum(interactions(r) for r in group),
                      "rate": rate(group, denominator(repo.frame, channel))}
                     for (week, channel), group in sorted(_by_week(posts).items())],
        "per_kind": {k: _totals(g, "impressions") for k, g in _group(matched, of_item(lambda i: [i.kind])).items()},
        "per_campaign": {k: _totals(g, "impressions")
                         for k, g in _group([r for r in posts if r["campaign"]], lambda r: [r["campaign"]]).items()},
        "per_category": {k: _totals(g, "impressions") for k, g in _group(
            matched, of_item(lambda i: [str(c) for c in i.meta.get("categories") or ()])).items()},
        "heatmap": [{"weekday": WEEKDAYS[day], "hour": hour, "posts": len(group),
                     "rate": rate(group, "impressions")} for (day, hour), group in sorted(heat.items())],
        "top": [_ranked(items, path, value) for value, path in ranked[:5]],
        "bottom": [_ranked(items, path, value) for value, path in ranked[-5:][::-1]] if len(ranked) > 5 else [],
        "followers": follower_growth(rows),
        "web": _totals([row for row in rows if row["network"] == "web"], "impressions") | {
            "visits": sum(row.get("visits") or 0 for row in rows if row["network"] == "web"),
            "signups": sum(row.get("signups") or 0 for row in rows if row["network"] == "web")},
    }


def _by_week(rows: list[dict]) -> dict[tuple[str, str], list[dict]]:
    from datetime import date

    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        year, week, _ = date.fromisoformat(row["date"]).isocalendar()
        groups.setdefault((f"{year}-W{week:02d}", row["channel"] or row["network"]), []).append(row)
    return groups


def _ranked(items, path: str, value: float) -> dict:
    item = items.get(path)
    return {"path": path, "title": item.title if item else path, "rate": value}


def follower_growth(rows: list[dict]) -> list[dict]:
    """Followers gained per account and day (the exports' follows / new followers columns)."""
    per: dict[tuple[str, str], int] = {}
    for row in rows:
        if row.get("followers"):
            key = (row["channel"] or row["network"], row["date"])
            per[key] = per.get(key, 0) + row["followers"]
    return [{"channel": channel, "date": day, "gained": gained} for (channel, day), gained in sorted(per.items())]


def by_campaign(rows: list[dict], metric: str) -> dict:
    """metric -> {campaign: value, None: community-wide} for campaign targets."""
    out: dict = {None: 0}
    for row in rows:
        value = row.get(metric) or 0
        out[None] += value
        if row["campaign"]:
            out[row["campaign"]] = out.get(row["campaign"], 0) + value
    return out

