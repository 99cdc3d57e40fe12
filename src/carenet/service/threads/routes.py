"""Routes of the team thread: ``/patients/{id}/thread``, behind the access guard (resource ``Communication``).

The care team writes to it, as do the patient and, when the patient shares the thread with them (a carer consent
listing ``Communication``), their carers; staff of another practice reading a shared record read it only.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, Field

from carenet.service.access.guard import guard
from carenet.service.api import App, Connection, Who
from carenet.service.threads.tables import THREAD_MESSAGES

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
    messages = THREAD_MESSAGES
    return [dict(r._mapping) for r in conn.execute(sa.select(messages).where(messages.c.patient_id == patient_id)
                                                  .order_by(messages.c.sent_at, messages.c.message_id))]


@router.post("/{patient_id}/thread", status_code=201)
def write(patient_id: Id, body: MessageIn, who: Who, app: App, conn: Connection) -> dict:
    """Write to the patient's team thread."""
    if not body.body.strip():
        raise HTTPException(422, "body: the message is blank")
    now = app.clock()
    message_id = f"MSG-{uuid.uuid4().hex[:16]}"
    guard(conn, who, now, patient_id, "Communication", "create", resource_id=message_id)
    row = {"message_id": message_id, "patient_id": patient_id, "author_id": who.user_id, "author_role": who.role,
           "body": body.body, "sent_at": now}
    conn.execute(THREAD_MESSAGES.insert().values(**row))
    return row


__all__ = ["router"]
