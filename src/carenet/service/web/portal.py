"""Screens of patients and carers: my record, my care plan and team, asking for help through the online form
(routed by the same triage), self-booking the slots offered, my carers and what they may see; and the carer's
view of what the patient has shared."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from carenet.schema.codes import NEED_TYPES
from carenet.service.access.guard import AuditedRefusal
from carenet.service.access.policies import PATIENT_VISIBLE
from carenet.service.api import App, Connection
from carenet.service.booking import actions as booking
from carenet.service.booking.engine import BookingError
from carenet.service.people.tables import USERS
from carenet.service.record import read
from carenet.service.web.render import Viewer, page, redirect
from carenet.service.web.staff import book_chosen

router = APIRouter(include_in_schema=False)
PATIENT_NEEDS = [
    ("acute_minor", "A new problem that is not serious (for example a rash, an infection, a cough)"),
    ("acute_complex", "A new problem that worries me, or an existing one getting worse"),
    ("mental_health", "My mood, anxiety or mental health"),
    ("musculoskeletal", "Joint, back or muscle pain"),
    ("medication", "My medicines or a prescription"),
    ("ltc_review", "A review of a long-term condition"),
    ("psychosocial", "Money, housing, loneliness or other things affecting my health"),
    ("admin_results", "Test results, a letter or a form"),
]
PATIENT_URGENCIES = [("routine", "It can wait a few days"), ("urgent", "I need help in the next day or two"),
                     ("same_day", "I need help today")]
SHAREABLE = [("Appointment", "My appointments"), ("CarePlan", "My care plan"), ("CareTeam", "My care team"),
             ("Communication", "My team thread (they may write to it too)"), ("Condition", "My conditions"),
             ("Patient", "My details")]


def _patient(who) -> str:
    if who.role != "patient" or who.patient_id is None:
        raise HTTPException(403, f"the patient portal is for patients; you are logged in as {who.role}")
    return who.patient_id


def _visible(conn, who, app, patient_id: str) -> dict:
    """The record's parts as ``who`` may see them: a part withheld says why (and the refusal is audited)."""
    now = app.clock()
    out: dict = {"withheld": {}}
    try:
        out["patient"] = read.demographics(conn, who, now, patient_id)
    except AuditedRefusal as refused:
        out["patient"], out["withheld"]["patient"] = None, str(refused.detail)
    for name in read.PARTS:
        try:
            out[name] = read.part(conn, who, now, patient_id, name)
        except AuditedRefusal as refused:
            out["withheld"][name] = str(refused.detail)
    try:
        out["team"] = read.team(conn, who, now, patient_id)
    except AuditedRefusal as refused:
        out["withheld"]["team"] = str(refused.detail)
    return out


@router.get("/portal")
def my_record(request: Request, who: Viewer, app: App, conn: Connection) -> Response:
    me = _patient(who)
    from carenet.service.web.care import care_sections

    return page(request, "portal.html", who, "My record", thread_patient=me, thread_back="/portal",
                may_write_thread=True, **_visible(conn, who, app, me), **care_sections(conn, who, app, me))


@router.get("/portal/help")
def help_form(request: Request, who: Viewer) -> Response:
    _patient(who)
    return page(request, "portal_help.html", who, "Ask for help", needs=PATIENT_NEEDS, urgencies=PATIENT_URGENCIES)


@router.post("/portal/help")
def ask_for_help(request: Request, who: Viewer, app: App, conn: Connection, need_type: str = Form(""),
                 urgency: str = Form("routine")) -> Response:
    """The online form: a request routed by the network's triage, then the slots offered to the patient."""
    me = _patient(who)
    if need_type not in NEED_TYPES or urgency not in dict(PATIENT_URGENCIES):
        return page(request, "portal_help.html", who, "Ask for help", status=422, needs=PATIENT_NEEDS,
                    urgencies=PATIENT_URGENCIES, error="Choose what you need help with")
    try:
        request_id, _ = booking.new_request(conn, who, app, me, need_type, urgency, "online")
    except BookingError as refused:
        raise HTTPException(refused.status, str(refused)) from None
    return redirect(f"/portal/requests/{request_id}", "requested")


@router.get("/portal/requests/{request_id}")
def offered(request_id: str, request: Request, who: Viewer, app: App, conn: Connection) -> Response:
    me = _patient(who)
    try:
        row, proposals = booking.proposals_for(conn, who, app, request_id)
    except BookingError as refused:
        raise HTTPException(refused.status, str(refused)) from None
    if row.patient_id != me:
        raise HTTPException(404, f"no request {request_id!r} of yours")
    return page(request, "request.html", who, "Choose an appointment", request_row=row, proposals=proposals,
                action=f"/portal/requests/{request_id}/book", back="/portal", patient_view=True)


