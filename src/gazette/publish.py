"""Stage 4: deliver what is due, exactly once, and record it in git.

``gazette publish`` reads top to bottom as its stages: load, plan what is
due, hold what a freeze stops, deliver each (item, channel) through its
target, write receipts into front matter, commit once, push with
rebase-and-retry. A failing channel never blocks the others.
"""

from __future__ import annotations

from collections import namedtuple
from datetime import datetime
from hashlib import blake2b
from pathlib import Path

from .plan import active_freezes
from .visibility import is_public

# What the run decided for one publication.
Outcome = namedtuple("Outcome", "path channel at state detail")  # state: due|sent|held|missed|failed
CRISIS_TAG = "crisis"


class PublishError(Exception):
    """Publishing cannot start (not a git repository, push impossible…): exit 2."""


def delivery_key(item, channel: str) -> str:
    """Stable for (item, channel, revision): the same text delivered twice is one delivery."""
    spec = (item.meta.get("channels") or {}).get(channel) or {}
    revision = f"{item.path}\0{channel}\0{spec.get('text', '')}\0{item.meta.get('title', '')}"
    return blake2b(revision.encode("utf-8"), digest_size=16).hexdigest()


def plan(publications_, frame, now: datetime, channels=()) -> list[Outcome]:
    """What is due, held by a freeze, or missed; nothing is delivered here."""
    outcomes = []
    for pub in publications_:
        if not is_public(pub, now):
            continue
        if pub.receipted or pub.at > now or (channels and pub.channel not in channels):
            continue
        crisis = CRISIS_TAG in (pub.tags or ())
        holding = [] if crisis else active_freezes(frame, now, pub.channel)
        if pub.channel not in frame.channels:
            outcomes.append(Outcome(pub.path, pub.channel, pub.at, "failed", "channel not declared"))
        elif holding:
            outcomes.append(Outcome(pub.path, pub.channel, pub.at, "held", f"freeze: {holding[0].get('reason', '')}"))
        elif not crisis and active_freezes(frame, pub.at, pub.channel):
            # Its slot passed during a freeze now over: never sent in a burst on unfreeze.
            outcomes.append(Outcome(pub.path, pub.channel, pub.at, "missed",
                                    "slot passed during a freeze: give it a new date"))
        else:
            outcomes.append(Outcome(pub.path, pub.channel, pub.at, "due", ""))
    return sorted(outcomes, key=lambda o: (o.at.timestamp(), o.path, o.channel))


def planned(root: Path, now: datetime, channels=()) -> tuple[object, list[Outcome]]:
    """(frame, outcomes) from the same per-file cache as ``gazette check``: a run with
    nothing due costs about a warm check."""
    from .check import scan
    from .load import load_frame

    frame, problems = load_frame(root)
    repo, _, store, _ = scan(root, now, frame, problems)
    if store:
        store.save(prune=True)
    return frame, plan(repo.publications, frame, now, channels)


def run(root: Path, now: datetime, channels=(), dry_run: bool = False, push: bool = False,
        progress=None) -> list[Outcome]:
    """Deliver what :func:`plan` finds due; record receipts; commit; push. Returns every outcome.

    A run that loses a push race to another publisher starts again from the
    remote's receipts: what the other run delivered is no longer due, and
    what both delivered was delivered once (targets are idempotent by key).
    """
    for _ in range(3):
        try:
            outcomes = _run_once(root, now, channels, dry_run, push, progress)
            break
        except RaceLost:
            continue
    else:
        raise PublishError("lost the push race three times in a row; run publish again")
    if not dry_run:
        record_run(root, now, outcomes)
    return outcomes


def state_dir(root: Path) -> Path:
    """Machine-local state (the newsletter ledger, the last run): never committed."""
    import os

    return Path(os.environ.get("GAZETTE_STATE_DIR") or Path(root) / ".gazette")


def record_run(root: Path, now: datetime, outcomes: list[Outcome]) -> None:
    """What the last run did, for gazette status ("what failed")."""
    import json

    folder = state_dir(root)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "last-publish.json").write_text(json.dumps({"at": now.isoformat(), "outcomes": [
            {"path": o.path, "channel": o.channel, "at": o.at.isoformat(), "state": o.state, "detail": o.detail}
            for o in outcomes]}, ensure_ascii=False, indent=2), encoding="utf-8")
    except OSError:
        pass


