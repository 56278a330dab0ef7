"""Module-level patterns compiled on first use answer as the compiled pattern does."""

from __future__ import annotations

import re

import pytest

from gazette.lazypattern import LazyPattern, lazy

TEXTS = ["", "a", "<script>x</script>", "https://exemple.org/a?utm_source=x", "\x00\x7f", "é" * 50,
         "line\n---\nmore", "[a](b) ![i](//h/p.png)", "#tag @me@host.org", "a" * 10_000 + "!"]


@pytest.mark.parametrize("source, flags", [(r"<\s*/?[a-zA-Z!]", 0), (r"https?://[^\s<>\"]+", re.I),
                                           (r"^(?:---|\.\.\.)[ \t]*\r?$", re.M), (r"(?<![\w&])#\w+", 0),
                                           (r"(\w)(\w)?", 0)])
def test_a_lazy_pattern_answers_as_the_compiled_one(source, flags):
    eager, late = re.compile(source, flags), lazy(source, flags)
    assert not late.__dict__  # nothing compiled at definition
    for text in TEXTS:
        assert [m.span() for m in late.finditer(text)] == [m.span() for m in eager.finditer(text)]
        assert late.findall(text) == eager.findall(text)
        assert late.sub("-", text) == eager.sub("-", text)
        assert late.split(text) == eager.split(text)
        assert bool(late.search(text)) == bool(eager.search(text))
        assert bool(late.match(text)) == bool(eager.match(text))
    assert (late.pattern, late.flags, late.groups) == (eager.pattern, eager.flags, eager.groups)
    assert late.compiled is eager  # re's own cache: one compiled pattern
    with pytest.raises(AttributeError):
        late.no_such_attribute


def test_a_bad_pattern_fails_where_it_is_first_used():
    broken = lazy("(")
    with pytest.raises(re.error):
        broken.search("x")


def test_the_rule_modules_compile_nothing_at_import():
    from gazette import published, quality_rules, textcount, validate

    for module in (published, quality_rules, textcount, validate):
        assert [name for name, value in vars(module).items() if isinstance(value, re.Pattern)] == []
        assert any(isinstance(value, LazyPattern) for value in vars(module).values())


def test_every_lazy_pattern_of_the_rules_compiles():
    # A typo in a pattern no longer fails at import: it must fail here.
    import importlib

    names = ["published", "validate", "quality_rules", "model", "sitelinks", "textcount", "tracking",
             "page_images", "listening.config", "contests.rules", "community.rules", "load", "netiquette"]
    found = 0
    for name in names:
        module = importlib.import_module(f"gazette.{name}")
        classes = [v for v in vars(module).values() if isinstance(v, type) and v.__module__ == module.__name__]
        for pattern in [*vars(module).values(), *(a for c in classes for a in vars(c).values())]:
            if isinstance(pattern, LazyPattern):
                assert isinstance(pattern.compiled, re.Pattern)
                found += 1
    assert found >= 60


def test_a_lazy_pattern_copies_and_pickles_as_re_would():
    """A reviewer's: copy.copy and pickle looked __setstate__ up through the compiled pattern of
    an object made without __init__, and looped without end."""
    import copy
    import pickle

    from gazette.lazypattern import lazy

    pattern = lazy(r"\[(\w+)\]", 0)
    for twin in (copy.copy(pattern), copy.deepcopy(pattern), pickle.loads(pickle.dumps(pattern))):
        assert twin.search("a [b] c").group(1) == "b" and twin.pattern == pattern.pattern
