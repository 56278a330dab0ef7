"""``gazette contest entries SLUG collect --channel mastodon``: the replies to the contest's
published status, read through the instance's API, become entries.

Each run is a full snapshot of the thread: the entries a previous collect stored for this
channel are replaced, so a reply is never counted twice and a deleted reply disappears.
"""

from __future__ import annotations

import html
import json
import re
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

from ..i18n import _, ngettext

MAX_ANSWER = 32 * 1024 * 1024
_TAG = re.compile(r"<[^>]*>")


def _get_json(url: str, token: str | None):
    from .ops import ContestError
    from ..targets.http import secret_opener

    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, headers=headers)
    try:
        # The opener follows no redirect (the token never goes to another origin), connects to public
        # addresses only and ignores proxies: channels.yml, which names the instance, is contributor-editable.
        with secret_opener().open(request, timeout=20) as response:
            raw = response.read(MAX_ANSWER + 1)
    except urllib.error.HTTPError as error:
        error.close()
        raise ContestError(_("{url}: HTTP {code}").format(url=url, code=error.code)) from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise ContestError(_("{url}: {error}").format(url=url, error=getattr(error, "reason", error))) from None
    if len(raw) > MAX_ANSWER:
        raise ContestError(_("{url}: the answer is larger than 32 MiB").format(url=url))
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ContestError(_("{url}: the answer is not JSON").format(url=url)) from None


def replies(answer, status_id: str, host: str) -> list[dict]:
    """Direct replies of a ``/context`` answer as entry records; anything malformed is skipped."""
    found = []
    for status in (answer.get("descendants") if isinstance(answer, dict) else None) or ():
        if not isinstance(status, dict) or str(status.get("in_reply_to_id")) != status_id:
            continue
        account = status.get("account") if isinstance(status.get("account"), dict) else {}
        acct = str(account.get("acct") or "").strip()
        if not acct:
            continue
        handle = "@" + acct if "@" in acct else f"@{acct}@{host}"
        text = html.unescape(_TAG.sub(" ", str(status.get("content") or ""))).strip()
        found.append({"handle": handle, "name": str(account.get("display_name") or ""),
                      "time": str(status.get("created_at") or ""), "text": " ".join(text.split()),
                      "id": str(status.get("id") or "")})
    return found


def collect(root: Path, now: datetime, slug: str, channel: str, git: bool = True):
    from urllib.parse import quote, urlsplit

    from . import ops as contest_ops
    from .entries import EntriesError, judge, load, read_entries
    from .ops import ContestError, Report, find, summarize
    from ..targets import TargetConfigError
    from ..targets.http import _secret, check_url

    root = Path(root)
    repo, item = find(root, slug)
    contest_ops.list_still_open(root, item, now, repo.frame.timezone)
    config = repo.frame.channels.get(channel)
    if not config or config.get("network") != "mastodon":
        raise ContestError(_("{channel!r} is not a mastodon channel of calendar/channels.yml").format(channel=channel))
    receipt = (item.meta.get("published") or {}).get(channel) or {}
    status_id = str(receipt.get("id") or "")
    if not status_id:
        raise ContestError(_("{path}: no receipt for {channel}: the contest's status is not published yet").format(
            path=item.path, channel=channel))
    try:
        token = _secret(config, "token_env", "GAZETTE_MASTODON_TOKEN", "GAZETTE_MASTODON_")
        instance = check_url(str(config.get("instance") or "").rstrip("/"), "mastodon instance:", secret=bool(token))
    except TargetConfigError as error:
        raise ContestError(str(error)) from None
    answer = _get_json(f"{instance}/api/v1/statuses/{quote(status_id, safe='')}/context", token)
    found = replies(answer, status_id, urlsplit(instance).hostname or "")
    from ..publish import state_dir

    snapshot = state_dir(root) / "contests" / f"{slug}.{channel}.jsonl"
    snapshot.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    snapshot.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in found), encoding="utf-8")
    zone = item.meta["opens"].tzinfo if item.meta.get("opens") else repo.frame.timezone
    source = f"{channel} (API)"
    try:
        entries = read_entries(snapshot, slug, zone)[0] if found else []
    except EntriesError as error:
        raise ContestError(str(error)) from None
    for entry in entries:
        entry.source = source
    connection = contest_ops._connect(root)
    with connection:
        connection.execute("DELETE FROM contest_entries WHERE contest = ? AND source = ?", (slug, source))
        connection.executemany(
            "INSERT INTO contest_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(slug, e.source, e.line, e.identity, e.handle, e.email, e.name, e.at and e.at.isoformat(), e.text,
              e.country, e.age) for e in entries])
    report = Report(item.path, [ngettext("{n} reply read from {instance}", "{n} replies read from {instance}",
                                         len(found)).format(n=len(found), instance=instance)])
    report.data = summarize(root, item, connection, results=judge(load(connection, slug), item.meta))
    report.lines.append(contest_ops.counted(report.data))
    if git:
        contest_ops._commit(root, [item.path], f"gazette contest entries: {item.path} summary", now, report)
    return report
