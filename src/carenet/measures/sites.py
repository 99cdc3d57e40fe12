"""How the sites compare: the main measures split by site, practice, team or primary care network, each unit set
against the whole on a funnel plot (:mod:`carenet.measures.funnel`), and a weekly XmR chart per unit.

A unit is

* ``site``: where the appointment took place (``appointments.site_id``: a practice or a hub); an answered request
  takes the site of its first appointment;
* ``practice``: the patient's registered practice (``practice_id`` of the appointment or request, else of the
  patient);
* ``team``: the team holding the patient's panel at the end of the period (``panels.team_id``);
* ``pcn``: the network of the patient's registered practice (``practices.network_id``).

Measures with a natural per-unit form, each with its numerator and denominator (definitions as the scorecard's,
docs/measures/sites.md):

* ``mean_wait_days`` (a mean): answered requests made in the period, their waits in days;
* ``share_same_day`` (a proportion): requests seen the same day ÷ requests made (answered and unanswered, as the
  scorecard counts them); by site, of answered requests only, since a request with no appointment has no site;
* ``dna_rate`` (a proportion): appointments not attended ÷ appointments attended or missed;
* ``upc`` (a mean): each eligible patient's usual-provider-of-care index (patients with the scorecard's minimum
  contacts), averaged over the unit's patients;
* ``care_plan_coverage`` (a proportion): complex patients with a live care plan ÷ complex patients.

A measure that a unit cannot split (a patient's continuity has no site; a dataset with no teams) answers
:class:`~carenet.measures.support.Unsupported` with the reason. Counts are set-based Ibis queries, one row per
unit; only those small results reach Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from carenet.measures.access import SITE, dna_rate, unanswered, waits
from carenet.measures.backend import Tables
from carenet.measures.continuity import patient_continuity
from carenet.measures.coordination import live_care_plans
from carenet.measures.funnel import Funnel, FunnelSettings, Kind, mean_funnel, proportion_funnel
from carenet.measures.scorecard import ScorecardConfig, measure_info, profile_for
from carenet.measures.segments import Period
from carenet.measures.spc import SERIES, XmRChart, build_series_by, xmr
from carenet.measures.support import Unsupported, flag
from carenet.schema.errors import CarenetError

Unit = Literal["site", "practice", "team", "pcn"]
UNITS: dict[str, str] = {
    "site": "where the appointment took place (appointments.site_id)",
    "practice": "the patient's registered practice",
    "team": "the team holding the patient's panel at the end of the period (panels.team_id)",
    "pcn": "the network of the patient's registered practice (practices.network_id)",
}
"""The units a comparison can split by, with what each means."""

UNIT_MEASURES: dict[str, Kind] = {
    "mean_wait_days": "mean",
    "share_same_day": "proportion",
    "dna_rate": "proportion",
    "upc": "mean",
    "care_plan_coverage": "proportion",
}
"""The measures split by unit, with the kind of funnel each takes."""

DENOMINATORS: dict[str, str] = {
    "mean_wait_days": "answered requests",
    "share_same_day": "requests",
    "dna_rate": "appointments attended or missed",
    "upc": "patients with two or more contacts",
    "care_plan_coverage": "complex patients",
}
"""What each measure's n counts."""

UNIT_COLUMN = "unit"


class UnitError(CarenetError):
    """An unknown unit, or a dataset that cannot be split by the unit asked for."""


@dataclass(frozen=True)
class UnitCounts:
    """One measure's per-unit counts: for a proportion ``numerator``/``n``; for a mean ``total``, ``squares``/``n``."""

    kind: Kind
    units: list[str]
    n: np.ndarray
    numerator: np.ndarray
    squares: np.ndarray | None = None
    bounds: tuple[float, float] | None = None
    """The range a mean cannot leave (UPC lies in [0, 1])."""
    unassigned: float = 0.0
    """How many of the measure's denominator belong to no unit (e.g. appointments that record no site): left out."""

    def funnel(self, settings: FunnelSettings) -> Funnel:
        if self.kind == "proportion":
            return proportion_funnel(self.units, self.numerator, self.n, settings)
        return mean_funnel(self.units, self.n, self.numerator, self.squares, settings, self.bounds)


