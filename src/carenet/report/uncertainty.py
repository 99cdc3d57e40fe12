"""The report's uncertainty section: which conclusions hold across draws of the assumptions, and tornado charts of
the assumptions each fragile or likely conclusion hangs on.

It draws the tables it is given (``robustness``, ``sensitivity`` and the facts in ``uncertainty`` of
:class:`~carenet.report.data.ReportData`, built by the twin's uncertainty analysis); it runs nothing.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from carenet.report.charts import WIDTH
from carenet.report.data import ReportData
from carenet.report.summary import format_number

TORNADO_BARS = 6
"""Assumptions shown per conclusion in a tornado chart (the CSV and workbook hold them all)."""
TORNADO_CONCLUSIONS = 8
"""Conclusions charted, least robust first (the table lists every one)."""
def finding_text(row: dict) -> str:
    """``better on continuity index (0.61 → 0.74)``: a conclusion without its model."""
    change = f"{format_number(row['before'], row['unit'])} → {format_number(row['after'], row['unit'])}"
    return f"{row['verdict']} on {str(row['label']).lower()} ({change})"


def conclusion_text(row: dict, titles: dict[str, str]) -> str:
    """``Micro-teams better on continuity index (0.61 → 0.74)``."""
    return f"{titles.get(row['model'], row['model'])} {finding_text(row)}"


def stated(data: ReportData) -> pd.DataFrame:
    """The conclusions the central run states (better or worse), least robust first."""
    table = data.robustness[data.robustness["verdict"] != "same"]
    return table.sort_values(["holds", "model"]).reset_index(drop=True)


def summary_items(data: ReportData) -> list[str]:
    """Plain sentences for the report's summary: robust conclusions stated plainly, the rest as they are."""
    if not data.present("robustness"):
        return []
    titles = data.titles
    rows = stated(data).to_dict("records")
    draws = data.uncertainty.get("draws", 0)
    out = []
    robust = [conclusion_text(r, titles) for r in rows if r["robustness"] == "robust"]
    if robust:
        out.append(f"Robust (holds in at least {data.uncertainty.get('robust_share', 0.9):.0%} of {draws} draws of "
                   "the assumptions): " + "; ".join(robust) + ".")
    for r in rows:
        if r["robustness"] in ("likely", "fragile"):
            on = f" It hangs on {r['hangs_on']}." if r["hangs_on"] else ""
            out.append(f"{r['robustness'].capitalize()}: {conclusion_text(r, titles)} holds in {r['holds']:.0%} of "
                       f"draws.{on}")
    return out


def tornado_chart(data: ReportData) -> alt.FacetChart | None:
    """For the least robust conclusions, the assumptions whose drawn values move the difference most (Spearman's
    rank correlation; bars beyond the dashed lines are beyond chance)."""
    if not (data.present("robustness") and data.present("sensitivity")):
        return None
    titles = data.titles
    rows = stated(data).head(TORNADO_CONCLUSIONS).to_dict("records")
    frames = []
    for r in rows:
        bars = data.sensitivity[data.sensitivity["target"] == r["target"]].nsmallest(TORNADO_BARS, "rank")
        if bars.empty:
            continue
        frames.append(bars.assign(conclusion=f"{conclusion_text(r, titles)}: {r['robustness']}, {r['holds']:.0%}"))
    if not frames:
        return None
    table = pd.concat(frames, ignore_index=True)
    table["abs_rho"] = table["rho"].abs()
    table["side"] = table["rho"].map(lambda v: "raises the difference" if v >= 0 else "lowers the difference")
    noise = float(data.uncertainty.get("noise_rho", 1.0))
    table["chance_low"], table["chance_high"] = -noise, noise
    y = alt.Y("assumption:N", sort=alt.EncodingSortField("abs_rho", order="descending"), title=None,
              axis=alt.Axis(labelLimit=260))
    bars = alt.Chart().mark_bar().encode(
        y=y,
        x=alt.X("rho:Q", title="rank correlation with the difference across draws", scale=alt.Scale(domain=[-1, 1])),
        color=alt.Color("side:N", title=None, scale=alt.Scale(domain=["raises the difference",
                                                                      "lowers the difference"],
                                                              range=["#2b8cbe", "#e6550d"]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=["assumption:N", alt.Tooltip("rho:Q", format="+.2f")])
    low = alt.Chart().mark_rule(strokeDash=[4, 3], color="#555").encode(x="chance_low:Q")
    high = alt.Chart().mark_rule(strokeDash=[4, 3], color="#555").encode(x="chance_high:Q")
    return alt.layer(bars, low, high, data=table).properties(width=WIDTH - 200, height=22 * TORNADO_BARS).facet(
        row=alt.Row("conclusion:N", title=None, sort=list(dict.fromkeys(table["conclusion"])),
                    header=alt.Header(labelAngle=0, labelAlign="left", labelLimit=600, labelOrient="top",
                                      labelFontWeight="bold")),
    ).resolve_scale(y="independent")


def uncertainty_section(data: ReportData) -> tuple[str, str, str]:
    """(anchor, nav label, html) of the section."""
    from carenet.report.page import _e, _figure  # noqa: PLC0415 - page imports this module

    facts = data.uncertainty
    titles = data.titles
    rows = "".join(
        f"<tr><td>{_e(conclusion_text(r, titles))}</td><td>{r['holds']:.0%}</td>"
        f"<td class=\"{_e(r['robustness'])}\">{_e(r['robustness'])}</td>"
        f"<td>{r['better_share']:.0%} / {r['same_share']:.0%} / {r['worse_share']:.0%}</td>"
        f"<td>{_e(r['hangs_on'] or '-')}</td></tr>" for r in stated(data).iloc[::-1].to_dict("records"))
    intro = (f"Every model was run again on {facts.get('draws', 0)} parameter sets drawn over the ranges of the "
             f"twin's assumptions ({_e(facts.get('sampler', ''))} draws; the ranges are in the assumptions table), "
             "with the same random numbers as the central run, so what changes between draws is the assumptions' "
             f"doing. A conclusion is robust when it holds in at least {facts.get('robust_share', 0.9):.0%} of draws, "
             f"likely at {facts.get('likely_share', 0.7):.0%}, otherwise fragile. 'Hangs on' names the assumptions "
             "whose drawn values move the difference beyond chance (|rank correlation| above "
             f"{facts.get('noise_rho', 1.0):.2f}, the dashed lines in the charts). Compute per draw: "
             f"{facts.get('seconds_per_draw', 0.0):.0f} s.")
    table = ('<table class="plain robustness"><thead><tr><th>conclusion (central run)</th><th>holds in</th>'
             "<th>class</th><th>draws better / same / worse</th><th>hangs on</th></tr></thead>"
             f"<tbody>{rows or '<tr><td colspan=5>The central run states no difference.</td></tr>'}</tbody></table>")
    return ("uncertainty", "Which conclusions hold", (
        f'<section id="uncertainty"><h2>Which conclusions hold</h2><p>{intro}</p>{table}'
        + _figure(tornado_chart, data, "sensitivity", "What each conclusion hangs on")
        + "</section>"))


__all__ = ["conclusion_text", "finding_text", "stated", "summary_items", "tornado_chart", "uncertainty_section"]
