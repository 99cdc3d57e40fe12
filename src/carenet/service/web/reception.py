"""Screens of reception and care navigation: incoming requests with the routing suggestion and its reason, a new
request for a patient, and booking it (on the request's page, :mod:`carenet.service.web.staff`)."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from carenet.schema.codes import NEED_TYPES, URGENCIES
from carenet.service.api import App, Connection
from carenet.service.booking import actions as booking
from carenet.service.booking.engine import BookingError
from carenet.service.web.render import Viewer, page, redirect
from carenet.service.web.staff import NEED_OPTIONS, STAFF_CHANNELS, URGENCY_OPTIONS

router = APIRouter(include_in_schema=False)
SUGGESTED = 10
"""Requests at the head of the queue shown with the engine's routing suggestion."""


def suggestions(conn, who, app, queue: list[dict]) -> dict:
    """The engine's first proposal (and its reasons) for each request at the head of the queue."""
    out = {}
    for row in queue[:SUGGESTED]:
        try:
            _, proposals = booking.proposals_for(conn, who, app, row["request_id"])
        except (BookingError, HTTPException):
            continue
        if proposals:
            out[row["request_id"]] = proposals[0]
    return out


@router.get("/reception")
def incoming(request: Request, who: Viewer, app: App, conn: Connection) -> Response:
    """Incoming requests of the practice, oldest first, with the routing suggestion for each and why."""
    try:
        queue = booking.waiting(conn, who, app)
    except BookingError as refused:
        raise HTTPException(refused.status, str(refused)) from None
    return page(request, "reception.html", who, "Incoming requests", queue=queue,
                suggestions=suggestions(conn, who, app, queue) if app.live is not None else {},
                needs=NEED_OPTIONS, urgencies=URGENCY_OPTIONS,
                channels=[(c, c.replace("_", " ").capitalize()) for c in STAFF_CHANNELS])


@router.post("/reception/requests")
def new_request(request: Request, who: Viewer, app: App, conn: Connection, patient_id: str = Form("", max_length=200),
                need_type: str = Form(...), urgency: str = Form("routine"),
                channel: str = Form("telephone")) -> Response:
    """Record a request for a patient (telephone, walk-in); its page shows the engine's proposals."""
    patient_id = patient_id.strip()
    if not patient_id:
        raise HTTPException(422, "enter the patient's identifier")
    if need_type not in NEED_TYPES or urgency not in URGENCIES or channel not in STAFF_CHANNELS:
        raise HTTPException(422, "choose the need, urgency and channel from the lists")
    try:
        request_id, _ = booking.new_request(conn, who, app, patient_id, need_type, urgency, channel)
    except BookingError as refused:
        raise HTTPException(refused.status, str(refused)) from None
    return redirect(f"/requests/{request_id}")


__all__ = ["router"]
