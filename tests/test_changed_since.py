"""`check --changed-since`: only what changed, plus the items that refer to it (real git)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest


def report(repo, *args):
    result = repo.gazette("check", "--format", "json", *args)
    return result, json.loads(result.output) if result.output.startswith("{") else None


def test_only_changed_files_are_checked(git_repo):
    git_repo.post("ancien-bancal", front="title: A\n")  # already broken on main
    git_repo.commit_all()
    base = git_repo.git("rev-parse", "HEAD").strip()
    changed = git_repo.post("nouveau", front="title: B\ndate: 2026-10-06T12:30:00+02:00\nauteurs: [x]\nstatus: draft\n")
    result, data = report(git_repo, "--changed-since", base)
    assert data["scope"] == "changed"
    assert data["items_checked"] == 1
    assert [(p["path"], p["code"]) for p in data["problems"]] == [(changed, "schema/unknown-key")]
    assert result.exit_code == 0


def test_deleting_a_linked_post_flags_the_posts_linking_to_it(git_repo):
    git_repo.post("cible")
    linking = git_repo.post("lien", body="Voir [la cible](cible.md).\n")
    git_repo.post("sans-lien")
    git_repo.commit_all()
    (git_repo.root / "content/posts/2026/cible.md").unlink()
    git_repo.commit_all("remove")
    _, data = report(git_repo, "--changed-since", "HEAD~1")
    assert [(p["path"], p["line"], p["code"]) for p in data["problems"]] == [(linking, 7, "ref/link")]


def test_removing_an_author_flags_their_items(git_repo):
    by_camille = git_repo.post("de-camille", front="title: A\ndate: 2026-10-06T12:30:00+02:00\nauthors: [camille]\nstatus: draft\n")
    git_repo.commit_all()
    git_repo.write("content/.authors.yml", "authors:\n  yanis: {name: Yanis}\n")
    _, data = report(git_repo, "--changed-since", "HEAD")
    assert [(p["path"], p["code"]) for p in data["problems"]] == [(by_camille, "ref/author")]


def test_removing_a_campaign_flags_its_items(git_repo):
    item = git_repo.post("en-campagne", front="title: A\ndate: 2026-10-06T12:30:00+02:00\ncampaign: automne-2026\nstatus: draft\n")
    git_repo.commit_all()
    (git_repo.root / "calendar/campaigns/automne-2026.yml").unlink()
    _, data = report(git_repo, "--changed-since", "HEAD")
    assert [(p["path"], p["code"]) for p in data["problems"]] == [(item, "ref/campaign")]


def test_unknown_ref_is_a_usage_error(git_repo):
    result = git_repo.gazette("check", "--changed-since", "nope")
    assert result.exit_code == 2
    assert "--changed-since nope:" in result.output


def test_changed_since_outside_git_is_a_usage_error(repo):
    result = repo.gazette("check", "--changed-since", "HEAD")
    assert result.exit_code == 2


def test_a_misnamed_post_fails_the_pull_request_check(git_repo):
    """review.yml checks --changed-since: a post saved as .MD must fail there, not only
    later on main, where it would never be published."""
    git_repo.write("content/posts/2026/Nouveau-Billet.MD", "---\ntitle: Oublié\n---\n\nTexte.\n")
    git_repo.commit_all("add")
    result, data = report(git_repo, "--changed-since", "HEAD~1")
    assert [(p["path"], p["code"]) for p in data["problems"]] == [
        ("content/posts/2026/Nouveau-Billet.MD", "file/extension")]
    assert result.exit_code == 1
    for selection in ("content/posts/2026/Nouveau-Billet.MD", "content/posts/"):
        result, data = report(git_repo, str(git_repo.root / selection))
        assert [p["code"] for p in data["problems"]] == ["file/extension"], selection


def _planned(repo, *args):
    result = repo.gazette("check", "--format", "json", *args, now="2026-10-01T00:00:00+02:00")
    return json.loads(result.output)


def _post_at(repo, slug, at, body="Texte.\n"):
    front = f"title: {slug}\ndate: {at}\nstatus: approved\nchannels:\n  mastodon: {{text: Salut, at: {at}}}\n"
    return repo.post(slug, front=front, body=body)


def test_a_changed_file_moved_into_an_unchanged_neighbours_slot_conflicts(git_repo):
    """The neighbour is found by its date and read, not reported; an item that only
    mentions the day in its text, or lives in another year, changes nothing."""
    moved = _post_at(git_repo, "deplace", "2026-10-13T12:30:00+02:00")
    _post_at(git_repo, "voisin", "2026-10-06T12:30:00+02:00")
    _post_at(git_repo, "mentionne", "2026-10-20T12:30:00+02:00", body="Rendez-vous le 2026-10-06.\n")
    git_repo.commit_all("plan")
    data = _planned(git_repo, "--changed-since", "HEAD")
    assert data["problems"] == [] and data["items_checked"] == 0
    _post_at(git_repo, "deplace", "2026-10-06T12:30:00+02:00")  # now in voisin's slot
    data = _planned(git_repo, "--changed-since", "HEAD")
    assert [(p["path"], p["code"]) for p in data["problems"]] == [(moved, "calendar/conflict")]
    assert data["items_checked"] == 1
    git_repo.commit_all("move")
    data = _planned(git_repo, "--changed-since", "HEAD~1")  # committed: the same answer
    assert [(p["path"], p["code"]) for p in data["problems"]] == [(moved, "calendar/conflict")]
    _post_at(git_repo, "voisin", "2026-10-13T12:30:00+02:00")  # the neighbour leaves for a free slot
    data = _planned(git_repo, "--changed-since", "HEAD")
    assert data["problems"] == [] and data["items_checked"] == 1


def test_a_new_untracked_item_in_a_changed_items_slot_conflicts_with_it(git_repo):
    """Untracked files are changed files: both sides of the conflict are reported."""
    moved = _post_at(git_repo, "deplace", "2026-10-13T12:30:00+02:00")
    git_repo.commit_all("plan")
    _post_at(git_repo, "deplace", "2026-10-06T12:30:00+02:00")
    _post_at(git_repo, "nouveau", "2026-10-06T12:30:00+02:00")  # untracked, in the same slot: changed too
    data = _planned(git_repo, "--changed-since", "HEAD")
    assert sorted((p["path"], p["code"]) for p in data["problems"]) == [
        (moved, "calendar/conflict"), ("content/posts/2026/nouveau.md", "calendar/conflict")]


def test_files_mentioning_with_known_untracked_files_matches_git_grep_untracked(git_repo):
    """The Python search of untracked files gives what git grep --untracked gives, on
    awkward files: links, words glued to letters or to non-ASCII, sub-folders, other
    folders, ignored files, needles that are prefixes of each other."""
    import os

    from gazette.changes import files_mentioning

    root = git_repo.root
    git_repo.post("suivi", body="le 2026-10-06 ici\n")
    git_repo.commit_all("tracked")
    git_repo.write(".gitignore", "ignore*.md\n")
    files = {
        "content/posts/2026/mot.md": "x 2026-10-06 y\n",
        "content/posts/2026/colle.md": "x_2026-10-06 y\n",
        "content/posts/2026/accent.md": "é2026-10-06é\n",
        "content/posts/2026/chiffre.md": "2026-10-066\n",
        "content/posts/2026/prefixe.md": "automne\n",
        "content/posts/2026/sous/dossier.md": "2026-10-06\n",
        "content/pages/2026/autre.md": "2026-10-06\n",
        "content/posts/2025/annee.md": "2026-10-06\n",
        "content/posts/2026/ignore-moi.md": "2026-10-06\n",
        "content/posts/2026/vide.md": "",
        "content/posts/2026/binaire.md": "\0\x01 2026-10-06 \xff",
        "calendar/x.md": "2026-10-06 automne-2026\n",
    }
    for relpath, text in files.items():
        git_repo.write(relpath, text)
    (root / "content/posts/2026/lien.md").symlink_to(root / "content/posts/2026/mot.md")
    os.mkfifo(root / "content/posts/2026/fifo.md")
    untracked = set(git_repo.git("ls-files", "--others", "--exclude-standard", "-z", "--", "content",
                                 "calendar").split("\0")) - {""}
    assert "content/posts/2026/lien.md" in untracked and "content/posts/2026/ignore-moi.md" not in untracked
    cases = [({"2026-10-06"}, False, ()), ({"2026-10-06"}, True, ()),
             ({"2026-10-06", "2026-10-0"}, True, ()), ({"automne", "automne-2026"}, True, ()),
             ({"2026-10-06"}, False, (":(glob)content/*/2026/**",)),
             ({"2026-10-06"}, True, (":(glob)content/*/2026/**", ":(glob)content/*/2025/**"))]
    for needles, whole_words, pathspecs in cases:
        old = files_mentioning(root, needles, whole_words=whole_words, pathspecs=pathspecs)
        new = files_mentioning(root, needles, whole_words=whole_words, pathspecs=pathspecs, untracked=untracked)
        assert new == old, (needles, whole_words, pathspecs)
    assert "content/posts/2026/sous/dossier.md" in old and "content/posts/2026/colle.md" not in old


def test_neighbours_are_searched_early_on_the_written_days_and_again_when_a_slot_is_not_written(git_repo):
    """The search for neighbours starts on the dates written in the changed file; a slot
    written another way (2026-10-6) is searched again, and a day that is no slot (a
    receipt's, the item's own date) brings no neighbour."""
    _post_at(git_repo, "voisin", "2026-10-06T12:30:00+02:00")
    _post_at(git_repo, "autre-jour", "2026-10-13T12:30:00+02:00")
    changed = git_repo.post("change", front="title: change\ndate: 2026-10-13T09:00:00+02:00\nstatus: approved\n"
                                             "channels:\n  mastodon: {text: Salut, at: 2026-10-20T12:30:00+02:00}\n")
    git_repo.commit_all("plan")
    for at in ("2026-10-06T12:30:00+02:00", "2026-10-6 12:30:00+02:00"):
        git_repo.post("change", front=f"title: change\ndate: 2026-10-13T09:00:00+02:00\nstatus: approved\n"
                                      f"channels:\n  mastodon: {{text: Salut, at: {at}}}\n")
        data = _planned(git_repo, "--changed-since", "HEAD")
        assert [(p["path"], p["code"]) for p in data["problems"]] == [(changed, "calendar/conflict")], at
        assert "voisin" in data["problems"][0]["message"] and "autre-jour" not in data["problems"][0]["message"]


def test_the_early_search_finds_the_neighbours_the_exact_search_finds(git_repo, monkeypatch):
    """Guessed days (a superset) narrowed to the real ones give the same neighbours' slots
    as searching the real days only."""
    import gazette.check as checking
    from gazette.check import run_check
    from gazette.clock import parse_moment

    for day in ("06", "13", "20"):
        _post_at(git_repo, f"voisin-{day}", f"2026-10-{day}T12:30:00+02:00")
        _post_at(git_repo, f"texte-{day}", f"2026-11-{day}T12:30:00+02:00", body=f"Le 2026-10-{day}.\n")
    git_repo.write("content/posts/2025/ancien.md", "---\ntitle: a\ndate: 2025-10-06T12:30:00+02:00\n---\n\n2026-10-06\n")
    git_repo.commit_all("plan")
    git_repo.post("change", front="title: change\ndate: 2026-10-13T09:00:00+02:00\nstatus: approved\n"
                                  "published:\n  site: {at: 2026-10-20T09:00:00+02:00}\n"
                                  "channels:\n  mastodon: {text: Salut, at: 2026-10-06T12:30:00+02:00}\n")
    import gazette.load as loading

    real_each_file, slotted = loading.each_file, []

    def spy(root, paths, *args, **kwargs):  # the last call reads the neighbours: which had slots?
        slotted.append([])
        for path, text, result in real_each_file(root, paths, *args, **kwargs):
            if isinstance(result, list) and result:
                slotted[-1].append(path)
            yield path, text, result

    now = parse_moment("2026-10-01T00:00:00+02:00", None)
    early = run_check(git_repo.root, now, changed_since="HEAD").problems
    monkeypatch.setattr(loading, "each_file", spy)
    run_check(git_repo.root, now, changed_since="HEAD")
    monkeypatch.setattr(checking, "guessed_days", lambda root, only: set())
    run_check(git_repo.root, now, changed_since="HEAD")
    monkeypatch.undo()
    monkeypatch.setattr(checking, "guessed_days", lambda root, only: set())
    exact = run_check(git_repo.root, now, changed_since="HEAD").problems
    assert early == exact and [p.code for p in early] == ["calendar/conflict"]
    # texte-06 mentions the day in its text: read, but its own slot is another day's
    assert len(slotted) == 4 and slotted[1] == slotted[3] == ["content/posts/2026/voisin-06.md"]


def test_a_bad_now_after_git_started_is_a_usage_error(git_repo):
    """git's reads start before --now is read: a bad --now stops them and says why."""
    result = git_repo.gazette("check", "--changed-since", "HEAD", now="garbage")
    assert result.exit_code == 2 and "--now: 'garbage'" in result.output