def last_run(root: Path) -> dict | None:
    import json

    try:
        return json.loads((state_dir(root) / "last-publish.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _run_once(root: Path, now: datetime, channels, dry_run: bool, push: bool, progress) -> list[Outcome]:
    from .load import load_repo
    from .receipts import write_receipts
    from .sitelinks import expand_for
    from .targets import Delivery, DeliveryError, target_for

    frame, outcomes = planned(root, now, channels)
    if dry_run or not any(o.state == "due" for o in outcomes):
        return outcomes
    repo = load_repo(root, only={o.path for o in outcomes if o.state == "due"})
    items = {item.path: item for item in repo.items}
    targets: dict[str, object] = {}
    results: list[Outcome] = []
    receipts: dict[str, dict[str, dict]] = {}
    for outcome in progress(outcomes) if progress else outcomes:
        if outcome.state != "due":
            results.append(outcome)
            continue
        item = items[outcome.path]
        config = repo.frame.channels[outcome.channel]
        network = config.get("network")
        spec = (item.meta.get("channels") or {}).get(outcome.channel) or {}
        try:
            if network == "site":
                receipt = {}  # the site shows public items; the receipt marks it published
            else:
                name = config.get("target") or "outbox"
                if name not in targets:
                    targets[name] = target_for(name, root, config)
                delivery = Delivery(item, outcome.channel, network, spec,
                                    expand_for(root, item, spec.get("text") or ""), outcome.at,
                                    delivery_key(item, outcome.channel))
                receipt = targets[name].deliver(delivery, now=now)
        except DeliveryError as error:
            results.append(outcome._replace(state="failed", detail=str(error)))
            continue
        except OSError as error:
            results.append(outcome._replace(state="failed", detail=f"{error.strerror or error}"))
            continue
        receipts.setdefault(outcome.path, {})[outcome.channel] = {"at": now, **receipt}
        results.append(outcome._replace(state="sent"))
    changed = []
    for path, by_channel in receipts.items():
        status = "published" if items[path].status == "approved" else None
        if write_receipts(root / path, by_channel, status):
            changed.append(path)
    if changed:
        commit(root, changed, f"gazette publish: {sum(len(v) for v in receipts.values())} deliveries", push)
    return results


def commit(root: Path, paths: list[str], message: str, push: bool, attempts: int = 3) -> None:
    """One commit for the run; push with rebase-and-retry when the remote moved on."""
    import git

    try:
        repository = git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise PublishError(f"{root} is not a git repository: receipts must be committed") from None
    repository.index.add(paths)
    actor = git.Actor("Gazette", "gazette@localhost")
    repository.index.commit(message, author=actor, committer=actor)
    if not push:
        return
    if not repository.remotes:
        raise PublishError("--push: this repository has no remote")
    remote = repository.remotes[0]
    branch = repository.active_branch.name
    reader = repository.config_reader()
    if not reader.get_value("user", "email", ""):
        # A rebase rewrites our commit and needs a committer, which CI runners lack.
        repository.git.update_environment(GIT_COMMITTER_NAME=actor.name, GIT_COMMITTER_EMAIL=actor.email)
    for attempt in range(attempts):
        try:
            remote.push(f"{branch}:{branch}").raise_if_error()
            return
        except git.GitCommandError as error:
            if attempt == attempts - 1:
                raise PublishError(f"push refused {attempts} times: {error.stderr.strip()}") from None
        try:
            # Another run pushed first: replay our receipts on top of theirs.
            repository.git.pull("--rebase", remote.name, branch)
        except git.GitCommandError:
            # Both runs receipted the same items: theirs stand. Take the remote as it is;
            # the caller re-reads the receipts (deliveries are idempotent by key).
            repository.git.rebase("--abort")
            repository.git.reset("--hard", f"{remote.name}/{branch}")
            raise RaceLost() from None


class RaceLost(Exception):
    """Another publisher pushed receipts for the same items first."""


def summary(outcomes: list[Outcome]) -> str:
    counts = {state: sum(1 for o in outcomes if o.state == state)
              for state in ("due", "sent", "held", "missed", "failed")}
    return ", ".join(f"{n} {state}" for state, n in counts.items() if n) if outcomes else "nothing due"
