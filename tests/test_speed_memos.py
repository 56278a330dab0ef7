"""The per-run and per-body memos that make a cold check cheaper never change an answer."""

from __future__ import annotations

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
