"""The HTML report: one self-contained page, inline SVG charts, byte-stable.

Charts are hand-written SVG through a Jinja2 template with autoescape (see
docs/report.md for the measurements behind the choice): Jinja2 is already a
dependency, renders in milliseconds and writes the same bytes for the same
input. Every chart has a <title> and a <desc> (its text alternative) and a
table of the same numbers under it. Geometry is computed here, as numbers;
every text goes through the template's escaping.
"""

from __future__ import annotations

from .engagement import WEEKDAYS

WIDTH, BAR_AREA, LEFT = 640, 180, 150

TEXTS = {
    "fr": {
        "title": "Rapport {start} → {end}",
        "summary": "Résumé",
        "marker": "ligne pointillée : {what} ({value})",
        "publications": ("{count} publication, {on_time} à l'heure (reçu dans les {tolerance} min qui suivent l'heure prévue).",
                         "{count} publications, {on_time} à l'heure (reçu dans les {tolerance} min qui suivent l'heure prévue)."),
        "engagement": "Engagement {rate} rapporté aux impressions",
        "up": "en hausse", "down": "en baisse", "from_month": "{direction} par rapport à {previous} en {window} (le mois précédent)",
        "from_window": "{direction} par rapport à {previous} du {window} (la même durée juste avant)",
        "missed": ("{missed} publication prévue manquée", "{missed} publications prévues manquées"),
        "held": (", {held} retenue par un gel.", ", {held} retenues par un gel."),
        "delay": "Délai après l'heure prévue : médiane {median} min, p90 {p90} min. {anchor}",
        "anchor": "Repère : Buffer publie 98 % d'un million de posts en moins de 60 s ; une planification CI toutes les 15 minutes ne peut pas l'égaler.",
        "per_week": "Publications par semaine et cadence prévue",
        "per_week_desc": "Publications par semaine : {values}. Cadence prévue : {expected} par semaine.",
        "on_time_chart": "Publications à l'heure et en retard",
        "engagement_chart": "Taux d'engagement par canal",
        "engagement_weeks": "Taux d'engagement par semaine et canal",
        "heatmap": "Engagement par jour et heure de publication",
        "followers": "Abonnés gagnés par compte",
        "moderation": "Messages signalés par famille",
        "targets": "Objectifs des campagnes et actions",
        "week": "Semaine", "count": "Publications", "expected": "Prévu", "channel": "Canal",
        "rate": "Taux", "formula": "Formule", "impressions": "Impressions", "interactions": "Interactions",
        "slot": "Créneau", "posts": "Publications", "gained": "Gagnés", "family": "Famille",
        "flagged": "Signalés", "target": "Objectif", "value": "Mesuré", "progress": "Avancement",
        "metric": "Mesure", "on_time": "À l'heure", "late": "En retard", "status": "État",
        "pipeline": "Contenus par état", "none": "Aucune donnée pour cette période.",
        "newsletters": "Lettres d'information", "sent": "Envoyés", "refused": "Refusés",
        "deferred": "Différés", "list_size": "Taille de la liste", "issue": "Numéro",
        "contests": "Jeux concours", "entries": "Participations", "eligible": "Éligibles", "winners": "Gagnants",
        "publishing": "Publication",
        "people": ("{count} contributeur", "{count} contributeurs"),
        "people_new": (", dont {new} nouveau.", ", dont {new} nouveaux."),
        "lead": "Délai de l'idée à la publication : médiane {median} h, p90 {p90} h ({formula}).",
        "freezes": ("Gels : {count} ({hours} h), {held} publication retenue.",
                    "Gels : {count} ({hours} h), {held} publications retenues."),
        "top": "Meilleurs contenus", "bottom": "Contenus les moins engageants", "item": "Contenu",
        "unmatched": ("{count} ligne importée ne correspond à aucun contenu (conservée, comptée).",
                      "{count} lignes importées ne correspondent à aucun contenu (conservées, comptées)."),
        "days": {"mon": "lun.", "tue": "mar.", "wed": "mer.", "thu": "jeu.", "fri": "ven.", "sat": "sam.",
                 "sun": "dim."},
        "web": "Site : {visits} visites, {signups} inscriptions attribuées par campagne UTM.",
        "listening": "Écoute", "mentions": "Mentions de la marque", "share_of_voice": "Part de voix",
        "class_question": "Questions", "class_criticism": "Critiques", "class_praise": "Éloges",
        "class_other": "Autres", "criticism_praise": "Critiques par éloge",
        "answer_hours": "Délai de réponse, heures ouvrées (médiane / p90, h)",
        "unanswered": "Critiques sans réponse après 24 h",
    },
    "en": {
        "title": "Report {start} → {end}",
        "summary": "Summary",
        "marker": "dashed line: {what} ({value})",
        "publications": ("{count} publication, {on_time} on time (receipt within {tolerance} min of the planned time).",
                         "{count} publications, {on_time} on time (receipt within {tolerance} min of the planned time)."),
        "engagement": "Engagement {rate} by impressions",
        "up": "up", "down": "down", "from_month": "{direction} from {previous} in {window} (the previous month)",
        "from_window": "{direction} from {previous} over {window} (the same length before)",
        "missed": ("{missed} planned publication missed", "{missed} planned publications missed"),
        "held": (", {held} held by a freeze.", ", {held} held by a freeze."),
        "delay": "Delay after the planned time: median {median} min, p90 {p90} min. {anchor}",
        "anchor": "Anchor: Buffer reports 98 % of 1M posts out within 60 s; a CI schedule every 15 minutes cannot match it.",
        "per_week": "Publications per week against cadence",
        "per_week_desc": "Publications per week: {values}. Planned cadence: {expected} per week.",
        "on_time_chart": "Publications on time and late",
        "engagement_chart": "Engagement rate per channel",
        "engagement_weeks": "Engagement rate per week and channel",
        "heatmap": "Engagement by weekday and hour of publication",
        "followers": "Followers gained per account",
        "moderation": "Flagged messages per family",
        "targets": "Campaign and action targets",
        "week": "Week", "count": "Publications", "expected": "Planned", "channel": "Channel",
        "rate": "Rate", "formula": "Formula", "impressions": "Impressions", "interactions": "Interactions",
        "slot": "Slot", "posts": "Posts", "gained": "Gained", "family": "Family",
        "flagged": "Flagged", "target": "Target", "value": "Measured", "progress": "Progress",
        "metric": "Metric", "on_time": "On time", "late": "Late", "status": "Status",
        "pipeline": "Items by status", "none": "No data for this period.",
        "newsletters": "Newsletters", "sent": "Sent", "refused": "Refused",
        "deferred": "Deferred", "list_size": "List size", "issue": "Issue",
        "contests": "Contests", "entries": "Entries", "eligible": "Eligible", "winners": "Winners",
        "publishing": "Publishing",
        "people": ("{count} contributor", "{count} contributors"),
        "people_new": (", of whom {new} is new.", ", of whom {new} are new."),
        "lead": "Lead time from idea to publication: median {median} h, p90 {p90} h ({formula}).",
        "freezes": ("Freezes: {count} ({hours} h), {held} publication held.",
                    "Freezes: {count} ({hours} h), {held} publications held."),
        "top": "Top items", "bottom": "Bottom items", "item": "Item",
        "unmatched": ("{count} imported row matches no item (kept, counted).",
                      "{count} imported rows match no item (kept, counted)."),
        "days": {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri", "sat": "Sat", "sun": "Sun"},
        "web": "Site: {visits} visits, {signups} sign-ups attributed by UTM campaign.",
        "listening": "Listening", "mentions": "Brand mentions", "share_of_voice": "Share of voice",
        "class_question": "Questions", "class_criticism": "Criticism", "class_praise": "Praise",
        "class_other": "Other", "criticism_praise": "Criticism per praise",
        "answer_hours": "Time to answer, business hours (median / p90, h)",
        "unanswered": "Criticism unanswered after 24 h",
    },
}


def _number(value, lang: str) -> str:
    from .render_text import number

    return number(value, lang)


def _percent(value, lang: str) -> str:
    from .render_text import percent

    return percent(value, lang)


def _plural(forms: tuple[str, str], count: int, lang: str) -> str:
    """French uses the singular for 0 and 1, English for 1 only."""
    return forms[1 if (count > 1 if lang == "fr" else count != 1) else 0]


def _translated(text: str, lang: str) -> str:
    """A text the report's data carries in English (a formula), in the page's language."""
    from ..i18n import DEFAULT, catalog

    return text if lang == DEFAULT or not text else catalog(lang).gettext(text)


def bars(rows: list[tuple[str, float | None]], lang: str, as_percent: bool = False, marker: float | None = None,
         marker_text: str = ""):
    """Horizontal bars: geometry as numbers, labels as text (escaped by the template)."""
    top = max([value or 0 for _, value in rows] + [marker or 0]) or 1
    out = []
    for index, (label, value) in enumerate(rows):
        width = round((value or 0) / top * (WIDTH - LEFT - 70), 1)
        out.append({"label": label, "y": 10 + index * 26, "width": width,
                    "text": _percent(value, lang) if as_percent else _number(value, lang)})
    return {"bars": out, "height": 20 + len(rows) * 26,
            "desc": ", ".join(f"{bar['label']} : {bar['text']}" for bar in out),
            "marker": round(marker / top * (WIDTH - LEFT - 70), 1) if marker else None, "marker_text": marker_text}


def heat_cells(heatmap: list[dict]):
    top = max([cell["rate"] or 0 for cell in heatmap] + [0]) or 1
    return [{"x": LEFT - 90 + cell["hour"] * 19, "y": 24 + WEEKDAYS.index(cell["weekday"]) * 22,
             "opacity": round(0.25 + 0.75 * (cell["rate"] or 0) / top, 2), **cell} for cell in heatmap]


def to_html(report: dict, lang: str = "fr") -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    t = TEXTS[lang]
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
