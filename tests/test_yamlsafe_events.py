"""The event-driven parser answers exactly as the composed-tree parser it replaced
(tests/yamlsafe_composed.py): same data, same key lines and written forms, same problem
(code, line, message, hint), on the golden cases, the sample, the attack corpus and
hostile YAML written for the purpose."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
import yaml

from gazette import yamlsafe
from gazette.load import split_front_matter

import yamlsafe_composed

HERE = Path(__file__).parent
ROOT = HERE.parent

HOSTILE = [
    "", "\n", "# only a comment\n", "---\n", "--- \n...\n", "a: 1\n---\nb: 2\n", "a: [1\n---\nb: 2\n",
    "a: &x 1\nb: &x 2\n", "a: &x 1\n", "a: &x [1, 2]\nb: &y {c: 3}\nc: &x 4\n", "a: &x 1\nb: *x\n",
    "a: *x\n", "<<: {a: 1}\nb: 2\n", "a: {<<: {b: 1}}\n", "!!merge x: 1\n", "? !!merge [a]\n: 1\n",
    "a: !!binary aGVsbG8=\n", "a: !!set {x, y}\n", "a: !!omap [a: 1]\n", "a: !custom x\n", "a: ! 12\n",
    "a: !!str 12\n", "a: !!int x\n", "a: !!int 0x1F\n", "a: !!float x\n", "a: !!bool maybe\n",
    "a: !!null x\n", "a: !!timestamp nope\n", "!!str 1: x\n", "a: !!map {b: 1}\n", "a: !!seq [1]\n",
    "a: !!map [1]\n", "a: !!seq {b: 1}\n", "!custom {a: 1}\n", "a: 2026-02-30\n", "a: 2026-02-30\nb: [\n",
    "a: 2026-13-01T10:00:00Z\n", "a: 2026-1-2 3:04:05\n", "a: 2026-01-02 03:04:05.5 +01:00\n",
    "a: 2026-01-02t03:04:05z\n", "a: 1\na: 2\n", "a: 1\na: 2\nb: [\n", "a: {b: 1, b: 2}\n", "[a]: 1\n",
    "{a: 1}: 2\n", "? [a, b]\n: 1\n", "a: !!int x\nb: {\n", "a: <<\n", "a: =\n", "= : 1\n", "1: a\n1: b\n",
    "1: a\n'1': b\n", "1.0: a\n1: b\n", "true: a\n1: b\n", "~: a\nnull: b\n", "a: yes\nb: No\nc: ON\n",
    "a: .inf\nb: -.Inf\nc: .NaN\nd: 1_000\ne: 0o7\nf: 0b101\ng: 1:30\nh: 190:20:30.15\n",
    "- 1\n- [2, {a: b}]\n- !!str 3\n", "a:\n  - b: [1, 2]\n    c: {d: [e, {f: 2026-01-01}]}\n",
    "a: 'x\n", 'a: "x\n', "a: [1, 2\n", "a: {b: 1\n", "a:\n - b\n c: d\n", "a: b: c\n", "\ta: 1\n",
    "a: \"\\q\"\n", "a: @x\n", "%YAML 1.1\n---\na: 1\n", "%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n",
    "a: |\n  text\n  more\nb: >-\n  folded\n", "a: [" * 40 + "]" * 40 + "\n", "a:\n" + "".join(
        "  " * i + "- \n" for i in range(1, 40)), "- " * 40 + "x\n", "[" * 33 + "]" * 33, "[" * 32 + "]" * 32,
    "a: &x 1\n---\nb: 2\n", "a: !!float ''\n", "a: !!int ''\nb: [\n", "a: !!int ''\n", "&x a: 1\n&x b: 2\n", "a: &x !!int x\nb: &x 2\n", "a: !!int x\nb: &y 1\nc: &y 2\n",
]


def outcome(parse, text):
    try:
        data, lines = parse(text, first_line=2)
    except yamlsafe.YAMLProblem as problem:
        return ("problem", problem.code, problem.line, problem.message, problem.hint)
    except IndexError:  # the composed parser's one crash: an empty !!int or !!float
        return ("problem", "yaml/syntax", "crashed")
    return ("data", repr(data), sorted(lines.items(), key=repr), sorted(lines.sources.items(), key=repr))


def front_matters(folder: Path):
    for path in sorted(folder.rglob("*.md")):
        split = split_front_matter(path.read_text(encoding="utf-8", errors="replace"))
        if split:
            yield split[0]


def mutations(texts, count: int, seed: int = 19):
    """Texts cut, with characters deleted, duplicated or replaced by YAML's indicators."""
    rng = random.Random(seed)
    indicators = list("[]{}:,-?&*!|>'\"%@`#\n\t ") + ["<<", "!!int ", "&a ", "*a", "---\n", "? "]
    texts = [t for t in texts if t]
    for _ in range(count):
        text = rng.choice(texts)
        at = rng.randrange(len(text) + 1)
        choice = rng.randrange(4)
        if choice == 0:
            yield text[:at]
        elif choice == 1:
            yield text[:at] + text[at + rng.randrange(1, 6):]
        elif choice == 2:
            yield text[:at] + rng.choice(indicators) + text[at:]
        else:
            yield text[:at] + text[at:at + 20] + text[at:]


def corpus():
    texts = list(HOSTILE)
    texts += front_matters(HERE / "cases")
    texts += front_matters(ROOT / "content")
    from attacks.payloads import ALL

    for payload in ALL:
        for quoting in ("{}", "'{}'", '"{}"'):
            value = quoting.format(payload.replace("'", "''") if quoting == "'{}'" else
                                   payload.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                                   if quoting == '"{}"' else payload)
            texts.append(f"title: {value}\ntags: [{value}]\n")
    return texts


CORPUS = corpus()


@pytest.mark.parametrize("text", CORPUS)
def test_same_answer_as_the_composed_tree(text):
    assert same(outcome(yamlsafe.parse, text), outcome(yamlsafe_composed.parse, text))


def same(new, old) -> bool:
    if old[2:] == ("crashed",):
        return new[:2] == old[:2]  # now a problem, no longer a traceback
    return new == old


def test_same_answer_on_mutated_front_matter():
    differ = [text for text in itertools.islice(mutations(CORPUS, 4000), 4000)
              if not same(outcome(yamlsafe.parse, text), outcome(yamlsafe_composed.parse, text))]
    assert differ == []


def test_the_comparison_sees_both_data_and_problems():
    kinds = {outcome(yamlsafe.parse, text)[0] for text in CORPUS}
    codes = {outcome(yamlsafe.parse, text)[1] for text in HOSTILE}
    assert kinds == {"data", "problem"}
    assert {"yaml/alias", "yaml/syntax", "yaml/duplicate-key", "yaml/too-deep", "schema/date-invalid"} <= codes


def test_the_remembered_plain_tags_are_yamls():
    for text in ["a: yes", "a: 12", "a: 1.5", "a: 2026-01-01", "a: ~", "a: x", "a: <<x", "a: no"] * 2:
        assert yamlsafe.parse(text)[0] == yaml.load(text, Loader=yaml.CSafeLoader), text