def test_a_large_selection_searches_its_neighbours_once_its_slots_are_known(git_repo, monkeypatch):
    """Past GUESS_FOR selected files nothing is read twice: the same conflict, found late."""
    import gazette.check as checking

    moved = _post_at(git_repo, "deplace", "2026-10-13T12:30:00+02:00")
    _post_at(git_repo, "voisin", "2026-10-06T12:30:00+02:00")
    git_repo.commit_all("plan")
    _post_at(git_repo, "deplace", "2026-10-06T12:30:00+02:00")
    monkeypatch.setattr(checking, "GUESS_FOR", 0)
    monkeypatch.setattr(checking, "guessed_days", lambda root, only: pytest.fail("read twice"))
    data = _planned(git_repo, "--changed-since", "HEAD")
    assert [(p["path"], p["code"]) for p in data["problems"]] == [(moved, "calendar/conflict")]


def _conflicts(repo, *args):
    return sorted((p["path"], p["code"]) for p in _planned(repo, *args)["problems"] if p["code"] == "calendar/conflict")


@pytest.mark.parametrize("neighbour, new", [
    # the same instant written with other offsets: 2026-12-04 in UTC, 2026-12-05 in Paris
    (("2026", "2026-11-20T10:00:00+01:00", "2026-12-04T23:30:00Z"), ("2026", "2026-12-05T00:30:00+01:00")),
    (("2026", "2026-11-20T10:00:00+01:00", "2026-12-05T00:30:00+01:00"), ("2026", "2026-12-04T23:30:00Z")),
    # a slot in the next year, held by an item of the year before
    (("2026", "2026-12-20T10:00:00+01:00", "2027-01-02T10:00:00+01:00"), ("2027", "2027-01-02T10:00:00+01:00")),
    # the day written without its zeros, or in ISO basic and week forms (quoted: Python reads them)
    (("2026", "2026-11-20T10:00:00+01:00", "2026-12-5 10:00:00+01:00"), ("2026", "2026-12-05T10:00:00+01:00")),
    (("2026", "2026-11-20T10:00:00+01:00", "'20261205T100000+0100'"), ("2026", "2026-12-05T10:00:00+01:00")),
    (("2026", "2026-11-20T10:00:00+01:00", "'2026-W49-6T10:00:00+01:00'"), ("2026", "2026-12-05T10:00:00+01:00")),
], ids=["utc-neighbour", "utc-new", "other-year", "short-date", "basic-form", "week-form"])
def test_a_slot_conflict_with_an_unchanged_neighbour_written_another_way_is_found(git_repo, neighbour, new):
    """However the neighbour writes the instant, and in whichever year folder it lives,
    --changed-since reports the new item's conflict as the full check does."""
    year, date, at = neighbour
    git_repo.post("voisin", year=int(year), front=f"title: voisin\ndate: {date}\nstatus: approved\n"
                                                  f"channels:\n  mastodon: {{text: Salut, at: {at}}}\n")
    git_repo.commit_all("plan")
    year, at = new
    added = git_repo.post("nouveau", year=int(year), front=f"title: nouveau\ndate: {at}\nstatus: approved\n"
                                                         f"channels:\n  mastodon: {{text: Salut, at: {at}}}\n")
    full = _conflicts(git_repo)
    assert (added, "calendar/conflict") in full, full  # the shape is a conflict at all
    assert _conflicts(git_repo, "--changed-since", "HEAD") == [(added, "calendar/conflict")]
    git_repo.commit_all("add")
    assert _conflicts(git_repo, "--changed-since", "HEAD~1") == [(added, "calendar/conflict")]


