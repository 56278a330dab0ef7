"""The tool speaks French: catalogs complete, language chosen as documented, help and output translated."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gazette import i18n

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w*)(![rsa])?(:[^{}]*)?\}")


def _script():
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script():
    pytest.importorskip("babel")
    return _script()


def test_every_message_has_a_french_translation(script):
    missing = script.untranslated(script.read("fr"), script.extract())
    assert not missing, "run `python scripts/i18n.py update` and translate:\n" + "\n".join(missing)


def test_the_compiled_catalog_is_the_po_file(script):
    """A translation added to the .po but not compiled would never be shown."""
    import gettext

    catalog = script.read("fr")
    with open(script.po_path("fr").with_suffix(".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in catalog:
        if message.id and not message.fuzzy and isinstance(message.id, str) and message.string:
            assert compiled.gettext(message.id) == message.string, message.id


def test_translations_keep_the_placeholders(script):
    """A renamed {name} in a translation would raise KeyError when the message is shown."""
    for message in script.read("fr"):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for index, string in enumerate(strings):  # form 0 is the singular's, the others the plural's
            source = ids[0] if index == 0 else ids[-1]
            wanted = {m.group(1) for m in PLACEHOLDER.finditer(source) if m.group(1).isidentifier()}
            found = {m.group(1) for m in PLACEHOLDER.finditer(string) if m.group(1).isidentifier()}
            assert found == wanted, (message.id, string)


def _commands(group, path=()):
    import click

    yield path, group
    if isinstance(group, click.Group):
        for name, command in group.commands.items():
            yield from _commands(command, path + (name,))


def test_every_help_text_is_in_the_catalog(script):
    """Walks the live command tree: what click would show, not what the extractor thinks it shows."""
    from gazette.cli import cli

    catalog = script.read("fr")
    missing = []
    for path, command in _commands(cli):
        texts = [command.help, command.short_help] + [getattr(p, "help", None) for p in command.params]
        for text in filter(None, texts):
            msgid = script.click_help(text)
            found = catalog.get(msgid)
            if not found or not found.string or found.fuzzy:
                missing.append(f"{' '.join(path) or 'gazette'}: {msgid!r}")
    assert not missing, "\n".join(missing)


# -- which language --------------------------------------------------------------

@pytest.mark.parametrize("environment, expected", [
    ({"LANG": "fr_FR.UTF-8"}, "fr"),
    ({"LANG": "fr_CA"}, "fr"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "de_DE.UTF-8"}, "en"),
    ({"LANG": "fr_FR.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "fr_FR.UTF-8"}, "fr"),
    ({}, "en"),
])
def test_the_environment_decides_last(monkeypatch, environment, expected):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    if "LANG" not in environment:
        monkeypatch.delenv("LANG")
    assert i18n.language() == expected


def test_lang_option_beats_the_repository_which_beats_the_environment(repo, monkeypatch):
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\ngazette: {language: fr}\nchannels:\n"
                                        "  site: {network: site}\n")
    repo.write("content/posts/2026/sans-titre.md", "---\ndate: 2026-11-01T09:00:00+01:00\nstatus: approved\n---\n")
    said_by_repository = repo.gazette("check")
    assert "clé obligatoire" in said_by_repository.output, said_by_repository.output
    said_by_option = repo.gazette("--lang", "en", "check")
    assert "is required" in said_by_option.output
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\nchannels:\n  site: {network: site}\n")
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert "clé obligatoire" in repo.gazette("check").output
    assert "is required" in repo.gazette("--lang", "en", "check").output


def test_an_unknown_language_in_channels_yml_is_a_problem(repo):
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\ngazette: {language: klingon}\nchannels:\n"
                                        "  site: {network: site}\n")
    result = repo.gazette("check", "--format", "json")
    codes = [p["code"] for p in json.loads(result.output)["problems"]]
    assert "schema/choice" in codes


# -- what people read ------------------------------------------------------------

def test_json_keeps_codes_and_keys_english_and_translates_message_and_hint(repo):
    repo.write("content/posts/2026/sans-titre.md", "---\ndate: 2026-11-01T09:00:00+01:00\nstatus: approved\n---\n")
    english = json.loads(repo.gazette("check", "--format", "json").output)
    french = json.loads(repo.gazette("--lang", "fr", "check", "--format", "json").output)
    assert english.keys() == french.keys()
    assert [(p["code"], p["path"], p["line"], p["severity"]) for p in english["problems"]] == \
           [(p["code"], p["path"], p["line"], p["severity"]) for p in french["problems"]]
    assert [p["message"] for p in english["problems"]] != [p["message"] for p in french["problems"]]
    assert all(p["hint"] for p in french["problems"])


def test_the_cache_does_not_keep_problems_in_the_other_language(repo):
    repo.write("content/posts/2026/sans-titre.md", "---\ndate: 2026-11-01T09:00:00+01:00\nstatus: approved\n---\n")
    assert "is required" in repo.gazette("check").output
    assert "clé obligatoire" in repo.gazette("--lang", "fr", "check").output
    assert "is required" in repo.gazette("check").output


def _run(*args):
    from click.testing import CliRunner

    from gazette.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_help_is_french_with_lang_fr():
    root_help = _run("--lang", "fr", "--help").output
    assert "Utilisation :" in root_help and "Commandes" in root_help
    assert "Valider les fichiers de contenu" in root_help  # check's short help
    check_help = _run("--lang", "fr", "check", "--help").output
    assert "Afficher ce message et quitter." in check_help
    assert "Relire chaque fichier" in check_help
    assert "Show this message" not in check_help
    # the command objects keep their English text for the next invocation
    assert "Show this message and exit." in _run("check", "--help").output


def test_help_follows_lang_from_the_environment(monkeypatch):
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert "Afficher ce message et quitter." in _run("calendar", "--help").output


def test_click_usage_errors_are_french_too():
    result = _run("--lang", "fr", "nosuchcommand")
    assert result.exit_code == 2
    assert "Erreur : Commande 'nosuchcommand' inconnue." in result.output


HEAVY = ("yaml", "jinja2", "rich", "git", "babel", "markdown", "mkdocs")


@pytest.mark.parametrize("lang", ["C.UTF-8", "fr_FR.UTF-8"])
def test_help_imports_click_only_in_either_language(lang):
    code = ("import sys\nfrom gazette.cli import main\nsys.argv = ['gazette', '--help']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('MODULES', ' '.join(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "LANG": lang}, capture_output=True,
                          text=True, check=True)
    modules = done.stdout.split("MODULES ", 1)[1].split()
    assert not [m for m in modules if m.split(".")[0] in HEAVY]
    assert ("Commandes" in done.stdout) == lang.startswith("fr")


def _best_seconds(runs, environment) -> list[float]:
    """Best wall time of each command, run in turns so a busy machine slows them alike."""
    import time

    env = {**os.environ, **environment}
    best = [10.0] * len(runs)
    for _ in range(7):
        for index, args in enumerate(runs):
            started = time.perf_counter()
            subprocess.run([sys.executable, *args], env=env, check=True, capture_output=True)
            best[index] = min(best[index], time.perf_counter() - started)
    return best


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["C.UTF-8", "fr_FR.UTF-8"])
def test_help_stays_fast_in_either_language(lang):
    """Under 0.2 s on a quiet machine (measured ~0.07 s); on a loaded one, no more than 2.5 times
    merely importing click (rich or jinja2 on the start path would each double it)."""
    floor, took = _best_seconds([["-c", "import click"], ["-m", "gazette", "--help"]], {"LANG": lang})
    assert took < 0.2 or took < 2.5 * floor, (took, floor)


# -- the acceptance: broken cases and the sample pull request, in French --------------

CASES = sorted((ROOT / "tests" / "cases").glob("*.md"))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_broken_cases_are_reported_in_french_with_lang_from_the_environment(repo, case, monkeypatch):
    kind, _, slug = case.stem.rpartition("--")
    repo.write(f"content/{kind or 'post'}s/2026/{slug}.md", case.read_bytes())
    english = json.loads(repo.gazette("check", "--format", "json").output)["problems"]
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    french = json.loads(repo.gazette("check", "--format", "json").output)["problems"]
    assert [(p["code"], p["line"]) for p in french] == [(p["code"], p["line"]) for p in english]
    for en, fr in zip(english, french):
        assert fr["message"] != en["message"], fr
        assert fr["hint"] != en["hint"] or not en["hint"], fr


def test_the_sample_pull_request_review_is_french_with_lang_fr(git_repo):
    from test_review import make_pull_request

    base = make_pull_request(git_repo)
    result = git_repo.gazette("--lang", "fr", "review", "--base", base)
    golden = ROOT / "tests" / "golden" / "review.fr.md"
    if not golden.exists():
        golden.write_text(result.output)
        pytest.fail(f"wrote {golden}: read it, then commit it")
    assert result.output == golden.read_text()
    assert result.exit_code == 1


def test_docs_explain_every_problem_code_in_french(script):
    """docs/problems.md's French section is the catalog's: rewritten by `scripts/i18n.py docs`."""
    doc = (ROOT / "docs" / "problems.md").read_text(encoding="utf-8")
    french = doc.split("\n" + script.DOCS_START + "\n", 1)[1]
    missing = [line for line in script.french_problem_lines() if line not in french.splitlines()]
    assert not missing, "run `python scripts/i18n.py docs`:\n" + "\n".join(missing)
    catalog = script.read("fr")
    from gazette.problems import CODES

    untranslated = [code for code, (_, meaning) in CODES.items() if not (catalog.get(meaning) or None)
                    or not catalog.get(meaning).string]
    assert not untranslated


def test_a_broken_channels_yml_still_gets_a_report_in_the_environments_language(repo, monkeypatch):
    repo.write("calendar/channels.yml", "timezone: Europe/Paris\ngazette: {language: [fr\n")
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    result = repo.gazette("check")
    assert result.exit_code == 1
    assert "yaml/syntax" in result.output and "erreur" in result.output


def test_english_stays_the_msgid_when_no_catalog_is_asked_for(repo):
    """The default costs nothing: no catalog is even opened for English."""
    i18n._catalogs.clear()
    repo.write("content/posts/2026/sans-titre.md", "---\ndate: 2026-11-01T09:00:00+01:00\nstatus: approved\n---\n")
    assert "'title' is required" in repo.gazette("check").output
    assert i18n._catalogs == {}


def test_a_file_error_is_said_in_the_readers_language(sample, tmp_path):
    # The C library's reason is English whatever the locale: a French manager read
    # « erreur : …: No such file or directory ».
    missing = tmp_path / "absent.csv"
    french = sample.gazette("--lang", "fr", "report", "import", str(missing))
    assert french.exit_code != 0 and f"{missing}: fichier ou dossier introuvable" in french.output
    english = sample.gazette("--lang", "en", "report", "import", str(missing))
    assert f"{missing}: No such file or directory" in english.output