@dataclass
class SiteComparison:
    """Every unit measure of one dataset and period: a :class:`Funnel` each, or why the unit cannot split it."""

    by: str
    period: Period
    funnels: dict[str, Funnel | Unsupported]
    notes: dict[str, str] = field(default_factory=dict)
    """What each measure's counts are, where the unit changes them (e.g. same-day share by site)."""

    def to_arrow(self) -> pa.Table:
        """One row per measure and unit: measure, label, kind, by, unit, n, value, target, limits, flag."""
        frames = []
        for key, funnel in self.funnels.items():
            if isinstance(funnel, Unsupported):
                continue
            t = funnel.to_arrow()
            size = t.num_rows
            info = measure_info(key)
            front = {"measure": pa.array([key] * size, pa.string()), "label": pa.array([info.label] * size),
                     "unit_of_measure": pa.array([info.unit] * size), "better": pa.array([info.better] * size,
                                                                                         pa.string()),
                     "kind": pa.array([funnel.kind] * size), "by": pa.array([self.by] * size)}
            frames.append(pa.table({**front, **{c: t.column(c) for c in t.column_names}}))
        if not frames:
            return pa.table({c: pa.array([], pa.string()) for c in ("measure", "unit", "flag")})
        return pa.concat_tables(frames)

    def unsupported(self) -> dict[str, str]:
        """The measures the unit cannot split, with the reason."""
        return {k: f.reason for k, f in self.funnels.items() if isinstance(f, Unsupported)}


# --- units ----------------------------------------------------------------------------------------------------------


def check_unit(by: str) -> Unit:
    """``by`` if it names a unit, else a :class:`UnitError` listing the units."""
    if by not in UNITS:
        raise UnitError(f"unknown unit {by!r}; choose one of {', '.join(UNITS)}")
    return by  # type: ignore[return-value]


def patient_units(tables: Tables, by: Unit, as_of: date) -> ir.Table | Unsupported:
    """Each patient's unit (columns ``patient_id``, ``unit``), or why the dataset cannot say.

    A patient belongs to a practice, a team or a network; never to a site, which is a property of an appointment.
    """
    if by == "site":
        return Unsupported("a patient's continuity and care plan belong to the patient, not to the site of an "
                           "appointment; compare them by practice, team or pcn")
    if by == "team":
        missing = tables.require("panels", measure="a split by team")
        if missing is not None:
            return missing
        p = tables["panels"]
        p = p.filter(p.start_date <= ibis.date(as_of))
        latest = p.mutate(p_order=ibis.row_number().over(group_by=p.patient_id,
                                                         order_by=[ibis.desc(p.start_date)]))
        latest = latest.filter((latest.p_order == 0) & latest.team_id.notnull())
        out = latest.select("patient_id", unit=latest.team_id)
        if not tables.con.to_pyarrow(out.count()).as_py():
            return Unsupported(f"no patient's panel names a team on {as_of} (panels.team_id is empty)")
        return out
    missing = tables.require("patients", measure=f"a split by {by}")
    if missing is not None:
        return missing
    pt = tables["patients"]
    if by == "practice":
        return pt.select("patient_id", unit=pt.practice_id)
    missing = tables.require("practices", measure="a split by pcn")
    if missing is not None:
        return missing
    pr = tables["practices"].select(n_practice="practice_id", n_network="network_id")
    joined = pt.join(pr, pt.practice_id == pr.n_practice)
    out = joined.filter(joined.n_network.notnull()).select("patient_id", unit=joined.n_network)
    if not tables.con.to_pyarrow(out.count()).as_py():
        return Unsupported("no practice names its network (practices.network_id is empty)")
    return out


def _segments(units: ir.Table) -> ir.Table:
    return units.select("patient_id", u_segment=units[UNIT_COLUMN])


def _grouping(tables: Tables, by: Unit, as_of: date) -> tuple[list[str], ir.Table | None, str] | Unsupported:
    """The ``by`` keys and ``segments`` the access measures take for ``by``, and the column that holds the unit."""
    if by == "site":
        a = tables["appointments"]
        if not tables.con.to_pyarrow(a.site_id.count()).as_py():
            return Unsupported("the dataset records no site for its appointments (appointments.site_id is empty)")
        return [SITE], None, SITE
    if by == "practice":
        return ["practice_id"], None, "practice_id"
    units = patient_units(tables, by, as_of)
    if isinstance(units, Unsupported):
        return units
    return [], _segments(units), "u_segment"


