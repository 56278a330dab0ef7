#!/usr/bin/env python3
"""Benchmark `gazette moderate` on a generated export of community messages.

    python scripts/bench_moderate.py [--lines 10000]

Target (issue 7): a 10,000-line export in < 2 s for the whole command (a
real process, start-up included). Prints the time and the floor measured in
the same run: reading and parsing the same CSV with the csv module.
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PHRASES = [
    "Merci pour l'atelier de samedi, super ambiance", "Quelqu'un a une clé de 15 à prêter ?",
    "Le jeu de Noël est génial, je participe", "Great workshop, thanks a lot to the volunteers",
    "Where can I buy a good lock in Lyon?", "Appelez-moi au 06 12 34 56 78 pour le vélo",
    "Quel connard ce livreur sur la piste cyclable", "C'EST VRAIMENT INADMISSIBLE CETTE ATTENTE",
    "Trop bien !!!", "Rendez-vous à Bitche pour la randonnée", "Le contrat de conseil est signé",
]


def make_export(path: Path, lines: int) -> None:
    rng = random.Random(7)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "author", "text"])
        for index in range(lines):
            text = " ".join(rng.choice(PHRASES) for _ in range(rng.randint(1, 3)))
            writer.writerow([index, f"membre{rng.randint(1, 500)}", text])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        export = Path(temp) / "export.csv"
        make_export(export, args.lines)
        start = time.perf_counter()
        with open(export, encoding="utf-8", newline="") as handle:
            rows = sum(1 for _ in csv.DictReader(handle))
        floor = time.perf_counter() - start
        gazette = Path(sys.executable).with_name("gazette")
        times = []
        for _ in range(3):
            start = time.perf_counter()
            done = subprocess.run([str(gazette), "moderate", str(export), "--format", "json"], cwd=temp,
                                  capture_output=True)
            times.append(time.perf_counter() - start)
        flagged = done.stdout.count(b'"code"')
        print(f"{rows} messages, {flagged} flags")
        print(f"  floor (csv.DictReader)        {floor:6.3f} s")
        print(f"  gazette moderate (process)    {min(times):6.3f} s  target < 2 s")


if __name__ == "__main__":
    main()
