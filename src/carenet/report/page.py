"""The report page: one self-contained HTML file (inline CSS, inline SVG charts, no script, no link out).

Sections, in reading order: the summary in plain English, the models, the scorecard, the
access-continuity frontier, continuity by segment, waits, workload by role, SPC charts of weekly
waits, sensitivity (when a sweep was run), the assumptions with their sources, and how to
reproduce the run.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from carenet.report import charts
from carenet.report.data import ReportData, ReportError
from carenet.report.funding import funding_section
from carenet.report.sites import report_sites_section
from carenet.report.summary import (
    SECTION_NAMES,
    best_and_worst,
    differences,
    format_number,
    leaders,
    model_sentence,
)
from carenet.report.svg import chart_svg
from carenet.report.uncertainty import summary_items, uncertainty_section
from carenet.schema.folders import write_atomic

"""The page is for sharing: owner writes, everyone reads (``mkstemp`` would leave it private)."""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _css() -> str:
    return resources.files("carenet.report").joinpath("report.css").read_text(encoding="utf-8")


def _figure(build: Callable[[ReportData], alt.TopLevelMixin | None], data: ReportData, name: str,
            caption: str) -> str:
    chart = build(data)
    if chart is None:
        return f'<p class="absent">Not shown: {_e(caption)}: {_e(data.why_absent(name))}.</p>'
    return (f'<figure class="chart" data-chart="{_e(name)}">{chart_svg(chart, caption)}'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _summary(data: ReportData) -> str:
    titles = data.titles
    order = data.model_order
    items = []
    if len(order) > 1:
        comparator = order[0]
        for model in order[1:]:
            diffs = differences(data.scorecard, comparator, model, data.relative_tolerance)
            items.append(f"<li>{_e(model_sentence(titles[model], titles[comparator], diffs))}</li>")
    lead = "".join(f"<li>{_e(line)}</li>" for line in leaders(data.scorecard, titles))
    held = "".join(f"<li>{_e(line)}</li>" for line in summary_items(data))
    held = f"<h3>Which conclusions hold across the assumptions</h3><ul>{held}</ul>" if held else ""
    reps = data.meta.get("replications")
    noise = (f"Ranges in brackets are 95% intervals across {reps} replications; a difference is reported "
             "only when the intervals do not overlap." if reps else "")
    return (f'<section id="summary"><h2>In brief</h2>'
            f'<p class="lede">{_e(noise)}</p>'
            f"<h3>How each model compares with {_e(titles[order[0]])}</h3><ul class=\"summary\">"
            f"{''.join(items) or '<li>Only one model was run.</li>'}</ul>"
            f"{held}<h3>Who leads where</h3><ul>{lead}</ul></section>")


def _models(data: ReportData) -> str:
    rows = "".join(f"<tr><th>{_e(r.title)}</th><td><code>{_e(r.model)}</code></td><td>{_e(r.summary)}</td></tr>"
                   for r in data.models.itertuples())
    return (f'<section id="models"><h2>The models compared</h2><table class="plain"><thead><tr><th>model</th>'
            f"<th>name</th><th>how it works</th></tr></thead><tbody>{rows}</tbody></table></section>")


def _cell(row: pd.Series | None) -> tuple[str, str]:
    if row is None or pd.isna(row["mean"]):
        note = "the model's run has no value for this measure" if row is None else str(row["note"] or "")
        return "n/a", note
    unit = str(row["unit"])
    value = format_number(float(row["mean"]), unit)
    if row["reps"] and row["reps"] > 1 and row["lo"] != row["hi"]:
        low, high = format_number(float(row["lo"]), unit), format_number(float(row["hi"]), unit)
        value += f'<br><span class="ci">{low}–{high}</span>'
    return value, ""


def _scorecard(data: ReportData) -> str:
    order = data.model_order
    titles = data.titles
    card = data.scorecard
    head = "".join(f"<th>{_e(titles[m])}</th>" for m in order)
    body = []
    reasons: dict[str, int] = {}
    for attribute in dict.fromkeys(card["attribute"]):
        body.append(f'<tr class="section"><th colspan="{len(order) + 1}">{_e(SECTION_NAMES.get(attribute, attribute))}'
                    "</th></tr>")
        part = card[card["attribute"] == attribute]
        for measure in dict.fromkeys(part["measure"]):
            rows = part[part["measure"] == measure].set_index("model")
            first = rows.iloc[0]
            best, worst = best_and_worst(rows, data.relative_tolerance)
            cells = []
            for m in order:
                row = rows.loc[m] if m in rows.index else None
                text, note = _cell(row)
                cls = ' class="best"' if m == best else (' class="worst"' if m == worst else "")
                tip = f' title="{_e(note)}"' if note else ""
                if note:
                    mark = reasons.setdefault(note, len(reasons) + 1)
                    text += f'<sup class="why"><a href="#na-{mark}">{mark}</a></sup>'
                cells.append(f"<td{cls}{tip}>{text}</td>")
            arrow = {"higher": " ↑", "lower": " ↓"}.get(first["better"] or "", "")
            body.append(f"<tr><th>{_e(first['label'])}<span class=\"better\">{arrow}</span></th>{''.join(cells)}</tr>")
    return (f'<section id="scorecard"><h2>Scorecard: the five attributes, workforce and cost</h2>'
            "<p>Each cell is the mean over replications with its 95% interval. ↑ higher is better, ↓ lower is "
            "better; where the best and worst models clearly differ (their intervals apart), the best is shaded "
            "green and the worst amber. n/a: the simulated data cannot support the measure; the numbered notes "
            "under the table say why.</p>"
            f'<table class="scorecard"><thead><tr><th>measure</th>{head}</tr></thead><tbody>{"".join(body)}'
            f"</tbody></table>{_reasons(reasons)}</section>")


def _reasons(reasons: dict[str, int]) -> str:
    """The reasons for n/a, numbered as the cells cite them (printed, so they survive paper and email)."""
    if not reasons:
        return ""
    items = "".join(f'<li id="na-{n}">{_e(reason)}</li>' for reason, n in reasons.items())
    return f'<h3>Why some cells are n/a</h3><ol class="reasons">{items}</ol>'


def _assumptions(data: ReportData) -> str:
    if not data.present("assumptions"):
        return ""
    rows = "".join(
        f"<tr><td><code>{_e(r.parameter)}</code></td><td>{_e(r.value)}</td><td>{_range(r)}</td><td>{_e(r.tag)}</td>"
        f"<td>{_e(_why(r.rationale, r.tag))}</td><td class=\"source\">{_e(r.source)}</td></tr>"
        for r in data.assumptions.itertuples())
    return ('<section id="assumptions"><h2>Assumptions and their sources</h2>'
            "<p>Every figure the simulation and the costs rest on. Tags: V verified in the cited source, D derived "
            "by arithmetic, S secondary source, M from memory (unverified), A assumption (the rationale says why). "
            "The range is what an uncertainty analysis draws the figure from (uniform unless the distribution is "
            "named; one span per element of a list), with why those bounds; “fixed” says why a figure is "
            "not drawn. Each can be changed in <code>parameters.yaml</code> or in the model file.</p>"
            '<table class="plain assumptions"><thead><tr><th>parameter</th><th>value</th><th>range</th><th>tag</th>'
            f"<th>why</th><th>source</th></tr></thead><tbody>{rows}</tbody></table></section>")


def _text(row: Any, column: str) -> str:
    value = getattr(row, column, "")
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


def _range(row: Any) -> str:
    """The row's range (tables written before ranges existed have none), with why those bounds below it."""
    span, note = _text(row, "range"), _text(row, "range_note")
    return _e(span) + (f'<br><span class="range-note">{_e(note)}</span>' if span and note else "")


