"""The report's section "How the sites compare": funnel plots of headline measures by unit, and an XmR chart of the
weekly mean wait per unit.

It draws the rows :meth:`carenet.measures.sites.SiteComparison.to_arrow` gives (one per measure and unit: n,
value, target, limits, flag, σ and the two z) and the rows of :func:`carenet.measures.sites.spc_rows`; it runs
nothing. ``carenet score DATASET --by UNIT --out FOLDER`` writes the section as a page of its own
(:func:`write_sites_page`), with each funnel plot as an SVG file beside it.
"""

from __future__ import annotations

import html
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

from carenet.measures.scorecard import measure_info
from carenet.measures.sites import DENOMINATORS
from carenet.report.charts import POINT_TYPE_COLOURS, POINT_TYPE_LABELS
from carenet.report.data import ReportData
from carenet.report.svg import chart_svg
from carenet.schema.folders import write_atomic

CURVE_POINTS = 120
"""Points along each funnel curve (drawn on a log-spaced grid of denominators)."""
FLAG_COLOURS: dict[str, str] = {
    "within": "#7f7f7f", "above 95%": "#fdae6b", "below 95%": "#fdae6b", "above 99.8%": "#e6550d",
    "below 99.8%": "#e6550d", "too few": "#c7c7c7",
}
"""A unit's colour by its place against the limits: grey within, amber beyond 95%, red beyond 99.8%."""
TARGET_COLOUR = "#2b8cbe"
"""The whole's value, drawn across the plot in blue."""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _span(rows: pd.DataFrame) -> tuple[float, float]:
    """The x range: a little either side of the units' denominators."""
    n = rows["n"][rows["n"] > 0]
    return max(1.0, float(n.min()) * 0.8), float(n.max()) * 1.15


def _curves(rows: pd.DataFrame) -> pd.DataFrame:
    """The funnel's four limit curves and the target over the range of the units' denominators."""
    first = rows.iloc[0]
    grid = np.geomspace(*_span(rows), CURVE_POINTS)
    spread = float(first["sd"]) / np.sqrt(grid)
    target = float(first["target"])
    frames = []
    for name, z in (("95%", float(first["z_inner"])), ("99.8%", float(first["z_outer"]))):
        for side, sign in (("low", -1.0), ("high", 1.0)):
            limit = target + sign * z * spread
            if "lowest" in rows.columns and pd.notna(first["lowest"]):
                limit = np.clip(limit, float(first["lowest"]), float(first["highest"]))
            frames.append(pd.DataFrame({"n": grid, "limit": limit, "curve": f"{name} {side}", "level": name}))
    return pd.concat(frames, ignore_index=True)


