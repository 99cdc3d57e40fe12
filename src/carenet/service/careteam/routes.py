"""Routes of the care team: ``/patients/{id}/care-team``, behind the access guard (resource ``CareTeam``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field, model_validator

from carenet.service.access.guard import guard
from carenet.service.api import App, Connection, Who
from carenet.service.careteam.members import add_member, end_member, team

router = APIRouter(prefix="/patients", tags=["care co-ordination"])
Id = Annotated[str, Path(min_length=1, max_length=200)]


class MemberIn(BaseModel):
    clinician_id: str | None = Field(None, min_length=1, max_length=200, description="A professional member")
    user_id: str | None = Field(None, min_length=1, max_length=200,
                                description="Or the patient's own or a carer's account")
    team_role: str = Field(min_length=1, max_length=200, description="Their part in the team, e.g. district nurse")

    @model_validator(mode="after")
    def _one(self) -> MemberIn:
        if (self.clinician_id is None) == (self.user_id is None):
            raise ValueError("name exactly one of clinician_id (a professional) and user_id (the patient or a carer)")
        return self


@router.get("/{patient_id}/care-team")
def care_team(patient_id: Id, who: Who, app: App, conn: Connection) -> list[dict]:
    """The patient's care team: by the record (named clinician, panel team, key workers) and added members."""
    guard(conn, who, app.clock(), patient_id, "CareTeam", "search")
    return team(conn, patient_id)


@router.post("/{patient_id}/care-team", status_code=201)
def add_to_care_team(patient_id: Id, body: MemberIn, who: Who, app: App, conn: Connection) -> dict:
    """Add a professional, the patient or a carer to the care team; a professional added stands in the care-team
    relationship to the patient (they see and record for them)."""
    now = app.clock()
    guard(conn, who, now, patient_id, "CareTeam", "create")
    return add_member(conn, patient_id, who, now, clinician_id=body.clinician_id, user_id=body.user_id,
                      team_role=body.team_role)


@router.delete("/{patient_id}/care-team/{member_id}")
def remove_from_care_team(patient_id: Id, member_id: Id, who: Who, app: App, conn: Connection) -> dict:
    """End an added membership (the row is kept, with when and by whom it ended)."""
    now = app.clock()
    guard(conn, who, now, patient_id, "CareTeam", "delete", resource_id=member_id)
    return end_member(conn, patient_id, member_id, who, now)


__all__ = ["router"]
