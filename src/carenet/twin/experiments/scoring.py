"""Score one replication's dataset with the measures library: the scorecard and the report's breakdowns.

The twin's output is a canonical dataset like any import, so a replication is scored exactly as
``carenet score`` scores real data: :func:`carenet.measures.scorecard` over the simulated period,
plus the staff cost per registered patient (:mod:`.costs`), continuity by NHS England segment,
the wait distribution by urgency, appointment hours by role and an XmR chart of weekly waits.
Everything comes back as small pandas tables, one row per measure or group, ready to pool.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa

from carenet.measures import (
    AccessConfig,
    ComplexPatientRule,
    Period,
    PopulationConfig,
    ScorecardConfig,
    Tables,
    Unsupported,
    access_summary,
    chart_series,
    connect,
    continuity_by_segment,
    continuity_summary,
    load,
    profile_for,
    registered_patients,
    scorecard,
)
from carenet.measures.access import wait_distribution
from carenet.measures.funnel import FunnelSettings
from carenet.measures.scorecard import Scorecard, measure_info
from carenet.measures.spc import SPCError
from carenet.measures.verdicts import HEADLINES
from carenet.params import parameter
from carenet.schema import open_dataset
from carenet.twin.experiments.costs import cost_per_patient

COST_ATTRIBUTE = "cost"
COST_MEASURES: dict[str, tuple[str, str, str]] = {
    "staff_cost_per_patient_gbp": ("Staff cost per registered patient per year", "gbp", "lower"),
    "staff_cost_per_appointment_gbp": ("Staff cost per attended appointment", "gbp", "lower"),
}
"""Cost measures added to the scorecard: label, unit, better direction."""

SPC_SERIES = "mean_wait_days"
SITES_BY = "practice"
SITES_MEASURES: tuple[str, ...] = ("mean_wait_days", "share_same_day", "upc")
"""The report's "how the sites compare": these headline measures by practice, on funnel plots."""
SEGMENT_COLUMN = "nhse_segment"
_DAYS_PER_WEEK = 7
DAYS_PER_YEAR = 365.2425
"""Mean Gregorian year: scales the measured period's appointments to a year, to set against annual staff cost."""


def _value(path: str) -> object:
    return parameter(path)["value"]


def population_config() -> PopulationConfig:
    """Segmentation, risk and complex-patient thresholds from ``parameters.yaml`` (as ``carenet score`` reads them)."""
    weights = {w["condition"]: w["weight"] for w in parameter("cambridge_multimorbidity_score_general.weights")}
    rule = ComplexPatientRule(
        min_ltc_count=int(_value("measures_population.complex_patient_min_ltc_count")),
        efi_categories=tuple(_value("measures_population.complex_patient_efi_categories")),
        min_segment=int(_value("measures_population.complex_patient_min_b2h_segment")),
    )
    return PopulationConfig(cms_weights=weights, acute_window_days=int(_value("measures_population.acute_window_days")),
                            high_risk_min_ltc=int(_value("measures_population.high_risk_min_ltc_count")),
                            complex_rule=rule)


def funnel_settings() -> FunnelSettings:
    """The funnel plots' limits and minimum denominator from ``parameters.yaml`` ``measures_funnel``."""
    return FunnelSettings(z_inner=float(_value("measures_funnel.z_inner")),
                          z_outer=float(_value("measures_funnel.z_outer")),
                          min_denominator=int(_value("measures_funnel.min_denominator")))


def settings_config(as_of: dt.date | None, period_days: int | None) -> ScorecardConfig:
    """The scorecard as ``carenet score`` runs it: thresholds from ``parameters.yaml``, period and date given."""
    return ScorecardConfig(
        period_days=period_days or int(_value("measures_population.period_days")),
        population=population_config(),
        discharge_follow_up_days=int(_value("measures_coordination.discharge_follow_up_days")),
        psychosocial_link_window_days=int(_value("measures_community.psychosocial_link_window_days")),
        working_weeks_per_year=float(_value("measures_workforce.working_weeks_per_year")),
        as_of=as_of,
    )


def scorecard_config(first_day: dt.date, last_day: dt.date) -> ScorecardConfig:
    """The scorecard over the simulated period ``first_day`` … ``last_day``; thresholds from ``parameters.yaml``."""
    return settings_config(last_day, (last_day - first_day).days + 1)


@dataclass
class RepScore:
    """One replication, scored: each table without model or replication columns (the caller adds them)."""

    scorecard: pd.DataFrame  # attribute, measure, label, unit, better, value, note
    continuity_by_segment: pd.DataFrame  # segment, value, patients
    waits: pd.DataFrame  # urgency, booking_interval, share
    workload: pd.DataFrame  # role, hours_per_week
    spc: pd.DataFrame  # period_start, value, mean, upper_limit, lower_limit, point_type
    sites: pd.DataFrame = field(default_factory=pd.DataFrame)  # measure, unit, n, value, target, limits, flag …