# --- counts per unit ------------------------------------------------------------------------------------------------


def _fetch(tables: Tables, expr: ir.Table, count: str | None = None) -> tuple[list[dict], float]:
    """The rows of units, sorted by unit, and the ``count`` of the row that belongs to no unit (0 if none)."""
    rows = tables.con.to_pyarrow(expr).to_pylist()
    nowhere = sum(float(r[count] or 0) for r in rows if r["unit"] is None) if count else 0.0
    return sorted((r for r in rows if r["unit"] is not None), key=lambda r: str(r["unit"])), nowhere


def _proportion(rows: list[dict], numerator: str, denominator: str) -> UnitCounts:
    return UnitCounts("proportion", [str(r["unit"]) for r in rows],
                      np.array([float(r[denominator] or 0) for r in rows]),
                      np.array([float(r[numerator] or 0) for r in rows]))


def _mean(rows: list[dict]) -> UnitCounts:
    return UnitCounts("mean", [str(r["unit"]) for r in rows], np.array([float(r["n"] or 0) for r in rows]),
                      np.array([float(r["total"] or 0) for r in rows]),
                      np.array([float(r["squares"] or 0) for r in rows]))


def wait_counts(tables: Tables, config: ScorecardConfig, by: Unit, period: Period
                ) -> dict[str, UnitCounts | Unsupported]:
    """``mean_wait_days`` and ``share_same_day`` per unit."""
    missing = tables.require("appointments", measure="waits by unit")
    if missing is not None:
        return {"mean_wait_days": missing, "share_same_day": missing}
    grouping = _grouping(tables, by, period.end)
    if isinstance(grouping, Unsupported):
        return {"mean_wait_days": grouping, "share_same_day": grouping}
    keys, segments, column = grouping
    access = config.access.model_copy(update={"start": period.start, "end": period.end})
    w = waits(tables, access, keys, segments)
    w = w.mutate(unit=w[column].cast("string"), wait=w.wait_days.cast("float64"))
    answered = w.group_by(UNIT_COLUMN).agg(n=w.count(), total=w.wait.sum(), squares=(w.wait * w.wait).sum(),
                                           same_day=flag(w.wait_days == 0).sum())
    rows, nowhere = _fetch(tables, answered, "n")
    if not rows:
        nothing = Unsupported("no request made in the period was answered by an appointment")
        return {"mean_wait_days": nothing, "share_same_day": nothing}
    u = unanswered(tables, access, keys, segments)
    left: dict[str, float] = {}
    if u is not None:
        u = u.mutate(unit=u[column].cast("string"))
        unanswered_rows, left_nowhere = _fetch(tables, u.group_by(UNIT_COLUMN).agg(n=u.count()), "n")
        left = {str(r["unit"]): float(r["n"]) for r in unanswered_rows}
    else:
        left_nowhere = 0.0
    for r in rows:
        r["asked"] = float(r["n"]) + left.get(str(r["unit"]), 0.0)
    return {"mean_wait_days": replace(_mean(rows), unassigned=nowhere),
            "share_same_day": replace(_proportion(rows, "same_day", "asked"), unassigned=nowhere + left_nowhere)}


def dna_counts(tables: Tables, config: ScorecardConfig, by: Unit, period: Period) -> UnitCounts | Unsupported:
    """``dna_rate`` per unit."""
    missing = tables.require("appointments", measure="the did-not-attend rate by unit")
    if missing is not None:
        return missing
    grouping = _grouping(tables, by, period.end)
    if isinstance(grouping, Unsupported):
        return grouping
    keys, segments, column = grouping
    access = config.access.model_copy(update={"start": period.start, "end": period.end})
    d = dna_rate(tables, access, keys if segments is None else [column], segments)
    d = d.select(unit=d[column].cast("string"), appointments=d.appointments, did_not_attend=d.did_not_attend)
    rows, nowhere = _fetch(tables, d, "appointments")
    if not rows:
        return Unsupported("no appointment in the period was attended or missed")
    return replace(_proportion(rows, "did_not_attend", "appointments"), unassigned=nowhere)


