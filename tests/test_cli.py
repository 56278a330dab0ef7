"""Each command's happy path and errors, through CliRunner, with exact output."""

from __future__ import annotations

import json

import pytest

from gazette.load import load_repo


def test_check_text_output_is_path_line_code_message_hint(repo):
    repo.post("ok")
    repo.post("typo", front="title: A\ndate: 2026-10-06T12:30:00+02:00\nstatut: draft\n")
    result = repo.gazette("check")
    assert result.output == (
        "content/posts/2026/typo.md:1: schema/no-status no status: this item stays a draft, never published "
        "(add status: approved (or draft: false) to publish it, or status: draft to keep it hidden)\n"
        "content/posts/2026/typo.md:4: schema/unknown-key unknown key 'statut' (did you mean 'status'?)\n"
        "2 items, 0 errors, 2 warnings\n"
    )
    assert result.exit_code == 0  # warnings alone pass


def test_check_github_annotations(repo):
    repo.post("sans-date", front="title: A\nstatus: draft\n")
    result = repo.gazette("check", "--format", "github")
    assert result.output.splitlines()[0] == (
        "::error file=content/posts/2026/sans-date.md,line=2,title=schema/required::"
        "'date' is required (add date: 2026-10-05T09:00:00+02:00)"
    )
    assert result.exit_code == 1


def test_check_json_shape(repo):
    repo.post("sans-date", front="title: A\nstatus: draft\n")
    report = json.loads(repo.gazette("check", "--format", "json").output)
    assert report == {
        "version": 1, "items_checked": 1, "errors": 1, "warnings": 0, "scope": "all",
        "problems": [{
            "path": "content/posts/2026/sans-date.md", "line": 2, "code": "schema/required",
            "severity": "error", "message": "'date' is required",
            "hint": "add date: 2026-10-05T09:00:00+02:00",
        }],
    }


def test_check_paths_limits_the_report(repo):
    repo.post("a-corriger", front="title: A\n")
    good = repo.post("correct")
    assert repo.gazette("check", str(repo.root / good)).output == "1 item, 0 errors, 0 warnings\n"
    assert repo.gazette("check", str(repo.root / "content/posts")).exit_code == 1


def test_severity_override_from_channels_file(repo):
    repo.write("calendar/channels.yml",
               "timezone: Europe/Paris\ngazette:\n  severity:\n    schema/unknown-key: error\n    a11y: off\n")
    repo.post("typo", front="title: A\ndate: 2026-10-06T12:30:00+02:00\nstatut: draft\n",
              body="![](x.svg)\n")
    repo.write("content/posts/2026/x.svg", "<svg/>")
    report = json.loads(repo.gazette("check", "--format", "json").output)
    assert [(p["code"], p["severity"]) for p in report["problems"]] == [("schema/no-status", "warning"), ("schema/unknown-key", "error")]


def test_bad_now_is_a_usage_error(repo):
    result = repo.gazette("check", now="vendredi")
    assert result.exit_code == 2
    assert "--now: 'vendredi' is not an ISO 8601 date-time" in result.output


def test_no_repository_is_a_usage_error(tmp_path):
    from click.testing import CliRunner

    from gazette.cli import cli

    result = CliRunner().invoke(cli, ["check", "--repo", str(tmp_path)])
    assert result.exit_code == 2
    assert "no Gazette repository" in result.output


def test_new_post_from_french_title_passes_check(repo):
    result = repo.gazette("new", "post", "Été à l'école", "--campaign", "automne-2026",
                          "--channel", "mastodon", "--author", "camille")
    assert result.output == "created content/posts/2026/ete-a-l-ecole.md\n"
    text = (repo.root / "content/posts/2026/ete-a-l-ecole.md").read_text()
    assert 'title: "Été à l\'école"' in text
    assert "date: 2026-11-24T12:30:00+01:00" in text  # mastodon's next free slot (Tue 12:30)
    assert "mastodon: {text: \"\", at: 2026-11-24T12:30:00+01:00}" in text
    assert repo.gazette("check").output == "1 item, 0 errors, 0 warnings\n"


