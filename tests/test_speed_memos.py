"""The per-run and per-body memos that make a cold check cheaper never change an answer."""

from __future__ import annotations

import pytest
import yaml

from gazette.load import Item
from gazette.validate import _body_links, without_code
from gazette.yamlsafe import parse


def test_code_blanking_answers_for_each_body_in_turn():
    first = "see `code` here\n"
    second = "and `other` there\n"
    assert without_code(first) == "see        here\n"
    assert without_code(second) == "and         there\n"
    assert without_code(first) == "see        here\n"
    assert without_code(first + "") is not None  # an equal text built again is answered too
    assert without_code("x `a` y".replace("y", "z")) == "x     z"


def test_links_of_a_body_follow_the_body_and_its_first_line():
    body = "text\n[a](one.md)\n"
    item = Item("post", "content/posts/2026/a.md", "a", {}, body, 5)
    assert [link[1:] for link in _body_links(item)] == [("a", "one.md", 6)]
    moved = Item("post", "content/posts/2026/a.md", "a", {}, body, 9)  # same text, front matter grew
    assert [link[1:] for link in _body_links(moved)] == [("a", "one.md", 10)]
    other = Item("post", "content/posts/2026/b.md", "b", {}, "[b](two.md)\n", 5)
    assert [link[1:] for link in _body_links(other)] == [("b", "two.md", 5)]


def test_remembered_tags_keep_quoted_and_plain_scalars_apart():
    cases = ["a: yes\nb: 'yes'\nc: \"yes\"\nd: yes\n", "a: 1.10\nb: '1.10'\nc: 1.10\n",
             "a: 2026-01-02\nb: '2026-01-02'\nc: 2026-01-02\n", "a: ~\nb: '~'\nc: null\nd: ''\n",
             "a: [1, '1', 1]\nb: {1: x, '1': y}\n"]
    for text in cases * 2:  # the second round answers from the memo
        assert parse(text)[0] == yaml.load(text, Loader=yaml.CSafeLoader), text


# Bodies that exercise the single-character shortcuts: every marker alone, hidden, cased oddly.
SHORTCUT_BODIES = [
    "", "plain text only, accents é à ç", "Voir [ce billet](autre.md).", "![x](a.png)", "![x](//h/a.png)",
    "![x](http://h/a.png)", "![x](HTTP://h/a.png)", "<IMG SRC=x>", "<img src=&#104;ttp://h>", "{: SRC=x }",
    "\\/\\/h", "![x](/\n/h/a.png)", "İmg <İmg src", "\u212a <img", "src: http", "a: b", "x & y", "!!! note",
    "~~~\ncode\n~~~\n", "`code` and ``more``", "~ tilde ~~ two", "<<<<<<< HEAD\n", ">>>>>>> other\n",
    "8< scissors", "--8<-- file", "[r]: http://x", "[r]:x", "a ttp: b", "TTP:", "://", "::", "]:(",
]


def test_image_prefilter_agrees_with_its_plain_definition():
    from gazette.page_images import SPLIT_SLASHES, _ascii_lower, may_show_remote_image, needs_rendering

    def plain(body):  # the definition before the single-character shortcut and the ASCII lowering
        lower = body.lower()
        if "![" not in body and "<img" not in lower and "src" not in lower:
            return False
        return ("http" in lower or "//" in body or "&" in body or "\\" in body
                or SPLIT_SLASHES.search(body) is not None)

    for body in SHORTCUT_BODIES + [a + b for a in SHORTCUT_BODIES for b in SHORTCUT_BODIES]:
        for needle in ("<img", "src", "http"):
            assert (needle in _ascii_lower(body)) == (needle in body.lower()), body
        if any(c in body for c in ":/&\\"):
            assert may_show_remote_image(body) == plain(body), body
        else:  # no scheme, no slashes, nothing hiding them: no other host, whatever else is written
            assert not may_show_remote_image(body)
        needs_rendering(body)


def test_code_blanking_shortcut_agrees_with_the_pattern():
    from gazette.validate import CODE
    import re

    for body in SHORTCUT_BODIES + [a + "\n" + b for a in SHORTCUT_BODIES for b in SHORTCUT_BODIES]:
        assert without_code(body) == CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), body), body


