"""Gazette's message catalogs, at development time (Babel: pip install -e '.[dev]').

    python scripts/i18n.py update   extract every message, merge it into each
                                    locale's gazette.po, compile gazette.mo
    python scripts/i18n.py check    list the messages with no (or only a fuzzy)
                                    translation; exit 1 if there are any
    python scripts/i18n.py docs     rewrite the French section of docs/problems.md
                                    (update does it too)

Messages are ``_("…")``, ``N_("…")`` and ``ngettext("…", "…", n)`` calls in
src/gazette, plus click's help texts in src/gazette/cli (``help=``, ``short_help=``,
``epilog=`` and the docstrings of commands and groups), which click shows
translated (gazette.cli.base.TranslatedHelp). After merging branches, run
``update``, translate the empty ``msgstr`` of the .po files (and the ``#, fuzzy``
guesses), then ``update`` again to compile.
"""

from __future__ import annotations

import ast
import inspect
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "gazette"
LOCALE = PACKAGE / "locale"
DOMAIN = "gazette"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "Nn_": (1, 2)}
HELP_KEYWORDS = ("help", "short_help", "epilog")


def click_help(text: str) -> str:
    """The msgid of a help text: what click shows (dedented, up to a form feed)."""
    return inspect.cleandoc(text).partition("\f")[0]


def _is_command_decorator(node) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name in ("command", "group")


def extract_click_help(fileobj, keywords, comment_tags, options):
    """A Babel extractor for click's help texts (Babel's python extractor sees only calls)."""
    tree = ast.parse(fileobj.read().decode("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in HELP_KEYWORDS and isinstance(keyword.value, ast.Constant) \
                        and isinstance(keyword.value.value, str):
                    yield keyword.value.lineno, None, click_help(keyword.value.value), []
        elif isinstance(node, ast.FunctionDef) and any(map(_is_command_decorator, node.decorator_list)):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                yield node.body[0].lineno, None, click_help(doc), []


def extract_field_docs(fileobj, keywords, comment_tags, options):
    """The front-matter model's ``doc=`` and ``hint=`` texts: hints of schema/required quote them."""
    tree = ast.parse(fileobj.read().decode("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Field":
            texts = node.args[2:4] + [k.value for k in node.keywords if k.arg in ("doc", "hint")]
            for text in texts:  # Field(type, required, doc, hint)
                if isinstance(text, ast.Constant) and isinstance(text.value, str) and text.value:
                    yield text.lineno, None, text.value, []


def extract_problem_meanings(fileobj, keywords, comment_tags, options):
    """The one-line meaning of each problem code (``CODES`` in problems.py), shown in
    docs/problems.md in both languages (``python scripts/i18n.py docs``)."""
    tree = ast.parse(fileobj.read().decode("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for value in node.values:
                if isinstance(value, ast.Tuple) and len(value.elts) == 2 \
                        and isinstance(value.elts[1], ast.Constant) and isinstance(value.elts[1].value, str):
                    yield value.lineno, None, value.elts[1].value, []


def extract():
    """Every msgid of the package: a Babel catalog (the template)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    template = Catalog(project="gazette", domain=DOMAIN, fuzzy=False)
    for method_map in ([("**.py", "python")], [("cli/**.py", extract_click_help)],
                       [("model.py", extract_field_docs)], [("problems.py", extract_problem_meanings)]):
        for filename, lineno, message, comments, context in extract_from_dir(
                PACKAGE, method_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)):
            template.add(message, None, [(f"src/gazette/{filename}", lineno)], auto_comments=comments,
                         context=context)
    return template


def locales() -> list[str]:
    return sorted(p.name for p in LOCALE.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.po").exists())


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(lang: str):
    from babel.messages.pofile import read_po

    with open(po_path(lang), "rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


def untranslated(catalog, template) -> list[str]:
    """msgids of the template with no usable translation in ``catalog``."""
    missing = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id)
        strings = found.string if found else None
        if isinstance(strings, (tuple, list)):
            ok = all(strings)
        else:
            ok = bool(strings)
        if not found or found.fuzzy or not ok:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def update() -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import write_po

    template = extract()
    for lang in locales():
        catalog = read(lang)
        catalog.update(template, no_fuzzy_matching=False)
        # No line numbers and a stable order: branches that add messages merge cleanly.
        with open(po_path(lang), "wb") as handle:
            write_po(handle, catalog, width=100, include_lineno=False, sort_output=True,
                     ignore_obsolete=True)
        catalog = read(lang)
        with open(po_path(lang).with_suffix(".mo"), "wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        print(f"{po_path(lang).relative_to(PACKAGE.parent.parent)}: {len(catalog)} messages, "
              f"{len(untranslated(catalog, template))} untranslated")


DOCS = PACKAGE.parent.parent / "docs" / "problems.md"
DOCS_START = "## En français"
DOCS_NOTE = ("Chaque code, expliqué en français (section écrite par `python scripts/i18n.py docs` "
             "à partir du catalogue ; les codes restent en anglais).")


def french_problem_lines() -> list[str]:
    """One line per code: the French meaning from the catalog (the English one if untranslated)."""
    sys.path.insert(0, str(PACKAGE.parent))
    from gazette.problems import CODES

    catalog = read("fr")
    lines = []
    for code, (_severity, meaning) in CODES.items():
        found = catalog.get(meaning)
        lines.append(f"- `{code}` : {found.string if found and found.string else meaning}")
    return lines


def docs() -> None:
    """docs/problems.md ends with the French explanation of every code."""
    text = DOCS.read_text(encoding="utf-8")
    head = text.split("\n" + DOCS_START + "\n", 1)[0].rstrip("\n")
    DOCS.write_text("\n".join([head, "", DOCS_START, "", DOCS_NOTE, "", *french_problem_lines()]) + "\n",
                    encoding="utf-8")


def check() -> int:
    template = extract()
    status = 0
    for lang in locales():
        for msgid in untranslated(read(lang), template):
            print(f"{lang}: {msgid!r}")
            status = 1
    return status


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "update":
        update()
        docs()
    elif command == "docs":
        docs()
    elif command == "check":
        sys.exit(check())
    else:
        print(__doc__)
        sys.exit(2)
