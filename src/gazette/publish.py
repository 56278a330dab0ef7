"""Stage 4: deliver what is due, exactly once, and record it in git.

``gazette publish`` reads top to bottom as its stages:

1. plan from the files (what is due, held by a freeze or a check error, manual);
2. take the lock (this machine) and, with ``--push``, the lease (the remote);
3. make sure no person's work is at stake: refuse to start over their
   uncommitted changes or unpushed commits; commit receipts a crashed run
   left in the files; bring the branch up to the remote's (fast-forward, or
   a rebase of our own commits, aborted on conflict — never a reset);
4. refuse bad config before anything is sent (unknown target, missing
   secret, a freeze file that does not parse);
5. for each due (item, channel): check in (renew the lease, look for a new
   freeze), deliver through its target, write the receipt (a line edit),
   commit it, and push it before the next delivery.

A crash at any point leaves a state the next run, on this machine or on a
fresh clone, recovers from with at most the delivery in flight repeated, and
that one under the same key (targets are idempotent by key). The newsletter's
per-recipient ledger is journaled on ``refs/gazette/ledger`` the same way,
batch by batch (see :mod:`gazette.targets.ledger`).
"""

from __future__ import annotations

import time
from collections import namedtuple
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from hashlib import blake2b
from pathlib import Path

from .i18n import N_, _
from .plan import active_freezes
from .visibility import is_public

# What the run decided for one publication.
# state: due|sent|deferred|held|missed|failed|manual (manual: a person posts it, then `gazette
# published`; deferred: a target reported ``pending`` recipients, no receipt yet)
Outcome = namedtuple("Outcome", "path channel at state detail")
CRISIS_TAG = "crisis"
EX_TEMPFAIL = 75
# A freeze made on a laptop while CI sends starts "now" by the laptop's clock, minutes after the
# run's; a freeze whose from: is further ahead was planned for later and does not stop the send.
FREEZE_CLOCK_SKEW = timedelta(hours=1)
FREEZES_FOLDER = "calendar/freezes/"
OUTBOX = "outbox"  # the local folder target: files on this machine, safe to run without --push


class PublishError(Exception):
    """Publishing cannot start or go on (not a repository, git refused, bad config): exit 2.

    ``outcomes`` holds what the run did before it stopped, if anything.
    """

    def __init__(self, message: str, outcomes=()):
        super().__init__(message)
        self.outcomes = list(outcomes)


class PublisherBusy(PublishError):
    """Another publisher holds the lock or the lease: nothing was sent, exit 75."""


def delivery_key(item, channel: str) -> str:
    """Stable for (item path, channel, edition): a corrected title or text after a crash
    resumes the same send; raising ``edition`` sends again on purpose."""
    spec = (item.meta.get("channels") or {}).get(channel) or {}
    edition = spec.get("edition") or 1
    return blake2b(f"{item.path}\0{channel}\0{edition}".encode("utf-8"), digest_size=16).hexdigest()


def plan(publications_, frame, now: datetime, channels=(), check_errors=None) -> list[Outcome]:
    """What is due, held (freeze, check error), missed or manual; nothing is delivered here."""
    check_errors = check_errors or {}
    outcomes = []
    for pub in publications_:
        if not is_public(pub, now):
            continue
        if pub.receipted or pub.at > now or (channels and pub.channel not in channels):
            continue
        crisis = CRISIS_TAG in (pub.tags or ())
        holding = [] if crisis else active_freezes(frame, now, pub.channel)
        config = frame.channels.get(pub.channel) or {}
        if pub.channel not in frame.channels:
            outcomes.append(Outcome(pub.path, pub.channel, pub.at, "failed", _("channel not declared")))
        elif pub.path in check_errors:
            outcomes.append(Outcome(pub.path, pub.channel, pub.at, "held", CHECK_ERROR + check_errors[pub.path]))
        elif holding:
            outcomes.append(Outcome(pub.path, pub.channel, pub.at, "held", _('freeze: {value}')
                                                                               .format(value=holding[0].get('reason', ''))))
        elif not crisis and active_freezes(frame, pub.at, pub.channel):
            # Its slot passed during a freeze now over: never sent in a burst on unfreeze.
            outcomes.append(Outcome(pub.path, pub.channel, pub.at, "missed",
                                    _("slot passed during a freeze: give it a new date")))
        elif config.get("target") == "manual":
            outcomes.append(Outcome(pub.path, pub.channel, pub.at, "manual",
                                    _('post it by hand, then: gazette published {slug} --channel {channel} --url URL')
                                        .format(slug=pub.slug, channel=pub.channel)))
        else:
            outcomes.append(Outcome(pub.path, pub.channel, pub.at, "due", ""))
    return sorted(outcomes, key=lambda o: (o.at.timestamp(), o.path, o.channel))


