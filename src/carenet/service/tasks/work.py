"""Tasks between professionals: raised with an owner and a due date, closed as done or cancelled. Each is a
canonical ``tasks`` row (what the scorecard reads, e.g. follow-up after discharge: kind ``discharge``)."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from fastapi import HTTPException

from carenet.service.auth.login import Principal
from carenet.service.people.lookup import require_clinician
from carenet.service.settings import ServiceSettings
from carenet.service.store.rows import plain
from carenet.service.store.tables import CANONICAL
from carenet.service.tasks.tables import TASK_NOTES

OPEN = "open"


def new_task_id() -> str:
    return f"T-{uuid.uuid4().hex[:16]}"


def _query():
    tasks = CANONICAL["tasks"]
    return (sa.select(tasks, TASK_NOTES.c.title, TASK_NOTES.c.raised_by, TASK_NOTES.c.closed_by)
            .outerjoin(TASK_NOTES, TASK_NOTES.c.task_id == tasks.c.task_id))


def raise_task(connection: sa.Connection, task_id: str, patient_id: str, who: Principal, now: dt.datetime,
               settings: ServiceSettings, *, title: str, kind: str, assigned_to: str, due_date: dt.date | None) -> dict:
    """Raise a task about the patient for ``assigned_to`` (its owner)."""
    require_clinician(connection, assigned_to, "assigned_to")
    created = settings.wall_clock(now)
    if due_date is not None and due_date < created.date():
        raise HTTPException(422, f"due_date {due_date} is in the past (today is {created.date()})")
    row = {"task_id": task_id, "patient_id": patient_id, "assigned_to": assigned_to, "kind": kind,
           "created_at": created, "due_date": due_date, "completed_at": None, "status": OPEN}
    connection.execute(CANONICAL["tasks"].insert().values(**row))
    connection.execute(TASK_NOTES.insert().values(task_id=task_id, title=title, raised_by=who.user_id))
    return {**row, "title": title, "raised_by": who.user_id, "closed_by": None}


def close_task(connection: sa.Connection, patient_id: str, task_id: str, status: str, who: Principal,
               now: dt.datetime, settings: ServiceSettings) -> dict:
    """Mark an open task done or cancelled (409 if it is closed already)."""
    tasks = CANONICAL["tasks"]
    row = connection.execute(_query().where(tasks.c.task_id == task_id, tasks.c.patient_id == patient_id)
                             .with_for_update(of=tasks)).first()
    if row is None:
        raise HTTPException(404, f"this patient has no task {task_id!r}")
    if row.status != OPEN:
        raise HTTPException(409, f"task {task_id} is {row.status} already")
    completed = settings.wall_clock(now) if status == "done" else None
    connection.execute(tasks.update().where(tasks.c.task_id == task_id).values(status=status, completed_at=completed))
    closed = connection.execute(TASK_NOTES.update().where(TASK_NOTES.c.task_id == task_id)
                                .values(closed_by=who.user_id)).rowcount
    if not closed:  # a task loaded with a dataset: its words were never recorded here
        connection.execute(TASK_NOTES.insert().values(task_id=task_id, title=row.kind, raised_by=who.user_id,
                                                      closed_by=who.user_id))
    return {**plain(row), "status": status, "completed_at": completed, "closed_by": who.user_id}


def tasks_of(connection: sa.Connection, patient_id: str) -> list[dict]:
    """The patient's tasks: open ones first by due date, then the closed."""
    tasks = CANONICAL["tasks"]
    rows = connection.execute(_query().where(tasks.c.patient_id == patient_id).order_by(
        (tasks.c.status != OPEN), tasks.c.due_date.is_(None), tasks.c.due_date, tasks.c.created_at, tasks.c.task_id))
    return [plain(r) for r in rows]


def owned_by(connection: sa.Connection, clinician_id: str) -> list[dict]:
    """Open tasks owned by ``clinician_id``, soonest due first (no due date last)."""
    tasks = CANONICAL["tasks"]
    rows = connection.execute(_query().where(tasks.c.assigned_to == clinician_id, tasks.c.status == OPEN).order_by(
        tasks.c.due_date.is_(None), tasks.c.due_date, tasks.c.created_at, tasks.c.task_id))
    return [plain(r) for r in rows]


__all__ = ["close_task", "new_task_id", "owned_by", "raise_task", "tasks_of"]
