"""``gazette review``: the pull-request comment a reviewer reads.

Everything here is computed by the other stages: the problems come from
``check --changed-since``, the calendar changes from ``calendar diff``, the
counts from the same code that checks channel limits. This module only
gathers them for the changed items and writes Markdown or JSON.

The comment is inert: every text that comes from the repository (titles,
messages quoting content, waiver reasons, channel texts, file names) is
written inside a code span or a fenced block, so it cannot add a heading,
close a ``<details>``, mention ``@someone`` or reference ``#123``. What no
escaping can make safe (templates, mkdocs.yml, .github/, code) and every
change of a severity or a waiver is listed first, as needing a maintainer.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from .i18n import N_, _, ngettext

MARKER = "<!-- gazette-review -->"  # the workflow updates the comment holding it
SHOWN_WORDS = (N_("error"), N_("warning"), N_("added"), N_("removed"), N_("moved"), N_("post"), N_("newsletter"),
               N_("contest"))  # data values, shown translated
# Markup and code by nature: a maintainer reads them, Gazette cannot make them safe.
MAINTAINER_PREFIXES = ("templates/", ".github/", "src/", "scripts/", ".ci/", "overrides/", "hooks/")
MAINTAINER_FILES = ("mkdocs.yml", "mkdocs.yaml", "pyproject.toml", "setup.py", "setup.cfg", ".pre-commit-hooks.yaml")
MAINTAINER_SUFFIXES = (".py", ".js", ".mjs", ".css", ".html", ".htm", ".j2", ".jinja", ".sh")
# Dependency files, wherever they are: CI installs what they name, and so runs its code.
DEPENDENCY_FILES = frozenset({"pyproject.toml", "setup.py", "setup.cfg", "pipfile", "package.json",
                              "environment.yml", "environment.yaml", "gemfile", "go.mod", "cargo.toml",
                              ".npmrc", ".yarnrc", ".yarnrc.yml", "pip.conf"})
DEPENDENCY_PATTERN = re.compile(r"(?:requirements|constraints)[^/]*\.(?:txt|in)|[^/]*\.lock|[^/]*-lock\.(?:json|yaml)")
# A channel's settings that decide where a delivery goes and with which secret: channels.yml is
# contributor-editable, and a new instance with token_env would send that token to anyone.
DELIVERY_SETTINGS = ("target", "instance", "url", "token_env", "secret_env", "outbox", "from", "to",
                     "unsubscribe", "account")


def needs_maintainer(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    return (path.startswith(MAINTAINER_PREFIXES) or path in MAINTAINER_FILES
            or path.lower().endswith(MAINTAINER_SUFFIXES)
            or name in DEPENDENCY_FILES or DEPENDENCY_PATTERN.fullmatch(name) is not None)


def build(root: Path, base: str, now: datetime) -> dict:
    """The review as plain data (the JSON output, and what the Markdown renders)."""
    from . import validate
    from .changes import changed_paths, referrers
    from .check import run_check
    from .load import load_frame, load_repo
    from .plan_diff import diff
    from .problems import count
    from .tracking import delivered_text
    from .textcount import LIMITS, count as length

    frame, _found = load_frame(root)
    changed, gone = changed_paths(root, base)
    result = run_check(root, now, changed_since=base)
    related = changed | referrers(root, base, changed, gone, frame)
    repo = load_repo(root, only=related)
    repo.now = now

    items, previews, newsletters, waivers = [], [], [], []
    for item in sorted(repo.items, key=lambda i: (i.date is None, i.date or now, i.path)):
        items.append({
            "path": item.path, "kind": item.kind, "title": item.title, "status": item.status,
            "date": item.date.isoformat() if item.date else None,
            "change": "changed" if item.path in changed else "refers to a change",
            "accounts": list((item.meta.get("channels") or {})),
        })
        for problem, reason in validate.item_report(item, repo)[1]:
            waivers.append({**problem.as_dict(), "reason": reason})
        for name, spec in (item.meta.get("channels") or {}).items():
            text = delivered_text(root, repo.frame, item, name, (spec or {}).get("text") or "")  # as it goes out
            channel = repo.frame.channels.get(name) or {}
            network = channel.get("network")
            if text and network not in ("site", "newsletter", "webhook"):
                limit = channel.get("limit") or LIMITS.get(network)
                previews.append({"path": item.path, "title": item.title, "channel": name, "network": network,
                                 "text": text, "length": length(text, network), "limit": limit})
        if item.kind == "newsletter":
            newsletters.append({"path": item.path, "subject": item.meta.get("subject"),
                                "preheader": item.meta.get("preheader"), "audience": item.meta.get("audience")})
    removed = sorted(p for p in gone if p.startswith("content/") and p.endswith(".md"))
    calendar = [{"change": c.change, "channel": c.channel, "title": c.title, "path": c.path,
                 "before": c.before.at.isoformat() if c.before else None,
                 "after": c.after.at.isoformat() if c.after else None,
                 "status": (c.after or c.before).status} for c in diff(root, base, None)]
    attention = {
        "files": sorted(p for p in changed | gone if needs_maintainer(p)),
        "severity": _severity_changes(root, base, frame.severity),
        "delivery": _delivery_changes(root, base, frame.channels),
        "waivers": _new_waivers(root, base, changed, waivers),
    }
    errors, warnings = count(result.problems)
    if errors:
        verdict = ngettext("❌ {n} error to fix before merging", "❌ {n} errors to fix before merging", errors).format(n=errors)
    elif any(attention.values()):
        verdict = _("👀 A maintainer must read this change before merging")
    elif warnings:
        verdict = ngettext("⚠️ Mergeable, {n} warning to read", "⚠️ Mergeable, {n} warnings to read", warnings).format(n=warnings)
    else:
        verdict = _("✅ Ready to merge: no problems found")
    return {
        "version": 1, "base": base, "verdict": verdict, "errors": errors, "warnings": warnings,
        "timezone": frame.timezone_name or None,
        "attention": attention, "items": items, "removed": removed, "problems": [p.as_dict() for p in result.problems],
        "waivers": waivers, "calendar": calendar, "previews": previews, "newsletters": newsletters,
    }


def _severity_changes(root: Path, base: str, now_severity: dict) -> list[dict]:
    """Each ``gazette.severity`` entry the change adds, alters or removes."""
    from .changes import GitError, _git
    from .load import CHANNELS_FILE
    from . import yamlsafe

    try:
        data, _lines = yamlsafe.parse(_git(root, "show", f"{base}:{CHANNELS_FILE}"))
        before = ((data or {}).get("gazette") or {}).get("severity") or {}
    except (GitError, yamlsafe.YAMLProblem, AttributeError):
        before = {}
    if not isinstance(before, dict):
        before = {}
    before = {code: "off" if level is False else level for code, level in before.items()}  # YAML 1.1: off is false
    return [{"code": str(code), "before": before.get(code), "after": now_severity.get(code)}
            for code in sorted({*before, *now_severity}, key=str) if before.get(code) != now_severity.get(code)]


def _delivery_changes(root: Path, base: str, now_channels) -> list[dict]:
    """Each channel's delivery setting (DELIVERY_SETTINGS) that differs from the base's."""
    from .changes import GitError, _git
    from .load import CHANNELS_FILE
    from . import yamlsafe

    try:
        data, _lines = yamlsafe.parse(_git(root, "show", f"{base}:{CHANNELS_FILE}"))
        before = (data or {}).get("channels") or {}
    except (GitError, yamlsafe.YAMLProblem, AttributeError):
        before = {}

    def settings(channels, name) -> dict:
        spec = channels.get(name) if isinstance(channels, dict) else None
        return spec if isinstance(spec, dict) else {}

    after = now_channels if isinstance(now_channels, dict) else {}
    before = before if isinstance(before, dict) else {}
    return [{"channel": str(name), "setting": key, "before": old, "after": new}
            for name in sorted({*before, *after}, key=str)
            for key in DELIVERY_SETTINGS
            for old, new in [(settings(before, name).get(key), settings(after, name).get(key))] if old != new]


def _new_waivers(root: Path, base: str, changed: set, waivers: list[dict]) -> list[dict]:
    """The waivers (allow:) of changed items that the base did not have, and every
    waiver of a security rule (which never applies)."""
    from .changes import GitError, _git
    from .load import split_front_matter
    from . import yamlsafe

    found = []
    items = {w["path"] for w in waivers} | {p for p in changed if p.startswith("content/") and p.endswith(".md")}
    for path in sorted(items):
        try:
            text = _git(root, "show", f"{base}:{path}")
            split = split_front_matter(text)
            data, _lines = yamlsafe.parse(split[0]) if split else ({}, None)
            before = {(str(w.get("rule")), str(w.get("reason"))) for w in (data or {}).get("allow") or ()
                      if isinstance(w, dict)}
        except (GitError, yamlsafe.YAMLProblem, AttributeError, TypeError):
            before = set()
        for w in _allow_of(root, path):
            if (str(w.get("rule")), str(w.get("reason"))) not in before or str(w.get("rule")).startswith("security"):
                found.append({"path": path, "rule": str(w.get("rule")), "reason": str(w.get("reason") or "")})
    return found


def _allow_of(root: Path, path: str) -> list[dict]:
    from .load import read_text, split_front_matter
    from . import yamlsafe

    text, problem = read_text(root, path)
    split = split_front_matter(text) if text else None
    if not split:
        return []
    try:
        data, _lines = yamlsafe.parse(split[0])
    except yamlsafe.YAMLProblem:
        return []
    allow = (data or {}).get("allow") if isinstance(data, dict) else None
    return [w for w in allow if isinstance(w, dict)] if isinstance(allow, list) else []


def code(text, table: bool = False) -> str:
    """``text`` as one inline code span: GitHub renders it as those characters, with no
    heading, HTML, link, mention or issue reference. Line breaks become spaces."""
    flat = " ".join(str(text if text is not None else "").split())
    if not flat:
        return "—"
    longest, run = 0, 0
    for char in flat:  # the longest run of backticks decides the fence
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if flat[0] == "`" or flat[-1] == "`" or (flat[0] == " " and flat[-1] == " ") else ""
    span = f"{fence}{pad}{flat}{pad}{fence}"
    return span.replace("|", "\\|") if table else span


def block(text: str) -> list[str]:
    """``text`` as a fenced code block that nothing inside can close."""
    longest, run = 0, 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    return [fence + "text", *text.splitlines(), fence]


def _when(iso: str | None, zone=None) -> str:
    """A date of the JSON review as people read it: the community's zone, with the offset."""
    if not iso:
        return "—"
    from .clock import shown

    try:
        return shown(datetime.fromisoformat(iso), zone)
    except ValueError:
        return iso[:16].replace("T", " ")