def planned(root: Path, now: datetime, channels=()) -> tuple[object, list[Outcome]]:
    """(frame, outcomes) from the same per-file cache as ``gazette check``: a run with
    nothing due costs about a warm check.

    ``frame.config_errors`` lists what must stop a run before anything is sent (errors
    in calendar/channels.yml, freeze files that do not parse); a broken freeze file
    also counts as a freeze on every channel, so ``status`` and ``--dry-run`` show it.
    """
    from .check import scan
    from .load import load_frame
    from .problems import ERROR, apply_severity

    frame, problems = load_frame(root)
    frame.config_errors = [p for p in apply_severity(problems, frame.severity) if p.severity == ERROR]
    for problem in frame.config_errors:
        if problem.path.startswith(FREEZES_FOLDER) and Path(problem.path).stem not in frame.freezes:
            frame.freezes[Path(problem.path).stem] = {
                "reason": f"{problem.path} does not parse, treated as a freeze ({problem.message})",
                "who": "?", "from": datetime.min.replace(tzinfo=timezone.utc), "_path": problem.path}
    found: list = []
    repo, _paths, store, _check_one = scan(root, now, frame, found)
    if store:
        store.save(prune=True)
    check_errors = _errors_by_path(found, frame)
    outcomes = plan(repo.publications, frame, now, channels, check_errors)
    if any(o.state == "due" for o in outcomes):
        # Rules over the whole repository (a slot taken twice, one URL for two items) as
        # `gazette check` runs them; only when something is due, so an idle run stays cheap.
        from .validate import check_repo

        for path, error in _errors_by_path(check_repo(repo, None), frame).items():
            check_errors.setdefault(path, error)
        outcomes = plan(repo.publications, frame, now, channels, check_errors)
    return frame, outcomes


# Codes that never hold an item: a freeze is the plan's to judge (held now, missed after), and a
# missed slot is what publishing resolves.
NOT_HOLDING = {"calendar/frozen", "calendar/missed"}


def _errors_by_path(problems, frame) -> dict[str, str]:
    from .problems import ERROR, apply_severity

    check_errors: dict[str, str] = {}
    for problem in apply_severity(problems, frame.severity):
        if problem.severity == ERROR and problem.code not in NOT_HOLDING and problem.path not in check_errors:
            check_errors[problem.path] = f"{problem.path}:{problem.line or 1}: {problem.code} {problem.message}"
    return check_errors


_reached: dict[str, int] = {}


def step(name: str) -> None:
    """A step boundary of a run. ``GAZETTE_TEST_KILL_AT=name[@n]`` kills the process there
    (SIGKILL, at the n-th time): the fault-injection tests prove every boundary recoverable."""
    import os

    wanted = os.environ.get("GAZETTE_TEST_KILL_AT")
    if not wanted:
        return
    target, _at, nth = wanted.partition("@")
    if target == name:
        _reached[name] = _reached.get(name, 0) + 1
        if _reached[name] == int(nth or 1):
            import signal

            os.kill(os.getpid(), signal.SIGKILL)


