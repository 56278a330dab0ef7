"""Front matter read the way the writer meant it, or said why not."""

from __future__ import annotations

import json

from gazette.load import load_repo


def problems_of(result):
    return [(p["line"], p["code"], p["severity"], p["hint"]) for p in json.loads(result.output)["problems"]]


def test_a_number_written_as_a_title_keeps_its_digits_and_gets_the_quoting_hint(repo):
    repo.post("version", front="title: 1.10\ndate: 2026-10-06T12:30:00+02:00\nstatus: published\n"
                               "summary: yes\ntags: [2026, vélo]\n")
    result = repo.gazette("check", "--format", "json")
    assert problems_of(result) == [
        (2, "schema/type", "warning", 'put it in quotes: title: "1.10"'),
        (5, "schema/type", "warning", 'put it in quotes: summary: "yes"'),
        (6, "schema/type", "warning", 'put it in quotes: "2026"'),
    ]
    assert result.exit_code == 0
    item = load_repo(repo.root).items[0]
    assert (item.title, item.meta["summary"], item.meta["tags"]) == ("1.10", "yes", ["2026", "vélo"])


def test_a_date_where_a_text_is_meant_is_kept_as_written(repo):
    repo.post("jour", front="title: 2026-10-06\ndate: 2026-10-06T12:30:00+02:00\nstatus: draft\n")
    assert load_repo(repo.root).items[0].title == "2026-10-06"
    assert problems_of(repo.gazette("check", "--format", "json"))[0][:2] == (2, "schema/type")


def test_several_values_on_one_line_are_an_error_with_the_list_form(repo):
    repo.post("velo", front="title: Vélo\ndate: 2026-10-06T12:30:00+02:00\ntags: vélo, réparation\n"
                            "authors: camille\nstatus: draft\n")
    result = repo.gazette("check", "--format", "json")
    assert problems_of(result) == [
        (4, "schema/type", "error", "write tags: [vélo, réparation] or one '- item' per line")]
    assert result.exit_code == 1
