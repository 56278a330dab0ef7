"""The one visibility rule. The site, feeds, search, lists and publish all call it."""

from __future__ import annotations

from datetime import datetime

PUBLIC_STATUSES = frozenset({"approved", "published"})


def is_public(item, now: datetime) -> bool:
    """Public iff status is approved or published and the date has come.

    ``item`` is an Item or one of its plan.Publication tuples (both have status and date).
    """
    date = item.date
    return item.status in PUBLIC_STATUSES and date is not None and date <= now
