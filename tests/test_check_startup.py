"""What a one-file check skips at start-up must not change what it reports."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import NOW
from gazette import check
from gazette.check import run_check
from gazette.clock import now
from gazette.listening import config as listening_config

BAD_HOURS = "business_hours: {from: '25:00', to: '18:00'}\n"


def reported(repo):
    return sorted((p.code, p.path, p.line, p.message) for p in run_check(repo.root, now(NOW), cache=False).problems)


def test_the_listening_file_is_the_readers_own():
    assert check.LISTENING_FILE == listening_config.LISTENING_FILE


def test_listening_problems_are_the_readers_whatever_is_at_its_path(repo, tmp_path, monkeypatch):
    """Absent, a file, a link, a dangling link, a folder, no calendar folder: the same report as
    when the reader was always called (the shortcut only spares importing it for nothing)."""
    target = repo.root / "calendar/listening.yml"
    elsewhere = tmp_path / "listening.yml"
    elsewhere.write_text(BAD_HOURS, encoding="utf-8")

    def states():
        yield "absent"
        repo.write("calendar/listening.yml", BAD_HOURS)
        yield "file"
        target.unlink()
        os.symlink(elsewhere, target)
        yield "link"
        target.unlink()
        os.symlink(tmp_path / "nowhere.yml", target)
        yield "dangling link"
        target.unlink()
        target.mkdir()
        yield "folder"
        target.rmdir()

    seen = {}
    for state in states():
        with monkeypatch.context() as patched:
            patched.setattr(check, "_may_exist", lambda root, relpath: True)
            before = reported(repo)
        seen[state] = reported(repo)
        assert seen[state] == before, state
    assert ("listening/business-hours", "calendar/listening.yml", 1) in [found[:3] for found in seen["file"]]
    assert not any(found[0].startswith("listening/") for found in seen["absent"])


def test_a_check_without_a_listening_file_does_not_import_its_reader(repo):
    script = ("import sys\nfrom pathlib import Path\nfrom gazette.check import run_check\n"
              "from gazette.clock import now\n"
              f"run_check(Path(sys.argv[1]), now({NOW!r}))\n"
              "print('gazette.listening.config' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", script, str(repo.root)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"]
