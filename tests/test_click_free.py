"""check and moderate without click: the same bytes, exit codes and side effects as through click.

Every argv form runs twice in subprocesses, on fresh copies of the same repository: through
the entry point (gazette.launch, which skips click when gazette.cliargs understands argv) and
through ``python -m gazette.cli`` (always click). stdout, stderr, the exit code and the files
left behind must be equal; the forms the click-free start should take must not import click.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gazette import cliargs

RUN = r'''
import atexit, os, sys
atexit.register(lambda: open(os.environ["CLICK_FREE_MARK"], "w").write(str("click" in sys.modules)))
sys.argv = ["gazette", *sys.argv[2:]]
from importlib import import_module
import_module(os.environ["CLICK_FREE_ENTRY"]).main()
'''

EXPORT = ("id,author,text\n1,lea,Merci pour l'atelier\n2,troll,\"T'es qu'un connard, appelle le 06 12 34 56 78\"\n"
          "3,marc,\"\x1b[31mROUGE\x1b[0m connard\"\n4,zoe,C'EST VRAIMENT INADMISSIBLE CETTE ATTENTE\n")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A git repository with one uncommitted change, an export beside it, odd file names."""
    from conftest import CHANNELS, FixtureRepo

    root = tmp_path_factory.mktemp("template") / "community"
    repo = FixtureRepo(root)
    repo.write("calendar/channels.yml", CHANNELS)
    repo.write("content/.authors.yml", "authors:\n  camille: {name: Camille Roux}\n")
    repo.post("premier", front="title: Premier\ndate: 2026-10-06T12:30:00+02:00\nstatus: published\n")
    repo.write("README.md", "# communauté\n")
    repo.git("init", "-q", "-b", "main")
    repo.commit_all("start")
    repo.post("nouveau", front="title: Nouveau\ndate: 2026-10-13T12:30:00+02:00\nstatus: draft\nauteurs: [x]\n")
    repo.write("export.csv", EXPORT)
    repo.write("-odd.csv", EXPORT)
    repo.write("export-1252.csv", "id;auteur;texte\n1;léa;Espèce de connard\n".encode("cp1252"))
    (root / "folder.csv").mkdir()
    (root / os.fsdecode(b"caf\xe9.csv")).write_text(EXPORT, encoding="utf-8")
    return root


def run(template: Path, tmp_path: Path, entry: str, args, cwd: str = "", env=None):
    work = tmp_path / "work"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(template, work / "community", symlinks=True)
    (work / "outside").mkdir()
    mark = tmp_path / "mark"
    mark.unlink(missing_ok=True)
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("GAZETTE_", "_GAZETTE", "LC_", "LANG"))}
    environment.update({"LANG": "C.UTF-8", "GAZETTE_CACHE_DIR": str(work / "cache"), "CLICK_FREE_MARK": str(mark),
                        "CLICK_FREE_ENTRY": entry, "GAZETTE_NOW": "2026-11-23T12:00:00+01:00", **(env or {})})
    environment = {key: value for key, value in environment.items() if value is not None}
    folder = work / (cwd or "community")
    done = subprocess.run([sys.executable, "-c", RUN, "--", *args], cwd=folder, capture_output=True, env=environment)
    clock_read = environment.get("GAZETTE_NOW") is None
    left = sorted((str(path.relative_to(work)), _content(path, clock_read))
                  for path in (work / "community").rglob("*")
                  if ".git" not in path.relative_to(work / "community").parts[:1] and "cache" not in path.parts)
    history = subprocess.run(["git", "log", "--format=%s", "--name-status"], cwd=work / "community",
                             capture_output=True).stdout
    return {"exit": done.returncode, "stdout": done.stdout, "stderr": done.stderr, "files": left,
            "history": history, "click": mark.read_text() if mark.exists() else "?"}


