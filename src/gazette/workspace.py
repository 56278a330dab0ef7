"""An agency's communities at once: ``gazette --workspace FILE calendar|status|check``.

``gazette-workspace.yml`` names each community by its folder (relative to
the file), a short name and a colour::

    communities:
      - {path: ../fabrique, name: fabrique, colour: "#1b5e20"}
      - {path: ../jardin, name: jardin, colour: "#8e24aa"}

Each community is loaded on its own (its own zone, channels, cache), so one
broken community is reported and the others still show. Channels may name
an ``owner`` (a person's key, the same across the agency's communities):
two publications by the same owner within :data:`CLASH_WINDOW` in different
communities are a conflict, the thing one person cannot do at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from .i18n import _, os_reason

FILE_NAME = "gazette-workspace.yml"
COLOUR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
CLASH_WINDOW = timedelta(minutes=30)
DEFAULT_COLOURS = ("#1b5e20", "#0d47a1", "#b71c1c", "#4a148c", "#e65100", "#006064", "#3e2723", "#263238")


class WorkspaceError(Exception):
    """The workspace file cannot be used (exit 2)."""


@dataclass
class Community:
    name: str
    path: Path
    colour: str


@dataclass
class CommunityResult:
    community: Community
    error: str | None = None          # the community could not be read at all
    data: object = None


@dataclass
class Clash:
    owner: str
    first: tuple[str, object]         # (community, calendar entry)
    second: tuple[str, object]


def load(path: Path | str) -> list[Community]:
    import yaml

    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise WorkspaceError(f"{path}: {os_reason(error)}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise WorkspaceError(_("{path}: not readable YAML ({error})").format(path=path, error=str(error).replace("\n", " "))) from None
    entries = raw.get("communities") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise WorkspaceError(_("{path}: expected 'communities:' with a list of {{path, name, colour}}").format(path=path))
    communities, names, folders = [], set(), {}
    for index, entry in enumerate(entries, 1):
        where = _("{path}: community {index}").format(path=path, index=index)
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise WorkspaceError(_("{where}: give at least path: (the community's folder)").format(where=where))
        folder = (path.parent / entry["path"]).resolve()
        name = str(entry.get("name") or folder.name)
        if not NAME.fullmatch(name):
            raise WorkspaceError(_("{where}: name {name!r}: lowercase letters, digits, - and _ (40 at most)").format(
                where=where, name=name))
        if name in names:
            raise WorkspaceError(_("{where}: name {name!r} is used twice").format(where=where, name=name))
        names.add(name)
        if folder in folders:  # one community counted twice: doubled calendar, clashes with itself
            raise WorkspaceError(_("{where}: {folder} is listed twice (also as {name!r})").format(
                where=where, folder=folder, name=folders[folder]))
        folders[folder] = name
        colour = str(entry.get("colour") or entry.get("color") or DEFAULT_COLOURS[(index - 1) % len(DEFAULT_COLOURS)])
        if not COLOUR.fullmatch(colour):
            raise WorkspaceError(_("{where}: colour {colour!r}: write #rgb or #rrggbb").format(where=where, colour=colour))
        communities.append(Community(name, folder, colour))
    return communities


def display_zone(communities):
    """The zone a workspace view shows times in: the first community's (an agency's home zone
    usually comes first); None if none can be read."""
    from .load import load_frame

    for community in communities:
        try:
            zone = load_frame(community.path)[0].timezone
        except Exception:  # an unreadable community is reported by the view itself
            continue
        if zone is not None:
            return zone
    return None


def _each(communities, work):
    """``work(community)`` for each community; a community that cannot be read is a result, not a stop."""
    from .root import RepoNotFound, find_root

    results = []
    for community in communities:
        try:
            root = find_root(community.path)
            if root != community.path:
                raise RepoNotFound(f"{community.path}: no content/ or calendar/ folder")
            results.append(CommunityResult(community, data=work(community)))
        except (RepoNotFound, OSError) as error:
            results.append(CommunityResult(community, error=str(error)))
    return results


# -- calendar --------------------------------------------------------------------------

def calendar(communities, now: datetime, start=None, end=None):
    """(entries of every community tagged with it, clashes, results) for one window."""
    from . import agenda
    from .load import load_repo

    owners_by_channel: dict[tuple[str, str], str] = {}

    def work(community):
        repo = load_repo(community.path)
        for channel, spec in repo.frame.channels.items():
            if isinstance(spec, dict) and spec.get("owner"):
                owners_by_channel[(community.name, channel)] = str(spec["owner"])
        return [entry._replace(uid=f"{community.name}.{entry.uid}", community=community.name)
                for entry in agenda.build(repo, now, start, end)]

    results = _each(communities, work)
    entries = sorted((e for r in results if r.data for e in r.data),
                     key=lambda e: (e.start.timestamp(), e.community, e.channel or "", e.path))
    return entries, clashes(entries, owners_by_channel), results


def clashes(entries, owners_by_channel) -> list[Clash]:
    """The same owner due to post in two communities within CLASH_WINDOW."""
    by_owner: dict[str, list] = {}
    for entry in entries:
        owner = owners_by_channel.get((entry.community, entry.channel)) if entry.kind == "publication" else None
        if owner and entry.status != "cancelled":
            by_owner.setdefault(owner, []).append(entry)
    found = []
    for owner, mine in sorted(by_owner.items()):
        mine.sort(key=lambda e: e.start.timestamp())
        for earlier, later in zip(mine, mine[1:]):
            if later.community != earlier.community and later.start - earlier.start < CLASH_WINDOW:
                found.append(Clash(owner, (earlier.community, earlier), (later.community, later)))
    return found


# -- status ------------------------------------------------------------------------------

@dataclass
class Status:
    freezes: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)
    zone: object = None


def _status_of(path: Path, now: datetime) -> Status:
    from .plan import active_freezes
    from .publish import planned

    frame, outcomes = planned(path, now)
    active = active_freezes(frame, now)
    return Status([f for f in frame.freezes.values() if f in active], outcomes, frame.timezone or now.tzinfo)


def status(communities, now: datetime, workers: int | None = None) -> list[CommunityResult]:
    """Every community's active freezes and what publish would do now.

    Communities are independent, so from PARALLEL_FROM of them on they are planned
    in a process pool (one process a core): 20 communities of 2,000 items take
    about half the time on 2 cores (scripts/bench_workspace.py).
    """
    import os

    workers = workers or os.cpu_count() or 1
    if workers < 2 or len(communities) < PARALLEL_FROM:
        return _each(communities, lambda community: _status_of(community.path, now))
    from concurrent.futures import ProcessPoolExecutor

    readable = _each(communities, lambda community: None)
    with ProcessPoolExecutor(max_workers=min(workers, len(communities))) as pool:
        futures = {id(r): pool.submit(_status_of, r.community.path, now) for r in readable if not r.error}
        for result in readable:
            if not result.error:
                try:
                    result.data = futures[id(result)].result()
                except OSError as error:
                    result.error = str(error)
    return readable


PARALLEL_FROM = 4


# -- check -------------------------------------------------------------------------------

def check(communities, now: datetime) -> list[CommunityResult]:
    from .check import run_check

    return _each(communities, lambda community: run_check(community.path, now))


# -- report ------------------------------------------------------------------------------
# `gazette report` is built on another branch: when it lands, its workspace view registers
# here as REPORT = function(communities, now, **options) -> text, and the CLI calls it.
REPORT = None
