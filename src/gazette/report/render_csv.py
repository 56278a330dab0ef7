"""The report as one long CSV (section, name, dimension, value) for spreadsheets and dashboards."""

from __future__ import annotations

import csv
import io

HEADER = ("section", "name", "dimension", "value")


def rows(report: dict):
    pub = report["publishing"]
    yield "publishing", "publications", "", pub["publications"]
    for channel, count in pub["per_channel"].items():
        yield "publishing", "publications", channel, count
    for week in pub["per_week"]:
        yield "publishing", "per_week", f"{week['week']}/{week['channel']}", week["count"]
    yield "publishing", "on_time_rate", "", pub["on_time"]["rate"]
    yield "publishing", "delay_median_minutes", "", pub["on_time"]["delay_minutes"]["median"]
    yield "publishing", "delay_p90_minutes", "", pub["on_time"]["delay_minutes"]["p90"]
    yield "publishing", "missed", "", len(pub["missed"])
    yield "publishing", "held", "", len(pub["held"])
    for name, value in report["freezes"].items():
        yield "freezes", name, "", value
    for status, count in report["pipeline"]["by_status"].items():
        yield "pipeline", "items", status, count
    for name in ("lead_time_hours", "review_time_hours"):
        for stat in ("median", "p90"):
            yield "lead_times", name, stat, report["lead_times"][name][stat]
    yield "contributors", "count", "", report["contributors"]["count"]
    yield "contributors", "new", "", report["contributors"]["new"]
    eng = report["engagement"]
    yield "engagement", "rate", "", eng["rate"]
    for channel, row in eng["per_channel"].items():
        for name in ("impressions", "interactions", "rate"):
            yield "engagement", name, channel, row[name]
    for row in eng["followers"]:
        yield "followers", "gained", f"{row['channel']}/{row['date']}", row["gained"]
    for letter in report["newsletters"]:
        for name in ("sent", "refused", "deferred", "list_size"):
            yield "newsletter", name, letter["path"], letter[name]
    for row in report["moderation"]:
        yield "moderation", "flagged", f"{row['week']}/{row['family']}", row["flagged"]
    for contest in report["contests"]:
        for name in ("entries", "eligible", "winners"):
            yield "contests", name, contest["path"], contest[name]
    heard = report.get("listening")
    if heard:
        yield "listening", "mentions", "", heard["mentions"]
        yield "listening", "share_of_voice", "brand", heard["share_of_voice"]["brand"]
        for name, share in heard["share_of_voice"]["competitors"].items():
            yield "listening", "share_of_voice", name, share
        for name, count in heard["classes"].items():
            yield "listening", "class", name, count
        yield "listening", "criticism_praise_ratio", "", heard["criticism_praise_ratio"]
        yield "listening", "answer_hours", "median", heard["answer_hours_median"]
        yield "listening", "answer_hours", "p90", heard["answer_hours_p90"]
        yield "listening", "unanswered_criticism_24h", "", heard["unanswered_criticism_24h"]
    for target in report["targets"]:
        yield "targets", target["metric"], f"{target['kind']}/{target['slug']}", target["value"]


def to_csv(report: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    from .imports import inert

    for section, name, dimension, value in rows(report):
        writer.writerow((section, name, inert(dimension), "" if value is None else value))
    return out.getvalue()
