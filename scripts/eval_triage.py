"""Precision and recall per class of the listening triage on the labelled set.

    python scripts/eval_triage.py [tests/listening_triage.tsv] [--errors]

The set (tab-separated: class, text; French and English) is written by hand
from what people post about a community bike workshop. Tests assert a floor
on these figures, so a change of word lists that makes triage worse fails.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from gazette.listening.triage import CLASSES, Classifier  # noqa: E402


def labelled(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [(row["class"], row["text"]) for row in csv.DictReader(handle, delimiter="\t")]


def evaluate(rows, classifier=None) -> dict[str, tuple[float, float, int]]:
    """{class: (precision, recall, support)} and the mistakes."""
    classifier = classifier or Classifier()
    guesses = [(truth, classifier.classify(text), text) for truth, text in rows]
    scores = {}
    for name in CLASSES:
        predicted = sum(1 for _t, g, _x in guesses if g == name)
        actual = sum(1 for t, _g, _x in guesses if t == name)
        right = sum(1 for t, g, _x in guesses if t == g == name)
        scores[name] = (right / predicted if predicted else 0.0, right / actual if actual else 0.0, actual)
    return scores, [(t, g, x) for t, g, x in guesses if t != g]


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    path = Path(args[0]) if args else ROOT / "tests" / "listening_triage.tsv"
    rows = labelled(path)
    scores, mistakes = evaluate(rows)
    print(f"{len(rows)} labelled messages ({path.name})")
    print(f"{'class':<10} {'precision':>9} {'recall':>7} {'support':>8}")
    for name, (precision, recall, support) in scores.items():
        print(f"{name:<10} {precision:>9.2f} {recall:>7.2f} {support:>8}")
    accuracy = 1 - len(mistakes) / len(rows)
    print(f"accuracy {accuracy:.2f}")
    if "--errors" in argv:
        for truth, guess, text in mistakes:
            print(f"  {truth} -> {guess}: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