def _content(path: Path, clock_read: bool) -> bytes:
    """What a file holds; a database as its rows, and with the real clock read (no GAZETTE_NOW)
    its times masked: two runs a second apart write two times, not two behaviours."""
    if not path.is_file():
        return b""
    if path.suffix != ".sqlite3":
        return path.read_bytes()
    import re
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        dump = "\n".join(connection.iterdump())
    finally:
        connection.close()
    if clock_read:
        dump = re.sub(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?", "<time>", dump)
    return dump.encode()


def same_both_ways(template, tmp_path, args, cwd="", env=None):
    launched = run(template, tmp_path, "gazette.launch", args, cwd, env)
    clicked = run(template, tmp_path, "gazette.cli", args, cwd, env)
    assert clicked["click"] == "True"
    for key in ("exit", "stdout", "stderr", "files", "history"):
        assert launched[key] == clicked[key], (key, launched[key], clicked[key])
    return launched


CHANGED = ["check", "--changed-since", "HEAD"]

# (argv, the working folder, extra environment): the click-free start takes these
TAKEN = [
    (CHANGED, "", None),
    (["check", "--changed-since=HEAD", "--format", "json"], "", None),
    (["check", "--format=github", "--no-cache", "--changed-since", "HEAD", "--no-cache"], "", None),
    (["check", "--changed-since", "HEAD", "--format", "json", "--format", "text"], "", None),  # the last one wins
    (["check", "--changed-since", "nope"], "", None),  # the library's usage error, exit 2
    (["check", "--changed-since", "HEAD~1..HEAD"], "", None),
    (["check", "--changed-since", "HEAD", "--", "-x.md"], "", None),  # a path starting with -
    (["check", "--changed-since", "HEAD", "content/posts/2026/nouveau.md"], "", None),
    (["check", "--changed-since", "HEAD", "-"], "", None),
    (["check", "--changed-since", "HEAD", os.fsdecode(b"content/caf\xe9.md")], "", None),
    (["check", "--changed-since", os.fsdecode(b"caf\xe9")], "", None),
    (["check", "--changed-since", "HEAD", "--now", "2026-13-45"], "", None),
    (["check", "--changed-since", "HEAD", "--now=2026-10-01T09:00"], "", None),
    (CHANGED, "", {"GAZETTE_NOW": "bogus"}),
    (CHANGED, "", {"GAZETTE_NOW": ""}),
    (CHANGED, "", {"LANG": "fr_FR.UTF-8"}),
    (CHANGED, "", {"PYTHONIOENCODING": "ascii"}),
    (["check", "--changed-since", "HEAD", "--repo", "../community"], "outside", None),
    (["check", "--changed-since", "HEAD", "--repo", "nowhere"], "outside", None),
    (CHANGED, "outside", None),  # no repository here
    (["check", "content"], "", None),
    (["moderate", "export.csv"], "", None),
    (["moderate", "--format", "json", "export.csv"], "", None),
    (["moderate", "export.csv", "--format=text", "--format", "json"], "", None),
    (["moderate", "--", "-odd.csv"], "", None),
    (["moderate", "export-1252.csv"], "", None),  # a note on stderr
    (["moderate", os.fsdecode(b"caf\xe9.csv")], "", None),
    (["moderate", "missing.csv"], "", None),
    (["moderate", "export.csv", "--now", "later"], "", None),
    (["moderate", "../community/export.csv"], "outside", None),  # no repository: the shipped lists
    (["moderate", "../community/export.csv", "--record"], "outside", None),  # --record needs one
    (["moderate", "export.csv", "--record"], "", None),  # state database, metrics committed
    (["moderate", "export.csv", "--record", "--no-commit"], "", None),
    (["moderate", "export.csv", "--repo", "nowhere"], "", None),
    (["moderate", "export.csv"], "", {"PYTHONIOENCODING": "ascii", "LANG": "fr_FR.UTF-8"}),
    # the export's name as pathlib writes it, read without pathlib when it is already so written
    (["moderate", ".//export-1252.csv"], "", None),
    (["moderate", "./export-1252.csv"], "", None),
    (["moderate", "../community/./missing.csv"], "outside", None),
    # nothing sets the time: read only by --record; a bad GAZETTE_NOW is refused either way
    (["moderate", "export.csv"], "", {"GAZETTE_NOW": None}),
    (["moderate", "export.csv", "--record", "--no-commit"], "", {"GAZETTE_NOW": None}),
    (["moderate", "export.csv"], "", {"GAZETTE_NOW": "bogus"}),
]

# and leaves these to click (usage errors, help, what the parser is not sure of)
LEFT = [
    (["check", "--changed-since"], "", None),
    (["check", "--changed-since", "-x"], "", None),
    (["check", "--changed-since", ""], "", None),
    (["check", "--changed-since", "HEAD", "--format", "bogus"], "", None),
    (["check", "--changed-since", "HEAD", "--format="], "", None),
    (["check", "--changed-since", "HEAD", "--no-cache=1"], "", None),
    (["check", "--changed-sinc", "HEAD"], "", None),
    (["check", "--changed-since", "HEAD", "--help"], "", None),
    (["check", "-h"], "", None),
    (["check", "--changed-since", "HEAD", "--repo", "README.md"], "", None),  # click: a file, not a folder
    (["--lang", "fr", "check", "--changed-since", "HEAD"], "", None),
    (["check", "--changed-since", "HEAD", "-x"], "", None),
    (CHANGED, "", {"GAZETTE_WORKSPACE": "workspace.yml"}),
    (["moderate"], "", None),
    (["moderate", "export.csv", "other.csv"], "", None),
    (["moderate", "folder.csv"], "", None),  # click: a folder, not a file
    (["moderate", "export.csv", "--format", "xml"], "", None),
    (["moderate", "export.csv", "--record=yes"], "", None),
    (["moderate", "-odd.csv"], "", None),
    (["moderate", "--help"], "", None),
]


def _id(case):
    args, cwd, env = case
    return " ".join(args) + (f" in {cwd}" if cwd else "") + (f" {env}" if env else "")


@pytest.mark.parametrize("case", TAKEN, ids=_id)
def test_the_click_free_start_prints_and_leaves_what_click_does(template, tmp_path, case):
    args, cwd, env = case
    result = same_both_ways(template, tmp_path, args, cwd, env)
    assert result["click"] == "False", "the click-free start was not taken"


@pytest.mark.parametrize("case", LEFT, ids=_id)
def test_what_the_declarations_do_not_cover_is_clicks_to_answer(template, tmp_path, case):
    args, cwd, env = case
    result = same_both_ways(template, tmp_path, args, cwd, env)
    assert result["click"] == "True"


def test_the_click_free_start_runs_the_commands_for_real(template, tmp_path):
    """A test that cannot fail is a defect: the forms above do reach the rules and git."""
    checked = run(template, tmp_path, "gazette.launch", CHANGED)
    assert checked["exit"] == 0 and b"nouveau.md" in checked["stdout"] and b"schema/unknown-key" in checked["stdout"]
    bad = run(template, tmp_path, "gazette.launch", ["check", "--changed-since", "nope"])
    assert bad["exit"] == 2 and bad["stderr"].startswith(b"gazette: error: --changed-since nope")
    moderated = run(template, tmp_path, "gazette.launch", ["moderate", "export.csv", "--record"])
    assert moderated["exit"] == 1 and b"[31m" not in moderated["stdout"] and b"netiquette/insult" in moderated["stdout"]
    assert b"weekly moderation counts" in moderated["history"]
    assert moderated["click"] == checked["click"] == bad["click"] == "False"


def test_click_builds_its_options_from_the_same_declarations():
    from gazette.cli import cli

    for name, declared in cliargs.COMMANDS.items():
        command = cli.commands[name]
        params = {param.name: param for param in command.params}
        assert set(params) == {item.name for item in (*declared.arguments, *declared.options)}
        for option in declared.options:
            param = params[option.name]
            assert tuple(param.opts) == option.flags and param.is_flag == option.is_flag
            assert param.envvar == option.envvar and param.help == option.help
            assert tuple(getattr(param.type, "choices", ()) or ()) == (option.choices or ())
        for argument in declared.arguments:
            assert params[argument.name].nargs == (-1 if argument.many else 1)


def test_the_text_report_is_styled_as_click_styled_it():
    import click

    from gazette.output import problems_text
    from gazette.problems import Problem

    problems = [Problem("schema/unknown-key", "content/a.md", 3, "bad", hint="fix it", severity="error"),
                Problem("schema/unknown-key", "content/b.md", None, "meh", severity="warning")]
    assert problems_text(problems, 2)[:2] == [
        f"{click.style('content/a.md:3:', bold=True)} {click.style('schema/unknown-key', fg='red')} bad"
        f"{click.style(' (fix it)', dim=True)}",
        f"{click.style('content/b.md:', bold=True)} {click.style('schema/unknown-key', fg='yellow')} meh"]


@pytest.mark.parametrize("encoding", ["utf-8", "ascii", "latin-1"])
@pytest.mark.parametrize("err", [False, True])
@pytest.mark.parametrize("terminal", [False, True])
def test_echo_writes_the_bytes_click_echo_wrote(monkeypatch, encoding, err, terminal):
    """Both ways print through gazette.commands.echo: what it writes must stay what click.echo
    wrote (styles removed outside a terminal, an ASCII stream written in UTF-8)."""
    import io

    import click

    from gazette.commands import echo

    messages = ["plain", "é ü — 🙂", "\x1b[1mbold\x1b[0m \x1b[31mred\x1b[0m", "\x1b[?25l\x1b]8;;x\x07link",
                "tab\there", "", "caf\udce9"]

    class Stream(io.TextIOWrapper):
        def isatty(self):
            return terminal

    def written(write) -> list:
        results = []
        for message in messages:
            buffer = io.BytesIO()
            stream = Stream(buffer, encoding=encoding, errors="strict")
            monkeypatch.setattr(sys, "stderr" if err else "stdout", stream)
            try:
                write(message)
                stream.flush()
                results.append(buffer.getvalue())
            except UnicodeError as error:
                results.append(type(error).__name__)
        return results

    ours = written(lambda message: echo(message, err=err))
    theirs = written(lambda message: click.echo(message, err=err))
    assert ours == theirs
    if encoding != "ascii":  # (an ASCII stream is written through its buffer, which is no terminal here)
        assert (b"\x1b[31m" in b"".join(r for r in ours if isinstance(r, bytes))) == terminal


def _git_repository(root: Path) -> Path:
    from conftest import CHANNELS, FixtureRepo

    repo = FixtureRepo(root)
    repo.write("calendar/channels.yml", CHANNELS)
    repo.post("premier", front="title: Premier\ndate: 2026-10-06T12:30:00+02:00\nstatus: published\n")
    repo.git("init", "-q", "-b", "main")
    repo.commit_all("start")
    return root


@pytest.mark.parametrize("where", ["reading the language", "importing the checker", "interrupted in the body"])
def test_every_way_out_stops_and_reaps_the_git_reads(tmp_path, monkeypatch, where):
    """Ctrl-C (or any error) after git started, before run_check's own try: no git left
    running, none left unreaped (-X dev said "subprocess N is still running")."""
    from gazette import commands, i18n

    root = _git_repository(tmp_path / "community")

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    body = commands.check
    if where == "reading the language":
        monkeypatch.setattr(i18n, "use_repository", interrupt)
    elif where == "importing the checker":
        monkeypatch.setitem(sys.modules, "gazette.check", None)  # the import fails, as an interrupt in it would
    else:
        body = interrupt
    options = {"paths": (), "changed_since": "HEAD", "no_cache": True, "fmt": "text"}
    with pytest.raises((KeyboardInterrupt, ImportError)):
        commands.run(body, options, str(root), "2026-11-23T12:00:00+01:00", start=commands.start_git_reads)
    pending = options["pending"]
    processes = [pending.diff, pending.others, pending.trees, pending.settings]
    assert [process.returncode is not None for process in processes] == [True] * 4


@pytest.mark.parametrize("colour", [True, False, None])
def test_echo_follows_clicks_colour_setting_inside_click(template, tmp_path, monkeypatch, colour):
    """Through click, the context's colour (CliRunner(color=True), Context(color=…)) decides
    whether styles are kept, as it did when click.echo printed the report."""
    import io

    import click
    from click.testing import CliRunner

    from gazette.cli import cli
    from gazette.commands import echo

    styled = "\x1b[1mbold\x1b[0m"
    for write in (echo, click.echo):
        buffer = io.StringIO()
        monkeypatch.setattr(sys, "stdout", buffer)
        with click.Context(click.Command("x"), color=colour):
            write(styled)
        monkeypatch.undo()
        assert ("\x1b[1m" in buffer.getvalue()) == bool(colour), write
    shutil.copytree(template, tmp_path / "community", symlinks=True)
    monkeypatch.chdir(tmp_path / "community")
    monkeypatch.setenv("GAZETTE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GAZETTE_NOW", "2026-11-23T12:00:00+01:00")
    result = CliRunner().invoke(cli, ["check"], color=bool(colour))
    assert "schema/unknown-key" in result.output, result.output
    assert ("\x1b[1m" in result.output) == bool(colour)


def _run_both_ways(template, tmp_path, args, **streams):
    shutil.copytree(template, tmp_path / "community", symlinks=True)
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("GAZETTE_", "LC_", "LANG"))}
    environment.update(LANG="C.UTF-8", GAZETTE_CACHE_DIR=str(tmp_path / "cache"), GAZETTE_NOW="2026-11-23T12:00:00+01:00")
    return {module: subprocess.run([sys.executable, "-m", module, *args], cwd=tmp_path / "community",
                                   env=environment, **streams)
            for module in ("gazette", "gazette.cli")}


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["check"], ["moderate", "export.csv"]])
def test_a_full_disk_on_stdout_is_one_line_and_exit_2(template, tmp_path, args):
    with open("/dev/full", "w") as full:
        done = _run_both_ways(template, tmp_path, args, stdout=full, stderr=subprocess.PIPE)
    for module, result in done.items():
        assert (module, result.returncode, result.stderr) == (
            module, 2, b"gazette: error: cannot write the output: No space left on device\n")


