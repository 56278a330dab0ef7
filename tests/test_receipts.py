"""Receipts are line edits: the publish diff is receipt lines plus the status line, byte for byte."""

from __future__ import annotations

import difflib
import errno
import os
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from gazette.receipts import ReceiptError, edit_receipts, write_receipts

AT = datetime(2026, 12, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))
RECEIPTS = {"mastodon": {"at": AT, "id": "109", "url": "https://social.example/@f/109"},
            "newsletter": {"at": AT, "recipients": 2000, "refused": 3}}

ODD_FILES = {
    "crlf": "---\r\ntitle: Annonce\r\nstatus: approved\r\ntags: [vélo]\r\n---\r\n\r\nCorps\r\nligne 2\r\n",
    "bom": "\ufeff---\ntitle: Annonce\nstatus: approved\n---\nCorps\n",
    "folded": ("---\ntitle: Annonce\nsummary: >-\n  Une phrase pliée\n  sur deux lignes\nstatus: approved\n"
               "channels:\n  mastodon: {text: \"a\\tb \\u00e9\", at: 2026-12-01T12:30:00+01:00}\n---\nx\n"),
    "flow": "---\ntitle: 'L''annonce'\nstatus: \"approved\"\nimage: {src: a.jpg, alt: \"x, y\"}\n---\nx\n",
    "comments": ("---\n# en tête\ntitle: Annonce   # titre\nstatus: approved  # c\ntags:\n    - hiver\n"
                 "    - vélo  # deux\n---\n\nCorps # pas un commentaire\n"),
    "existing-block": ("---\ntitle: A\nstatus: approved\npublished:\n    site: {at: 2026-11-30 10:00:00+01:00}\n"
                       "    # une note\nauthors: [camille]\n---\n"),
    "existing-flow": "---\ntitle: A\nstatus: approved\npublished: {site: {at: 2026-11-30 10:00:00+01:00}}  # r\n---\n",
    "empty-flow": "---\ntitle: A\nstatus: approved\npublished: {}\n---\nx",
    "no-status": "---\ntitle: A\n---\n",
}


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    diff = list(difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True)))
    return ([d[2:] for d in diff if d.startswith("- ")], [d[2:] for d in diff if d.startswith("+ ")])


@pytest.mark.parametrize("name", sorted(ODD_FILES))
def test_the_diff_is_receipt_lines_and_the_status_line(name):
    before = ODD_FILES[name]
    after = edit_receipts(before.encode(), RECEIPTS, "published").decode()
    removed, added = changed_lines(before, after)
    assert all(line.lstrip("\ufeff").startswith(("status:", "published:")) for line in removed), removed
    for line in added:
        stripped = line.strip()
        assert stripped.startswith(("status:", "published:", "mastodon: {", "newsletter: {")), line
    eol = "\r\n" if "\r\n" in before else "\n"
    assert all(line.endswith(eol) for line in added if line is not added[-1] or after.endswith(eol))
    # Everything else byte for byte, in order.
    kept = [d[2:] for d in difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True))
            if d.startswith("  ")]
    assert "".join(kept) == "".join(line for line in before.splitlines(keepends=True) if line not in removed)
    # And YAML reads the receipts back as they were given.
    front = after.lstrip("\ufeff").split("---")[1]
    meta = yaml.safe_load(front)
    assert meta["status"] == "published"
    assert meta["published"]["mastodon"] == RECEIPTS["mastodon"]
    assert meta["published"]["newsletter"] == RECEIPTS["newsletter"]


def test_exact_output_keeps_the_comment_column_and_the_block_indent():
    after = edit_receipts(ODD_FILES["existing-block"].encode(), {"mastodon": {"at": AT, "id": "x1"}},
                          "published").decode()
    assert after == ("---\ntitle: A\nstatus: published\npublished:\n    site: {at: 2026-11-30 10:00:00+01:00}\n"
                     "    mastodon: {at: 2026-12-01 13:00:00+01:00, id: x1}\n    # une note\nauthors: [camille]\n---\n")
    after = edit_receipts(ODD_FILES["comments"].encode(), {}, "published").decode()
    assert "status: published # c\n" in after
    after = edit_receipts(ODD_FILES["existing-flow"].encode(), {"mastodon": {"id": "x1"}}).decode()
    assert "published: {site: {at: 2026-11-30 10:00:00+01:00}, mastodon: {id: x1}}  # r\n" in after
    assert "status: approved\n" in after  # no status given: untouched