def upc_counts(tables: Tables, config: ScorecardConfig, by: Unit, period: Period) -> UnitCounts | Unsupported:
    """``upc`` per unit: the mean over the unit's eligible patients of each patient's UPC."""
    missing = tables.require("appointments", measure="continuity by unit")
    if missing is not None:
        return missing
    units = patient_units(tables, by, period.end)
    if isinstance(units, Unsupported):
        return units
    continuity = config.continuity.model_copy(update={"start": period.start, "end": period.end})
    per_patient = patient_continuity(tables, continuity).select("patient_id", "upc")
    joined = per_patient.join(units, "patient_id")
    grouped = joined.group_by(UNIT_COLUMN).agg(n=joined.count(), total=joined.upc.sum(),
                                               squares=(joined.upc * joined.upc).sum())
    rows, _ = _fetch(tables, grouped.mutate(unit=grouped[UNIT_COLUMN].cast("string")))
    if not rows:
        return Unsupported(f"no patient has {continuity.min_contacts} or more contacts in the period")
    return replace(_mean(rows), bounds=(0.0, 1.0))


def care_plan_counts(tables: Tables, config: ScorecardConfig, by: Unit, period: Period
                     ) -> UnitCounts | Unsupported:
    """``care_plan_coverage`` per unit: complex patients with a live care plan on the last day ÷ complex patients."""
    missing = tables.require("care_plans", measure="care-plan coverage by unit")
    if missing is not None:
        return missing
    units = patient_units(tables, by, period.end)
    if isinstance(units, Unsupported):
        return units
    profile = profile_for(tables, period.end, config.population)
    if isinstance(profile, Unsupported):
        return profile
    plans = live_care_plans(tables, period.end).select(c_patient="patient_id").distinct()
    cx = profile.filter(profile.complex).select("patient_id")
    cx = cx.join(units, "patient_id")
    cx = cx.left_join(plans, cx.patient_id == plans.c_patient)
    grouped = cx.group_by(UNIT_COLUMN).agg(n=cx.count(), planned=flag(cx.c_patient.notnull()).sum())
    rows, _ = _fetch(tables, grouped.mutate(unit=grouped[UNIT_COLUMN].cast("string")))
    if not rows:
        return Unsupported("no complex patient in the registered population")
    return _proportion(rows, "planned", "n")


def unit_counts(tables: Tables, config: ScorecardConfig, by: str, period: Period,
                measures: tuple[str, ...] | None = None) -> dict[str, UnitCounts | Unsupported]:
    """The ``measures`` (default every one of :data:`UNIT_MEASURES`) counted per unit of ``by``."""
    unit = check_unit(by)
    wanted = tuple(UNIT_MEASURES) if measures is None else measures
    unknown = [m for m in wanted if m not in UNIT_MEASURES]
    if unknown:
        raise UnitError(f"no per-unit form of {unknown}; choose from {', '.join(UNIT_MEASURES)}")
    out: dict[str, UnitCounts | Unsupported] = {}
    if {"mean_wait_days", "share_same_day"} & set(wanted):
        out.update(wait_counts(tables, config, unit, period))
    if "dna_rate" in wanted:
        out["dna_rate"] = dna_counts(tables, config, unit, period)
    if "upc" in wanted:
        out["upc"] = upc_counts(tables, config, unit, period)
    if "care_plan_coverage" in wanted:
        out["care_plan_coverage"] = care_plan_counts(tables, config, unit, period)
    return {k: out[k] for k in UNIT_MEASURES if k in wanted}


def compare_units(tables: Tables, config: ScorecardConfig, by: str, period: Period,
                  settings: FunnelSettings | None = None, measures: tuple[str, ...] | None = None) -> SiteComparison:
    """Each of ``measures`` (default every one of :data:`UNIT_MEASURES`) per unit of ``by`` over ``period``, on a
    funnel plot."""
    settings = settings or FunnelSettings()
    counts = unit_counts(tables, config, by, period, measures)
    funnels: dict[str, Funnel | Unsupported] = {}
    for key, c in counts.items():
        if isinstance(c, Unsupported):
            funnels[key] = c
        elif (c.n > 0).sum() < 2:  # a comparison needs two units
            funnels[key] = Unsupported(f"only {int((c.n > 0).sum())} {by} has data for this measure; a comparison "
                                       "needs at least two")
        else:
            funnels[key] = c.funnel(settings)
    notes: dict[str, str] = {}
    for key, c in counts.items():
        if not isinstance(c, Unsupported) and c.unassigned:
            notes[key] = f"{c.unassigned:,.0f} {DENOMINATORS[key]} with no {by} left out"
    if by == "site" and "share_same_day" in notes:
        notes["share_same_day"] += " (a request with no appointment took place nowhere)"
    return SiteComparison(by, period, funnels, notes)


