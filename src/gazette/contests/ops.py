"""``gazette contest …``: a contest's life from commitment to data deletion, as library functions.

Git gets what anyone must be able to audit: the commitment, the beacon named
in advance, the entries' counts and digest, the published list of pseudonyms
(``<slug>.entries.txt`` beside the contest), the proof and anonymized winners.
The state folder keeps the rest: the seed (``contests/<slug>.seed``, or
``$GAZETTE_CONTEST_SEED``) and the entries (state database). Front matter is
edited line by line like receipts (:mod:`gazette.receipts`): every other byte
stays as people wrote it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from ..clock import shown
from ..i18n import _, ngettext, os_reason

SEED_ENV = "GAZETTE_CONTEST_SEED"


class ContestError(Exception):
    """A step refused (exit 1 or 2 in the CLI): the message says why and what to do."""

    exit_code = 2


class NothingDone(ContestError):
    """The step ran but could not do its job (exit 1): e.g. no winner could be messaged."""

    exit_code = 1


@dataclass
class Report:
    path: str
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)


# -- finding things ---------------------------------------------------------------------------------

def find(root: Path, slug: str):
    from ..load import load_repo

    repo = load_repo(root, cache=False)
    found = [item for item in repo.items if item.kind == "contest" and item.slug == slug]
    if not found:
        raise ContestError(_("no contest with the slug {slug!r} under content/contests/").format(slug=slug))
    if len(found) > 1:
        raise ContestError(_("{slug!r} names {n} contests: {paths}").format(
            slug=slug, n=len(found), paths=", ".join(i.path for i in found)))
    return repo, found[0]


def seed_file(root: Path, slug: str) -> Path:
    from ..publish import state_dir

    return state_dir(root) / "contests" / f"{slug}.seed"


def local(repo, moment: datetime) -> datetime:
    """A time written into front matter, in the community's zone like receipts."""
    return moment.astimezone(repo.frame.timezone) if repo.frame.timezone else moment


SEED_CONTEXT = b"gazette-contest-seed\n"


def contest_seed(secret: str, slug: str) -> str:
    """The seed of one contest derived from the team's secret: HMAC-SHA-256(secret bytes,
    "gazette-contest-seed\n" + slug). One secret for every contest would reveal the next
    contest's seed with the first draw's proof."""
    import hashlib
    import hmac

    return hmac.digest(bytes.fromhex(secret), SEED_CONTEXT + slug.encode("utf-8"), hashlib.sha256).hex()


def read_seed(root: Path, slug: str) -> str | None:
    from .draw import DrawError, check_seed

    value = os.environ.get(SEED_ENV)
    source = SEED_ENV
    if not value:
        path = seed_file(root, slug)
        if not path.is_file():
            return None
        value, source = path.read_text(encoding="ascii", errors="replace"), str(path)
    try:
        seed = check_seed(value)
    except DrawError as error:
        raise ContestError(f"{source}: {error}") from None
    return contest_seed(seed, slug) if source == SEED_ENV else seed


def list_path(item) -> str:
    return str(Path(item.path).with_name(f"{item.slug}.entries.txt").as_posix())


def _connect(root: Path):
    from ..state import StateError, connect

    try:
        return connect(root)
    except StateError as error:
        raise ContestError(str(error)) from None


# -- writing front matter ----------------------------------------------------------------------------

def write_front(path: Path, values: dict[str, str]) -> None:
    """Set top-level keys to the given YAML texts, each on its own line (replacing the old value,
    block lists included); every other line is kept byte for byte."""
    from ..receipts import ReceiptError, _front_lines, _top_level, atomic_write, set_line

    data = path.read_bytes()
    try:
        front, lines, start, end = _front_lines(data.decode("utf-8"))
    except (ReceiptError, UnicodeDecodeError) as error:
        raise ContestError(f"{path}: {error}") from None
    newline = "\r\n" if lines[0].endswith("\r") else "\n"
    for key, value in values.items():
        at = _top_level(front, key)
        if at is not None:
            after = at + 1  # a block list may sit at the key's own column: "- item" lines
            while after < len(front) and front[after].startswith("- "):
                after += 1
            if after > at + 1:
                front = front[:at] + [f"{key}:{newline.removesuffix(chr(10))}"] + front[after:]
        front = set_line(front, key, value, newline)
    atomic_write(path, "\n".join(lines[:start] + front + lines[end:]).encode("utf-8"))


