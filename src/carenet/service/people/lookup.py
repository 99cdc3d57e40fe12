"""Looking up the people a request names (a clinician, an account), with a clear 422 when there is none."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import HTTPException

from carenet.service.people.tables import USERS
from carenet.service.store.tables import CANONICAL


def require_clinician(connection: sa.Connection, clinician_id: str, field: str) -> sa.Row:
    """The clinician ``clinician_id`` (its row of ``clinicians``), or 422 naming ``field``."""
    clinicians = CANONICAL["clinicians"]
    row = connection.execute(sa.select(clinicians).where(clinicians.c.clinician_id == clinician_id)).first()
    if row is None:
        raise HTTPException(422, f"{field}: {clinician_id!r} is not a clinician of this record")
    return row


def require_account(connection: sa.Connection, user_id: str, field: str) -> sa.Row:
    """The account ``user_id``, or 422 naming ``field``."""
    row = connection.execute(sa.select(USERS.c.user_id, USERS.c.role, USERS.c.patient_id, USERS.c.display_name)
                             .where(USERS.c.user_id == user_id)).first()
    if row is None:
        raise HTTPException(422, f"{field}: {user_id!r} is not an account of this service")
    return row


__all__ = ["require_account", "require_clinician"]
