"""``validation.html``: one self-contained page (inline CSS, inline SVG charts, no script, no link out).

It opens with the verdict, then the table of every figure (simulated, published, tolerance, ok / OUTSIDE,
source), then one chart per measure that has published figures: simulated and published side by side, the
published figure's tolerance drawn as a range. Charts are Altair specifications rendered by vl-convert,
as the comparison report draws them (:func:`carenet.report.svg.chart_svg`), in the report's stylesheet.
"""

from __future__ import annotations

import html
from importlib import resources
from pathlib import Path

import altair as alt
import pandas as pd

from carenet.report.charts import HEIGHT, WIDTH
from carenet.report.svg import chart_svg
from carenet.twin.experiments.export import _atomic
from carenet.validation.comparison import NOT_APPLICABLE, OK, OUTSIDE, Validation, format_tolerance, format_value

CHARTED: tuple[str, ...] = ("consultation_rate", "staff_share", "booking_interval", "mode_share", "upc",
                            "unmet_demand")
"""Measures drawn as charts (the others are single figures the table shows)."""
SERIES_COLOURS = {"simulated": "#005eb8", "published": "#9aa5b1"}
_EXTRA_CSS = """
td.ok { color: #1e6b1e; font-weight: 600; } td.outside { background: #fde9c9; color: #8a3a00; font-weight: 700; }
td.na { color: #66707a; } table.validation td.num { text-align: right; white-space: nowrap; }
table.validation td.note, table.validation td.source { font-size: 12px; color: #4a5560; max-width: 340px; }
p.verdict { font-size: 17px; font-weight: 600; } p.verdict.fail { color: #8a3a00; } p.verdict.pass { color: #1e6b1e; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _css() -> str:
    return resources.files("carenet.report").joinpath("report.css").read_text(encoding="utf-8") + _EXTRA_CSS


def measure_chart(table: pd.DataFrame, measure: str) -> alt.LayerChart | None:
    """Simulated and published bars per group of ``measure``, the tolerance around the published figure as a rule."""
    rows = table[(table["measure"] == measure) & table["published"].notna()]
    if rows.empty:
        return None
    names = rows["group_label"].where(rows["group_label"] != "", rows["title"])
    order = list(names)
    long = pd.concat([rows.assign(series=name, value=rows[name], group=names) for name in ("simulated", "published")])
    long = long[long["value"].notna()]
    bound = rows["tolerance"] * rows["published"].abs().where(rows["relative"], 1.0)
    ranges = pd.DataFrame({"group": order, "series": "published", "low": rows["published"] - bound,
                           "high": rows["published"] + bound})
    share = rows["unit"].iloc[0] == "share"
    y_axis = alt.Axis(format="%") if share else alt.Axis()
    x = alt.X("group:N", sort=order, title=None, axis=alt.Axis(labelAngle=-30, labelLimit=200))
    offset = alt.XOffset("series:N", sort=list(SERIES_COLOURS), scale=alt.Scale(domain=list(SERIES_COLOURS)))
    colour = alt.Color("series:N", scale=alt.Scale(domain=list(SERIES_COLOURS), range=list(SERIES_COLOURS.values())),
                       legend=alt.Legend(orient="bottom", title=None))
    bars = alt.Chart(long).mark_bar().encode(
        x=x, xOffset=offset,
        y=alt.Y("value:Q", title=rows["title"].iloc[0], axis=y_axis), color=colour,
        tooltip=["group:N", "series:N", alt.Tooltip("value:Q", format=".3f")])
    tolerance = alt.Chart(ranges).mark_rule(color="#333", strokeWidth=2).encode(
        x=x, xOffset=offset, y="low:Q", y2="high:Q", tooltip=["group:N", alt.Tooltip("low:Q", format=".3f"),
                                              alt.Tooltip("high:Q", format=".3f")])
    return alt.layer(bars, tolerance).properties(width=max(240, min(WIDTH, 80 * len(order))), height=HEIGHT * 2 // 3)


def _status_cell(status: str) -> str:
    css = {OK: "ok", OUTSIDE: "outside", NOT_APPLICABLE: "na"}[status]
    return f'<td class="{css}">{_e(status)}</td>'


def _table(validation: Validation) -> str:
    body = []
    for row in validation.table.to_dict(orient="records"):
        source = f"[{row['tag']}] {row['source']}" if row["tag"] else row["source"]
        body.append(
            f"<tr><th>{_e(row['label'])}</th><td class=\"num\">{_e(format_value(row['simulated'], row['unit']))}</td>"
            f"<td class=\"num\">{_e(format_value(row['published'], row['unit']))}</td>"
            f"<td class=\"num\">{_e(format_tolerance(row))}</td>{_status_cell(row['status'])}"
            f"<td class=\"source\">{_e(source)}</td><td class=\"note\">{_e(row['note'])}</td></tr>")
    return ('<section id="figures"><h2>Simulated against published</h2>'
            "<p>ok: within the tolerance of the published figure; OUTSIDE: not; n/a: one side is absent (the note "
            "says why). Tags: V verified, D derived, S secondary source, M from memory, A assumption.</p>"
            '<table class="plain validation"><thead><tr><th>measure</th><th>simulated</th><th>published</th>'
            "<th>tolerance</th><th>verdict</th><th>source</th><th>note</th></tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></section>")


def _charts(validation: Validation) -> str:
    figures = []
    for measure in CHARTED:
        chart = measure_chart(validation.table, measure)
        if chart is None:
            continue
        caption = validation.table.loc[validation.table["measure"] == measure, "title"].iloc[0]
        figures.append(f'<figure class="chart" data-chart="{_e(measure)}">{chart_svg(chart, caption)}'
                       f"<figcaption>{_e(caption)}: simulated and published; the black rule is the published "
                       "figure's tolerance</figcaption></figure>")
    return ('<section id="charts"><h2>Charts</h2>' + ("".join(figures) or
            '<p class="absent">No measure has both a simulated and a published figure.</p>') + "</section>")


def render_html(validation: Validation, title: str) -> str:
    counts = validation.counts()
    verdict = ("Every figure with a published reference is within its tolerance." if validation.passed else
               f"{counts[OUTSIDE]} figure(s) lie outside their tolerance.")
    facts = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in validation.facts.items())
    summary = (f'<section id="verdict"><h2>Verdict</h2><p class="verdict {"pass" if validation.passed else "fail"}">'
               f"{_e(verdict)}</p><p>{counts[OK]} ok, {counts[OUTSIDE]} outside, {counts[NOT_APPLICABLE]} without "
               f'both figures.</p><table class="plain facts"><tbody>{facts}</tbody></table></section>')
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{_css()}</style></head><body>"
            f"<header><h1>{_e(title)}</h1><p class=\"meta\">carenet validate</p>"
            '<nav><a href="#verdict">Verdict</a><a href="#figures">Figures</a><a href="#charts">Charts</a></nav>'
            f"</header><main>{summary}{_table(validation)}{_charts(validation)}</main></body></html>\n")


def write_page(validation: Validation, path: Path, title: str) -> Path:
    """Render and write ``validation.html`` atomically."""
    text = render_html(validation, title)
    return _atomic(path, lambda p: p.write_text(text, encoding="utf-8"))


__all__ = ["measure_chart", "render_html", "write_page"]
