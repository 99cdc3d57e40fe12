"""Routes of the record: ``/patients/{id}`` and its parts, every one behind the access guard and audited.

A clinician reading a record they have no standing relationship to may break the glass by sending
``X-Break-Glass-Reason``; the access is allowed, flagged in the audit log and listed for review.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Header, HTTPException
from pydantic import BaseModel, Field

from carenet.service.access.guard import guard
from carenet.service.access.tables import CONSENTS
from carenet.service.api import App, Connection, Who
from carenet.service.audit.fhir import audit_event
from carenet.service.audit.log import entries
from carenet.service.store.tables import CANONICAL

router = APIRouter(prefix="/patients", tags=["record"])
BreakGlass = Annotated[str | None, Header(alias="X-Break-Glass-Reason", max_length=500,
                                          description="Reason for emergency access to a record outside your care")]


def _rows(connection, table: sa.Table, patient_id: str, order: str) -> list[dict]:
    query = sa.select(table).where(table.c.patient_id == patient_id).order_by(table.c[order])
    return [dict(row._mapping) for row in connection.execute(query)]


@router.get("/{patient_id}")
def patient(patient_id: str, who: Who, app: App, conn: Connection, reason: BreakGlass = None) -> dict:
    """A patient's demographics and registration."""
    guard(conn, who, app.clock(), patient_id, "Patient", "read", resource_id=patient_id, break_glass_reason=reason)
    patients = CANONICAL["patients"]
    return dict(conn.execute(sa.select(patients).where(patients.c.patient_id == patient_id)).one()._mapping)


@router.get("/{patient_id}/conditions")
def conditions(patient_id: str, who: Who, app: App, conn: Connection, reason: BreakGlass = None) -> list[dict]:
    """A patient's coded conditions."""
    guard(conn, who, app.clock(), patient_id, "Condition", "search", break_glass_reason=reason)
    return _rows(conn, CANONICAL["conditions"], patient_id, "onset_date")


@router.get("/{patient_id}/appointments")
def appointments(patient_id: str, who: Who, app: App, conn: Connection, reason: BreakGlass = None) -> list[dict]:
    """A patient's appointments."""
    guard(conn, who, app.clock(), patient_id, "Appointment", "search", break_glass_reason=reason)
    return _rows(conn, CANONICAL["appointments"], patient_id, "booked_for")


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
    consent_id = f"C-{uuid.uuid4().hex[:16]}"
    guard(conn, who, now, patient_id, "Consent", "create", resource_id=consent_id)
    row = {"consent_id": consent_id, "patient_id": patient_id, "kind": body.kind,
           "organisation_id": body.organisation_id, "grantee_user_id": body.grantee_user_id,
           "resources": " ".join(body.resources) or None, "granted": body.granted, "recorded_at": now,
           "recorded_by": who.user_id}
    conn.execute(CONSENTS.insert().values(**row))
    return {**row, "recorded_at": now.astimezone(dt.UTC).isoformat()}


__all__ = ["router"]
