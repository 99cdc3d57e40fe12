"""Proactive care: register reviews (bundled, with a pre-check and a follow-up), care plans with a named
key worker, and case-manager contacts — planned for a period as flat tables of needs.

API::

    plan_reviews(patients, review, period_days, window_days, rng) -> pa.Table          # PROACTIVE_NEEDS
    plan_case_management(patients, programmes, period_days, days_per_year, window_days, rng) -> pa.Table
    plan_care_plans(patients, care_plans, key_workers, rng, patient_team=None, has_plan=None,
                    rollout_days=0) -> pa.Table                                          # CARE_PLAN_ROWS
    care_plans_table(plans, patient_ids, clinician_ids, day_dates, plan_prefix) -> pa.Table  # canonical care_plans

A *need* is one contact to book: patient, step, role, need type, minutes and a window
``day .. deadline`` (days from the start of the period). The twin releases each need into the
booking batch on its ``day``. Bundled reviews are one visit per patient covering every register
of the cohort the patient is on, the pre-check ``pre_check_lead_days`` before it and the
follow-up ``follow_up_after_days`` after; unbundled reviews are one visit per register.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.care.patients import REGISTER_CODES, CohortLike, PatientAttributes, cohort_mask
from carenet.schema.codes import NEED_TYPES
from carenet.schema.errors import CarenetError
from carenet.schema.roles import ROLE_CODES, ROLES_BY_CODE
from carenet.schema.tables import CARE_PLANS

STEPS: tuple[str, ...] = ("pre_check", "review", "follow_up", "contact")
"""What a proactive need is: a review's pre-check, the review, its follow-up, or a case-management contact."""

PROACTIVE_NEEDS = pa.schema([
    pa.field("patient", pa.int64(), nullable=False, metadata={"doc": "Patient number (PatientAttributes row)"}),
    pa.field("step", pa.int8(), nullable=False, metadata={"doc": "Index into STEPS"}),
    pa.field("role", pa.int8(), nullable=False, metadata={"doc": "Index into ROLE_CODES"}),
    pa.field("need", pa.int8(), nullable=False, metadata={"doc": "Index into NEED_TYPES"}),
    pa.field("minutes", pa.int16(), nullable=False, metadata={"doc": "Appointment length"}),
    pa.field("day", pa.int32(), nullable=False, metadata={"doc": "First day it may be booked (period day)"}),
    pa.field("deadline", pa.int32(), nullable=False, metadata={"doc": "Last day it may be booked"}),
    pa.field("registers", pa.int8(), nullable=False, metadata={"doc": "Registers a review covers (0 otherwise)"}),
    pa.field("visit", pa.int64(), nullable=False, metadata={"doc": "Groups a review's pre-check, review, follow-up"}),
])

CARE_PLAN_ROWS = pa.schema([
    pa.field("patient", pa.int64(), nullable=False),
    pa.field("key_worker", pa.int64(), nullable=False, metadata={"doc": "Clinician number, -1 if none available"}),
    pa.field("created_day", pa.int32(), nullable=False),
    pa.field("review_day", pa.int32(), nullable=False),
])


class ProactiveInputError(CarenetError):
    """Inputs to proactive planning are inconsistent; the message names the argument."""


class AnnualReviewLike(Protocol):
    cohort: CohortLike
    bundled: bool
    review_role: str
    review_minutes: int
    pre_check_role: str | None
    pre_check_lead_days: int
    follow_up_role: str | None
    follow_up_after_days: int


class CarePlansLike(Protocol):
    cohort: CohortLike
    key_worker_role: str
    review_interval_days: int


class CaseManagementLike(Protocol):
    cohort: CohortLike
    role: str
    contacts_per_year: float
    minutes: int
    need_type: str


@dataclass(frozen=True)
class KeyWorkers:
    """Clinicians who may be key workers: number, role code, practice, team (-1 none) and FTE."""

    clinician: np.ndarray
    role: np.ndarray
    practice: np.ndarray
    team: np.ndarray
    fte: np.ndarray


