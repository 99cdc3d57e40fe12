"""Routes of the proactive worklists: ``/worklists`` and its rules, with actions on each listed patient.

``GET /worklists`` counts the requester's practice's patients on every case-finding rule of the
measures library; ``GET /worklists/{rule}`` lists a page of them, each with its state (``to_contact``,
``invited``, ``booked``) and the actions the requester may take; ``POST /worklists/{rule}/actions``
takes one (``invite``, ``book_review``, ``done``) behind the access guard, so the next worklist shows it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from carenet.measures.worklists import RULES
from carenet.service.access.decide import Facts, evaluate
from carenet.service.access.guard import guard
from carenet.service.api import App, Connection, Who
from carenet.service.audit.log import AuditEntry, record
from carenet.service.auth.login import Principal
from carenet.service.worklists.logic import (
    ACTIONS,
    CLINICAL_COLUMNS,
    DONE_RESOURCE,
    ActionError,
    book_review,
    close_recalls,
    invite,
    local_now,
    open_recalls,
    patient_practice,
    plan_done,
    states,
    worklists,
)

router = APIRouter(prefix="/worklists", tags=["worklists"])
Rule = Literal[RULES]  # type: ignore[valid-type]
OWN_PRACTICE = Facts(frozenset({"own_practice"}), frozenset())


def _may(who: Principal, resource: str, action: str) -> bool:
    """Whether ``who``'s role and session may ``action`` (read or write) ``resource`` of their practice's patients."""
    return evaluate(who.role, who.scopes, OWN_PRACTICE, resource, action).allowed


def _practice(who: Principal) -> str:
    if not _may(who, "Patient", "read"):
        raise HTTPException(403, f"worklists list a practice's patients: a {who.role} may not read them")
    if who.practice_id is None:
        raise HTTPException(403, "worklists are a practice's; your account belongs to no practice")
    return who.practice_id


def _now(app) -> dt.datetime:
    return app.live.local(app.clock()).replace(microsecond=0) if app.live is not None \
        else local_now(app.clock(), app.settings)


@router.get("")
def summary(who: Who, app: App, conn: Connection) -> dict:
    """Patients of your practice on each case-finding rule today (rules the record cannot run say why)."""
    practice = _practice(who)
    today = _now(app).date()
    listed = worklists(conn, practice, today, app.settings)
    counts = {rule: len(rows) for rule, rows in listed.rows.items()}
    record(conn, AuditEntry(app.clock(), who.user_id, who.role, None, "Patient", None, "search", "allowed",
                            "worklist", f"worklist counts of {practice}: {sum(counts.values())} entries"))
    return {"practice_id": practice, "as_of": today.isoformat(), "patients": counts, "skipped": listed.skipped}


def _actions(who: Principal, rule: str, state: dict, live: bool, now: dt.datetime) -> list[str]:
    allowed = []
    status = state.get("state", "to_contact")
    if status == "to_contact" and all(_may(who, r, "write") for r in ACTIONS["invite"]):
        allowed.append("invite")
    if live and status != "booked" and all(_may(who, r, "write") for r in ACTIONS["book_review"]):
        allowed.append("book_review")
    future = status == "booked" and dt.datetime.fromisoformat(state["booked_for"]) > now
    if not (rule == "multimorbid_without_review" and future) and _may(who, DONE_RESOURCE[rule], "write"):
        allowed.append("done")
    return allowed


@router.get("/{rule}")
def listing(rule: Rule, who: Who, app: App, conn: Connection,
            page: int = Query(1, ge=1, le=1_000_000, description="Page, from 1")) -> dict:
    """A page of your practice's patients on the rule, each with its state and the actions you may take."""
    practice = _practice(who)
    now = _now(app)
    listed = worklists(conn, practice, now.date(), app.settings)
    if rule in listed.skipped:
        raise HTTPException(409, f"the {rule} worklist cannot run on this record: {listed.skipped[rule]}")
    rows = listed.rows[rule]
    size = app.settings.worklist_page_size
    shown = rows[(page - 1) * size:page * size]
    state = states(conn, [r["patient_id"] for r in shown])
    clinical = _may(who, "Condition", "read")
    out = []
    for row in shown:
        entry = {k: v for k, v in row.items() if clinical or k not in CLINICAL_COLUMNS}
        entry.pop("rule")
        s = state.get(row["patient_id"], {"state": "to_contact"})
        out.append({**entry, **s, "actions": _actions(who, rule, s, app.live is not None, now)})
    record(conn, AuditEntry(app.clock(), who.user_id, who.role, None, "Patient", None, "search", "allowed",
                            "worklist", f"worklist {rule} of {practice}, page {page}: {len(out)} of {len(rows)}"))
    return {"rule": rule, "practice_id": practice, "as_of": now.date().isoformat(), "total": len(rows),
            "page": page, "page_size": size, "rows": out}


