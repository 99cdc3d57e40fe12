"""Routes of tasks: ``/patients/{id}/tasks``, behind the access guard (resource ``Task``: professionals' work,
not shown to patients and carers); ``/tasks/mine`` lists the open tasks you own."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, Field

from carenet.service.access.guard import guard
from carenet.service.access.policies import CLINICAL
from carenet.service.api import App, Connection, Who, require_role
from carenet.service.audit.log import AuditEntry, record
from carenet.service.tasks.work import close_task, new_task_id, owned_by, raise_task, tasks_of

router = APIRouter(tags=["care co-ordination"])
Id = Annotated[str, Path(min_length=1, max_length=200)]


class TaskIn(BaseModel):
    title: str = Field(min_length=1, max_length=500, description="What is to be done")
    kind: str = Field("follow_up", pattern=r"^[a-z][a-z_]{0,39}$",
                      description="What sort of task: follow_up, results, recall, discharge (a discharge summary to "
                                  "follow up), ...")
    assigned_to: str = Field(min_length=1, max_length=200, description="The clinician who owns it")
    due_date: dt.date | None = None


class CloseIn(BaseModel):
    status: Literal["done", "cancelled"] = "done"


@router.post("/patients/{patient_id}/tasks", status_code=201)
def make_task(patient_id: Id, body: TaskIn, who: Who, app: App, conn: Connection) -> dict:
    """Raise a task about the patient, owned by a clinician, with a due date."""
    now = app.clock()
    task_id = new_task_id()
    guard(conn, who, now, patient_id, "Task", "create", resource_id=task_id)
    return raise_task(conn, task_id, patient_id, who, now, app.settings, title=body.title, kind=body.kind,
                      assigned_to=body.assigned_to, due_date=body.due_date)


@router.get("/patients/{patient_id}/tasks")
def list_tasks(patient_id: Id, who: Who, app: App, conn: Connection) -> list[dict]:
    """The patient's tasks, open first by due date."""
    guard(conn, who, app.clock(), patient_id, "Task", "search")
    return tasks_of(conn, patient_id)


@router.post("/patients/{patient_id}/tasks/{task_id}/close")
def close(patient_id: Id, task_id: Id, body: CloseIn, who: Who, app: App, conn: Connection) -> dict:
    """Mark a task done (its completion time is recorded) or cancelled."""
    now = app.clock()
    guard(conn, who, now, patient_id, "Task", "update", resource_id=task_id)
    return close_task(conn, patient_id, task_id, body.status, who, now, app.settings)


@router.get("/tasks/mine")
def my_tasks(who: Who, app: App, conn: Connection) -> list[dict]:
    """Open tasks you own, soonest due first."""
    require_role(who, CLINICAL, "a task list")
    if who.clinician_id is None:
        raise HTTPException(403, "your account is not a clinician's, so it owns no tasks")
    record(conn, AuditEntry(app.clock(), who.user_id, who.role, None, "Task", None, "search", "allowed", None,
                            "open tasks owned by the clinician"))
    return owned_by(conn, who.clinician_id)


__all__ = ["router"]
