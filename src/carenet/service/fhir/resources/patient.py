"""Patient, from ``patients`` with their registration spans (``registrations``)."""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.fhir.model import Context, Json, ResourceType, SearchParam, exported, rows_of
from carenet.service.store.tables import CANONICAL

_PATIENTS = CANONICAL["patients"]


def _select() -> sa.Select:
    return sa.select(_PATIENTS, _PATIENTS.c.patient_id.label("id"))


def _render(connection: sa.Connection, rows: list[Json], context: Context) -> list[Json]:
    registrations = rows_of(connection, CANONICAL["registrations"], "patient_id", (r["patient_id"] for r in rows))
    return exported({"patients": rows, "registrations": registrations}, context, "Patient")


PATIENT = ResourceType(
    "Patient", "Registered patients: demographics and registration", _select, _render,
    (SearchParam("identifier", "nhs_number", "token", "NHS number (https://fhir.nhs.uk/Id/nhs-number|NUMBER)"),
     SearchParam("gender", "sex", "token", "female, male, other or unknown",
                 values={"female": "female", "male": "male", "other": "other", "unknown": "unknown"}),
     SearchParam("birthdate", "birth_date", "date", "Date of birth"),
     SearchParam("general-practitioner", "practice_id", "reference", "Registered practice (Organization/ID)",
                 target="Organization")),
    compartment=True)

__all__ = ["PATIENT"]
