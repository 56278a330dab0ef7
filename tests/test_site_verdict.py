"""The site stage's verdict (the check over the index it has loaded) is ``gazette check``'s.

The site used to run ``gazette check`` in a second process, which parsed every file again;
``run_check(loaded=…)`` runs the same stages over the loaded items. These tests compare both
reports on varied repositories: every golden case at once (hostile YAML, binary files, broken
references, bad dates), the attack corpus, the sample, the sample with a broken plan, listening
settings and metrics; and the site's per-file cache of the rules' results, warm and after an edit.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from attacks.community import NOW as ATTACK_NOW, make_community

from gazette.cache import cache_dir
from gazette.check import run_check
from gazette.clock import now as clock_now
from gazette.load import load_repo

CASES = sorted((Path(__file__).parent / "cases").glob("*.md"))
NOW = "2026-11-23T12:00:00+01:00"


def both(root: Path, now: str):
    moment = clock_now(now)
    return run_check(root, moment, cache=False).problems, loaded_check(root, moment, cache=False)


def loaded_check(root: Path, moment, cache: bool = True, loaded_at: int | None = None):
    """What the site stage does: load the repository, then check the loaded index."""
    loaded = load_repo(root, cache=cache)
    if loaded_at is not None:
        loaded.loaded_at = loaded_at
    return run_check(root, moment, cache=cache, loaded=loaded).problems


def test_every_golden_case_at_once_gives_the_check_s_report(sample):
    for case in CASES:
        kind, _, slug = case.stem.rpartition("--")
        sample.write(f"content/{kind or 'post'}s/2026/{slug}.md", case.read_bytes())
    expected, found = both(sample.root, NOW)
    assert len(expected) > 80 and found == expected


def test_a_broken_plan_listening_and_metrics_give_the_check_s_report(sample):
    sample.write("calendar/campaigns/cassee.yml", "name: [oops\n")
    sample.write("calendar/events/sans-date.yml", "name: Sans date\nplace: Lyon\n")
    sample.write("calendar/listening.yml", "keywords: 12\nthreshold: beaucoup\n")
    sample.write("metrics/engagement.csv", "week,network,impressions\nhier,mastodon,beaucoup\n")
    sample.write("content/.authors.yml", "authors:\n  camille: {name: Camille}\n  camille: {name: Double}\n")
    sample.post("creneau-pris", front="title: Même créneau\ndate: 2026-09-04T12:30:00+02:00\nstatus: approved\n"
                "channels:\n  mastodon: {text: Bonjour, at: 2026-09-04T12:30:00+02:00}\n")
    # Links to the site: to a draft (refused) and to a post published earlier (fine), each
    # judged from the linked item's status and date.
    sample.post("a-brouillon-lie", front="title: Brouillon\ndate: 2026-10-01T12:00:00+02:00\nstatus: draft\n")
    sample.post("z-qui-lie", front="title: Lien\ndate: 2026-10-02T12:00:00+02:00\nstatus: approved\n",
                body="Voir https://fabrique.example.org/posts/2026/a-brouillon-lie/ et "
                     "https://fabrique.example.org/posts/2026/rentree-boutique/ .\n")
    expected, found = both(sample.root, NOW)
    assert expected and found == expected
    assert any(p.path.startswith("calendar/") for p in found)
    assert [p.path for p in found if p.code == "ref/site-url"] == ["content/posts/2026/z-qui-lie.md"]


@pytest.mark.parametrize("now", [NOW, "2027-06-01T00:00:00+02:00"])
def test_the_sample_gives_the_check_s_report(sample, now):
    expected, found = both(sample.root, now)
    assert found == expected


def test_the_attack_corpus_gives_the_check_s_report(tmp_path):
    root = make_community(tmp_path / "community")
    expected, found = both(root, ATTACK_NOW)
    assert len(expected) > 20 and found == expected


def age(root: Path, seconds: int = 3600) -> None:
    """Every item file written an hour ago: settled, so the site may cache their rules' results."""
    for path in (root / "content").rglob("*.md"):
        info = path.stat()
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns - seconds * 1_000_000_000))


def test_the_site_s_warm_cache_gives_the_check_s_report(sample):
    for case in CASES[:20]:
        kind, _, slug = case.stem.rpartition("--")
        sample.write(f"content/{kind or 'post'}s/2026/{slug}.md", case.read_bytes())
    age(sample.root)
    moment = clock_now(NOW)
    expected = run_check(sample.root, moment, cache=False).problems
    started = time.time_ns()
    assert loaded_check(sample.root, moment, loaded_at=started) == expected  # cold: fills the cache
    assert (cache_dir(sample.root) / "site-check.pickle").is_file()
    assert loaded_check(sample.root, moment, loaded_at=started) == expected  # warm


def test_a_file_saved_during_a_build_is_checked_again_on_the_next(sample):
    """``mkdocs serve``: the file is saved after the stage loaded it, before the rules ran on
    the loaded item. The next build must judge the new text, not the old one's cached results."""
    age(sample.root)
    moment = clock_now(NOW)
    path = "content/posts/2026/rentree-boutique.md"
    loaded = load_repo(sample.root)
    loaded.loaded_at = time.time_ns()
    text = (sample.root / path).read_text(encoding="utf-8")
    (sample.root / path).write_text(text.replace("authors: [", "authors: [inconnue, ", 1), encoding="utf-8")
    before = run_check(sample.root, moment, loaded=loaded).problems
    assert not any(p.code == "ref/author" for p in before)  # the build judged what it loaded
    after = loaded_check(sample.root, moment, loaded_at=time.time_ns())
    assert [p.path for p in after if p.code == "ref/author"] == [path]
    assert after == run_check(sample.root, moment, cache=False).problems
