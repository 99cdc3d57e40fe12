"""Who is on a patient's care team, and adding and ending a membership.

The team is what the record says (the named clinician and the team holding the patient's panel, the key workers of
their live care plans) and the members added here; the access policies read the same facts
(:func:`carenet.service.access.decide.gather`), so adding a clinician lets them see and record for the patient.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from fastapi import HTTPException

from carenet.service.auth.login import Principal
from carenet.service.careteam.tables import CARE_TEAM_MEMBERS
from carenet.service.people.lookup import require_account, require_clinician
from carenet.service.store.rows import plain
from carenet.service.store.tables import CANONICAL

LIVE_PLAN_STATUSES = ("draft", "active")
"""Statuses of care plans whose key worker is on the team (as the access policies count them)."""


def _clinician_rows(connection: sa.Connection, patient_id: str) -> list[dict]:
    panels, members, plans = CANONICAL["panels"], CANONICAL["team_members"], CANONICAL["care_plans"]
    clinicians = CANONICAL["clinicians"]
    out: dict[str, dict] = {}

    def add(clinician_id: str | None, how: str) -> None:
        if clinician_id is not None and clinician_id not in out:
            out[clinician_id] = {"clinician_id": clinician_id, "user_id": None, "team_role": how, "source": "record",
                                 "member_id": None}

    for row in connection.execute(sa.select(panels.c.clinician_id).where(panels.c.patient_id == patient_id)):
        add(row.clinician_id, "named clinician")
    for row in connection.execute(sa.select(members.c.clinician_id).join(panels, panels.c.team_id == members.c.team_id)
                                  .where(panels.c.patient_id == patient_id)):
        add(row.clinician_id, "member of the team holding the patient's panel")
    for row in connection.execute(sa.select(plans.c.key_worker_id).where(
            plans.c.patient_id == patient_id, plans.c.status.in_(LIVE_PLAN_STATUSES))):
        add(row.key_worker_id, "key worker of a care plan")
    roles = dict(connection.execute(sa.select(clinicians.c.clinician_id, clinicians.c.role)
                                    .where(clinicians.c.clinician_id.in_(list(out)))).all()) if out else {}
    for row in out.values():
        row["role"] = roles.get(row["clinician_id"])
    return list(out.values())


def team(connection: sa.Connection, patient_id: str) -> list[dict]:
    """The patient's care team: members by the record first, then those added (with when and by whom)."""
    added = CARE_TEAM_MEMBERS
    rows = [plain(r) for r in connection.execute(
        sa.select(added).where(added.c.patient_id == patient_id, added.c.ended_at.is_(None))
        .order_by(added.c.added_at, added.c.member_id))]
    return _clinician_rows(connection, patient_id) + [{**r, "source": "added"} for r in rows]


def add_member(connection: sa.Connection, patient_id: str, who: Principal, now: dt.datetime, *,
               clinician_id: str | None, user_id: str | None, team_role: str) -> dict:
    """Add a clinician, or the patient's or a carer's account, to the patient's care team (409 if already on it)."""
    added = CARE_TEAM_MEMBERS
    if clinician_id is not None:
        require_clinician(connection, clinician_id, "clinician_id")
        same = added.c.clinician_id == clinician_id
    else:
        account = require_account(connection, user_id, "user_id")
        if account.role not in ("patient", "carer") or account.patient_id != patient_id:
            raise HTTPException(422, f"user_id: {user_id!r} is not this patient's own or a carer's account (staff "
                                     "join the team by their clinician_id)")
        same = added.c.user_id == user_id
    existing = connection.execute(sa.select(added.c.member_id).where(
        added.c.patient_id == patient_id, same, added.c.ended_at.is_(None))).first()
    if existing is not None:
        raise HTTPException(409, f"{clinician_id or user_id} is already on this patient's care team "
                                 f"(membership {existing.member_id})")
    row = {"member_id": f"M-{uuid.uuid4().hex[:16]}", "patient_id": patient_id, "clinician_id": clinician_id,
           "user_id": user_id, "team_role": team_role, "added_at": now, "added_by": who.user_id,
           "ended_at": None, "ended_by": None}
    connection.execute(added.insert().values(**row))
    return row


def end_member(connection: sa.Connection, patient_id: str, member_id: str, who: Principal, now: dt.datetime) -> dict:
    """End a membership added to the team (404 if there is none, 409 if it has ended)."""
    added = CARE_TEAM_MEMBERS
    row = connection.execute(sa.select(added).where(added.c.member_id == member_id,
                                                    added.c.patient_id == patient_id)).first()
    if row is None:
        raise HTTPException(404, f"no care team membership {member_id!r} for this patient (members by the record - "
                                 "named clinician, panel team, key worker - change with the record itself)")
    if row.ended_at is not None:
        raise HTTPException(409, f"membership {member_id!r} already ended")
    connection.execute(added.update().where(added.c.member_id == member_id).values(ended_at=now, ended_by=who.user_id))
    return {**plain(row), "ended_at": now, "ended_by": who.user_id}


__all__ = ["LIVE_PLAN_STATUSES", "add_member", "end_member", "team"]