def test_every_spelling_of_an_instant_is_matched_by_the_pattern_of_its_slot_days():
    """Whatever offset and spelling front matter uses for an instant, the search pattern
    built from the instant (as another item writes it) matches the text."""
    import random
    import re
    from datetime import timedelta, timezone

    from gazette.changes import day_pattern, slot_days
    from gazette.model import Moment
    from gazette.yamlsafe import parse

    class Context:
        tz = timezone(timedelta(hours=1))

        def report(self, *args, **kwargs):
            pass

    draw = random.Random(7)
    for _case in range(300):
        base = (datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=draw.randrange(800 * 24 * 60)))
        base = base.replace(minute=base.minute // 15 * 15)
        offsets = [timedelta(minutes=m) for m in (-23 * 60 - 59, -600, -30, 0, 60, 330, 14 * 60, 23 * 60 + 59)]
        zone = timezone(draw.choice(offsets))
        local = base.astimezone(zone)
        year, week, weekday = local.isocalendar()
        sign = "+" if local.utcoffset() >= timedelta(0) else "-"
        offset = abs(local.utcoffset())
        hhmm = f"{offset.seconds // 3600:02d}:{offset.seconds % 3600 // 60:02d}"
        clock = f"{local:%H:%M:%S}{sign}{hhmm}"
        texts = [f"{local:%Y-%m-%d}T{clock}", f"{local.year}-{local.month}-{local.day} {clock}",
                 f"'{local:%Y%m%d}T{local:%H%M%S}{sign}{hhmm.replace(':', '')}'",
                 f"'{year}-W{week:02d}-{weekday}T{clock}'", f"'{year}W{week:02d}{weekday}T{clock}'",
                 f"{base:%Y-%m-%dT%H:%M:%S}Z", f"{local:%Y-%m-%dT%H:%M:%S}"]  # the last naive: read at +01:00
        for text in texts:
            value = parse(f"at: {text}\n")[0]["at"]
            moment = Moment().check(value, ("at",), Context())
            assert moment is not None, text
            instant = base if text != texts[-1] else moment
            assert re.search(day_pattern(slot_days([instant])), text), (text, instant)


def test_the_day_search_gives_the_same_files_with_pcre_with_ere_and_without_git(git_repo, monkeypatch):
    """git grep -P (fast), -E (a git without PCRE) and the Python scan (no git) find the
    same files: tracked, untracked, in any kind folder and year, never pages or links."""
    from datetime import date

    from gazette.changes import PendingDays

    root = git_repo.root
    git_repo.write("content/posts/2025/suivi.md", "---\nat: 2026-12-5 10:00\n---\n")
    git_repo.write("content/newsletters/2027/lettre.md", "x 20261205T1000 y\n")
    git_repo.commit_all("tracked")
    files = {"content/posts/2026/semaine.md": "2026-W49-6\n", "content/contests/2026/autre.md": "2026-12-07\n",
             "content/posts/2026/veille.md": "2026-12-04T23:00:00Z\n", "content/pages/page.md": "2026-12-05\n",
             "content/posts/2026/sous/dossier.md": "2026-12-05\n", "calendar/x.md": "2026-12-05\n"}
    for relpath, text in files.items():
        git_repo.write(relpath, text)
    (root / "content/posts/2026/lien.md").symlink_to(root / "content/posts/2026/veille.md")
    untracked = set(git_repo.git("ls-files", "--others", "--exclude-standard", "-z", "--", "content",
                                 "calendar").split("\0")) - {""}
    days = {date(2026, 12, 5)}
    expected = {"content/posts/2025/suivi.md", "content/newsletters/2027/lettre.md",
                "content/posts/2026/semaine.md", "content/posts/2026/sous/dossier.md"}
    assert PendingDays(root, days, untracked).result() == expected
    assert PendingDays(root, days).result() == expected
    real_grep = PendingDays._grep
    monkeypatch.setattr(PendingDays, "_grep", lambda self, engine: real_grep(self, "-E"))
    assert PendingDays(root, days, untracked).result() == expected
    monkeypatch.setattr(PendingDays, "_grep", lambda self, engine: None)
    assert PendingDays(root, days).result() == expected


@pytest.mark.parametrize("ref", ["HEAD~1..HEAD", "HEAD..HEAD", "HEAD...HEAD", "^HEAD~1", "HEAD^!", "HEAD^@", "HEAD^-1"])
def test_a_range_is_refused_with_a_usage_error_naming_one_commit(git_repo, ref):
    """git diff A..B compares two commits and leaves out the working tree: a range would
    pass a broken uncommitted file silently."""
    git_repo.post("un")
    git_repo.commit_all("one")
    git_repo.post("casse", front="title: A\n")  # broken, not committed
    result = git_repo.gazette("check", "--changed-since", ref)
    assert result.exit_code == 2, result.output
    assert f"--changed-since {ref}:" in result.output and "give one commit (e.g. origin/main)" in result.output
    for single in ("HEAD~1", "HEAD^", "HEAD^1", "HEAD@{0}"):
        assert git_repo.gazette("check", "--changed-since", single).exit_code == 1, single


@pytest.fixture
def git_sample(sample):
    sample.git("init", "-q", "-b", "main")
    sample.commit_all("start")
    return sample


def _found(repo, *args):
    return {(p["path"], p["line"], p["code"]) for p in _planned(repo, *args)["problems"]}


def _new_in_full_check(repo, change):
    """What the full check reports after ``change`` and not before (the shape is a finding at all)."""
    before = _found(repo)
    change()
    return _found(repo) - before


@pytest.mark.parametrize("shape", ["deleted-person", "untracked-person", "campaign-window", "freeze", "slots",
                                   "untracked-metrics"])
def test_a_change_to_the_frame_or_the_registry_reports_what_the_full_check_reports(git_sample, shape):
    """calendar/ and community/ are what items, places and actions refer to: whatever a
    change there breaks is reported by --changed-since as by the full check. A new file
    anywhere the full check reads (community/, metrics/) is a change too."""
    root = git_sample.root

    def change():
        if shape == "deleted-person":
            (root / "community/people/claire-dubois.yml").unlink()
        elif shape == "untracked-person":
            git_sample.write("community/people/zz-new.yml",
                             'name: "Zoé Nouvelle"\nkind: blogger\n# joindre au 06 12 34 56 78\n# ou zoe.nouvelle@gmail.com\n'
                             'handles:\n  mastodon: "@claire@velo-du-dimanche.example.org"\n  instagram: "@velodudimanche"\n')
        elif shape == "campaign-window":
            path = root / "calendar/campaigns/noel-2026.yml"
            path.write_text(path.read_text().replace("to: 2026-12-24T18:00:00+01:00", "to: 2026-11-21T18:00:00+01:00"))
        elif shape == "untracked-metrics":
            git_sample.write("metrics/mastodon.csv", "")
        elif shape == "freeze":
            git_sample.write("calendar/freezes/greve.yml", "reason: grève\nfrom: 2026-11-01T00:00:00+01:00\n"
                                                           "until: 2027-03-01T00:00:00+01:00\n")
        else:
            path = root / "calendar/channels.yml"
            path.write_text(path.read_text().replace('slots: ["Tue 12:30", "Thu 18:00", "Sat 10:00"]', 'slots: ["Sun 03:17"]'))

    new = _new_in_full_check(git_sample, change)
    codes = sorted(code for _path, _line, code in new)
    expected = {"deleted-person": ["relation/unknown-person"] * 2, "campaign-window": ["calendar/campaign-window"] * 3,
                "untracked-person": ["netiquette/personal-data"] * 2 + ["relation/duplicate-person"] * 4,
                "untracked-metrics": ["metrics/header"]}
    if shape in expected:
        assert codes == expected[shape], new
    else:
        assert len(new) >= 2, new  # several files broken at once
    assert new <= _found(git_sample, "--changed-since", "HEAD"), new - _found(git_sample, "--changed-since", "HEAD")


def _slot_conflicts(repo, *args):
    data = _planned(repo, *args)
    return sorted((p["path"], p["code"]) for p in data["problems"] if p["code"] == "calendar/conflict")


def test_a_neighbour_stored_through_a_clean_filter_still_conflicts(git_repo):
    """git-crypt, LFS or any filter driver: git diff compares after the clean filter, so REF's
    blob (ciphertext) is not the disk's text; the neighbours are then searched on disk, and
    the changed-since check finds the conflict the full check finds, cold and warm."""
    git_repo.write(".gitattributes", "content/posts/2027/** filter=crypt\n")
    git_repo.git("config", "filter.crypt.clean", "base64")
    git_repo.git("config", "filter.crypt.smudge", "base64 -d")
    _post_at(git_repo, "ici", "2026-10-06T12:30:00+02:00")
    crypted = git_repo.post("chiffre", year=2027, front="title: chiffre\ndate: 2027-01-01T10:00:00+01:00\n"
                            "status: approved\nchannels:\n  mastodon: {text: Salut, at: 2026-10-06T12:30:00+02:00}\n")
    git_repo.commit_all("plan")
    assert "2026" not in git_repo.git("show", f"HEAD:{crypted}")  # stored as base64
    edited = _post_at(git_repo, "ici", "2026-10-06T12:30:00+02:00", body="Texte revu.\n")
    full = _slot_conflicts(git_repo)
    assert (edited, "calendar/conflict") in full
    for _run in ("cold", "warm"):
        assert _slot_conflicts(git_repo, "--changed-since", "HEAD") == [(edited, "calendar/conflict")]


def test_a_usage_error_after_git_started_leaves_no_git_running(git_repo):
    """A bad PATH is found once git's reads have started: they are ended, not left to run
    (Python's development mode warns of a child still running or a pipe left open)."""
    import subprocess
    import sys

    _post_at(git_repo, "ici", "2026-10-06T12:30:00+02:00")
    result = subprocess.run([sys.executable, "-X", "dev", "-m", "gazette", "check", "--changed-since", "HEAD",
                             "/nonexistent", "--repo", str(git_repo.root)], capture_output=True, text=True)
    assert result.returncode == 2 and "/nonexistent" in result.stderr
    assert "ResourceWarning" not in result.stderr, result.stderr


@pytest.mark.parametrize("neighbour", ["content/posts/2026/ignore.md", "content/posts/.drafts/brouillon.md",
                                       "content/posts/2026/.old/ancien.md"])
def test_the_neighbours_are_the_files_a_full_check_reads(git_repo, neighbour):
    """An ignored item is read by a full check (its slot conflicts); a file under a dot
    folder is not (no stale conflict): --changed-since finds what the full check finds."""
    git_repo.write(".gitignore", "ignore.md\n")
    front = "title: voisin\ndate: 2026-10-06T12:30:00+02:00\nstatus: approved\nchannels:\n  mastodon: {text: Salut, at: 2026-10-06T12:30:00+02:00}\n"
    git_repo.write(neighbour, f"---\n{front}---\n\nTexte.\n")
    moved = _post_at(git_repo, "deplace", "2026-10-13T12:30:00+02:00")
    git_repo.commit_all("plan")
    _post_at(git_repo, "deplace", "2026-10-06T12:30:00+02:00")  # now in the neighbour's slot, if it has one
    full = _slot_conflicts(git_repo)
    expected = [(moved, "calendar/conflict")] if (moved, "calendar/conflict") in full else []
    assert expected == ([(moved, "calendar/conflict")] if "ignore" in neighbour else [])
    for _run in ("cold", "warm"):
        assert _slot_conflicts(git_repo, "--changed-since", "HEAD") == expected
    assert _slot_conflicts(git_repo, "--changed-since", "HEAD", "--no-cache") == expected


def test_a_file_name_that_is_not_utf8_is_a_problem_in_both_checks_never_a_traceback(git_repo):
    """caf\\xe9.md: no report, page or link can write its name (a strict UTF-8 output crashed
    with UnicodeEncodeError). Both checks say file/unsafe-name (shown with U+FFFD) and load
    it no more than the site would: it is no neighbour, and its slot is nobody's conflict."""
    import os

    front = "title: cafe\ndate: 2026-10-06T12:30:00+02:00\nstatus: approved\nchannels:\n  mastodon: {text: Salut, at: 2026-10-06T12:30:00+02:00}\n"
    odd = os.path.join(os.fsencode(git_repo.root), b"content/posts/2026/caf\xe9.md")
    os.makedirs(os.path.dirname(odd), exist_ok=True)
    with open(odd, "w", encoding="utf-8") as handle:
        handle.write(f"---\n{front}---\n\nTexte.\n")
    _post_at(git_repo, "deplace", "2026-10-13T12:30:00+02:00")
    git_repo.commit_all("plan")
    _post_at(git_repo, "deplace", "2026-10-06T12:30:00+02:00")
    shown = "content/posts/2026/caf\ufffd.md"
    full = _planned(git_repo)
    assert [(p["path"], p["code"]) for p in full["problems"] if p["path"].startswith("content/posts/2026/caf")] == [
        (shown, "file/unsafe-name")]
    assert _slot_conflicts(git_repo) == []
    for args in ((), (), ("--no-cache",)):
        assert _slot_conflicts(git_repo, "--changed-since", "HEAD", *args) == []
    with open(odd, "a", encoding="utf-8") as handle:
        handle.write("Encore.\n")
    data = _planned(git_repo, "--changed-since", "HEAD")
    assert [(p["path"], p["code"]) for p in data["problems"]] == [(shown, "file/unsafe-name")]
