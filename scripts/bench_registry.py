#!/usr/bin/env python3
"""Benchmark what the community registry adds to a warm `gazette check`, and `community list`.

    python scripts/make_corpus.py 10000 bench-registry --git --people 5000 --places 2000
    python scripts/bench_registry.py bench-registry

Warm check of the corpus with the registry, then with community/ moved aside
(the same check without it): the issue's target is a ratio under 1.2. Then the
wall time of a warm `gazette community list` (target: under 0.5 s).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path


def check_time(root: Path) -> float:
    from gazette.check import run_check
    from gazette.clock import now

    start = time.perf_counter()
    run_check(root, now())
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    root = args.corpus.resolve()
    aside = root.parent / (root.name + "-community-aside")
    check_time(root)  # fills the caches
    with_registry, without = [], []
    # Alternated, best of each: on a shared machine the load changes from one second to the next.
    for _ in range(args.repeat):
        with_registry.append(check_time(root))
        os.rename(root / "community", aside)
        try:
            without.append(check_time(root))
        finally:
            os.rename(aside, root / "community")
    with_registry, without = min(with_registry), min(without)
    print(f"warm check with registry:    {with_registry:.3f} s")
    print(f"warm check without registry: {without:.3f} s")
    print(f"ratio: {with_registry / without:.2f} (target <= 1.2)")
    gazette = Path(sys.executable).with_name("gazette")
    run = lambda: subprocess.run([str(gazette), "community", "list", "--repo", str(root)],  # noqa: E731
                                 check=True, stdout=subprocess.DEVNULL)
    run()
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    print(f"warm community list: {min(times):.3f} s (target < 0.5)")


if __name__ == "__main__":
    main()
