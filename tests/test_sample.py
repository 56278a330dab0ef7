"""The bundled French sample community is the demo, the fixture and the docs: keep it clean."""

from __future__ import annotations

import json

from gazette.load import load_repo
from gazette.visibility import is_public
from gazette.clock import parse_moment


def test_sample_passes_check_clean(sample):
    result = sample.gazette("check")
    assert result.output == "14 items, 0 errors, 0 warnings\n"
    assert result.exit_code == 0


def test_sample_has_every_kind_and_status_the_docs_promise(sample):
    items = load_repo(sample.root, cache=False).items
    kinds = {k: sum(1 for i in items if i.kind == k) for k in ("post", "newsletter", "contest")}
    assert kinds == {"post": 9, "newsletter": 3, "contest": 2}
    assert {i.status for i in items} >= {"published", "approved", "review", "draft"}
    roles = {c.get("role") for c in load_repo(sample.root).frame.channels.values()}
    assert roles >= {"corporate", "pro", "community", "merchant"}


def test_visibility_follows_status_and_date(sample):
    items = {i.slug: i for i in load_repo(sample.root, cache=False).items}
    before = parse_moment("2026-11-23T12:00:00+01:00")
    after = parse_moment("2026-12-02T00:00:00+01:00")
    assert is_public(items["reparer-sa-chambre-a-air"], before)
    assert not is_public(items["portes-ouvertes-de-l-atelier"], before)  # approved, not yet due
    assert is_public(items["portes-ouvertes-de-l-atelier"], after)
    assert not is_public(items["idees-cadeaux-noel"], after)  # still in review
    assert not is_public(items["bonnes-resolutions-a-velo"], parse_moment("2027-06-01T00:00:00+02:00"))


def test_breaking_a_sample_file_points_at_the_line(sample):
    path = sample.root / "content/posts/2026/bien-eclaire-en-hiver.md"
    path.write_text(path.read_text().replace("campaign: hiver-a-velo", "campaign: hiver-a-vélo"))
    report = json.loads(sample.gazette("check", "--format", "json").output)
    assert [(p["path"], p["line"], p["code"], p["hint"]) for p in report["problems"]] == [
        ("content/posts/2026/bien-eclaire-en-hiver.md", 8, "ref/campaign", "did you mean 'hiver-a-velo'?"),
    ]