def state_dir(root: Path) -> Path:
    """Machine-local state (the newsletter ledger, the last run): never committed."""
    import os

    return Path(os.environ.get("GAZETTE_STATE_DIR") or Path(root) / ".gazette")


def make_state_dir(root: Path) -> Path:
    """The state folder, made here only: owner-only, with a ``.gitignore`` of ``*`` so that
    ``git add -A`` in a repository without the sample's .gitignore never commits the
    suppression list or the ledgers (personal data). Raises OSError."""
    folder = state_dir(root)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    ignore = folder / ".gitignore"
    if not ignore.is_file():  # also a folder an older Gazette made
        ignore.write_text("# Written by Gazette: personal data, never committed\n*\n", encoding="utf-8")
    return folder


def run(root: Path, now: datetime, channels=(), dry_run: bool = False, push: bool = False,
        progress=None, clock=time.time) -> list[Outcome]:
    """Deliver what :func:`plan` finds due; record and commit each receipt before the
    next delivery (and push it, with ``push``). Returns every outcome.

    Raises :class:`PublisherBusy` (exit 75) when another publisher runs, and
    :class:`PublishError` (exit 2) when git or the config refuse, before anything is
    sent or, mid-run, before the next delivery.
    """
    from .gitops import Git
    from .lease import LeaseBusy, LocalLock

    root = Path(root)
    frame, outcomes = planned(root, now, channels)
    if dry_run:
        return outcomes
    git = Git(root)
    if not git.is_repository():
        if any(o.state == "due" for o in outcomes):
            raise PublishError(_('{root} is not a git repository: receipts must be committed').format(root=root))
        return outcomes
    try:
        with LocalLock(make_state_dir(root)), _terminate_cleanly():
            run_ = Run(root, git, now, channels, push, progress, clock)
            try:
                outcomes = run_.execute()
            finally:
                run_.finish()
    except LeaseBusy as busy:
        if busy.expires is not None:  # on screen, times are in the community's zone
            busy = LeaseBusy(busy.holder, busy.expires.astimezone(frame.timezone))
        raise PublisherBusy(str(busy)) from None
    record_run(root, now, outcomes)
    return outcomes