def test_conflict_marker_shortcut_agrees_with_the_plain_search():
    from gazette.load import conflict_marker

    for body in SHORTCUT_BODIES + [a + "\n" + b for a in SHORTCUT_BODIES for b in SHORTCUT_BODIES]:
        found = conflict_marker("x.md", body)
        if "<<<<<<< " in body or ">>>>>>> " in body:
            continue  # the full scan decides (fences)
        assert found is None, body


def test_resolved_targets_are_the_normalized_joins():
    import posixpath
    from urllib.parse import unquote

    from gazette.validate import _resolve

    paths = ["content/posts/2026/a.md", "content/posts/a.md", "a.md", "content//posts/./2026/a.md",
             "content/posts/../x/a.md", "./a.md", "content/posts/2026/"]
    targets = ["b.md", "b", "../b.md", "../../assets/v.png", "./b.md", ".", "..", "...", "a%20b.md", "%2e%2e",
               "/abs.md", "b.md#x", "sub/../b.md", "b//c", "é.png", " b.md", "b\\\\c.md", "~", "%", "a%2Fb"]
    for path in paths:
        for target in targets:
            for _round in range(2):  # the second answers from the memos
                expected = posixpath.normpath(posixpath.join(posixpath.dirname(path), unquote(target)))
                assert _resolve(path, target) == expected, (path, target)


def test_links_found_by_find_are_the_patterns_matches():
    from gazette.validate import LINK, _link_matches

    bodies = SHORTCUT_BODIES + ["[a](b) [c](d)", "](](](x)", "[a]( b.md 'x' )", "]()](x)", "[a](<b c>)",
                                "](x)](y)", "![i](p.png)[l](q.md)", "[a]\n(b)", "]( x", "[a](b(c))"]
    for body in bodies + [a + b for a in bodies for b in bodies]:
        assert [m.span() for m in _link_matches(body)] == [m.span() for m in LINK.finditer(body)], body


def test_texts_are_answered_per_item():
    from gazette.quality_rules import texts

    first = Item("post", "content/posts/2026/a.md", "a", {"title": "Un"}, "corps", 5, {("title",): 2})
    second = Item("post", "content/posts/2026/b.md", "b", {"title": "Deux"}, "corps", 5, {("title",): 2})
    assert [t[1] for t in texts(first)] == ["Un", "corps"]
    assert [t[1] for t in texts(second)] == ["Deux", "corps"]
    assert [t[1] for t in texts(first)] == ["Un", "corps"]


def test_front_matter_end_found_from_the_line_break_is_the_same_line():
    from gazette.load import FRONT_MATTER_END, split_front_matter

    def plain(text):  # the search as written before: "^" tried at every position
        first = text[: text.find("\n") + 1]
        if not first or first.rstrip(" \t\r\n") != "---":
            return None
        start = text.index("\n") + 1
        match = FRONT_MATTER_END.search(text, start)
        if match is None:
            return "", -1, -1
        end = match.end()
        if end < len(text) and text[end] == "\n":
            end += 1
        return text[start:match.start()], end, text[start:match.start()].count("\n") + 3

    heads = ["---\n", "--- \n", "---\r\n", "---", "x\n", ""]
    middles = ["", "a: 1\n", "a: ---\n", "a: 1\n--- x\n", "\n", "a: |\n  ---\n"]
    ends = ["---\n", "---", "...\n", "--- \t\r\n", "---x\n", " ---\n", "----\n", "", "---\r\r\n", "...\rb\n"]
    tails = ["", "body\n", "\n# T\n", "---\n"]
    for text in (h + m + e + t for h in heads for m in middles for e in ends for t in tails):
        assert split_front_matter(text) == plain(text), repr(text)


