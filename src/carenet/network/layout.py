"""A delivery model laid over a network: the population's arrays, people and rota, diaries, panels, routing, choice.

``lay_over(model, tables, start, days, settings, seed) -> Network`` is the one place a model meets a
network. The twin calls it once for a simulated year; a service calls it once and then books
single requests through :class:`carenet.network.booking.NetworkBooking`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from carenet.care import PatientAttributes, RoutingTable, cohort_mask
from carenet.models.spec import DeliveryModel
from carenet.network.calendar import WorkingCalendar
from carenet.network.diaries import Lanes, build_lanes
from carenet.network.panels import Panels, assign
from carenet.network.patients import PatientFrame, PopulationError
from carenet.network.risk import ELDERLY_AGE, RiskProfile, risk_profile
from carenet.network.rota import bank_holidays, presence
from carenet.network.settings import ChoiceSettings, NetworkSettings
from carenet.network.staffing import Staffing, build_staffing
from carenet.schema.roles import ROLE_CODES

_GP = ROLE_CODES.index("gp")
_YEAR_SPAN_DAYS = 2 * 366
"""Calendar days searched for bank holidays beyond the run's start (covers any run up to a year of diaries)."""


@dataclass
class Network:
    """A delivery model laid over a network's population for ``calendar``'s working days."""

    model: DeliveryModel
    tables: Mapping[str, pa.Table]
    calendar: WorkingCalendar
    settings: NetworkSettings
    frame: PatientFrame
    attributes: PatientAttributes
    risk: RiskProfile
    staff: Staffing
    present: np.ndarray  # bool [clinician, diary day]
    lanes: Lanes
    panels: Panels
    routing: RoutingTable
    practice_network: np.ndarray
    network_ids: tuple[str, ...]
    network_patients: np.ndarray
    diary_days: int
    booking_mode: str
    prefers: np.ndarray  # bool per patient: prefers a particular GP and waits for them
    usual_gp: np.ndarray  # clinician per patient: the named GP, or the GP a patient without one prefers

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
                                   practice=frame.practice, household=frame.household, homeless=frame.homeless)


def gp_factor(tables: Mapping[str, pa.Table], practice_ids: tuple[str, ...], lists: np.ndarray,
              practice_network: np.ndarray, min_fte: float = 1.0) -> np.ndarray:
    """Each practice's GP FTE per patient in the network's own staffing, relative to its network's (mean one over
    the network's patients): a model staffs GPs where the real practices have them, so the inverse care law in the
    data carries into every model. All ones for a network where a practice records less than ``min_fte`` GP FTE
    (its staffing is too coarse to spread by, as in a scaled-down population)."""
    ones = np.ones(len(practice_ids))
    clinicians = tables.get("clinicians")
    if clinicians is None or clinicians.num_rows == 0:
        return ones
    frame = clinicians.select(["role", "practice_id", "fte"]).to_pandas()
    gp = frame[(frame["role"] == "gp") & frame["practice_id"].notna()].groupby("practice_id")["fte"].sum()
    fte = np.asarray([float(gp.get(p, 0.0)) for p in practice_ids])
    out = ones.copy()
    for n in np.unique(practice_network):
        mine = practice_network == n
        total_fte, total_list = fte[mine].sum(), lists[mine].sum()
        if total_fte <= 0 or total_list <= 0 or (fte[mine] < min_fte).any():
            continue  # a practice with (almost) no recorded GPs: the network's staffing is not known well enough
        out[mine] = (fte[mine] / lists[mine]) / (total_fte / total_list)
    return out


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