def flow(value) -> str:
    """One line of YAML for a mapping or list of scalars (which read back as written)."""
    from ..receipts import scalar

    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items() if v is not None) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


def _commit(root: Path, paths: list[str], message: str, now: datetime, report: Report | None = None,
            before_opening: bool = False) -> str | None:
    """Dated ``now``: verify reads the order of the steps from these dates (contest_history).
    Nothing is committed when ``paths`` are as committed already (a step run twice); without a
    repository the report says the person must commit (git is the public record)."""
    from ..gitops import Git, GitFailed

    git = Git(root)
    if not git.is_repository():
        if report is not None:
            named = ", ".join(paths)
            report.warnings.append(
                _("{paths}: not committed (no git repository): commit it yourself before the contest opens").format(
                    paths=named) if before_opening else
                _("{paths}: not committed (no git repository): commit it yourself").format(paths=named))
        return None
    try:
        if not git("status", "--porcelain", "--untracked-files=all", "--", *paths).strip():
            return None
        return git.commit_paths(paths, message, date=now.isoformat())
    except GitFailed as error:
        raise ContestError(_("written but not committed: {error}").format(error=error)) from None


# -- the steps ---------------------------------------------------------------------------------------------

def commit(root: Path, now: datetime, slug: str, beacon: str | None = None, git: bool = True) -> Report:
    """Draw a secret seed, keep it in the state folder, publish its commitment (and the beacon)."""
    from .draw import commitment, new_seed

    root = Path(root)
    repo, item = find(root, slug)
    meta = item.meta
    report = Report(item.path)
    if meta.get("commitment"):
        raise ContestError(_("{path}: already committed ({value}); a new seed would void it").format(
            path=item.path, value=meta["commitment"]))
    if meta.get("opens") and now >= meta["opens"]:
        raise ContestError(_("{path}: the contest opened on {opens}: a commitment published after opening "
                             "proves nothing (participants could not see it in advance)").format(
            path=item.path, opens=shown(meta["opens"], repo.frame.timezone)))
    named = meta.get("beacon")
    beacon = beacon or named
    if not beacon:
        raise ContestError(_("{path}: name the public randomness source in advance: --beacon \"drand quicknet, "
                             "first round after closing + 1 h\" (or --beacon none, which lets the organiser "
                             "bias the draw)").format(path=item.path))
    seed = read_seed(root, slug)
    if seed is None:
        seed = new_seed()
        path = seed_file(root, slug)
        from ..publish import make_state_dir

        make_state_dir(root)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(seed + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        report.lines.append(_("seed kept in {path}: back it up now (losing it voids the draw)").format(path=path))
    else:
        report.lines.append(_("seed taken from ${env} or the state folder").format(env=SEED_ENV))
    values = {"commitment": flow(commitment(seed))}
    if str(beacon) != str(named or ""):
        # The value given on the command line wins over the template's: commit is before opening,
        # so nobody has relied on the source named in the file yet.
        values["beacon"] = flow(str(beacon))
        if named:
            report.lines.append(_("beacon: {given!r} replaces {named!r}").format(given=str(beacon), named=str(named)))
    write_front(root / item.path, values)
    if str(beacon).strip().lower() == "none":
        report.warnings.append(_("beacon: none: without public randomness the organiser, who knows the seed, "
                                 "could bias the draw"))
    report.lines.append(_("commitment {value} written in {path}").format(value=commitment(seed), path=item.path))
    if git:
        _commit(root, [item.path], f"gazette contest commit: {item.path}", now, report, before_opening=True)
    return report


def list_still_open(root: Path, item, now: datetime, zone=None) -> None:
    """Entries may change the list only until it is frozen, and never once the draw date has
    passed: by then the beacon is public and the organiser, who knows the seed, could add or
    keep exactly the entries that win. "Frozen" is read from git too: deleting ``frozen:``
    from the front matter does not reopen the list."""
    from .history import done_before

    meta = item.meta
    if (meta.get("entries") or {}).get("frozen") or done_before(root, item.path, "frozen"):
        raise ContestError(_("{path}: the list was frozen at closing; no entry can be added").format(path=item.path))
    if meta.get("draw") and now >= meta["draw"]:
        raise ContestError(_("{path}: the draw date ({draw}) has passed: the beacon's value may be public, and a list "
                             "changed now could steer the result").format(path=item.path,
                                                                          draw=shown(meta["draw"], zone)))


def import_entries(root: Path, now: datetime, slug: str, file: Path, git: bool = True) -> Report:
    from .entries import EntriesError, judge, load, read_entries, store

    root = Path(root)
    repo, item = find(root, slug)
    report = Report(item.path)
    list_still_open(root, item, now, repo.frame.timezone)
    zone = item.meta["opens"].tzinfo if item.meta.get("opens") else repo.frame.timezone
    try:
        entries, skipped, has_time = read_entries(Path(file), slug, zone)
        connection = _connect(root)
        before = load(connection, slug)
        added = store(connection, slug, Path(file), entries, now)
    except EntriesError as error:
        raise ContestError(str(error)) from None
    for line, why in skipped:
        report.warnings.append(_("{file}:{line}: row skipped: {why}").format(file=file, line=line, why=why))
    if not has_time:
        report.warnings.append(_("{file}: no time column: entries cannot be checked against opens and closes").format(
            file=file))
    if not added:
        report.lines.append(_("{file} was imported already: nothing added").format(file=file))
    else:
        report.lines.append(_("{entries} read from {file}, {skipped}").format(
            entries=ngettext("{n} entry", "{n} entries", len(entries)).format(n=len(entries)), file=file,
            skipped=ngettext("{n} row skipped", "{n} rows skipped", len(skipped)).format(n=len(skipped))))
    # Judged here from what was read rather than reloaded: a first import of 100,000 rows
    # otherwise spends half its time reading back what it just wrote.
    report.data = summarize(root, item, connection, results=judge(before + (entries if added else []), item.meta))
    report.lines.append(counted(report.data))
    if git:
        _commit(root, [item.path], f"gazette contest entries: {item.path} summary", now, report)
    return report


def counted(summary: dict) -> str:
    """"12 entries, 1 eligible": each number with its own plural."""
    return _("{entries}, {eligible}").format(
        entries=ngettext("{n} entry", "{n} entries", summary["count"]).format(n=summary["count"]),
        eligible=ngettext("{n} eligible", "{n} eligible", summary["eligible"]).format(n=summary["eligible"]))


def judged(connection, slug: str, meta: dict):
    from .entries import judge, load

    return judge(load(connection, slug), meta)


def summarize(root: Path, item, connection, frozen_at: datetime | None = None, results=None) -> dict:
    """The ``entries:`` summary written in the front matter (the report reads it)."""
    from .draw import list_digest, pseudonyms

    if results is None:
        results = judged(connection, item.slug, item.meta)
    eligible = [j.entry.identity for j in results if j.reason is None]
    summary = {"count": len(results), "eligible": len(eligible)}
    seed = read_seed(root, item.slug)
    if seed is not None:
        summary["digest"] = list_digest(pseudonyms(seed, eligible))
    if frozen_at is not None:
        summary["frozen"] = frozen_at
    write_front(Path(root) / item.path, {"entries": flow(summary)})
    return summary


def close(root: Path, now: datetime, slug: str, git: bool = True) -> Report:
    """Freeze the eligible list as pseudonyms, publish it and its digest, before the beacon exists."""
    from .draw import list_bytes, pseudonyms
    from .entries import freeze
    from ..receipts import atomic_write

    root = Path(root)
    repo, item = find(root, slug)
    meta = item.meta
    report = Report(item.path)
    if now < meta["closes"]:
        raise ContestError(_("{path}: the contest closes on {closes}: close it then").format(
            path=item.path, closes=shown(meta["closes"], repo.frame.timezone)))
    list_still_open(root, item, now, repo.frame.timezone)
    seed = read_seed(root, slug)
    if seed is None or not meta.get("commitment"):
        raise ContestError(_("{path}: no committed seed (gazette contest commit before opening, or set ${env})").format(
            path=item.path, env=SEED_ENV))
    connection = _connect(root)
    results = [j for j in judged(connection, slug, meta) if j.reason is None]
    ids = pseudonyms(seed, [j.entry.identity for j in results])
    freeze(connection, slug, list(zip(ids, [j.entry.id for j in results])))
    listed = list_path(item)
    atomic_write(root / listed, list_bytes(ids))
    report.data = summarize(root, item, connection, frozen_at=local(repo, now))
    report.lines.append(ngettext("{n} eligible entry frozen; pseudonym published in {path}, digest {digest}",
                                 "{n} eligible entries frozen; pseudonyms published in {path}, digest {digest}",
                                 len(ids)).format(n=len(ids), path=listed, digest=report.data.get("digest")))
    if git:
        _commit(root, [item.path, listed], f"gazette contest close: {item.path}", now, report)
    return report


# Courtesy titles are not first names: "Dr Léa Martin" is "Léa M.", not "Dr M.".
TITLES = frozenset({"dr", "docteur", "pr", "professeur", "m", "mr", "mme", "mlle", "mrs", "ms", "miss", "me",
                    "maître", "madame", "monsieur", "mademoiselle"})


def anonymized(name: str, pseudonym: str) -> str:
    """"Léa Martin" → "Léa M."; anything else (one word, which may be a surname or a handle; an e-mail;
    digits or underscores) → a label nobody can trace back without the seed. An export in "MARTIN Léa"
    order is recognized by its capitals; "Martin Léa" cannot be told from "Léa Martin"."""
    from .rules import NAME_WORD

    parts = [p for p in name.split() if p.casefold().rstrip(".") not in TITLES]
    if len(parts) >= 2 and all(NAME_WORD.fullmatch(p) for p in parts):
        first, last = parts[0], parts[-1]
        if first.isupper() and not last.isupper():
            first, last = last, first
        return f"{first[:40]} {last[0].upper()}."
    return f"Participant·e {pseudonym[:6]}"


def draw(root: Path, now: datetime, slug: str, beacon_value: str | None, alternates: int | None = None,
         git: bool = True) -> Report:
    from .draw import DrawError, check_beacon, draw as run_draw, parse_list, prize_units
    from .draw import VerifyError, commitment
    from .entries import frozen, load

    root = Path(root)
    repo, item = find(root, slug)
    meta = item.meta
    report = Report(item.path)
    from .history import done_before

    if meta.get("draw_proof") or done_before(root, item.path, "draw_proof"):  # git remembers a deleted proof
        raise ContestError(_("{path}: the draw took place already (the draw is once; a winner who does not "
                             "answer is replaced with gazette contest replace)").format(path=item.path))
    entries_meta = meta.get("entries") or {}
    if not entries_meta.get("frozen"):
        raise ContestError(_("{path}: freeze the list first: gazette contest close {slug}").format(
            path=item.path, slug=slug))
    named = str(meta.get("beacon") or "").strip().lower()
    try:  # normalized before the test: "none" or blanks given here would drop the beacon named in advance
        beacon_value = check_beacon(beacon_value)
    except DrawError as error:
        raise ContestError(str(error)) from None
    if named == "none":
        beacon_value = ""
        report.warnings.append(_("beacon: none: the organiser could bias the draw"))
    elif not beacon_value:
        raise ContestError(_("{path}: give the beacon's value: --beacon VALUE (the source named in advance: "
                             "{beacon})").format(path=item.path, beacon=meta.get("beacon")))
    seed = read_seed(root, slug)
    if seed is None:
        raise ContestError(_("{path}: the seed is not in the state folder nor in ${env}: without it there is no "
                             "draw (see docs/contests.md, 'seed lost')").format(path=item.path, env=SEED_ENV))
    if commitment(seed) != meta.get("commitment"):
        raise ContestError(_("{path}: this seed does not match the published commitment").format(path=item.path))
    try:
        ids = parse_list((root / list_path(item)).read_bytes(), list_path(item))
    except OSError as error:
        raise ContestError(f"{list_path(item)}: {os_reason(error)}") from None
    except VerifyError as error:
        raise ContestError(str(error)) from None
    units = prize_units(meta.get("prizes") or ())
    try:
        result = run_draw(seed, beacon_value, ids, len(units), len(units) if alternates is None else alternates)
    except DrawError as error:
        raise ContestError(str(error)) from None
    if result.digest != entries_meta.get("digest"):
        raise ContestError(_("{path}: the list file does not match the digest committed at closing").format(
            path=list_path(item)))
    connection = _connect(root)
    links = frozen(connection, slug)
    by_id = {e.id: e for e in load(connection, slug)}
    names = []
    for pseudonym in result.ranking[:result.winners]:
        entry = by_id.get(links.get(pseudonym))
        names.append(anonymized(entry.name if entry else "", pseudonym))
    proof = {"seed": seed, "beacon": result.beacon, "digest": result.digest, "count": result.count,
             "winners": result.winners, "ranking": list(result.ranking),
             "at": local(repo, now)}
    write_front(root / item.path, {"draw_proof": flow(proof), "winners": flow(names)})
    for place, (pseudonym, unit) in enumerate(zip(result.ranking, units), 1):
        report.lines.append(f"{place}. {pseudonym}  {names[place - 1]}  {unit.get('name')}")
    for place, pseudonym in enumerate(result.ranking[result.winners:], result.winners + 1):
        report.lines.append(f"{place}. {pseudonym}  {_('alternate')}")
    report.data = {"winners": names, "ranking": list(result.ranking)}
    if git:
        _commit(root, [item.path], f"gazette contest draw: {item.path}", now, report)
    return report


def verify(root: Path, slug: str, list_file: Path | None = None) -> Report:
    """Recompute the proof from public data only (the front matter and the published list)."""
    from .draw import VerifyError, parse_list, prize_units, verify as check

    root = Path(root)
    repo, item = find(root, slug)
    meta = item.meta
    proof = meta.get("draw_proof") or {}
    report = Report(item.path)
    if not proof:
        if not meta.get("commitment"):
            raise VerifyError(_("{path}: nothing to verify: no commitment and no draw").format(path=item.path))
        report.lines.append(_("not drawn yet: commitment {value}").format(value=meta["commitment"]))
        return report
    path = Path(list_file) if list_file else root / list_path(item)
    try:
        ids = parse_list(path.read_bytes(), str(list_file or list_path(item)))
    except OSError as error:
        raise VerifyError(f"{path}: {os_reason(error)}") from None
    if (meta.get("entries") or {}).get("digest") not in (None, proof.get("digest")):
        raise VerifyError(_("the digest in entries: and in draw_proof: differ"))
    named = str(meta.get("beacon") or "").strip()
    if named.lower() != "none" and not str(proof.get("beacon") or "").strip():
        raise VerifyError(_("the draw used no beacon value, yet the source {beacon!r} was named in advance: "
                            "the organiser could have steered the result").format(beacon=named or None))
    units = len(prize_units(meta.get("prizes") or ()))
    ranking = [str(p) for p in proof.get("ranking") or ()]
    try:
        winners = int(proof.get("winners"))
    except (TypeError, ValueError):
        raise VerifyError(_("draw_proof.winners: not a number of winners")) from None
    if winners != min(units, len(ids)) or len(ranking) < winners or len(meta.get("winners") or ()) != winners:
        raise VerifyError(_("the proof names {winners} winners and ranks {ranked} people, the contest lists {listed} "
                            "winners, for {units} prizes among {n} entries: the proof was cut or altered").format(
            winners=winners, ranked=len(ranking), listed=len(meta.get("winners") or ()), units=units, n=len(ids)))
    report.lines += check(commitment_value=meta.get("commitment"), seed=str(proof.get("seed") or ""),
                          beacon=str(proof.get("beacon") or ""), digest=str(proof.get("digest") or ""),
                          ranking=ranking, ids=ids, count=proof.get("count"))
    from .history import check_order

    report.lines += check_order(root, item)
    return report


def notify(root: Path, now: datetime, slug: str, days: int = 15, git: bool = True) -> Report:
    """Private messages to the winners, as files in outbox/contests/<slug>/ (never in git), and the
    answer deadline in the front matter. Once per winner: a winner replaced later is told then."""
    from .entries import frozen, load

    root = Path(root)
    repo, item = find(root, slug)
    meta = item.meta
    proof = meta.get("draw_proof") or {}
    if not proof:
        raise ContestError(_("{path}: no draw yet").format(path=item.path))
    report = Report(item.path)
    notified = meta.get("notified") if isinstance(meta.get("notified"), dict) else None
    changes = [dict(c) for c in meta.get("replaced") or ()]
    pending: dict[int, int] = {}  # a place replaced after the first notice → its change, not yet notified
    if notified:
        # A second notice would move the deadline the winners were given: only a winner who took a
        # replaced place is told now, with a deadline of their own (recorded in their replaced: entry).
        first = notified.get("at")
        for index, change in enumerate(changes):
            pending[int(change.get("rank") or 0)] = index
        pending = {place: index for place, index in pending.items()
                   if not changes[index].get("deadline") and isinstance(first, datetime)
                   and isinstance(changes[index].get("at"), datetime) and changes[index]["at"] >= first}
        shown_first = {key: shown(value, repo.frame.timezone) if isinstance(value, datetime) else value
                       for key, value in notified.items()}
        if not pending:
            raise ContestError(_("{path}: the winners were notified on {at}, with until {deadline} to answer; a second "
                                 "notice would move their deadline (a replaced winner is notified after gazette "
                                 "contest replace)").format(path=item.path, **shown_first))
        report.lines.append(_("first notice of {at} kept, with its deadline {deadline}").format(**shown_first))
    connection = _connect(root)
    links = frozen(connection, slug)
    by_id = {e.id: e for e in load(connection, slug)}
    folder = _outbox(root, slug)
    deadline = local(repo, now) + timedelta(days=days)
    messaged, erased = 0, []
    for place, pseudonym in enumerate(current_winners(meta), 1):
        if notified and place not in pending:
            continue
        entry = by_id.get(links.get(pseudonym))
        if entry is None:
            erased.append(place)
            report.warnings.append(_("rank {place}: the entry was erased; replace this winner").format(place=place))
            continue
        message = {"to": entry.email or entry.handle, "contest": slug, "rank": place,
                   "text": _("Congratulations! You won in « {title} ». Answer before {deadline} to receive your "
                             "prize.").format(title=item.title, deadline=deadline.strftime("%d/%m/%Y %H:%M")),
                   "deadline": deadline.isoformat()}
        target = folder / f"{place:03d}-{pseudonym[:12]}.json"
        target.write_text(json.dumps(message, ensure_ascii=False, indent=2), encoding="utf-8")
        report.lines.append(_("message for rank {place} in {path}").format(place=place, path=target))
        messaged += 1
        if place in pending:
            changes[pending[place]]["deadline"] = deadline
    if erased and not messaged:
        # Recording a notice nobody received would start the answer deadline for winners never
        # told, and refuse the notice their replacements need.
        raise NothingDone(_("{path}: no message written: the entries of rank {places} were erased; replace these "
                            "winners (gazette contest replace {slug} RANK --reason \"entry erased\"), then notify "
                            "again").format(path=item.path, places=", ".join(map(str, erased)), slug=slug))
    if notified:
        write_front(root / item.path, {"replaced": flow(changes)})
    else:
        write_front(root / item.path, {"notified": flow({"at": now.astimezone(deadline.tzinfo), "deadline": deadline})})
    if git:
        _commit(root, [item.path], f"gazette contest notify: {item.path}", now, report)
    return report


def _outbox(root: Path, slug: str) -> Path:
    """outbox/contests/<slug>/ (or under $GAZETTE_OUTBOX), made without following a symbolic link."""
    chosen = os.environ.get("GAZETTE_OUTBOX")
    current = Path(chosen) if chosen else Path(root) / "outbox"
    for part in ("", "contests", slug):
        current = current / part if part else current
        if current.is_symlink():
            raise ContestError(_("{path} is a symbolic link: the outbox never writes through one").format(
                path=current))
        current.mkdir(parents=not part, exist_ok=True)
        if part == "contests":  # winners' addresses: never committed, even by a "git add -A"
            ignore = current / ".gitignore"
            if not ignore.is_file() and not ignore.is_symlink():
                ignore.write_text("# Written by Gazette: winners' addresses, never committed\n*\n",
                                  encoding="utf-8")
    return current


def current_winners(meta: dict) -> list[str]:
    """The winners' pseudonyms after replacements: each replaced place takes the next alternate."""
    proof = meta.get("draw_proof") or {}
    ranking = [str(p) for p in proof.get("ranking") or ()]
    winners = ranking[: int(proof.get("winners") or 0)]
    for change in meta.get("replaced") or ():
        place, by = int(change.get("rank") or 0), int(change.get("by") or 0)
        if 1 <= place <= len(winners) and 1 <= by <= len(ranking):
            winners[place - 1] = ranking[by - 1]
    return winners


def replace(root: Path, now: datetime, slug: str, winner: str, reason: str, git: bool = True) -> Report:
    """A winner who did not answer in time gives way to the next unused alternate, recorded in git."""
    from .entries import frozen, load

    root = Path(root)
    repo, item = find(root, slug)
    meta = item.meta
    proof = meta.get("draw_proof") or {}
    if not proof:
        raise ContestError(_("{path}: no draw yet").format(path=item.path))
    names = list(meta.get("winners") or ())
    winners = current_winners(meta)
    if winner.isdigit():
        place = int(winner)
    elif winner in names:
        place = names.index(winner) + 1
    else:
        raise ContestError(_("{winner!r} is neither a rank (1…{n}) nor a name in winners:").format(
            winner=winner, n=len(winners)))
    if not 1 <= place <= len(winners):
        raise ContestError(_("rank {place} is not a winner (1…{n})").format(place=place, n=len(winners)))
    ranking = [str(p) for p in proof.get("ranking") or ()]
    used = {int(c.get("by") or 0) for c in meta.get("replaced") or ()}
    spare = [rank for rank in range(len(winners) + 1, len(ranking) + 1) if rank not in used]
    if not spare:
        raise ContestError(_("no alternate left: the prize stays unawarded (say so on the contest page)"))
    by = spare[0]
    connection = _connect(root)
    entry = {e.id: e for e in load(connection, slug)}.get(frozen(connection, slug).get(ranking[by - 1]))
    names += [""] * (len(winners) - len(names))
    names[place - 1] = anonymized(entry.name if entry else "", ranking[by - 1])
    changes = [dict(c) for c in meta.get("replaced") or ()] + [
        {"rank": place, "by": by, "reason": reason, "at": local(repo, now)}]
    write_front(root / item.path, {"winners": flow(names), "replaced": flow(changes)})
    report = Report(item.path, [_("rank {place} replaced by alternate {by} ({name})").format(
        place=place, by=by, name=names[place - 1])])
    if git:
        _commit(root, [item.path], f"gazette contest replace: {item.path} rank {place}: {reason}", now, report)
    return report


def purge(root: Path, now: datetime, slug: str, force: str | None = None, git: bool = True) -> Report:
    """Delete the entries once they are no longer needed: after the draw and the retention period
    (``force``: the reason to do it earlier, recorded in git). Once only."""
    from .entries import purge as delete
    from .history import done_before

    root = Path(root)
    repo, item = find(root, slug)
    meta = item.meta
    zone = repo.frame.timezone
    connection = _connect(root)
    stored = connection.execute("SELECT count(*) FROM contest_entries WHERE contest = ?", (slug,)).fetchone()[0]
    # Once: a second purge would only move the recorded date (git remembers a deleted purged:), unless
    # entries were imported again after a forced one.
    if not stored and (meta.get("purged") or done_before(root, item.path, "purged")):
        raise ContestError(_("{path}: the entries were purged already: nothing left to delete").format(
            path=item.path))
    force = (force or "").strip() or None
    if force is None:
        if not meta.get("draw_proof"):
            raise ContestError(_("{path}: the draw has not taken place: the entries are still needed to freeze the "
                                 "list, draw and notify the winners (or --force REASON, recorded in git)").format(
                path=item.path))
        retention, closes = meta.get("retention"), meta.get("closes")
        if ("retention",) in item.lines and (isinstance(retention, bool) or not isinstance(retention, int)
                                            or retention < 1):
            # Unreadable ("trois mois") must not read as "no retention": that would purge at once.
            raise ContestError(_("{path}: retention: is not a number of days, so the period the règlement keeps the "
                                 "entries is unknown: write it in days (e.g. retention: 92), or --force REASON, "
                                 "recorded in git").format(path=item.path))
        if retention and closes and now < closes + timedelta(days=int(retention)):
            raise ContestError(_("{path}: the règlement keeps the entries {days} days after closing, until {until}: "
                                 "purge then (or --force REASON, recorded in git)").format(
                path=item.path, days=retention, until=shown(closes + timedelta(days=int(retention)), zone)))
    count = delete(connection, slug)
    seed = seed_file(root, slug)
    report = Report(item.path, [ngettext("{n} entry deleted from the state database",
                                         "{n} entries deleted from the state database", count).format(n=count)])
    if seed.exists() and (meta.get("draw_proof") or {}).get("seed"):
        seed.unlink()  # published in the proof: the copy is no longer needed
    if not (meta.get("entries") or {}).get("frozen"):  # a forced purge while open: the summary says none left
        summarize(root, item, connection)
    values = {"purged": flow(local(repo, now))}
    if force:
        values["purge_reason"] = flow(force)
    write_front(root / item.path, values)
    if git:
        message = f"gazette contest purge: {item.path}" + (f" (forced: {force})" if force else "")
        _commit(root, [item.path], message, now, report)
    return report


def public_proof(item) -> dict:
    """What the contest page shows of the draw: the commitment before it, the whole proof after,
    and the command that checks it (every value is text the template escapes)."""
    meta = item.meta
    proof = meta.get("draw_proof") or {}
    entries = meta.get("entries") or {}
    shown = {"commitment": meta.get("commitment"), "beacon": meta.get("beacon"),
             "digest": entries.get("digest") if entries.get("frozen") else None,
             "eligible": entries.get("eligible") if entries.get("frozen") else None,
             "list": f"{item.slug}.entries.txt" if entries.get("frozen") else None,
             "seed": proof.get("seed"), "beacon_value": proof.get("beacon"),
             "ranking": [str(p) for p in proof.get("ranking") or ()][: int(proof.get("winners") or 0)],
             "verify": f"gazette contest verify {item.slug}" if proof else None}
    return shown if shown["commitment"] else {}
