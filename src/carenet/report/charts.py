"""The report's charts as Altair specifications, one function per chart, each fed from one input table.

Every chart names models by their title, colours them consistently (one colour per model in the
report's order) and shows the 95% interval across replications as a rule or band, so a reader
sees at once whether two models really differ.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from carenet.measures.access import BOOKING_INTERVALS
from carenet.measures.scorecard import measure_info
from carenet.report.data import ReportData
from carenet.schema.roles import ROLES_BY_CODE

WIDTH = 560
HEIGHT = 300
SWEEP_MIN_SPAN = 0.2
"""A sweep panel's axis spans at least this share of the measure's level, so a change of 0.01 in a share of
0.25 is drawn as the small change it is rather than stretched over the panel's height."""
MAX_POINT_LABELS = 4
"""Above this many models the frontier's points are named by the legend alone (labels would collide)."""
INTERVAL_LABELS: dict[str, str] = {
    "same_day": "same day", "1_day": "1 day", "2_7_days": "2-7 days", "8_14_days": "8-14 days",
    "15_21_days": "15-21 days", "22_28_days": "22-28 days", "over_28_days": "over 28 days",
}
POINT_TYPE_LABELS: dict[str, str] = {
    "common_cause": "common cause",
    "special_cause_improvement": "special cause: improvement",
    "special_cause_concern": "special cause: concern",
    "special_cause_neutral_high": "special cause: high",
    "special_cause_neutral_low": "special cause: low",
}
POINT_TYPE_COLOURS: dict[str, str] = {
    "common cause": "#7f7f7f", "special cause: improvement": "#2b8cbe", "special cause: concern": "#e6550d",
    "special cause: high": "#756bb1", "special cause: low": "#756bb1",
}


def _model_colour(data: ReportData) -> alt.Color:
    titles = [data.titles[m] for m in data.model_order]
    return alt.Color("title:N", title="model", scale=alt.Scale(domain=titles, scheme="tableau10"),
                     legend=alt.Legend(orient="bottom", columns=2, labelLimit=400))


def _with_titles(data: ReportData, table: pd.DataFrame) -> pd.DataFrame:
    out = table[table["model"].isin(data.model_order)].copy()
    out["title"] = out["model"].map(data.titles)
    return out


def _axis_title(key: str) -> str:
    info = measure_info(key)
    unit = {"share": " (share)", "days": " (days)", "minutes": " (minutes)"}.get(info.unit, "")
    better = {"higher": ", higher is better", "lower": ", lower is better"}.get(info.better or "", "")
    return f"{info.label}{unit}{better}"


def _measure_rows(data: ReportData, key: str) -> pd.DataFrame:
    rows = data.scorecard[(data.scorecard["measure"] == key) & data.scorecard["mean"].notna()]
    return rows.set_index("model")[["mean", "lo", "hi"]]


def frontier_chart(data: ReportData) -> alt.Chart | None:
    """Access against continuity, one point per model with its intervals on both axes."""
    x = _measure_rows(data, data.frontier_access)
    y = _measure_rows(data, data.frontier_continuity)
    both = [m for m in data.model_order if m in x.index and m in y.index]
    if not both:
        return None
    table = pd.DataFrame({
        "model": both, "x": x.loc[both, "mean"].to_numpy(), "x_lo": x.loc[both, "lo"].to_numpy(),
        "x_hi": x.loc[both, "hi"].to_numpy(), "y": y.loc[both, "mean"].to_numpy(),
        "y_lo": y.loc[both, "lo"].to_numpy(), "y_hi": y.loc[both, "hi"].to_numpy(),
    })
    table = _with_titles(data, table)
    colour = _model_colour(data)
    base = alt.Chart(table)
    x_enc = alt.X("x:Q", title=_axis_title(data.frontier_access), scale=alt.Scale(zero=False, nice=True))
    y_enc = alt.Y("y:Q", title=_axis_title(data.frontier_continuity), scale=alt.Scale(zero=False, nice=True))
    points = base.mark_point(size=140, filled=True).encode(
        x=x_enc, y=y_enc, color=colour,
        tooltip=["title:N", alt.Tooltip("x:Q", format=".3f"), alt.Tooltip("y:Q", format=".3f")])
    x_bars = base.mark_rule(strokeWidth=2).encode(x="x_lo:Q", x2="x_hi:Q", y="y:Q", color=colour)
    y_bars = base.mark_rule(strokeWidth=2).encode(x="x:Q", y="y_lo:Q", y2="y_hi:Q", color=colour)
    layers = [x_bars, y_bars, points]
    if len(table) <= MAX_POINT_LABELS:
        layers.append(base.mark_text(align="left", dx=9, dy=-9, fontSize=11).encode(x="x:Q", y="y:Q",
                                                                                    text="title:N"))
    return alt.layer(*layers).properties(width=WIDTH, height=HEIGHT + 60)