@contextmanager
def _terminate_cleanly():
    """SIGTERM (a cancelled CI job) unwinds like an exception: the lease is released at
    once instead of blocking the next publisher until it expires."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class Run:
    """One publish run once the lock is held: the stages of the module docstring."""

    def __init__(self, root: Path, git, now: datetime, channels, push: bool, progress, clock):
        self.root, self.git, self.now, self.channels = root, git, now, channels
        self.push, self.progress, self.clock = push, progress, clock
        self.lease = None
        self.remote = self.branch = None
        self.stopped: str | None = None  # why the run stopped delivering, if it did
        self.fatal: Exception | None = None
        self.results: list[Outcome] = []
        self.targets: dict[str, object] = {}  # channel -> its target, configured before any delivery
        # How many times someone else's commits came in: a delivery planned before must be replanned.
        self.changes = 0
        self.batch_seen = 0  # ``changes`` when the delivery in progress was last (re)planned
        self.started = time.monotonic()
        self.freezes_at_start: set[str] = set()  # a freeze file that appears later is a freeze made now

    # -- 3. nobody's work at stake ------------------------------------------------

    def execute(self) -> list[Outcome]:
        from .gitops import GitFailed

        try:
            self.recover_receipts()
            if self.push:
                self.take_lease()
            frame, outcomes = planned(self.root, self.now, self.channels)  # with the remote's receipts
            self.freezes_at_start = set(frame.freezes)
            self.check_config(frame, outcomes)
            self.deliver(frame, outcomes)
        except GitFailed as error:
            raise PublishError(str(error), self.results) from None
        if self.fatal is not None:
            raise type(self.fatal)(str(self.fatal), self.results)  # PublisherBusy stays exit 75
        return self.results

    def recover_receipts(self) -> None:
        """Refuse to start over a person's uncommitted work; commit receipts a crashed run
        left uncommitted (they must reach git, or a fresh clone delivers again)."""
        from .receipts import receipt_only

        stranded, foreign = [], []
        for status, path in self.git.changes():
            head = self.git.show("HEAD", path)
            try:
                disk = (self.root / path).read_bytes()
            except OSError:
                disk = None
            if head is not None and disk is not None and disk != head and receipt_only(head, disk):
                stranded.append(path)
            elif head is not None and disk == head and receipt_only(self.git.show("", path) or b"", head):
                self.git("reset", "-q", "HEAD", "--", path)  # our commit went in, the index lagged
            else:
                foreign.append(f"{status.strip() or '?'} {path}")
        if foreign:
            raise PublishError("uncommitted changes that are not receipts: " + ", ".join(foreign[:5]) +
                               (" …" if len(foreign) > 5 else "") +
                               " — commit, stash or discard them first (publish commits only its receipts)")
        if stranded:
            self.git.commit_paths(stranded, f"gazette publish: {len(stranded)} receipts left by an interrupted run")

    def take_lease(self) -> None:
        from .gitops import EMAIL, GitFailed
        from .lease import SEEN_PREFIX, LeaseConfigError, RemoteLease
        from .targets.ledger import LEDGER_REF, Journal

        self.branch = self.git.branch()
        self.remote = self.git.remote(self.branch)
        if not self.remote:
            raise PublishError(_("--push: this repository has no remote"))
        upstream = f"refs/remotes/{self.remote}/{self.branch}"
        self.git.fetch(self.remote, f"+refs/heads/{self.branch}:{upstream}", f"+refs/gazette/*:{SEEN_PREFIX}*")
        theirs = [c for c in self.git.commits(f"{upstream}..HEAD") if c[1] != EMAIL]
        if theirs:
            sha, author, subject = theirs[0]
            raise PublishError(_('{theirs} unpushed commit(s) that are not publish\'s, e.g. {sha} "{subject}" by '
                                 '{author}: push them (or move them to a branch) first')
                                   .format(theirs=len(theirs), sha=sha[:10], subject=subject, author=author))
        try:
            self.lease = RemoteLease(self.git, self.remote, clock=self.clock)
        except LeaseConfigError as error:
            raise PublishError(_('{error} — nothing was sent').format(error=error)) from None
        self.lease.acquire()
        step("lease")
        self.git.integrate(upstream)
        self.sync()
        journal = Journal(self.git, self.remote)
        remote_ledger = self.git.ref(SEEN_PREFIX + "ledger")
        if journal.merge(remote_ledger) or (self.git.ref(LEDGER_REF) and remote_ledger != self.git.ref(LEDGER_REF)):
            try:
                self.git.push(self.remote, f"{LEDGER_REF}:{LEDGER_REF}")
            except GitFailed as error:
                raise PublishError(_('cannot push the newsletter ledger: {error}').format(error=error)) from None

    def sync(self, attempts: int = 3) -> None:
        """Push our commits; when the remote moved on, fetch, replay ours on top, retry."""
        from .gitops import GitFailed, PushRefused

        if not self.push:
            return
        upstream = f"refs/remotes/{self.remote}/{self.branch}"
        for attempt in range(attempts):
            if self.git.ref(upstream) == self.git.head():
                return
            try:
                head = self.git.head()
                self.git.push(self.remote, f"{head}:refs/heads/{self.branch}")
                self.git("update-ref", upstream, head)  # what the remote now has, without a fetch
                return
            except PushRefused:
                raise
            except GitFailed:
                if attempt == attempts - 1:
                    raise
            self.git.fetch(self.remote, f"+refs/heads/{self.branch}:{upstream}")
            self.integrate(upstream)

    def integrate(self, upstream: str) -> None:
        """Bring in the remote's commits, noting whether any came (the plan must be redone)."""
        head = self.git.head()
        if head is not None and not self.git.is_ancestor(upstream, head):
            self.changes += 1
        self.git.integrate(upstream)

    def finish(self) -> None:
        if self.lease is not None:
            self.lease.release()

    # -- 4. bad config stops everything before anything is sent --------------------

    def check_config(self, frame, outcomes: list[Outcome]) -> None:
        import os

        from .targets import MANUAL, REQUIRED_ENV, DeliveryError, target_for

        if frame.config_errors:
            problem = frame.config_errors[0]
            raise PublishError(_('{path}:{value}: {code} {message} — nothing was sent; fix the configuration first')
                                   .format(path=problem.path, value=problem.line or 1, code=problem.code, message=problem.message))
        for outcome in outcomes:
            if outcome.state != "due":
                continue
            config = frame.channels[outcome.channel]
            if config.get("network") == "site":
                continue
            name = config.get("target") or "outbox"
            if outcome.channel in self.targets or name == MANUAL:
                continue
            if name != OUTBOX and not self.push and self.git("remote").split():
                # Without --push, neither the lease nor the remote's receipts and ledger are
                # consulted: a second clone would deliver everything again to real people.
                raise PublishError(_('channel {channel}: real deliveries go through `gazette publish --push` — one '
                                     'publisher at a time across machines (nothing was sent)')
                                       .format(channel=outcome.channel))
            missing = [variable for variable in REQUIRED_ENV.get(name, ()) if not os.environ.get(variable)]
            if missing:
                raise PublishError(_('channel {channel}: ${missing} is not set (the {name} target needs it) — '
                                     'nothing was sent')
                                       .format(channel=outcome.channel, missing=missing[0], name=name))
            if name == "smtp":
                self.verify_ledger_key()
            try:
                # One target per channel: two accounts on one network never share a token.
                target = self.targets[outcome.channel] = target_for(name, self.root, config)
                if hasattr(target, "preflight"):
                    target.preflight()
            except DeliveryError as error:
                raise PublishError(_('channel {channel}: {error} — nothing was sent')
                                       .format(channel=outcome.channel, error=error)) from None

    def verify_ledger_key(self) -> None:
        """The ledger's hashes must be keyed with the secret of earlier runs (here and on the
        remote), else everyone already served would be sent the newsletter again."""
        from .lease import SEEN_PREFIX
        from .targets.ledger import LEDGER_REF, Journal, LedgerKeyMismatch

        journal = Journal(self.git)
        try:
            journal.verify_key(LEDGER_REF, pushed=self.push)
            if self.push:
                journal.verify_key(SEEN_PREFIX + "ledger", pushed=True)
        except LedgerKeyMismatch as error:
            raise PublishError(_('{error} — nothing was sent').format(error=error)) from None

    # -- 5. deliver, record, commit, push: one at a time ---------------------------

    def deliver(self, frame, outcomes: list[Outcome]) -> None:
        from .load import load_repo

        due = [o for o in outcomes if o.state == "due"]
        self.results = [o for o in outcomes if o.state != "due"]
        if not due:
            return
        seen = self.changes  # the plan was made after take_lease integrated the remote
        current = None  # (path, channel) -> outcome, the plan redone since commits came in
        reread: set[str] = set()  # items read again since then
        repo = load_repo(self.root, only={o.path for o in due})
        items = {item.path: item for item in repo.items}
        for outcome in self.progress(due) if self.progress else due:
            item = items[outcome.path]
            crisis = CRISIS_TAG in (item.meta.get("tags") or ())
            if self.stopped is None:
                self.checkpoint(outcome.channel, crisis)
                if self.stopped is None and self.changes != seen:
                    # Commits came in (a retraction, a receipt, a new error): plan again from the
                    # files as they are now, and deliver each item as it now reads.
                    seen = self.changes
                    frame, replanned = planned(self.root, self.moment(), self.channels)
                    current = {(o.path, o.channel): o for o in replanned}
                    reread = set()
                if self.stopped is None and current is not None:
                    fresh = current.get((outcome.path, outcome.channel)) or outcome._replace(
                        state="held", detail="changed during the run: no longer public, due or without a receipt")
                    if fresh.state != "due":
                        self.results.append(fresh)
                        continue
                    if outcome.path not in reread:
                        items[outcome.path] = load_repo(self.root, only={outcome.path}).items[0]
                        reread.add(outcome.path)
                    item = items[outcome.path]
                    crisis = CRISIS_TAG in (item.meta.get("tags") or ())
            if self.stopped is not None:
                self.results.append(outcome._replace(state="held", detail=self.stopped))
                continue
            self.batch_seen = self.changes
            self.results.append(self.deliver_one(frame, item, outcome, crisis))

    def replan(self, outcome: Outcome) -> tuple[object, Outcome]:
        """(frame, this publication's outcome) planned again from the files as they are now."""
        frame, outcomes = planned(self.root, self.moment(), self.channels)
        for fresh in outcomes:
            if (fresh.path, fresh.channel) == (outcome.path, outcome.channel):
                return frame, fresh
        return frame, outcome._replace(state="held", detail="changed during the run: no longer public, "
                                                             "due or without a receipt")

    def deliver_one(self, frame, item, outcome: Outcome, crisis: bool) -> Outcome:
        from .gitops import GitFailed
        from .tracking import delivered_text
        from .targets import Delivery, DeliveryError, DeliveryIncomplete, DeliveryStopped
        from .targets.ledger import Journal, recording

        config = frame.channels[outcome.channel]
        spec = (item.meta.get("channels") or {}).get(outcome.channel) or {}
        journal = Journal(self.git, self.remote if self.push else None)
        try:
            if config.get("network") == "site":
                receipt = {}  # the site shows public items; the receipt marks it published
            else:
                target = self.targets[outcome.channel]
                delivery = Delivery(item, outcome.channel, config.get("network"), spec,
                                    delivered_text(self.root, frame, item, outcome.channel, spec.get("text") or ""),
                                    outcome.at, delivery_key(item, outcome.channel))
                with recording(journal, lambda: self.between_batches(outcome, crisis)):
                    receipt = target.deliver(delivery, now=self.now)
            step("delivered")
        except DeliveryStopped as error:
            return outcome._replace(state="held", detail=self.stopped or str(error))
        except DeliveryIncomplete as error:
            # The ledger holds who got it; the next run resumes there. No receipt until
            # everyone is sent, refused or given up. Nobody reached at all is a failure to see.
            if error.counts.get("unreached"):
                return outcome._replace(state="failed", detail=str(error))
            return outcome._replace(state="deferred", detail=str(error))
        except DeliveryError as error:
            return outcome._replace(state="failed", detail=str(error))
        except OSError as error:
            return outcome._replace(state="failed", detail=f"{error.strerror or error}")
        except Exception as error:  # noqa: BLE001 - one target's bug must not block the others
            return outcome._replace(state="failed", detail=f"{type(error).__name__}: {error}")
        pending = receipt.pop("pending", 0)
        if pending:
            # Some recipients were deferred (a 4xx): the ledger has the rest, the next run
            # retries them; the receipt waits until everyone is sent, refused or given up.
            return outcome._replace(state="deferred", detail=f"{pending} recipients deferred, retried next run")
        try:
            self.record(item, outcome.channel, {"at": community_time(self.now, frame), **receipt})
        except (OSError, GitFailed) as error:
            # Delivered but not recorded in git: deliver nothing more this run. A rerun
            # commits what reached the file, or delivers this one again under its key.
            detail = getattr(error, "strerror", None) or str(error)
            self.stopped = f"not delivered: the previous receipt could not be recorded ({detail})"
            self.fatal = PublishError(_('{path}: {channel} was delivered but its receipt could not be recorded: '
                                        '{detail}; nothing more was sent, run publish again')
                                          .format(path=outcome.path, channel=outcome.channel, detail=detail))
            return outcome._replace(state="sent", detail="receipt not recorded")
        return outcome._replace(state="sent")

    def record(self, item, channel: str, fields: dict) -> None:
        from .receipts import write_receipts

        planned_channels = set(item.meta.get("channels") or ())
        status = "published" if item.status == "approved" else None
        path = self.root / item.path
        if write_receipts(path, {channel: fields}, status, complete=planned_channels):
            step("written")
            self.git.commit_paths([item.path], f"gazette publish: {item.path} {channel}")
            step("committed")
        self.sync()
        step("pushed")

    def checkpoint(self, channel: str, crisis: bool) -> None:
        """Before each delivery and between batches: is the lease still ours, is there a
        freeze now (made here, or pushed by anyone)? Sets ``stopped`` if not."""
        from .gitops import GitFailed, PushRefused
        from .lease import LeaseBusy
        from .load import load_frame

        try:
            if self.push:
                self.lease.renew()
                upstream = f"refs/remotes/{self.remote}/{self.branch}"
                self.git.fetch(self.remote, f"+refs/heads/{self.branch}:{upstream}")
                self.integrate(upstream)
        except LeaseBusy as error:
            self.stopped = f"lease lost: {error}"
            self.fatal = PublisherBusy(str(error))
            return
        except (GitFailed, PushRefused) as error:
            self.stopped = f"stopped: {error}"
            self.fatal = PublishError(str(error))
            return
        if crisis:
            return
        frame, problems = load_frame(self.root)
        broken = [p for p in problems if p.path.startswith(FREEZES_FOLDER) and p.severity == "error"]
        if broken:
            self.stopped = f"freeze: {broken[0].path} does not parse, treated as a freeze"
            return
        holding = active_freezes(frame, self.moment(), channel) or self.frozen_since_start(frame, channel)
        if holding:
            self.stopped = f"freeze: {holding[0].get('reason', '')}"

    def moment(self) -> datetime:
        """The run's clock now: ``now`` plus the time the run has taken (a send lasts minutes)."""
        return self.now + timedelta(seconds=time.monotonic() - self.started)

    def frozen_since_start(self, frame, channel: str) -> list[dict]:
        """Freezes that appeared during the run. Made after the run started, their ``from`` is
        later than its clock (and far later under ``--now``): they stop it all the same."""
        moment = self.moment()
        soon = moment + FREEZE_CLOCK_SKEW
        return [freeze for name, freeze in frame.freezes.items() if name not in self.freezes_at_start
                and (freeze.get("from") is None or freeze["from"] <= soon)  # not one planned for later
                and (freeze.get("until") is None or freeze["until"] > moment)
                and (not freeze.get("channels") or channel in freeze["channels"])]

    def between_batches(self, outcome: Outcome, crisis: bool) -> None:
        from .targets import DeliveryStopped

        step("batch")
        self.checkpoint(outcome.channel, crisis)
        if self.stopped is not None:
            raise DeliveryStopped(self.stopped)
        if self.changes != self.batch_seen:  # retracted, given an error…: the rest waits
            self.batch_seen = self.changes
            _, fresh = self.replan(outcome)
            if fresh.state != "due":
                raise DeliveryStopped(fresh.detail or f"changed during the run: {fresh.state}")


