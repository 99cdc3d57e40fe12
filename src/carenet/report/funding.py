"""The report's funding section: budget against cost per model, payment under a contract, equity by decile.

Like the rest of the report it draws plain tables it is given (:class:`FundingTables`, built by
:mod:`carenet.fund.report_inputs`); it runs nothing. Bars show means across replications and rules the
95% intervals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import altair as alt
import pandas as pd

from carenet.report.charts import HEIGHT, WIDTH, _model_colour, _with_titles
from carenet.report.data import ReportData, ReportError

COLUMNS: dict[str, tuple[str, ...]] = {
    "budget": ("model", "income_per_weighted_gbp", "staff_cost_per_weighted_gbp", "hospital_cost_per_weighted_gbp"),
    "payments": ("model", "payment_gbp", "payment_gbp_lo", "payment_gbp_hi", "quality_gate_met"),
    "equity": ("model", "deprivation_decile", "funding_per_need_adjusted_gbp", "clinical_fte_per_100k_need_adjusted"),
}
STREAMS = {"income_per_weighted_gbp": "income", "staff_cost_per_weighted_gbp": "staff cost",
           "hospital_cost_per_weighted_gbp": "hospital activity"}
ACTIVITY = {"emergency_admissions_per_year": "emergency admissions",
            "a_and_e_attendances_per_year": "A&E attendances",
            "outpatient_referrals_per_year": "outpatient referrals"}
"""The hospital activity behind the hospital cost (budget columns, a year for the whole list)."""
PER_PATIENTS = 1000


@dataclass
class FundingTables:
    """The section's inputs: ``budget`` (one row per model, per weighted patient, with ``_lo``/``_hi`` columns),
    ``payments`` (one row per model) and ``equity`` (model × deprivation decile)."""

    year: str
    budget: pd.DataFrame
    payments: pd.DataFrame
    equity: pd.DataFrame
    contract: str = ""
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name, needed in COLUMNS.items():
            table = getattr(self, name)
            missing = [c for c in needed if c not in table.columns]
            if missing:
                raise ReportError(f"report input funding.{name} lacks column(s) {', '.join(missing)}")


def budget_chart(data: ReportData) -> alt.Chart | None:
    """Income against staff and hospital cost per weighted patient a year, one group of bars per model."""
    budget = data.funding.budget
    rows = []
    for row in budget.to_dict("records"):
        for column, label in STREAMS.items():
            if row.get(column) is None or pd.isna(row.get(column)):
                continue
            rows.append({"model": row["model"], "stream": label, "value": row[column],
                         "lo": row.get(f"{column}_lo", row[column]), "hi": row.get(f"{column}_hi", row[column])})
    if not rows:
        return None
    table = _with_titles(data, pd.DataFrame(rows))
    base = alt.Chart(table).encode(x=alt.X("stream:N", title=None, sort=list(STREAMS.values()),
                                                                  axis=alt.Axis(labelAngle=0)),
                                   xOffset=alt.XOffset("title:N", sort=[data.titles[m] for m in data.model_order]))
    bars = base.mark_bar().encode(y=alt.Y("value:Q", title="£ per weighted patient a year"), color=_model_colour(data),
                                  tooltip=["title:N", "stream:N", alt.Tooltip("value:Q", format=",.2f")])
    rules = base.mark_rule(color="black").encode(y="lo:Q", y2="hi:Q")
    return (bars + rules).properties(width=WIDTH, height=HEIGHT)


def _rate(row: dict, column: str) -> str:
    """A year's activity per 1,000 registered patients, with the 95% interval; n/a where the data do not record it."""
    value, registered = row.get(column), row.get("registered")
    if value is None or pd.isna(value) or not registered:
        return "n/a"
    scale = PER_PATIENTS / float(registered)
    lo, hi = row.get(f"{column}_lo"), row.get(f"{column}_hi")
    interval = "" if lo is None or hi is None or pd.isna(lo) or pd.isna(hi) else \
        f"<br><small>{max(lo, 0.0) * scale:,.1f}–{hi * scale:,.1f}</small>"  # a count is never below 0
    return f"{value * scale:,.1f}{interval}"


