"""Files damaged on disk as a disk or a crash damages them: for caches that must only cost time."""

from __future__ import annotations

import random


def damaged_copies(raw: bytes, rounds: int, seed: int):
    """``rounds`` copies of ``raw``, each with 1 to 8 bytes changed, runs cut out or bytes put in."""
    rng = random.Random(seed)
    for _round in range(rounds):
        damaged = bytearray(raw)
        for _change in range(rng.randint(1, 8)):
            at, what = rng.randrange(len(damaged)), rng.random()
            if what < 0.6:
                damaged[at] = rng.randrange(256)
            elif what < 0.8:
                del damaged[at:at + rng.randint(1, 20)]
            else:
                damaged[at:at] = bytes(rng.randrange(256) for _byte in range(rng.randint(1, 8)))
        yield bytes(damaged)
