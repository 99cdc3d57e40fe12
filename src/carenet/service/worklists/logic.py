"""Worklists of a practice from the measures library, and what each action writes to the canonical tables.

A worklist is one case-finding rule of :func:`carenet.measures.case_finding` run on the practice's patients
as the store holds them today. Every action is recorded where the measures read it, so its effect shows on
the next worklist:

* ``invite`` - an open ``recall`` task for the patient (the row then shows ``invited``);
* ``book_review`` - a proactive long-term-condition review request, booked by the live network layer
  (with the model's pre-check, when its annual review has one, at least its lead days before);
  the row then shows ``booked``;
* ``done`` - what the rule looks for: an attended review (``multimorbid_without_review``), a care plan
  (``frail_without_care_plan``), a care plan naming a key worker (``complex_without_key_worker``) or the
  care plan's next review date (``care_plan_review_overdue``); the patient leaves the worklist.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from carenet.measures import Unsupported, case_finding, profile_for
from carenet.measures.worklists import LTC_REVIEW_NEED, RULES
from carenet.schema.roles import ROLE_CODES
from carenet.schema.roles import ROLES_BY_CODE as CATALOGUE
from carenet.service.booking.engine import BookingError, LiveNetwork, Slot
from carenet.service.people.roles import ROLES_BY_CODE
from carenet.service.settings import ServiceSettings
from carenet.service.store.tables import CANONICAL
from carenet.service.worklists.dataset import measured

RECALL = "recall"
"""The task kind an invitation is recorded as."""
PROACTIVE = "proactive"
"""Urgency and channel of a review the practice books from a worklist."""
ACTIONS: dict[str, tuple[str, ...]] = {"invite": ("Task",), "book_review": ("ServiceRequest", "Appointment")}
"""The resources each action writes (``done`` writes what its rule reads: :data:`DONE_RESOURCE`)."""
DONE_RESOURCE = {"multimorbid_without_review": "Appointment", "frail_without_care_plan": "CarePlan",
                 "complex_without_key_worker": "CarePlan", "care_plan_review_overdue": "CarePlan"}
CLINICAL_COLUMNS = ("age", "ltc_count", "efi_category", "b2h_segment", "risk_tier")
"""What a row says of the patient's health (shown only to roles that may read their conditions)."""


class ActionError(Exception):
    """An action refused before anything is written: ``status`` and a message naming what is wrong."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def local_now(now: dt.datetime, settings: ServiceSettings) -> dt.datetime:
    """``now`` as the practices' wall-clock time, without zone (as canonical timestamps are)."""
    return now.astimezone(zoneinfo.ZoneInfo(settings.timezone)).replace(tzinfo=None, microsecond=0)


@dataclass
class Listed:
    """A practice's worklists today: rows by rule, and the rules that could not run (with why)."""

    rows: dict[str, list[dict]]
    skipped: dict[str, str]


def worklists(connection: sa.Connection, practice_id: str, as_of: dt.date, settings: ServiceSettings) -> Listed:
    """Every case-finding rule on the practice's patients at ``as_of`` (rules it cannot run are skipped)."""
    with measured(connection, [practice_id]) as tables:
        profile = profile_for(tables, as_of, settings.population)
        if isinstance(profile, Unsupported):
            return Listed({}, dict.fromkeys(RULES, profile.reason))
        found = case_finding(tables, profile, as_of, settings.worklists)
    rows: dict[str, list[dict]] = {rule: [] for rule in found.ran}
    for row in found.table.to_pylist():
        rows[row["rule"]].append(row)
    return Listed(rows, found.skipped)


