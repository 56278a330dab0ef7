"""The index of days of REF's tree (check --changed-since): the same files as git grep, cold or warm."""

from __future__ import annotations

import json
import marshal
import random
import re
from datetime import date, timedelta

import pytest

from gazette import sealed
from gazette.changes import PendingChanges, PendingDays, day_pattern
from gazette.dayindex import KIND_PATHS, RUN, IndexedDays, day_keys, query_keys


def _text(draw: random.Random) -> str:
    """Hostile near-dates: runs of digits, dashes and W, zeros or not, years glued to digits."""
    pieces = ["2026", "12026", "2025", "0999", "-", "--", "W", "-W", "1", "01", "0", "12", "13", "5", "05",
              "31", "4", "49", "53", "T", " ", "\n", "x", ":", "2026-12-05", "20261205", "2026W49", "2026-1-1",
              "2026-12-", "2026-012-05", "2026-00-1", "9999-12-31"]
    return "".join(draw.choice(pieces) for _ in range(draw.randrange(1, 14)))


def test_the_keys_of_a_text_meet_a_days_keys_exactly_when_its_pattern_matches():
    """For any text and days, the index says "maybe here" exactly when git grep would, and
    keeping only git's printed runs (RUN) loses nothing."""
    draw = random.Random(19)
    start = date(2025, 12, 20)
    for _case in range(4000):
        text = _text(draw)
        days = {start + timedelta(days=draw.randrange(30)) for _ in range(draw.randrange(1, 4))}
        if draw.random() < 0.1:
            days.add(date(9999, 12, 31))
        expected = re.search(day_pattern(days), text) is not None
        keys = day_keys(text.encode())
        assert bool(keys & query_keys(days)) == expected, (text, days)
        runs = "\n".join(re.findall(RUN, text)).encode()
        assert day_keys(runs) == keys, text


def test_a_year_before_1000_is_left_to_git_grep():
    assert query_keys({date(999, 1, 1)}) is None


def test_the_kind_folders_are_the_loaders():
    from gazette.load import KIND_FOLDERS

    assert KIND_PATHS == tuple(sorted(f"content/{folder}" for folder in KIND_FOLDERS))


def _searches(root, days, ref="HEAD"):
    """(the index's answer, cold then warm; git grep's answer) for these days."""
    answers = []
    for _run in range(2):
        pending = PendingChanges(root, ref)
        pending.result()
        answers.append(IndexedDays(root, pending, build_now=True).result(days))
    pending = PendingChanges(root, ref)
    pending.result()
    return answers, PendingDays(root, days, pending.untracked_paths | pending.ignored_paths).result()


@pytest.fixture
def dated(git_repo):
    """Items writing 2026-12-05 in every spelling, in every kind folder and year, and items
    that do not; committed."""
    files = {"content/posts/2025/suivi.md": "---\nat: 2026-12-5 10:00\n---\n",
             "content/newsletters/2027/lettre.md": "x 20261205T1000 y\n",
             "content/posts/2026/semaine.md": "2026-W49-6\n",
             "content/contests/2026/jeu.md": "'2026W496'\n",
             "content/posts/2026/sous/dossier.md": "2026-12-05\n",
             "content/posts/2026/autre.md": "2026-12-07\n",
             "content/posts/2026/renomme.md": "2026-12-05\n",
             "content/posts/2026/efface.md": "2026-12-05\n",
             "content/posts/2026/modifie.md": "2026-12-05\n",
             "content/posts/2026/plus-tard.md": "2026-12-07\n",
             "content/posts/2026/binaire.md": "\0\x01 2026-12-05\n",
             "content/pages/page.md": "2026-12-05\n", "calendar/x.md": "2026-12-05\n",
             "content/posts/2026/note.txt": "2026-12-05\n"}
    for relpath, text in files.items():
        git_repo.write(relpath, text)
    git_repo.commit_all("dated")
    return git_repo


