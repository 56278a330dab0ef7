#!/usr/bin/env python3
"""Benchmark a workspace: `gazette --workspace FILE status` over many communities.

    python scripts/bench_workspace.py [--communities 20] [--items 2000] [--folder bench-workspace]

Target (issue 21): 20 communities of 2,000 items, status across all of them
under 2 s warm (the per-file parse cache filled by a first run). Prints the
cold run and the best of --repeat warm runs, in-process (what the command
does after start-up) and as a real subprocess (what a person waits for).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_corpus import make  # noqa: E402

NOW = "2026-11-23T12:00:00+01:00"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=20)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--folder", type=Path, default=Path("bench-workspace"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = args.folder.resolve()
    folder.mkdir(exist_ok=True)
    lines = ["communities:"]
    for index in range(args.communities):
        target = folder / f"c{index:02d}"
        if not (target / "content").is_dir():
            make(args.items, target, False)
        lines.append(f"  - {{path: c{index:02d}, name: c{index:02d}}}")
    workspace = folder / "gazette-workspace.yml"
    workspace.write_text("\n".join(lines) + "\n")
    os.environ.setdefault("GAZETTE_CACHE_DIR", str(folder / ".cache"))

    from gazette.cli import cli
    from click.testing import CliRunner

    def once() -> float:
        start = time.perf_counter()
        result = CliRunner().invoke(cli, ["--workspace", str(workspace), "status", "--now", NOW])
        elapsed = time.perf_counter() - start
        assert result.exit_code == 0, result.output
        return elapsed

    cold = once()
    warm = min(once() for _ in range(args.repeat))
    command = [sys.executable, "-m", "gazette", "--workspace", str(workspace), "status", "--now", NOW]
    walls = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
    total = args.communities * args.items
    print(f"{args.communities} communities x {args.items} items ({total} items)")
    print(f"status cold (first run, cache filled): {cold:.2f} s")
    print(f"status warm, in-process:               {warm:.2f} s")
    print(f"status warm, subprocess:               {min(walls):.2f} s  (target < 2 s)")


if __name__ == "__main__":
    main()
