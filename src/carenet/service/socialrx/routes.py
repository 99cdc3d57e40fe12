"""Routes of social prescribing: the community directory (``/community-services``) and each patient's social
prescriptions (``/patients/{id}/social-prescriptions``, behind the access guard as ``ServiceRequest``; making them
and recording their steps is for clinicians, link workers first)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, Field

from carenet.service.access.guard import guard
from carenet.service.access.policies import CLINICAL
from carenet.service.api import App, Connection, Who, require_role
from carenet.service.socialrx.directory import directory
from carenet.service.socialrx.loop import STEPS, new_prescription_id, prescribe, prescriptions, record_step
from carenet.service.store.tables import CANONICAL

router = APIRouter(tags=["care co-ordination"])
Id = Annotated[str, Path(min_length=1, max_length=200)]
Step = Literal[STEPS]  # type: ignore[valid-type]
CATEGORY = r"^[a-z][a-z_]{0,39}$"
DIRECTORY_EDITORS = ("link_worker", "care_coordinator", "network_admin")
NOTE = 2000
"""Longest note (characters)."""
MAX_CAPACITY = 100_000
"""Largest weekly capacity the canonical schema accepts (community_services.weekly_capacity)."""


class ServiceIn(BaseModel):
    service_id: str | None = Field(None, min_length=1, max_length=200, description="Default: a new identifier")
    name: str = Field(min_length=1, max_length=200)
    category: str = Field(pattern=CATEGORY, description="e.g. befriending, exercise, debt_advice, arts, peer_support")
    network_id: str | None = Field(None, min_length=1, max_length=200)
    weekly_capacity: int | None = Field(None, ge=0, le=MAX_CAPACITY, description="New people it takes a week")


class PrescriptionIn(BaseModel):
    service_id: str = Field(min_length=1, max_length=200, description="A service of the community directory")
    note: str | None = Field(None, max_length=NOTE)


class StepIn(BaseModel):
    state: Step
    snomed_code: str | None = Field(None, min_length=1, max_length=18, description="SNOMED CT concept id (an outcome "
                                    "needs one; declined defaults to 871711000000103)")
    snomed_term: str | None = Field(None, min_length=1, max_length=255)
    note: str | None = Field(None, max_length=NOTE)


@router.get("/community-services")
def community_services(who: Who, app: App, conn: Connection,
                       category: Annotated[str | None, Query(pattern=CATEGORY)] = None) -> list[dict]:
    """The community directory, with each service's referrals this week and room left."""
    return directory(conn, app.settings.wall_clock(app.clock()), category)


@router.post("/community-services", status_code=201)
def add_community_service(body: ServiceIn, who: Who, conn: Connection) -> dict:
    """List a service in the community directory (link workers, care co-ordinators, network administrators)."""
    require_role(who, DIRECTORY_EDITORS, "editing the community directory")
    services = CANONICAL["community_services"]
    row = body.model_dump() | {"service_id": body.service_id or f"CS-{uuid.uuid4().hex[:12]}"}
    if conn.execute(sa.select(services.c.service_id).where(services.c.service_id == row["service_id"])).first():
        raise HTTPException(409, f"the directory already lists a service {row['service_id']!r}")
    if row["network_id"] is not None and conn.execute(sa.select(CANONICAL["networks"].c.network_id).where(
            CANONICAL["networks"].c.network_id == row["network_id"])).first() is None:
        raise HTTPException(422, f"network_id: {row['network_id']!r} is not a network of this record")
    conn.execute(services.insert().values(**row))
    return row


@router.post("/patients/{patient_id}/social-prescriptions", status_code=201)
def make_social_prescription(patient_id: Id, body: PrescriptionIn, who: Who, app: App, conn: Connection) -> dict:
    """Refer the patient to a community service: 409 when it is at its weekly capacity, naming services of the same
    category with room."""
    now = app.clock()
    prescription_id = new_prescription_id()
    guard(conn, who, now, patient_id, "ServiceRequest", "create", resource_id=prescription_id, roles=CLINICAL,
          what="social prescribing")
    return prescribe(conn, prescription_id, patient_id, body.service_id, who, now, app.settings, body.note)


@router.post("/patients/{patient_id}/social-prescriptions/{prescription_id}/steps", status_code=201)
def record_social_prescription_step(patient_id: Id, prescription_id: Id, body: StepIn, who: Who, app: App,
                                    conn: Connection) -> dict:
    """Record the next step of the loop: accepted, declined, attended, did_not_attend, outcome_recorded (with a
    SNOMED CT concept)."""
    now = app.clock()
    guard(conn, who, now, patient_id, "ServiceRequest", "update", resource_id=prescription_id, roles=CLINICAL,
          what="recording a social prescription's progress")
    return record_step(conn, patient_id, prescription_id, body.state, who, now, snomed_code=body.snomed_code,
                       snomed_term=body.snomed_term, note=body.note)


@router.get("/patients/{patient_id}/social-prescriptions")
def social_prescriptions(patient_id: Id, who: Who, app: App, conn: Connection) -> list[dict]:
    """The patient's social prescriptions, each with its state and every step of its loop."""
    guard(conn, who, app.clock(), patient_id, "ServiceRequest", "search")
    return prescriptions(conn, patient_id)


__all__ = ["router"]