def test_the_index_finds_what_git_grep_finds_through_renames_deletions_edits_and_untracked_files(dated):
    root = dated.root
    days = {date(2026, 12, 5)}
    answers, grep = _searches(root, days)
    assert answers == [grep, grep]
    assert "content/posts/2026/binaire.md" in grep and "content/posts/2026/autre.md" not in grep
    dated.git("mv", "content/posts/2026/renomme.md", "content/posts/2025/renomme.md")
    (root / "content/posts/2026/efface.md").unlink()
    dated.write("content/posts/2026/modifie.md", "plus de date\n")
    dated.write("content/posts/2026/plus-tard.md", "2026-12-05\n")  # now writes the day
    dated.write("content/posts/2026/nouveau.md", "2026-12-5\n")  # untracked
    dated.write(".gitignore", "ignore.md\n")
    dated.write("content/posts/2026/ignore.md", "2026-12-05\n")  # ignored: read by a full check, so found
    (root / "content/posts/2026/lien.md").symlink_to(root / "content/posts/2026/semaine.md")
    answers, grep = _searches(root, days)
    assert answers == [grep, grep]
    assert {"content/posts/2025/renomme.md", "content/posts/2026/plus-tard.md", "content/posts/2026/nouveau.md",
            "content/posts/2026/ignore.md"} <= grep
    assert not {"content/posts/2026/renomme.md", "content/posts/2026/efface.md", "content/posts/2026/modifie.md"} & grep
    for other in ({date(2026, 12, 7)}, {date(2026, 12, 4), date(2027, 1, 1)}, {date(2026, 12, 1)}):
        answers, grep = _searches(root, other)
        assert answers == [grep, grep], other


def test_a_moved_branch_gets_the_index_of_its_new_tree(dated):
    """The key is the tree the ref names now, not the ref's name."""
    root = dated.root
    days = {date(2026, 12, 7)}
    assert _searches(root, days)[0][1] == {"content/posts/2026/autre.md", "content/posts/2026/plus-tard.md"}
    dated.write("content/posts/2024/ajout.md", "2026-12-07\n")
    dated.commit_all("moved")
    answers, grep = _searches(root, days)
    assert answers == [grep, grep] and "content/posts/2024/ajout.md" in grep


@pytest.mark.parametrize("damage", ["truncated", "garbage", "flipped", "unsealed", "other-shape", "bad-index",
                                    "bad-offsets", "odd-bytes", "other-tree"])
def test_a_damaged_or_foreign_index_is_rebuilt_never_believed(dated, damage):
    root = dated.root
    days = {date(2026, 12, 5)}
    _answers, grep = _searches(root, days)
    [stored] = (root.parent / "cache").rglob("day-index.marshal")
    data = stored.read_bytes()
    from array import array

    stamp, (blob, offsets, by_key) = marshal.loads(sealed.unseal(data))
    middle = len(data) // 2
    # A sealed file of the wrong shape stands for one written by a faulty Gazette: the CRC
    # alone cannot refuse it.
    damaged = {"truncated": data[:middle], "garbage": b"\x80\x05not a pickle",
               "flipped": data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1:],
               "unsealed": sealed.unseal(data),
               "other-shape": sealed.dumps(stamp, (list(blob), offsets, None)),
               "bad-index": sealed.dumps(stamp, (blob, offsets, {key: array("I", [10**6]).tobytes() for key in by_key})),
               "bad-offsets": sealed.dumps(stamp, (blob, offsets[:-4] + array("I", [10**6]).tobytes(), by_key)),
               "odd-bytes": sealed.dumps(stamp, (blob, offsets, {key: b"\x01\x02\x03" for key in by_key})),
               "other-tree": sealed.dumps(stamp[:-1] + ((("content/posts", "0" * 40),),), (b"", b"", {}))}[damage]
    stored.write_bytes(damaged)
    pending = PendingChanges(root, "HEAD")
    pending.result()
    assert IndexedDays(root, pending, build_now=False).result(days) == grep
    pending = PendingChanges(root, "HEAD")
    pending.result()
    assert IndexedDays(root, pending, build_now=False).result(days) == grep  # and stored again, right