def test_new_without_channel_is_dated_the_next_full_hour(repo):
    repo.gazette("new", "post", "Bonjour")
    assert "date: 2026-11-23T13:00:00+01:00" in (repo.root / "content/posts/2026/bonjour.md").read_text()


def test_new_skips_slots_already_taken(repo):
    repo.post("deja-la", front="title: A\ndate: 2026-11-24T12:30:00+01:00\nstatus: approved\n"
                               "channels:\n  mastodon: {text: a}\n")
    repo.gazette("new", "post", "Suivant", "--channel", "mastodon")
    assert "date: 2026-12-01T12:30:00+01:00" in (repo.root / "content/posts/2026/suivant.md").read_text()


def test_new_newsletter_and_contest_pass_check(repo):
    assert repo.gazette("new", "newsletter", "Lettre de décembre", "--date", "2027-01-05T09:00").exit_code == 0
    assert repo.gazette("new", "contest", "Grand jeu d'hiver").exit_code == 0
    assert (repo.root / "content/newsletters/2027/lettre-de-decembre.md").exists()
    contest = (repo.root / "content/contests/2026/grand-jeu-d-hiver.md").read_text()
    assert "participation est gratuite" in contest
    result = repo.gazette("check")
    # A draft contest: the template's placeholders are warnings until it goes to review.
    lines = result.output.splitlines()
    assert lines[-1].startswith("2 items, 0 errors, ") and result.exit_code == 0, result.output
    assert all("contest/placeholder" in line for line in lines[:-1]), result.output


def test_new_never_overwrites(repo):
    repo.gazette("new", "post", "Bonjour")
    path = repo.root / "content/posts/2026/bonjour.md"
    path.write_text(path.read_text() + "Mon texte.\n")
    result = repo.gazette("new", "post", "Bonjour")
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert path.read_text().endswith("Mon texte.\n")


def test_new_rejects_unknown_references_with_a_suggestion(repo):
    result = repo.gazette("new", "post", "Bonjour", "--channel", "mastodn")
    assert result.exit_code == 2
    assert "unknown channel 'mastodn' in calendar/channels.yml (did you mean 'mastodon'?)" in result.output
    assert not (repo.root / "content/posts").exists()


def test_new_uses_the_repository_template_first(repo):
    repo.write("templates/new/post.md.j2",
               "---\ntitle: {{ title | yaml }}\ndate: {{ date | iso }}\ntags: [maison]\n---\n")
    repo.gazette("new", "post", "Maison")
    assert "tags: [maison]" in (repo.root / "content/posts/2026/maison.md").read_text()


def test_list_orders_by_date_and_shows_visibility(repo):
    repo.post("passe", front="title: Passé\ndate: 2026-10-06T12:30:00+02:00\nstatus: published\n")
    repo.post("futur", front="title: Futur\ndate: 2026-12-01T12:30:00+01:00\nstatus: approved\n")
    repo.post("brouillon", front="title: Brouillon\ndate: 2026-11-01T12:30:00+01:00\nstatus: draft\n")
    assert repo.gazette("list").output.splitlines() == [
        "2026-10-06 12:30 +02:00  post  published  public  content/posts/2026/passe.md      Passé",
        "2026-11-01 12:30 +01:00  post  draft      hidden  content/posts/2026/brouillon.md  Brouillon",
        "2026-12-01 12:30 +01:00  post  approved   hidden  content/posts/2026/futur.md      Futur",
    ]
    future = json.loads(repo.gazette("list", "--future", "--format", "json").output)
    assert [i["slug"] for i in future["items"]] == ["futur"]
    later = json.loads(repo.gazette("list", "--format", "json", now="2026-12-02T00:00:00+01:00").output)
    assert [i["public"] for i in later["items"]] == [True, False, True]


def test_list_filters_by_kind_and_status(repo):
    repo.post("a")
    repo.post("b", front="title: B\ndate: 2026-10-06T12:30:00+02:00\nstatus: draft\n")
    assert [i["slug"] for i in json.loads(repo.gazette("list", "--status", "draft", "--format", "json")
                                          .output)["items"]] == ["b"]
    assert repo.gazette("list", "--kind", "contest").output == "no items\n"