def test_a_usage_error_exits_2_even_when_stderr_is_a_closed_pipe(template, tmp_path):
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = _run_both_ways(template, tmp_path, ["check", "--now", "bad"], stdout=subprocess.DEVNULL, stderr=writer)
    finally:
        os.close(writer)
    assert {module: result.returncode for module, result in done.items()} == {"gazette": 2, "gazette.cli": 2}


HOSTILE = ["ev\x1b]0;TITLE\x07il", "ev\x1b]8;;http://x\x1b\\il", "ev\x1b]0;unterminated\tnext", "ev\x1bcil",
           "ev\x1b[2J\x1b[Hil", "ev\x1b[31", "ev\x1b(Bil", "ev\x1bP1$r\x9cil", "ev\x9b2Jil", "ev\x9d0;T\x07il",
           "ev\ril", "ev\x00\x08\x7fil", "ev\x1b", "tab\tand\nnewline", "é ü — 🙂 plain"]


@pytest.mark.parametrize("text", HOSTILE)
def test_terminal_safe_leaves_no_control_but_tab_and_newline(text):
    from gazette.listening.buzz import one_line
    from gazette.output import terminal_safe

    safe = terminal_safe(text)
    assert not [c for c in safe if (ord(c) < 32 and c not in "\t\n") or 0x7f <= ord(c) < 0xa0], repr(safe)
    assert "TITLE" not in safe and "http" not in safe  # a string's body is the terminal's, never shown
    if text.startswith("ev") and text.endswith("il"):
        assert safe.startswith("ev") and safe.endswith("il")
    assert "\t" not in one_line(text) and "\n" not in one_line(text) and "\x1b" not in one_line(text)