def test_without_pcre_the_index_is_built_with_ere(dated, monkeypatch):
    import gazette.dayindex as dayindex

    root = dated.root
    days = {date(2026, 12, 5)}
    _answers, grep = _searches(root, days)
    for stored in (root.parent / "cache").rglob("day-index.marshal"):
        stored.unlink()
    real = dayindex.grep_args
    monkeypatch.setattr(dayindex, "grep_args", lambda trees, engine="-P": real(trees, engine).__class__(
        arg if arg != "-P" else "--no-such-option" for arg in real(trees, engine)))
    pending = PendingChanges(root, "HEAD")
    pending.result()
    assert IndexedDays(root, pending, build_now=True).result(days) == grep


def test_a_conflict_with_an_unchanged_neighbour_is_found_cold_and_warm(dated):
    """The command end to end: the second run answers from the stored index."""
    front = "title: {0}\ndate: 2026-12-01T10:00:00+01:00\nstatus: approved\nchannels:\n  mastodon: {{text: Salut, at: {1}}}\n"
    dated.post("voisin", front=front.format("voisin", "'20261205T100000+0100'"))
    dated.commit_all("plan")
    added = dated.post("nouveau", front=front.format("nouveau", "2026-12-05T10:00:00+01:00"))
    for _run in ("cold", "warm"):
        result = dated.gazette("check", "--format", "json", "--changed-since", "HEAD", now="2026-10-01T00:00:00+02:00")
        problems = json.loads(result.output)["problems"]
        assert [(p["path"], p["code"]) for p in problems if p["code"] == "calendar/conflict"] == [
            (added, "calendar/conflict")]
    assert list((dated.root.parent / "cache").rglob("day-index.marshal"))


def test_a_community_inside_a_larger_repository_gets_its_own_folders(tmp_path):
    """git lists trees and paths from the community's folder, as git diff --relative does."""
    import subprocess

    outer = tmp_path / "outer"
    (outer / "communaute/content/posts/2026").mkdir(parents=True)
    (outer / "content/posts/2026").mkdir(parents=True)
    (outer / "communaute/content/posts/2026/a.md").write_text("2026-12-05\n")
    (outer / "content/posts/2026/dehors.md").write_text("2026-12-05\n")  # the outer tree's, not ours
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=outer, check=True)
    subprocess.run([*git, "add", "."], cwd=outer, check=True)
    subprocess.run([*git, "commit", "-qm", "x"], cwd=outer, check=True)
    root = outer / "communaute"
    (root / "content/posts/2026/b.md").write_text("2026-12-5\n")
    answers, grep = _searches(root, {date(2026, 12, 5)})
    assert answers == [grep, grep] == [{"content/posts/2026/a.md", "content/posts/2026/b.md"}] * 2


def test_no_cache_searches_with_git_grep_and_stores_no_index(dated):
    front = "title: {0}\ndate: 2026-12-01T10:00:00+01:00\nstatus: approved\nchannels:\n  mastodon: {{text: Salut, at: {1}}}\n"
    dated.post("voisin", front=front.format("voisin", "2026-12-05T10:00:00+01:00"))
    dated.commit_all("plan")
    added = dated.post("nouveau", front=front.format("nouveau", "2026-12-05T10:00:00+01:00"))
    result = dated.gazette("check", "--format", "json", "--no-cache", "--changed-since", "HEAD",
                           now="2026-10-01T00:00:00+02:00")
    assert [(p["path"], p["code"]) for p in json.loads(result.output)["problems"]
            if p["code"] == "calendar/conflict"] == [(added, "calendar/conflict")]
    assert not list((dated.root.parent / "cache").rglob("day-index.*"))