def _needs(patient, step, role, need, minutes, day, window_days, registers, visit) -> pa.Table:
    n = patient.size
    full = lambda v, t: np.broadcast_to(np.asarray(v, dtype=t), n)  # noqa: E731
    day = np.asarray(day, dtype=np.int32)
    return pa.table({
        "patient": patient.astype(np.int64), "step": full(step, np.int8), "role": full(role, np.int8),
        "need": full(need, np.int8), "minutes": full(minutes, np.int16), "day": day,
        "deadline": (day + window_days).astype(np.int32), "registers": full(registers, np.int8),
        "visit": full(visit, np.int64),
    }, schema=PROACTIVE_NEEDS)


def _check_period(period_days: int, window_days: int) -> None:
    if period_days < 1:
        raise ProactiveInputError(f"period_days must be >= 1, got {period_days}")
    if window_days < 0:
        raise ProactiveInputError(f"window_days must be >= 0, got {window_days}")


def plan_reviews(patients: PatientAttributes, review: AnnualReviewLike, period_days: int, window_days: int,
                 rng: np.random.Generator) -> pa.Table:
    """A period's register reviews for the cohort (see the module docstring); rows in visit order."""
    _check_period(period_days, window_days)
    eligible = cohort_mask(review.cohort, patients)
    cols = ([REGISTER_CODES.index(r) for r in review.cohort.registers_any] if review.cohort.registers_any
            else list(range(len(REGISTER_CODES))))
    on = patients.registers[:, cols] & eligible[:, None]
    if review.bundled:
        patient = np.flatnonzero(on.any(axis=1))
        covered = on[patient].sum(axis=1)
    else:
        patient, _ = np.nonzero(on)
        covered = np.ones(patient.size, dtype=np.int64)
    start = rng.integers(0, period_days, size=patient.size)
    visit = np.arange(patient.size, dtype=np.int64)
    review_need = NEED_TYPES.index("ltc_review")
    parts = []
    lead = 0
    if review.pre_check_role is not None:
        role = review.pre_check_role
        parts.append(_needs(patient, STEPS.index("pre_check"), ROLE_CODES.index(role), review_need,
                            ROLES_BY_CODE[role].usual_minutes, start, window_days, 0, visit))
        lead = review.pre_check_lead_days
    parts.append(_needs(patient, STEPS.index("review"), ROLE_CODES.index(review.review_role), review_need,
                        review.review_minutes, start + lead, window_days, covered, visit))
    if review.follow_up_role is not None:
        role = review.follow_up_role
        parts.append(_needs(patient, STEPS.index("follow_up"), ROLE_CODES.index(role), review_need,
                            ROLES_BY_CODE[role].usual_minutes, start + lead + review.follow_up_after_days,
                            window_days, 0, visit))
    table = pa.concat_tables(parts)
    return table.take(np.lexsort((table.column("step").to_numpy(), table.column("visit").to_numpy())))


def plan_case_management(patients: PatientAttributes, programmes: Sequence[CaseManagementLike], period_days: int,
                         days_per_year: int, window_days: int, rng: np.random.Generator) -> pa.Table:
    """Case-manager contacts over the period: evenly spaced at each programme's yearly rate, random phase."""
    _check_period(period_days, window_days)
    if days_per_year < 1:
        raise ProactiveInputError(f"days_per_year must be >= 1, got {days_per_year}")
    parts = [PROACTIVE_NEEDS.empty_table()]
    for prog in programmes:
        patient = np.flatnonzero(cohort_mask(prog.cohort, patients))
        interval = days_per_year / prog.contacts_per_year
        expected = period_days / interval
        count = np.floor(expected).astype(np.int64) + (rng.random(patient.size) < expected % 1)
        phase = rng.random(patient.size) * interval
        who = np.repeat(patient, count)
        k = np.arange(who.size) - np.repeat(np.cumsum(count) - count, count)
        day = np.floor(np.repeat(phase, count) + k * interval).astype(np.int64)
        inside = day < period_days
        who, day = who[inside], day[inside]
        parts.append(_needs(who, STEPS.index("contact"), ROLE_CODES.index(prog.role), NEED_TYPES.index(prog.need_type),
                            prog.minutes, day, window_days, 0, -1))
    return pa.concat_tables(parts)


