#!/usr/bin/env python3
"""Write tests/moderation/findings.golden.jsonl: every finding the scanner reports on the
labelled corpus, the unit cases and a fixed set of hostile mixes.

Written once from the scanner before a speed change; tests/test_moderate_golden.py then
checks that the faster scanner reports exactly the same flags (code, span, rule, why).
Regenerate only when a rule is meant to change, and say so in the commit.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIECES = ["connard", "C0NNARD", "c.o.n.n.a.r.d", "connnnnard", "f*ck", "f**k", "«", "»", "\"", "'", "’", "œ", "İ",
          "😀", "\n", " ", "  ", ".", ", ", "06 12 34 56 78", "+33 (0)6 12 34 56 78", "07700 900123", "@", "a@b.fr",
          "julie.martin@gmail.com", "contact@club.org", "paul POINT girard AROBASE free POINT fr", "AROBASE",
          "POINT", "migrants", "les migrants", "sont des rats", "dehors les", "!!!", "RUE", "12 rue des Lilas",
          "habite", "Marie Dupont habite", " à Rennes", "né le 3 mars 2016", "école", "www.", "http://x",
          "https://xxx-cams.example/", "escort", "en privé", "nudes", "FR76 3000 6000 0112 3456 7890 189",
          "4970 1012 3456 7893", "1 85 05 78 006 084 91", "ß", "\x00", "\u202f", "C'EST INADMISSIBLE",
          "RÉPONDEZ-MOI TOUT DE SUITE", "Conseil", "Bitche", "les Enfoirés", "traité de", "called me",
          "0612345678", "la mairie au 04 72 10 30 30", "Urgences : 112", "kon", "tg", "fdp", "idiot", "Scunthorpe"]


def texts() -> list[str]:
    out = []
    for name in ("tune", "heldout"):
        for line in (ROOT / "tests" / "moderation" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["text"])
    out += [case["text"] for case in json.loads((ROOT / "tests" / "moderation_cases.json").read_text("utf-8"))]
    rng = random.Random(19)
    for _ in range(2000):
        out.append("".join(rng.choice(PIECES) if rng.random() < 0.7 else
                           "".join(rng.choice("aeiouAE0123456789 .-@*!'\n") for _ in range(rng.randint(1, 6)))
                           for _ in range(rng.randint(1, 25))))
    return out


def findings(moderator, text: str) -> list:
    return [[f.code, f.start, f.end, f.text, f.severity, f.rule, f.why] for f in moderator.scan(text)]


def main() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from gazette.netiquette import Moderator, load_config

    moderator = Moderator(load_config(None)[0])
    with open(ROOT / "tests" / "moderation" / "findings.golden.jsonl", "w", encoding="utf-8") as handle:
        for text in texts():
            handle.write(json.dumps({"text": text, "findings": findings(moderator, text)}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
