"""Screens of clinicians and care co-ordinators: my day, the patient's record, the care-plan editor, booking.

``/day`` (diary, triage queue, advice requests waiting, tasks, messages), ``/record/{patient}`` (summary,
conditions, appointments, care plan, team, thread: each part behind the access guard, so another practice without
sharing sees nothing and the attempt is audited; a clinician may break the glass with a reason; the care-plan
editor, thread, advice and social prescribing are :mod:`carenet.service.web.care`'s), ``/record/{patient}/book``
(a request triaged and routed by the live network) and ``/requests/{id}`` (the engine's proposals, each with why,
and booking one).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from carenet.schema.codes import NEED_TYPES, URGENCIES
from carenet.service.access.guard import AuditedRefusal
from carenet.service.access.policies import CLINICAL
from carenet.service.api import App, Connection
from carenet.service.audit.log import AuditEntry, record
from carenet.service.booking import actions as booking
from carenet.service.booking.engine import BookingError
from carenet.service.record import read
from carenet.service.store.tables import CANONICAL
from carenet.service.web.render import Viewer, page, redirect
from carenet.service.worklists.actions import now_of

router = APIRouter(include_in_schema=False)
DIARY_DAYS = 7
STAFF_CHANNELS = ("telephone", "walk_in", "online")


def _clinical(who) -> None:
    if who.role not in CLINICAL:
        raise HTTPException(403, f"this screen is for clinicians and care co-ordinators; you are logged in as "
                                 f"{who.role}")


def _booking_error(refused: BookingError) -> HTTPException:
    return HTTPException(refused.status, str(refused))


def diary(conn, who, app) -> list[dict]:
    """``who``'s booked appointments from today for :data:`DIARY_DAYS` days (audited as a search)."""
    if who.clinician_id is None:
        return []
    appointments = CANONICAL["appointments"]
    today = now_of(app).date()
    start = dt.datetime.combine(today, dt.time())
    rows = [dict(r._mapping) for r in conn.execute(sa.select(appointments).where(
        appointments.c.clinician_id == who.clinician_id, appointments.c.status == "booked",
        appointments.c.booked_for >= start, appointments.c.booked_for < start + dt.timedelta(days=DIARY_DAYS))
        .order_by(appointments.c.booked_for))]
    record(conn, AuditEntry(app.clock(), who.user_id, who.role, None, "Appointment", None, "search", "allowed",
                            "own-diary", f"the diary of {who.clinician_id}: {len(rows)} appointments"))
    return rows


@router.get("/day")
def my_day(request: Request, who: Viewer, app: App, conn: Connection) -> Response:
    _clinical(who)
    from carenet.service.web.care import waiting_for_me

    queue = booking.waiting(conn, who, app) if who.practice_id else []
    return page(request, "day.html", who, "My day", diary=diary(conn, who, app), queue=queue,
                today=now_of(app).date(), **waiting_for_me(conn, who, app))


def _sections(conn, who, app, patient_id: str, reason: str | None) -> dict:
    """The record's parts ``who`` may see (a part the policy withholds says why, and the refusal is audited)."""
    now = app.clock()
    out: dict = {"patient": read.demographics(conn, who, now, patient_id, reason), "withheld": {}}
    for name in read.PARTS:
        try:
            out[name] = read.part(conn, who, now, patient_id, name, reason)
        except AuditedRefusal as refused:
            out["withheld"][name] = str(refused.detail)
    try:
        out["team"] = read.team(conn, who, now, patient_id, reason)
    except AuditedRefusal as refused:
        out["withheld"]["team"] = str(refused.detail)
    return out


def _record_page(request: Request, who, app, conn, patient_id: str, reason: str | None = None) -> Response:
    request.state.patient_id = patient_id
    from carenet.service.web.care import care_sections

    sections = _sections(conn, who, app, patient_id, reason)
    care = care_sections(conn, who, app, patient_id, reason)
    return page(request, "record.html", who, f"Patient {patient_id}", patient_id=patient_id, broke_glass=bool(reason),
                may_book=who.role in (*CLINICAL, "receptionist") and not reason,
                may_plan=who.role in CLINICAL and not reason, now_local=now_of(app), **sections, **care)


@router.get("/record/{patient_id}")
def patient_record(patient_id: str, request: Request, who: Viewer, app: App, conn: Connection) -> Response:
    return _record_page(request, who, app, conn, patient_id)


@router.post("/record/{patient_id}/break-glass")
def break_glass(patient_id: str, request: Request, who: Viewer, app: App, conn: Connection,
                reason: str = Form("", max_length=500)) -> Response:
    """Read the record in an emergency: allowed with a reason, flagged in the audit log for review."""
    _clinical(who)
    return _record_page(request, who, app, conn, patient_id, reason.strip() or "")