def _card_rows(card: Scorecard) -> list[dict]:
    rows = []
    for attribute, section in card.sections.items():
        for key, v in section.items():
            info = measure_info(key)
            missing = isinstance(v, Unsupported)
            rows.append({"attribute": attribute, "measure": key, "label": info.label, "unit": info.unit,
                         "better": info.better, "value": math.nan if missing else float(v),
                         "note": v.reason if missing else ""})
    return rows


def _attended_in(tables: Tables, period: Period) -> ibis.Table:
    a = tables["appointments"]
    return a.filter(a.status == "attended", period.contains(a.booked_for))


def _cost_rows(tables: Tables, registered: float | Unsupported | None, period: Period) -> list[dict]:
    rows = []
    values: dict[str, float | Unsupported] = {}
    if "clinicians" not in tables:
        reason = Unsupported("the dataset has no clinicians table to cost")
        values = dict.fromkeys(COST_MEASURES, reason)
    elif not isinstance(registered, float) or registered <= 0:
        values = dict.fromkeys(COST_MEASURES, Unsupported("no registered patients to cost per patient"))
    else:
        clinicians = tables.con.to_pyarrow(tables["clinicians"].select("role", "fte"))
        per_patient = cost_per_patient(clinicians, int(registered))
        values["staff_cost_per_patient_gbp"] = per_patient
        attended = (tables.con.to_pyarrow(_attended_in(tables, period).count()).as_py()
                    if "appointments" in tables else 0)
        yearly = attended * DAYS_PER_YEAR / period.days
        values["staff_cost_per_appointment_gbp"] = (per_patient * registered / yearly if yearly
                                                    else Unsupported("no attended appointment in the period"))
    for key, (label, unit, better) in COST_MEASURES.items():
        v = values[key]
        missing = isinstance(v, Unsupported)
        rows.append({"attribute": COST_ATTRIBUTE, "measure": key, "label": label, "unit": unit, "better": better,
                     "value": math.nan if missing else float(v), "note": v.reason if missing else ""})
    return rows


def _segments(tables: Tables, card_config: ScorecardConfig, period: Period) -> pd.DataFrame:
    empty = pd.DataFrame(columns=["segment", "value", "patients"])
    profile = profile_for(tables, period.end, card_config.population)
    if isinstance(profile, Unsupported) or "appointments" not in tables:
        return empty
    config = card_config.continuity.model_copy(update={"start": period.start, "end": period.end})
    complex_label = ibis.ifelse(profile.complex, "Complex patients", "Other patients")
    groups = {SEGMENT_COLUMN: profile.select("patient_id", segment=profile[SEGMENT_COLUMN]),
              "complex": profile.select("patient_id", segment=complex_label)}
    frames = []
    for segments in groups.values():
        by = continuity_by_segment(tables, config, segments=segments)
        got = tables.con.to_pyarrow(by.select("segment", value="upc_mean", patients="patients")).to_pandas()
        frames.append(got.sort_values("segment"))
    out = pd.concat(frames, ignore_index=True)
    return out[out["segment"].notna()].reset_index(drop=True)


def _waits(tables: Tables, period: Period) -> pd.DataFrame:
    if "appointments" not in tables:
        return pd.DataFrame(columns=["urgency", "booking_interval", "share"])
    dist = wait_distribution(tables, AccessConfig(start=period.start, end=period.end), by=("urgency",))
    out = tables.con.to_pyarrow(dist.select("urgency", "booking_interval", "share")).to_pandas()
    out["urgency"] = out["urgency"].fillna("unknown")
    return out.sort_values(["urgency", "booking_interval"]).reset_index(drop=True)


def _workload(tables: Tables, period: Period) -> pd.DataFrame:
    if "appointments" not in tables:
        return pd.DataFrame(columns=["role", "hours_per_week"])
    a = _attended_in(tables, period)
    minutes = a.group_by(role=a.role.fill_null("unknown")).agg(minutes=a.duration_minutes.fill_null(0).sum())
    out = tables.con.to_pyarrow(minutes).to_pandas()
    weeks = period.days / _DAYS_PER_WEEK
    out["hours_per_week"] = out["minutes"].astype(float) / 60 / weeks
    return out[["role", "hours_per_week"]].sort_values("role").reset_index(drop=True)


def _spc(tables: Tables, period: Period) -> pd.DataFrame:
    columns = ["period_start", "value", "mean", "upper_limit", "lower_limit", "point_type"]
    if "appointments" not in tables:
        return pd.DataFrame(columns=columns)
    try:
        series, chart = chart_series(tables, SPC_SERIES, period, "week")
    except SPCError:
        return pd.DataFrame(columns=columns)
    table = chart.to_arrow(series.column("period_start")).to_pandas()
    return table.rename(columns={"period": "period_start"})[columns]


