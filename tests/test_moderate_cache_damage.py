"""A moderator.marshal damaged on disk only costs time: never a traceback, never another flag (review 8)."""

import json
from pathlib import Path

from damage import damaged_copies

from gazette import netiquette, sealed
from gazette.netiquette import build_moderator

GOLDEN = Path(__file__).parent / "moderation" / "findings.golden.jsonl"


def test_a_damaged_moderator_cache_gives_the_flags_of_a_fresh_compile(repo):
    """Bytes flipped, cut or inserted (1 to 8 changes, the reviewer's mfuzz): marshal.loads raised
    SystemError on some, and a flipped letter in a list entry still loaded and flagged otherwise."""
    texts = [json.loads(line)["text"] for line in GOLDEN.read_text(encoding="utf-8").splitlines()[:300]]
    texts.append("Quel connard, appelle le 06 12 34 56 78 ou julie.martin@gmail.com")
    expected = [build_moderator(repo.root, use_cache=False)[0].scan(text) for text in texts]
    assert any(expected)
    netiquette._NO_CACHE.clear()
    build_moderator(repo.root)
    path = netiquette._cache_path(repo.root)
    raw = path.read_bytes()
    for _round, damaged in enumerate(damaged_copies(raw, 120, seed=88)):
        path.write_bytes(damaged)
        moderator = build_moderator(repo.root)[0]
        assert [moderator.scan(text) for text in texts] == expected, _round
    # marshal.loads raises SystemError on this misshapen code object, checksum right or not.
    for content in (b"c" + b"\x00" * 16 + b")\x00" * 20, sealed.seal(b"c" + b"\x00" * 16 + b")\x00" * 20)):
        path.write_bytes(content)
        moderator = build_moderator(repo.root)[0]
        assert [moderator.scan(text) for text in texts] == expected


def test_a_cache_that_cannot_be_written_leaves_no_temporary_file(tmp_path):
    # A folder where the file goes (or a full disk): every run left a .tmp file behind.
    from gazette.sealed import read, write

    target = tmp_path / "cache" / "moderator.marshal"
    target.mkdir(parents=True)
    write(target, "key", {"a": 1})
    assert sorted(path.name for path in target.parent.iterdir()) == ["moderator.marshal"]
    target.rmdir()
    write(target, "key", {"a": 1})
    assert read(str(target), "key") == {"a": 1} and read(str(target), "other") is None
