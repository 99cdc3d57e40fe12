"""Schedule and Slot: each clinician's diary (``diaries``), and its slots as the booking engine lays them out.

A Schedule is a clinician's diary over the days it covers. Slots are not rows: they are the free slots of the
live diary the booking engine keeps (:class:`~carenet.service.booking.engine.LiveNetwork`), the same ones
``GET /booking/slots`` lists; a Slot's id is its Schedule's id and its start (``ID.YYYYMMDDhhmm``).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from carenet.schema.roles import ROLES_BY_CODE
from carenet.service.fhir.model import Context, Json, ResourceType, SearchParam, instant, ref
from carenet.service.store.tables import CANONICAL
from carenet.sources.fhir.ids import fhir_id
from carenet.sources.fhir.vocabulary import ROLE_SYSTEM

_DIARIES, _CLINICIANS = CANONICAL["diaries"], CANONICAL["clinicians"]
SLOT_DAYS = 14
"""Most days of slots one search lists."""


def _schedules() -> sa.Select:
    d, c = _DIARIES, _CLINICIANS
    return (sa.select(d.c.clinician_id.label("id"), c.c.role, c.c.practice_id, sa.func.min(d.c.date).label("first"),
                      sa.func.max(d.c.date).label("last"))
            .join(c, c.c.clinician_id == d.c.clinician_id).group_by(d.c.clinician_id, c.c.role, c.c.practice_id))


def role_coding(role: str | None) -> list[Json]:
    if not role:
        return []
    return [{"coding": [{"system": ROLE_SYSTEM, "code": role, "display": ROLES_BY_CODE[role].name}]}]


def _render_schedules(_connection: sa.Connection, rows: list[Json], _context: Context) -> list[Json]:
    out = []
    for r in rows:
        schedule: Json = {"resourceType": "Schedule", "id": fhir_id("Schedule", r["id"]), "active": True,
                          "actor": [ref("Practitioner", r["id"])],
                          "planningHorizon": {"start": r["first"].isoformat(),
                                              "end": (r["last"] + dt.timedelta(days=1)).isoformat()}}
        if r["practice_id"]:
            schedule["actor"].append(ref("Organization", r["practice_id"]))
        if r["role"]:
            schedule["serviceType"] = role_coding(r["role"])
        out.append(schedule)
    return out


def slot_id(clinician_id: str, start: dt.datetime) -> str:
    return f"{fhir_id('Schedule', clinician_id)}.{start:%Y%m%d%H%M}"


def slot_resource(clinician_id: str, role: str | None, start: dt.datetime, minutes: int, status: str,
                  context: Context) -> Json:
    """A Slot of a clinician's diary (``start`` in the practices' wall-clock time)."""
    slot: Json = {"resourceType": "Slot", "id": slot_id(clinician_id, start),
                  "schedule": ref("Schedule", clinician_id), "status": status,
                  "start": instant(start, context), "end": instant(start + dt.timedelta(minutes=minutes), context)}
    if role:
        slot["serviceType"] = role_coding(role)
    return slot


SCHEDULE = ResourceType(
    "Schedule", "Each clinician's diary", _schedules, _render_schedules,
    (SearchParam("actor", "id", "reference", "Whose diary (Practitioner/ID)", target="Practitioner"),))

__all__ = ["SCHEDULE", "SLOT_DAYS", "role_coding", "slot_id", "slot_resource"]
