"""The verifiable draw: commit-reveal with a hash ranking, in the spirit of RFC 3797.

Byte-exact, so that a twenty-line script anyone writes reproduces it
(docs/contests.md, tests/verify_draw_standalone.py). Only ``hashlib`` and
``hmac``: ``random`` guarantees nothing across Python versions.

- **seed**: 32 bytes from :mod:`secrets`, written as 64 lowercase hex digits.
- **commitment**: ``"sha256:" + hex(SHA-256(the 32 seed bytes))``, published
  before the contest opens.
- **pseudonym** of a person: ``hex(HMAC-SHA-256(key, identity UTF-8))[:32]``
  where ``key = SHA-256(b"gazette-contest-pseudonym\\n" + seed bytes)`` and
  ``identity`` is the normalized handle or e-mail (:func:`identity`). Keyed by
  the seed: nobody can link the list published at closing to people before the
  seed is revealed; afterwards each participant can check they were in it.
- **list digest**: ``"sha256:" + hex(SHA-256(b"".join(p + b"\\n" for p in
  sorted pseudonyms)))``: the bytes of the published list file.
- **beacon**: the public random value (a drand round…), stripped, UTF-8, no
  line break; ``""`` when the contest says ``beacon: none``.
- **ranking**: every pseudonym by ascending ``SHA-256(seed_hex + "\\n" +
  beacon + "\\n" + pseudonym)`` (UTF-8), compared as bytes; equal hashes would
  mean equal pseudonyms, which the list refuses, so the order is total.
- **prizes** in front-matter order, each repeated ``quantity`` times: rank 1
  gets the first unit; the ranks after the last unit are the alternates, in
  order.
"""

from __future__ import annotations

import hashlib
import hmac
import heapq
import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..i18n import _, ngettext

SEED_BYTES = 32
PSEUDONYM_HEX = 32
PSEUDONYM_CONTEXT = b"gazette-contest-pseudonym\n"
_SEED = re.compile(r"[0-9a-f]{64}")
_PSEUDONYM = re.compile(r"[0-9a-f]{%d}" % PSEUDONYM_HEX)
_HEX_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


class DrawError(ValueError):
    """Input the procedure cannot take (a malformed seed, a duplicate pseudonym…)."""


class VerifyError(Exception):
    """The published proof does not hold: the message says which part and why."""


@dataclass(frozen=True)
class Draw:
    seed: str
    beacon: str
    digest: str
    count: int
    ranking: tuple[str, ...]   # winners first (one per prize unit), then the alternates
    winners: int               # how many of ranking are winners


def new_seed() -> str:
    return secrets.token_hex(SEED_BYTES)


def check_seed(seed: str) -> str:
    seed = (seed or "").strip().lower()
    if not _SEED.fullmatch(seed):
        raise DrawError(_("a seed is 64 hexadecimal digits (32 bytes)"))
    return seed


def commitment(seed: str) -> str:
    return "sha256:" + hashlib.sha256(bytes.fromhex(check_seed(seed))).hexdigest()


def check_beacon(beacon: str | None) -> str:
    value = "" if beacon is None else str(beacon).strip()
    if value.lower() == "none":
        value = ""
    if any(mark in value for mark in ("\n", "\r")):
        raise DrawError(_("the beacon value must be on one line"))
    return value


def identity(raw: str, email: bool | None = None) -> str:
    """One string per person: an e-mail casefolded with the dots of its local part removed
    (``Lea.Martin@Example.org`` = ``leamartin@example.org``), a handle casefolded with one
    leading ``@`` (``@Lea@Mastodon.Social`` = ``@lea@mastodon.social``). ``email`` says which
    (the column it came from); unsaid, a value with an ``@`` after its first character is one."""
    text = unicodedata.normalize("NFC", (raw or "").strip()).casefold()
    if not text:
        return ""
    if email or (email is None and "@" in text[1:] and not text.startswith("@")):
        local, _at, domain = text.rpartition("@")
        return local.replace(".", "") + "@" + domain
    return "@" + text.lstrip("@")


def pseudonym_key(seed: str) -> bytes:
    return hashlib.sha256(PSEUDONYM_CONTEXT + bytes.fromhex(check_seed(seed))).digest()


def pseudonyms(seed: str, identities: Iterable[str]) -> list[str]:
    key = pseudonym_key(seed)
    digest = hmac.digest  # one-shot, in C: three times hmac.new's speed
    return [digest(key, person.encode("utf-8"), "sha256").hex()[:PSEUDONYM_HEX] for person in identities]


def list_bytes(ids: Iterable[str]) -> bytes:
    ids = list(ids)
    if not distinct_sorted(ids):
        ids = sorted(ids)
    return "".join(f"{p}\n" for p in ids).encode("ascii")


def list_digest(ids: Iterable[str]) -> str:
    return "sha256:" + hashlib.sha256(list_bytes(ids)).hexdigest()


