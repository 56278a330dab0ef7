"""The report for a terminal: the same numbers as the JSON, in sentences and short tables."""

from __future__ import annotations

from datetime import datetime

from .. import i18n
from ..clock import shown
from ..i18n import _, ngettext


def percent(value, lang: str | None = None) -> str:
    """12.5 % in English, 12,5 % (narrow no-break space) in French; the JSON keeps the number."""
    if value is None:
        return "–"
    if (lang or i18n.language()) == "fr":
        return f"{value * 100:.1f}".replace(".", ",") + "\u202f%"
    return f"{value * 100:.1f} %"


def number(value, lang: str | None = None) -> str:
    if value is None:
        return "–"
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text.replace(".", ",") if (lang or i18n.language()) == "fr" else text



def window_label(window: dict) -> str:
    """'2026-10' for a calendar month, else 'from → to' (to excluded, as in the report's title)."""
    return window["from"][:7] if window["month"] else f"{window['from'][:10]} → {window['to'][:10]}"


def summary(report: dict) -> list[str]:
    """The opening sentences, shared by the text and the HTML report."""
    pub, eng = report["publishing"], report["engagement"]
    lines = [ngettext("{count} publication, {on_time} on time (receipt within {tolerance} min of the planned time).",
                      "{count} publications, {on_time} on time (receipt within {tolerance} min of the planned time).",
                      pub["publications"]).format(count=pub["publications"], on_time=percent(pub["on_time"]["rate"]),
                     tolerance=number(pub["on_time"]["tolerance_minutes"]))]
    if eng["rate"] is not None:
        text = _("Engagement {rate} by impressions").format(rate=percent(eng["rate"]))
        window = eng.get("previous_window")
        if eng["previous_rate"] is not None and window:
            sentence = (_(", {direction} from {previous} in {window} (the previous month)") if window["month"]
                        else _(", {direction} from {previous} over {window} (the same length before)"))
            text += sentence.format(direction=_("up") if eng["rate"] >= eng["previous_rate"] else _("down"),
                                    previous=percent(eng["previous_rate"]), window=window_label(window))
        lines.append(text + ".")
    if pub["missed"] or pub["held"]:
        missed, held = len(pub["missed"]), len(pub["held"])
        lines.append(ngettext("{missed} planned publication missed", "{missed} planned publications missed", missed)
                     .format(missed=missed)
                     + ngettext(", {held} held by a freeze.", ", {held} held by a freeze.", held).format(held=held))
    return lines