# --- SPC per unit ---------------------------------------------------------------------------------------------------


def _unit_of(tables: Tables, by: Unit, as_of: date) -> Callable[[ir.Table], ir.Table] | Unsupported:
    if by == "site":
        def on_site(rows: ir.Table) -> ir.Table:
            if SITE not in rows.columns:
                raise UnitError("this series is not counted by site; use mean_wait_days, same_day_share, dna_rate "
                                "or appointments")
            return rows.mutate(unit=rows[SITE].cast("string"))
        return on_site
    units = patient_units(tables, by, as_of)
    if isinstance(units, Unsupported):
        return units
    mapped = units.select(m_patient="patient_id", m_unit=units[UNIT_COLUMN])

    def on_patient(rows: ir.Table) -> ir.Table:
        joined = rows.left_join(mapped, rows.patient_id == mapped.m_patient)
        unit = joined.m_unit
        if by == "practice" and "practice_id" in rows.columns:
            unit = joined.practice_id.coalesce(joined.m_unit)
        return joined.mutate(unit=unit.cast("string")).drop("m_patient", "m_unit")

    return on_patient


@dataclass(frozen=True)
class UnitChart:
    """One unit's XmR chart: its weekly (or monthly) series and the chart."""

    unit: str
    periods: list[date]
    n: list[int]
    chart: XmRChart


def unit_spc(tables: Tables, by: str, period: Period, series: str = "mean_wait_days",
             frequency: Literal["week", "month"] = "week") -> list[UnitChart] | Unsupported:
    """An XmR chart (Making Data Count) of ``series`` for each unit with at least two periods of data."""
    unit = check_unit(by)
    if unit == "site" and "appointments" in tables:
        a = tables["appointments"]
        if not tables.con.to_pyarrow(a.site_id.count()).as_py():
            return Unsupported("the dataset records no site for its appointments (appointments.site_id is empty)")
    unit_of = _unit_of(tables, unit, period.end)
    if isinstance(unit_of, Unsupported):
        return unit_of
    data = build_series_by(tables, series, period, frequency, unit_of).to_pylist()
    out = []
    for name in sorted({r["unit"] for r in data}):
        rows = [r for r in data if r["unit"] == name]
        if len(rows) < 2:  # an XmR chart needs two points
            continue
        chart = xmr([r["value"] for r in rows], improvement=SERIES[series].improvement)
        out.append(UnitChart(name, [r["period_start"] for r in rows], [r["n"] for r in rows], chart))
    if not out:
        return Unsupported(f"no {by} has two whole {frequency}s of {series} in {period.start} to {period.end}")
    return out


def spc_rows(charts: list[UnitChart]) -> pa.Table:
    """The charts as one table: unit, period_start, value, n, mean, upper_limit, lower_limit, point_type,
    special_cause."""
    frames = []
    for c in charts:
        t = c.chart.to_arrow(pa.array(c.periods, pa.date32()))
        frames.append(pa.table({"unit": pa.array([c.unit] * t.num_rows), "period_start": t.column("period"),
                                "value": t.column("value"), "n": pa.array(c.n, pa.int64()),
                                "mean": t.column("mean"), "upper_limit": t.column("upper_limit"),
                                "lower_limit": t.column("lower_limit"), "point_type": t.column("point_type"),
                                "special_cause": pa.array(c.chart.special_cause)}))
    return pa.concat_tables(frames)


__all__ = ["DENOMINATORS", "UNITS", "UNIT_MEASURES", "SiteComparison", "UnitChart", "UnitCounts", "UnitError",
           "care_plan_counts", "check_unit", "compare_units", "dna_counts", "patient_units", "spc_rows", "unit_counts",
           "unit_spc", "upc_counts", "wait_counts"]
