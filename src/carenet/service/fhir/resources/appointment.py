"""Appointment, from ``appointments`` (the imported ones and those booked through the service)."""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.fhir.model import Context, Json, ResourceType, SearchParam, exported
from carenet.service.fhir.resources.common import PATIENT
from carenet.service.store.tables import CANONICAL
from carenet.sources.fhir.vocabulary import APPOINTMENT_STATUS_OUT

_APPOINTMENTS = CANONICAL["appointments"]


def _select() -> sa.Select:
    return sa.select(_APPOINTMENTS, _APPOINTMENTS.c.appointment_id.label("id"))


def _render(_connection: sa.Connection, rows: list[Json], context: Context) -> list[Json]:
    return exported({"appointments": rows}, context, "Appointment")


APPOINTMENT = ResourceType(
    "Appointment", "Appointments: imported, and booked through the service ($find, $book)", _select, _render,
    (PATIENT,
     SearchParam("practitioner", "clinician_id", "reference", "Whose diary (Practitioner/ID)", target="Practitioner"),
     SearchParam("date", "booked_for", "date", "Start, with ge/le/gt/lt/eq prefixes"),
     SearchParam("status", "status", "token", "booked, fulfilled, noshow or cancelled",
                 values={fhir: canonical for canonical, fhir in APPOINTMENT_STATUS_OUT.items()})),
    compartment=True)

__all__ = ["APPOINTMENT"]
