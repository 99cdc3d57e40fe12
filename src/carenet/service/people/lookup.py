"""Looking up the people a request names (a clinician, an account), with a clear 422 when there is none."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import HTTPException

from carenet.schema.roles import ROLES_BY_CODE as CATALOGUE
from carenet.service.people.tables import USERS
from carenet.service.store.tables import CANONICAL


def require_clinician(connection: sa.Connection, clinician_id: str, field: str) -> sa.Row:
    """The clinician ``clinician_id`` (its row of ``clinicians``), or 422 naming ``field``."""
    clinicians = CANONICAL["clinicians"]
    row = connection.execute(sa.select(clinicians).where(clinicians.c.clinician_id == clinician_id)).first()
    if row is None:
        raise HTTPException(422, f"{field}: {clinician_id!r} is not a clinician of this record")
    return row


def clinician_label(clinician_id: str, name: str | None, role: str | None) -> str:
    """How a clinician is shown to people: their name and role ('Dr Priya Shah (General practitioner)'), or their
    identifier when the record holds no name."""
    if not name:
        return clinician_id
    role_name = CATALOGUE[role].name if role in CATALOGUE else (role or "").replace("_", " ")
    return f"{name} ({role_name})" if role_name else name


def clinician_labels(connection: sa.Connection, clinician_ids=None) -> dict[str, str]:
    """clinician_id -> :func:`clinician_label`, of ``clinician_ids`` (every clinician when None)."""
    clinicians = CANONICAL["clinicians"]
    query = sa.select(clinicians.c.clinician_id, clinicians.c.name, clinicians.c.role)
    if clinician_ids is not None:
        query = query.where(clinicians.c.clinician_id.in_(sorted({c for c in clinician_ids if c})))
    return {r.clinician_id: clinician_label(r.clinician_id, r.name, r.role) for r in connection.execute(query)}


def site_names(connection: sa.Connection, site_ids) -> dict[str, str]:
    """site (practice) id -> the practice's name."""
    practices = CANONICAL["practices"]
    wanted = sorted({s for s in site_ids if s})
    return dict(connection.execute(sa.select(practices.c.practice_id, practices.c.name)
                                   .where(practices.c.practice_id.in_(wanted))).all()) if wanted else {}


def require_account(connection: sa.Connection, user_id: str, field: str) -> sa.Row:
    """The account ``user_id``, or 422 naming ``field``."""
    row = connection.execute(sa.select(USERS.c.user_id, USERS.c.role, USERS.c.patient_id, USERS.c.display_name)
                             .where(USERS.c.user_id == user_id)).first()
    if row is None:
        raise HTTPException(422, f"{field}: {user_id!r} is not an account of this service")
    return row


__all__ = ["clinician_label", "clinician_labels", "require_account", "require_clinician", "site_names"]
