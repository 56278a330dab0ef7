"""`gazette moderate`'s start without pathlib nor datetime, answering as it did with them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gazette import commands
from gazette.root import RepoNotFound, find_root

PATHS = ["export.csv", "./export.csv", ".//export.csv", "a/b/c.csv", "a//b/c.csv", "a/./b.csv", "a/../b.csv",
         "/tmp/x.csv", "//tmp/x.csv", "///tmp/x.csv", "/", ".", "./", "..", "../x", "x/", "x/.", "x/..", "-odd.csv",
         "caf\udce9.csv", "a b/ c .csv", "a\\b.csv", "...", ".hidden", "x/.../y", "/./x", "//", "~/x.csv"]


@pytest.mark.parametrize("text", PATHS)
def test_the_export_is_named_as_pathlib_names_it(text):
    assert commands._path_text(text) == str(Path(text))


def old_find_root(start=None):
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "content").is_dir() or (folder / "calendar").is_dir():
            return folder
    raise RepoNotFound(str(here))


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "community" / "content" / "posts").mkdir(parents=True)
    (tmp_path / "community" / "calendar").mkdir()
    (tmp_path / "other" / "deep").mkdir(parents=True)
    (tmp_path / "loose").mkdir()
    (tmp_path / "loose" / "calendar").write_text("a file, not a folder")
    (tmp_path / "link").symlink_to(tmp_path / "community" / "content")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    return tmp_path


STARTS = [None, ".", "community", "community/content/posts", "community/content/../calendar", "other/deep",
          "loose", "link", "dangling", "community//content/./posts", "missing/below"]


@pytest.mark.parametrize("start", STARTS)
def test_the_root_is_the_one_pathlib_found(tree, monkeypatch, start):
    monkeypatch.chdir(tree / "community" / "content" / "posts" if start is None else tree)
    try:
        expected = old_find_root(start)
    except RepoNotFound as error:
        expected = error
    try:
        got = find_root(start)
    except RepoNotFound as error:
        assert isinstance(expected, RepoNotFound), (start, error)
        assert f"at or above {expected}: " in str(error)
        return
    assert got == expected and type(got) is type(expected)


PROBE = r'''
import atexit, sys
atexit.register(lambda: print(sorted({"pathlib", "datetime", "gazette.clock"} & set(sys.modules)), file=sys.stderr))
sys.argv = ["gazette", *sys.argv[1:]]
from gazette.launch import main
main()
'''


def test_moderate_outside_a_repository_imports_neither_pathlib_nor_datetime(tmp_path):
    """The ~6 ms they cost: moderate names its export and finds no root without pathlib, and
    reads no clock without --record; the same run with GAZETTE_NOW set does read the time."""
    export = tmp_path / "export.csv"
    export.write_text("id,author,text\n1,lea,appelle le 06 12 34 56 78\n", encoding="utf-8")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("GAZETTE_")}
    environment["GAZETTE_CACHE_DIR"] = str(tmp_path / "cache")
    for _warm in range(2):  # the first run compiles and stores the lists (and imports what that takes)
        done = subprocess.run([sys.executable, "-c", PROBE, "moderate", "export.csv", "--format", "json"],
                              cwd=tmp_path, capture_output=True, env=environment, text=True)
    assert done.returncode == 1 and '"phone"' in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "[]"
    environment["GAZETTE_NOW"] = "2026-11-23T12:00"
    done = subprocess.run([sys.executable, "-c", PROBE, "moderate", "export.csv"], cwd=tmp_path,
                          capture_output=True, env=environment, text=True)
    assert done.returncode == 1 and "gazette.clock" in done.stderr.strip().splitlines()[-1]


LEAVING = r'''
import atexit, sys
atexit.register(lambda: print("exit callbacks ran", file=sys.stderr))
sys.argv = ["gazette", *sys.argv[2:]]
from gazette import launch
launch.run() if sys.argv[0:1] and __import__("os").environ["ENTRY"] == "run" else launch.main()
'''

EXPORT = ("id,author,text\n1,lea,Merci pour l'atelier\n2,troll,\"T'es qu'un connard, appelle le 06 12 34 56 78\"\n"
          "3,zoe,C'EST VRAIMENT INADMISSIBLE CETTE ATTENTE !!!\n")


@pytest.fixture
def exports(tmp_path):
    (tmp_path / "export.csv").write_text(EXPORT, encoding="utf-8")
    (tmp_path / "quiet.csv").write_text("id,text\n1,Merci\n", encoding="utf-8")
    (tmp_path / "export-1252.csv").write_bytes("id;auteur;texte\n1;léa;Espèce de connard\n".encode("cp1252"))
    return tmp_path


def leave(folder, entry, args, env=None, **options):
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("GAZETTE_", "LANG", "LC_"))}
    environment.update({"ENTRY": entry, "LANG": "C.UTF-8", "GAZETTE_CACHE_DIR": str(folder / "cache"), **(env or {})})
    return subprocess.run([sys.executable, "-c", LEAVING, "--", *args], cwd=folder, env=environment, **options)


@pytest.mark.parametrize("args, env", [
    (["moderate", "export.csv", "--format", "json"], None),
    (["moderate", "export.csv"], None),
    (["moderate", "quiet.csv"], None),
    (["moderate", "export-1252.csv"], None),  # a note on stderr
    (["moderate", "missing.csv"], None),
    (["moderate", "export.csv"], {"GAZETTE_NOW": "bogus"}),
    (["moderate", "export.csv"], {"PYTHONIOENCODING": "ascii", "LANG": "fr_FR.UTF-8"}),
])
def test_the_console_script_leaves_as_the_interpreter_does(exports, args, env):
    """`gazette` (launch.run) exits moderate without freeing the queue: the same bytes, exit
    code and exit callbacks as main(), whose SystemExit the interpreter handles."""
    quick = leave(exports, "run", args, env, capture_output=True)
    slow = leave(exports, "main", args, env, capture_output=True)
    assert (quick.returncode, quick.stdout, quick.stderr) == (slow.returncode, slow.stdout, slow.stderr)
    assert quick.stderr.endswith(b"exit callbacks ran\n")


def test_a_reader_that_went_away_ends_the_console_script_as_before(exports):
    big = "id,text\n" + "".join(f"{n},Quel connard ce livreur, appelle le 06 12 34 56 78\n" for n in range(20000))
    (exports / "big.csv").write_text(big, encoding="utf-8")
    results = []
    for entry in ("run", "main"):
        process = leave(exports, entry, ["moderate", "big.csv", "--format", "json"], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE)
        results.append((process.returncode, process.stderr))
    for entry in ("run", "main"):  # the reader closes the pipe after one line
        process = subprocess.Popen([sys.executable, "-c", LEAVING, "--", "moderate", "big.csv", "--format", "json"],
                                   cwd=exports, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env={**os.environ, "ENTRY": entry, "GAZETTE_CACHE_DIR": str(exports / "cache")})
        process.stdout.readline()
        process.stdout.close()
        results.append((process.wait(), process.stderr.read()))
        process.stderr.close()
    assert results[0] == results[1] and results[0][0] == 1
    assert results[2] == results[3], results


@pytest.mark.parametrize("watcher", ["sys.setprofile(lambda *a: None)", "sys.settrace(lambda *a: None)"])
def test_a_profiler_or_a_debugger_keeps_the_interpreters_own_exit(watcher):
    # cProfile writes its profile after the script returns: the quick exit lost it.
    program = f"import sys\n{watcher}\nfrom gazette.launch import _leave\n_leave(SystemExit(0))\nprint('returned')\n"
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert done.stdout == "returned\n"