def test_a_receipt_is_never_overwritten_and_no_change_means_no_write(tmp_path):
    path = tmp_path / "a.md"
    path.write_text(ODD_FILES["existing-block"])
    stat = os.stat(path)
    assert write_receipts(path, {"site": {"at": AT}}) is False
    assert os.stat(path).st_mtime_ns == stat.st_mtime_ns


def test_values_that_yaml_would_misread_are_quoted():
    fields = {"id": "123", "url": "a: b # c", "note": "yes", "empty": "", "x": "ok-1"}
    after = edit_receipts(b"---\ntitle: A\n---\n", {"c": fields}).decode()
    assert yaml.safe_load(after.split("---")[1])["published"]["c"] == fields


def test_files_it_cannot_edit_are_refused_not_rewritten():
    with pytest.raises(ReceiptError, match="no front matter"):
        edit_receipts(b"title: A\n", RECEIPTS)
    with pytest.raises(ReceiptError, match="block"):
        edit_receipts(b"---\npublished: {site:\n  {at: 1}}\n---\n", RECEIPTS)


def test_a_full_disk_during_the_write_leaves_the_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "a.md"
    original = ODD_FILES["folded"] + "x" * 10_000
    path.write_text(original)
    import builtins

    real_open = builtins.open

    class Full:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            self.handle.write(data[:4096])
            raise OSError(errno.ENOSPC, "No space left on device")

    def opener(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        return Full(handle) if "w" in mode and str(file).endswith(".tmp") else handle

    monkeypatch.setattr(builtins, "open", opener)
    with pytest.raises(OSError) as error:
        write_receipts(path, RECEIPTS, "published")
    monkeypatch.setattr(builtins, "open", real_open)
    assert error.value.errno == errno.ENOSPC
    assert path.read_text() == original
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]  # no temporary file left behind


@pytest.mark.parametrize("old,new,expected", [
    ("status: draft\n", "status: approved\n", False),  # a person approving: never a receipt
    ("status: approved\n", "status: published\n", False),  # no receipt line added
    ("status: draft\n", "status: draft\npublished:\n  site: {at: 2026-12-01 13:00:00+01:00}\n", True),
    ("status: approved\n", "status: published\npublished:\n  site: {at: 2026-12-01 13:00:00+01:00}\n", True),
    ("status: draft\n", "status: published\npublished:\n  site: {at: 2026-12-01 13:00:00+01:00}\n", False),
])
def test_only_receipt_lines_with_approved_to_published_count_as_a_receipt(old, new, expected):
    from gazette.receipts import receipt_only

    head = "---\ntitle: A\n"
    assert receipt_only(f"{head}{old}---\nx\n".encode(), f"{head}{new}---\nx\n".encode()) is expected


@pytest.mark.parametrize("before,after", [
    ('"status": approved\n', '"status": published\n'),  # a quoted key is the same key: no second line
    ("'status': approved  # c\n", "'status': published # c\n"),
    ("status: >-\n  approved\n", "status: published\n"),  # the folded value goes with its key
    ("status: |\n  approved\n\n", "status: published\n\n"),
    ("status:\n    approved\n", "status: published\n"),
    ("status: >- # c\n  approved\n", "status: published # c\n"),
    ("status: approved  # c\n", "status: published # c\n"),  # one space eaten, the column kept
    ("status: approved # c\n", "status: published # c\n"),  # never less than one
    ("status: approved     # c\n", "status: published    # c\n"),
    ('status: "approved"  # c\r\n', 'status: "published" # c\r\n'),
])
def test_the_status_line_golden(before, after):
    head, tail = "---\ntitle: A\n", "tags: [x]\n---\nCorps\n"
    if "\r\n" in before:
        head, tail = head.replace("\n", "\r\n"), tail.replace("\n", "\r\n")
    written = edit_receipts(f"{head}{before}{tail}".encode(), {}, "published").decode()
    assert written == f"{head}{after}{tail}"
    assert yaml.safe_load(written.split("---")[1])["status"] == "published"
