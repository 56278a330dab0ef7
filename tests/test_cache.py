"""The check cache may only ever change speed, never results."""

from __future__ import annotations

import json
import os
import pickle

from gazette.cache import cache_dir


def problems(repo, *args):
    return [(p["path"], p["line"], p["code"]) for p in
            json.loads(repo.gazette("check", "--format", "json", *args).output)["problems"]]


def test_warm_run_reports_what_the_cold_run_reported(repo):
    repo.post("a", front="title: A\ndate: 2026-10-06T12:30:00+02:00\nauthors: [inconnu]\nstatus: draft\n")
    repo.post("b", body="[lien](a.md) [cassé](absent.md)\n")
    cold = problems(repo, "--no-cache")
    assert problems(repo) == cold  # fills the cache
    assert (cache_dir(repo.root) / "check.pickle").exists()
    assert not (repo.root / ".gazette").exists()
    assert problems(repo) == cold  # read from it
    assert len(cold) == 2


def test_a_deleted_link_target_is_seen_on_a_warm_run(repo):
    repo.post("cible")
    repo.post("source", body="[la cible](cible.md)\n")
    assert problems(repo) == []
    (repo.root / "content/posts/2026/cible.md").unlink()
    assert problems(repo) == [("content/posts/2026/source.md", 7, "ref/link")]


def test_a_frame_change_invalidates_cached_results(repo):
    repo.post("a", front="title: A\ndate: 2026-10-06T12:30:00+02:00\nauthors: [camille]\nstatus: draft\n")
    assert problems(repo) == []
    repo.write("content/.authors.yml", "authors:\n  yanis: {name: Yanis}\n")
    assert problems(repo) == [("content/posts/2026/a.md", 4, "ref/author")]


def test_an_edited_file_is_parsed_again(repo):
    path = repo.post("a")
    assert problems(repo) == []
    repo.write(path, "---\ntitle: A\nstatus: draft\n---\n")
    assert problems(repo) == [(path, 2, "schema/required")]


def test_a_corrupt_cache_is_ignored(repo):
    repo.post("a", front="title: A\n")
    expected = problems(repo)
    (cache_dir(repo.root) / "check.pickle").write_bytes(b"not a pickle")
    assert problems(repo) == expected


class Exploit:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


def test_a_pickle_committed_to_the_repository_is_never_loaded(repo, monkeypatch):
    """A pull request can add any file; none of them may be unpickled."""
    repo.post("a")
    for folder in (".gazette/cache", ".gazette", ".cache/gazette"):
        target = repo.root / folder
        target.mkdir(parents=True, exist_ok=True)
        (target / "check.pickle").write_bytes(pickle.dumps(Exploit()))
    monkeypatch.chdir(repo.root)
    problems(repo)
    assert not (repo.root / "pwned").exists()


def test_dates_of_every_zone_load_back_as_pickle_writes_them(tmp_path):
    """The cache writes fixed-offset zones by their arguments (faster than copyreg's path): the
    values loaded back are equal, with the same offsets and names, to what pickle itself writes."""
    import io
    from datetime import date, datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    from gazette.cache import dump

    values = [datetime(2026, 10, 5, 9, 0, tzinfo=timezone(timedelta(hours=2))),
              datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc),
              datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=-3, minutes=-30), "Terre-Neuve")),
              datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("Europe/Paris")),
              datetime(2026, 3, 29, 2, 30), date(2026, 2, 28), timezone(timedelta(minutes=45)),
              {"nested": [datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=23, minutes=59)))]}]
    handle = io.BytesIO()
    dump(values, handle)
    loaded = pickle.loads(handle.getvalue())
    assert loaded == pickle.loads(pickle.dumps(values))
    for mine, theirs in zip(loaded, values):
        if isinstance(theirs, datetime) and theirs.tzinfo is not None:
            assert (mine.tzinfo, mine.tzname(), mine.utcoffset()) == (theirs.tzinfo, theirs.tzname(), theirs.utcoffset())
