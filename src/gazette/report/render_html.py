"""The HTML report: one self-contained page, inline SVG charts, byte-stable.

Charts are hand-written SVG through a Jinja2 template with autoescape (see
docs/report.md for the measurements behind the choice): Jinja2 is already a
dependency, renders in milliseconds and writes the same bytes for the same
input. Every chart has a <title> and a <desc> (its text alternative) and a
table of the same numbers under it. Geometry is computed here, as numbers;
every text goes through the template's escaping.
"""

from __future__ import annotations

from ..i18n import N_, Nn_
from .engagement import WEEKDAYS

WIDTH, BAR_AREA, LEFT = 640, 180, 150

# The page's words, English msgids translated into the report's language where it is rendered
# (the report's --lang may differ from the CLI's, so through that language's catalog, not ``_``).
# Pairs are (singular, plural) for ngettext.
TEXTS = {
    "title": N_("Report {start} → {end}"),
    "summary": N_("Summary"),
    "marker": N_("dashed line: {what} ({value})"),
    "pair": N_("{label}: {value}"),  # a value in a chart's text alternative; French puts a space before ":"
    "publications": Nn_("{count} publication, {on_time} on time (receipt within {tolerance} min of the planned time).",
                        "{count} publications, {on_time} on time (receipt within {tolerance} min of the planned time)."),
    "engagement": N_("Engagement {rate} by impressions"),
    "up": N_("up"), "down": N_("down"), "from_month": N_("{direction} from {previous} in {window} (the previous month)"),
    "from_window": N_("{direction} from {previous} over {window} (the same length before)"),
    "missed": Nn_("{missed} planned publication missed", "{missed} planned publications missed"),
    "held": Nn_(", {held} held by a freeze.", ", {held} held by a freeze."),
    "delay": N_("Delay after the planned time: median {median} min, p90 {p90} min. {anchor}"),
    "anchor": N_("Anchor: Buffer reports 98 % of 1M posts out within 60 s; a CI schedule every 15 minutes cannot match it."),
    "per_week": N_("Publications per week against cadence"),
    "per_week_desc": N_("Publications per week: {values}. Planned cadence: {expected} per week."),
    "on_time_chart": N_("Publications on time and late"),
    "engagement_chart": N_("Engagement rate per channel"),
    "engagement_weeks": N_("Engagement rate per week and channel"),
    "heatmap": N_("Engagement by weekday and hour of publication"),
    "followers": N_("Followers gained per account"),
    "moderation": N_("Flagged messages per family"),
    "targets": N_("Campaign and action targets"),
    "week": N_("Week"), "count": N_("Publications"), "expected": N_("Planned"), "channel": N_("Channel"),
    "rate": N_("Rate"), "formula": N_("Formula"), "impressions": N_("Impressions"), "interactions": N_("Interactions"),
    "slot": N_("Slot"), "posts": N_("Posts"), "gained": N_("Gained"), "family": N_("Family"),
    "flagged": N_("Flagged"), "target": N_("Target"), "value": N_("Measured"), "progress": N_("Progress"),
    "metric": N_("Metric"), "on_time": N_("On time"), "late": N_("Late"), "status": N_("Status"),
    "pipeline": N_("Items by status"), "none": N_("No data for this period."),
    "newsletters": N_("Newsletters"), "sent": N_("Sent"), "refused": N_("Refused"),
    "deferred": N_("Deferred"), "list_size": N_("List size"), "issue": N_("Issue"),
    "contests": N_("Contests"), "entries": N_("Entries"), "eligible": N_("Eligible"), "winners": N_("Winners"),
    "publishing": N_("Publishing"),
    "people": Nn_("{count} contributor", "{count} contributors"),
    "people_new": Nn_(", of whom {new} is new.", ", of whom {new} are new."),
    "lead": N_("Lead time from idea to publication: median {median} h, p90 {p90} h ({formula})."),
    "freezes": Nn_("Freezes: {count} ({hours} h), {held} publication held.",
                   "Freezes: {count} ({hours} h), {held} publications held."),
    "top": N_("Top items"), "bottom": N_("Bottom items"), "item": N_("Item"),
    "unmatched": Nn_("{count} imported row matches no item (kept, counted).",
                     "{count} imported rows match no item (kept, counted)."),
    "days": {"mon": N_("Mon"), "tue": N_("Tue"), "wed": N_("Wed"), "thu": N_("Thu"), "fri": N_("Fri"),
             "sat": N_("Sat"), "sun": N_("Sun")},
    "web": N_("Site: {visits} visits, {signups} sign-ups attributed by UTM campaign."),
    "listening": N_("Listening"), "mentions": N_("Brand mentions"), "share_of_voice": N_("Share of voice"),
    "class_question": N_("Questions"), "class_criticism": N_("Criticism"), "class_praise": N_("Praise"),
    "class_other": N_("Other"), "criticism_praise": N_("Criticism per praise"),
    "answer_hours": N_("Time to answer, business hours (median / p90, h)"),
    "unanswered": N_("Criticism unanswered after 24 h"),
}


def texts(lang: str) -> dict:
    """TEXTS in ``lang``; plural pairs stay msgids, for :func:`_plural` to choose and translate."""
    out = {}
    for key, value in TEXTS.items():
        if isinstance(value, dict):
            out[key] = {name: _translated(word, lang) for name, word in value.items()}
        else:
            out[key] = value if isinstance(value, tuple) else _translated(value, lang)
    return out


def _number(value, lang: str) -> str:
    from .render_text import number

    return number(value, lang)


def _percent(value, lang: str) -> str:
    from .render_text import percent

    return percent(value, lang)