def activity_table(data: ReportData) -> str:
    """The hospital activity each model causes, a year per 1,000 registered patients (mean and 95% interval): what
    the hospital cost counts."""
    from carenet.report.page import _e  # noqa: PLC0415 - page imports this module

    budget = data.funding.budget
    present = [c for c in ACTIVITY if c in budget.columns]
    if not present or "registered" not in budget.columns:
        return ""
    head = "".join(f"<th>{_e(ACTIVITY[c])}</th>" for c in present)
    body = "".join(f"<tr><td>{_e(data.titles.get(r['model'], r['model']))}</td>"
                   + "".join(f"<td>{_rate(r, c)}</td>" for c in present) + "</tr>"
                   for r in budget.to_dict("records"))
    return (f"<table class=\"plain\"><caption>Hospital activity a year per {PER_PATIENTS:,} registered patients "
            f"(95% interval across replications)</caption><thead><tr><th>model</th>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def payment_chart(data: ReportData) -> alt.Chart | None:
    """Each model's payment a year under the contract, with its 95% interval; a failed quality gate is marked."""
    table = _with_titles(data, data.funding.payments)
    if table.empty:
        return None
    table["gate"] = table["quality_gate_met"].map({True: "quality gate met", False: "quality gate not met"})
    order = [data.titles[m] for m in data.model_order]
    base = alt.Chart(table).encode(x=alt.X("title:N", title=None, sort=order,
                                                              axis=alt.Axis(labelLimit=200, labelAngle=0)))
    bars = base.mark_bar().encode(y=alt.Y("payment_gbp:Q", title="£ paid to (+) or by (−) the network a year"),
                                  color=_model_colour(data), opacity=alt.Opacity(
                                      "gate:N", title=None, scale=alt.Scale(domain=["quality gate met",
                                                                                    "quality gate not met"],
                                                                            range=[1.0, 0.35])))
    rules = base.mark_rule(color="black").encode(y="payment_gbp_lo:Q", y2="payment_gbp_hi:Q")
    table["label"] = table.apply(lambda r: ("−" if r["payment_gbp"] < 0 else "") + f"£{abs(r['payment_gbp']):,.0f}"
                                 + ("" if r["quality_gate_met"] else "\ngate not met"), axis=1)
    labels = alt.Chart(table).mark_text(dy=-14, fontSize=11, lineBreak="\n").encode(
        x=alt.X("title:N", sort=order), y=alt.Y("payment_gbp:Q"), text="label:N")
    return (bars + rules + labels).properties(width=WIDTH, height=HEIGHT)


def equity_chart(data: ReportData) -> alt.Chart | None:
    """Clinical FTE per 100,000 need-adjusted patients by the deprivation decile of the network's practices."""
    table = data.funding.equity.dropna(subset=["clinical_fte_per_100k_need_adjusted"])
    table = _with_titles(data, table)
    if table.empty:
        return None
    return alt.Chart(table).mark_line(point=True).encode(
        x=alt.X("deprivation_decile:O", title="deprivation decile of the practice (1 = most deprived)",
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("clinical_fte_per_100k_need_adjusted:Q", title="clinical FTE per 100,000 need-adjusted patients",
                scale=alt.Scale(zero=False)),
        color=_model_colour(data),
        tooltip=["title:N", "deprivation_decile:O", alt.Tooltip("clinical_fte_per_100k_need_adjusted:Q", format=".1f"),
                 alt.Tooltip("funding_per_need_adjusted_gbp:Q", format=",.2f")],
    ).properties(width=WIDTH, height=HEIGHT)


def funding_section(data: ReportData) -> tuple[str, str, str]:
    """(anchor, nav label, html) of the funding section."""
    from carenet.report.page import _e, _figure  # noqa: PLC0415 - page imports this module

    funding = data.funding
    notes = "".join(f"<li>{_e(n)}</li>" for n in funding.notes)
    return ("funding", "Funding", (
        '<section id="funding"><h2>Funding: budget, contract and equity</h2>'
        f"<p>What the network is paid for its need-weighted list ({_e(funding.year)} prices) against what each "
        "model costs in staff and in the hospital activity it causes, what an outcome contract would pay, and "
        "whether each model's clinicians follow need across the network's practices.</p>"
        + _figure(budget_chart, data, "funding_budget", "Budget against cost per weighted patient a year")
        + activity_table(data)
        + _figure(payment_chart, data, "funding_payment", f"Payment under the contract: {funding.contract}")
        + _figure(equity_chart, data, "funding_equity",
                  "Clinicians per need-adjusted patient by practice deprivation decile")
        + f"<ul class=\"notes\">{notes}</ul></section>"))


__all__ = ["ACTIVITY", "FundingTables", "activity_table", "budget_chart", "equity_chart", "funding_section",
           "payment_chart"]
