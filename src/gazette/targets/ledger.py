"""Who already got a newsletter delivery, durable across crashes and fresh clones.

A :class:`Ledger` is per delivery key. :meth:`Ledger.record` is called after
each batch: the outcomes are appended to a file in the state folder and
fsync'd, then (when a publish run set up a :class:`Journal`) committed to
the ``refs/gazette/ledger`` ref and pushed with the run's lease held, before
the next batch goes out. A run on a fresh clone fetches that ref, so a
crash, a lost runner or a wiped cache re-sends at most the batch in flight.

Addresses never enter git (nor the ledger file): each is kept as a keyed
hash (BLAKE2b keyed with ``$GAZETTE_LEDGER_KEY``, else
``$GAZETTE_UNSUBSCRIBE_SECRET``, which the SMTP target requires; the delivery
key alone only for local tests). ``Ledger.done`` still answers ``address in done`` and
``done[address]``, so a target works with addresses only.

``record`` is also where a long send checks in with its run: the run's
checkpoint (renew the lease, look for a freeze) runs there and may stop the
send by raising :class:`gazette.targets.DeliveryStopped`, after the batch was
recorded.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from hashlib import blake2b
from pathlib import Path

from ..i18n import _

LEDGER_REF = "refs/gazette/ledger"

# The journal and checkpoint of the delivery in progress, set by the publish run.
_active: dict = {"journal": None, "checkpoint": None}


@contextmanager
def recording(journal=None, checkpoint=None):
    """While delivering one (item, channel): ledgers write to ``journal`` and call
    ``checkpoint()`` after each batch."""
    previous = dict(_active)
    _active.update(journal=journal, checkpoint=checkpoint)
    try:
        yield
    finally:
        _active.update(previous)


KEY_VARIABLES = ("GAZETTE_LEDGER_KEY", "GAZETTE_UNSUBSCRIBE_SECRET")
KEY_CHECK_FILE = "key-check"  # HMAC(secret, KEY_CHECK_TEXT) on the ledger ref: which key it was written under
KEY_CHECK_TEXT = b"gazette ledger key check"


def ledger_secret() -> tuple[str, str] | None:
    """(variable, value) of the secret that keys the ledger's hashes, None if none is set."""
    for variable in KEY_VARIABLES:
        if os.environ.get(variable):
            return variable, os.environ[variable]
    return None


def key_check(secret: str) -> str:
    import hmac
    from hashlib import sha256

    return hmac.new(secret.encode("utf-8"), KEY_CHECK_TEXT, sha256).hexdigest()


class LedgerKeyMismatch(Exception):
    """The ledger was written under another secret: its hashes match nobody, everyone would be
    served again. Publish refuses before sending (exit 2)."""


def address_digest(address: str, key: str) -> str:
    # The delivery key alone is public (path, channel, edition): anyone with the repository
    # could test an address against the pushed ledger. A secret the SMTP target needs anyway
    # keys it; changing it in the middle of a send would start that send again, which is why
    # the ledger ref records a key check (see Journal.verify_key).
    found = ledger_secret()
    secret = (found[1] if found else key).encode("utf-8")
    return blake2b(address.strip().lower().encode("utf-8"), key=blake2b(secret).digest()[:32],
                   digest_size=16).hexdigest()


class Recipients(dict):
    """address -> state, stored by keyed hash: look up and update with addresses."""

    def __init__(self, key: str):
        super().__init__()
        self.key = key

    def _digest(self, address: str) -> str:
        return address_digest(address, self.key)

    def __contains__(self, address) -> bool:
        return super().__contains__(self._digest(address))

    def __getitem__(self, address) -> str:
        return super().__getitem__(self._digest(address))

    def __setitem__(self, address, state) -> None:
        super().__setitem__(self._digest(address), state)

    def get(self, address, default=None):
        return super().get(self._digest(address), default)

    def update(self, results=(), **ignored) -> None:
        for address, state in dict(results).items():
            self[address] = state

    def load(self, lines: str) -> None:
        for line in lines.splitlines():
            digest, _tab, state = line.partition("\t")
            if "@" in digest:  # a ledger written before addresses were hashed
                digest = self._digest(digest)
            if digest:
                dict.__setitem__(self, digest, state)


class Ledger:
    """Who already got this delivery: appended and fsync'd once per batch, journaled in git."""

    def __init__(self, folder: Path, key: str):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.key = key
        self.path = folder / f"{key}.log"
        self.journal = _active["journal"]
        self.checkpoint = _active["checkpoint"]
        self.done = Recipients(key)
        if self.journal is not None:
            self.done.load(self.journal.read(key))
        if self.path.exists():
            self.done.load(self.path.read_text(encoding="utf-8"))
        self.handle = open(self.path, "a", encoding="utf-8")

    def record(self, results: dict[str, str]) -> None:
        lines = "".join(f"{address_digest(address, self.key)}\t{state}\n" for address, state in results.items())
        self.handle.write(lines)
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.done.update(results)
        if self.journal is not None:
            self.journal.append(self.key, lines)
        if self.checkpoint is not None:
            self.checkpoint()

    def close(self) -> None:
        self.handle.close()


