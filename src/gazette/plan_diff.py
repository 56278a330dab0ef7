"""``gazette calendar diff BASE [HEAD]``: what a change does to the calendar.

Each side is the repository as of a git revision (read with ``git archive``,
so no checkout is touched) or, for HEAD omitted, the working tree.
Publications are matched by (kind, slug, channel): a renamed file with the
same slug is "moved", not removed and added.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections import namedtuple
from contextlib import contextmanager
from pathlib import Path

from .changes import GitError
from .i18n import _

Change = namedtuple("Change", "change kind slug channel title path before after")


@contextmanager
def repo_at(root: Path, revision: str | None):
    """The repository's content/ and calendar/ as of ``revision`` (None: as they are now)."""
    if revision is None:
        yield root
        return
    folders = [f for f in ("content", "calendar") if _exists_at(root, revision, f)]
    with tempfile.TemporaryDirectory(prefix="gazette-diff-") as temp:
        if folders:
            done = subprocess.run(["git", "archive", "--format=tar", revision, "--", *folders],
                                  cwd=root, capture_output=True)
            if done.returncode:
                raise GitError(done.stderr.decode("utf-8", "replace").strip() or "git archive failed")
            with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
                archive.extractall(temp, filter="data")
        else:
            Path(temp, "content").mkdir()
        yield Path(temp)


def _exists_at(root: Path, revision: str, path: str) -> bool:
    done = subprocess.run(["git", "cat-file", "-e", f"{revision}:{path}"], cwd=root, capture_output=True)
    return done.returncode == 0


def _publications(root: Path) -> dict:
    from .load import load_repo
    from .plan import publications

    repo = load_repo(root, cache=False)
    return {(p.kind, p.slug, p.channel): p for item in repo.items for p in publications(item)}


def diff(root: Path, base: str, head: str | None = None) -> list[Change]:
    """Added, removed, moved (new time) and status-changed publications, by time."""
    _verify(root, base)
    if head:
        _verify(root, head)
    with repo_at(root, base) as before_root:
        before = _publications(before_root)
    with repo_at(root, head) as after_root:
        after = _publications(after_root)
    changes = []
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        kind, slug, channel = key
        if old is None:
            changes.append(Change("added", kind, slug, channel, new.title, new.path, None, new))
        elif new is None:
            changes.append(Change("removed", kind, slug, channel, old.title, old.path, old, None))
        else:
            if old.at != new.at:
                changes.append(Change("moved", kind, slug, channel, new.title, new.path, old, new))
            if old.status != new.status:
                changes.append(Change("status", kind, slug, channel, new.title, new.path, old, new))
    return sorted(changes, key=lambda c: ((c.after or c.before).at, c.channel, c.change))


def _verify(root: Path, revision: str) -> None:
    if revision.startswith("-"):
        raise GitError(_("{revision!r} is not a commit here").format(revision=revision))
    done = subprocess.run(["git", "rev-parse", "--verify", "--quiet", revision + "^{commit}"], cwd=root,
                          capture_output=True)
    if done.returncode:
        raise GitError(_("{revision!r} is not a commit here").format(revision=revision))


def describe(change: Change, zone=None) -> str:
    from .clock import shown

    when = (change.after or change.before).at
    if change.change == "moved":
        what = _("moved {before} → {after}").format(before=shown(change.before.at, zone), after=shown(change.after.at, zone))
    elif change.change == "status":
        what = _("status {before} → {after}").format(before=change.before.status, after=change.after.status)
    else:
        what = _("{change} {when} ({status})").format(change=_(change.change), when=shown(when, zone),
                                                       status=(change.after or change.before).status)
    return f"{change.channel:<20} {what:<58} {change.title}  [{change.path}]"


def to_json(changes: list[Change]) -> str:
    import json

    def pub(p):
        return None if p is None else {"at": p.at.isoformat(), "status": p.status, "path": p.path}

    return json.dumps({"version": 1, "changes": [{
        "change": c.change, "kind": c.kind, "slug": c.slug, "channel": c.channel, "title": c.title,
        "path": c.path, "before": pub(c.before), "after": pub(c.after),
    } for c in changes]}, ensure_ascii=False, indent=2)
