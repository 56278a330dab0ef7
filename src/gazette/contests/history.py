"""What git remembers of a contest: the order of its steps, which the final front matter cannot prove.

The organiser holds the seed: if the list could still change once the beacon is public,
or the draw could be run again, they could choose the result. The front matter alone can
be edited back (delete ``frozen:``, delete ``draw_proof:``), so the steps are read from
every committed version of the contest: when each value first appeared, and whether it
changed since. Committer dates are the organiser's to set until the commits are pushed:
the history proves the order of the steps to whoever saw the pushes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Version:
    commit: str
    at: datetime
    meta: dict


@dataclass(frozen=True)
class Step:
    """The first committed version where a value appeared, and the value then."""
    commit: str
    at: datetime
    value: object


def versions(root: Path, path: str) -> list[Version]:
    """Every committed version of the contest's front matter, oldest first ([] outside git)."""
    import yaml

    from ..gitops import Git, GitFailed
    from ..load import split_front_matter

    git = Git(root)
    try:
        if not git.is_repository():
            return []
        log = git("log", "--format=%H %cI", "--", path)
    except GitFailed:
        return []
    found = []
    for line in reversed(log.splitlines()):
        commit, _, when = line.partition(" ")
        data = git.show(commit, path)
        parts = split_front_matter(data.decode("utf-8", "replace")) if data else None
        try:
            meta = yaml.safe_load(parts[0]) if parts else None
        except yaml.YAMLError:
            meta = None
        found.append(Version(commit, datetime.fromisoformat(when), meta if isinstance(meta, dict) else {}))
    return found


def _frozen_list(meta: dict):
    entries = meta.get("entries") if isinstance(meta.get("entries"), dict) else {}
    return (entries.get("frozen"), entries.get("digest")) if entries.get("frozen") else None


READERS = {"commitment": lambda meta: meta.get("commitment") or None,
           "frozen": _frozen_list,
           "draw_proof": lambda meta: meta.get("draw_proof") or None,
           "purged": lambda meta: meta.get("purged") or None}


def first_steps(history: list[Version]) -> dict[str, Step]:
    """When the commitment, the frozen list and the proof were first committed."""
    steps = {}
    for version in history:
        for name, read in READERS.items():
            value = read(version.meta)
            if value is not None and name not in steps:
                steps[name] = Step(version.commit, version.at, value)
    return steps


def done_before(root: Path, path: str, step: str) -> Step | None:
    """The commit where ``step`` ("frozen", "draw_proof") was first recorded, even if the
    front matter no longer shows it."""
    return first_steps(versions(root, path)).get(step)


def late_freeze(meta: dict) -> str | None:
    """Why the frozen time in the front matter is too late, or None: a list frozen after the
    draw date or after the draw was frozen when the beacon's value could be known."""
    from ..clock import shown
    from ..i18n import _

    entries = meta.get("entries") if isinstance(meta.get("entries"), dict) else {}
    frozen, draw = entries.get("frozen"), meta.get("draw")
    drawn = (meta.get("draw_proof") or {}).get("at") if isinstance(meta.get("draw_proof"), dict) else None
    if not isinstance(frozen, datetime):
        return None
    if isinstance(draw, datetime) and frozen > draw:
        return _("the list was frozen on {frozen}, after the draw date ({draw}): the beacon's value could be known, "
                 "and the organiser, who knows the seed, could have chosen the list").format(
            frozen=shown(frozen), draw=shown(draw))
    if isinstance(drawn, datetime) and frozen > drawn:
        return _("the list was frozen on {frozen}, after the draw ({drawn}): the organiser, who knows the seed, "
                 "could have chosen the list").format(frozen=shown(frozen), drawn=shown(drawn, frozen.tzinfo))
    return None


def check_order(root: Path, item) -> list[str]:
    """The steps happened in the order that makes the draw fair, as the front matter and git
    history say. Raises VerifyError; returns what was checked, in words."""
    from .draw import VerifyError
    from ..clock import shown
    from ..i18n import _

    meta = item.meta
    late = late_freeze(meta)
    if late:
        raise VerifyError(late)
    history = versions(root, item.path)
    if not history:
        return [_("no git history of {path}: the order of the steps is not checked").format(path=item.path)]
    steps = first_steps(history)
    commitment, frozen, drawn = steps.get("commitment"), steps.get("frozen"), steps.get("draw_proof")
    entries = meta.get("entries") or {}
    proof = meta.get("draw_proof") or {}

    def changed(step: Step | None, now, then, name: str) -> None:
        if step is not None and now != then:
            raise VerifyError(_("{name} was changed after it was first committed ({commit}): the published "
                                "value is not the one recorded then").format(name=name, commit=step.commit[:12]))

    changed(commitment, str(meta.get("commitment")), commitment and str(commitment.value), "commitment")
    changed(frozen, str(entries.get("digest")), frozen and str(frozen.value[1]), "entries.digest")
    keys = ("seed", "beacon", "digest", "count", "winners", "ranking")
    changed(drawn, [str(proof.get(k)) for k in keys], drawn and [str(drawn.value.get(k)) for k in keys], "draw_proof")
    if commitment is not None and drawn is not None and commitment.commit == drawn.commit:
        return [_("the commitment and the draw are in one commit ({commit}): git cannot show their order").format(
            commit=drawn.commit[:12])]
    opens, draw = meta.get("opens"), meta.get("draw")
    if commitment is not None and isinstance(opens, datetime) and commitment.at >= opens:
        raise VerifyError(_("the commitment was first committed on {at}, after the opening ({opens}): participants "
                            "could not see it in advance").format(at=shown(commitment.at, opens.tzinfo), opens=shown(opens)))
    if drawn is not None and (frozen is None or frozen.commit == drawn.commit):
        raise VerifyError(_("the list was not frozen in a commit before the draw's: it could have been chosen "
                            "knowing the beacon"))
    if frozen is not None and isinstance(draw, datetime) and frozen.at > draw:
        raise VerifyError(_("the list was first committed frozen on {at}, after the draw date ({draw})").format(
            at=shown(frozen.at, draw.tzinfo), draw=shown(draw)))
    return [_("git history: commitment, frozen list and draw committed in that order, none changed since")]