TAG_REASONS: dict[str, str] = {
    "V": "a published figure, read in the cited source",
    "D": "derived by arithmetic from published figures in the cited source",
    "S": "a published figure, as a secondary source reports it",
    "M": "a published figure recalled, not yet checked against its source",
    "A": "an assumption; the source says what it rests on",
}
"""What an assumption's evidence tag says about why it holds, for rows that give no rationale of their own."""


def _why(rationale: object, tag: object) -> str:
    text = "" if rationale is None or pd.isna(rationale) else str(rationale).strip()
    return text or TAG_REASONS.get(str(tag).strip(), "")


def _reproduce(data: ReportData) -> str:
    facts = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in data.meta.items())
    commands = "\n".join(data.reproduce)
    return ('<section id="reproduce"><h2>How to reproduce this run</h2>'
            "<p>The same commands with the same seed give the same tables, bit for bit.</p>"
            f"<pre>{_e(commands)}</pre><table class=\"plain facts\"><tbody>{facts}</tbody></table></section>")


def _chart_section(anchor: str, heading: str, intro: str, figure: str) -> str:
    return f'<section id="{anchor}"><h2>{_e(heading)}</h2><p>{_e(intro)}</p>{figure}</section>'


def _comparison_sections(data: ReportData) -> list[tuple[str, str, str]]:
    """(anchor, nav label, html) of the comparison's sections."""
    return [
        ("summary", "Summary", _summary(data)),
        ("models", "Models", _models(data)),
        ("scorecard", "Scorecard", _scorecard(data)),
        ("frontier", "Access & continuity", _chart_section(
            "frontier", "Access and continuity",
            "Each point is a model: further left means shorter waits, higher means patients see the same "
            "professional more often. Lines show the 95% intervals. The reports' warning is that models which "
            "maximise access at the expense of continuity give less effective care.",
            _figure(charts.frontier_chart, data, "frontier", "Access-continuity frontier"))),
        ("continuity-segments", "Continuity by segment", _chart_section(
            "continuity-segments", "Continuity by patient segment",
            "Continuity matters most for complex, frail and multimorbid patients; this shows whether each model "
            "keeps it where it matters.",
            _figure(charts.continuity_segment_chart, data, "continuity_by_segment", "Continuity by segment"))),
        ("waits", "Waits", _chart_section(
            "waits", "How long patients wait",
            "Share of answered requests in each NHS Digital booking interval, by urgency.",
            _figure(charts.waits_chart, data, "waits", "Wait distributions"))),
        ("workload", "Workload", _chart_section(
            "workload", "Workload by role",
            "Appointment hours a week each role delivers: how each model shares the work across the skill-mix.",
            _figure(charts.workload_chart, data, "workload", "Workload by role"))),
        ("spc", "SPC", _chart_section(
            "spc", "Weekly waits over the year (statistical process control)",
            "XmR charts of the weekly mean wait (first replication): the solid line is the mean, dashed lines the "
            "process limits (mean ± 2.66 × mean moving range, NHS England 'Making Data Count'). Coloured points "
            "are special-cause variation worth investigating in real data. In a simulated run, demand rises and "
            "falls with the season by design (the month factors of parameters.yaml "
            "twin.calendar.month_appointments_per_working_day, from NHS Digital's Dorset appointments, and the "
            "weekday factors beside them): signals that follow the months of high and low demand are that "
            "expected seasonal variation, not a change in how the model works.",
            _figure(charts.spc_chart, data, "spc", "SPC charts of weekly waits"))),
    ]