def to_markdown(review: dict) -> str:
    from .load import resolve_timezone

    zone = resolve_timezone(review.get("timezone") or "")
    out = [MARKER, _("## Gazette review"), "", f"**{review['verdict']}**", ""]
    attention = review.get("attention") or {}
    if any(attention.values()):
        out += [_("### Needs a maintainer's reading"), "",
                _("Gazette cannot make these safe by escaping: read them before merging."), ""]
        out += [_("- changed file {path}").format(path=code(path)) for path in attention.get("files") or ()]
        out += [_("- severity of {code}: {before} → {after}").format(
                    code=code(s['code']), before=code(s['before'] or 'default'), after=code(s['after'] or 'default'))
                for s in attention.get("severity") or ()]
        out += [_("- delivery setting {setting}: {before} → {after}").format(
                    setting=code(d['channel'] + '.' + d['setting']),
                    before=code(_('(none)') if d['before'] is None else str(d['before'])),
                    after=code(_('(none)') if d['after'] is None else str(d['after'])))
                for d in attention.get("delivery") or ()]
        out += [_("- new waiver in {path}: {rule}, reason {reason}").format(
                    path=code(w['path']), rule=code(w['rule']), reason=code(w['reason']))
                for w in attention.get("waivers") or ()]
        out.append("")
    if review["items"] or review["removed"]:
        out += [_("### Changed items"), "", _("| Kind | Title | Status | Date | Accounts | File |"),
                "|---|---|---|---|---|---|"]
        for item in review["items"]:
            note = "" if item["change"] == "changed" else _(" *(refers to a change)*")
            out.append(f"| {_(item['kind'])} | {code(item['title'], True)}{note} | {code(item['status'], True)} "
                       f"| {_when(item['date'], zone)} | {code(', '.join(item['accounts']), True)} "
                       f"| {code(item['path'], True)} |")
        for path in review["removed"]:
            out.append(_("| removed | | | | | {path} |").format(path=code(path, True)))
        out.append("")
    else:
        out += [_("No content changed."), ""]
    if review["problems"]:
        out += [_("### Problems"), ""]
        for p in review["problems"]:
            where = f"{p['path']}:{p['line']}" if p["line"] else p["path"]
            hint = f" — {code(p['hint'])}" if p["hint"] else ""
            out.append(f"- {code(where)} **{_(p['severity'])}** {code(p['code'])} {code(p['message'])}{hint}")
        out.append("")
    if review["waivers"]:
        out += [_("### Waived rules"), ""]
        for w in review["waivers"]:
            out.append(_("- {where} {code} waived: {reason}").format(
                where=code(str(w['path']) + ':' + str(w['line'])), code=code(w['code']), reason=code(w['reason'])))
        out.append("")
    if review["calendar"]:
        out += [_("### Calendar"), "", _("| Channel | Change | When | Item |"), "|---|---|---|---|"]
        for c in review["calendar"]:
            when = (f"{_when(c['before'], zone)} → {_when(c['after'], zone)}" if c["change"] == "moved"
                    else _when(c["after"] or c["before"], zone))
            change = _(c["change"]) if c["change"] != "status" else _("status: {status}").format(status=c['status'])
            out.append(f"| {code(c['channel'], True)} | {code(change, True)} | {when} | {code(c['title'], True)} |")
        out.append("")
    if review["previews"]:
        out += [_("### Social previews"), ""]
        for p in review["previews"]:
            over = _(" ⚠️ over the limit") if p["limit"] and p["length"] > p["limit"] else ""
            out.append(f"{code(p['channel'])} — {code(p['title'])} ({p['length']}/{p['limit']}){over}")
            out += ["", *block(p["text"]), ""]
    for n in review["newsletters"]:
        out += [_("### Newsletter"), "", _("- Subject: {subject} ({length} characters)").format(
                    subject=code(n['subject']), length=len(n['subject'] or '')),
                _("- Preheader: {preheader}").format(preheader=code(n['preheader'])),
                _("- Audience: {audience}").format(audience=code(n['audience'])), ""]
    return "\n".join(out).rstrip() + "\n"


def to_json(review: dict) -> str:
    import json

    return json.dumps(review, ensure_ascii=False, indent=2)
