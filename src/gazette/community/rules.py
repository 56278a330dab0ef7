"""``relation/*`` rules: the registry, recruitment actions and paid collaborations.

Item rules (action exists, paid mention) read only the item and the frame, so
they are cached per file; what crosses files (duplicates, references, opt-outs,
stale relations) is one repository rule over the cached registry.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from ..i18n import _
from ..lazypattern import lazy
from ..load import Item, Repo
from ..problems import Problem
from ..validate import _did_you_mean, rule

STALE_AFTER = timedelta(days=90)
# The two mentions the law names (accents and case folded), as words or hashtags: a
# substring would accept "#nopublicite" or "publicitaire".
PAID_MENTION = lazy(r"(?<!\w)(?:publicite|collaboration\s+commerciale|#collaborationcommerciale)(?!\w)")
# "Sans publicité", "pas de collaboration commerciale", "non-publicité": a denial, not a mention.
NEGATION = lazy(r"(?<!\w)(?:sans|pas|non|ni|aucune?|zero|jamais|no|not|without)\W+(?:(?:de|d|une?|la|l|du)\W+)?$")


# -- items -------------------------------------------------------------------------

@rule("ref")
def action_exists(item: Item, repo: Repo):
    action = item.meta.get("action")
    if action and action not in repo.frame.actions:
        yield Problem("ref/action", item.path, item.line_of("action"),
                      _("action {name!r} has no file calendar/actions/{name}.yml").format(name=action),
                      _did_you_mean(action, repo.frame.actions) or _("create the action file first"))


def is_paid(item: Item, frame) -> bool:
    action = frame.actions.get(item.meta.get("action") or "")
    return bool(item.meta.get("collaboration") or (action and action.get("paid")))


def has_paid_mention(text: str) -> bool:
    folded = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()
    return any(not NEGATION.search(folded, 0, match.start()) for match in PAID_MENTION.finditer(folded))


@rule("relation")
def paid_mention(item: Item, repo: Repo):
    """French law on influencers (9 June 2023, art. 5): a paid collaboration says so, clearly,
    in every message: « Publicité » or « Collaboration commerciale »."""
    if not is_paid(item, repo.frame):
        return
    why = _("collaboration: true") if item.meta.get("collaboration") else \
        _("action {name} is paid").format(name=item.meta.get("action"))
    for name, spec in (item.meta.get("channels") or {}).items():
        text = (spec or {}).get("text")
        if isinstance(text, str) and not has_paid_mention(text):
            yield Problem("relation/paid-mention", item.path, item.line_of("channels", name, "text"),
                          _("the {channel} text of a paid collaboration ({why}) does not say « Publicité »")
                          .format(channel=name, why=why),
                          _("start it with « Publicité » or « Collaboration commerciale »"))


# -- the registry and the actions ---------------------------------------------------

def _concerned(only) -> bool:
    return only is None or any(p.startswith(("community/", "calendar/actions/")) for p in only)


@rule("relation", scope="repo")
def registry_rules(repo: Repo, only: set | None):
    if not _concerned(only):
        return
    from .registry import load_registry

    registry = load_registry(repo.root, repo.frame, full=False)
    yield from registry.problems  # the files' own and the cross-file ones (duplicates, contacts)
    people, places = registry.people, registry.places

    for slug, action in repo.frame.actions.items():
        yield from _action_problems(slug, action, repo, people, places)

    yield from stale_relations(repo, people)
    yield from data_files(repo.root)


DATA_FILES = (".csv", ".tsv", ".xls", ".xlsx", ".ods", ".vcf")


def data_files(root):
    """Exports and address books dropped in community/: only the public registry belongs there."""
    import os

    base = os.path.join(root, "community")
    for folder, dirs, files in os.walk(base):  # os.walk follows no symbolic link
        dirs.sort()
        for name in sorted(files):
            if name.lower().endswith(DATA_FILES):
                path = os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
                yield Problem("relation/data-file", path, None,
                              _("{path} is a data file in the repository: relation history and contact details "
                                "are personal data").format(path=path),
                              _("move it out of the repository; the state database keeps the history "
                                "(gazette community import)"))


def _action_problems(slug: str, action: dict, repo: Repo, people: dict, places: dict):
    path, lines = action["_path"], action["_lines"]
    targets = action.get("targets") or {}
    planned = repo.now is None or action.get("to") is None or action["to"] >= repo.now
    for index, key in enumerate(targets.get("people") or ()):
        line = lines.get(("targets", "people", index))
        person = people.get(key)
        if person is None:
            yield Problem("relation/unknown-person", path, line,
                          _("target {key!r} has no file community/people/{key}.yml").format(key=key),
                          _did_you_mean(key, people) or _("add the person first"))
        elif planned and (person.get("opt_out") or person.get("stage") == "declined"):
            why = _("opted out") if person.get("opt_out") else _("declined")
            yield Problem("relation/opted-out", path, line,
                          _("action {action} targets {key}, who {why}").format(action=slug, key=key, why=why),
                          _("remove {key} from targets.people").format(key=key))
    for index, key in enumerate(targets.get("places") or ()):
        if key not in places:
            yield Problem("relation/unknown-place", path, lines.get(("targets", "places", index)),
                          _("target {key!r} has no file community/places/{key}.yml").format(key=key),
                          _did_you_mean(key, places) or _("add the place first"))
    campaign = action.get("campaign")
    if campaign and campaign not in repo.frame.campaigns:
        yield Problem("ref/campaign", path, lines.get(("campaign",)),
                      _("campaign {name!r} has no file calendar/campaigns/{name}.yml").format(name=campaign),
                      _did_you_mean(campaign, repo.frame.campaigns) or _("create the campaign file first"))
    if action.get("from") and action.get("to") and action["to"] < action["from"]:
        yield Problem("config/window", path, lines.get(("to",)), _("the action ends before it starts"),
                      _("swap from: and to:"))


def stale_relations(repo: Repo, people: dict):
    """Engaged and ambassador relations nobody touched for 90 days: the last contact in the
    state database, else the last commit of the person's file."""
    if repo.now is None:
        return
    active = {key: p for key, p in people.items() if p.get("stage") in ("engaged", "ambassador")}
    if not active:
        return
    touched = last_touched(repo.root, active)
    for key, person in sorted(active.items()):
        last = touched.get(key)
        if last is None or repo.now - last <= STALE_AFTER:
            continue
        days = (repo.now - last).days
        yield Problem("relation/stale", person["_path"], person["_lines"].get(("stage",)),
                      _("{stage} relation untouched for {days} days (last: {day})").format(
                          stage=person["stage"], days=days, day=_day(last, repo.frame.timezone)),
                      _("get in touch and run gazette community log {key} \"…\", or change stage:").format(key=key))