def test_moderate_text_sends_no_escape_from_the_export_to_the_terminal(template, tmp_path):
    """An author named ev\\x1b]0;TITLE\\x07il set the window title of whoever read the queue."""
    hostile = tmp_path / "hostile.csv"
    hostile.write_text("id,author,text\n1,\"ev\x1b]0;TITLE\x07il\",\"T'es qu'un connard \x1b]8;;http://x\x07\"\n",
                       encoding="utf-8")
    done = _run_both_ways(template, tmp_path, ["moderate", str(hostile)], capture_output=True)
    for module, result in done.items():
        assert result.returncode == 1, (module, result.stderr)
        assert b"evil" in result.stdout and b"connard" in result.stdout, module
        assert not [byte for byte in result.stdout if byte < 32 and byte not in b"\t\n"], (module, result.stdout)


def test_a_naive_now_is_read_through_the_one_community_zone(template, monkeypatch):
    """root_and_now and the commands read the zone with commands.community_zone, not a copy."""
    from gazette import commands

    asked = []
    real = commands.community_zone
    monkeypatch.setattr(commands, "community_zone", lambda root, now=None: asked.append(root) or real(root, now))
    root, now = commands.root_and_now(str(template), "2026-11-23T12:00")
    assert asked == [template] and now.utcoffset() == real(template)().utcoffset(now.replace(tzinfo=None))


