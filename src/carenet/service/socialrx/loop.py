"""The closed loop of a social prescription: referred, then accepted or declined, then attended or not, then an
outcome recorded with a SNOMED CT concept. Every step is a new row (``social_prescription_events``); the canonical
``social_prescriptions`` row keeps ``taken_up`` (true once attended, false once declined or not attended), which
the scorecard's take-up reads.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from fastapi import HTTPException

from carenet.service.auth.login import Principal
from carenet.service.settings import ServiceSettings
from carenet.service.socialrx.codes import DECLINED, REFERRED, concept_problem
from carenet.service.socialrx.directory import claim_place
from carenet.service.socialrx.tables import SOCIAL_PRESCRIPTION_EVENTS
from carenet.service.store.rows import plain
from carenet.service.store.tables import CANONICAL

EVENTS = SOCIAL_PRESCRIPTION_EVENTS
NEXT: dict[str, tuple[str, ...]] = {
    "referred": ("accepted", "declined"),
    "accepted": ("attended", "did_not_attend", "declined"),
    "did_not_attend": ("attended", "declined"),
    "attended": ("outcome_recorded",),
    "declined": (),
    "outcome_recorded": (),
}
"""The states each state may move to (the loop closes at outcome_recorded, or at declined)."""
TAKEN_UP = {"attended": True, "outcome_recorded": True, "declined": False, "did_not_attend": False}
"""What each state says of ``social_prescriptions.taken_up`` (a state not listed leaves it unknown)."""
STEPS = tuple(s for s in NEXT if s != "referred")


def new_prescription_id() -> str:
    return f"SP-{uuid.uuid4().hex[:16]}"


def prescribe(connection: sa.Connection, prescription_id: str, patient_id: str, service_id: str, who: Principal,
              now: dt.datetime, settings: ServiceSettings, note: str | None) -> dict:
    """Refer the patient to a community service with room this week (409 with alternatives when it is full)."""
    local = settings.wall_clock(now)
    service = claim_place(connection, service_id, local, settings.social_prescribing_suggestions)
    connection.execute(CANONICAL["social_prescriptions"].insert().values(
        social_prescription_id=prescription_id, patient_id=patient_id, link_worker_id=who.clinician_id,
        service_id=service_id, referred_at=local, taken_up=None))
    code, term = REFERRED
    connection.execute(EVENTS.insert().values(social_prescription_id=prescription_id, seq=1, state="referred",
                                              snomed_code=code, snomed_term=term, note=note, recorded_at=now,
                                              recorded_by=who.user_id))
    return prescription(connection, patient_id, prescription_id) | {"service_name": service.name}


def record_step(connection: sa.Connection, patient_id: str, prescription_id: str, state: str, who: Principal,
                now: dt.datetime, *, snomed_code: str | None, snomed_term: str | None, note: str | None) -> dict:
    """Move the prescription to ``state`` (409 naming the current state and where it may go from there)."""
    sp = CANONICAL["social_prescriptions"]
    found = connection.execute(sa.select(sp.c.social_prescription_id).where(
        sp.c.social_prescription_id == prescription_id, sp.c.patient_id == patient_id).with_for_update()).first()
    if found is None:
        raise HTTPException(404, f"this patient has no social prescription {prescription_id!r}")
    last = connection.execute(sa.select(EVENTS.c.seq, EVENTS.c.state).where(
        EVENTS.c.social_prescription_id == prescription_id).order_by(EVENTS.c.seq.desc()).limit(1)).first()
    current, seq = (last.state, last.seq) if last else ("referred", 0)
    if state not in NEXT[current]:
        allowed = ", ".join(NEXT[current]) or "nothing: the loop is closed"
        raise HTTPException(409, f"social prescription {prescription_id} is {current}; from there it may become "
                                 f"{allowed}, not {state}")
    if state == "declined" and snomed_code is None:
        snomed_code, snomed_term = DECLINED
    if state == "outcome_recorded" and snomed_code is None:
        raise HTTPException(422, "an outcome is recorded with a SNOMED CT concept: give snomed_code and snomed_term")
    if snomed_code is not None:
        problem = concept_problem(snomed_code)
        if problem:
            raise HTTPException(422, f"snomed_code: {problem}")
        if not snomed_term:
            raise HTTPException(422, "snomed_term: give the term of the SNOMED CT concept recorded")
    connection.execute(EVENTS.insert().values(social_prescription_id=prescription_id, seq=seq + 1, state=state,
                                              snomed_code=snomed_code, snomed_term=snomed_term, note=note,
                                              recorded_at=now, recorded_by=who.user_id))
    if state in TAKEN_UP:
        connection.execute(sp.update().where(sp.c.social_prescription_id == prescription_id)
                           .values(taken_up=TAKEN_UP[state]))
    return prescription(connection, patient_id, prescription_id)


def prescriptions(connection: sa.Connection, patient_id: str, prescription_id: str | None = None) -> list[dict]:
    """The patient's social prescriptions, each with its current state and every step."""
    sp, services = CANONICAL["social_prescriptions"], CANONICAL["community_services"]
    query = (sa.select(sp, services.c.name.label("service_name"), services.c.category)
             .outerjoin(services, services.c.service_id == sp.c.service_id)
             .where(sp.c.patient_id == patient_id).order_by(sp.c.referred_at, sp.c.social_prescription_id))
    if prescription_id is not None:
        query = query.where(sp.c.social_prescription_id == prescription_id)
    out = []
    for row in connection.execute(query):
        item = plain(row)
        steps = [plain(e) for e in connection.execute(
            sa.select(EVENTS).where(EVENTS.c.social_prescription_id == item["social_prescription_id"])
            .order_by(EVENTS.c.seq))]
        for step in steps:
            step.pop("social_prescription_id")
        item["state"] = steps[-1]["state"] if steps else None
        item["steps"] = steps
        out.append(item)
    return out


def prescription(connection: sa.Connection, patient_id: str, prescription_id: str) -> dict:
    return prescriptions(connection, patient_id, prescription_id)[0]


__all__ = ["NEXT", "STEPS", "TAKEN_UP", "new_prescription_id", "prescribe", "prescriptions", "record_step"]