def patient_choice(frame: PatientFrame, panels: Panels, staff: Staffing, choice: ChoiceSettings,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Who prefers a particular GP (GP Patient Survey: more often the older, women and those with long-term
    conditions; :meth:`ChoiceSettings.share`), and which GP.

    A patient's usual GP is their named clinician when that is a GP; otherwise one of their
    practice's GPs, drawn in proportion to the GP's sessions (the GP they would come to know).
    """
    prefers = rng.random(len(frame)) < choice.share(frame.age, frame.female, frame.registers)
    role = staff.array("role")
    named = panels.named
    usual = np.where((named >= 0) & (role[np.maximum(named, 0)] == _GP), named, -1).astype(np.int64)
    practice_of = staff.array("practice")
    gps = np.flatnonzero((role == _GP) & (practice_of >= 0))
    missing = np.flatnonzero(usual < 0)
    if gps.size and missing.size:
        weight = staff.array("sessions_per_week")[gps]
        order = np.lexsort((gps, practice_of[gps]))
        gps, weight = gps[order], weight[order]
        gp_practice = practice_of[gps]
        start = np.searchsorted(gp_practice, frame.practice[missing], side="left")
        stop = np.searchsorted(gp_practice, frame.practice[missing], side="right")
        cumulative = np.concatenate([[0.0], np.cumsum(weight)])
        low, high = cumulative[start], cumulative[stop]
        point = low + rng.random(missing.size) * (high - low)
        pick = np.clip(np.searchsorted(cumulative, point, side="right") - 1, start, np.maximum(stop - 1, start))
        usual[missing] = np.where(stop > start, gps[np.minimum(pick, gps.size - 1)], -1)
    return prefers & (usual >= 0), usual


def lay_over(model: DeliveryModel, tables: Mapping[str, pa.Table], start: dt.date, days: int,
             settings: NetworkSettings, seed: np.random.SeedSequence, *,
             workload: Callable[[PatientFrame], np.ndarray] | None = None, extra_days: int = 0,
             booking_mode: str = "compiled") -> Network:
    """Lay ``model`` over the population ``tables`` for ``days`` working days from ``start``.

    Diaries run ``extra_days`` beyond the last day so that its requests can be booked ahead.
    ``workload`` gives each patient's expected contacts a year (panels balance it when the model
    weights by risk); by default every patient weighs one. ``seed`` spawns one stream for the rota
    and one for patients' choice of GP.
    """
    rota_rng, choice_rng = (np.random.default_rng(s) for s in seed.spawn(2))
    holidays = bank_holidays(start, start + dt.timedelta(days=_YEAR_SPAN_DAYS + 2 * days), settings.rota)
    frame = PatientFrame.from_tables(tables, start, settings.risk.efi_upper_bounds)
    risk = risk_profile(frame, settings.risk)
    attributes = _attributes(frame, risk)
    practice_network, network_ids = _networks(tables, frame)
    lists = np.bincount(frame.practice, minlength=len(frame.practice_ids))
    network_patients = np.bincount(practice_network, weights=lists, minlength=len(network_ids))
    cohorts = {spec.name: np.bincount(frame.practice[cohort_mask(spec.cohort, attributes)],
                                      minlength=len(frame.practice_ids))
               for spec in model.teams if spec.kind == "segment_service"}
    staff = build_staffing(model, lists, cohorts, practice_network, frame.practice_ids, network_ids,
                           settings.staff, {"gp": gp_factor(tables, frame.practice_ids, lists, practice_network,
                                             settings.staff.gp_spread_min_fte)})
    if not len(staff):
        raise PopulationError(f"model {model.name!r} staffs no clinician for this population")
    diary_days = days + extra_days
    calendar = WorkingCalendar(start, days, holidays)
    diary_calendar = calendar.extended(diary_days)
    present = presence(staff, diary_calendar.dates, settings.rota, rota_rng)
    lanes = build_lanes(staff, model, diary_calendar.weekday, bookable_roles(model), network_patients, present,
                        settings.staff, settings.booking)
    weights = workload(frame) if workload is not None else np.ones(len(frame))
    panels = assign(model, frame, attributes, staff, weights)
    routing = RoutingTable.build(model.entry.routing, {ROLE_CODES[r] for r in set(lanes.role.tolist())})
    prefers, usual = patient_choice(frame, panels, staff, settings.choice, choice_rng)
    return Network(model, tables, calendar, settings, frame, attributes, risk, staff, present, lanes, panels, routing,
                   practice_network, network_ids, network_patients, diary_days, booking_mode, prefers, usual)


__all__ = ["Network", "bookable_roles", "gp_factor", "lay_over", "patient_choice"]