def _moved(dated):
    """Commits that move HEAD: a file renamed (same blob), edited, deleted, added in every spelling."""
    (dated.root / "content/posts/2024").mkdir(exist_ok=True)
    dated.git("mv", "content/posts/2026/renomme.md", "content/posts/2024/renomme.md")
    dated.write("content/posts/2026/modifie.md", "plus de date\n")
    dated.write("content/posts/2026/autre.md", "2026-12-5\n")
    (dated.root / "content/posts/2026/efface.md").unlink()
    dated.write("content/contests/2027/neuf.md", "'20261205T1000'\n")
    dated.write("content/newsletters/2026/semaine.md", "2026-W49\n")
    dated.commit_all("moved")


def test_a_moved_branch_reads_only_its_new_blobs(dated, monkeypatch):
    """After a first index, a new tree is indexed from the blobs already known plus the new
    ones read with cat-file: no grep over the tree, the same files as git grep."""
    root = dated.root
    days = {date(2026, 12, 5)}
    _searches(root, days)
    _moved(dated)
    dated.write("content/posts/2026/pas-commite.md", "2026-12-05\n")
    monkeypatch.setattr(IndexedDays, "_start_build", lambda self, engine="-P": pytest.fail("grepped the whole tree"))
    answers, grep = _searches(root, days)
    assert answers == [grep, grep]
    assert {"content/posts/2024/renomme.md", "content/posts/2026/autre.md", "content/contests/2027/neuf.md",
            "content/newsletters/2026/semaine.md", "content/posts/2026/pas-commite.md"} <= grep
    assert not {"content/posts/2026/modifie.md", "content/posts/2026/efface.md"} & grep


@pytest.mark.parametrize("damage", ["garbage", "bad-keys", "other-version"])
def test_a_damaged_record_of_blobs_means_a_full_build(dated, damage):
    root = dated.root
    days = {date(2026, 12, 5)}
    _searches(root, days)
    [stored] = (root.parent / "cache").rglob("day-index-blobs.marshal")
    stamp, known = marshal.loads(sealed.unseal(stored.read_bytes()))
    stored.write_bytes({"garbage": b"\x00\x01", "bad-keys": sealed.dumps(stamp, {oid: "x" for oid in known}),
                        "other-version": sealed.dumps(stamp[:-1] + ("0.0.0",), {oid: () for oid in known})}[damage])
    _moved(dated)
    answers, grep = _searches(root, days)
    assert answers == [grep, grep] and "content/contests/2027/neuf.md" in grep


def test_a_blob_read_in_python_gives_the_keys_git_grep_gives():
    """blob_keys (cat-file, Python) and grep_keys (git grep -o) agree on hostile texts."""
    import subprocess

    from gazette.dayindex import blob_keys, grep_args, grep_keys

    draw = random.Random(5)
    texts = ["\n".join(_text(draw) for _ in range(draw.randrange(1, 6))) for _ in range(60)]
    # one repository, each text a file; grep over its tree as the index build does
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        for number, text in enumerate(texts):
            (root / "content/posts/2026").mkdir(parents=True, exist_ok=True)
            (root / f"content/posts/2026/f{number}.md").write_text(text)
        subprocess.run(["git", "add", "-A"], cwd=root, check=True)
        tree = subprocess.run(["git", "write-tree"], cwd=root, check=True, capture_output=True, text=True).stdout.strip()
        posts = subprocess.run(["git", "rev-parse", f"{tree}:content/posts"], cwd=root, check=True,
                               capture_output=True, text=True).stdout.strip()
        trees = (("content/posts", posts),)
        output = subprocess.run(["git", *grep_args(trees)], cwd=root, capture_output=True).stdout
        from_git = grep_keys(output, trees)
    for number, text in enumerate(texts):
        assert from_git.get(f"content/posts/2026/f{number}.md", ()) == blob_keys(text.encode()), text


def test_a_blob_git_cannot_give_means_a_full_build(dated):
    from gazette.dayindex import read_blobs

    assert read_blobs(dated.root, {"0" * 40}) is None
    [oid] = dated.git("ls-files", "-s", "content/posts/2026/autre.md").split()[1:2]
    assert read_blobs(dated.root, {oid}) == {oid: (date(2026, 12, 7).toordinal(),)}  # "2026-12-07\n"


