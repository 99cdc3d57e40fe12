"""Routes of the proactive worklists: ``/worklists`` and its rules, with actions on each listed patient.

``GET /worklists`` counts the requester's practice's patients on every case-finding rule of the
measures library; ``GET /worklists/{rule}`` lists a page of them, each with its state (``to_contact``,
``invited``, ``booked``) and the actions the requester may take; ``POST /worklists/{rule}/actions``
takes one (``invite``, ``book_review``, ``done``) behind the access guard, so the next worklist shows it.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from carenet.measures.worklists import RULES
from carenet.service.api import App, Connection, Who
from carenet.service.worklists import actions
from carenet.service.worklists.logic import ActionError

router = APIRouter(prefix="/worklists", tags=["worklists"])
Rule = Literal[RULES]  # type: ignore[valid-type]


def _refused(refused: ActionError) -> HTTPException:
    return HTTPException(refused.status, str(refused))


@router.get("")
def summary(who: Who, app: App, conn: Connection) -> dict:
    """Patients of your practice on each case-finding rule today (rules the record cannot run say why)."""
    try:
        return actions.summary(conn, who, app)
    except ActionError as refused:
        raise _refused(refused) from None


@router.get("/{rule}")
def listing(rule: Rule, who: Who, app: App, conn: Connection,
            page: int = Query(1, ge=1, le=1_000_000, description="Page, from 1")) -> dict:
    """A page of your practice's patients on the rule, each with its state and the actions you may take."""
    try:
        return actions.listing(conn, who, app, rule, page)
    except ActionError as refused:
        raise _refused(refused) from None


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
    try:
        return actions.act(conn, who, app, rule, body.patient_id, body.action, due_date=body.due_date,
                           clinician_id=body.clinician_id, start=body.start, key_worker_id=body.key_worker_id,
                           review_date=body.review_date)
    except ActionError as refused:
        raise _refused(refused) from None


__all__ = ["router"]
