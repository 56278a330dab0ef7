"""The scanner reports exactly the flags it reported before its speed work (issue 19):
same code, span, text, severity, rule and explanation on the labelled corpus, the unit
cases and 2,000 hostile mixes (scripts/moderation_golden.py wrote the reference)."""

import json
from pathlib import Path

from gazette.netiquette import Moderator, load_config

GOLDEN = Path(__file__).parent / "moderation" / "findings.golden.jsonl"


def test_the_scanner_reports_the_reference_flags():
    moderator = Moderator(load_config(None)[0])
    rows = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    assert len(rows) > 2400 and sum(bool(r["findings"]) for r in rows) > 1000
    differ = []
    for row in rows:
        got = [[f.code, f.start, f.end, f.text, f.severity, f.rule, f.why] for f in moderator.scan(row["text"])]
        if got != row["findings"]:
            differ.append((row["text"], row["findings"], got))
    assert differ[:3] == []