def test_a_damaged_record_of_blobs_with_the_right_stamp_is_written_again(dated):
    """Nothing new to read and the stamp right, but the keys of another shape: the record is
    repaired by the rebuild, not kept (else every later run rebuilds from the whole tree)."""
    root = dated.root
    days = {date(2026, 12, 5)}
    _searches(root, days)
    [stored] = (root.parent / "cache").rglob("day-index-blobs.marshal")
    stamp, known = marshal.loads(sealed.unseal(stored.read_bytes()))
    stored.write_bytes(sealed.dumps(stamp, {oid: "x" for oid in known}))
    for index in (root.parent / "cache").rglob("day-index.marshal"):
        index.unlink()
    answers, grep = _searches(root, days)
    assert answers == [grep, grep]
    assert sealed.read(stored, stamp) == known


def test_an_index_written_by_other_code_is_not_believed(dated, monkeypatch, tmp_path):
    """An editable install keeps its version number through edits: the code itself is in the stamp."""
    from gazette import dayindex

    root = dated.root
    _searches(root, {date(2026, 12, 5)})
    pending = PendingChanges(root, "HEAD")
    pending.result()
    trees = pending.tree_ids()
    assert dayindex.load(root, trees) is not None and dayindex.load_blobs(root) is not None
    edited = tmp_path / "dayindex.py"
    edited.write_text("# another version of the module\n")
    monkeypatch.setattr(dayindex, "__file__", str(edited))
    assert dayindex.load(root, trees) is None and dayindex.load_blobs(root) is None


def test_a_full_disk_leaves_no_temporary_file(dated, monkeypatch):
    from gazette import dayindex

    def full(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dayindex.os, "replace", full)
    answers, grep = _searches(dated.root, {date(2026, 12, 5)})
    assert answers == [grep, grep]
    monkeypatch.undo()
    cache = dated.root.parent / "cache"
    assert not list(cache.rglob("*.tmp")) and not list(cache.rglob("day-index*.marshal"))


def test_a_partial_clone_never_reads_refs_blobs_and_searches_the_working_tree(dated, tmp_path):
    """--filter=blob:none: reading REF's blobs would fetch each missing one from the remote;
    the neighbours are searched on disk instead (git grep), with the same answer."""
    import subprocess

    dated.git("config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--filter=blob:none", f"file://{dated.root}", str(clone)], check=True)
    days = {date(2026, 12, 5)}
    pending = PendingChanges(clone, "HEAD")
    pending.result()
    indexed = IndexedDays(clone, pending, build_now=True)
    assert not indexed.usable and indexed.process is None
    assert pending.stored_form_differs()
    pending.cancel()
    pending = PendingChanges(dated.root, "HEAD")
    pending.result()
    assert not pending.stored_form_differs()  # the ordinary repository keeps its index
    assert IndexedDays(dated.root, pending, build_now=True).usable
    pending.cancel()
    expected = PendingDays(dated.root, days).result()
    assert PendingDays(clone, days).result() == expected