def _sweep_section(data: ReportData) -> tuple[str, str, str]:
    paths = [p for p in data.sweep_parameter.split(" and ") if p]
    named = " and ".join(charts.readable_setting(p) for p in paths) or "the setting"
    return ("sweep", "Sensitivity", _chart_section(
        "sweep", f"Sensitivity to {named}",
        f"How the headline measures move as {named} varies ({', '.join(paths) or 'the setting'} in "
        "parameters.yaml or the model file; bands are 95% intervals across replications, which share their seeds "
        "across settings). Each panel's axis covers at least a fifth of its measure's level, so small changes look "
        "small.",
        _figure(charts.sweep_chart, data, "sweep", f"Sensitivity to {named}")
        + _figure(charts.sweep_frontier_chart, data, "sweep_frontier",
                  f"Access-continuity frontier as {named} varies")))


VALIDATION_PAGE = "validation.html"
"""``carenet validate``'s page: linked from the report's header when it sits next to the report."""


def render_html(data: ReportData, validation_link: bool = False) -> str:
    """The whole report as one HTML string (a sweep alone when the scorecard is empty)."""
    sections = [] if data.scorecard.empty else _comparison_sections(data)
    if data.present("sites"):
        sections.append(report_sites_section(data))
    if data.present("robustness"):
        sections.append(uncertainty_section(data))
    if data.funding is not None:
        sections.append(funding_section(data))
    if data.present("sweep"):
        sections.append(_sweep_section(data))
    if data.present("assumptions"):
        sections.append(("assumptions", "Assumptions", _assumptions(data)))
    sections.append(("reproduce", "Reproduce", _reproduce(data)))
    generated = data.meta.get("generated", dt.date.today().isoformat())
    nav = "".join(f'<a href="#{anchor}">{_e(label)}</a>' for anchor, label, _ in sections)
    if validation_link:
        nav += f'<a href="{VALIDATION_PAGE}">Validation against published figures</a>'
    body = "".join(part for _, _, part in sections)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(data.title)}</title><style>{_css()}</style></head><body>"
            f"<header><h1>{_e(data.title)}</h1><p class=\"meta\">Generated {_e(generated)} by carenet</p>"
            f"<nav>{nav}</nav></header><main>{body}</main></body></html>\n")


def write_report(data: ReportData, path: str | os.PathLike[str]) -> Path:
    """Render the report and write it atomically to ``path`` (a half-written page is never left behind)."""
    target = Path(path)
    text = render_html(data, validation_link=(target.parent / VALIDATION_PAGE).is_file())
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(target, text.encode("utf-8"))


__all__ = ["ReportError", "render_html", "write_report"]
