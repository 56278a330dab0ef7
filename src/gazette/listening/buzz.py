"""The bad-buzz alert: criticism in a sliding window against a trailing baseline.

Alert when the criticisms published in the last ``window`` reach ``threshold``
*and* ``factor`` times the usual number for such a window (the baseline is the
``baseline_days`` before the window). "10 in 2 h where the usual is 1 an hour"
alerts; a community that always gets 10 criticisms every 2 hours does not.
"""

from __future__ import annotations

from collections import namedtuple
from datetime import datetime

from . import config
from .store import COLUMNS, _record, utc

Alert = namedtuple("Alert", "count window threshold usual top")
def one_line(text) -> str:
    """Fetched text on one terminal line: no escape sequence from a feed reaches the terminal."""
    from ..output import terminal_safe

    return " ".join(terminal_safe(text or "", " ").split())


def check(connection, settings: dict, now: datetime, top: int = 5) -> Alert | None:
    window, threshold, baseline, factor = config.buzz_rule(settings)
    start = now - window
    count = connection.execute("SELECT COUNT(*) FROM mentions WHERE brand = 1 AND class = 'criticism' "
                               "AND at > ? AND at <= ?", (utc(start), utc(now))).fetchone()[0]
    if count < threshold:
        return None
    before = connection.execute("SELECT COUNT(*) FROM mentions WHERE brand = 1 AND class = 'criticism' "
                                "AND at > ? AND at <= ?", (utc(start - baseline), utc(start))).fetchone()[0]
    usual = before * (window / baseline) if baseline.total_seconds() else 0.0
    if count < factor * usual:
        return None
    rows = connection.execute(
        f"SELECT {', '.join(COLUMNS)} FROM mentions WHERE brand = 1 AND class = 'criticism' AND at > ? AND at <= ? "
        "ORDER BY json_array_length(flags) DESC, at DESC LIMIT ?", (utc(start), utc(now), top))
    return Alert(count, window, threshold, usual, [_record(row) for row in rows])


def describe(alert: Alert) -> list[str]:
    """What ``status`` and ``watch`` print first."""
    from ..i18n import _

    hours = alert.window.total_seconds() / 3600
    lines = [_("BAD BUZZ: {count} criticisms in the last {hours:g} h (usual: {usual:.1f}; threshold {threshold})").format(
        count=alert.count, hours=hours, usual=alert.usual, threshold=alert.threshold)]
    for mention in alert.top:
        text = one_line(mention["title"] + " " + mention["text"])[:120]
        lines.append(f"  #{mention['id']} {one_line(mention['author']) or '?'}: {text}  {one_line(mention['url'])}".rstrip())
    lines.append(_("  to stop publishing: gazette freeze --reason \"…\"  (and prepare a holding statement: "
                   "gazette new post \"…\" --template crisis)"))
    return lines


def current(root, now: datetime) -> Alert | None:
    """The alert for ``gazette status``, read without creating a state database that is not there."""
    from ..publish import state_dir
    from ..state import FILE_NAME, connect

    if not (state_dir(root) / FILE_NAME).is_file():
        return None
    settings, _problems = config.load(root)
    if not settings:
        return None
    connection = connect(root)
    try:
        return check(connection, settings, now)
    finally:
        connection.close()