def test_iso_dates_take_the_resolvers_tag():
    import random

    from gazette.yamlsafe import _RESOLVER, _plain_tag

    rng = random.Random(7)
    alphabet = "0123456789-:T+Z. t_xe"
    samples = ["2026-01-02", "2026-01-02T03:04:05Z", "2026-01-02T03:04:05+02:00", "2026-01-02T03:04:05-0200",
               "2026-1-2", "2026-01-02T3:04:05", "2026-01-02 03:04:05", "2026-01-02T03:04:05.5Z", "12:30:00",
               "2026-01-02T03:04:05+02", "1_000-01-01", "٢٠٢٦-٠١-٠٢", "2026-01-02\n"]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 26))) for _ in range(20000)]
    samples += ["2026-01-02T03:04:05" + rng.choice(["Z", "+01:00", "-11:30", "", "+1:00", "z"]) for _ in range(50)]
    for value in samples:
        assert _plain_tag(value) == _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)), value


def test_a_file_is_read_whole_up_to_the_cap_whatever_size_lstat_gave(tmp_path):
    import os

    from gazette import load

    path = tmp_path / "f.md"
    for size in (0, 1, 7000, load.MAX_FILE_BYTES, load.MAX_FILE_BYTES + 5):
        path.write_bytes(b"x" * size)
        for claimed in (size, 0, max(size - 10, 0), size + 10):  # grown or shrunk since lstat
            assert load._read_at_most(str(path), claimed) == (b"x" * size)[:load.MAX_FILE_BYTES + 1]
    os.symlink(path, tmp_path / "link.md")
    with pytest.raises(OSError):  # swapped for a link after lstat: still never followed
        load._read_at_most(str(tmp_path / "link.md"), 1)


def test_a_file_changed_between_lstat_and_read_is_refused_never_cut_short_or_waited_for(tmp_path):
    import os
    import signal

    from gazette import load

    path = tmp_path / "p.md"
    path.write_text("---\ntitle: T\n---\nx\n")
    info, _problem = load.stat_file(tmp_path, "p.md")
    with open(path, "ab") as handle:  # grows past the cap after lstat
        handle.write(b"y" * (3 * load.MAX_FILE_BYTES))
    raw, problem = load.read_bytes(tmp_path, "p.md", info)
    assert raw is None and problem.code == "file/too-large"

    path.unlink()
    os.mkfifo(path)  # swapped for a FIFO after lstat: opening it must not block
    signal.alarm(5)
    try:
        raw, problem = load.read_bytes(tmp_path, "p.md", info)
    finally:
        signal.alarm(0)
    assert raw is None and problem.code == "file/unreadable"


def test_schema_shortcuts_answer_as_the_types_checks():
    from datetime import date, datetime, timedelta, timezone

    from gazette import model

    texts = ["Titre", "", " ", "\u3000", "\t\n", "x ", 12, 1.5, True, None, [], {}, ["a"], datetime(2026, 1, 1)]
    moments = [datetime(2026, 1, 1, 9, tzinfo=timezone.utc), datetime(2026, 1, 1, 9),
               datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=2))), date(2026, 1, 1), "2026-01-01T09:00:00Z",
               "demain", None, 3]
    lists = [["a", "b"], ["a", ""], ["a", " "], ["a", 1], [], "a", "a, b", None, [None], [["a"]]]
    schema = model.Object({"title": model.Field(model.Text(nonempty=True), True),
                           "summary": model.Field(model.Text()),
                           "date": model.Field(model.CreatedMoment(), True),
                           "at": model.Field(model.Moment()),
                           "tags": model.Field(model.ListOf(model.Text(nonempty=True))),
                           "notes": model.Field(model.ListOf(model.Text()))})

    def one_by_one(data):  # every value through its type's own check, as before the shortcuts
        ctx = model.Context("x.md", {}, timezone.utc)
        out = {}
        for name, raw in data.items():
            spec = schema.fields[name]
            if raw is None and not spec.required:
                continue
            checked = spec.type.check(raw, (name,), ctx)
            if checked is not None:
                out[name] = checked
        return out, [repr(p) for p in ctx.problems]

    for index in range(max(len(texts), len(moments), len(lists))):
        data = {"title": texts[index % len(texts)], "summary": texts[(index + 3) % len(texts)],
                "date": moments[index % len(moments)], "at": moments[(index + 2) % len(moments)],
                "tags": lists[index % len(lists)], "notes": lists[(index + 4) % len(lists)]}
        ctx = model.Context("x.md", {}, timezone.utc)
        out = schema.check(dict(data), (), ctx)
        assert (out, [repr(p) for p in ctx.problems]) == one_by_one(data), data
