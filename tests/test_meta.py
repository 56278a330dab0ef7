"""The promises around the code: help, README, documented codes, fast start."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from gazette.cli import cli
from gazette.problems import CODES

ROOT = Path(__file__).resolve().parent.parent


def walk(group, prefix=""):
    """Every command by its full name ("calendar", "calendar diff", "slot next")."""
    for name, command in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        yield full, command
        if hasattr(command, "commands"):
            yield from walk(command, full + " ")


COMMANDS = dict(walk(cli))
RUNNABLE = [name for name, command in COMMANDS.items()
            if not hasattr(command, "commands") or command.invoke_without_command]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_and_a_readme_line(name):
    command = COMMANDS[name]
    assert command.help and len(command.help.strip()) > 20, f"{name} needs help text"
    assert all(p.help for p in command.params if p.param_type_name == "option"), name
    readme = (ROOT / "README.md").read_text()
    # A group may take an argument before its subcommands: `gazette contest entries SLUG import FILE`.
    spelled = r"(?: [A-Z][A-Z_]*)* ".join(re.escape(word) for word in name.split())
    assert re.search(rf"^\| `gazette {spelled}\b", readme, re.M), f"README needs a line for gazette {name}"


@pytest.mark.parametrize("name", RUNNABLE)
def test_every_command_takes_now(name):
    assert "now_text" in {p.name for p in COMMANDS[name].params}


def test_every_problem_code_is_documented():
    doc = (ROOT / "docs/problems.md").read_text()
    missing = [code for code in CODES if f"`{code}`" not in doc]
    assert not missing


def test_every_code_emitted_in_source_is_declared():
    source = "\n".join(p.read_text() for p in (ROOT / "src/gazette").rglob("*.py"))
    used = set(re.findall(r'(?:Problem|report)\(\s*"([a-z0-9]+/[a-z0-9-]+)"', source))
    assert len(used) > 20
    assert used <= set(CODES), used - set(CODES)


def test_help_imports_only_click():
    """`gazette --help` must stay fast: nothing heavy on the start path."""
    code = ("import sys; from gazette.cli import cli\n"
            "try: cli(['--help'])\nexcept SystemExit: pass\n"
            "heavy = {'yaml', 'jinja2', 'git', 'rich', 'mkdocs', 'pydantic'} & {m.split('.')[0] for m in sys.modules}\n"
            "print(sorted(heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().endswith("[]"), done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("args", [["--help"], ["check"], ["list", "--past"], ["schema", "--kind", "post"]])
def test_console_script_runs_as_a_real_subprocess(args, sample):
    gazette = Path(sys.executable).with_name("gazette")
    command = [str(gazette)] if gazette.exists() else [sys.executable, "-m", "gazette.cli"]
    done = subprocess.run(command + args, cwd=sample.root, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "GAZETTE_NOW": "2026-11-23T12:00:00+01:00"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_new_as_a_real_subprocess(repo):
    done = subprocess.run([sys.executable, "-m", "gazette.cli", "new", "contest", "Jeu de Noël",
                           "--repo", str(repo.root), "--now", "2026-11-23T12:00:00+01:00"],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout == "created content/contests/2026/jeu-de-noel.md\n", done.stderr
