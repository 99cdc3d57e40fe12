"""Everything fixed for the length of a model run: population arrays, staff, diaries, panels, programmes.

:func:`prepare` turns a delivery model and a population (canonical tables) into a :class:`Setup`
that the booking policy, the outcome model and the steps of :mod:`carenet.twin.model_steps` share.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from carenet.care import (
    CARE_PLAN_ROWS,
    PROACTIVE_NEEDS,
    KeyWorkers,
    PatientAttributes,
    RoutingTable,
    cohort_mask,
    plan_care_plans,
    plan_case_management,
    plan_reviews,
)
from carenet.models.spec import DeliveryModel
from carenet.schema.roles import ROLE_CODES
from carenet.twin.calendar import WorkingCalendar
from carenet.twin.demand import DemandModel, build_demand
from carenet.twin.effects import Effects
from carenet.twin.lanes import Lanes, build_lanes
from carenet.twin.panels import Panels, assign
from carenet.twin.patients import PatientFrame, PopulationError
from carenet.twin.risk import ELDERLY_AGE, RiskProfile, risk_profile
from carenet.twin.settings import FRAILTY_CATEGORIES, TwinSettings, twin_settings
from carenet.twin.workforce import Staffing, build_staffing


@dataclass
class Setup:
    """A delivery model laid over a population for ``calendar``."""

    model: DeliveryModel
    tables: Mapping[str, pa.Table]
    calendar: WorkingCalendar
    settings: TwinSettings
    effects: Effects
    frame: PatientFrame
    attributes: PatientAttributes
    risk: RiskProfile
    demand: DemandModel
    staff: Staffing
    lanes: Lanes
    panels: Panels
    routing: RoutingTable
    practice_network: np.ndarray
    network_ids: tuple[str, ...]
    network_patients: np.ndarray
    diary_days: int
    proactive_needs: pa.Table
    care_plans: pa.Table
    booking_mode: str

    @property
    def patient_network(self) -> np.ndarray:
        return self.practice_network[self.frame.practice]


def _networks(tables: Mapping[str, pa.Table], frame: PatientFrame) -> tuple[np.ndarray, tuple[str, ...]]:
    practices = tables["practices"]
    by_id = dict(zip(practices.column("practice_id").to_pylist(), practices.column("network_id").to_pylist(),
                     strict=True))
    names = [by_id[p] or f"{p}-network" for p in frame.practice_ids]
    network_ids = tuple(dict.fromkeys(names))
    return np.asarray([network_ids.index(n) for n in names], np.int64), network_ids


def _attributes(frame: PatientFrame, risk: RiskProfile) -> PatientAttributes:
    frailty = np.where(frame.age >= ELDERLY_AGE, frame.frailty, -1)
    return PatientAttributes.build(frame.age, frailty=frailty, risk_tier=risk.tier, registers=frame.register_matrix(),
                                   practice=frame.practice, household=frame.household)


def bookable_roles(model: DeliveryModel) -> set[str]:
    """Roles that hold bookable diaries: every role a need is routed to or a programme books."""
    roles = {r for roles in model.entry.routing.values() for r in roles}
    review = model.proactive.annual_review
    if review:
        roles |= {r for r in (review.review_role, review.pre_check_role, review.follow_up_role) if r}
    roles |= {cm.role for cm in model.proactive.case_management}
    if model.proactive.care_plans:
        roles.add(model.proactive.care_plans.key_worker_role)
    if model.community.social_prescribing and model.community.link_worker_role:
        roles.add(model.community.link_worker_role)
    return roles & set(model.workforce.role_codes) | ({h.role for h in model.hub.roles} if model.hub else set())


def _key_workers(staff: Staffing) -> KeyWorkers:
    practice = staff.array("practice")
    return KeyWorkers(clinician=np.arange(len(staff)), role=np.asarray([ROLE_CODES[r] for r in staff.role]),
                      practice=practice, team=staff.array("team"), fte=staff.array("fte"))


def prepare(model: DeliveryModel, tables: Mapping[str, pa.Table], start: dt.date, days: int, effects: Effects,
            rng: np.random.Generator, booking_mode: str = "compiled", settings: TwinSettings | None = None) -> Setup:
    """Lay ``model`` over the population ``tables`` for ``days`` working days from ``start``."""
    settings = settings or twin_settings()
    frame = PatientFrame.from_tables(tables, start)
    risk = risk_profile(frame)
    attributes = _attributes(frame, risk)
    demand = build_demand(frame, settings.demand, effects.repeat_contact_probability)
    practice_network, network_ids = _networks(tables, frame)
    lists = np.bincount(frame.practice, minlength=len(frame.practice_ids))
    network_patients = np.bincount(practice_network, weights=lists, minlength=len(network_ids))
    staff = build_staffing(model, frame, attributes, practice_network, network_ids)
    if not len(staff):
        raise PopulationError(f"model {model.name!r} staffs no clinician for this population")
    horizon = max(model.booking.horizon_days, settings.demand.urgent_within_days) + 1
    diary_days = days + horizon
    calendar = WorkingCalendar(start, diary_days)
    lanes = build_lanes(staff, model, calendar.weekday, bookable_roles(model), network_patients)
    workload = demand.annual_rate / (1.0 - effects.repeat_contact_probability)
    panels = assign(model, frame, attributes, staff, workload)
    routing = RoutingTable.build(model.entry.routing, {ROLE_CODES[r] for r in set(lanes.role.tolist())})
    needs = _proactive_needs(model, attributes, days, settings, rng)
    plans = _care_plans(model, attributes, staff, panels, rng)
    return Setup(model, tables, WorkingCalendar(start, days), settings, effects, frame, attributes, risk, demand,
                 staff, lanes, panels, routing, practice_network, network_ids, network_patients, diary_days, needs,
                 plans, booking_mode)


def _proactive_needs(model: DeliveryModel, attributes: PatientAttributes, days: int, settings: TwinSettings,
                     rng: np.random.Generator) -> pa.Table:
    window = model.booking.horizon_days
    parts = [PROACTIVE_NEEDS.empty_table()]
    year = settings.calendar.working_days_per_year
    if model.proactive.annual_review is not None:
        for first_day in range(0, days, year):  # one round of reviews per year of the run
            plan = plan_reviews(attributes, model.proactive.annual_review, year, window, rng)
            columns = {name: plan.column(name).to_numpy() for name in PROACTIVE_NEEDS.names}
            columns["day"] = columns["day"] + first_day
            columns["deadline"] = columns["deadline"] + first_day
            inside = columns["day"] < days
            parts.append(pa.table({k: v[inside] for k, v in columns.items()}, schema=PROACTIVE_NEEDS))
    if model.proactive.case_management:
        parts.append(plan_case_management(attributes, model.proactive.case_management, days,
                                          settings.calendar.working_days_per_year, window, rng))
    needs = pa.concat_tables(parts)
    return needs.take(np.argsort(needs.column("day").to_numpy(), kind="stable"))


def _care_plans(model: DeliveryModel, attributes: PatientAttributes, staff: Staffing, panels: Panels,
                rng: np.random.Generator) -> pa.Table:
    if model.proactive.care_plans is None:
        return CARE_PLAN_ROWS.empty_table()
    return plan_care_plans(attributes, model.proactive.care_plans, _key_workers(staff), rng, patient_team=panels.team)


def proactive_patients(setup: Setup) -> np.ndarray:
    """Patients under a care plan or a case-management programme from the start of the run."""
    flag = np.zeros(len(setup.frame), bool)
    flag[setup.care_plans.column("patient").to_numpy()] = True
    for programme in setup.model.proactive.case_management:
        flag |= cohort_mask(programme.cohort, setup.attributes)
    return flag


__all__ = ["FRAILTY_CATEGORIES", "Setup", "bookable_roles", "prepare", "proactive_patients"]