def _sites(tables: Tables, config: ScorecardConfig, period: Period) -> pd.DataFrame:
    """The headline measures by practice against the whole network, as funnel-plot rows (none if unsupported)."""
    from carenet.measures.sites import compare_units

    if "appointments" not in tables:
        return pd.DataFrame()
    result = compare_units(tables, config, SITES_BY, period, funnel_settings(), SITES_MEASURES)
    return result.to_arrow().to_pandas()


def _light_rows(tables: Tables, config: ScorecardConfig, period: Period) -> list[dict]:
    """Access, continuity and cost only: what a sweep charts, at a fraction of the scorecard's cost."""
    window = {"start": period.start, "end": period.end}
    sections = {
        "access": access_summary(tables, config.access.model_copy(update=window)),
        "continuity": continuity_summary(tables, config.continuity.model_copy(update=window)),
    }
    numbers = {a: {k: v for k, v in section.items() if not isinstance(v, dict)} for a, section in sections.items()}
    card = Scorecard(period, tables.backend, numbers)
    registered = registered_patients(tables, period.end).count().to_pyarrow().as_py()
    return _card_rows(card) + _cost_rows(tables, float(registered), period)


def _card_and_cost_rows(tables: Tables, config: ScorecardConfig, period: Period,
                        only: Mapping[str, tuple[str, ...]] | None) -> list[dict]:
    card = scorecard(tables, config, only=only)
    registered = card.sections.get("population", {}).get("registered_patients")
    return _card_rows(card) + _cost_rows(tables, registered, card.period)


_HEADLINES_AND_LIST = {**HEADLINES, "population": ("registered_patients",)}
"""The verdicts' measures and the registered list the cost per patient divides by."""

SCOPES: dict[str, Callable[[Tables, ScorecardConfig, Period], list[dict]]] = {
    "scorecard": lambda tables, config, period: _card_and_cost_rows(tables, config, period, None),
    "headlines": lambda tables, config, period: _card_and_cost_rows(tables, config, period, _HEADLINES_AND_LIST),
    "sweep": _light_rows,
}
"""What a replication is scored on: every measure (a comparison), the measures the verdicts read and the registered
list (an uncertainty draw), or access, continuity and cost (a sweep)."""


def _score(tables: Tables, first_day: dt.date, last_day: dt.date, scope: str, spc: bool,
           sites: bool = False) -> RepScore:
    config = scorecard_config(first_day, last_day)
    period = Period(first_day, last_day)
    empty = pd.DataFrame()
    rows = SCOPES[scope](tables, config, period)
    every = scope == "scorecard"
    return RepScore(
        scorecard=pd.DataFrame(rows),
        continuity_by_segment=_segments(tables, config, period) if every else empty,
        waits=_waits(tables, period) if every else empty,
        workload=_workload(tables, period) if every else empty,
        spc=_spc(tables, period) if every and spc else empty,
        sites=_sites(tables, config, period) if every and sites else empty,
    )


def score_dataset(path: str | Path, first_day: dt.date, last_day: dt.date, *, scope: str = "scorecard",
                  spc: bool = True, threads: int = 0, sites: bool = False) -> RepScore:
    """Score the dataset at ``path`` over the days ``first_day`` … ``last_day`` (DuckDB, reading the files in place).

    ``scope`` names one of :data:`SCOPES`: ``scorecard`` (every measure and the report's breakdowns: continuity by
    segment, waits, workload and, unless ``spc=False``, the weekly chart), ``headlines`` (the verdicts' measures) or
    ``sweep`` (access, continuity and cost); ``threads`` caps DuckDB's threads (0: DuckDB's default), so parallel
    replications share the cores; ``sites`` adds, to a ``scorecard``, the headline measures by practice on funnel
    plots (the report's "how the sites compare").
    """
    con = _connection(threads)
    return _score(load(open_dataset(path), con=con), first_day, last_day, scope, spc, sites)


def score_tables(tables: Mapping[str, pa.Table], first_day: dt.date, last_day: dt.date, *,
                 scope: str = "scorecard", spc: bool = True, threads: int = 0, sites: bool = False) -> RepScore:
    """As :func:`score_dataset`, for a run's canonical tables held in memory (never written: an uncertainty draw)."""
    con = _connection(threads)
    return _score(load(tables, con=con), first_day, last_day, scope, spc, sites)


def _connection(threads: int) -> ibis.BaseBackend:
    return connect("duckdb", threads=threads) if threads > 0 else connect("duckdb")


__all__ = ["COST_MEASURES", "SCOPES", "RepScore", "funnel_settings", "population_config", "score_dataset",
           "score_tables", "scorecard_config"]
