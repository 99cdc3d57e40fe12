"""A patient's team thread: reading it and writing to it (the routes and the screens guard each call first)."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from carenet.service.auth.login import Principal
from carenet.service.store.rows import plain
from carenet.service.threads.tables import THREAD_MESSAGES


def new_message_id() -> str:
    return f"MSG-{uuid.uuid4().hex[:16]}"


def messages(connection: sa.Connection, patient_id: str) -> list[dict]:
    """The patient's team thread, oldest first."""
    m = THREAD_MESSAGES
    return [plain(r) for r in connection.execute(sa.select(m).where(m.c.patient_id == patient_id)
                                                         .order_by(m.c.sent_at, m.c.message_id))]


def post(connection: sa.Connection, message_id: str, patient_id: str, who: Principal, now: dt.datetime,
         body: str) -> dict:
    """Write ``body`` to the patient's team thread as ``who``."""
    row = {"message_id": message_id, "patient_id": patient_id, "author_id": who.user_id, "author_role": who.role,
           "body": body, "sent_at": now}
    connection.execute(THREAD_MESSAGES.insert().values(**row))
    return row


__all__ = ["messages", "new_message_id", "post"]
