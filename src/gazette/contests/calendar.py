"""A contest's life as dated steps for ``gazette calendar`` and ``gazette status``:
à venir → ouvert → clos → tirage → gagnants annoncés → données supprimées, each done,
planned or overdue (the draw date passed without a draw, winners not announced a week
after it, entries kept past the retention period)."""

from __future__ import annotations

from collections import namedtuple
from datetime import datetime, timedelta

Step = namedtuple("Step", "key label at state")  # state: done | planned | overdue

ANNOUNCE_WITHIN = timedelta(days=7)


def steps(item, now: datetime) -> list[Step]:
    meta = item.meta
    opens, closes, draw = meta.get("opens"), meta.get("closes"), meta.get("draw")
    proof = meta.get("draw_proof") or {}
    found: list[Step] = []

    def add(key, label, at, done, due=True):
        if at is None:
            return
        state = "done" if done else "overdue" if due and now > at else "planned"
        found.append(Step(key, label, at, state))

    add("opens", "ouverture", opens, opens is not None and now >= opens, due=False)
    add("closes", "clôture", closes, closes is not None and now >= closes, due=False)
    drawn_at = proof.get("at") if isinstance(proof.get("at"), datetime) else None
    add("draw", "tirage", drawn_at or draw, bool(proof), due=bool(meta.get("commitment")) or item.status in (
        "approved", "published"))
    base = drawn_at or draw
    if base is not None:
        add("winners", "gagnants annoncés", base + ANNOUNCE_WITHIN if not meta.get("winners") else base,
            bool(meta.get("winners")) and bool(proof or meta.get("winners")))
    retention = meta.get("retention")
    purged = meta.get("purged") if isinstance(meta.get("purged"), datetime) else None
    if purged or (retention and closes):
        add("purge", "données supprimées", purged or closes + timedelta(days=int(retention)), purged is not None,
            due=bool(meta.get("entries")))
    return found


def contest_paths(root) -> list[str]:
    from pathlib import Path

    base = Path(root) / "content" / "contests"
    return sorted(p.relative_to(root).as_posix() for p in base.glob("*/*.md") if p.is_file()) if base.is_dir() else []


def overdue(root, now: datetime) -> list[tuple[str, Step]]:
    """(path, step) of every overdue step, for ``gazette status``."""
    from ..load import load_repo

    paths = contest_paths(root)
    if not paths:
        return []
    repo = load_repo(root, only=set(paths))
    return [(item.path, step) for item in repo.items if item.kind == "contest" and item.status != "cancelled"
            for step in steps(item, now) if step.state == "overdue"]
