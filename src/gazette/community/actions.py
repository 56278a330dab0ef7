"""Recruitment actions (``calendar/actions/<slug>.yml``): which are running, what they add to links."""

from __future__ import annotations

from datetime import datetime


def due_actions(frame, now: datetime) -> list[tuple[str, dict]]:
    """(slug, action) of the actions running at ``now`` (from ≤ now ≤ to), by start."""
    running = [(slug, action) for slug, action in frame.actions.items()
               if action.get("from") and action.get("to") and action["from"] <= now <= action["to"]]
    return sorted(running, key=lambda pair: (pair[1]["from"].timestamp(), pair[0]))


def as_json(slug: str, action: dict) -> dict:
    return {"slug": slug, "path": action["_path"], "name": action.get("name"), "kind": action.get("kind"),
            "from": action["from"].isoformat(), "to": action["to"].isoformat(),
            "campaign": action.get("campaign"), "target": action.get("target"), "paid": bool(action.get("paid"))}
