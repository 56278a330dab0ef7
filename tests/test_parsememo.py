"""The memo of YAML texts that spares ``check --changed-since`` PyYAML's import: a remembered
parse is the very parse of that text (same values, same types, same key lines), an edit is
never answered from it (same size, same mtime), failures are parsed again, and a warm run
does not import yaml at all."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from datetime import datetime

import pytest

from gazette import parsememo, yamlsafe
from gazette.parsememo import STORE, ParseMemo, active

TEXTS = [
    "title: Bonjour\ndate: 2026-10-06T12:30:00+02:00\nstatus: published\n",
    "date: 2026-10-06\nat: 2026-10-06T12:30:00Z\nnaive: 2026-10-06 12:30:00\nfine: 2026-10-06T12:30:00.123456-03:30\n",
    "odd: 2026-10-06t12:30:00+05:45\nspaced: 2026-1-6 1:02:03 +1\nyaml_only: 2001-12-14t21:59:43.10-05:00\n",
    "n: 12\nbig: 123456789012345678901234567890\nhex: 0x1F\noct: 0o17\nf: 1.10\ne: 1e3\ninf: .inf\nnan: .nan\nneg: -0.0\n",
    "t: true\nf: no\nnull1: null\nnull2: ~\nempty:\nquoted: 'true'\nq2: \"2026-10-06\"\n",
    "7: un\ntrue: vrai\n2026-10-06: jour\n~: rien\n1.5: demi\nnested:\n  - [a, b, {c: 2026-01-01}]\n  - x: [1, 2.5]\n",
    "channels:\n  mastodon:\n    text: \"Émoji 🎉 et accents\"\n    at: 2026-11-02T09:00:00+01:00\n",
    "liste:\n- un\n- 2\n- 2026-10-06\n- - profond\n  - - plus\n",
    "",
    "# rien que des commentaires\n",
    "--- \nsimple\n",
]


def _typed(value):
    """The value with every type spelled out (== says 1 == True == 1.0 and nan != nan)."""
    if isinstance(value, dict):
        return ("dict", [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    if isinstance(value, float):
        return ("float", value, math.copysign(1, value))
    if isinstance(value, datetime):
        zone = value.tzinfo
        return ("datetime", value.isoformat(), value.fold, type(zone).__name__,
                None if zone is None else (zone.utcoffset(None), zone.tzname(None)))
    return (type(value).__name__, value)


def _lines(lines):
    return (type(lines).__name__, [(_typed(list(k)), v) for k, v in lines.items()],
            [(_typed(list(k)), v) for k, v in lines.sources.items()])


@pytest.mark.parametrize("first_line", [1, 2])
@pytest.mark.parametrize("text", TEXTS)
def test_a_remembered_parse_is_the_parse_of_that_text(tmp_path, text, first_line):
    data, lines = yamlsafe.parse(text, first_line)
    with active(tmp_path) as memo:
        assert _typed(parsememo.parse(text, first_line)[0]) == _typed(data)  # a miss: parsed
    memo.save()
    with active(tmp_path) as memo:
        remembered = memo.get(memo.key(text, first_line, None))
        assert remembered is not None, "not remembered"
        assert _typed(remembered[0]) == _typed(data)
        assert _lines(remembered[1]) == _lines(lines)
        again = parsememo.parse(text, first_line)
        if isinstance(data, (dict, list)):  # every answer its own objects: callers may change them
            assert again[0] is not remembered[0] and again[1] is not remembered[1]
        assert _typed(again[0]) == _typed(data)


def test_the_key_holds_the_arguments(tmp_path):
    text = "a: 1\n"
    with active(tmp_path) as memo:
        parsememo.parse(text, 1)
        assert memo.key(text, 1, None) != memo.key(text, 2, None) != memo.key(text, 1, 128 * 1024)
        assert parsememo.parse(text, 2)[1] == {("a",): 2}


def test_failures_are_parsed_again_in_the_runs_language(tmp_path, monkeypatch):
    text = "title: [unclosed\n"
    with active(tmp_path) as memo:
        for _ in range(2):
            with pytest.raises(yamlsafe.YAMLProblem):
                parsememo.parse(text, 1)
    assert not memo.used and not memo.dirty


def test_a_damaged_or_foreign_store_is_parsed_again(tmp_path):
    text = "title: x\n"
    with active(tmp_path) as memo:
        parsememo.parse(text)
    memo.save()
    store = ParseMemo(tmp_path, parsememo._stamp()).file
    for damage in (b"", b"\x00garbage", open(store, "rb").read()[:-7]):
        with open(store, "wb") as handle:
            handle.write(damage)
        with active(tmp_path) as memo:
            assert parsememo.parse(text) == ({"title": "x"}, {("title",): 1})
            assert memo.entries == {}


def test_a_changed_byte_inside_a_remembered_parse_is_not_believed(tmp_path):
    """A reviewer's: `approved` turned into `approvex` inside the store was read back as the
    parse, an error no file holds, kept run after run. The store is sealed (gazette.sealed)."""
    text = "title: x\nstatus: approved\n"
    with active(tmp_path) as memo:
        parsememo.parse(text)
    memo.save()
    store = memo.file
    whole = open(store, "rb").read()
    assert whole.count(b"approved") == 1
    with open(store, "wb") as handle:
        handle.write(whole.replace(b"approved", b"approvex"))
    with active(tmp_path) as memo:
        assert parsememo.parse(text)[0] == {"title": "x", "status": "approved"}
        assert memo.entries == {}


def test_without_its_source_files_nothing_is_remembered(tmp_path, monkeypatch):
    """Gazette installed as .pyc files only, or from a zip: yamlsafe.py cannot be stat'ed. A
    reviewer's: check --changed-since died on FileNotFoundError; now it parses every text."""
    monkeypatch.setattr(parsememo, "__file__", str(tmp_path / "gone" / "parsememo.py"))
    assert parsememo._stamp() is None
    with active(tmp_path) as memo:
        assert memo is None
        assert parsememo.parse("title: x\n") == ({"title": "x"}, {("title",): 1})


