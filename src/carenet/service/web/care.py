"""Screens of care co-ordination: the versioned care-plan editor, the team thread, informal advice asked and
answered, and the social-prescribing loop - each write guarded and audited as its JSON route is, then the same
domain function (:mod:`carenet.service.careplans`, :mod:`carenet.service.threads`, :mod:`carenet.service.referrals`,
:mod:`carenet.service.socialrx`)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from carenet.schema.codes import CARE_PLAN_STATUSES
from carenet.service.access.guard import AuditedRefusal, guard
from carenet.service.access.policies import CLINICAL
from carenet.service.api import App, Connection
from carenet.service.audit.log import AuditEntry, record
from carenet.service.careplans.versions import PlanContent, create_plan, new_plan_id, plan_with_history, revise_plan
from carenet.service.people.lookup import clinician_label
from carenet.service.referrals.advice import advice_requests, answer, ask, new_advice_id, waiting_for
from carenet.service.socialrx.directory import directory
from carenet.service.socialrx.loop import NEXT, new_prescription_id, prescribe, prescriptions, record_step
from carenet.service.store.tables import CANONICAL
from carenet.service.tasks.work import owned_by
from carenet.service.threads.messages import messages, new_message_id, post
from carenet.service.web.render import Viewer, page, redirect

router = APIRouter(include_in_schema=False)
TEXT = 4000


def _clinical(who) -> None:
    if who.role not in CLINICAL:
        raise HTTPException(403, f"this is for clinicians and care co-ordinators; you are logged in as {who.role}")


def _back(target: str, fallback: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else fallback


def care_sections(conn, who, app, patient_id: str, reason: str | None = None) -> dict:
    """The thread, advice requests and social prescriptions ``who`` may see (withheld parts say why)."""
    now = app.clock()
    out: dict = {"care_withheld": {}}
    try:
        guard(conn, who, now, patient_id, "Communication", "search", break_glass_reason=reason)
        out["thread"] = messages(conn, patient_id)
    except AuditedRefusal as refused:
        out["care_withheld"]["thread"] = str(refused.detail)
    if who.role in CLINICAL:
        try:
            guard(conn, who, now, patient_id, "ServiceRequest", "search", break_glass_reason=reason)
            out["advice"] = advice_requests(conn, patient_id)
            out["prescriptions"] = prescriptions(conn, patient_id)
            out["next_steps"] = NEXT
            out["colleagues"] = [c for c in clinicians(conn, network_id=_network(conn, patient_id))
                                 if c[0] != who.clinician_id]
            out["services"] = services_directory(conn, app)
        except AuditedRefusal as refused:
            out["care_withheld"]["advice"] = str(refused.detail)
    return out


def clinicians(conn, practice_id: str | None = None, network_id: str | None = None) -> list[tuple[str, str]]:
    c = CANONICAL["clinicians"]
    query = sa.select(c.c.clinician_id, c.c.name, c.c.role).where(c.c.role != "admin").order_by(c.c.name)
    if practice_id is not None:
        query = query.where(c.c.practice_id == practice_id)
    if network_id is not None:
        query = query.where(c.c.network_id == network_id)
    return [(r.clinician_id, clinician_label(r.clinician_id, r.name, r.role)) for r in conn.execute(query)]


def _network(conn, patient_id: str) -> str | None:
    patients, practices = CANONICAL["patients"], CANONICAL["practices"]
    return conn.execute(sa.select(practices.c.network_id).join(patients, patients.c.practice_id ==
                                                               practices.c.practice_id)
                        .where(patients.c.patient_id == patient_id)).scalar()


# -- my day: what is waiting for me ----------------------------------------------------------------------------
def waiting_for_me(conn, who, app) -> dict:
    """Advice requests asked of ``who`` not yet answered, their open tasks, and their patients' latest thread
    messages (audited as searches of no one patient's record)."""
    if who.clinician_id is None:
        return {"advice_waiting": [], "tasks": [], "messages": []}
    advice, tasks = waiting_for(conn, who.clinician_id), owned_by(conn, who.clinician_id)
    panels, members = CANONICAL["panels"], CANONICAL["team_members"]
    mine = sa.union(
        sa.select(panels.c.patient_id).where(panels.c.clinician_id == who.clinician_id),
        sa.select(panels.c.patient_id).join(members, members.c.team_id == panels.c.team_id)
        .where(members.c.clinician_id == who.clinician_id)).subquery()
    from carenet.service.threads.tables import THREAD_MESSAGES as m

    recent = [dict(r._mapping) for r in conn.execute(
        sa.select(m).where(m.c.patient_id.in_(sa.select(mine.c.patient_id)), m.c.author_id != who.user_id)
        .order_by(m.c.sent_at.desc()).limit(10))]
    record(conn, AuditEntry(app.clock(), who.user_id, who.role, None, "ServiceRequest", None, "search", "allowed",
                            None, f"my day of {who.clinician_id}: {len(advice)} advice requests, {len(tasks)} tasks, "
                                  f"{len(recent)} thread messages"))
    return {"advice_waiting": advice, "tasks": tasks, "messages": recent}


# -- the care-plan editor --------------------------------------------------------------------------------------
def _content(title: str, status: str, about_me: str, what_matters: str, goals: str, goals_patient_set: str,
             key_worker_id: str, review_date: str, actions: list[dict]) -> PlanContent:
    if not title.strip():
        raise HTTPException(422, "give the plan a title (what it is for, in a line)")
    if status not in CARE_PLAN_STATUSES:
        raise HTTPException(422, f"status: choose one of {', '.join(CARE_PLAN_STATUSES)}")
    try:
        review = dt.date.fromisoformat(review_date) if review_date else None
    except ValueError:
        raise HTTPException(422, f"the review date {review_date!r} is not a date (YYYY-MM-DD)") from None
    return PlanContent(title.strip()[:200], status, about_me.strip() or None, what_matters.strip() or None,
                       [g.strip() for g in goals.splitlines() if g.strip()][:50], bool(goals_patient_set), actions,
                       key_worker_id or None, review)


def _plan_page(request, who, conn, app, patient_id: str, plan: dict | None, status: int = 200,
               error: str | None = None) -> Response:
    from carenet.service.record import read

    request.state.patient_id = patient_id
    patient = read.demographics(conn, who, app.clock(), patient_id)
    return page(request, "care_plan.html", who, "Care plan", status=status, patient_id=patient_id, plan=plan,
                statuses=[(s, s.replace("_", " ").capitalize()) for s in CARE_PLAN_STATUSES], error=error,
                clinicians=clinicians(conn, network_id=None, practice_id=patient["practice_id"]),
                default_review=app.settings.wall_clock(app.clock()).date() + dt.timedelta(
                    days=app.settings.care_plan_review_days))


@router.get("/record/{patient_id}/care-plan")
def new_plan_form(patient_id: str, request: Request, who: Viewer, app: App, conn: Connection) -> Response:
    """The editor: the patient's live plan's latest version to revise, or a new plan."""
    _clinical(who)
    guard(conn, who, app.clock(), patient_id, "CarePlan", "search")
    plans = CANONICAL["care_plans"]
    live = conn.execute(sa.select(plans.c.care_plan_id).where(
        plans.c.patient_id == patient_id, plans.c.status.in_(("draft", "active")))
        .order_by(plans.c.created_date.desc())).first()
    if live is not None:
        return redirect(f"/record/{patient_id}/care-plans/{live.care_plan_id}")
    return _plan_page(request, who, conn, app, patient_id, None)


@router.get("/record/{patient_id}/care-plans/{plan_id}")
def edit_plan_form(patient_id: str, plan_id: str, request: Request, who: Viewer, app: App,
                   conn: Connection) -> Response:
    _clinical(who)
    guard(conn, who, app.clock(), patient_id, "CarePlan", "read", resource_id=plan_id)
    return _plan_page(request, who, conn, app, patient_id, plan_with_history(conn, patient_id, plan_id))


@router.post("/record/{patient_id}/care-plans")
def save_plan(patient_id: str, request: Request, who: Viewer, app: App, conn: Connection,
              plan_id: str = Form(""), base_version: int = Form(0), title: str = Form("", max_length=200),
              status: str = Form("active"), about_me: str = Form("", max_length=TEXT),
              what_matters: str = Form("", max_length=TEXT), goals: str = Form("", max_length=TEXT * 4),
              goals_patient_set: str = Form(""), key_worker_id: str = Form("", max_length=200),
              review_date: str = Form("", max_length=20)) -> Response:
    """Agree a new plan (version 1) or record the next version of one, edited from ``base_version``: a change
    recorded by someone else since is refused (409) and the editor shows the current version."""
    _clinical(who)
    now = app.clock()
    if plan_id:
        guard(conn, who, now, patient_id, "CarePlan", "update", resource_id=plan_id)
        current = plan_with_history(conn, patient_id, plan_id)
        actions = (current.get("current") or {}).get("actions") or []
        content = _content(title, status, about_me, what_matters, goals, goals_patient_set, key_worker_id,
                           review_date, actions)
        try:
            revise_plan(conn, patient_id, plan_id, base_version, content, app.settings, who, now)
        except HTTPException as refused:
            if refused.status_code != 409:
                raise
            return _plan_page(request, who, conn, app, patient_id, current, status=409,
                              error=f"{refused.detail}. The editor now shows version {current['version']}: "
                                    "make your change again.")
    else:
        new_id = new_plan_id()
        guard(conn, who, now, patient_id, "CarePlan", "create", resource_id=new_id)
        content = _content(title, status, about_me, what_matters, goals, goals_patient_set, key_worker_id,
                           review_date, [])
        create_plan(conn, patient_id, content, app.settings.wall_clock(now).date(), app.settings, who, now, new_id)
    return redirect(f"/record/{patient_id}#care-plan", "plan_saved")


# -- the team thread -------------------------------------------------------------------------------------------
@router.post("/record/{patient_id}/thread")
def write_to_thread(patient_id: str, request: Request, who: Viewer, app: App, conn: Connection,
                    body: str = Form("", max_length=TEXT), back: str = Form("")) -> Response:
    """Write to the patient's team thread (the team, the patient, a carer the patient shares it with)."""
    if not body.strip():
        raise HTTPException(422, "the message is blank")
    now = app.clock()
    message_id = new_message_id()
    guard(conn, who, now, patient_id, "Communication", "create", resource_id=message_id)
    post(conn, message_id, patient_id, who, now, body.strip())
    return redirect(_back(back, f"/record/{patient_id}") + "#thread", "message_sent")


# -- informal advice -------------------------------------------------------------------------------------------
@router.post("/record/{patient_id}/advice")
def ask_advice(patient_id: str, request: Request, who: Viewer, app: App, conn: Connection,
               to_clinician_id: str = Form(""), question: str = Form("", max_length=TEXT)) -> Response:
    if not question.strip() or not to_clinician_id:
        raise HTTPException(422, "choose the colleague and write the question")
    now = app.clock()
    referral_id = new_advice_id()
    guard(conn, who, now, patient_id, "ServiceRequest", "create", resource_id=referral_id, roles=CLINICAL,
          what="asking a colleague's advice")
    ask(conn, referral_id, patient_id, who, now, app.settings, to_clinician_id=to_clinician_id,
        question=question.strip(), need_type=None)
    return redirect(f"/record/{patient_id}#advice", "advice_asked")


@router.post("/record/{patient_id}/advice/{referral_id}/answer")
def answer_advice(patient_id: str, referral_id: str, request: Request, who: Viewer, app: App, conn: Connection,
                  text: str = Form("", max_length=TEXT), back: str = Form("")) -> Response:
    if not text.strip():
        raise HTTPException(422, "the answer is blank")
    now = app.clock()
    guard(conn, who, now, patient_id, "ServiceRequest", "update", resource_id=referral_id, roles=CLINICAL,
          what="answering a colleague's request for advice")
    answer(conn, patient_id, referral_id, who, now, text.strip())
    return redirect(_back(back, f"/record/{patient_id}#advice"), "advice_answered")


# -- social prescribing ----------------------------------------------------------------------------------------
@router.post("/record/{patient_id}/social-prescriptions")
def social_prescription(patient_id: str, request: Request, who: Viewer, app: App, conn: Connection,
                        service_id: str = Form(""), note: str = Form("", max_length=2000)) -> Response:
    now = app.clock()
    prescription_id = new_prescription_id()
    guard(conn, who, now, patient_id, "ServiceRequest", "create", resource_id=prescription_id, roles=CLINICAL,
          what="social prescribing")
    prescribe(conn, prescription_id, patient_id, service_id, who, now, app.settings, note.strip() or None)
    return redirect(f"/record/{patient_id}#social-prescribing", "prescribed")


@router.post("/record/{patient_id}/social-prescriptions/{prescription_id}/steps")
def social_prescription_step(patient_id: str, prescription_id: str, request: Request, who: Viewer, app: App,
                             conn: Connection, state: str = Form(""), snomed_code: str = Form("", max_length=18),
                             snomed_term: str = Form("", max_length=255),
                             note: str = Form("", max_length=2000)) -> Response:
    now = app.clock()
    guard(conn, who, now, patient_id, "ServiceRequest", "update", resource_id=prescription_id, roles=CLINICAL,
          what="recording a social prescription's progress")
    record_step(conn, patient_id, prescription_id, state, who, now, snomed_code=snomed_code or None,
                snomed_term=snomed_term or None, note=note.strip() or None)
    return redirect(f"/record/{patient_id}#social-prescribing", "step_recorded")


def services_directory(conn, app) -> list[dict]:
    return directory(conn, app.settings.wall_clock(app.clock()))


__all__ = ["care_sections", "clinicians", "router", "services_directory", "waiting_for_me"]