def to_text(report: dict) -> str:
    pub = report["publishing"]
    out = [_("Report {start} → {end}").format(start=report["from"][:10], end=report["to"][:10]), ""]
    out += summary(report)
    out += ["", _("Publications per channel")]
    out += [f"  {name:<24} {count:>5}" for name, count in pub["per_channel"].items()] or ["  –"]
    delay = pub["on_time"]["delay_minutes"]
    out += ["", _("Delay after the planned time (receipt − planned): median {median} min, p90 {p90} min.").format(
        median=number(delay["median"]), p90=number(delay["p90"])),
        "  " + _(pub["on_time"]["anchor"])]
    for label, entries in ((_("Missed"), pub["missed"]), (_("Held by a freeze"), pub["held"])):
        if entries:
            out += ["", label]
            out += [f"  {shown(datetime.fromisoformat(e['planned']))}  {e['channel']:<20} {e['path']}"
                    for e in entries]
    freezes = report["freezes"]
    out += ["", ngettext("Freezes: {count} ({hours} h), {held} publication held.",
                         "Freezes: {count} ({hours} h), {held} publications held.", freezes["items_held"]).format(
        count=freezes["count"], hours=number(freezes["hours"]), held=freezes["items_held"])]
    statuses = ", ".join(f"{name} {count}" for name, count in report["pipeline"]["by_status"].items())
    ages = report["pipeline"]["idea_draft_age_days"]
    out += [_("Pipeline: {statuses}; ideas and drafts {median} days old (median), {max} at most.").format(
        statuses=statuses, median=number(ages["median"]), max=number(ages["max"]))]
    lead, review = report["lead_times"]["lead_time_hours"], report["lead_times"]["review_time_hours"]
    out += [_("Lead time: median {median} h, p90 {p90} h ({formula}).").format(
        median=number(lead["median"]), p90=number(lead["p90"]), formula=_(lead["formula"])),
        _("Review time: median {median} h, p90 {p90} h ({formula}).").format(
        median=number(review["median"]), p90=number(review["p90"]), formula=_(review["formula"]))]
    if report["lead_times"].get("left_out_history_after_receipt"):
        out += [ngettext("{count} item left out of lead and review times: its first commit is after its "
                         "first receipt (history imported later).",
                         "{count} items left out of lead and review times: their first commit is after their "
                         "first receipt (history imported later).",
                         report["lead_times"]["left_out_history_after_receipt"]).format(
            count=report["lead_times"]["left_out_history_after_receipt"])]
    people = report["contributors"]
    out += [ngettext("Contributors: {count}, of whom {new} is new.", "Contributors: {count}, of whom {new} are new.",
                     people["new"]).format(count=people["count"], new=people["new"])]
    eng = report["engagement"]
    if eng["per_channel"]:
        out += ["", _("Engagement per channel")]
        for name, row in eng["per_channel"].items():
            out.append(f"  {name:<24} {row['impressions']:>8} {row['interactions']:>6} {percent(row['rate']):>8}"
                       f"  {_(row['formula'])}")
        out.append(ngettext("  {count} imported row matches no item (kept, counted).",
                            "  {count} imported rows match no item (kept, counted).",
                            eng["unmatched_rows"]).format(count=eng["unmatched_rows"]))
    if report["newsletters"]:
        out += ["", _("Newsletters")]
        out += ["  " + _("{day}  sent {sent}, refused {refused}, deferred {deferred}, list {size}  {path}").format(
            day=n["at"][:10], sent=number(n["sent"]), refused=number(n["refused"]), deferred=number(n["deferred"]),
            size=number(n["list_size"]), path=n["path"]) for n in report["newsletters"]]
    if report["moderation"]:
        out += ["", _("Moderation (flagged per family and week)")]
        out += [f"  {m['week']}  {m['family']:<20} {m['flagged']:>4}" for m in report["moderation"]]
    if report["contests"]:
        out += ["", _("Contests")]
        out += ["  " + _("{title}: entries {entries}, eligible {eligible}, winners {winners}").format(
            title=c["title"], entries=number(c["entries"]), eligible=number(c["eligible"]), winners=c["winners"])
            for c in report["contests"]]
    heard = report.get("listening")
    if heard:
        voice = heard["share_of_voice"]
        out += ["", _("Listening"),
                _("  {count} brand mentions; share of voice {share} ({competitors}).").format(
                    count=heard["mentions"], share=percent(voice["brand"]),
                    competitors=", ".join(f"{name} {percent(value)}" for name, value in voice["competitors"].items())
                    or "–"),
                _("  Questions {question}, criticism {criticism}, praise {praise}, other {other}; "
                  "criticism per praise {ratio}.").format(ratio=number(heard["criticism_praise_ratio"]),
                                                          **heard["classes"]),
                _("  Time to answer (business hours): median {median} h, p90 {p90} h over {answered} answers; "
                  "{late} criticisms unanswered after 24 h.").format(
                    median=number(heard["answer_hours_median"]), p90=number(heard["answer_hours_p90"]),
                    answered=heard["answered"], late=heard["unanswered_criticism_24h"])]
    if report["targets"]:
        out += ["", _("Targets")]
        out += [f"  {t['kind']} {t['slug']}: {t['metric']} {number(t['value'])} / {number(t['target'])}"
                f" ({percent(t['progress'])})" for t in report["targets"]]
    return "\n".join(out) + "\n"
