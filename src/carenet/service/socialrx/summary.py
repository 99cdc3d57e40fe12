"""The social-prescribing loop in aggregate: for each community service, its referrals by where each stands now
(counts of the practices' patients, no patient named), with take-up."""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.socialrx.loop import EVENTS, NEXT
from carenet.service.store.tables import CANONICAL

STATES = tuple(NEXT)
"""The loop's states, in order."""


def loop_summary(connection: sa.Connection, practice_ids: list[str]) -> list[dict]:
    """One row per service with referrals from the practices: counts by current state, and take-up (attended of
    those decided)."""
    sp, services, patients = CANONICAL["social_prescriptions"], CANONICAL["community_services"], CANONICAL["patients"]
    latest = sa.select(EVENTS.c.social_prescription_id, sa.func.max(EVENTS.c.seq).label("seq")).group_by(
        EVENTS.c.social_prescription_id).subquery()
    now = sa.select(EVENTS.c.social_prescription_id, EVENTS.c.state).join(latest, sa.and_(
        latest.c.social_prescription_id == EVENTS.c.social_prescription_id, latest.c.seq == EVENTS.c.seq)).subquery()
    rows = connection.execute(
        sa.select(sp.c.service_id, services.c.name, services.c.category, now.c.state, sp.c.taken_up,
                  sa.func.count().label("n"))
        .join(patients, patients.c.patient_id == sp.c.patient_id)
        .outerjoin(services, services.c.service_id == sp.c.service_id)
        .outerjoin(now, now.c.social_prescription_id == sp.c.social_prescription_id)
        .where(patients.c.practice_id.in_(practice_ids))
        .group_by(sp.c.service_id, services.c.name, services.c.category, now.c.state, sp.c.taken_up)).all()
    out: dict[str, dict] = {}
    for row in rows:
        entry = out.setdefault(row.service_id, {"service_id": row.service_id, "name": row.name or row.service_id,
                                                "category": row.category, "states": dict.fromkeys(STATES, 0),
                                                "taken_up": 0, "decided": 0, "referrals": 0})
        entry["states"][row.state or "referred"] += row.n
        entry["referrals"] += row.n
        if row.taken_up is not None:
            entry["decided"] += row.n
            entry["taken_up"] += row.n if row.taken_up else 0
    return sorted(out.values(), key=lambda e: (e["category"] or "", e["name"]))


__all__ = ["STATES", "loop_summary"]
