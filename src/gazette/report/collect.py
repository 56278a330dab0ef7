"""``gazette report collect``: networks without an export, read through their API.

Mastodon: for every receipted status of the channel, GET /api/v1/statuses/:id
and keep its counts (favourites, boosts, replies) as today's row in
metrics/mastodon.csv. Counts only: no account, no reply text. The token comes
from the channel's ``token_env`` (as for publishing); redirects are never
followed (the token would go with them), answers are capped and checked.
"""

from __future__ import annotations

import json
from datetime import datetime

from ..i18n import _

MAX_ANSWER = 1024 * 1024


class CollectError(Exception):
    """Configuration that stops the collection before any request (a usage error)."""


def _get_json(url: str, token: str) -> dict:
    import urllib.error
    import urllib.request

    from ..targets.http import secret_opener

    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}",
                                                   "Accept": "application/json"})
    try:
        with secret_opener().open(request, timeout=20) as response:
            raw = response.read(MAX_ANSWER + 1)
    except urllib.error.HTTPError as error:
        error.close()
        raise ValueError(f"HTTP {error.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise ValueError(f"no answer ({getattr(error, 'reason', error)})") from None
    if len(raw) > MAX_ANSWER:
        raise ValueError("answer larger than 1 MiB")
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError("the answer is not JSON") from None
    if not isinstance(answer, dict):
        raise ValueError("the answer is not a JSON object")
    return answer


def _count(answer: dict, key: str) -> int:
    value = answer.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{key} is {value!r}, not a count")
    return value


def collect_mastodon(root, repo, channel: str, now: datetime, write: bool = True) -> tuple[list[dict], list[str]]:
    """(rows written, errors in words); one row per receipted status, dated today."""
    from ..targets import TargetConfigError
    from ..targets.http import _secret, check_url
    from .metrics import COLUMNS

    spec = repo.frame.channels.get(channel)
    if not isinstance(spec, dict) or spec.get("network") != "mastodon":
        known = ", ".join(n for n, s in repo.frame.channels.items() if (s or {}).get("network") == "mastodon")
        raise CollectError(_("{name!r} is not a mastodon channel of calendar/channels.yml (known: {known})").format(
            name=channel, known=known or "none"))
    instance = str(spec.get("instance") or "").rstrip("/")
    if not instance:
        raise CollectError(_("calendar/channels.yml: the channel {name} has no instance: set instance: to the "
                             "address of its Mastodon server, e.g. instance: https://mastodon.social").format(
            name=channel))
    try:
        check_url(instance, _("calendar/channels.yml: {name}: instance:").format(name=channel))
        token = _secret(spec, "token_env", "GAZETTE_MASTODON_TOKEN", "GAZETTE_MASTODON_")
    except TargetConfigError as error:
        raise CollectError(str(error)) from None
    if not token:
        raise CollectError(_("${variable} is not set (the account's token)").format(
            variable=spec.get("token_env") or "GAZETTE_MASTODON_TOKEN"))
    try:
        check_url(instance, _("calendar/channels.yml: {name}: instance:").format(name=channel), secret=True)
    except TargetConfigError as error:
        raise CollectError(str(error)) from None
    day = now.astimezone(repo.frame.timezone or now.tzinfo).date().isoformat()
    rows, errors = [], []
    for item in repo.items:
        receipt = (item.meta.get("published") or {}).get(channel)
        status_id = str(receipt.get("id") or "") if isinstance(receipt, dict) else ""
        if not status_id:
            continue
        if not status_id.isalnum():
            errors.append(_("{path}: receipt id {id!r} is not a Mastodon status id").format(path=item.path, id=status_id))
            continue
        try:
            answer = _get_json(f"{instance}/api/v1/statuses/{status_id}", token)
            counts = {"reactions": _count(answer, "favourites_count"), "shares": _count(answer, "reblogs_count"),
                      "comments": _count(answer, "replies_count")}
        except ValueError as error:
            errors.append(_("{path}: status {id}: {error}").format(path=item.path, id=status_id, error=error))
            continue
        row = dict.fromkeys(COLUMNS, "")
        row.update(date=day, network="mastodon", channel=channel, post_id=status_id,
                   url=str(receipt.get("url") or ""), item=item.path, campaign=item.meta.get("campaign") or "",
                   impressions=None, reach=None, clicks=None, followers=None, visits=None, signups=None, **counts)
        rows.append(row)
    if write and rows:
        from .metrics import merge

        merge(root, "mastodon", rows)
    return rows, errors
