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
from carenet.service.careplans.versions import plans_of
from carenet.service.careteam.members import team as care_team
from carenet.service.people.tables import USERS
from carenet.service.store.rows import plain
from carenet.service.store.tables import CANONICAL

PARTS = {"conditions": ("Condition", "onset_date"), "appointments": ("Appointment", "booked_for"),
         "care_plans": ("CarePlan", "created_date")}
"""Record parts listed by patient: (resource type guarded, column ordered by)."""


def rows(connection, table: sa.Table, patient_id: str, order: str) -> list[dict]:
    query = sa.select(table).where(table.c.patient_id == patient_id).order_by(table.c[order])
    return [plain(row) for row in connection.execute(query)]


def demographics(conn, who: Principal, now: dt.datetime, patient_id: str, reason: str | None = None) -> dict:
    """The patient's demographics and registration (guarded read of Patient)."""
    guard(conn, who, now, patient_id, "Patient", "read", resource_id=patient_id, break_glass_reason=reason)
    patients = CANONICAL["patients"]
    return plain(conn.execute(sa.select(patients).where(patients.c.patient_id == patient_id)).one())


def part(conn, who: Principal, now: dt.datetime, patient_id: str, name: str, reason: str | None = None) -> list[dict]:
    """One listed part of the record (:data:`PARTS`), guarded as a search of its resource type."""
    resource, order = PARTS[name]
    guard(conn, who, now, patient_id, resource, "search", break_glass_reason=reason)
    if name == "care_plans":
        return plans_of(conn, patient_id)
    return rows(conn, CANONICAL[name], patient_id, order)


def team(conn, who: Principal, now: dt.datetime, patient_id: str, reason: str | None = None) -> dict:
    """The patient's care team (guarded read of CareTeam): its members with their names, and the panel's team."""
    guard(conn, who, now, patient_id, "CareTeam", "read", resource_id=patient_id, break_glass_reason=reason)
    panels, teams, clinicians = CANONICAL["panels"], CANONICAL["teams"], CANONICAL["clinicians"]
    panel = conn.execute(sa.select(panels.c.team_id).where(panels.c.patient_id == patient_id)
                         .order_by(panels.c.start_date.desc())).first()
    team_row = conn.execute(sa.select(teams).where(teams.c.team_id == panel.team_id)).first() \
        if panel is not None and panel.team_id else None
    members = care_team(conn, patient_id)
    ids = [m["clinician_id"] for m in members if m.get("clinician_id")]
    names = dict(conn.execute(sa.select(clinicians.c.clinician_id, clinicians.c.name)
                              .where(clinicians.c.clinician_id.in_(ids))).all()) if ids else {}
    accounts = [m["user_id"] for m in members if m.get("user_id")]
    people = dict(conn.execute(sa.select(USERS.c.user_id, USERS.c.display_name).where(USERS.c.user_id.in_(accounts))
                               ).all()) if accounts else {}
    for m in members:
        m["name"] = names.get(m.get("clinician_id")) or people.get(m.get("user_id")) or m.get("clinician_id") \
            or m.get("user_id")
    return {"team": plain(team_row) if team_row else None, "members": members}


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
    return [plain(r) for r in conn.execute(sa.select(CONSENTS).where(CONSENTS.c.patient_id == patient_id)
                                                   .order_by(CONSENTS.c.recorded_at.desc()))]


__all__ = ["PARTS", "consents", "demographics", "part", "record_consent", "rows", "team"]
