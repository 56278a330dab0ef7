"""Every contest/* rule, on a contest whose règlement is complete until a test breaks one part."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = (ROOT / "content/contests/2026/jeu-de-noel-revision-offerte.md").read_text(encoding="utf-8")
REGLEMENT = SAMPLE[SAMPLE.index("## Règlement du jeu"):]
CHANNELS = """\
timezone: Europe/Paris
channels:
  site: {network: site}
  mastodon: {network: mastodon}
  facebook: {network: facebook}
  instagram: {network: instagram}
  linkedin: {network: linkedin}
"""
FRONT = """\
title: Jeu de Noël
date: 2026-11-20T09:00:00+01:00
status: review
opens: 2026-12-01T09:00:00+01:00
closes: 2026-12-15T23:59:00+01:00
draw: 2026-12-17T12:00:00+01:00
prizes:
  - {name: "Révision", quantity: 3, value: 89}
  - {name: "Bon d'achat", quantity: 5, value: 30}
eligibility: {min_age: 18, countries: [FR]}
organizer: "La Fabrique à Vélos, SCIC SARL, Lyon, RCS Lyon 000 000 000"
mechanism: "Tirage au sort parmi les réponses."
rules: inline
commitment: "sha256:c708759caba77b36afcb364181b13427617490c7cfefac1704cc3365622217af"
beacon: "drand quicknet, first round after closing"
"""
NOW = "2026-11-23T12:00:00+01:00"


def problems(repo, front=FRONT, body=REGLEMENT, now=NOW, path="content/contests/2026/jeu.md"):
    repo.write("calendar/channels.yml", CHANNELS)
    repo.write(path, f"---\n{front}---\n\nIntro.\n\n{body}")
    report = json.loads(repo.gazette("check", "--format", "json", now=now).output)
    return [(p["code"], p["severity"], p["message"]) for p in report["problems"] if p["code"].startswith(("contest/", "security/contest"))]


def codes(found):
    return sorted({code for code, _, _ in found})


def test_a_complete_contest_is_clean(repo):
    assert problems(repo) == []


def test_a_missing_mention_is_an_error_from_review_and_a_warning_before(repo):
    body = REGLEMENT.replace("Toute tentative de fraude", "Toute tentative de tromperie").replace(
        "Fraude et exclusion", "Exclusion")
    found = problems(repo, body=body)
    assert [(c, s) for c, s, _ in found] == [("contest/mention-missing", "error")]
    assert "fraude" in found[0][2]
    draft = problems(repo, front=FRONT.replace("status: review", "status: draft"), body=body)
    assert [(c, s) for c, s, _ in draft] == [("contest/mention-missing", "warning")]


def test_a_repository_adds_its_own_mention(repo):
    repo.write("calendar/contest_rules.yml",
               "mentions:\n  mediator:\n    label: {fr: \"le médiateur\"}\n    patterns: ['médiat']\n")
    found = problems(repo)
    assert [(c, m) for c, _, m in found] == [("contest/mention-missing", "the règlement does not state le médiateur")]


def test_the_reglement_agrees_with_the_front_matter(repo):
    front = FRONT.replace("draw: 2026-12-17T12", "draw: 2026-12-18T12").replace("value: 89", "value: 99") \
        .replace("min_age: 18", "min_age: 16").replace("[FR]", "[FR, BE]")
    messages = [m for c, _, m in problems(repo, front=front) if c == "contest/mismatch"]
    assert any("draw: 18 décembre 2026" in m for m in messages)
    assert any("99" in m for m in messages)
    assert any("min_age 16" in m for m in messages)
    assert any("country BE" in m for m in messages)
    assert len(messages) == 4
    quantity = problems(repo, front=FRONT.replace("quantity: 3", "quantity: 4"))
    assert [c for c, _, _ in quantity] == ["contest/mismatch"]


def test_placeholders_and_a_zero_prize(repo):
    body = REGLEMENT.replace("12 rue des Rayons", "À compléter")
    found = problems(repo, front=FRONT.replace("value: 30", "value: 0"), body=body)
    assert [c for c, _, _ in found if c == "contest/placeholder"] == ["contest/placeholder"] * 2


def test_rules_file_inside_the_repository(repo, tmp_path):
    repo.write("content/reglements/jeu.md", "---\ntitle: Règlement du jeu\n---\n\n" + REGLEMENT)
    front = FRONT.replace("rules: inline", "rules: ../../reglements/jeu.md")
    assert problems(repo, front=front, body="Voir le règlement.\n") == []
    report = json.loads(repo.gazette("check", "--format", "json", now=NOW).output)
    assert report["problems"] == []  # the règlement is a page of the site, published with it
    missing = problems(repo, front=FRONT.replace("rules: inline", "rules: ../../reglements/absent.md"), body="")
    assert codes(missing) == ["contest/rules-missing"]
    escaping = problems(repo, front=FRONT.replace("rules: inline", "rules: ../../../../etc/passwd"), body="")
    assert codes(escaping) == ["security/contest-rules-path"]
    (tmp_path / "outside.md").write_text(REGLEMENT, encoding="utf-8")
    os.symlink(tmp_path / "outside.md", repo.root / "content/reglements/lien.md")
    linked = problems(repo, front=FRONT.replace("rules: inline", "rules: ../../reglements/lien.md"), body="")
    assert "security/contest-rules-path" in codes(linked)


def test_rules_never_name_a_secret_or_an_item_file(repo):
    repo.write(".gazette/contests/jeu.seed", "ab" * 32 + "\n")
    repo.write("content/contests/2026/reglement-jeu.md", REGLEMENT)
    repo.write("content/.cache/jeu.md", REGLEMENT)
    for target in ("../../../.gazette/contests/jeu.seed", "../../.cache/jeu.md", "../../../calendar/channels.yml"):
        found = problems(repo, front=FRONT.replace("rules: inline", f"rules: {target}"), body="")
        assert codes(found) == ["security/contest-rules-path"], target
    beside = problems(repo, front=FRONT.replace("rules: inline", "rules: reglement-jeu.md"), body="")
    assert codes(beside) == ["contest/rules-place"]


def test_facebook_statements_and_mechanics(repo):
    front = FRONT + "channels:\n  facebook: {text: \"Partagez sur votre journal et identifiez vos amis pour participer !\"}\n"
    body = REGLEMENT.replace("Instagram, Meta ou Mastodon", "Mastodon").replace("qui ne sauraient être tenus responsables de son déroulement", "voilà")
    found = problems(repo, front=front, body=body)
    assert [c for c, _, _ in found].count("contest/platform-statement") == 2
    assert [c for c, _, _ in found].count("contest/platform-mechanic") == 2
    instagram = problems(repo, front=FRONT + "channels:\n  instagram: {text: \"Identifiez vos amis !\"}\n")
    assert instagram == []  # Instagram allows tagging; the sample's article 6 names Instagram


def test_linkedin_and_paid_participation_warn(repo):
    front = FRONT.replace("Tirage au sort parmi les réponses.", "Tirage au sort parmi les clients ayant effectué un achat.") \
        + "channels:\n  linkedin: {text: \"Jeu concours !\"}\n"
    assert sorted((c, s) for c, s, _ in problems(repo, front=front)) == [
        ("contest/paid", "warning"), ("contest/platform-linkedin", "warning")]


def test_winners_are_anonymized(repo):
    front = FRONT + 'winners: ["Léa M.", "Karim Benali", "@nadia@velo.example", "Participant·e 3f9a0c"]\n'
    found = [m for c, _, m in problems(repo, front=front, now="2026-12-18T12:00:00+01:00")
             if c == "contest/winner-personal"]
    assert len(found) == 2 and any("Karim Benali" in m for m in found) and any("@nadia" in m for m in found)


def test_handles_and_e_mails_are_not_anonymized_names(repo):
    front = FRONT + 'winners: [lea.martin@example.org, lea_martin_1990, "Jean-Luc D.", "Zoë"]\n'
    found = [m for c, _, m in problems(repo, front=front, now="2026-12-18T12:00:00+01:00")
             if c == "contest/winner-personal"]
    assert len(found) == 2 and any("lea.martin@" in m for m in found) and any("lea_martin_1990" in m for m in found)


def test_beacon_none_warns(repo):
    found = problems(repo, front=FRONT.replace('beacon: "drand quicknet, first round after closing"', "beacon: none"))
    assert [(c, s) for c, s, _ in found] == [("contest/beacon-none", "warning")]


def test_a_commitment_is_due_before_opening(repo):
    front = FRONT.replace('commitment: "sha256:c708759caba77b36afcb364181b13427617490c7cfefac1704cc3365622217af"\n', "")
    assert codes(problems(repo, front=front)) == ["contest/commitment-missing"]
    assert problems(repo, front=front.replace("status: review", "status: draft")) == []
    assert problems(repo, front=front, now="2026-12-16T12:00:00+01:00") == []  # closed: exempt


def test_overdue_draw_and_retention(repo):
    late = problems(repo, now="2026-12-18T12:00:00+01:00")
    assert [(c, m) for c, _, m in late] == [("contest/overdue", "the draw date has passed and there is no draw")]
    front = FRONT + "retention: 30\nentries: {count: 3, eligible: 2}\n" \
        "draw_proof: {seed: x, at: 2026-12-17 12:00:00+01:00}\nwinners: [\"Léa M.\"]\n"
    assert codes(problems(repo, front=front, now="2027-01-20T12:00:00+01:00")) == ["contest/retention"]
    assert problems(repo, front=front + "purged: 2027-01-16 10:00:00+01:00\n", now="2027-01-20T12:00:00+01:00") == []


def test_new_contest_writes_a_complete_reglement_from_the_answers(repo):
    repo.write("calendar/channels.yml", CHANNELS)
    result = repo.gazette("new", "contest", "Jeu de printemps", "--organizer",
                          "La Fabrique, SCIC SARL, 12 rue des Rayons, 69007 Lyon, RCS Lyon 000 000 000",
                          "--opens", "2027-03-01T09:00", "--closes", "2027-03-15T23:59",
                          "--prize", "Révision complète:2:89", "--prize", "Bon d'achat:3:30", now=NOW)
    assert result.exit_code == 0, result.output
    path = repo.root / "content/contests/2026/jeu-de-printemps.md"
    text = path.read_text(encoding="utf-8")
    assert "du 1er mars 2027 à 9 h 00 au 15 mars 2027 à 23 h 59" in " ".join(text.split())
    assert "- Deux × Révision complète, d'une valeur unitaire de 89 euros TTC." in text
    report = json.loads(repo.gazette("check", "--format", "json", now=NOW).output)
    found = [(p["code"], p["severity"]) for p in report["problems"]]
    assert found == [("contest/placeholder", "warning")]  # only how to take part is left to write
    path.write_text(text.replace("status: draft", "status: review"), encoding="utf-8")
    report = json.loads(repo.gazette("check", "--format", "json", now=NOW).output)
    assert sorted(p["code"] for p in report["problems"]) == ["contest/commitment-missing", "contest/placeholder"]
    assert all(p["severity"] == "error" for p in report["problems"])
    bad = repo.gazette("new", "contest", "Autre", "--prize", "Vélo", now=NOW)
    assert bad.exit_code == 2 and "NAME:QUANTITY:VALUE" in bad.output


def test_the_samples_own_template_names_its_organizer(sample):
    assert sample.gazette("new", "contest", "Jeu d'été", "--date", "2027-06-01T09:00").exit_code == 0
    text = (sample.root / "content/contests/2027/jeu-d-ete.md").read_text(encoding="utf-8")
    assert "La Fabrique à Vélos, société coopérative" in text


def test_a_warm_check_judges_the_clock_afresh_and_sees_edits(repo):
    front = FRONT.replace('commitment: "sha256:c708759caba77b36afcb364181b13427617490c7cfefac1704cc3365622217af"\n', "")
    assert codes(problems(repo, front=front)) == ["contest/commitment-missing"]
    report = json.loads(repo.gazette("check", "--format", "json", now="2026-12-16T12:00:00+01:00").output)
    assert [p["code"] for p in report["problems"]] == []  # same cache, later clock: closed, exempt
    path = repo.root / "content/contests/2026/jeu.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Toute tentative de fraude", "Toute tentative"),
                    encoding="utf-8")
    report = json.loads(repo.gazette("check", "--format", "json", now="2026-12-16T12:00:00+01:00").output)
    assert [p["code"] for p in report["problems"]] == []  # "Fraude et exclusion" heading still there
    path.write_text(path.read_text(encoding="utf-8").replace("Fraude et exclusion", "Exclusion"), encoding="utf-8")
    report = json.loads(repo.gazette("check", "--format", "json", now="2026-12-16T12:00:00+01:00").output)
    assert [p["code"] for p in report["problems"]] == ["contest/mention-missing"]
    repo.write("calendar/contest_rules.yml", "mentions:\n  mediator:\n    patterns: ['médiat']\n")
    report = json.loads(repo.gazette("check", "--format", "json", now="2026-12-16T12:00:00+01:00").output)
    assert [p["code"] for p in report["problems"]] == ["contest/mention-missing"] * 2  # the extension counts


@pytest.mark.slow
def test_a_reglement_page_is_checked_and_published(sample):
    from test_site import build

    path = sample.root / "content/contests/2026/jeu-de-noel-revision-offerte.md"
    text = path.read_text(encoding="utf-8")
    intro, reglement_text = text.split("## Règlement du jeu", 1)
    sample.write("content/reglements/jeu-de-noel.md", "---\ntitle: Règlement du jeu de Noël\n---\n\n# Règlement du jeu"
                 + reglement_text)
    path.write_text(intro.replace("rules: inline", "rules: ../../reglements/jeu-de-noel.md")
                    + "[Lire le règlement](../../reglements/jeu-de-noel.md)\n", encoding="utf-8")
    now = "2026-12-02T10:00:00+01:00"  # open: the contest page is on the site
    report = json.loads(sample.gazette("check", "--format", "json", now=now).output)
    assert [p for p in report["problems"] if p["severity"] == "error"] == []
    mentions = [p for p in report["problems"] if p["code"].startswith("contest/")]
    assert mentions == []  # the règlement was found and read in the page
    path.write_text(path.read_text(encoding="utf-8").replace("rules: ../../reglements/jeu-de-noel.md",
                                                             "rules: ../../reglements/absent.md"), encoding="utf-8")
    assert "contest/rules-missing" in sample.gazette("check", now=now).output
    path.write_text(path.read_text(encoding="utf-8").replace("absent.md", "jeu-de-noel.md"), encoding="utf-8")
    built = build(sample, now)
    assert built.returncode == 0, built.stderr
    page = (sample.root / "site/reglements/jeu-de-noel/index.html").read_text(encoding="utf-8")
    assert "Article 1" in page and "La Fabrique à Vélos" in page
    contest = (sample.root / "site/contests/2026/jeu-de-noel-revision-offerte/index.html").read_text(encoding="utf-8")
    assert 'href="../../../reglements/jeu-de-noel/"' in contest


def test_a_missing_mention_says_what_to_write(repo):
    body = REGLEMENT.replace("Toute tentative de fraude", "Toute tentative de tromperie").replace(
        "Fraude et exclusion", "Exclusion")
    repo.write("calendar/channels.yml", CHANNELS)
    repo.write("content/contests/2026/jeu.md", f"---\n{FRONT}---\n\nIntro.\n\n{body}")
    report = json.loads(repo.gazette("check", "--format", "json", now=NOW).output)
    hints = [p["hint"] for p in report["problems"] if p["code"] == "contest/mention-missing"]
    assert hints == ["write it in the règlement, for example: « Toute tentative de fraude (comptes multiples, "
                     "participation automatisée) entraîne l'exclusion du participant. »"]


def test_new_contest_with_an_organizer_name_only_has_every_mention(repo):
    repo.write("calendar/channels.yml", CHANNELS)
    result = repo.gazette("new", "contest", "Jeu de printemps", "--organizer", "Vélo Lyon",
                          "--prize", "Révision complète:2:89", now=NOW)
    assert result.exit_code == 0, result.output
    text = (repo.root / "content/contests/2026/jeu-de-printemps.md").read_text(encoding="utf-8")
    assert "Vélo Lyon, À compléter : forme juridique, adresse du siège, immatriculée au RCS" in text
    report = json.loads(repo.gazette("check", "--format", "json", now=NOW).output)
    found = [p["code"] for p in report["problems"]]
    assert "contest/mention-missing" not in found and "contest/placeholder" in found