def states(connection: sa.Connection, patient_ids: list[str]) -> dict[str, dict]:
    """What has been done from a worklist for each patient: ``invited`` (open recall) or ``booked`` (a review)."""
    out: dict[str, dict] = {}
    if not patient_ids:
        return out
    tasks, appointments = CANONICAL["tasks"], CANONICAL["appointments"]
    for row in connection.execute(sa.select(tasks.c.patient_id, tasks.c.task_id, tasks.c.due_date).where(
            tasks.c.patient_id.in_(patient_ids), tasks.c.kind == RECALL, tasks.c.status == "open")
            .order_by(tasks.c.created_at)):
        out[row.patient_id] = {"state": "invited", "task_id": row.task_id,
                               "due_date": row.due_date.isoformat() if row.due_date else None}
    for row in connection.execute(sa.select(appointments.c.patient_id, appointments.c.appointment_id,
                                            appointments.c.booked_for).where(
            appointments.c.patient_id.in_(patient_ids), appointments.c.status == "booked",
            appointments.c.need_type == LTC_REVIEW_NEED).order_by(appointments.c.booked_for.desc())):
        out[row.patient_id] = {"state": "booked", "appointment_id": row.appointment_id,
                               "booked_for": row.booked_for.isoformat()}
    return out


def _one(connection, query):
    return connection.execute(query).first()


def patient_practice(connection: sa.Connection, patient_id: str) -> str | None:
    patients = CANONICAL["patients"]
    return connection.execute(sa.select(patients.c.practice_id).where(patients.c.patient_id == patient_id)
                              ).scalar_one_or_none()


def invite(connection: sa.Connection, who, now_local: dt.datetime, patient_id: str, task_id: str,
           due_date: dt.date | None) -> dict:
    """An open recall task for the patient (409 if one is open already)."""
    tasks = CANONICAL["tasks"]
    if due_date is not None and due_date < now_local.date():
        raise ActionError(422, f"due_date {due_date} has passed; give today or a later day")
    open_ = _one(connection, sa.select(tasks.c.task_id).where(tasks.c.patient_id == patient_id,
                                                               tasks.c.kind == RECALL, tasks.c.status == "open"))
    if open_ is not None:
        raise ActionError(409, f"patient {patient_id} is already invited (open recall task {open_.task_id})")
    row = {"task_id": task_id, "patient_id": patient_id, "assigned_to": who.clinician_id, "kind": RECALL,
           "created_at": now_local, "due_date": due_date, "completed_at": None, "status": "open"}
    connection.execute(tasks.insert().values(**row))
    return {**row, "created_at": now_local.isoformat(), "due_date": due_date.isoformat() if due_date else None}


def _pre_check_slot(live: LiveNetwork, connection, patient_id: str, review: Slot, role: str, lead_days: int,
                    now_local: dt.datetime) -> Slot | None:
    """A free slot of ``role`` at least ``lead_days`` before the review, as late as can be; the patient's
    practice's clinicians first."""
    lanes = live.network.lanes
    code = ROLE_CODES.index(role)
    practice = int(live.network.frame.practice[live.patient_index[patient_id]])
    holders = [c for c, ls in live.lanes_of.items() if any(int(lanes.role[ln]) == code for ln in ls)]
    holders.sort(key=lambda c: (not any(int(lanes.site[ln]) == practice for ln in live.lanes_of[c]), c))
    latest = review.start.date() - dt.timedelta(days=lead_days)
    today = live.working_day(now_local)
    for day in range(len(live.dates) - 1, today - 1, -1):
        if live.dates[day] > latest:
            continue
        for clinician in holders:
            free = live.free_slots(connection, clinician, day, now_local)
            if free:
                return free[0]
    return None


