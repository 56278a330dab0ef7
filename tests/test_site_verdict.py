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


def test_links_to_items_without_a_valid_date_give_the_check_s_report(sample):
    """The site stage has every item loaded, with no date where it did not validate: formatting
    that None stopped `gazette site build` with a traceback, and a draft with no date got a
    ref/site-url the check does not give (it reads such a file as having no state)."""
    sample.post("a-demain", front='title: "Cible"\ndate: demain\nstatus: approved\n')
    sample.post("b-brouillon", front='title: "Brouillon"\nstatus: draft\n')
    sample.post("c-lien", front="title: Lien\ndate: 2026-12-01T10:00:00+01:00\nstatus: approved\n",
                body="Voir https://fabrique.example.org/posts/2026/a-demain/ et "
                     "https://fabrique.example.org/posts/2026/b-brouillon/ pour la suite.\n")
    expected, found = both(sample.root, "2026-11-20T10:00:00+01:00")
    assert found == expected
    assert {p.code for p in found if p.path != "content/posts/2026/c-lien.md"} >= {"schema/date-invalid"}


def test_the_tree_s_stamp_covers_every_folder_the_verdict_reads(sample):
    """The tree is not rewritten while its stamp holds, and then the verdict does not run: a
    folder the check reads outside the stamp (metrics/) let `mkdocs build` pass over a broken
    file that `gazette check` refuses."""
    import os
    import sys

    from gazette.site.tree import INPUT_FOLDERS

    root = sample.root.resolve()
    (root / "metrics").mkdir(exist_ok=True)
    (root / "metrics/web.csv").write_text("week,page,views\n2026-11-16,/,12\n")
    seen, recording = set(), [True]

    def hook(event, args):
        if recording[0] and event in ("open", "os.scandir", "os.listdir") and args and isinstance(args[0], (str, os.PathLike)):
            path = os.path.abspath(os.fsdecode(args[0]))
            if path.startswith(str(root) + os.sep):
                seen.add(os.path.relpath(path, root).split(os.sep)[0])

    sys.addaudithook(hook)  # cannot be removed: it stops recording when the test ends
    try:
        both(root, NOW)
    finally:
        recording[0] = False
    assert seen - {"mkdocs.yml", ".git"} <= set(INPUT_FOLDERS), seen
    assert "metrics" in seen


def test_a_broken_metrics_file_stops_the_next_build(sample, monkeypatch):
    from mkdocs.exceptions import PluginError

    from gazette.site.tree import write_tree

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.setenv("GAZETTE_CACHE_DIR", str(sample.root / ".cache"))
    tree = sample.root / ".gazette" / "public"
    write_tree(sample.root, tree, NOW)
    sample.write("metrics/web.csv", "week,page,views\nhier,/,beaucoup\n")
    assert run_check(sample.root, clock_now(NOW), cache=False).problems
    with pytest.raises(PluginError, match="metrics/web.csv"):
        write_tree(sample.root, tree, NOW)
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
