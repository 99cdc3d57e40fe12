"""Screens of the proactive worklists: counts by rule, a page of a rule's patients, and the actions on each.

The same functions as ``/worklists`` (:mod:`carenet.service.worklists.actions`): listing is audited, every
action guarded; an action posts a plain form and comes back to the list, where the patient's state shows it.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import Response

from carenet.measures.worklists import RULES
from carenet.service.api import App, Connection
from carenet.service.web.render import Viewer, page, redirect
from carenet.service.worklists import actions
from carenet.service.worklists.logic import ActionError

router = APIRouter(include_in_schema=False)
TITLES = {"frail_without_care_plan": "Frail, without a care plan",
          "multimorbid_without_review": "Several long-term conditions, without a review",
          "complex_without_key_worker": "Complex needs, without a key worker",
          "care_plan_review_overdue": "Care plan review overdue"}
ACTION_LABELS = {"invite": "Invite", "book_review": "Book review", "done": "Record done"}
NOTICE = {"invite": "invited", "book_review": "review_booked", "done": "done"}


def _refused(refused: ActionError) -> HTTPException:
    return HTTPException(refused.status, str(refused))


@router.get("/lists")
def overview(request: Request, who: Viewer, app: App, conn: Connection) -> Response:
    try:
        found = actions.summary(conn, who, app)
    except ActionError as refused:
        raise _refused(refused) from None
    return page(request, "lists.html", who, "Proactive worklists", found=found, titles=TITLES)


def _rule(rule: str) -> str:
    if rule not in RULES:
        raise HTTPException(404, f"no worklist {rule!r}; the worklists are {', '.join(RULES)}")
    return rule


@router.get("/lists/{rule}")
def rule_page(rule: str, request: Request, who: Viewer, app: App, conn: Connection,
              page_number: int = Query(1, alias="page", ge=1, le=1_000_000)) -> Response:
    try:
        listed = actions.listing(conn, who, app, _rule(rule), page_number)
    except ActionError as refused:
        raise _refused(refused) from None
    pages = max((listed["total"] + listed["page_size"] - 1) // listed["page_size"], 1)
    return page(request, "list_rule.html", who, TITLES[rule], listed=listed, rule=rule, pages=pages,
                labels=ACTION_LABELS, record_links=actions.may(who, "Appointment", "read"))


@router.post("/lists/{rule}/act")
def act(rule: str, request: Request, who: Viewer, app: App, conn: Connection, patient_id: str = Form(...),
        action: str = Form(...), page_number: int = Form(1, alias="page")) -> Response:
    if action not in ACTION_LABELS:
        raise HTTPException(422, f"no action {action!r}")
    try:
        actions.act(conn, who, app, _rule(rule), patient_id, action,
                    due_date=actions.now_of(app).date() + dt.timedelta(days=14) if action == "invite" else None)
    except ActionError as refused:
        raise _refused(refused) from None
    return redirect(f"/lists/{rule}?page={max(page_number, 1)}", NOTICE[action])


__all__ = ["router"]
