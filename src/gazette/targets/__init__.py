"""Delivery targets, one module each, registered by name (like datasette's publishers).

A target delivers one (item, channel) publication and returns the receipt
fields to record; a ``pending`` count above 0 in them means the delivery is
not complete yet (deferred recipients): publish writes no receipt and the
next run resumes. Long sends check in with the run after each batch through
:class:`gazette.targets.ledger.Ledger` (``record`` may raise
:class:`DeliveryStopped`: a freeze, a lost lease). It must be idempotent on its ``key``: delivering the same
key twice delivers once (the outbox checks its file, a network API gets an
Idempotency-Key). A new network is one new module calling :func:`register`.
"""

from __future__ import annotations

from collections import namedtuple

from ..i18n import _

# What a target is asked to deliver. ``key`` is stable for (item, channel, revision).
Delivery = namedtuple("Delivery", "item channel network spec text at key")

TARGETS: dict[str, type] = {}


class DeliveryError(Exception):
    """A delivery failed; ``retry`` says whether trying again later may succeed."""

    def __init__(self, message: str, retry: bool = True):
        super().__init__(message)
        self.retry = retry


class TargetConfigError(DeliveryError):
    """A target's configuration (channels.yml or environment) cannot work: nothing was sent.

    The publish side turns it into exit 2 before any delivery (fail safe on bad config).
    """

    def __init__(self, message: str):
        super().__init__(message, retry=False)


class DeliveryIncomplete(DeliveryError):
    """Part of a newsletter went out; the rest (deferred 4xx, a lost connection) waits for a
    later run, which resumes from the ledger. No receipt yet: ``counts`` says where it stands
    (sent, refused, given_up, deferred, suppressed, invalid, unreached)."""

    def __init__(self, message: str, counts: dict[str, int]):
        super().__init__(message, retry=True)
        self.counts = counts
class DeliveryStopped(DeliveryError):
    """The run stopped a send between batches (a freeze, a lost lease, a refused push);
    what was sent is recorded and a later run resumes."""


# Environment a target cannot work without: checked for every due channel before anything
# is sent (a target may also define ``preflight()`` for checks of its own).
REQUIRED_ENV = {"smtp": ("GAZETTE_SMTP_HOST", "GAZETTE_SUBSCRIBERS")}

# Channels a person posts by hand (``target: manual``): publish never delivers nor receipts them.
MANUAL = "manual"


def register(name: str):
    def decorate(cls):
        TARGETS[name] = cls
        return cls
    return decorate


def target_for(name: str, root, config: dict):
    from . import http, outbox, smtp  # noqa: F401 - each registers itself

    if name not in TARGETS:
        raise TargetConfigError(_('unknown target {name!r} (known: {TARGETS})')
                                    .format(name=name, TARGETS=', '.join(sorted(TARGETS))))
    return TARGETS[name](root, config)