def plan_care_plans(patients: PatientAttributes, care_plans: CarePlansLike, key_workers: KeyWorkers,
                    rng: np.random.Generator, patient_team: np.ndarray | None = None,
                    has_plan: np.ndarray | None = None, rollout_days: int = 0) -> pa.Table:
    """Care plans for the cohort members without one, each with a key worker of the model's role.

    The key worker comes from the patient's team when it has one of that role, else from the
    practice; within a group patients are shared in proportion to FTE. Plans are created over the
    first ``rollout_days`` days (all on day 0 when 0) and due for review ``review_interval_days`` later.
    """
    if rollout_days < 0:
        raise ProactiveInputError(f"rollout_days must be >= 0, got {rollout_days}")
    n = len(patients)
    team = np.full(n, -1, np.int64) if patient_team is None else np.asarray(patient_team, dtype=np.int64)
    todo = cohort_mask(care_plans.cohort, patients)
    if has_plan is not None:
        todo &= ~np.asarray(has_plan, dtype=bool)
    patient = np.flatnonzero(todo)
    worker = np.full(patient.size, -1, dtype=np.int64)
    fit = key_workers.role == care_plans.key_worker_role
    kw_team, kw_practice = key_workers.team[fit], key_workers.practice[fit]
    kw_id, kw_fte = key_workers.clinician[fit], np.asarray(key_workers.fte[fit], dtype=np.float64)
    teams_with_worker = np.unique(kw_team[kw_team >= 0])
    by_team = np.isin(team[patient], teams_with_worker)
    for use_team, keys, kw_keys in ((True, team[patient], kw_team), (False, patients.practice[patient], kw_practice)):
        rows = by_team if use_team else ~by_team
        for key in np.unique(keys[rows]):
            members = np.flatnonzero(rows & (keys == key))
            pool = np.flatnonzero(kw_keys == key) if use_team else np.flatnonzero((kw_keys == key) & (kw_team < 0))
            if pool.size == 0 and not use_team:
                pool = np.flatnonzero(kw_keys == key)
            if pool.size == 0:
                continue
            share = np.cumsum(kw_fte[pool]) / kw_fte[pool].sum()
            slot = (np.arange(members.size) + 0.5) / members.size
            worker[members] = kw_id[pool][np.minimum(np.searchsorted(share, slot), pool.size - 1)]
    created = rng.integers(0, rollout_days, size=patient.size) if rollout_days > 0 else np.zeros(patient.size, int)
    return pa.table({"patient": patient.astype(np.int64), "key_worker": worker,
                     "created_day": created.astype(np.int32),
                     "review_day": (created + care_plans.review_interval_days).astype(np.int32)},
                    schema=CARE_PLAN_ROWS)


def care_plans_table(plans: pa.Table, patient_ids: pa.Array, clinician_ids: pa.Array, day_dates: np.ndarray,
                     plan_prefix: str = "cp") -> pa.Table:
    """The canonical ``care_plans`` table from planned rows: ids looked up, period days turned into dates.

    ``day_dates[d]`` is the calendar date (``datetime64[D]``) of period day ``d``; review days past
    its end are extended day by day.
    """
    patient = plans.column("patient").to_numpy()
    worker = plans.column("key_worker").to_numpy()
    created = plans.column("created_day").to_numpy()
    review = plans.column("review_day").to_numpy()
    dates = np.asarray(day_dates, dtype="datetime64[D]")
    if dates.size == 0:
        raise ProactiveInputError("day_dates is empty")

    def date_of(day: np.ndarray) -> np.ndarray:
        inside = np.minimum(day, dates.size - 1)
        return dates[inside] + np.maximum(day - (dates.size - 1), 0).astype("timedelta64[D]")

    n = patient.size
    workers = clinician_ids.take(pa.array(np.maximum(worker, 0))) if n else pa.array([], pa.string())
    key_worker = pc.if_else(pa.array(worker >= 0), workers, pa.scalar(None, pa.string())) if n else workers
    ids = pc.binary_join_element_wise(pa.scalar(plan_prefix), pc.cast(pa.array(np.arange(n)), pa.string()), "")
    return pa.table({
        "care_plan_id": ids,
        "patient_id": patient_ids.take(pa.array(patient)),
        "key_worker_id": key_worker.cast(pa.string()),
        "status": pa.repeat(pa.scalar("active"), n),
        "created_date": pa.array(date_of(created), pa.date32()),
        "review_date": pa.array(date_of(review), pa.date32()),
        "goals": pa.nulls(n, pa.list_(pa.string())),
        "goals_patient_set": pa.nulls(n, pa.bool_()),
    }, schema=CARE_PLANS.schema)