def _day(moment, zone) -> str:
    """The day of an instant in the community's zone (a commit time is UTC: 00:30 in Paris
    is the day before there)."""
    return (moment.astimezone(zone) if zone is not None else moment).date().isoformat()


def last_touched(root, people: dict) -> dict:
    """key -> when the relation was last touched: the last contact logged in the state
    database where there is one, else the last commit of the person's file."""
    from .relations import last_contacts, read_only

    touched = {}
    connection = read_only(root)
    if connection is not None:
        try:
            touched = {k: v for k, v in last_contacts(connection).items() if k in people}
        finally:
            connection.close()
    untouched = {people[key]["_path"]: key for key in people if key not in touched}
    if untouched:
        for path, at in last_commits(root, list(untouched)).items():
            touched[untouched[path]] = at
    return touched


def last_commits(root, paths: list[str]) -> dict:
    """The last commit time of each path (none outside git): one ``git log`` per HEAD,
    remembered in the cache folder (a warm check then spawns no process)."""
    from datetime import datetime, timezone

    times = _commit_times(root)
    return {path: datetime.fromtimestamp(times[path], timezone.utc) for path in paths if path in times}


def _commit_times(root) -> dict[str, int]:
    import subprocess

    from .. import sealed
    from ..cache import cache_dir

    head = head_id(root)
    memo = cache_dir(root) / "registry-commits.marshal"
    if head:
        times = sealed.read(memo, head)  # None: absent, damaged or another HEAD: ask git
        if type(times) is dict:
            return times
    try:
        out = subprocess.run(["git", "-c", "core.quotePath=false", "log", "--format=@%ct", "--name-only",
                              "--", "community/people"], cwd=root, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return {}
    if out.returncode:
        return {}
    times, at = {}, 0
    for line in out.stdout.splitlines():
        if line.startswith("@"):
            at = int(line[1:])
        elif line and line not in times:
            times[line] = at
    if head:
        sealed.write(memo, head, times)
    return times


def head_id(root) -> str | None:
    """HEAD's commit id read from the files git keeps (no process), or None if unsure."""
    import os

    git = os.path.join(root, ".git")
    try:
        if os.path.isfile(git):  # a worktree or submodule: "gitdir: <path>"
            with open(git, encoding="utf-8") as handle:
                git = os.path.join(root, handle.read().strip().removeprefix("gitdir: "))
        with open(os.path.join(git, "HEAD"), encoding="utf-8") as handle:
            head = handle.read().strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        common = git
        if os.path.isfile(os.path.join(git, "commondir")):
            with open(os.path.join(git, "commondir"), encoding="utf-8") as handle:
                common = os.path.join(git, handle.read().strip())
        for base in (git, common):
            try:
                with open(os.path.join(base, ref), encoding="utf-8") as handle:
                    return ref + ":" + handle.read().strip()
            except OSError:
                continue
        with open(os.path.join(common, "packed-refs"), encoding="utf-8") as handle:
            for line in handle:
                if line.rstrip().endswith(" " + ref):
                    return ref + ":" + line.split(" ", 1)[0]
    except OSError:
        return None
    return None
