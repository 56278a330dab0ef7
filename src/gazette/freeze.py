"""``gazette freeze`` / ``unfreeze``: stop every delivery in a crisis, on the record.

A freeze is a file, ``calendar/freezes/<id>.yml``, committed with who froze,
when and why. Unfreezing sets its ``until``: the window stays in history, so
publications whose slot fell inside it are reported as missed instead of
going out in a burst.
"""

from __future__ import annotations

import getpass
import os
from datetime import datetime
from pathlib import Path

from .load import FRAME_FOLDERS
from .slugs import slugify


class FreezeError(Exception):
    pass


def _who() -> str:
    return os.environ.get("GAZETTE_USER") or os.environ.get("GITHUB_ACTOR") or getpass.getuser()


def _quote(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


def freeze(root: Path, now: datetime, reason: str, until: datetime | None = None, channels=(),
           commit: bool = True) -> str:
    """Write and commit a freeze; returns its id."""
    if not reason.strip():
        raise FreezeError("--reason is required: say why, it is shown to everyone")
    if until is not None and until <= now:
        raise FreezeError("--until must be in the future")
    folder = root / FRAME_FOLDERS["freezes"]
    folder.mkdir(parents=True, exist_ok=True)
    freeze_id = f"{now:%Y%m%d-%H%M}-{slugify(reason, 30) or 'gel'}"
    path = folder / f"{freeze_id}.yml"
    if path.exists():
        raise FreezeError(f"{path.relative_to(root)} already exists")
    lines = [f"reason: {_quote(reason)}", f"who: {_quote(_who())}",
             f"from: {now.isoformat(timespec='seconds')}"]
    if until:
        lines.append(f"until: {until.isoformat(timespec='seconds')}")
    if channels:
        lines.append(f"channels: [{', '.join(channels)}]")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if commit:
        _commit(root, [str(path.relative_to(root))], f"gazette freeze: {reason}")
    return freeze_id


def unfreeze(root: Path, now: datetime, freeze_id: str, commit: bool = True) -> str:
    path = root / FRAME_FOLDERS["freezes"] / f"{freeze_id.removesuffix('.yml')}.yml"
    if not path.is_file():
        known = sorted(p.stem for p in path.parent.glob("*.yml")) if path.parent.is_dir() else []
        raise FreezeError(f"no freeze {freeze_id!r} (known: {', '.join(known) or 'none'})")
    from .receipts import set_key

    set_key(path, "until", now.isoformat(timespec="seconds"))
    if commit:
        reason = next((line.partition(":")[2].strip().strip('"') for line in
                       path.read_text(encoding="utf-8").splitlines() if line.startswith("reason:")), freeze_id)
        _commit(root, [str(path.relative_to(root))], f"gazette unfreeze: {reason}")
    return str(path.relative_to(root))


def _commit(root: Path, paths: list[str], message: str) -> None:
    from .publish import commit

    commit(root, paths, message, push=False)
