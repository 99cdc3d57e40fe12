"""Reading and writing the parts of a patient's record, each behind the access guard (and so audited).

The record's JSON routes and its screens (clinician, patient portal, carer) call these, so a part is read
the same way, under the same policy, wherever it is shown.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from carenet.service.access.guard import guard
from carenet.service.access.tables import CONSENTS
from carenet.service.auth.login import Principal
from carenet.service.store.tables import CANONICAL

PARTS = {"conditions": ("Condition", "onset_date"), "appointments": ("Appointment", "booked_for"),
         "care_plans": ("CarePlan", "created_date")}
"""Record parts listed by patient: (resource type guarded, column ordered by)."""


def rows(connection, table: sa.Table, patient_id: str, order: str) -> list[dict]:
    query = sa.select(table).where(table.c.patient_id == patient_id).order_by(table.c[order])
    return [dict(row._mapping) for row in connection.execute(query)]


def demographics(conn, who: Principal, now: dt.datetime, patient_id: str, reason: str | None = None) -> dict:
    """The patient's demographics and registration (guarded read of Patient)."""
    guard(conn, who, now, patient_id, "Patient", "read", resource_id=patient_id, break_glass_reason=reason)
    patients = CANONICAL["patients"]
    return dict(conn.execute(sa.select(patients).where(patients.c.patient_id == patient_id)).one()._mapping)


def part(conn, who: Principal, now: dt.datetime, patient_id: str, name: str, reason: str | None = None) -> list[dict]:
    """One listed part of the record (:data:`PARTS`), guarded as a search of its resource type."""
    resource, order = PARTS[name]
    guard(conn, who, now, patient_id, resource, "search", break_glass_reason=reason)
    return rows(conn, CANONICAL[name], patient_id, order)


def team(conn, who: Principal, now: dt.datetime, patient_id: str, reason: str | None = None) -> dict:
    """The patient's care team (guarded read of CareTeam): named clinician, team and members, key workers."""
    guard(conn, who, now, patient_id, "CareTeam", "read", resource_id=patient_id, break_glass_reason=reason)
    panels, teams, members = CANONICAL["panels"], CANONICAL["teams"], CANONICAL["team_members"]
    clinicians, plans = CANONICAL["clinicians"], CANONICAL["care_plans"]
    panel = conn.execute(sa.select(panels).where(panels.c.patient_id == patient_id)
                         .order_by(panels.c.start_date.desc())).first()

    def person(clinician_id):
        row = conn.execute(sa.select(clinicians.c.clinician_id, clinicians.c.name, clinicians.c.role,
                                     clinicians.c.practice_id).where(clinicians.c.clinician_id == clinician_id)
                           ).first()
        return dict(row._mapping) if row is not None else {"clinician_id": clinician_id, "name": clinician_id,
                                                           "role": None, "practice_id": None}

    named = person(panel.clinician_id) if panel is not None and panel.clinician_id else None
    team_row = conn.execute(sa.select(teams).where(teams.c.team_id == panel.team_id)).first() \
        if panel is not None and panel.team_id else None
    people = [person(c) for c in conn.execute(sa.select(members.c.clinician_id).where(
        members.c.team_id == team_row.team_id).order_by(members.c.clinician_id)).scalars()] if team_row else []
    workers = [person(c) for c in conn.execute(sa.select(plans.c.key_worker_id).distinct().where(
        plans.c.patient_id == patient_id, plans.c.status == "active", plans.c.key_worker_id.is_not(None))).scalars()]
    return {"named": named, "team": dict(team_row._mapping) if team_row else None, "members": people,
            "key_workers": workers}


def record_consent(conn, who: Principal, now: dt.datetime, patient_id: str, kind: str, granted: bool, *,
                   organisation_id: str | None = None, grantee_user_id: str | None = None,
                   resources: list[str] | tuple[str, ...] = ()) -> dict:
    """Give or withdraw a consent (guarded create of Consent); the row written."""
    consent_id = f"C-{uuid.uuid4().hex[:16]}"
    guard(conn, who, now, patient_id, "Consent", "create", resource_id=consent_id)
    row = {"consent_id": consent_id, "patient_id": patient_id, "kind": kind, "organisation_id": organisation_id,
           "grantee_user_id": grantee_user_id, "resources": " ".join(resources) or None, "granted": granted,
           "recorded_at": now, "recorded_by": who.user_id}
    conn.execute(CONSENTS.insert().values(**row))
    return row


def consents(conn, who: Principal, now: dt.datetime, patient_id: str) -> list[dict]:
    """The patient's consents, newest first (guarded search of Consent)."""
    guard(conn, who, now, patient_id, "Consent", "search")
    return [dict(r._mapping) for r in conn.execute(sa.select(CONSENTS).where(CONSENTS.c.patient_id == patient_id)
                                                   .order_by(CONSENTS.c.recorded_at.desc()))]


def save_care_plan(conn, who: Principal, now: dt.datetime, today: dt.date, patient_id: str, *,
                   key_worker_id: str | None, review_date: dt.date | None, goals: list[str],
                   goals_patient_set: bool) -> dict:
    """Create the patient's care plan, or update their active one (guarded write of CarePlan); the row."""
    plans = CANONICAL["care_plans"]
    active = conn.execute(sa.select(plans.c.care_plan_id).where(
        plans.c.patient_id == patient_id, plans.c.status == "active").order_by(plans.c.created_date.desc())).first()
    values = {"key_worker_id": key_worker_id, "review_date": review_date, "goals": goals or None,
              "goals_patient_set": goals_patient_set}
    if active is None:
        plan_id = f"CP-{uuid.uuid4().hex[:16]}"
        guard(conn, who, now, patient_id, "CarePlan", "create", resource_id=plan_id)
        row = {"care_plan_id": plan_id, "patient_id": patient_id, "status": "active", "created_date": today,
               **values}
        conn.execute(plans.insert().values(**row))
        return row
    guard(conn, who, now, patient_id, "CarePlan", "update", resource_id=active.care_plan_id)
    conn.execute(plans.update().where(plans.c.care_plan_id == active.care_plan_id).values(**values))
    return {"care_plan_id": active.care_plan_id, "patient_id": patient_id, **values}


__all__ = ["PARTS", "consents", "demographics", "part", "record_consent", "rows", "save_care_plan", "team"]
