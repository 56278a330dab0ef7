"""gazette.sealed: every marshal cache's one reader, which never raises and never hangs."""

from __future__ import annotations

import os
import threading

from gazette import sealed


def test_a_value_comes_back_under_its_key_only(tmp_path):
    path = tmp_path / "x.marshal"
    sealed.write(path, ("k", 1), {"a": [1, 2]})
    assert sealed.read(path, ("k", 1)) == {"a": [1, 2]}
    assert sealed.read(path, ("k", 2)) is None
    assert sealed.read(tmp_path / "absent.marshal", ("k", 1)) is None


def test_a_fifo_or_a_folder_in_the_files_place_is_no_cache(tmp_path):
    """A reviewer's: open() of a FIFO waits for a writer: every command reading that cache hung."""
    fifo = tmp_path / "fifo.marshal"
    os.mkfifo(fifo)
    answers = []
    reader = threading.Thread(target=lambda: answers.append(sealed.read(fifo, "k")), daemon=True)
    reader.start()
    reader.join(5)
    assert not reader.is_alive() and answers == [None]
    (tmp_path / "folder.marshal").mkdir()
    assert sealed.read(tmp_path / "folder.marshal", "k") is None
