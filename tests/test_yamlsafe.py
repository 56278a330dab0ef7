"""yamlsafe's own bounds: the same answer whatever libyaml a fresh install brings."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from gazette import yamlsafe
from gazette.yamlsafe import MAX_DEPTH, YAMLProblem, parse


def code_and_line(text: str, **kwargs):
    try:
        parse(text, **kwargs)
    except YAMLProblem as problem:
        return problem.code, problem.line
    return None


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 999, 1001, 5000])
def test_deep_flow_nesting_is_too_deep_at_any_depth(levels):
    # PyYAML 6.0.4's libyaml gives up at 1,000 levels with a scanner error of its own.
    assert code_and_line("title: A\nx: " + "[" * levels + "]" * levels + "\n", first_line=2) == ("yaml/too-deep", 3)


def test_deep_nesting_in_a_large_frame_file_is_too_deep_not_a_crash():
    text = "timezone: Europe/Paris\nx: " + "[" * 60_000 + "\n"
    assert code_and_line(text, max_bytes=128 * 1024) == ("yaml/too-deep", 2)


@pytest.mark.parametrize("text", [
    "".join(" " * level + f"k{level}:\n" for level in range(MAX_DEPTH + 2)) + " " * 40 + "v: 1\n",
    "x:\n" + "- " * (MAX_DEPTH + 2) + "a\n",
    "x:\n" + "".join("  " * level + "- \n" for level in range(MAX_DEPTH + 2)),
])
def test_deep_block_nesting_is_too_deep(text):
    assert code_and_line(text)[0] == "yaml/too-deep"


@pytest.mark.parametrize("newline", ["\r", "\r\n"])
def test_deep_block_nesting_is_too_deep_whatever_the_line_ends(newline):
    # A lone CR breaks lines in YAML: the depth pre-check must see those lines too, or the
    # answer is libyaml's own limit and wording.
    text = newline.join(["a: 1", "b:", "- " * 2000 + "x", ""])
    assert code_and_line(text, max_bytes=128 * 1024) == ("yaml/too-deep", 3)


def test_nesting_up_to_the_cap_is_fine():
    levels = MAX_DEPTH - 1  # the front matter mapping is one level
    data, _ = parse("x: " + "[" * levels + "1" + "]" * levels + "\n")
    assert data["x"] is not None


def test_an_alias_without_an_anchor_is_an_alias_problem():
    assert code_and_line("title: A\ntags: [*x]\n", first_line=2) == ("yaml/alias", 3)


def test_stars_in_quoted_text_are_fine():
    assert parse('summary: "un *vrai* atelier"\n')[0] == {"summary": "un *vrai* atelier"}


@pytest.mark.parametrize("text, line", [
    ('title: "pas fermé\ndate: 2026-10-06T12:30:00+02:00\nsummary: x\n', 2),
    ("title: A\ntags: [vélo, réparation\ndate: 2026-10-06T12:30:00+02:00\n", 3),
    ("title: A\nimage: {src: a.jpg\ndate: 2026-10-06T12:30:00+02:00\n", 3),
])
def test_syntax_errors_point_where_the_quote_or_bracket_opened(text, line):
    try:
        parse(text, first_line=2)
    except YAMLProblem as problem:
        assert (problem.code, problem.line) == ("yaml/syntax", line)
        assert f"opened on line {line}" in problem.message and "on line" in problem.message.split(":", 1)[1]
    else:
        pytest.fail("no problem reported")


def test_a_bad_indent_points_at_the_bad_line_not_the_mapping_start():
    assert code_and_line("a: 1\nb:\n  c: 2\n d: 3\n", first_line=2) == ("yaml/syntax", 5)


scalars = st.one_of(st.integers(), st.text(max_size=5), st.booleans())
trees = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, min_size=1, max_size=3),
    st.dictionaries(st.text(max_size=3), children, min_size=1, max_size=3)), max_leaves=40)


def depth(value) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(tree=trees, flow=st.sampled_from([None, True, False]), indent=st.sampled_from([2, 4]))
def test_the_cheap_depth_bound_never_under_estimates(tree, flow, indent):
    """The bound decides whether the event pass runs at all: an under-estimate would hand
    deep input straight to libyaml's recursive composer."""
    text = yaml.safe_dump({"x": tree}, default_flow_style=flow, indent=indent, allow_unicode=True)
    assert yamlsafe._depth_bound(text) >= depth({"x": tree})


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=" \t-?:[]{}\nab", max_size=120))
def test_the_fast_test_agrees_with_the_bound(text):
    assert yamlsafe._may_be_too_deep(text) == (yamlsafe._depth_bound(text) > MAX_DEPTH)


def test_dates_share_one_zone_per_offset_and_keep_their_values():
    """Dates with one offset get one zone object (the parse cache writes it once): each value,
    offset and zone name is what datetime.fromisoformat gives for the text as written."""
    from datetime import datetime

    from gazette.yamlsafe import parse

    texts = ["2026-10-05T09:00:00+02:00", "2026-10-06T10:30:00+02:00", "2026-10-05T09:00:00Z",
             "2026-10-05T09:00:00+00:00", "2026-10-05T09:00:00-03:30", "2026-10-05T09:00:00", "2026-10-05t09:00:00Z"]
    data, _lines = parse("\n".join(f"k{number}: {text}" for number, text in enumerate(texts)))
    for number, text in enumerate(texts):
        expected = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        value = data[f"k{number}"]
        assert (value, value.tzname(), value.utcoffset()) == (expected, expected.tzname(), expected.utcoffset())
    assert data["k0"].tzinfo is data["k1"].tzinfo
    assert data["k2"].tzinfo is data["k3"].tzinfo