NEED_OPTIONS = [(n, n.replace("_", " ").capitalize()) for n in NEED_TYPES]
URGENCY_OPTIONS = [(u, u.replace("_", " ").capitalize()) for u in URGENCIES if u != "proactive"]


@router.get("/record/{patient_id}/book")
def book_form(patient_id: str, request: Request, who: Viewer, app: App, conn: Connection) -> Response:
    request.state.patient_id = patient_id
    patient = read.demographics(conn, who, app.clock(), patient_id)
    return page(request, "book.html", who, "Book for the patient", patient_id=patient_id, patient=patient,
                needs=NEED_OPTIONS, urgencies=URGENCY_OPTIONS,
                channels=[(c, c.replace("_", " ").capitalize()) for c in STAFF_CHANNELS])


@router.post("/record/{patient_id}/book")
def book_request(patient_id: str, request: Request, who: Viewer, app: App, conn: Connection,
                 need_type: str = Form(...), urgency: str = Form("routine"),
                 channel: str = Form("telephone")) -> Response:
    """Record the request; the engine's proposals are on the request's page."""
    if need_type not in NEED_TYPES or urgency not in URGENCIES or channel not in STAFF_CHANNELS:
        raise HTTPException(422, "choose the need, urgency and channel from the lists")
    try:
        request_id, _ = booking.new_request(conn, who, app, patient_id, need_type, urgency, channel)
    except BookingError as refused:
        raise _booking_error(refused) from None
    return redirect(f"/requests/{request_id}")


@router.post("/record/{patient_id}/appointments/{appointment_id}/rebook")
def rebook(patient_id: str, appointment_id: str, request: Request, who: Viewer, app: App,
           conn: Connection) -> Response:
    """Re-book an appointment: a new request for the same need, routed and proposed afresh; the old appointment is
    cancelled when the new one is booked (in the same transaction)."""
    appointments = CANONICAL["appointments"]
    old = conn.execute(sa.select(appointments.c.need_type, appointments.c.urgency, appointments.c.status).where(
        appointments.c.appointment_id == appointment_id, appointments.c.patient_id == patient_id)).first()
    if old is None or old.status != "booked":
        raise HTTPException(404, f"patient {patient_id} has no booked appointment {appointment_id!r}")
    urgency = old.urgency if old.urgency in URGENCIES and old.urgency != "proactive" else "routine"
    try:
        request_id, _ = booking.new_request(conn, who, app, patient_id, old.need_type or "acute_minor", urgency,
                                            "telephone")
    except BookingError as refused:
        raise _booking_error(refused) from None
    return redirect(f"/requests/{request_id}?replaces={appointment_id}")


@router.get("/requests/{request_id}")
def request_page(request_id: str, request: Request, who: Viewer, app: App, conn: Connection,
                 replaces: str = "") -> Response:
    """A request, the slots the network layer proposes for it now and why; book one."""
    try:
        row, proposals = booking.proposals_for(conn, who, app, request_id)
    except BookingError as refused:
        raise _booking_error(refused) from None
    request.state.patient_id = row.patient_id
    return page(request, "request.html", who, "Book a slot", request_row=row, proposals=proposals,
                action=f"/requests/{request_id}/book", back=f"/record/{row.patient_id}", replaces=replaces[:64])


def parse_slot(slot: str) -> tuple[str, dt.datetime]:
    """A proposal's form value ``clinician|start``."""
    clinician_id, _, start = slot.partition("|")
    try:
        return clinician_id, dt.datetime.fromisoformat(start)
    except ValueError:
        raise HTTPException(422, "choose one of the slots offered") from None


def book_chosen(conn, who, app, request_id: str, slot: str, replaces: str = "") -> tuple[str, dict]:
    """Book the chosen slot for the request (cancelling the appointment it ``replaces``, if re-booking):
    (patient, appointment); refused as a page with alternatives."""
    row = booking.request_row(conn, request_id)
    if row is None:
        raise HTTPException(404, f"no request {request_id!r}")
    clinician_id, start = parse_slot(slot)
    try:
        if replaces:
            booking.cancel(conn, who, app, row.patient_id, replaces)
        return row.patient_id, booking.book(conn, who, app, row.patient_id, clinician_id, start, request_id)
    except booking.RequestRefused as refused:
        raise _booking_error(refused) from None
    except BookingError as refused:
        raise AuditedRefusal(refused.status, str(refused) + (" - choose another of the slots offered" if
                                                             refused.alternatives else "")) from None


@router.post("/requests/{request_id}/book")
def book_slot(request_id: str, request: Request, who: Viewer, app: App, conn: Connection,
              slot: str = Form(""), replaces: str = Form("", max_length=64)) -> Response:
    patient_id, _ = book_chosen(conn, who, app, request_id, slot, replaces)
    return redirect(f"/record/{patient_id}", "rebooked" if replaces else "booked")


__all__ = ["book_chosen", "diary", "parse_slot", "router"]