def book_review(connection: sa.Connection, live: LiveNetwork, now: dt.datetime, patient_id: str, request_id: str,
                chosen: tuple[str, dt.datetime] | None) -> dict:
    """A proactive review request booked by the network layer as the twin books the model's annual review (its
    role and minutes; a bundled review's pre-check first, the review at least the lead days after it), or in
    the slot ``chosen`` (the pre-check then as late as it can be before)."""
    appointments, requests = CANONICAL["appointments"], CANONICAL["requests"]
    if patient_id not in live.patient_index:
        raise ActionError(404, f"patient {patient_id!r} is not on the lists of the laid-out network")
    booked = _one(connection, sa.select(appointments.c.booked_for).where(
        appointments.c.patient_id == patient_id, appointments.c.status == "booked",
        appointments.c.need_type == LTC_REVIEW_NEED))
    if booked is not None:
        raise ActionError(409, f"patient {patient_id} already has a review booked for "
                               f"{booked.booked_for:%d %b %Y %H:%M}")
    number = connection.execute(sa.select(sa.func.count()).select_from(requests)).scalar_one()
    now_local = live.local(now).replace(microsecond=0)
    connection.execute(requests.insert().values(
        request_id=request_id, patient_id=patient_id, practice_id=patient_practice(connection, patient_id),
        requested_at=now_local, need_type=LTC_REVIEW_NEED, urgency=PROACTIVE, channel=PROACTIVE,
        episode_id=request_id, outcome="waiting", outcome_at=None))
    request = connection.execute(sa.select(requests).where(requests.c.request_id == request_id)).one()
    spec = live.network.model.proactive.annual_review
    role = spec.review_role if spec is not None else None
    minutes = spec.review_minutes if spec is not None else 0
    pre_role = spec.pre_check_role if spec is not None else None
    try:
        if chosen is not None:
            review = _chosen_slot(connection, live, now, *chosen)
            pre = _pre_check_slot(live, connection, patient_id, review, pre_role, spec.pre_check_lead_days,
                                  live.local(now)) if pre_role is not None else None
            if pre_role is not None and pre is None:
                raise ActionError(409, f"no {pre_role} pre-check slot is free {spec.pre_check_lead_days} days or more "
                                       f"before {review.start:%d %b %Y %H:%M}; choose a later review slot")
            return _book(connection, live, now, patient_id, request_id, request, review, pre)
        today = live.working_day(live.local(now))
        if pre_role is None:
            reviews = live.propose(connection, patient_id, LTC_REVIEW_NEED, PROACTIVE, PROACTIVE, now, number,
                                   role=role, minutes=minutes, origin=PROACTIVE)
            if reviews:
                return _book(connection, live, now, patient_id, request_id, request, reviews[0], None)
        else:
            pre_minutes = CATALOGUE[pre_role].usual_minutes
            for attempt, pre in enumerate(live.propose(connection, patient_id, LTC_REVIEW_NEED, PROACTIVE, PROACTIVE,
                                                       now, number, role=pre_role, minutes=pre_minutes,
                                                       origin=PROACTIVE)):
                earliest = pre.day - today + spec.pre_check_lead_days
                reviews = [r for r in live.propose(
                    connection, patient_id, LTC_REVIEW_NEED, PROACTIVE, PROACTIVE, now, number + attempt + 1,
                    role=role, minutes=minutes, earliest=earliest, origin=PROACTIVE)
                    if r.start.date() - pre.start.date() >= dt.timedelta(days=spec.pre_check_lead_days)]
                if reviews:
                    return _book(connection, live, now, patient_id, request_id, request, reviews[0], pre)
    except BookingError as refused:
        raise ActionError(refused.status, str(refused)) from None
    what = f" with a {pre_role} pre-check {spec.pre_check_lead_days} days before it" if pre_role else ""
    raise ActionError(409, f"no review slot{what} is free for patient {patient_id} in the diaries' horizon")


