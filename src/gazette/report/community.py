"""Community and care: newsletter deliveries, moderation, contests, campaign and action targets.

Counts only, never a person: the newsletter receipt records numbers, moderation
weekly counts per family (metrics/moderation.csv), contests their entry counts
and anonymized winners.
"""

from __future__ import annotations

from datetime import datetime

from ..model import TARGET_METRICS


def newsletters(repo, start: datetime, end: datetime) -> list[dict]:
    """One row per newsletter issue sent in the period, with publish's recorded counts."""
    rows = []
    for item in repo.items:
        if item.kind != "newsletter":
            continue
        receipt = (item.meta.get("published") or {}).get("newsletter")
        if not isinstance(receipt, dict) or not isinstance(receipt.get("at"), datetime):
            continue
        if not start <= receipt["at"] < end:
            continue
        at = receipt["at"].astimezone(repo.frame.timezone or start.tzinfo)  # the day people saw it arrive
        rows.append({"path": item.path, "title": item.title, "at": at.isoformat(),
                     "sent": receipt.get("recipients"), "refused": receipt.get("refused"),
                     "deferred": receipt.get("deferred"), "suppressed": receipt.get("suppressed"),
                     "list_size": receipt.get("list_size")})
    return sorted(rows, key=lambda row: (row["at"], row["path"]))


def moderation(rows: list[dict], start: datetime, end: datetime) -> list[dict]:
    """metrics/moderation.csv rows whose week (a Monday) falls in the period."""
    first, last = start.date().isoformat(), end.date().isoformat()
    out = [row for row in rows if first <= row["week"] < last or
           (row["week"] < first and _week_end(row["week"]) > first)]
    return sorted(out, key=lambda row: (row["week"], row["family"]))


def _week_end(week: str) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(week) + timedelta(days=7)).isoformat()


def contests(repo, start: datetime, end: datetime) -> list[dict]:
    """Contests open during the period: entries, eligible entries, winners (from front matter)."""
    rows = []
    for item in repo.items:
        if item.kind != "contest":
            continue
        opens, closes = item.meta.get("opens"), item.meta.get("closes")
        if not isinstance(opens, datetime) or not isinstance(closes, datetime):
            continue
        if opens >= end or closes < start:
            continue
        entries = item.meta.get("entries") if isinstance(item.meta.get("entries"), dict) else {}
        winners = item.meta.get("winners")
        rows.append({"path": item.path, "title": item.title, "opens": opens.isoformat(),
                     "closes": closes.isoformat(), "entries": _count(entries.get("count")),
                     "eligible": _count(entries.get("eligible")),
                     "winners": len(winners) if isinstance(winners, list) else 0})
    return sorted(rows, key=lambda row: (row["opens"], row["path"]))


def _count(value):
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


COMMUNITY_WIDE = {"followers", "subscribers", "mentions"}  # mentions name the brand, not a campaign


def targets(repo, start: datetime, end: datetime, results: dict) -> list[dict]:
    """Campaign and action goals ``target: {metric, value}`` against what the period measured.

    ``results``: metric -> {campaign slug or None: value}; None is the community-wide figure.
    """
    rows = []
    sources = [("campaign", repo.frame.campaigns), ("action", getattr(repo.frame, "actions", {}) or {})]
    for kind, entries in sources:
        for slug, spec in sorted(entries.items()):
            target = (spec or {}).get("target")
            if not isinstance(target, dict):
                continue
            metric, goal = target.get("metric"), target.get("value")
            if metric not in TARGET_METRICS or not isinstance(goal, (int, float)) or isinstance(goal, bool):
                continue
            measured = results.get(metric, {})
            # An action is measured by the UTM campaign its links carry; only community-wide
            # metrics fall back to the community's figure (a campaign's signups are not the total).
            key = ((spec or {}).get("utm") or {}).get("campaign") or slug if kind == "action" else slug
            value = measured.get(key)
            if value is None and metric in COMMUNITY_WIDE:
                value = measured.get(None)
            rows.append({"kind": kind, "slug": slug, "name": (spec or {}).get("name") or slug, "metric": metric,
                         "target": goal, "value": value,
                         "progress": round(value / goal, 3) if value is not None and goal else None})
    return rows
