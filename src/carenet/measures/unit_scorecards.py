"""Every measure of the scorecard for each practice, team or primary care network of one dataset.

A unit's scorecard is the scorecard of the unit's own population and staff, computed by the same code as the
network's (:func:`carenet.measures.scorecard`) on the dataset restricted to the unit:

* its patients (:func:`carenet.measures.sites.patient_units`) and everything recorded about them: registrations,
  conditions, panels, requests, appointments, care plans, tasks, referrals and social prescriptions;
* its staff and their diaries: a practice's clinicians (``clinicians.practice_id``; staff a network employs count
  at the practice they are based at), a network's (its practices' and those it employs, ``clinicians.network_id``),
  a team's members (``team_members``); and the unit's practices and teams;
* the network's community services, which every practice's patients share.

Third next available is read from the unit's own staff's diaries. The measures of the staff's own work
(:data:`STAFF_MEASURES`: the own-patient ratio, utilisation) count every appointment the unit's staff held, whoever
the patient. Measures that set practices
against each other (staff per need-adjusted patient by deprivation) are not reported inside one practice. A site is
where an appointment took place, not a population, so it has funnel plots
(:func:`carenet.measures.sites.compare_units`) but no scorecard of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import ibis
import ibis.expr.types as ir
import pandas as pd

from carenet.measures.backend import Tables
from carenet.measures.scorecard import ScorecardConfig, Value, measure_info, scorecard
from carenet.measures.segments import Period
from carenet.measures.sites import UNIT_COLUMN, Unit, check_unit, patient_units
from carenet.measures.support import Unsupported
from carenet.measures.workforce import utilisation_by_role

PATIENT_TABLES = ("patients", "registrations", "conditions", "panels", "requests", "appointments", "care_plans",
                  "tasks", "referrals", "social_prescriptions")
"""Tables whose rows belong to a patient: a unit keeps its own patients' rows."""


def _values(tables: Tables, expr: ir.Column) -> list:
    return [v for v in tables.con.to_pyarrow(expr.name("v").as_table().distinct()).column("v").to_pylist()
            if v is not None]


def _staff(tables: Tables, by: Unit, unit: str) -> tuple[ir.Table | None, ir.Table | None, ir.Table | None]:
    """The unit's clinicians, practices and teams (None where the dataset lacks the table)."""
    c = tables["clinicians"] if "clinicians" in tables else None
    p = tables["practices"] if "practices" in tables else None
    t = tables["teams"] if "teams" in tables else None
    if by == "practice":
        return (None if c is None else c.filter(c.practice_id == unit),
                None if p is None else p.filter(p.practice_id == unit),
                None if t is None else t.filter(t.practice_id == unit))
    if by == "pcn":
        mine = [] if p is None else _values(tables, p.filter(p.network_id == unit).practice_id)
        return (None if c is None else c.filter((c.network_id == unit) | c.practice_id.isin(mine)),
                None if p is None else p.filter(p.network_id == unit),
                None if t is None else t.filter((t.network_id == unit) | t.practice_id.isin(mine)))
    members = tables["team_members"].filter(ibis._.team_id == unit) if "team_members" in tables else None
    ids = [] if members is None else _values(tables, members.clinician_id)
    team = None if t is None else t.filter(t.team_id == unit)
    practice_ids = [] if team is None else _values(tables, team.practice_id)
    return (None if c is None else c.filter(c.clinician_id.isin(ids)),
            None if p is None else p.filter(p.practice_id.isin(practice_ids)), team)


STAFF_MEASURES = ("own_patient_ratio", "utilisation_")
"""Measures of the staff's own work (a list-holding GP's appointments with their own patients; booked time over
contracted time): a unit scores them on every appointment its staff held, whoever the patient, since a cut to the
unit's patients would leave out its staff's work for others (a team's one list-holding GP would score 1 by
construction)."""


_STAFF_OF = {"practice": "clinicians.practice_id", "pcn": "clinicians.network_id, or practice_id of its practices",
             "team": "team_members"}


def _staff_tables(tables: Tables, clinicians: ir.Table) -> Tables:
    """``tables`` with the appointments, diaries and clinicians of ``clinicians`` alone (every patient kept)."""
    ids = clinicians.select(u_clinician="clinician_id")
    out: dict[str, ir.Table] = {n: tables[n] for n in tables}
    out["clinicians"] = clinicians
    for name in ("appointments", "diaries"):
        if name in tables:
            t = tables[name]
            out[name] = t.semi_join(ids, t.clinician_id == ids.u_clinician)
    return Tables(tables.con, out)


