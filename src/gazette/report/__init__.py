"""``gazette report``: KPIs from git, receipts, the frame, metrics/ and the state of contests.

The report is a plain dict (the JSON shape documented in docs/json.md); the
text, HTML and CSV renderers read the same dict, so every format shows the
same numbers. Nothing here reads the system clock: ``now`` is passed down.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from ..i18n import _

VERSION = 1
MAX_PERIOD = timedelta(days=3660)


class ReportError(Exception):
    """Bad options (an unknown channel, an empty period): a usage error."""


def last_full_month(now: datetime, zone) -> tuple[datetime, datetime]:
    local = now.astimezone(zone)
    end = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    start = (end - timedelta(days=1)).replace(day=1)
    return start, end


def month(text: str, zone) -> tuple[datetime, datetime]:
    """'2026-11' -> [Nov 1, Dec 1) in the community's zone."""
    try:
        year, number = (int(part) for part in text.split("-"))
        start = datetime(year, number, 1, tzinfo=zone)
        end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)  # 9999-12 ends in year 10000
    except ValueError:
        raise ReportError(_("--month {value!r}: write YYYY-MM, e.g. 2026-11").format(value=text)) from None
    return start, end


def _is_month(start: datetime, end: datetime, zone) -> bool:
    local = start.astimezone(zone)
    if (local.day, local.hour, local.minute, local.second, local.microsecond) != (1, 0, 0, 0, 0):
        return False
    try:
        return month(f"{local.year}-{local.month}", zone)[1] == end
    except ReportError:
        return False


def comparison_window(start: datetime, end: datetime, zone) -> tuple[datetime, datetime] | None:
    """What "up/down from" compares with: the previous calendar month for a month (October has
    31 days, November 30: the same length before would start on Oct 2), else the same length
    just before. None when that window would fall before year 1."""
    try:
        if _is_month(start, end, zone):
            return (start.astimezone(zone) - timedelta(days=1)).replace(day=1), start
        return start - (end - start), start
    except OverflowError:
        return None


def build(root: Path, now: datetime, start: datetime, end: datetime, channel: str | None = None,
          campaign: str | None = None, tolerance: timedelta | None = None, repo=None, history=None) -> dict:
    """Every KPI for [start, end), as the documented JSON-ready dict.

    ``history``: a :class:`~gazette.report.history.PendingHistory` started early (the CLI
    starts git before loading the items, so the two overlap).
    """
    if end <= start:
        raise ReportError(_("the period is empty: --to must be after --from"))
    if end - start > MAX_PERIOD:  # a report per week of 8,000 years is no report, and dates end at 9999
        raise ReportError(_("the period is longer than {years} years: choose a shorter --from/--to").format(
            years=MAX_PERIOD.days // 366))
    from ..load import no_gc

    # Tens of thousands of small tuples and dicts over a heap of 10,000 items: the cyclic GC
    # would walk the whole heap again and again (it doubled the time on the corpus).
    with no_gc():
        return _build(root, now, start, end, channel, campaign, tolerance, repo, history)


def _build(root, now, start, end, channel, campaign, tolerance, repo, history) -> dict:
    from ..load import load_frame
    from . import community, engagement, items, kpis
    from .history import PendingHistory
    from .metrics import read_metrics

    pending = history or PendingHistory(root)
    repo = repo or items.load(root, load_frame(root)[0])
    if channel is not None and channel not in repo.frame.channels:
        raise ReportError(_("unknown channel {name!r} (known: {known})").format(name=channel, known=", ".join(repo.frame.channels)))
    if campaign is not None and campaign not in repo.frame.campaigns:
        raise ReportError(_("unknown campaign {name!r} (known: {known})").format(
            name=campaign, known=", ".join(sorted(repo.frame.campaigns))))
    zone = repo.frame.timezone or start.tzinfo
    history = pending.result()
    rows, moderation_rows, metric_problems = read_metrics(root)
    if channel is not None:
        rows = [row for row in rows if row["channel"] == channel]
    if campaign is not None:
        rows = [row for row in rows if row["campaign"] == campaign]
    published = kpis.publishing(repo, history, now, start, end, channel, campaign,
                                tolerance if tolerance is not None else kpis.DEFAULT_TOLERANCE)
    current = engagement.in_period(rows, start, end, zone)
    window = comparison_window(start, end, zone)
    previous = engagement.in_period(rows, *window, zone) if window else []
    engaged = engagement.engagement(repo, current, previous)
    engaged["previous_window"] = {"from": window[0].isoformat(), "to": window[1].isoformat(),
                                  "month": _is_month(*window, zone)} if window else None
    letters = community.newsletters(repo, start, end)
    contests = community.contests(repo, start, end)
    if campaign is not None:
        contests = [c for c in contests if _campaign_of(repo, c["path"]) == campaign]
    listening = _listening(root, now, start, end)
    results = {
        "mentions": {None: listening["mentions"] if listening else None},
        "followers": engagement.by_campaign(current, "followers"),
        "signups": engagement.by_campaign(current, "signups"),
        "subscribers": {None: next((n["list_size"] for n in reversed(letters) if n["list_size"] is not None), None)},
        "entries": _entries(repo, contests),
        "engagement": {None: engaged["rate"], **{k: v["rate"] for k, v in engaged["per_campaign"].items()}},
    }
    return {
        "version": VERSION,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "now": now.isoformat(),
        "filters": {"channel": channel, "campaign": campaign},
        "publishing": published,
        "freezes": kpis.freezes(repo, start, end, len(published["held"])),
        "pipeline": kpis.pipeline(repo, history, now),
        "lead_times": kpis.lead_times(repo, history, start, end, campaign),
        "contributors": kpis.contributors(history, start, end),
        "engagement": engaged,
        "newsletters": letters,
        "moderation": community.moderation(moderation_rows, start, end),
        "contests": contests,
        "targets": [t for t in community.targets(repo, start, end, results)
                    if campaign is None or t["slug"] == campaign],
        "listening": listening,
        "metrics_problems": len(metric_problems),
    }


def _listening(root, now: datetime, start: datetime, end: datetime) -> dict | None:
    """Mentions of the period from the listening state (None when nothing was ever watched).
    "Unanswered after 24 h" is judged at the end of the period, or now if it is not over."""
    from ..listening.stats import report_figures

    figures = report_figures(root, min(now, end), since=start, until=end)
    if figures is not None:
        figures.pop("unanswered_criticism_ids", None)  # state database ids: meaningless in a committed report
    return figures


def _campaign_of(repo, path: str):
    return next((item.meta.get("campaign") for item in repo.items if item.path == path), None)


def _entries(repo, contests: list[dict]) -> dict:
    out: dict = {None: 0}
    for contest in contests:
        count = contest["entries"] or 0
        out[None] += count
        slug = _campaign_of(repo, contest["path"])
        if slug:
            out[slug] = out.get(slug, 0) + count
    return out


def to_json(report: dict) -> str:
    import json

    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
