"""``gazette list``: items by date, like ``hugo list future``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from .i18n import _
from .visibility import is_public


def list_items(root: Path, now: datetime, kind=None, status=None, when=None):
    from .load import load_repo

    items = load_repo(root).items
    if kind:
        items = [i for i in items if i.kind == kind]
    if status:
        items = [i for i in items if i.status == status]
    if when == "future":
        items = [i for i in items if i.date and i.date > now]
    elif when == "past":
        items = [i for i in items if i.date and i.date <= now]
    far_past = datetime.min.replace(tzinfo=now.tzinfo)
    return sorted(items, key=lambda i: (i.date or far_past, i.path))


def render_text(items, now: datetime, zone=None) -> str:
    """One line per item; dates in ``zone`` (the community's) with their offset."""
    from .clock import shown

    if not items:
        return _("no items")
    rows = []
    for item in items:
        date = shown(item.date, zone) if item.date else _("(no date)")
        seen = _("public") if is_public(item, now) else _("hidden")
        rows.append((date, _(item.kind), item.status, seen, item.path, item.title))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r[:5], widths)) + "  " + r[5] for r in rows)


def render_json(items, now: datetime) -> str:
    return json.dumps({
        "version": 1,
        "now": now.isoformat(),
        "items": [{
            "path": i.path, "kind": i.kind, "slug": i.slug, "title": i.title, "status": i.status,
            "date": i.date.isoformat() if i.date else None, "public": is_public(i, now),
        } for i in items],
    }, ensure_ascii=False, indent=2)
