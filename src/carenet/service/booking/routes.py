"""Routes of triage and booking: a request in, slots proposed by the network layer, a slot confirmed.

``POST /booking/requests`` records a request (patient, reception or telephone) and answers the
slots the network layer proposes; ``GET /booking/queue`` lists the practice's requests still
waiting; ``GET /booking/slots`` a clinician's free slots on a day; ``POST /booking/appointments``
books one slot - 201, or 409 with alternatives when it has been taken.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from carenet.schema.codes import CHANNELS, NEED_TYPES, URGENCIES
from carenet.service.access.guard import AuditedRefusal, guard
from carenet.service.access.policies import CLINICAL
from carenet.service.api import App, Connection, Who, require_role
from carenet.service.audit.log import AuditEntry, record
from carenet.service.booking.engine import BookingError, LiveNetwork
from carenet.service.store.tables import CANONICAL

router = APIRouter(prefix="/booking", tags=["booking"])
QUEUE_ROLES = (*CLINICAL, "receptionist")
Need = Literal[NEED_TYPES]  # type: ignore[valid-type]
Urgency = Literal[URGENCIES]  # type: ignore[valid-type]
Channel = Literal[CHANNELS]  # type: ignore[valid-type]


def _live(app) -> LiveNetwork:
    if app.live is None:
        raise HTTPException(503, "this store has no network laid out for booking; start the service with --demo")
    return app.live


class RequestIn(BaseModel):
    patient_id: str = Field(min_length=1, max_length=200)
    need_type: Need
    urgency: Urgency = "routine"
    channel: Channel = "telephone"


@router.post("/requests", status_code=201)
def make_request(body: RequestIn, who: Who, app: App, conn: Connection) -> dict:
    """Record a request for care and propose slots: routed by the model's triage, booked by its policy."""
    live = _live(app)
    now = app.clock()
    request_id = f"R-{uuid.uuid4().hex[:16]}"
    guard(conn, who, now, body.patient_id, "ServiceRequest", "create", resource_id=request_id)
    patients = CANONICAL["patients"]
    practice = conn.execute(sa.select(patients.c.practice_id).where(patients.c.patient_id == body.patient_id)
                            ).scalar_one()
    requests = CANONICAL["requests"]
    number = conn.execute(sa.select(sa.func.count()).select_from(requests)).scalar_one()
    local = live.local(now).replace(microsecond=0)
    conn.execute(requests.insert().values(
        request_id=request_id, patient_id=body.patient_id, practice_id=practice, requested_at=local,
        need_type=body.need_type, urgency=body.urgency, channel=body.channel, episode_id=request_id,
        outcome="waiting", outcome_at=None))
    try:
        proposals = live.propose(conn, body.patient_id, body.need_type, body.urgency, body.channel, now, number)
    except BookingError as refused:
        raise HTTPException(refused.status, str(refused)) from None
    return {"request_id": request_id, "proposals": [p.to_json() for p in proposals]}


@router.get("/queue")
def queue(who: Who, app: App, conn: Connection) -> list[dict]:
    """Requests of your practice still waiting for a slot, oldest first (triage queue)."""
    require_role(who, QUEUE_ROLES, "the triage queue")
    if who.practice_id is None:
        raise HTTPException(403, "the triage queue is a practice's; your account belongs to no practice")
    requests = CANONICAL["requests"]
    rows = [dict(r._mapping) for r in conn.execute(sa.select(requests).where(
        requests.c.practice_id == who.practice_id, requests.c.outcome == "waiting").order_by(requests.c.requested_at))]
    record(conn, AuditEntry(app.clock(), who.user_id, who.role, None, "ServiceRequest", None, "search", "allowed",
                            "triage-queue", f"the triage queue of {who.practice_id}: {len(rows)} requests"))
    return rows


@router.get("/slots")
def slots(clinician_id: str, date: dt.date, who: Who, app: App, conn: Connection) -> list[dict]:
    """A clinician's free slots on a day."""
    live = _live(app)
    clinician = live.clinician_index.get(clinician_id)
    if clinician is None:
        raise HTTPException(404, f"clinician {clinician_id!r} holds no diary in the laid-out network")
    day = live.day_of.get(date)
    if day is None:
        raise HTTPException(422, f"{date:%d %b %Y} is not a working day of the diaries")
    return [s.to_json() for s in live.free_slots(conn, clinician, day, live.local(app.clock()))]


class AppointmentIn(BaseModel):
    patient_id: str = Field(min_length=1, max_length=200)
    clinician_id: str = Field(min_length=1, max_length=200)
    start: dt.datetime = Field(description="Slot start, practice wall-clock time (or with an offset)")
    request_id: str | None = Field(None, description="The request it answers (marked booked)")


@router.post("/appointments", status_code=201)
def book(body: AppointmentIn, who: Who, app: App, conn: Connection) -> dict:
    """Book a slot: 201 with the appointment, or 409 with alternatives if someone else has just booked it."""
    live = _live(app)
    now = app.clock()
    guard(conn, who, now, body.patient_id, "Appointment", "create")
    request = None
    if body.request_id is not None:
        requests = CANONICAL["requests"]
        request = conn.execute(sa.select(requests).where(requests.c.request_id == body.request_id)).first()
        if request is None or request.patient_id != body.patient_id:
            raise HTTPException(422, f"request {body.request_id!r} is not a request of patient {body.patient_id}")
        if request.outcome != "waiting":
            raise HTTPException(409, f"request {body.request_id!r} is already {request.outcome}")
    try:
        return live.book_slot(conn, body.patient_id, body.clinician_id, body.start, now, request)
    except BookingError as refused:
        detail = {"message": str(refused), "alternatives": refused.alternatives}
        raise AuditedRefusal(refused.status, detail) from None


__all__ = ["router"]
