"""Practitioner and PractitionerRole, from ``clinicians`` (one role each: their role, practice and FTE)."""

from __future__ import annotations

import sqlalchemy as sa

from carenet.schema.roles import ROLE_CODES
from carenet.service.fhir.model import Context, Json, ResourceType, SearchParam, exported
from carenet.service.store.tables import CANONICAL

_CLINICIANS = CANONICAL["clinicians"]


def _select() -> sa.Select:
    return sa.select(_CLINICIANS, _CLINICIANS.c.clinician_id.label("id"))


def _practitioners(_connection: sa.Connection, rows: list[Json], context: Context) -> list[Json]:
    return exported({"clinicians": rows}, context, "Practitioner")


def _roles(_connection: sa.Connection, rows: list[Json], context: Context) -> list[Json]:
    return exported({"clinicians": rows}, context, "PractitionerRole")


PRACTITIONER = ResourceType(
    "Practitioner", "Everyone who holds a diary", _select, _practitioners,
    (SearchParam("name", "name", "string", "Name starts with (any case)"),))
PRACTITIONER_ROLE = ResourceType(
    "PractitionerRole", "Each clinician's role, practice and working time", _select, _roles,
    (SearchParam("practitioner", "clinician_id", "reference", "The practitioner (Practitioner/ID)",
                 target="Practitioner"),
     SearchParam("organization", "practice_id", "reference", "Employing practice (Organization/ID)",
                 target="Organization"),
     SearchParam("role", "role", "token", "Role code of carenet's role catalogue",
                 values={code: code for code in ROLE_CODES})))

__all__ = ["PRACTITIONER", "PRACTITIONER_ROLE"]
