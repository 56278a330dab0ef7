"""Golden pairs: tests/cases/<name>.md beside <name>.problems.json.

Each case is dropped into a fixture repository as a post (or, for
``<kind>--<slug>.md``, as that kind of item) and checked; the
(line, code) pairs reported for it must be exactly the expected ones, and
the rest of the repository must still load.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CASES = sorted(Path(__file__).parent.glob("cases/*.md"))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_case_reports_exactly_the_expected_problems(repo, case):
    kind, _, slug = case.stem.rpartition("--")
    path = f"content/{kind or 'post'}s/2026/{slug}.md"
    repo.write(path, case.read_bytes())
    repo.post("voisin-en-bonne-sante")  # a good file beside the bad one
    expected = json.loads(case.with_suffix("").with_suffix(".problems.json").read_text())

    result = repo.gazette("check", "--format", "json")
    report = json.loads(result.output)

    found = sorted((p["line"], p["code"]) for p in report["problems"] if p["path"] == path)
    assert found == sorted((p["line"], p["code"]) for p in expected)
    assert all(p["path"] == path for p in report["problems"]), "the neighbour must stay clean"
    errors = [p for p in report["problems"] if p["severity"] == "error"]
    assert result.exit_code == (1 if errors else 0)
    assert all(p["hint"] for p in report["problems"]), "every problem says what to do"


def test_every_case_has_its_expectation():
    for case in CASES:
        assert case.with_suffix("").with_suffix(".problems.json").exists(), case