def funnel_chart(rows: pd.DataFrame, measure: str, by: str) -> alt.LayerChart | None:
    """One measure's funnel plot: each unit's value against its denominator, the target and the 95% and 99.8%
    limits as curves."""
    rows = rows[(rows["measure"] == measure) & rows["value"].notna() & (rows["n"] > 0)]
    if rows.empty:
        return None
    info = measure_info(measure)
    share = info.unit == "share"
    y_title = f"{info.label}" + {"share": "", "days": " (days)"}.get(info.unit, "")
    x = alt.X("n:Q", title=f"{DENOMINATORS.get(measure, 'denominator')} per {by} (log scale)",
              scale=alt.Scale(type="log", domain=list(_span(rows)), nice=False))
    curves = alt.Chart(_curves(rows)).mark_line().encode(
        x=x, y=alt.Y("limit:Q", title=y_title, axis=alt.Axis(format="%") if share else alt.Axis(),
                     scale=alt.Scale(zero=False)),
        detail="curve:N",
        strokeDash=alt.StrokeDash("level:N", title="control limits", scale=alt.Scale(
            domain=["95%", "99.8%"], range=[[4, 3], [1, 0]]), legend=alt.Legend(orient="bottom")),
        color=alt.value("#555"))
    target = alt.Chart(rows.head(1)).mark_rule(color=TARGET_COLOUR, strokeWidth=2).encode(y="target:Q")
    kinds = [k for k in FLAG_COLOURS if k in set(rows["flag"])]
    shown = ".1%" if share else ".2f"
    points = alt.Chart(rows).mark_point(filled=True, size=70).encode(
        x=x, y="value:Q",
        color=alt.Color("flag:N", title=f"{by} against the limits",
                        scale=alt.Scale(domain=kinds, range=[FLAG_COLOURS[k] for k in kinds]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("unit:N", title=by), alt.Tooltip("n:Q", format=",.0f"),
                 alt.Tooltip("value:Q", format=shown), "flag:N"])
    labels = alt.Chart(rows).mark_text(align="left", dx=7, dy=-6, fontSize=10).encode(x=x, y="value:Q",
                                                                                         text="unit:N")
    return alt.layer(curves, target, points, labels).properties(width=380, height=240, title=info.label)


def unit_spc_chart(spc: pd.DataFrame | None, by: str) -> alt.FacetChart | None:
    """An XmR chart of the weekly mean wait per unit (Making Data Count limits)."""
    if spc is None or spc.empty:
        return None
    table = spc.copy()
    table["period_start"] = pd.to_datetime(table["period_start"])
    table["point"] = table["point_type"].map(POINT_TYPE_LABELS).fillna(table["point_type"])
    kinds = [k for k in POINT_TYPE_COLOURS if k in set(table["point"])]
    x = alt.X("period_start:T", title="week starting")
    line = alt.Chart().mark_line(color="#9e9e9e").encode(x=x, y=alt.Y("value:Q", title="mean wait (days)"))
    points = alt.Chart().mark_point(filled=True, size=24).encode(
        x=x, y="value:Q", color=alt.Color("point:N", title="variation", scale=alt.Scale(
            domain=kinds, range=[POINT_TYPE_COLOURS[k] for k in kinds]), legend=alt.Legend(orient="bottom")))
    mean = alt.Chart().mark_line(color="#333").encode(x=x, y="mean:Q")
    upper = alt.Chart().mark_line(color="#333", strokeDash=[4, 3]).encode(x=x, y="upper_limit:Q")
    lower = alt.Chart().mark_line(color="#333", strokeDash=[4, 3]).encode(x=x, y="lower_limit:Q")
    layered = alt.layer(line, mean, upper, lower, points, data=table).properties(width=240, height=130)
    return layered.facet(facet=alt.Facet("unit:N", title=None), columns=3).resolve_scale(y="independent")


def _outlier_sentence(rows: pd.DataFrame, by: str) -> str:
    beyond = rows[rows["flag"].str.endswith("99.8%")]
    if beyond.empty:
        return f"No {by} lies beyond the 99.8% limits on any measure shown."
    parts = [f"{r.unit} {r.flag} on {str(r.label).lower()}" for r in beyond.itertuples()]
    return f"Beyond the 99.8% limits: {'; '.join(parts)}."


def sites_section(rows: pd.DataFrame, spc: pd.DataFrame | None, by: str, unsupported: dict[str, str] | None = None,
                  measures: list[str] | None = None, heading: str | None = None, weekly: bool = True,
                  extra: str = "") -> tuple[str, str, str]:
    """(anchor, nav label, html) of the section: a funnel plot per measure (``measures``, default every measure in
    ``rows``), the units beyond the limits named, ``extra`` html, and (``weekly``) the per-unit XmR charts."""
    keys = measures if measures is not None else ([] if rows.empty else list(dict.fromkeys(rows["measure"])))
    figures = []
    for key in keys:
        chart = funnel_chart(rows, key, by)
        caption = f"Funnel plot by {by}: {measure_info(key).label}"
        if chart is None:
            figures.append(f'<p class="absent">Not shown: {_e(caption)}: no {by} has data for it.</p>')
            continue
        figures.append(f'<figure class="chart" data-chart="funnel-{_e(key)}">{chart_svg(chart, caption)}'
                       f"<figcaption>{_e(caption)}</figcaption></figure>")
    for key, reason in (unsupported or {}).items():
        if measures is None or key in measures:
            figures.append(f'<p class="absent">Not shown: {_e(measure_info(key).label)} by {_e(by)}: {_e(reason)}.</p>')
    chart = unit_spc_chart(spc, by)
    caption = f"Weekly mean wait by {by} (XmR)"
    spc_html = (f'<figure class="chart" data-chart="sites-spc">{chart_svg(chart, caption)}'
                f"<figcaption>{_e(caption)}</figcaption></figure>" if chart is not None else
                f'<p class="absent">Not shown: {_e(caption)}: no {_e(by)} has two whole weeks of waits.</p>')
    shown = rows[rows["measure"].isin(keys)] if keys else rows
    intro = (f"Each point is a {by}, its value against how many requests, appointments or patients lie behind it. "
             "The blue line is the whole network's value; the grey curves are the limits within which a "
             f"{by} of that size would fall by chance alone 95% (dashed) and 99.8% (solid) of the time "
             "(Spiegelhalter, Stat Med 2005;24:1185-1202). A point outside the 99.8% curves differs beyond chance and "
             "is worth a look; a small unit near the mouth of the funnel is not flagged for the noise its size "
             "brings.")
    spc_intro = (f"XmR charts of each {by}'s weekly mean wait (NHS England, Making Data Count): the solid line is "
                 "the mean, the dashed lines the process limits; coloured points are special-cause variation.")
    week = f"<h3>Week by week</h3><p>{_e(spc_intro)}</p>{spc_html}" if weekly else ""
    return ("sites", f"How the {by}s compare", (
        f'<section id="sites"><h2>{_e(heading or f"How the {by}s compare")}</h2><p>{_e(intro)}</p>'
        f"<p>{_e(_outlier_sentence(shown, by))}</p>{''.join(figures)}{extra}{week}</section>"))


def report_sites_section(data: ReportData) -> tuple[str, str, str]:
    """The comparison report's section: the comparator model's funnel plots by practice (first replication) and,
    for every model, the practices beyond the 99.8% limits."""
    rows = data.sites
    by = str(rows["by"].iloc[0])
    titles = data.titles
    order = [m for m in data.model_order if m in set(rows["model"])]
    comparator = order[0]
    measures = list(dict.fromkeys(rows["measure"]))
    lines = []
    for model in order:
        mine = rows[rows["model"] == model]
        beyond = mine[mine["flag"].str.endswith("99.8%")]
        said = "; ".join(f"{r.unit} {r.flag} on {str(r.label).lower()}" for r in beyond.itertuples()) or "none"
        lines.append(f"<tr><th>{_e(titles.get(model, model))}</th><td>{_e(said)}</td></tr>")
    table = (f'<h3>Every model: {_e(by)}s beyond the 99.8% limits</h3><table class="plain"><thead><tr><th>model'
             f"</th><th>{_e(by)}s beyond chance (first replication)</th></tr></thead><tbody>{''.join(lines)}"
             "</tbody></table>")
    return sites_section(rows[rows["model"] == comparator], None, by, measures=measures, weekly=False,
                         heading=f"How the {by}s compare: {titles.get(comparator, comparator)}, first replication",
                         extra=table)


def _write(path: Path, text: str) -> None:
    write_atomic(path, text.encode("utf-8"))


def write_sites_page(folder: Path, title: str, rows: pd.DataFrame, spc: pd.DataFrame | None, by: str,
                     unsupported: dict[str, str] | None = None) -> list[Path]:
    """Write ``funnel-<measure>.svg`` for each measure and ``sites.html`` (the section as a page of its own) into
    ``folder``; returns the paths written."""
    from carenet.report.page import _css  # noqa: PLC0415 - page imports the sections

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for key in dict.fromkeys(rows["measure"]) if not rows.empty else []:
        chart = funnel_chart(rows, key, by)
        if chart is None:
            continue
        path = folder / f"funnel-{key}.svg"
        _write(path, chart_svg(chart, f"Funnel plot by {by}: {measure_info(key).label}"))
        written.append(path)
    _, _, section = sites_section(rows, spc, by, unsupported)
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(title)}</title><style>{_css()}</style></head><body>"
            f"<header><h1>{_e(title)}</h1><p class=\"meta\">Generated by carenet score --by {_e(by)}</p></header>"
            f"<main>{section}</main></body></html>\n")
    path = folder / "sites.html"
    _write(path, page)
    written.append(path)
    return written


__all__ = ["funnel_chart", "report_sites_section", "sites_section", "unit_spc_chart", "write_sites_page"]