def _staff_figures(tables: Tables, by: Unit, unit: str, config: ScorecardConfig,
                   period: Period) -> dict[str, Value] | None:
    """:data:`STAFF_MEASURES` for the unit's staff, or None when the dataset names no staff."""
    clinicians, _, _ = _staff(tables, by, unit)
    if clinicians is None:
        return None
    if not tables.con.to_pyarrow(clinicians.count()).as_py():
        none = Unsupported(f"the dataset names no clinician of this {by} ({_STAFF_OF[by]})")
        return {"own_patient_ratio": none, "utilisation_all": none}
    staff = _staff_tables(tables, clinicians)
    card = scorecard(staff, config, only={"continuity": ("own_patient_ratio",)})
    figures: dict[str, Value] = dict(card.sections.get("continuity", {}))
    figures.update(utilisation_by_role(staff, period, config.working_weeks_per_year))
    return figures


def _with_staff_figures(sections: dict[str, dict[str, Value]],
                        staff: dict[str, Value] | None) -> dict[str, dict[str, Value]]:
    """The card's sections with :data:`STAFF_MEASURES` taken from ``staff`` (in the card's order, the staff's
    utilisation by role in place of the card's)."""
    if staff is None:
        return sections
    out = {}
    for attribute, section in sections.items():
        kept = {k: (staff[k] if k in staff else v) for k, v in section.items() if not k.startswith("utilisation_")}
        if any(k.startswith("utilisation_") for k in section):
            kept = {**{k: v for k, v in staff.items() if k.startswith("utilisation_")}, **kept}
        out[attribute] = kept
    return out


def unit_tables(tables: Tables, by: Unit, unit: str, units: ir.Table) -> Tables:
    """``tables`` restricted to one unit (``units``: each patient's unit, from
    :func:`~carenet.measures.sites.patient_units`)."""
    mine = units.filter(units[UNIT_COLUMN] == unit).select(u_patient="patient_id")
    out: dict[str, ir.Table] = {n: tables[n] for n in tables}
    for name in PATIENT_TABLES:
        if name in tables:
            t = tables[name]
            out[name] = t.semi_join(mine, t.patient_id == mine.u_patient)
    clinicians, practices, teams = _staff(tables, by, unit)
    restrict: dict[str, Callable[[ir.Table], ir.Table]] = {}
    if clinicians is not None:
        out["clinicians"] = clinicians
        ids = clinicians.select(u_clinician="clinician_id")
        restrict["diaries"] = lambda d: d.semi_join(ids, d.clinician_id == ids.u_clinician)
        restrict["team_members"] = lambda m: m.semi_join(ids, m.clinician_id == ids.u_clinician)
    if practices is not None:
        out["practices"] = practices
    if teams is not None:
        out["teams"] = teams
    for name, keep in restrict.items():
        if name in tables:
            out[name] = keep(tables[name])
    return Tables(tables.con, out)


def unit_scorecards(tables: Tables, config: ScorecardConfig, by: str, period: Period,
                    on_unit: Callable[[str], None] | None = None) -> pd.DataFrame | Unsupported:
    """One row per unit and measure (``unit``, ``attribute``, ``measure``, ``label``, ``measure_unit``, ``value``,
    ``note``): every scorecard measure for each practice, team or network over ``period``; or why the dataset cannot
    be split so. ``on_unit(name)`` is called as each unit starts (a progress bar)."""
    unit_kind = check_unit(by)
    units = patient_units(tables, unit_kind, period.end)
    if isinstance(units, Unsupported):
        return units
    names = sorted(str(u) for u in _values(tables, units[UNIT_COLUMN]))
    card_config = replace(config, as_of=period.end, period_days=period.days)
    rows = []
    for name in names:
        if on_unit is not None:
            on_unit(name)
        card = scorecard(unit_tables(tables, unit_kind, name, units), card_config, label=name)
        sections = _with_staff_figures(card.sections, _staff_figures(tables, unit_kind, name, card_config, period))
        rows.extend(card_rows(name, sections))
    return pd.DataFrame(rows)


def card_rows(unit: str, sections: Mapping[str, Mapping[str, object]]) -> list[dict[str, object]]:
    """One unit's scorecard sections as rows (``unit``, ``attribute``, ``measure``, ``label``, ``measure_unit``,
    ``value``, ``note``): a measure that cannot be scored has no value and its reason as the note."""
    rows = []
    for attribute, section in sections.items():
        for key, value in section.items():
            info = measure_info(key)
            missing = isinstance(value, Unsupported)
            rows.append({"unit": unit, "attribute": attribute, "measure": key, "label": info.label,
                         "measure_unit": info.unit, "value": None if missing else float(value),
                         "note": value.reason if missing else ""})
    return rows


__all__ = ["PATIENT_TABLES", "card_rows", "unit_scorecards", "unit_tables"]
