"""Routes of the record: ``/patients/{id}`` and its parts, every one behind the access guard and audited.

A clinician reading a record they have no standing relationship to may break the glass by sending
``X-Break-Glass-Reason``; the access is allowed, flagged in the audit log and listed for review.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Header, HTTPException
from pydantic import BaseModel, Field

from carenet.service.access.guard import guard
from carenet.service.api import App, Connection, Who
from carenet.service.audit.fhir import audit_event
from carenet.service.audit.log import entries
from carenet.service.record import read

router = APIRouter(prefix="/patients", tags=["record"])
BreakGlass = Annotated[str | None, Header(alias="X-Break-Glass-Reason", max_length=500,
                                          description="Reason for emergency access to a record outside your care")]


@router.get("/{patient_id}")
def patient(patient_id: str, who: Who, app: App, conn: Connection, reason: BreakGlass = None) -> dict:
    """A patient's demographics and registration."""
    return read.demographics(conn, who, app.clock(), patient_id, reason)


@router.get("/{patient_id}/conditions")
def conditions(patient_id: str, who: Who, app: App, conn: Connection, reason: BreakGlass = None) -> list[dict]:
    """A patient's coded conditions."""
    return read.part(conn, who, app.clock(), patient_id, "conditions", reason)


@router.get("/{patient_id}/appointments")
def appointments(patient_id: str, who: Who, app: App, conn: Connection, reason: BreakGlass = None) -> list[dict]:
    """A patient's appointments."""
    return read.part(conn, who, app.clock(), patient_id, "appointments", reason)


@router.get("/{patient_id}/access-log")
def access_log(patient_id: str, who: Who, app: App, conn: Connection) -> list[dict]:
    """Who read or changed this patient's record, as FHIR AuditEvents (a patient sees their own)."""
    guard(conn, who, app.clock(), patient_id, "AuditEvent", "search")
    return [audit_event(seq, entry) for seq, entry in entries(conn, patient_id=patient_id)]


class ConsentIn(BaseModel):
    kind: Literal["share_out", "share_in", "carer"]
    granted: bool
    organisation_id: str | None = Field(None, description="share_in: the practice or network")
    grantee_user_id: str | None = Field(None, description="carer: the carer's account")
    resources: list[str] = Field(default_factory=list, description="carer: resource types shared, e.g. Appointment")


@router.post("/{patient_id}/consents", status_code=201)
def record_consent(patient_id: str, body: ConsentIn, who: Who, app: App, conn: Connection) -> dict:
    """Give or withdraw a consent (the patient, or their practice recording it)."""
    if body.kind == "share_in" and not body.organisation_id:
        raise HTTPException(422, "a share_in consent names the organisation_id (practice or network) it lets in")
    if body.kind == "carer" and not body.grantee_user_id:
        raise HTTPException(422, "a carer consent names the carer's account (grantee_user_id)")
    now = app.clock()
    row = read.record_consent(conn, who, now, patient_id, body.kind, body.granted,
                              organisation_id=body.organisation_id, grantee_user_id=body.grantee_user_id,
                              resources=body.resources)
    return {**row, "recorded_at": now.astimezone(dt.UTC).isoformat()}


__all__ = ["router"]