def test_a_file_over_the_cap_is_never_grepped_nor_read_and_holds_no_day(dated, monkeypatch):
    """A full check refuses a file over load.MAX_FILE_BYTES (no slot of its counts): the index
    leaves it out without making git print its dates (a 100 MB file of dates cost 30 s and
    GB), cold and when a moved branch reads its new blobs; the other files' answer is git grep's."""
    from gazette import dayindex
    from gazette.load import MAX_FILE_BYTES

    root = dated.root
    days = {date(2026, 12, 5)}
    huge = "content/posts/2026/enorme.md"
    dated.write(huge, "2026-12-05 " * (3 * MAX_FILE_BYTES // 11))
    dated.commit_all("huge")
    printed, asked = [], []
    real_keys, real_read = dayindex.grep_keys, dayindex.read_blobs
    monkeypatch.setattr(dayindex, "grep_keys", lambda output, trees: printed.append(len(output)) or real_keys(output, trees))
    monkeypatch.setattr(dayindex, "read_blobs", lambda root, oids: asked.append(set(oids)) or real_read(root, oids))
    answers, grep = _searches(root, days)
    assert answers == [grep - {huge}] * 2 and huge in grep  # git grep -l lists it; the full check refuses it
    assert printed and max(printed) < 10_000
    _moved(dated)
    dated.write(huge, "2026-12-05 " * (3 * MAX_FILE_BYTES // 11) + "2026-12-07\n")  # a new big blob
    dated.commit_all("huge again")
    answers, grep = _searches(root, days)
    assert answers == [grep - {huge}] * 2
    big_blob = dated.git("rev-parse", f"HEAD:{huge}").strip()
    assert asked and not any(big_blob in oids for oids in asked)


def test_a_neighbour_over_the_cap_gives_no_conflict_as_in_the_full_check(dated):
    front = "title: {0}\ndate: 2026-12-01T10:00:00+01:00\nstatus: approved\nchannels:\n  mastodon: {{text: Salut, at: {1}}}\n"
    dated.post("voisin", front=front.format("voisin", "2026-12-05T10:00:00+01:00"), body="x" * (1024 * 1024 + 10))
    dated.commit_all("plan")
    added = dated.post("nouveau", front=front.format("nouveau", "2026-12-05T10:00:00+01:00"))

    def conflicts(*args):
        result = dated.gazette("check", "--format", "json", *args, now="2026-10-01T00:00:00+02:00")
        return [(p["path"], p["code"]) for p in json.loads(result.output)["problems"] if p["code"] == "calendar/conflict"]

    assert conflicts() == []
    for _run in ("cold", "warm"):
        assert conflicts("--changed-since", "HEAD") == []
    dated.post("voisin", front=front.format("voisin", "2026-12-05T10:00:00+01:00"))  # back under the cap
    assert (added, "calendar/conflict") in conflicts("--changed-since", "HEAD")


def test_every_path_of_an_oversized_blob_is_left_out():
    # A reviewer's: four files over the cap with the same bytes share one blob; keyed by blob,
    # only the last was excluded and the three others grepped with -o (4.5 s, 1.7 GB).
    from gazette.dayindex import parse_blob_listing

    blob, small = "a" * 40, "b" * 40
    listing = "\0".join([f"100644 blob {blob} 22000000\t2026/{name}" for name in ("a.md", "x\ny.md", ":(z.md")]
                        + [f"100644 blob {small} 120\t2026/petit.md"])
    oversized: dict = {}
    found = parse_blob_listing(listing, "content/posts", oversized)
    assert set(found) == {"content/posts/2026/a.md", "content/posts/2026/x\ny.md", "content/posts/2026/:(z.md",
                          "content/posts/2026/petit.md"}
    assert oversized == {"2026/a.md": blob, "2026/x\ny.md": blob, "2026/:(z.md": blob}


def test_files_read_on_disk_are_never_read_over_the_cap_nor_in_dot_folders(git_repo):
    # A reviewer's: ignored files were read whole, even under a dot folder or over the cap (a
    # 220 MB one took 240 MB of memory), where the full check never opens them.
    from gazette.changes import _untracked_matching
    from gazette.load import MAX_FILE_BYTES

    git_repo.write(".gitignore", ".cache/\nbrouillons/\n")
    git_repo.write("content/posts/.cache/gros.md", "2026-12-06 " * 10)
    git_repo.write("content/posts/brouillons/voisin.md", "2026-12-06\n")
    git_repo.write("content/posts/brouillons/enorme.md", "2026-12-06 " + "x" * MAX_FILE_BYTES)
    git_repo.write("content/posts/brouillons/note.txt", "2026-12-06\n")
    pending = PendingChanges(git_repo.root, "HEAD")
    pending.result()
    assert pending.ignored_paths == {"content/posts/brouillons/voisin.md", "content/posts/brouillons/enorme.md"}
    wanted = re.compile(rb"2026-12-06")
    assert _untracked_matching(git_repo.root, wanted, sorted(pending.ignored_paths)) == {
        "content/posts/brouillons/voisin.md"}