class ActionIn(BaseModel):
    patient_id: str = Field(min_length=1, max_length=200)
    action: Literal["invite", "book_review", "done"]
    due_date: dt.date | None = Field(None, description="invite: when the recall is due")
    clinician_id: str | None = Field(None, min_length=1, max_length=200,
                                     description="book_review: a chosen slot's clinician (with start)")
    start: dt.datetime | None = Field(None, description="book_review: the chosen slot's start, practice time")
    key_worker_id: str | None = Field(None, min_length=1, max_length=200,
                                      description="done, care-plan rules: the key worker (default: you)")
    review_date: dt.date | None = Field(None, description="done, care-plan rules: the plan's next review")


@router.post("/{rule}/actions", status_code=201)
def act(rule: Rule, body: ActionIn, who: Who, app: App, conn: Connection) -> dict:
    """Take an action on a patient of the worklist: it is recorded where the next worklist reads it."""
    practice = _practice(who)
    if (body.clinician_id is None) != (body.start is None):
        raise HTTPException(422, "a chosen slot needs both clinician_id and start")
    if body.action != "book_review" and body.clinician_id is not None:
        raise HTTPException(422, "clinician_id and start choose a slot for book_review only")
    now, clock = _now(app), app.clock()
    try:
        if body.action == "invite":
            task_id = f"T-{uuid.uuid4().hex[:16]}"
            guard(conn, who, clock, body.patient_id, "Task", "create", resource_id=task_id)
            _own(conn, body.patient_id, practice)
            return {"action": "invite", "task": invite(conn, who, now, body.patient_id, task_id, body.due_date)}
        if body.action == "book_review":
            if app.live is None:
                raise HTTPException(503, "this store has no network laid out for booking; start the service with "
                                         "--demo")
            request_id = f"R-{uuid.uuid4().hex[:16]}"
            guard(conn, who, clock, body.patient_id, "ServiceRequest", "create", resource_id=request_id)
            guard(conn, who, clock, body.patient_id, "Appointment", "create")
            _own(conn, body.patient_id, practice)
            chosen = (body.clinician_id, body.start) if body.clinician_id is not None else None
            return {"action": "book_review",
                    **book_review(conn, app.live, clock, body.patient_id, request_id, chosen)}
        guard(conn, who, clock, body.patient_id, DONE_RESOURCE[rule], "update")
        _own(conn, body.patient_id, practice)
        done = plan_done(conn, who, now, app.live, rule, body.patient_id, body.key_worker_id, body.review_date)
        recalls = open_recalls(conn, body.patient_id)
        closing = recalls if _may(who, "Task", "write") else []
        for task_id in closing:  # every write guarded before any is made
            guard(conn, who, clock, body.patient_id, "Task", "update", resource_id=task_id)
        written = done.write()
        close_recalls(conn, closing, now)
        return {"action": "done", done.resource: written, "recalls_closed": closing,
                "recalls_left_open": [t for t in recalls if t not in closing]}
    except ActionError as refused:
        raise HTTPException(refused.status, str(refused)) from None


def _own(conn, patient_id: str, practice: str) -> None:
    if patient_practice(conn, patient_id) != practice:
        raise ActionError(403, f"patient {patient_id} is not on your practice's list: worklists act on your "
                               "practice's patients")


__all__ = ["router"]
