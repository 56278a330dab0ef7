"""Problem reports for people (text), GitHub Actions (github) and tools (json).

The JSON shape is stable and documented in docs/json.md; add keys, never
rename or remove them.
"""

from __future__ import annotations

import re

from .i18n import ngettext

JSON_VERSION = 1

# What a terminal would act on rather than show: ESC sequences of every kind (CSI styles and
# cursor moves, OSC window titles and hyperlinks up to BEL or ST, DCS/SOS/PM/APC strings, ESC c
# resets...) and every other C0/C1 control but tab and newline (\r overwrites the line). An
# unterminated string stops at the next control, so it cannot swallow the rest of a line.
_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|[\]PX^_][^\x00-\x1f\x7f-\x9f]*(?:\x07|\x1b\\|\x9c)?|[ -/]*[0-~]?)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text, replacement: str = "") -> str:
    """Untrusted text (an export's author, a file name, a feed's title) as a terminal shows it:
    the one place terminal output is made safe; each sequence or control becomes ``replacement``."""
    return _CONTROL.sub(replacement, _SEQUENCE.sub(replacement, str(text)))


def _escape_github(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_github_property(text: str) -> str:
    return _escape_github(text).replace(":", "%3A").replace(",", "%2C")


# The terminal styles click.style writes (bold, red, yellow, dim), without importing click:
# `gazette check` starts without it (gazette.launch); echo removes them outside a terminal.
BOLD, RED, YELLOW, DIM, RESET = "\033[1m", "\033[31m", "\033[33m", "\033[2m", "\033[0m"


def problems_text(problems, checked: int) -> list[str]:
    lines = []
    for problem in problems:
        colour = RED if problem.severity == "error" else YELLOW
        head = f"{BOLD}{terminal_safe(problem.location)}:{RESET}"  # a file name may hold anything
        code = f"{colour}{problem.code}{RESET}"
        hint = f"{DIM} ({terminal_safe(problem.hint)}){RESET}" if problem.hint else ""
        lines.append(f"{head} {code} {terminal_safe(problem.message)}{hint}")
    lines.append(summary(problems, checked))
    return lines


def summary(problems, checked: int) -> str:
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    return ", ".join((ngettext("{n} item", "{n} items", checked).format(n=checked),
                      ngettext("{n} error", "{n} errors", errors).format(n=errors),
                      ngettext("{n} warning", "{n} warnings", warnings).format(n=warnings)))


def problems_github(problems, checked: int) -> list[str]:
    lines = []
    for p in problems:
        level = "error" if p.severity == "error" else "warning"
        where = f"file={_escape_github_property(p.path)}" + (f",line={p.line}" if p.line else "")
        message = p.message + (f" ({p.hint})" if p.hint else "")
        lines.append(f"::{level} {where},title={_escape_github_property(p.code)}::{_escape_github(message)}")
    lines.append(summary(problems, checked))
    return lines


def problems_json(problems, checked: int, **extra) -> str:
    import json

    errors = sum(1 for p in problems if p.severity == "error")
    document = {
        "version": JSON_VERSION,
        "items_checked": checked,
        "errors": errors,
        "warnings": len(problems) - errors,
        **extra,
        "problems": [p.as_dict() for p in problems],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)