def _chosen_slot(connection, live: LiveNetwork, now: dt.datetime, clinician_id: str, start: dt.datetime) -> Slot:
    clinician = live.clinician_index.get(clinician_id)
    if clinician is None:
        raise ActionError(404, f"clinician {clinician_id!r} holds no diary in the laid-out network")
    try:
        start = start.replace(tzinfo=None) if start.tzinfo is None else live.local(start)
    except OverflowError:
        raise ActionError(422, f"start {start.isoformat()} is outside the diaries") from None
    day = live.day_of.get(start.date())
    slot = next((s for s in live.free_slots(connection, clinician, day, live.local(now)) if s.start == start),
                None) if day is not None else None
    if slot is None:
        raise ActionError(409, f"{clinician_id}'s slot at {start:%d %b %Y %H:%M} is not free (GET /booking/slots "
                               "lists the free ones)")
    return slot


def _book(connection, live: LiveNetwork, now: dt.datetime, patient_id: str, request_id: str, request,
          review: Slot, pre: Slot | None) -> dict:
    made = {"request_id": request_id,
            "review": live.book_slot(connection, patient_id, review.clinician_id, review.start, now, request)}
    made["pre_check"] = live.book_slot(connection, patient_id, pre.clinician_id, pre.start, now) \
        if pre is not None else None
    return made


def _review_date(given: dt.date | None, today: dt.date, live: LiveNetwork | None) -> dt.date:
    if given is not None:
        if given <= today:
            raise ActionError(422, f"review_date {given} is not after today ({today})")
        return given
    plans = live.network.model.proactive.care_plans if live is not None else None
    if plans is None:
        raise ActionError(422, "give the care plan's review_date (the network's model sets no review interval)")
    return today + dt.timedelta(days=plans.review_interval_days)


def _clinician(connection, clinician_id: str | None) -> str | None:
    if clinician_id is None:
        return None
    clinicians = CANONICAL["clinicians"]
    if _one(connection, sa.select(clinicians.c.clinician_id).where(clinicians.c.clinician_id == clinician_id)) is None:
        raise ActionError(422, f"key_worker_id {clinician_id!r} is not a clinician of the network")
    return clinician_id


@dataclass(frozen=True)
class Done:
    """What ``done`` will write: the resource, the action (create or update) and how."""

    resource: str
    action: str
    write: Callable[[], dict]


def plan_done(connection: sa.Connection, who, now_local: dt.datetime, live: LiveNetwork | None, rule: str,
              patient_id: str, key_worker_id: str | None, review_date: dt.date | None) -> Done:
    """Check and plan what ``done`` writes for ``rule``, refusing (nothing written) what cannot be done."""
    today = now_local.date()
    appointments, plans = CANONICAL["appointments"], CANONICAL["care_plans"]
    if rule == "multimorbid_without_review":
        reviews = connection.execute(sa.select(appointments.c.appointment_id, appointments.c.booked_for).where(
            appointments.c.patient_id == patient_id, appointments.c.status == "booked",
            appointments.c.need_type == LTC_REVIEW_NEED).order_by(appointments.c.booked_for)).all()
        held = [r for r in reviews if r.booked_for <= now_local]
        if held:
            appointment_id = held[-1].appointment_id
            return Done("Appointment", "update", lambda: _attended(connection, appointment_id))
        if reviews:
            raise ActionError(409, f"the review is booked for {reviews[0].booked_for:%d %b %Y %H:%M}; record it done "
                                   "once it has happened")
        return Done("Appointment", "create", lambda: _review_held(connection, who, now_local, patient_id))
    if rule == "care_plan_review_overdue":
        due = _review_date(review_date, today, live)
        overdue = [r.care_plan_id for r in connection.execute(sa.select(plans.c.care_plan_id).where(
            plans.c.patient_id == patient_id, plans.c.status == "active", plans.c.review_date < today))]
        if not overdue:
            raise ActionError(409, f"no active care plan of patient {patient_id} is past its review date")
        return Done("CarePlan", "update", lambda: _reviewed(connection, overdue, due))
    worker = _clinician(connection, key_worker_id or who.clinician_id)
    if rule == "complex_without_key_worker":
        if worker is None:
            raise ActionError(422, "name the key worker (key_worker_id): your account is no clinician's")
        live_plan = _one(connection, sa.select(plans.c.care_plan_id).where(
            plans.c.patient_id == patient_id, plans.c.status == "active", plans.c.created_date <= today,
            plans.c.key_worker_id.is_(None)))
        if live_plan is not None:
            plan_id = live_plan.care_plan_id
            return Done("CarePlan", "update", lambda: _key_worker(connection, plan_id, worker))
    due = _review_date(review_date, today, live)
    return Done("CarePlan", "create", lambda: _new_plan(connection, patient_id, worker, today, due))