def test_a_value_marshal_cannot_hold_exactly_is_not_remembered(tmp_path):
    from zoneinfo import ZoneInfo

    with active(tmp_path) as memo:
        memo.put(b"k" * 16, {"at": datetime(2026, 1, 1, tzinfo=ZoneInfo("Europe/Paris"))}, yamlsafe.KeyLines())
        memo.put(b"j" * 16, {"set": {1, 2}}, yamlsafe.KeyLines())
        assert not memo.used


def _check(root, *extra):
    env = {**os.environ, "GAZETTE_NOW": "2026-10-01T00:00:00+02:00"}
    code = ("import sys, atexit\n"
            "atexit.register(lambda: print('yaml imported:', 'yaml' in sys.modules, file=sys.stderr))\n"
            "sys.argv = ['gazette', *sys.argv[1:]]\nfrom gazette.launch import main\nmain()\n")
    return subprocess.run([sys.executable, "-c", code, "check", "--changed-since", "HEAD", *extra], cwd=root,
                          capture_output=True, text=True, env=env)


def test_a_warm_check_of_one_file_does_not_import_yaml_and_says_the_same(git_repo):
    git_repo.post("nouveau", front="title: B\ndate: 2026-10-06T12:30:00+02:00\nsummary2: x\nstatus: draft\n")
    first, second = _check(git_repo.root), _check(git_repo.root)
    assert "yaml imported: True" in first.stderr and "yaml imported: False" in second.stderr
    assert (second.stdout, second.returncode) == (first.stdout, first.returncode)
    assert "summary2" in second.stdout
    cold = _check(git_repo.root, "--no-cache")  # nothing from an earlier run
    assert "yaml imported: True" in cold.stderr and (cold.stdout, cold.returncode) == (first.stdout, first.returncode)


def test_an_edit_with_the_same_size_and_mtime_is_read_again(git_repo):
    relpath = git_repo.post("nouveau", front="title: B\ndate: 2026-10-06T12:30:00+02:00\nstatus: draft\n")
    path = git_repo.root / relpath
    before = _check(git_repo.root)
    info = os.stat(path)
    path.write_text(path.read_text().replace("status: draft", "statut: draft"))  # same size
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert os.stat(path).st_size == info.st_size and os.stat(path).st_mtime_ns == info.st_mtime_ns
    after = _check(git_repo.root)
    assert "statut" not in before.stdout and "statut" in after.stdout


def test_a_full_check_through_changed_since_keeps_a_bounded_store(tmp_path, monkeypatch):
    monkeypatch.setattr(parsememo, "LIMIT", 3)
    with active(tmp_path) as memo:
        for number in range(10):
            parsememo.parse(f"n: {number}\n")
    memo.save()
    assert len(ParseMemo(tmp_path, parsememo._stamp()).entries) == 3


def test_the_store_lives_in_the_cache_folder(tmp_path):
    from gazette.cache import cache_dir

    with active(tmp_path) as memo:
        parsememo.parse("a: b\n")
    memo.save()
    assert os.path.isfile(cache_dir(tmp_path) / STORE)
