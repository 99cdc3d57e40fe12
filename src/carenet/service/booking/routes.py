"""Routes of triage and booking: a request in, slots proposed by the network layer, a slot confirmed.

``POST /booking/requests`` records a request (patient, reception or telephone) and answers the
slots the network layer proposes; ``GET /booking/queue`` lists the practice's requests still
waiting; ``GET /booking/slots`` a clinician's free slots on a day; ``POST /booking/appointments``
books one slot - 201, or 409 with alternatives when it has been taken.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from carenet.schema.codes import CHANNELS, NEED_TYPES, URGENCIES
from carenet.service.access.guard import AuditedRefusal
from carenet.service.api import App, Connection, Presented, Who, committed
from carenet.service.booking import actions
from carenet.service.booking.engine import BookingError, LiveNetwork

router = APIRouter(prefix="/booking", tags=["booking"])
Need = Literal[NEED_TYPES]  # type: ignore[valid-type]
Urgency = Literal[URGENCIES]  # type: ignore[valid-type]
Channel = Literal[CHANNELS]  # type: ignore[valid-type]


def _live(app) -> LiveNetwork:
    try:
        return actions.live_of(app)
    except BookingError as refused:
        raise HTTPException(refused.status, str(refused)) from None


class RequestIn(BaseModel):
    patient_id: str = Field(min_length=1, max_length=200)
    need_type: Need
    urgency: Urgency = "routine"
    channel: Channel = "telephone"


@router.post("/requests", status_code=201)
def make_request(body: RequestIn, who: Who, app: App, conn: Connection) -> dict:
    """Record a request for care and propose slots: routed by the model's triage, booked by its policy (each
    proposal says why)."""
    try:
        request_id, proposals = actions.new_request(conn, who, app, body.patient_id, body.need_type, body.urgency,
                                                    body.channel)
    except BookingError as refused:
        raise HTTPException(refused.status, str(refused)) from None
    return {"request_id": request_id, "proposals": [p.to_json() for p in proposals]}


@router.get("/queue")
def queue(who: Who, app: App, conn: Connection) -> list[dict]:
    """Requests of your practice still waiting for a slot, oldest first (triage queue)."""
    try:
        return actions.waiting(conn, who, app)
    except BookingError as refused:
        raise HTTPException(refused.status, str(refused)) from None


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
async def book(body: AppointmentIn, request: Request, sent: Presented, app: App) -> dict:
    """Book a slot: 201 with the appointment, or 409 with alternatives if someone else has just booked it."""
    return await committed(request, sent, _book, app, body, refusal=_refused)


def _book(conn, who, app, body: AppointmentIn) -> dict:
    return actions.book(conn, who, app, body.patient_id, body.clinician_id, body.start, body.request_id)


def _refused(refused: Exception) -> HTTPException | None:
    """A refused booking's answer: the request named is not the patient's or not waiting; or the slot cannot be
    had (409 with alternatives), the guard's audit event kept."""
    if isinstance(refused, actions.RequestRefused):
        return HTTPException(refused.status, str(refused))
    if isinstance(refused, BookingError):
        return AuditedRefusal(refused.status, {"message": str(refused), "alternatives": refused.alternatives})
    return None


__all__ = ["router"]
