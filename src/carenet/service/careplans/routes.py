"""Routes of personalised care and support plans: ``/patients/{id}/care-plans``, behind the access guard
(resource ``CarePlan``); a carer reads them when the patient shares ``CarePlan`` with them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from carenet.schema.codes import CARE_PLAN_STATUSES
from carenet.service.access.guard import guard
from carenet.service.access.policies import CLINICAL
from carenet.service.api import App, Connection, Who
from carenet.service.careplans.versions import (
    PlanContent,
    create_plan,
    new_plan_id,
    plan_with_history,
    plans_of,
    revise_plan,
)
from carenet.service.careteam.members import team
from carenet.service.record.routes import BreakGlass

router = APIRouter(prefix="/patients", tags=["care co-ordination"])
Id = Annotated[str, Path(min_length=1, max_length=200)]
Status = Literal[CARE_PLAN_STATUSES]  # type: ignore[valid-type]
TEXT = 4000
"""Longest free text of one field (characters)."""
ITEMS = 50
"""Most goals or actions one plan lists."""


class ActionIn(BaseModel):
    action: str = Field(min_length=1, max_length=TEXT, description="What will be done")
    who: str = Field(min_length=1, max_length=200, description="Who does it: a person, a service, or the patient")
    due: dt.date | None = Field(None, description="By when")


class PlanIn(BaseModel):
    title: str = Field(min_length=1, max_length=200, description="What the plan is for, in a line")
    status: Status = "active"
    about_me: str | None = Field(None, max_length=TEXT, description="About me")
    what_matters: str | None = Field(None, max_length=TEXT, description="What matters to me")
    goals: list[Annotated[str, Field(min_length=1, max_length=TEXT)]] = Field(
        default_factory=list, max_length=ITEMS, description="Goals in the patient's words")
    goals_patient_set: bool = Field(True, description="Whether the patient set the goals")
    actions: list[ActionIn] = Field(default_factory=list, max_length=ITEMS)
    key_worker_id: str | None = Field(None, min_length=1, max_length=200,
                                      description="Clinician who co-ordinates the plan (joins the care team)")
    review_date: dt.date | None = Field(None, description="Next review (default: the service's review interval "
                                                          "after the plan was agreed)")

    def content(self) -> PlanContent:
        return PlanContent(self.title, self.status, self.about_me, self.what_matters, list(self.goals),
                           self.goals_patient_set, [a.model_dump(mode="json") for a in self.actions],
                           self.key_worker_id, self.review_date)


class NewPlanIn(PlanIn):
    agreed_date: dt.date | None = Field(None, description="Date agreed (default: today)")


class RevisionIn(PlanIn):
    base_version: int = Field(ge=1, le=1_000_000, description="The version this change edits (the current one)")


@router.get("/{patient_id}/care-plans")
def care_plans(patient_id: Id, who: Who, app: App, conn: Connection, reason: BreakGlass = None) -> list[dict]:
    """A patient's care plans, each with its latest version."""
    guard(conn, who, app.clock(), patient_id, "CarePlan", "search", break_glass_reason=reason)
    return plans_of(conn, patient_id)


@router.post("/{patient_id}/care-plans", status_code=201)
def make_care_plan(patient_id: Id, body: NewPlanIn, who: Who, app: App, conn: Connection) -> dict:
    """Agree a new care plan: recorded as version 1."""
    now = app.clock()
    plan_id = new_plan_id()
    guard(conn, who, now, patient_id, "CarePlan", "create", resource_id=plan_id, roles=CLINICAL,
          what="agreeing a care plan")
    agreed = body.agreed_date or app.settings.wall_clock(now).date()
    return create_plan(conn, patient_id, body.content(), agreed, app.settings, who, now, plan_id)


@router.get("/{patient_id}/care-plans/{care_plan_id}")
def care_plan(patient_id: Id, care_plan_id: Id, who: Who, app: App, conn: Connection,
              reason: BreakGlass = None) -> dict:
    """A care plan: its latest version in full, every version's number, status, author and time, and the team."""
    guard(conn, who, app.clock(), patient_id, "CarePlan", "read", resource_id=care_plan_id, break_glass_reason=reason)
    return {**plan_with_history(conn, patient_id, care_plan_id), "team": team(conn, patient_id)}


@router.post("/{patient_id}/care-plans/{care_plan_id}/versions", status_code=201)
def revise_care_plan(patient_id: Id, care_plan_id: Id, body: RevisionIn, who: Who, app: App,
                     conn: Connection) -> dict:
    """Record a new version of the plan, edited from ``base_version``: 409 naming the current version if another
    change was recorded since."""
    now = app.clock()
    guard(conn, who, now, patient_id, "CarePlan", "update", resource_id=care_plan_id, roles=CLINICAL,
          what="revising a care plan (a patient edits their goals on the portal)")
    return revise_plan(conn, patient_id, care_plan_id, body.base_version, body.content(), app.settings, who, now)


__all__ = ["router"]