class Journal:
    """The ledgers of every delivery key as files on ``refs/gazette/ledger``; pushed after
    each append when the run pushes."""

    def __init__(self, git, remote: str | None = None):
        self.git, self.remote = git, remote

    def verify_key(self, ref: str = LEDGER_REF, pushed: bool = False) -> None:
        """Raise :class:`LedgerKeyMismatch` unless the secret set now is the one ``ref`` was
        written under (a ledger without a key check yet accepts any). ``pushed``: the ledger
        goes to the remote, where hashes keyed by the public delivery key alone would let
        anyone test an address, so a secret is required."""
        found = ledger_secret()
        if found is None:
            if pushed:
                raise LedgerKeyMismatch(f"${KEY_VARIABLES[0]} (or ${KEY_VARIABLES[1]}) is not set: the newsletter "
                                        "ledger is pushed to git and must be keyed with a secret")
            return
        stored = self.git.show(ref, KEY_CHECK_FILE, in_tree=False) if self.git.ref(ref) else None
        if stored is not None and stored.decode("utf-8", "replace").strip() != key_check(found[1]):
            raise LedgerKeyMismatch(
                f"${found[0]} is not the secret the newsletter ledger ({LEDGER_REF}) was written with: set it "
                "back to the one earlier runs used (under another key everyone already served would get the "
                "newsletter again)")

    def read(self, key: str) -> str:
        blob = self.git.show(LEDGER_REF, f"{key}.log", in_tree=False)
        return blob.decode("utf-8") if blob else ""

    def append(self, key: str, lines: str) -> None:
        from ..gitops import GitFailed
        from . import DeliveryError

        try:
            self._commit({key: self.read(key) + lines}, f"ledger {key[:12]}: {lines.count(chr(10))} recipients")
            if self.remote:
                self.git.push(self.remote, f"{LEDGER_REF}:{LEDGER_REF}")
        except GitFailed as error:
            # Recorded on this machine already; without the remote copy a fresh clone
            # would send this batch again, so no further batch goes out.
            raise DeliveryError(_('cannot record the ledger in git: {error}; run publish again to resume')
                                    .format(error=error)) from None

    def _commit(self, files: dict[str, str], message: str, parents: tuple[str, ...] | None = None,
                key_check_from: str | None = None) -> str:
        from ..gitops import IDENTITY

        old = self.git.ref(LEDGER_REF)
        entries = {}
        if old:
            for line in self.git("ls-tree", "-z", old).split("\0"):
                if line:
                    meta, _tab, name = line.partition("\t")
                    entries[name] = meta
        for name_key, text in files.items():
            blob = self.git("hash-object", "-w", "--stdin", input=text.encode("utf-8")).strip()
            entries[f"{name_key}.log"] = f"100644 blob {blob}"
        if KEY_CHECK_FILE not in entries:
            # A merge keeps the other copy's check (never stamps the key of this run over it).
            found = None if key_check_from else ledger_secret()
            check = (self.git.show(key_check_from, KEY_CHECK_FILE, in_tree=False) if key_check_from else
                     (key_check(found[1]).encode() + b"\n" if found else None))
            if check:
                blob = self.git("hash-object", "-w", "--stdin", input=check).strip()
                entries[KEY_CHECK_FILE] = f"100644 blob {blob}"
        tree = self.git("mktree", "-z", input="".join(f"{meta}\t{name}\0" for name, meta in
                                                        sorted(entries.items())).encode()).strip()
        parent_args = [arg for parent in (parents if parents is not None else ((old,) if old else ()))
                       for arg in ("-p", parent)]
        sha = self.git("commit-tree", tree, *parent_args, "-m", message, env=IDENTITY).strip()
        self.git("update-ref", LEDGER_REF, sha, old or "0" * 40)
        return sha

    def merge(self, other: str) -> bool:
        """Union with another copy of the ledger ref (the remote's); True if ours changed."""
        ours = self.git.ref(LEDGER_REF)
        if not other or ours == other or (ours and self.git.is_ancestor(other, ours)):
            return False
        if not ours or self.git.is_ancestor(ours, other):
            self.git("update-ref", LEDGER_REF, other, ours or "0" * 40)
            return True
        files = {}
        for line in self.git("ls-tree", "-z", "--name-only", other).split("\0"):
            if line.endswith(".log"):
                key = line[:-4]
                mine = self.read(key)
                theirs = (self.git.show(other, line, in_tree=False) or b"").decode("utf-8")
                missing = [entry for entry in theirs.splitlines(keepends=True) if entry not in set(
                    mine.splitlines(keepends=True))]
                if missing:
                    files[key] = mine + "".join(missing)
        self._commit(files, "ledger: merge the remote's", parents=(ours, other), key_check_from=other)
        return True