@pytest.mark.parametrize("needs_repo", [True, False])
def test_the_root_is_found_once_whether_or_not_a_repository_is_needed(template, monkeypatch, needs_repo):
    from gazette import commands, root as roots

    calls = []
    real = roots.find_root
    monkeypatch.setattr(roots, "find_root", lambda repo=None: calls.append(repo) or real(repo))
    monkeypatch.chdir(template)
    ran = commands.run(lambda root, now: (root, now), {}, None, "2026-11-23T12:00:00+01:00", needs_repo=needs_repo)
    assert ran[0] == template.resolve() and len(calls) == 1
    monkeypatch.chdir(template.parent.parent)
    if needs_repo:
        with pytest.raises(commands.CommandError):
            commands.run(lambda root, now: (root, now), {}, None, None, needs_repo=needs_repo)
    else:
        assert commands.run(lambda root, now: root, {}, None, "2026-11-23T12:00", needs_repo=False) is None


def test_the_mentions_queue_declares_repo_now_and_format_like_every_command():
    from gazette.cli import cli

    params = {param.name: param for param in cli.commands["mentions"].params}
    for declared in (cliargs.REPO, cliargs.NOW):
        assert (params[declared.name].help, params[declared.name].envvar) == (declared.help, declared.envvar)
    assert params["fmt"].help == cliargs.format_option(("text",)).help


def test_an_interrupt_between_two_git_starts_leaves_none_running(tmp_path, monkeypatch):
    """Ctrl-C while PendingChanges starts its five reads: the ones already started are reaped."""
    from gazette import changes

    root = _git_repository(tmp_path / "community")
    started = []
    real = changes._start

    def start(root, *args):
        if len(started) == 2:
            raise KeyboardInterrupt
        started.append(real(root, *args))
        return started[-1]

    monkeypatch.setattr(changes, "_start", start)
    with pytest.raises(KeyboardInterrupt):
        changes.PendingChanges(root, "HEAD")
    assert [process.returncode is not None for process in started] == [True, True]
