#!/usr/bin/env python3
"""Benchmark the calendar: views after loading, and what its rules add to `gazette check`.

    python scripts/make_corpus.py 10000 bench-corpus
    python scripts/bench_calendar.py bench-corpus

Targets (issue 5): ICS and JSON for 10,000 items in < 1 s after loading;
the calendar checks add <= 20 % to `gazette check`. Best of --repeat runs.
"""

from __future__ import annotations

import argparse
import time
from contextlib import contextmanager
from pathlib import Path


def best(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


@contextmanager
def without_calendar_rules():
    """The registry as it would be without gazette.calendar_rules."""
    from gazette import calendar_rules, validate

    saved_item = {k: list(v) for k, v in validate.ITEM_RULES.items()}
    saved_repo = {k: list(v) for k, v in validate.REPO_RULES.items()}
    for registry in (validate.ITEM_RULES, validate.REPO_RULES):
        for family, rules in registry.items():
            registry[family] = [r for r in rules if r.__module__ != calendar_rules.__name__]
    try:
        yield
    finally:
        validate.ITEM_RULES.update(saved_item)
        validate.REPO_RULES.update(saved_repo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = args.corpus.resolve()

    from gazette import agenda
    from gazette.check import run_check
    from gazette.clock import parse_moment
    from gazette.load import load_repo

    now = parse_moment("2026-11-23T12:00:00+01:00")
    started = time.perf_counter()
    repo = load_repo(root, cache=False)
    loading = time.perf_counter() - started
    zone = repo.frame.timezone
    entries = agenda.build(repo, now)
    print(f"{len(repo.items)} items, {sum(e.kind == 'publication' for e in entries)} publications in {root}")
    print(f"  {'load_repo (not counted below)':<44} {loading:7.3f} s")
    def fresh():
        """Forget what a previous run derived from the items, so each timing starts from loading."""
        for item in repo.items:
            item.publications = None
        repo.frame.memo.clear()
        return agenda.build(repo, now)

    build = best(fresh, args.repeat)
    as_json = best(lambda: agenda.to_json(fresh(), None, None), args.repeat)
    as_ics = best(lambda: agenda.to_ics(fresh(), now, zone), args.repeat)
    print(f"  {'entries (build)':<44} {build:7.3f} s")
    print(f"  {'JSON (build + render)':<44} {as_json:7.3f} s  target < 1 s")
    print(f"  {'ICS (build + render)':<44} {as_ics:7.3f} s  target < 1 s")

    for label, cache in (("cold", False), ("warm", True)):
        run_check(root, now, cache=cache)  # fill the cache for the warm run
        with_rules = best(lambda: run_check(root, now, cache=cache), args.repeat)
        with without_calendar_rules():
            run_check(root, now, cache=cache)
            without = best(lambda: run_check(root, now, cache=cache), args.repeat)
        print(f"  gazette check {label}: {without:6.3f} s without calendar rules, {with_rules:6.3f} s with: "
              f"+{(with_rules / without - 1) * 100:4.1f} %  (target <= 20 %)")


if __name__ == "__main__":
    main()
