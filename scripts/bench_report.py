#!/usr/bin/env python3
"""Benchmark `gazette report` against a warm `gazette check`, in one run.

    python scripts/make_corpus.py 10000 bench-corpus --history 2000
    python scripts/bench_report.py bench-corpus

Targets (issue 16): the repository KPIs (load, one git log, receipts, plan,
freezes) within 1.5x a warm `gazette check`; the HTML report adds at most 1 s.
Prints seconds (best of --repeat) and the ratios.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def best(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a folder made by scripts/make_corpus.py --history N")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--month", default="2026-10")
    args = parser.parse_args()
    root = args.corpus.resolve()

    from gazette import report
    from gazette.check import run_check
    from gazette.clock import now as clock_now
    from gazette.load import load_frame
    from gazette.report.history import read_history
    from gazette.report.render_html import to_html

    now = clock_now("2026-11-15T12:00:00+01:00")
    zone = load_frame(root)[0].timezone
    start, end = report.month(args.month, zone)
    run_check(root, now)  # fills the parse cache: both sides below are warm
    check = best(lambda: run_check(root, now), args.repeat)
    kpis = best(lambda: report.build(root, now, start, end), args.repeat)  # warm: parse and history caches
    history = best(lambda: read_history(root), args.repeat)
    cold_history = best(lambda: read_history(root, cache=False), args.repeat)
    data = report.build(root, now, start, end)
    to_html(data)  # the template compiles once per process, as in one CLI run
    html = best(lambda: to_html(data), args.repeat)

    commits = len(read_history(root).commits)
    print(f"{root}: {commits} commits touching content/ or calendar/, month {args.month}")
    print(f"  {'gazette check, warm cache':<36} {check:7.3f} s")
    print(f"  {'report KPIs (build)':<36} {kpis:7.3f} s  {kpis / check:5.2f}x warm check (target <= 1.5x)")
    print(f"  {'  of which history (cached by HEAD)':<36} {history:7.3f} s")
    print(f"  {'one git log + parse, uncached':<36} {cold_history:7.3f} s  (after a new commit; overlaps the load)")
    print(f"  {'HTML rendering on top':<36} {html:7.3f} s  (target <= 1 s)")
    return 0 if kpis <= 1.5 * check and html <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
