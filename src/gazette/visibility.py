"""The one visibility rule. The site, feeds, search, lists and publish all call it."""

from __future__ import annotations

from datetime import datetime

PUBLIC_STATUSES = frozenset({"approved", "published"})


def is_public(item, now: datetime) -> bool:
    """Public iff status is approved or published and the date has come."""
    date = item.meta.get("date")
    return item.meta.get("status") in PUBLIC_STATUSES and date is not None and date <= now
