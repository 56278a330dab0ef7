"""``gazette review``: the pull-request comment a reviewer reads.

Everything here is computed by the other stages: the problems come from
``check --changed-since``, the calendar changes from ``calendar diff``, the
counts from the same code that checks channel limits. This module only
gathers them for the changed items and writes Markdown or JSON.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

MARKER = "<!-- gazette-review -->"  # the workflow updates the comment holding it


def build(root: Path, base: str, now: datetime) -> dict:
    """The review as plain data (the JSON output, and what the Markdown renders)."""
    from . import validate
    from .changes import changed_paths, referrers
    from .check import run_check
    from .load import load_frame, load_repo
    from .plan_diff import diff
    from .problems import count
    from .sitelinks import expand_for
    from .textcount import LIMITS, count as length

    frame, _ = load_frame(root)
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
            text = expand_for(root, item, (spec or {}).get("text") or "")  # as members will read it
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
    errors, warnings = count(result.problems)
    if errors:
        verdict = f"❌ {errors} error{'s' * (errors != 1)} to fix before merging"
    elif warnings:
        verdict = f"⚠️ Mergeable, {warnings} warning{'s' * (warnings != 1)} to read"
    else:
        verdict = "✅ Ready to merge: no problems found"
    return {
        "version": 1, "base": base, "verdict": verdict, "errors": errors, "warnings": warnings,
        "timezone": frame.timezone_name or None,
        "items": items, "removed": removed, "problems": [p.as_dict() for p in result.problems],
        "waivers": waivers, "calendar": calendar, "previews": previews, "newsletters": newsletters,
    }


def _cell(text) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


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
    out = [MARKER, "## Gazette review", "", f"**{review['verdict']}**", ""]
    if review["items"] or review["removed"]:
        out += ["### Changed items", "", "| Kind | Title | Status | Date | Accounts |", "|---|---|---|---|---|"]
        for item in review["items"]:
            note = "" if item["change"] == "changed" else " *(refers to a change)*"
            out.append(f"| {item['kind']} | [{_cell(item['title'])}]({item['path']}){note} | {item['status']} "
                       f"| {_when(item['date'], zone)} | {_cell(', '.join(item['accounts'])) or '—'} |")
        for path in review["removed"]:
            out.append(f"| removed | `{path}` | | | |")
        out.append("")
    else:
        out += ["No content changed.", ""]
    if review["problems"]:
        out += ["### Problems", ""]
        for p in review["problems"]:
            where = f"{p['path']}:{p['line']}" if p["line"] else p["path"]
            hint = f" — {p['hint']}" if p["hint"] else ""
            out.append(f"- `{where}` **{p['severity']}** `{p['code']}` {p['message']}{hint}")
        out.append("")
    if review["waivers"]:
        out += ["### Waived rules", ""]
        for w in review["waivers"]:
            out.append(f"- `{w['path']}:{w['line']}` `{w['code']}` waived: “{w['reason']}”")
        out.append("")
    if review["calendar"]:
        out += ["### Calendar", "", "| Channel | Change | When | Item |", "|---|---|---|---|"]
        for c in review["calendar"]:
            when = (f"{_when(c['before'], zone)} → {_when(c['after'], zone)}" if c["change"] == "moved"
                    else _when(c["after"] or c["before"], zone))
            change = c["change"] if c["change"] != "status" else f"status: {c['status']}"
            out.append(f"| {c['channel']} | {change} | {when} | {_cell(c['title'])} |")
        out.append("")
    if review["previews"]:
        out += ["### Social previews", ""]
        for p in review["previews"]:
            over = " ⚠️ over the limit" if p["limit"] and p["length"] > p["limit"] else ""
            out.append(f"**{p['channel']}** — {_cell(p['title'])} ({p['length']}/{p['limit']}){over}")
            out += ["", *[f"> {line}" for line in p["text"].splitlines() or [""]], ""]
    for n in review["newsletters"]:
        out += ["### Newsletter", "", f"- Subject: **{_cell(n['subject'])}** ({len(n['subject'] or '')} characters)",
                f"- Preheader: {_cell(n['preheader']) or '—'}", f"- Audience: {_cell(n['audience']) or '—'}", ""]
    return "\n".join(out).rstrip() + "\n"


def to_json(review: dict) -> str:
    import json

    return json.dumps(review, ensure_ascii=False, indent=2)
