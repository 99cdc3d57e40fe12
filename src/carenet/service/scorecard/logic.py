"""The five-attribute scorecard of the live store, its SPC charts by practice, team and segment, and a twin run's
predictions to set them against.

The store's canonical tables (every patient's rows of the practices asked for, and the staff, teams and directory)
are read on the request's connection into Arrow, loaded on an in-memory DuckDB and scored by
:func:`carenet.measures.scorecard` with ``carenet score``'s thresholds from ``parameters.yaml``, over the period
ending today. A twin run's predictions come from a comparison's ``scorecard.csv`` (``carenet compare``/``carenet
demo``; its ``model``, ``measure``, ``mean``, ``lo`` and ``hi`` columns): the service never runs the twin itself.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import ibis
import pyarrow as pa
import sqlalchemy as sa

from carenet.measures import SERIES, ScorecardConfig, Tables, profile_for, scorecard, xmr
from carenet.measures.segments import Period
from carenet.measures.spc import SPCError, build_series_by
from carenet.params import parameter
from carenet.service.settings import ServiceSettings
from carenet.service.store.tables import CANONICAL, key_columns
from carenet.service.worklists.dataset import arrow_table, on_duckdb

BY = {"practice": "practice", "team": "micro-team or panel", "segment": "Bridges to Health segment"}
"""Units an SPC chart is drawn for, and how each is named."""


def _value(path: str):
    return parameter(path)["value"]


def scorecard_config(settings: ServiceSettings, as_of: dt.date) -> ScorecardConfig:
    """``carenet score``'s configuration (thresholds from ``parameters.yaml``) for the period ending ``as_of``."""
    return ScorecardConfig(
        period_days=int(_value("measures_population.period_days")), population=settings.population,
        discharge_follow_up_days=int(_value("measures_coordination.discharge_follow_up_days")),
        psychosocial_link_window_days=int(_value("measures_community.psychosocial_link_window_days")),
        working_weeks_per_year=float(_value("measures_workforce.working_weeks_per_year")), as_of=as_of)


def store_tables(connection: sa.Connection, practice_ids: list[str]) -> dict[str, pa.Table]:
    """Every canonical table of the store, the patient-keyed and practice-keyed ones restricted to ``practice_ids``."""
    patients = CANONICAL["patients"]
    members = sa.select(patients.c.patient_id).where(patients.c.practice_id.in_(practice_ids))
    out = {}
    for name, table in CANONICAL.items():
        query = sa.select(table).order_by(*key_columns(name))
        if "patient_id" in table.c:
            query = query.where(table.c.patient_id.in_(members))
        elif "practice_id" in table.c and name != "clinicians":
            query = query.where(table.c.practice_id.in_(practice_ids))
        out[name] = arrow_table(connection.execute(query).all(), name)
    return out


def measured_store(connection: sa.Connection, practice_ids: list[str]):
    """Every canonical table of the practices (:func:`store_tables`) on a DuckDB of their own, closed afterwards."""
    return on_duckdb(store_tables(connection, practice_ids))


def live_scorecard(tables: Tables, settings: ServiceSettings, as_of: dt.date, label: str) -> dict:
    """The scorecard as JSON-ready data (each measure's value or why it is unsupported, unit and direction)."""
    return scorecard(tables, scorecard_config(settings, as_of), label).to_dict()


@dataclass(frozen=True)
class Chart:
    """One unit's XmR chart, ready to draw."""

    unit: str
    periods: list[dt.date]
    values: list[float]
    mean: float
    upper: float
    lower: float
    point_types: list[str]
    signals: dict[str, list[int]]


def _unit_of(tables: Tables, by: str, settings: ServiceSettings, as_of: dt.date):
    if by == "practice":
        return lambda rows: rows.mutate(unit=rows.practice_id)
    if by == "team":
        panels = tables["panels"]
        latest = panels.group_by("patient_id").aggregate(unit=panels.team_id.coalesce(panels.clinician_id).max())

        def team(rows):
            joined = rows.left_join(latest, rows.patient_id == latest.patient_id)
            return joined.select(*[c for c in rows.columns], unit=joined.unit)
        return team
    profile = profile_for(tables, as_of, settings.population)
    if not isinstance(profile, ibis.expr.types.Table):
        raise SPCError(f"the population's segments cannot be worked out: {profile.reason}")
    segments = profile.select(pid=profile.patient_id, unit=profile.b2h_segment.cast("string"))

    def segment(rows):
        joined = rows.left_join(segments, rows.patient_id == segments.pid)
        return joined.select(*[c for c in rows.columns], unit=joined.unit)
    return segment


def spc_charts(tables: Tables, series: str, by: str, settings: ServiceSettings, as_of: dt.date, period_days: int,
               frequency: str = "week") -> tuple[list[Chart], list[str]]:
    """The XmR chart of ``series`` for each unit ``by`` (practice, team, segment) over the period, and the units
    whose series is too short to chart (with why)."""
    period = Period.ending(as_of, period_days)
    table = build_series_by(tables, series, period, frequency, _unit_of(tables, by, settings, as_of))
    charts, short = [], []
    rows = table.to_pylist()
    units = sorted({r["unit"] for r in rows})
    for unit in units:
        mine = [r for r in rows if r["unit"] == unit]
        try:
            chart = xmr([r["value"] for r in mine], improvement=SERIES[series].improvement)
        except SPCError as why:
            short.append(f"{unit}: {why}")
            continue
        charts.append(Chart(unit, [r["period_start"] for r in mine], [r["value"] for r in mine], chart.mean,
                            chart.upper_limit, chart.lower_limit, chart.point_types(), chart.signals()))
    return charts, short


def twin_predictions(path: Path | None, model: str | None) -> dict[str, tuple[float, float | None, float | None]]:
    """measure -> (mean, lo, hi) of ``model`` in a comparison's ``scorecard.csv`` (empty without one)."""
    if path is None or model is None or not Path(path).is_file():
        return {}
    out = {}
    with Path(path).open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row.get("model") != model or row.get("mean") in (None, "") or row.get("setting") not in (None, ""):
                continue
            mean = _number(row, "mean")
            if mean is not None:
                out[row["measure"]] = (mean, _number(row, "lo"), _number(row, "hi"))
    return out


def _number(row: dict, key: str) -> float | None:
    try:
        return float(row[key]) if row.get(key) not in (None, "") else None
    except ValueError:
        return None


__all__ = ["BY", "Chart", "live_scorecard", "measured_store", "scorecard_config", "spc_charts",
           "store_tables", "twin_predictions"]
