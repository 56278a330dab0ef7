"""``gazette freeze`` / ``unfreeze``: stop every delivery in a crisis, on the record.

A freeze is a file, ``calendar/freezes/<id>.yml``, committed with who froze,
when and why. Unfreezing sets its ``until``: the window stays in history, so
publications whose slot fell inside it are reported as missed instead of
going out in a burst.
"""

from __future__ import annotations

import getpass
import os
from datetime import datetime, timezone
from pathlib import Path

from .i18n import _
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
           commit: bool = True, push: bool | None = None) -> str:
    """Write, commit and push a freeze; returns its id.

    ``push``: None pushes when the branch has a remote, False stays local.
    """
    if not reason.strip():
        raise FreezeError(_("--reason is required: say why, it is shown to everyone"))
    if until is not None and until <= now:
        raise FreezeError(_("--until must be in the future"))
    folder = root / FRAME_FOLDERS["freezes"]
    folder.mkdir(parents=True, exist_ok=True)
    # The id is UTC-based whatever zone ``now`` is in (the file says the local time),
    # so two machines freezing at one instant agree on it.
    freeze_id = f"{now.astimezone(timezone.utc):%Y%m%d-%H%M}-{slugify(reason, 30) or 'gel'}"
    path = folder / f"{freeze_id}.yml"
    if path.exists():
        raise FreezeError(_('{root} already exists').format(root=path.relative_to(root)))
    lines = [f"reason: {_quote(reason)}", f"who: {_quote(_who())}",
             f"from: {now.isoformat(timespec='seconds')}"]
    if until:
        lines.append(f"until: {until.isoformat(timespec='seconds')}")
    if channels:
        lines.append(f"channels: [{', '.join(channels)}]")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if commit:
        _commit(root, [str(path.relative_to(root))], f"gazette freeze: {reason}", push)
    return freeze_id


def unfreeze(root: Path, now: datetime, freeze_id: str, commit: bool = True, push: bool | None = None) -> str:
    path = root / FRAME_FOLDERS["freezes"] / f"{freeze_id.removesuffix('.yml')}.yml"
    if not path.is_file():
        known = sorted(p.stem for p in path.parent.glob("*.yml")) if path.parent.is_dir() else []
        raise FreezeError(_('no freeze {freeze_id!r} (known: {value})')
                              .format(freeze_id=freeze_id, value=', '.join(known) or _('none')))
    from .receipts import set_key

    set_key(path, "until", now.isoformat(timespec="seconds"))
    if commit:
        from . import yamlsafe

        try:
            data, _lines = yamlsafe.parse(path.read_text(encoding="utf-8"))
        except yamlsafe.YAMLProblem:
            data = None
        reason = data.get("reason") if isinstance(data, dict) and data.get("reason") else freeze_id
        _commit(root, [str(path.relative_to(root))], f"gazette unfreeze: {reason}", push)
    return str(path.relative_to(root))


def _commit(root: Path, paths: list[str], message: str, push: bool | None) -> None:
    """Commit only ``paths`` (a person's staged files stay staged), then share the change.

    The pushed commit is the freeze file on top of the remote branch, not the
    local branch: a crisis freeze must not publish someone's unpushed work with it.
    """
    from .gitops import Git, GitFailed

    git = Git(root)
    if not git.is_repository():
        raise FreezeError(_('{root} is not a git repository: a freeze must be committed to reach publishers')
                              .format(root=root))
    try:
        git.commit_paths(paths, message)
        if push is False:
            return
        branch = git.branch()
        remote = git.remote(branch)
        if remote is None:
            if push:
                raise FreezeError(_("--push: this repository has no remote"))
            return
        _share(git, remote, branch, paths, message)
    except GitFailed as error:
        raise FreezeError(_('{error} (the freeze is committed here; push it by hand, or run again)')
                              .format(error=error)) from None


def _share(git, remote: str, branch: str, paths: list[str], message: str, attempts: int = 3) -> None:
    import tempfile

    from .gitops import IDENTITY, GitFailed, PushRefused

    upstream = f"refs/remotes/{remote}/{branch}"
    own_identity = git("config", "user.email", ok=(0, 1)).strip()
    for attempt in range(attempts):
        git.fetch(remote, f"+refs/heads/{branch}:{upstream}")
        base = git.ref(upstream)
        with tempfile.TemporaryDirectory(prefix="gazette-index-") as folder:
            env = {"GIT_INDEX_FILE": os.path.join(folder, "index")}
            git("read-tree", base, env=env)
            git("update-index", "--add", "--", *paths, env=env)
            tree = git("write-tree", env=env).strip()
        sha = git("commit-tree", tree, "-p", base, "-m", message, env=None if own_identity else IDENTITY).strip()
        try:
            git.push(remote, f"{sha}:refs/heads/{branch}")
            break
        except PushRefused:
            raise
        except GitFailed:
            if attempt == attempts - 1:
                raise
    git.fetch(remote, f"+refs/heads/{branch}:{upstream}")
    head = git.head()
    # Nothing else was unpushed here: take the shared commit instead of our twin of it.
    if git.is_ancestor(f"{head}^", upstream) and git("rev-parse", f"{head}^{{tree}}") == \
            git("rev-parse", f"{upstream}^{{tree}}"):
        git("update-ref", "HEAD", git.ref(upstream), head)
