#!/usr/bin/env python3
"""Benchmark `gazette check` against the floor and python-frontmatter, in one run.

    python scripts/make_corpus.py 10000 bench-corpus --git
    python scripts/bench_check.py bench-corpus
    python scripts/bench_check.py bench-corpus --items 10000 --body-kb 7   # (re)make it first
    python scripts/bench_check.py bench-corpus --only-startup   # --help and --changed-since only
    python scripts/bench_check.py bench-corpus --split   # where a warm --changed-since's CPU goes

Targets (issue 19): cold check with every rule at most 2x the floor (7 KiB
bodies); `check --changed-since` with one changed file at most 1.5x `--help`.
`--changed-since` is timed three ways: cold (no index of days: it is built from
HEAD's blobs, ~0.3 s of git), REF moved (the index is of another tree, the record
of known blobs kept: only new blobs are read) and warm (the index of HEAD's tree).

Prints seconds (best of --repeat) and ratios to the floor measured here:
reading every item file, splitting its front matter and parsing it with
``yaml.CSafeLoader``. Run by hand on a quiet machine; ratios hold better
than absolute times.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path


def item_files(root: Path) -> list[Path]:
    return sorted(p for kind in ("posts", "newsletters", "contests") for p in (root / "content" / kind).rglob("*.md"))


def floor(files) -> None:
    import yaml

    for path in files:
        text = path.read_text(encoding="utf-8")
        end = text.index("\n---", 3)
        yaml.load(text[4:end], Loader=yaml.CSafeLoader)


def python_frontmatter(files) -> None:
    import frontmatter

    for path in files:
        frontmatter.load(path)


def gazette_check(root: Path, cache: bool) -> None:
    from gazette.check import run_check
    from gazette.clock import now

    result = run_check(root, now(), cache=cache)
    assert result.checked > 0


def best(function, repeat: int, before=None) -> tuple[float, float]:
    """(best wall seconds, best CPU seconds of this process) over ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        if before:
            before()
        start, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def command_time(args, cwd: Path, repeat: int, before=None) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system) of the console script, bytecode cache
    allowed as for any user. ``before`` runs before each run (outside the timing)."""
    import resource

    gazette = Path(sys.executable).with_name("gazette")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cpus = []

    def run():
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([str(gazette), *args], cwd=cwd, check=False, stdout=subprocess.DEVNULL, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)

    if before:
        before()
    run()  # warm-up: writes .pyc files, fills the OS cache
    cpus.clear()
    wall, _ = best(run, repeat, before)
    return wall, min(cpus)


def forget_day_index(root: Path, blobs_too: bool = True) -> None:
    """Cold: no index of days at all; ``blobs_too=False``: as when REF has moved since the
    last run (the index is of another tree, the blobs' record kept: only new blobs are read)."""
    from gazette.cache import cache_dir
    from gazette.dayindex import BLOBS, STORE

    (cache_dir(root) / STORE).unlink(missing_ok=True)
    if blobs_too:
        (cache_dir(root) / BLOBS).unlink(missing_ok=True)


def full_checks(root: Path, files, repeat: int) -> None:
    cache_dir = root / ".gazette"
    rows = []
    base = best(lambda: floor(files), repeat)
    rows.append(("floor: read + split + CSafeLoader", base))
    try:
        rows.append(("python-frontmatter frontmatter.load", best(lambda: python_frontmatter(files), repeat)))
    except ImportError:
        print("python-frontmatter not installed (pip install -e '.[bench]'): skipped", file=sys.stderr)
    rows.append(("gazette check, cold (no cache)", best(lambda: gazette_check(root, False), repeat)))
    shutil.rmtree(cache_dir, ignore_errors=True)
    gazette_check(root, True)
    rows.append(("gazette check, warm cache", best(lambda: gazette_check(root, True), repeat)))

    print(f"{len(files)} items in {root}; best of {repeat}, wall and CPU (on a shared machine the CPU "
          "ratio is the one that holds)")
    base_wall, base_cpu = dict(rows)["floor: read + split + CSafeLoader"]
    for name, (wall, cpu) in rows:
        print(f"  {name:<40} {wall:7.3f} s {wall / base_wall:5.2f}x   CPU {cpu:7.3f} s {cpu / base_cpu:5.2f}x floor")
    fm = dict(rows).get("python-frontmatter frontmatter.load")
    if fm:
        for name, (wall, cpu) in rows[2:]:
            print(f"  {name:<40} {fm[1] / cpu:5.1f}x faster than python-frontmatter (CPU)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a folder made by scripts/make_corpus.py")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--items", type=int, help="first (re)make the corpus with this many items (and git)")
    parser.add_argument("--body-kb", type=float, default=0, help="with --items: body size in KiB")
    parser.add_argument("--only-startup", action="store_true",
                        help="time only `--help` and `check --changed-since` (skip the floor and the full checks)")
    parser.add_argument("--split", action="store_true",
                        help="where the CPU of a warm `check --changed-since` (1 file) goes, step by step")
    args = parser.parse_args()
    if args.items:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from make_corpus import make

        make(args.items, args.corpus, use_git=True, body_bytes=int(args.body_kb * 1024))
    root = args.corpus.resolve()
    files = item_files(root)
    if args.split:
        split(root, files)
        return
    if not args.only_startup:
        full_checks(root, files, args.repeat)
    else:
        print(f"{len(files)} items in {root}; start-up only, best of 5, wall and CPU (on a shared machine the "
              "CPU ratio is the one that holds)")

    help_wall, help_cpu = command_time(["--help"], root, 5)
    print(f"  {'gazette --help (process)':<56} {help_wall:7.3f} s         CPU {help_cpu:7.3f} s")
    if (root / ".git").exists():
        victim = files[len(files) // 2]
        original = victim.read_bytes()
        try:
            victim.write_bytes(original.replace(b"\n---\n", b"\nsummary2: x\n---\n", 1))
            # Cold: no index of days of HEAD's tree (built from git's blobs, then stored);
            # warm: the index stored by an earlier run. Other caches stay as they are.
            timed = [("cold (no index of days)", command_time(["check", "--changed-since", "HEAD"], root, 5,
                                                              lambda: forget_day_index(root))),
                     ("REF moved (blobs known)", command_time(["check", "--changed-since", "HEAD"], root, 5,
                                                              lambda: forget_day_index(root, blobs_too=False))),
                     ("warm", command_time(["check", "--changed-since", "HEAD"], root, 5))]
            # As a hook after each save: the changed file's text is new at every run (nothing
            # remembered of it), the rest as warm.
            edits = iter(range(1, 1000))
            timed.append(("warm, edited before each run", command_time(
                ["check", "--changed-since", "HEAD"], root, 5,
                lambda: victim.write_bytes(original.replace(b"\n---\n", f"\nsummary2: x{next(edits)}\n---\n".encode(), 1)))))
        finally:
            victim.write_bytes(original)
        for name, (wall, cpu) in timed:
            print(f"  {'check --changed-since (1 file), ' + name:<56} {wall:7.3f} s {wall / help_wall:5.2f}x   "
                  f"CPU {cpu:7.3f} s {cpu / help_cpu:5.2f}x --help")
    else:
        print("  (not a git repository: make_corpus.py --git to time --changed-since)")


def split(root: Path, files) -> None:
    """CPU (user + system, children included) of processes that each stop after one step of a
    warm ``check --changed-since HEAD`` with one changed file, best of 7: Python's start, the
    imports the command makes, each git read the command starts, the whole command."""
    import json
    import tempfile

    victim = files[len(files) // 2]
    original = victim.read_bytes()
    gazette = Path(sys.executable).with_name("gazette")
    args = ["check", "--changed-since", "HEAD"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def cpu(command) -> float:
        import resource

        best = None
        for _ in range(7):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            spent = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            best = spent if best is None else min(best, spent)
        return best

    try:
        victim.write_bytes(original.replace(b"\n---\n", b"\nsummary2: x\n---\n", 1))
        subprocess.run([str(gazette), *args], cwd=root, stdout=subprocess.DEVNULL, env=env)  # the index of days
        with tempfile.TemporaryDirectory() as temp:
            # What the command imports and which git commands it starts, seen from inside one run.
            seen = Path(temp) / "seen.json"
            # Only os and atexit before the command (json at exit): modules the spy imported
            # (subprocess's selectors, threading...) would count as the command's.
            spy = ("import atexit, os, sys\nstarted = []\nreal_spawn = os.posix_spawnp\n"
                   "def spawn(path, command, *a, **k):\n    started.append([command[0], *command[3:]])\n"
                   "    return real_spawn(path, command, *a, **k)\nos.posix_spawnp = spawn\n"
                   "def record():\n    modules = sorted(sys.modules)\n    import json\n"
                   f"    open({str(seen)!r}, 'w').write(json.dumps([modules, started]))\n"
                   "atexit.register(record)\n"
                   f"sys.argv = ['gazette', *{args!r}]\nfrom gazette.launch import main\nmain()\n")
            subprocess.run([sys.executable, "-c", spy], cwd=root, stdout=subprocess.DEVNULL, env=env)
            modules, started = json.loads(seen.read_text())
        modules = [m for m in modules if m.split(".")[0] not in ("__main__", "subprocess", "json", "atexit")
                   and not m.startswith("_")]
        rows = [("Python start-up (python -c pass)", cpu([sys.executable, "-c", "pass"]))]
        imports = cpu([sys.executable, "-c", "import sys\nfor m in sys.argv[1:]:\n    try: __import__(m)\n"
                       "    except Exception: pass", *modules])
        rows.append((f"+ the command's imports ({len(modules)} modules)", imports - rows[0][1]))
        git = [(" ".join(c[1:])[:60], cpu(c)) for c in started]
        rows += [(f"+ git {name}", seconds) for name, seconds in git]
        whole = cpu([str(gazette), *args])
        rows.append(("+ the checking itself (the rest)", whole - imports - sum(s for _n, s in git)))
        help_cpu = cpu([str(gazette), "--help"])
    finally:
        victim.write_bytes(original)
    print(f"where the CPU of a warm `gazette {' '.join(args)}` (1 changed file) goes; best of 7 each")
    for name, seconds in rows:
        print(f"  {name:<72} {seconds * 1000:6.1f} ms")
    print(f"  {'= the whole command':<72} {whole * 1000:6.1f} ms  {whole / help_cpu:5.2f}x --help")
    print(f"  {'gazette --help':<72} {help_cpu * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
