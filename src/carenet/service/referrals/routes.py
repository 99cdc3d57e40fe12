"""Routes of referrals and advice: ``/patients/{id}/referrals`` (formal) and ``/patients/{id}/advice-requests``
(informal, with the time to answer), behind the access guard (resource ``ServiceRequest``; making and answering
them is for clinicians); ``/advice-requests/waiting`` lists what a clinician has been asked and not yet answered."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, Field, model_validator

from carenet.schema.codes import NEED_TYPES
from carenet.service.access.guard import guard
from carenet.service.access.policies import CLINICAL
from carenet.service.api import App, Connection, Who, require_role
from carenet.service.audit.log import AuditEntry, record
from carenet.service.referrals.advice import advice_requests, answer, ask, new_advice_id, waiting_for
from carenet.service.referrals.formal import formal_referrals, new_referral_id, refer

router = APIRouter(tags=["care co-ordination"])
Id = Annotated[str, Path(min_length=1, max_length=200)]
Need = Literal[NEED_TYPES]  # type: ignore[valid-type]
TEXT = 4000
"""Longest question, answer or reason (characters)."""


class AdviceIn(BaseModel):
    to_clinician_id: str = Field(min_length=1, max_length=200, description="The colleague asked")
    question: str = Field(min_length=1, max_length=TEXT)
    need_type: Need | None = None


class AnswerIn(BaseModel):
    answer: str = Field(min_length=1, max_length=TEXT)


class ReferralIn(BaseModel):
    to_clinician_id: str | None = Field(None, min_length=1, max_length=200)
    to_service_id: str | None = Field(None, min_length=1, max_length=200,
                                      description="A service of the community directory")
    reason: str = Field(min_length=1, max_length=TEXT)
    need_type: Need | None = None

    @model_validator(mode="after")
    def _one(self) -> ReferralIn:
        if (self.to_clinician_id is None) == (self.to_service_id is None):
            raise ValueError("name exactly one of to_clinician_id and to_service_id")
        return self


@router.post("/patients/{patient_id}/advice-requests", status_code=201)
def ask_advice(patient_id: Id, body: AdviceIn, who: Who, app: App, conn: Connection) -> dict:
    """Ask a colleague's advice about the patient (an informal referral; the time it takes to answer is kept)."""
    now = app.clock()
    referral_id = new_advice_id()
    guard(conn, who, now, patient_id, "ServiceRequest", "create", resource_id=referral_id, roles=CLINICAL,
          what="asking a colleague's advice")
    return ask(conn, referral_id, patient_id, who, now, app.settings, to_clinician_id=body.to_clinician_id,
               question=body.question, need_type=body.need_type)


@router.post("/patients/{patient_id}/advice-requests/{referral_id}/answer", status_code=201)
def answer_advice(patient_id: Id, referral_id: Id, body: AnswerIn, who: Who, app: App, conn: Connection) -> dict:
    """Answer an advice request you were asked: the answer and its time are recorded (once)."""
    now = app.clock()
    guard(conn, who, now, patient_id, "ServiceRequest", "update", resource_id=referral_id, roles=CLINICAL,
          what="answering a colleague's request for advice")
    return answer(conn, patient_id, referral_id, who, now, body.answer)


@router.get("/patients/{patient_id}/advice-requests")
def list_advice(patient_id: Id, who: Who, app: App, conn: Connection) -> list[dict]:
    """The patient's advice requests, each with its answer and the minutes it took (null while waiting)."""
    guard(conn, who, app.clock(), patient_id, "ServiceRequest", "search")
    return advice_requests(conn, patient_id)


@router.post("/patients/{patient_id}/referrals", status_code=201)
def make_referral(patient_id: Id, body: ReferralIn, who: Who, app: App, conn: Connection) -> dict:
    """Make a formal referral of the patient to a clinician or a community service."""
    now = app.clock()
    referral_id = new_referral_id()
    guard(conn, who, now, patient_id, "ServiceRequest", "create", resource_id=referral_id, roles=CLINICAL,
          what="making a formal referral")
    return refer(conn, referral_id, patient_id, who, now, app.settings, to_clinician_id=body.to_clinician_id,
                 to_service_id=body.to_service_id, reason=body.reason, need_type=body.need_type)


@router.get("/patients/{patient_id}/referrals")
def list_referrals(patient_id: Id, who: Who, app: App, conn: Connection) -> dict:
    """The patient's referrals, formal and informal (advice) apart."""
    guard(conn, who, app.clock(), patient_id, "ServiceRequest", "search")
    return {"formal": formal_referrals(conn, patient_id), "advice": advice_requests(conn, patient_id)}


@router.get("/advice-requests/waiting")
def waiting(who: Who, app: App, conn: Connection) -> list[dict]:
    """Advice requests asked of you and not yet answered, oldest first."""
    require_role(who, CLINICAL, "advice requests waiting for you")
    if who.clinician_id is None:
        raise HTTPException(403, "your account is not a clinician's, so no advice is asked of it")
    record(conn, AuditEntry(app.clock(), who.user_id, who.role, None, "ServiceRequest", None, "search", "allowed",
                            None, "advice requests waiting for the clinician asked"))
    return waiting_for(conn, who.clinician_id)


__all__ = ["router"]