def _attended(connection, appointment_id: str) -> dict:
    appointments = CANONICAL["appointments"]
    connection.execute(appointments.update().where(appointments.c.appointment_id == appointment_id)
                       .values(status="attended"))
    return {"appointment_id": appointment_id, "status": "attended"}


def _review_held(connection, who, now_local: dt.datetime, patient_id: str) -> dict:
    role = ROLES_BY_CODE[who.role].clinical_role
    practice = patient_practice(connection, patient_id)
    row = {"appointment_id": f"A-{uuid.uuid4().hex[:16]}", "patient_id": patient_id,
           "clinician_id": who.clinician_id, "role": role, "practice_id": practice, "site_id": practice,
           "request_id": None, "requested_at": now_local, "booked_for": now_local,
           "duration_minutes": CATALOGUE[role].usual_minutes if role in CATALOGUE else None, "mode": None,
           "status": "attended", "urgency": PROACTIVE, "need_type": LTC_REVIEW_NEED}
    connection.execute(CANONICAL["appointments"].insert().values(**row))
    return {**row, "requested_at": now_local.isoformat(), "booked_for": now_local.isoformat()}


def _key_worker(connection, plan_id: str, worker: str) -> dict:
    plans = CANONICAL["care_plans"]
    connection.execute(plans.update().where(plans.c.care_plan_id == plan_id).values(key_worker_id=worker))
    return {"care_plan_id": plan_id, "key_worker_id": worker}


def _reviewed(connection, plan_ids: list[str], due: dt.date) -> dict:
    plans = CANONICAL["care_plans"]
    connection.execute(plans.update().where(plans.c.care_plan_id.in_(plan_ids)).values(review_date=due))
    return {"care_plan_ids": plan_ids, "review_date": due.isoformat()}


def _new_plan(connection, patient_id: str, worker: str | None, today: dt.date, due: dt.date) -> dict:
    row = {"care_plan_id": f"CP-{uuid.uuid4().hex[:16]}", "patient_id": patient_id, "key_worker_id": worker,
           "status": "active", "created_date": today, "review_date": due, "goals": None, "goals_patient_set": None}
    connection.execute(CANONICAL["care_plans"].insert().values(**row))
    return {**row, "created_date": today.isoformat(), "review_date": due.isoformat()}


def open_recalls(connection, patient_id: str) -> list[str]:
    """The patient's open recall tasks."""
    tasks = CANONICAL["tasks"]
    return list(connection.execute(sa.select(tasks.c.task_id).where(
        tasks.c.patient_id == patient_id, tasks.c.kind == RECALL, tasks.c.status == "open")
        .order_by(tasks.c.task_id)).scalars())


def close_recalls(connection, task_ids: list[str], now_local: dt.datetime) -> None:
    """Recall tasks marked done (the worklist's invitation is answered)."""
    tasks = CANONICAL["tasks"]
    if task_ids:
        connection.execute(tasks.update().where(tasks.c.task_id.in_(task_ids)).values(status="done",
                                                                                      completed_at=now_local))


__all__ = ["ACTIONS", "CLINICAL_COLUMNS", "DONE_RESOURCE", "PROACTIVE", "RECALL", "ActionError", "Done", "Listed",
           "book_review", "close_recalls", "invite", "local_now", "open_recalls", "patient_practice", "plan_done",
           "states", "worklists"]