def parse_list(data: bytes, source: str = "the list") -> list[str]:
    """The pseudonyms of a published list file, which must be exactly what :func:`list_bytes` writes."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise VerifyError(_("{source}: not an ASCII list of pseudonyms").format(source=source)) from None
    ids = text.split("\n")
    if ids and ids[-1] == "":
        ids.pop()
    for number, value in enumerate(ids, 1):
        if not _PSEUDONYM.fullmatch(value):
            raise VerifyError(_("{source}:{line}: not a pseudonym ({n} lowercase hex digits)").format(
                source=source, line=number, n=PSEUDONYM_HEX))
    if list_bytes(ids) != data:  # the digest is of the file's bytes: a reordered or re-ended file is another file
        raise VerifyError(_("{source}: not the list as frozen (one pseudonym a line, sorted, each line ending "
                            "with a newline): its bytes cannot match the digest").format(source=source))
    return ids


def rank(seed: str, beacon: str, ids: Sequence[str], top: int) -> list[str]:
    """The first ``top`` pseudonyms of the ranking."""
    prefix = f"{check_seed(seed)}\n{check_beacon(beacon)}\n".encode("utf-8")
    sha256 = hashlib.sha256
    # One join and split encode every id in C; nsmallest keeps only ``top`` of them.
    raw = "\n".join(ids).encode("ascii").split(b"\n") if ids else []
    hashed = [sha256(prefix + p).digest() for p in raw]
    return [p for _hash, p in heapq.nsmallest(top, zip(hashed, ids))]


def distinct_sorted(ids: Sequence[str]) -> bool:
    return all(a < b for a, b in zip(ids, ids[1:]))


def prize_units(prizes: Sequence[dict]) -> list[dict]:
    return [prize for prize in prizes for _unit in range(int(prize.get("quantity") or 0))]


def draw(seed: str, beacon: str, ids: Sequence[str], winners: int, alternates: int) -> Draw:
    seed, beacon = check_seed(seed), check_beacon(beacon)
    if not distinct_sorted(ids):
        ids = sorted(ids)
        if not distinct_sorted(ids):
            raise DrawError(_("the list holds a pseudonym twice: one entry per person"))
    ranking = rank(seed, beacon, ids, winners + alternates)
    return Draw(seed, beacon, list_digest(ids), len(ids), tuple(ranking), min(winners, len(ranking)))


def verify(*, commitment_value: str, seed: str, beacon: str, digest: str, ranking: Sequence[str],
           ids: Sequence[str] | None = None, count: int | None = None) -> list[str]:
    """Recompute the proof from public data; raises VerifyError at the first part that does
    not hold. Returns what was checked, in words (without ``ids`` only the seed can be)."""
    checked = []
    try:
        seed = check_seed(seed)
    except DrawError as error:
        raise VerifyError(_("seed: {error}").format(error=error)) from None
    if not _HEX_DIGEST.fullmatch(str(commitment_value or "")):
        raise VerifyError(_("commitment: not sha256:<64 hex digits>"))
    if commitment(seed) != commitment_value:
        raise VerifyError(_("the revealed seed does not match the commitment published before the contest: "
                            "the seed was changed after the fact, or the commitment was"))
    checked.append(_("the seed matches the commitment"))
    if ids is None:
        return checked
    if not distinct_sorted(ids):
        ids = sorted(ids)
        if not distinct_sorted(ids):
            raise VerifyError(_("the published list holds a pseudonym twice"))
    if list_digest(ids) != digest:
        raise VerifyError(_("the list's digest is {found}, not the {digest} committed at closing: "
                            "the list was changed after it was frozen").format(found=list_digest(ids), digest=digest))
    if count is None:
        raise VerifyError(_("the proof does not say how many pseudonyms were drawn from (count:)"))
    if count != len(ids):
        raise VerifyError(ngettext("the list has {n} entry, the proof says {count}",
                                   "the list has {n} entries, the proof says {count}", len(ids)).format(
            n=len(ids), count=count))
    checked.append(ngettext("the list of {n} pseudonym matches its digest",
                            "the list of {n} pseudonyms matches its digest", len(ids)).format(n=len(ids)))
    again = rank(seed, beacon, ids, len(ranking))
    published = list(ranking)
    if again != published:
        first = next(i for i in range(max(len(again), len(published)))
                     if i >= len(again) or i >= len(published) or again[i] != published[i])
        shown = lambda ids: ids[first] if first < len(ids) else _("nothing")  # noqa: E731
        raise VerifyError(_("the ranking differs at rank {rank}: recomputed {again}, published {published}").format(
            rank=first + 1, again=shown(again), published=shown(published)))
    checked.append(ngettext("the ranking's first place is recomputed exactly",
                            "the ranking's first {n} places are recomputed exactly", len(ranking)).format(
        n=len(ranking)))
    return checked