@router.post("/portal/requests/{request_id}/book")
def self_book(request_id: str, request: Request, who: Viewer, app: App, conn: Connection,
              slot: str = Form("")) -> Response:
    me = _patient(who)
    row = booking.request_row(conn, request_id)
    if row is None or row.patient_id != me:
        raise HTTPException(404, f"no request {request_id!r} of yours")
    book_chosen(conn, who, app, request_id, slot)
    return redirect("/portal", "booked")


def _carers(conn, patient_id: str) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(sa.select(USERS.c.user_id, USERS.c.display_name).where(
        USERS.c.role == "carer", USERS.c.patient_id == patient_id).order_by(USERS.c.user_id))]


@router.get("/portal/carers")
def carers(request: Request, who: Viewer, app: App, conn: Connection) -> Response:
    """My carers and what each may see (the latest consent for each)."""
    me = _patient(who)
    given = read.consents(conn, who, app.clock(), me)
    shared = {}
    for carer in _carers(conn, me):
        latest = next((c for c in given if c["kind"] == "carer" and c["grantee_user_id"] == carer["user_id"]), None)
        shared[carer["user_id"]] = set((latest["resources"] or "").split()) if latest and latest["granted"] else set()
    return page(request, "portal_carers.html", who, "My carers", carers=_carers(conn, me), shared=shared,
                shareable=SHAREABLE)


@router.post("/portal/carers")
async def share_with_carer(request: Request, who: Viewer, app: App, conn: Connection) -> Response:
    """Say what a carer may see (nothing ticked withdraws the consent)."""
    me = _patient(who)
    form = await request.form()
    carer = str(form.get("carer", ""))
    if carer not in {c["user_id"] for c in _carers(conn, me)}:
        raise HTTPException(422, "choose one of your carers")
    resources = [r for r in form.getlist("resources") if r in dict(SHAREABLE) and r in PATIENT_VISIBLE]
    read.record_consent(conn, who, app.clock(), me, "carer", bool(resources), grantee_user_id=carer,
                        resources=resources)
    return redirect("/portal/carers", "consent_saved")


@router.get("/carer")
def shared_with_me(request: Request, who: Viewer, app: App, conn: Connection) -> Response:
    """What the patient has shared with their carer; the rest says it is not shared."""
    if who.role != "carer" or who.patient_id is None:
        raise HTTPException(403, f"this screen is for carers; you are logged in as {who.role}")
    from carenet.service.web.care import care_sections

    care = care_sections(conn, who, app, who.patient_id)
    return page(request, "carer.html", who, "Shared with me", patient_id=who.patient_id, thread_patient=who.patient_id,
                thread_back="/carer", may_write_thread="thread" in care, **_visible(conn, who, app, who.patient_id),
                **care)


__all__ = ["router"]


@router.post("/portal/care-plans/{plan_id}/goals")
def my_goals(plan_id: str, request: Request, who: Viewer, app: App, conn: Connection, base_version: int = Form(0),
             goals: str = Form("", max_length=16_000)) -> Response:
    """The patient's own goals: the plan's next version, changed only in its goals (now set by the patient)."""
    from dataclasses import replace

    from carenet.service.access.guard import guard
    from carenet.service.careplans.versions import PlanContent, plan_with_history, revise_plan

    me = _patient(who)
    now = app.clock()
    guard(conn, who, now, me, "CarePlan", "update", resource_id=plan_id)
    plan = plan_with_history(conn, me, plan_id)
    v = plan.get("current") or {}
    content = PlanContent(v.get("title") or "Care plan", plan["status"], v.get("about_me"), v.get("what_matters"),
                          list(plan.get("goals") or []), bool(plan.get("goals_patient_set")), v.get("actions") or [],
                          plan.get("key_worker_id"), plan.get("review_date"))
    mine = [g.strip()[:4000] for g in goals.splitlines() if g.strip()][:50]
    try:
        revise_plan(conn, me, plan_id, base_version, replace(content, goals=mine, goals_patient_set=True),
                    app.settings, who, now)
    except HTTPException as refused:
        if refused.status_code == 409:
            raise HTTPException(409, "your care plan was changed by your team while you were editing; go back to "
                                     "your record, see the new version and write your goals again") from None
        raise
    return redirect("/portal#care-plan", "goals_saved")