def _plural(forms: tuple[str, str], count: int, lang: str) -> str:
    """The form of ``forms`` (English msgids) for ``count``, by the language's plural rule."""
    from ..i18n import DEFAULT, catalog

    if lang == DEFAULT:
        return forms[0] if count == 1 else forms[1]
    return catalog(lang).ngettext(forms[0], forms[1], count)


def _translated(text: str, lang: str) -> str:
    """An English msgid (a word of the page, a formula the report's data carries) in the page's language."""
    from ..i18n import DEFAULT, catalog

    return text if lang == DEFAULT or not text else catalog(lang).gettext(text)


def bars(rows: list[tuple[str, float | None]], lang: str, as_percent: bool = False, marker: float | None = None,
         marker_text: str = ""):
    """Horizontal bars: geometry as numbers, labels as text (escaped by the template)."""
    top = max([value or 0 for _, value in rows] + [marker or 0]) or 1
    pair = _translated(TEXTS["pair"], lang)
    out = []
    for index, (label, value) in enumerate(rows):
        width = round((value or 0) / top * (WIDTH - LEFT - 70), 1)
        out.append({"label": label, "y": 10 + index * 26, "width": width,
                    "text": _percent(value, lang) if as_percent else _number(value, lang)})
    return {"bars": out, "height": 20 + len(rows) * 26,
            "desc": ", ".join(pair.format(label=bar["label"], value=bar["text"]) for bar in out),
            "marker": round(marker / top * (WIDTH - LEFT - 70), 1) if marker else None, "marker_text": marker_text}


def heat_cells(heatmap: list[dict]):
    top = max([cell["rate"] or 0 for cell in heatmap] + [0]) or 1
    return [{"x": LEFT - 90 + cell["hour"] * 19, "y": 24 + WEEKDAYS.index(cell["weekday"]) * 22,
             "opacity": round(0.25 + 0.75 * (cell["rate"] or 0) / top, 2), **cell} for cell in heatmap]


def to_html(report: dict, lang: str = "fr") -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    t = texts(lang)
    pub, eng = report["publishing"], report["engagement"]
    summary = [_plural(t["publications"], pub["publications"], lang).format(count=pub["publications"], on_time=_percent(pub["on_time"]["rate"], lang),
                                        tolerance=_number(pub["on_time"]["tolerance_minutes"], lang))]
    if eng["rate"] is not None:
        sentence = t["engagement"].format(rate=_percent(eng["rate"], lang))
        window = eng.get("previous_window")
        if eng["previous_rate"] is not None and window:
            from .render_text import window_label

            direction = t["up"] if eng["rate"] >= eng["previous_rate"] else t["down"]
            sentence += ", " + t["from_month" if window["month"] else "from_window"].format(
                direction=direction, previous=_percent(eng["previous_rate"], lang), window=window_label(window))
        summary.append(sentence + ".")
    if pub["missed"] or pub["held"]:
        summary.append(_plural(t["missed"], len(pub["missed"]), lang).format(missed=len(pub["missed"]))
                       + _plural(t["held"], len(pub["held"]), lang).format(held=len(pub["held"])))
    weeks: dict[str, int] = {}
    for row in pub["per_week"]:
        weeks[row["week"]] = weeks.get(row["week"], 0) + row["count"]
    expected = round(sum({row["channel"]: row["expected"] or 0 for row in pub["per_week"]}.values()), 2)
    on_time = pub["on_time"]
    late = on_time["delay_minutes"]["count"] - round((on_time["rate"] or 0) * on_time["delay_minutes"]["count"])
    followers: dict[str, int] = {}
    for row in eng["followers"]:
        followers[row["channel"]] = followers.get(row["channel"], 0) + row["gained"]
    families: dict[str, int] = {}
    for row in report["moderation"]:
        families[row["family"]] = families.get(row["family"], 0) + row["flagged"]
    charts = {
        "weeks": bars(list(weeks.items()), lang, marker=expected or None,
                      marker_text=t["marker"].format(what=t["expected"], value=_number(expected, lang))),
        "on_time": bars([(t["on_time"], on_time["delay_minutes"]["count"] - late), (t["late"], late)], lang),
        "engagement": bars([(name, row["rate"]) for name, row in eng["per_channel"].items()], lang, True),
        "engagement_weeks": bars([(f"{row['week']} · {row['channel']}", row["rate"]) for row in eng["per_week"]],
                                 lang, True),
        "followers": bars(sorted(followers.items()), lang),
        "moderation": bars(sorted(families.items()), lang),
        "targets": bars([(f"{row['name']} ({row['metric']})", row["progress"]) for row in report["targets"]],
                        lang, True, marker=1 if report["targets"] else None,
                        marker_text=t["marker"].format(what=t["target"], value=_percent(1, lang))),
    }
    env = Environment(loader=PackageLoader("gazette", "templates"), autoescape=select_autoescape(("html", "j2")),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["num"] = lambda value: _number(value, lang)
    env.filters["pct"] = lambda value: _percent(value, lang)
    env.filters["tr"] = lambda value: _translated(value, lang)
    env.filters["day"] = lambda value: t["days"].get(value, value)
    env.filters["plural"] = lambda forms, count: _plural(forms, count, lang)
    people = report["contributors"]
    contributors = (_plural(t["people"], people["count"], lang).format(count=people["count"])
                    + _plural(t["people_new"], people["new"], lang).format(new=people["new"]))
    template = env.get_template("report.html.j2")
    return template.render(r=report, t=t, lang=lang, summary=summary, charts=charts, weeks=weeks,
                           expected=expected, late=late, contributors=contributors, followers=followers, families=families,
                           heat=heat_cells(eng["heatmap"]), weekdays=WEEKDAYS, width=WIDTH, left=LEFT,
                           start=report["from"][:10], end=report["to"][:10])
