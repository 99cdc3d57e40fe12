"""Task, from ``tasks``: work items between professionals (results to action, follow-ups, recalls)."""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.fhir.model import Context, Json, ResourceType, SearchParam, instant, ref
from carenet.service.fhir.resources.common import PATIENT
from carenet.service.store.tables import CANONICAL
from carenet.sources.fhir.ids import fhir_id
from carenet.sources.fhir.vocabulary import CARENET_ID_SYSTEM, CODE_SYSTEM

_TASKS = CANONICAL["tasks"]
KIND_SYSTEM = f"{CODE_SYSTEM}/task-kind"
STATUS = {"open": "requested", "done": "completed", "cancelled": "cancelled"}
"""Canonical task status -> FHIR Task.status."""
TASK_ID_SYSTEM = f"{CARENET_ID_SYSTEM}/task"


def _select() -> sa.Select:
    return sa.select(_TASKS, _TASKS.c.task_id.label("id"))


def _render(_connection: sa.Connection, rows: list[Json], context: Context) -> list[Json]:
    out = []
    for r in rows:
        task: Json = {"resourceType": "Task", "id": fhir_id("Task", r["task_id"]),
                      "identifier": [{"system": TASK_ID_SYSTEM, "value": r["task_id"]}],
                      "status": STATUS.get(r["status"], "requested"), "intent": "order",
                      "code": {"coding": [{"system": KIND_SYSTEM, "code": r["kind"]}]},
                      "authoredOn": instant(r["created_at"], context)}
        if r["patient_id"]:
            task["for"] = ref("Patient", r["patient_id"])
        if r["assigned_to"]:
            task["owner"] = ref("Practitioner", r["assigned_to"])
        if r["due_date"]:
            task["restriction"] = {"period": {"end": r["due_date"].isoformat()}}
        if r["completed_at"]:
            task["executionPeriod"] = {"start": task["authoredOn"], "end": instant(r["completed_at"], context)}
        out.append(task)
    return out


TASK = ResourceType(
    "Task", "Work items between professionals (tasks about no patient are staff's)", _select, _render,
    (PATIENT,
     SearchParam("owner", "assigned_to", "reference", "Clinician responsible (Practitioner/ID)",
                 target="Practitioner"),
     SearchParam("status", "status", "token", "requested, completed or cancelled",
                 values={fhir: canonical for canonical, fhir in STATUS.items()}),
     SearchParam("authored-on", "created_at", "date", "When raised, with ge/le/gt/lt/eq prefixes")),
    compartment=True, unowned=True)

__all__ = ["TASK"]
