"""Routes of the team thread: ``/patients/{id}/thread``, behind the access guard (resource ``Communication``).

The care team writes to it, as do the patient and, when the patient shares the thread with them (a carer consent
listing ``Communication``), their carers; staff of another practice reading a shared record read it only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, Field

from carenet.service.access.guard import guard
from carenet.service.api import App, Connection, Who
from carenet.service.threads.messages import messages, new_message_id, post

router = APIRouter(prefix="/patients", tags=["care co-ordination"])
Id = Annotated[str, Path(min_length=1, max_length=200)]
MESSAGE = 4000
"""Longest message (characters)."""


class MessageIn(BaseModel):
    body: str = Field(min_length=1, max_length=MESSAGE, description="The message")


@router.get("/{patient_id}/thread")
def thread(patient_id: Id, who: Who, app: App, conn: Connection) -> list[dict]:
    """The patient's team thread, oldest first."""
    guard(conn, who, app.clock(), patient_id, "Communication", "search")
    return messages(conn, patient_id)


@router.post("/{patient_id}/thread", status_code=201)
def write(patient_id: Id, body: MessageIn, who: Who, app: App, conn: Connection) -> dict:
    """Write to the patient's team thread."""
    if not body.body.strip():
        raise HTTPException(422, "body: the message is blank")
    now = app.clock()
    message_id = new_message_id()
    guard(conn, who, now, patient_id, "Communication", "create", resource_id=message_id)
    return post(conn, message_id, patient_id, who, now, body.body)


__all__ = ["router"]