def test_schema_describes_each_kind(repo):
    schemas = json.loads(repo.gazette("schema").output)
    assert set(schemas) == {"post", "newsletter", "contest"}
    assert schemas["post"]["required"] == ["title", "date"]
    assert "subject" in schemas["newsletter"]["required"]
    assert schemas["contest"]["properties"]["prizes"]["items"]["required"] == ["name", "quantity", "value"]
    assert schemas["post"]["properties"]["status"]["enum"][0] == "idea"


def test_schema_accepts_the_sample_front_matter(sample):
    """The printed schema and the validator agree on every sample item."""
    jsonschema = __import__("pytest").importorskip("jsonschema")
    schemas = json.loads(sample.gazette("schema").output)
    for item in load_repo(sample.root, cache=False).items:
        data = json.loads(json.dumps(item.meta, default=lambda d: d.isoformat()))
        jsonschema.validate(data, schemas[item.kind])


def test_schema_names_every_hand_written_file(sample):
    from gazette.cli.content import SCHEMA_NAMES
    from gazette.model import SCHEMA_FILES

    assert set(SCHEMA_NAMES) == set(SCHEMA_FILES)
    schemas = json.loads(sample.gazette("schema", "--kind", "all").output)
    assert set(schemas) == set(SCHEMA_FILES)
    assert schemas["place"]["title"] == "Gazette place file (community/places/*.yml)"
    assert "relevance" in schemas["place"]["properties"] and "stage" in schemas["person"]["properties"]
    assert schemas["action"]["properties"]["kind"]["enum"][0] == "partnership"


def test_schema_accepts_the_sample_calendar_and_registry(sample):
    """Each sample file of the calendar and the registry validates against the schema its
    glob gives it (the editor's view), and a typo is caught."""
    import fnmatch

    import yaml

    jsonschema = __import__("pytest").importorskip("jsonschema")
    schemas = json.loads(sample.gazette("schema", "--kind", "all").output)
    from gazette.model import SCHEMA_FILES

    checked = 0
    for path in sorted(sample.root.glob("c*/**/*.yml")) + [sample.root / "content/.authors.yml"]:
        relpath = path.relative_to(sample.root).as_posix()
        names = [n for n, glob in SCHEMA_FILES.items() if fnmatch.fnmatch(relpath, glob)]
        if not names:
            continue  # listening.yml has its own reader
        data = json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))
        jsonschema.validate(data, schemas[names[0]])
        checked += 1
    assert checked >= 8
    with __import__("pytest").raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "Forum", "kind": "forum", "url": "https://f.example", "relevence": 3},
                            schemas["place"])


def test_new_quotes_names_yaml_would_misread(repo):
    repo.write("content/.authors.yml", "authors:\n  'no': {name: Nora}\n")
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n  'on': {network: mastodon}\n")
    assert repo.gazette("new", "post", "Piège", "--author", "no", "--channel", "on").exit_code == 0
    text = (repo.root / "content/posts/2026/piege.md").read_text()
    assert 'authors: ["no"]' in text and '"on": {text: ""}' in text
    assert repo.gazette("check").exit_code == 0


def test_new_reports_a_broken_repository_template(repo):
    repo.write("templates/new/post.md.j2", "---\ntitle: {{ title | yaml }\n---\n")
    result = repo.gazette("new", "post", "Bonjour")
    assert result.exit_code == 2
    assert "post.md.j2:2:" in result.output


def test_python_dash_m_gazette_is_the_command():
    """The site plugin runs the check as `python -m gazette check` in a second process."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "gazette", "check", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and "--changed-since" in done.stdout


@pytest.mark.parametrize("command", [("newsletter", "preview", "lettre-novembre-2026"), ("calendar", "--format", "ics")])
def test_an_output_file_in_a_missing_folder_is_a_usage_error_not_a_traceback(sample, tmp_path, command):
    target = tmp_path / "nowhere" / "out.txt"
    result = sample.gazette(*command, "-o", str(target))
    assert result.exit_code == 2
    assert f"cannot write {target}: No such file or directory" in result.output and "Traceback" not in result.output