def continuity_segment_chart(data: ReportData) -> alt.Chart | None:
    """Continuity (mean UPC) by patient segment, one bar per model, with intervals."""
    if not data.present("continuity_by_segment"):
        return None
    table = _with_titles(data, data.continuity_by_segment).dropna(subset=["mean"])
    if table.empty:
        return None
    segments = list(dict.fromkeys(table["segment"]))
    base = alt.Chart(table).encode(
        y=alt.Y("segment:N", sort=segments, title=None, axis=alt.Axis(labelLimit=220)),
        yOffset=alt.YOffset("title:N", sort=[data.titles[m] for m in data.model_order]))
    bars = base.mark_bar().encode(
        x=alt.X("mean:Q", title=_axis_title(data.frontier_continuity), scale=alt.Scale(domain=[0, 1])),
        color=_model_colour(data), tooltip=["title:N", "segment:N", alt.Tooltip("mean:Q", format=".3f")])
    rules = base.mark_rule(color="#333").encode(x="lo:Q", x2="hi:Q")
    height = max(HEIGHT, 12 * len(segments) * len(data.model_order))
    return alt.layer(bars, rules).properties(width=WIDTH, height=height)


def waits_chart(data: ReportData) -> alt.Chart | None:
    """Share of answered requests by booking interval, per model, one panel per urgency."""
    if not data.present("waits"):
        return None
    table = _with_titles(data, data.waits)
    table["interval"] = table["booking_interval"].map(INTERVAL_LABELS).fillna(table["booking_interval"])
    order = [INTERVAL_LABELS[label] for label, _, _ in BOOKING_INTERVALS]
    urgencies = list(dict.fromkeys(table["urgency"]))
    chart = alt.Chart(table).mark_bar().encode(
        x=alt.X("interval:N", sort=order, title="wait from request to appointment",
                axis=alt.Axis(labelAngle=-35)),
        xOffset=alt.XOffset("title:N", sort=[data.titles[m] for m in data.model_order]),
        y=alt.Y("share:Q", title="share of requests", axis=alt.Axis(format="%")),
        color=_model_colour(data),
        tooltip=["title:N", "urgency:N", "interval:N", alt.Tooltip("share:Q", format=".1%")],
    ).properties(width=max(180, WIDTH // max(1, min(len(urgencies), 3))), height=220)
    return chart.facet(column=alt.Column("urgency:N", sort=urgencies, title="urgency"))


def workload_chart(data: ReportData) -> alt.Chart | None:
    """Clinical hours a week by role, per model, with intervals."""
    if not data.present("workload"):
        return None
    table = _with_titles(data, data.workload)
    table = table[table["hours_per_week"] > 0].copy()
    table["role"] = table["role"].map(lambda r: ROLES_BY_CODE[r].name if r in ROLES_BY_CODE else r)
    if table.empty:
        return None
    roles = table.groupby("role")["hours_per_week"].max().sort_values(ascending=False).index.tolist()
    base = alt.Chart(table).encode(
        y=alt.Y("role:N", sort=roles, title=None),
        yOffset=alt.YOffset("title:N", sort=[data.titles[m] for m in data.model_order]))
    bars = base.mark_bar().encode(
        x=alt.X("hours_per_week:Q", title="appointment hours a week"), color=_model_colour(data),
        tooltip=["title:N", "role:N", alt.Tooltip("hours_per_week:Q", format=",.0f")])
    rules = base.mark_rule(color="#333").encode(x="lo:Q", x2="hi:Q")
    return alt.layer(bars, rules).properties(width=WIDTH, height=max(HEIGHT, 26 * len(roles) * 2))


def spc_chart(data: ReportData) -> alt.Chart | None:
    """XmR charts of the weekly mean wait, one panel per model (first replication)."""
    if not data.present("spc"):
        return None
    table = _with_titles(data, data.spc)
    table["period_start"] = pd.to_datetime(table["period_start"])
    table["point"] = table["point_type"].map(POINT_TYPE_LABELS).fillna(table["point_type"])
    kinds = [k for k in POINT_TYPE_COLOURS if k in set(table["point"])]
    x = alt.X("period_start:T", title="week starting")
    line = alt.Chart().mark_line(color="#9e9e9e").encode(x=x, y=alt.Y("value:Q", title="mean wait (days)"))
    points = alt.Chart().mark_point(filled=True, size=30).encode(
        x=x, y="value:Q",
        color=alt.Color("point:N", title="variation", scale=alt.Scale(
            domain=kinds, range=[POINT_TYPE_COLOURS[k] for k in kinds]), legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("period_start:T", title="week"), alt.Tooltip("value:Q", format=".2f"), "point:N"])
    mean = alt.Chart().mark_line(color="#333").encode(x=x, y="mean:Q")
    upper = alt.Chart().mark_line(color="#333", strokeDash=[4, 3]).encode(x=x, y="upper_limit:Q")
    lower = alt.Chart().mark_line(color="#333", strokeDash=[4, 3]).encode(x=x, y="lower_limit:Q")
    layered = alt.layer(line, mean, upper, lower, points, data=table).properties(width=260, height=150)
    return layered.facet(facet=alt.Facet("title:N", sort=[data.titles[m] for m in data.model_order], title=None),
                         columns=2).resolve_scale(y="independent")


def _sweep_series(data: ReportData, table: pd.DataFrame) -> tuple[pd.DataFrame, alt.Color]:
    """One line per model, or per model and value of the second setting when two settings were swept."""
    table = _with_titles(data, table)
    if "setting2" not in table.columns or table["setting2"].isna().all():
        return table, _model_colour(data)
    second = data.sweep_parameter.split(" and ")[-1]
    table["title"] = table["title"] + ", " + second + " = " + table["setting2"].map(lambda v: f"{v:g}")
    return table, alt.Color("title:N", title="model and setting", legend=alt.Legend(orient="bottom", columns=1,
                                                                                    labelLimit=400))


def readable_setting(path: str) -> str:
    """A swept setting's path as words: ``twin.effects.proactive_acute_reduction`` → ``proactive acute reduction``
    (the path itself is given beside it on the page)."""
    parts = [p for p in path.split(".") if p and p != "value" and not p.isdigit()]
    return parts[-1].replace("_", " ") if parts else path


def _sweep_domain(rows: pd.DataFrame) -> list[float]:
    """The y range of one measure's panel: its values and intervals, widened to at least SWEEP_MIN_SPAN of the
    level (about the middle), and never below zero for a measure that cannot be negative."""
    low = float(min(rows["lo"].min(), rows["mean"].min()))
    high = float(max(rows["hi"].max(), rows["mean"].max()))
    middle = (low + high) / 2
    span = max(high - low, SWEEP_MIN_SPAN * abs(middle)) or 1.0
    low, high = middle - span / 2 - 0.05 * span, middle + span / 2 + 0.05 * span
    if float(rows["mean"].min()) >= 0:
        high, low = high - min(low, 0.0), max(low, 0.0)
    return [low, high]


def sweep_chart(data: ReportData) -> alt.Chart | None:
    """Each swept measure against the setting, one panel per measure with an axis in its unit (shares as
    percentages), one line per model (and second setting), with its interval band."""
    if not data.present("sweep"):
        return None
    table, colour = _sweep_series(data, data.sweep.dropna(subset=["mean"]))
    if table.empty:
        return None
    x = alt.X("setting:Q", title=readable_setting(data.sweep_parameter.split(" and ")[0]) or "setting")
    panels = []
    for measure in dict.fromkeys(table["measure"]):
        rows = table[table["measure"] == measure]
        unit = measure_info(measure).unit
        axis = alt.Axis(format="%") if unit == "share" else alt.Axis()
        scale = alt.Scale(domain=_sweep_domain(rows), zero=False)
        y = alt.Y("mean:Q", title=None, axis=axis, scale=scale)
        shown = ".1%" if unit == "share" else ".3g"
        band = alt.Chart().mark_area(opacity=0.2).encode(x=x, y=alt.Y("lo:Q", scale=scale, title=None),
                                                                    y2="hi:Q", color=colour)
        line = alt.Chart().mark_line(point=True).encode(
            x=x, y=y, color=colour,
            tooltip=["title:N", "label:N", "setting:Q", alt.Tooltip("mean:Q", format=shown)])
        panels.append(alt.layer(band, line, data=rows).properties(width=260, height=180,
                                                                  title=str(rows["label"].iloc[0])))
    rows_of_two = [alt.hconcat(*panels[i:i + 2]) for i in range(0, len(panels), 2)]
    return alt.vconcat(*rows_of_two).resolve_scale(y="independent")


def sweep_frontier_chart(data: ReportData) -> alt.Chart | None:
    """The access-continuity frontier traced as the swept setting moves (points labelled by setting)."""
    if not data.present("sweep"):
        return None
    s = data.sweep
    keys = ["model", "setting", *(["setting2"] if "setting2" in s.columns else [])]
    x = s[s["measure"] == data.frontier_access][[*keys, "mean"]].rename(columns={"mean": "x"})
    y = s[s["measure"] == data.frontier_continuity][[*keys, "mean"]].rename(columns={"mean": "y"})
    table, colour = _sweep_series(data, x.merge(y, on=keys).dropna(subset=["x", "y"]))
    if len(table) < 2:
        return None
    table["setting_label"] = table["setting"].map(lambda v: f"{v:g}")
    base = alt.Chart(table).encode(
        x=alt.X("x:Q", title=_axis_title(data.frontier_access), scale=alt.Scale(zero=False)),
        y=alt.Y("y:Q", title=_axis_title(data.frontier_continuity), scale=alt.Scale(zero=False)))
    path = base.mark_line(point=True).encode(color=colour, order="setting:Q", detail="title:N")
    labels = base.mark_text(align="left", dx=7, dy=-7, fontSize=10).encode(text="setting_label:N")
    return alt.layer(path, labels).properties(width=WIDTH, height=HEIGHT)


__all__ = ["continuity_segment_chart", "frontier_chart", "readable_setting", "spc_chart", "sweep_chart",
           "sweep_frontier_chart", "waits_chart", "workload_chart"]