def record_run(root: Path, now: datetime, outcomes: list[Outcome]) -> None:
    """What the last run did, for gazette status ("what failed")."""
    import json

    try:
        folder = make_state_dir(root)
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


CHECK_ERROR = "check error: "


def needs_attention(outcomes: list[Outcome]) -> bool:
    """Exit 1: a delivery failed, or an item is held by a check error (someone must fix it)."""
    return any(o.state == "failed" or (o.state == "held" and o.detail.startswith(CHECK_ERROR)) for o in outcomes)


STATES = (N_("due"), N_("sent"), N_("deferred"), N_("held"), N_("missed"), N_("failed"), N_("manual"))


def summary(outcomes: list[Outcome]) -> str:
    counts = {state: sum(1 for o in outcomes if o.state == state)
              for state in ("due", "sent", "deferred", "held", "missed", "failed", "manual")}
    return ", ".join(_("{n} {state}").format(n=n, state=_(state)) for state, n in counts.items() if n) \
        if outcomes else _("nothing due")


def community_time(moment: datetime, frame) -> datetime:
    """A receipt's time in the community's zone: a CI runner's UTC clock and a laptop's
    local one write the same kind of line."""
    return moment.astimezone(frame.timezone) if frame.timezone else moment


def record_manual(root: Path, now: datetime, slug: str, channel: str, url: str,
                  at: datetime | None = None) -> str:
    """``gazette published``: a person posted by hand on ``channel``; record the receipt
    (the same line edit as publish) and commit it. Returns the item's path."""
    from .gitops import Git, GitFailed
    from .load import load_repo
    from .receipts import ReceiptError, write_receipts

    if not url.startswith(("https://", "http://")) or any(c.isspace() or ord(c) < 32 or c == "\x7f" for c in url):
        raise PublishError(_("--url {url!r}: give the post's web address (https://…, no spaces or line breaks)")
                               .format(url=url))
    root = Path(root)
    git = Git(root)
    if not git.is_repository():
        raise PublishError(_('{root} is not a git repository: receipts must be committed').format(root=root))
    repo = load_repo(root)
    found = [item for item in repo.items if item.slug == slug]
    if not found:
        raise PublishError(_('no item with the slug {slug!r}').format(slug=slug))
    if len(found) > 1:
        raise PublishError(_("{slug!r} names {found} items ({value}): give the path's slug of the one you posted")
                               .format(slug=slug, found=len(found), value=', '.join((i.path for i in found))))
    item = found[0]
    planned_channels = set(item.meta.get("channels") or ())
    if channel not in planned_channels:
        raise PublishError(_('{path} has no channel {channel!r} (it has: {planned_channels})')
                               .format(path=item.path, channel=channel, planned_channels=', '.join(sorted(planned_channels))))
    from .targets import MANUAL
    from .visibility import is_public

    config = repo.frame.channels.get(channel) or {}
    if config.get("target") != MANUAL:
        delivered = "the site shows it" if config.get("network") == "site" else \
            f"gazette publish delivers it (target: {config.get('target') or 'outbox'})"
        raise PublishError(_('channel {channel!r} is not posted by hand: {delivered} and records its receipt; '
                             'gazette published is for channels with target: manual in calendar/channels.yml')
                               .format(channel=channel, delivered=delivered))
    at = at or now
    if not is_public(item, at):
        why = f"its status is {item.status}" if item.status not in ("approved", "published") else \
            f"it is dated {item.date:%Y-%m-%d %H:%M}, later than {at:%Y-%m-%d %H:%M}"
        raise PublishError(_('{path} is not public yet ({why}): a post about it would link a page the site does not '
                             'show; approve it first, or give --at if it was posted later')
                               .format(path=item.path, why=why))
    if channel in (item.meta.get("published") or {}):
        raise PublishError(_('{path}: {channel} already has a receipt').format(path=item.path, channel=channel))
    try:
        if git.show("HEAD", item.path) != (root / item.path).read_bytes():
            raise PublishError(_('{path} has uncommitted changes: commit them first, the receipt commit holds the '
                                 'receipt only')
                                   .format(path=item.path))
        from .freeze import _who

        status = "published" if item.status == "approved" else None
        receipt = {"at": community_time(at, repo.frame), "url": url, "by": _who()}
        write_receipts(root / item.path, {channel: receipt}, status, complete=planned_channels)
        git.commit_paths([item.path], f"gazette published: {item.path} {channel} (posted by hand)")
    except (GitFailed, ReceiptError) as error:
        raise PublishError(str(error)) from None
    except OSError as error:
        raise PublishError(f"{item.path}: {error.strerror or error}") from None
    return item.path
