"""Formal referrals: to a named clinician or a community service, with the reason; each a canonical ``referrals``
row of kind ``formal``, its reason in ``referral_notes``."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from fastapi import HTTPException

from carenet.service.auth.login import Principal
from carenet.service.people.lookup import require_clinician
from carenet.service.referrals.tables import REFERRAL_NOTES
from carenet.service.settings import ServiceSettings
from carenet.service.store.rows import plain
from carenet.service.store.tables import CANONICAL

FORMAL = "formal"


def new_referral_id() -> str:
    return f"REF-{uuid.uuid4().hex[:16]}"


def refer(connection: sa.Connection, referral_id: str, patient_id: str, who: Principal, now: dt.datetime,
          settings: ServiceSettings, *, to_clinician_id: str | None, to_service_id: str | None, reason: str,
          need_type: str | None) -> dict:
    """Record a formal referral of the patient."""
    if to_clinician_id is not None:
        require_clinician(connection, to_clinician_id, "to_clinician_id")
    if to_service_id is not None:
        services = CANONICAL["community_services"]
        if connection.execute(sa.select(services.c.service_id).where(services.c.service_id == to_service_id)
                              ).first() is None:
            raise HTTPException(422, f"to_service_id: {to_service_id!r} is not a service of the community directory")
    row = {"referral_id": referral_id, "patient_id": patient_id, "from_clinician_id": who.clinician_id,
           "to_clinician_id": to_clinician_id, "to_service_id": to_service_id, "kind": FORMAL,
           "need_type": need_type, "created_at": settings.wall_clock(now)}
    connection.execute(CANONICAL["referrals"].insert().values(**row))
    connection.execute(REFERRAL_NOTES.insert().values(referral_id=referral_id, text=reason, asked_by=who.user_id,
                                                      asked_at=now))
    return {**row, "reason": reason, "asked_by": who.user_id}


def formal_referrals(connection: sa.Connection, patient_id: str) -> list[dict]:
    """The patient's formal referrals, oldest first (with their reason where made through the service)."""
    referrals, notes = CANONICAL["referrals"], REFERRAL_NOTES
    rows = connection.execute(sa.select(referrals, notes.c.text.label("reason"), notes.c.asked_by)
                              .outerjoin(notes, notes.c.referral_id == referrals.c.referral_id)
                              .where(referrals.c.patient_id == patient_id, referrals.c.kind == FORMAL)
                              .order_by(referrals.c.created_at, referrals.c.referral_id))
    return [plain(r) for r in rows]


__all__ = ["FORMAL", "formal_referrals", "new_referral_id", "refer"]
