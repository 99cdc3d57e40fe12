"""Routes of access administration: data-sharing agreements and the review of break-glass accesses."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel

from carenet.service.access.tables import BREAK_GLASS_REVIEWS, DATA_SHARING_AGREEMENTS
from carenet.service.api import App, Connection, Who, require_role
from carenet.service.audit.tables import AUDIT_EVENTS
from carenet.service.store.rows import plain
from carenet.service.store.tables import CANONICAL

router = APIRouter(prefix="/access", tags=["access"])
REVIEWERS = ("practice_manager", "network_admin")
MAX_SEQ = 2**63 - 1
"""The largest audit event number a database can hold (64-bit)."""


class AgreementIn(BaseModel):
    agreement_id: str
    from_practice_id: str
    to_organisation_id: str
    start_date: dt.date
    end_date: dt.date | None = None


@router.post("/agreements", status_code=201)
def record_agreement(body: AgreementIn, who: Who, conn: Connection) -> dict:
    """Record a data-sharing agreement (network administrators)."""
    require_role(who, ("network_admin",), "recording a data-sharing agreement")
    practices = CANONICAL["practices"]
    if conn.execute(sa.select(practices.c.practice_id).where(practices.c.practice_id == body.from_practice_id)
                    ).first() is None:
        raise HTTPException(422, f"from_practice_id {body.from_practice_id!r} is not a practice of this record")
    if body.end_date is not None and body.end_date < body.start_date:
        raise HTTPException(422, "end_date is before start_date")
    if conn.execute(sa.select(DATA_SHARING_AGREEMENTS.c.agreement_id).where(
            DATA_SHARING_AGREEMENTS.c.agreement_id == body.agreement_id)).first() is not None:
        raise HTTPException(409, f"agreement {body.agreement_id!r} is already recorded")
    conn.execute(DATA_SHARING_AGREEMENTS.insert().values(**body.model_dump(), recorded_by=who.user_id))
    return body.model_dump(mode="json")


@router.get("/break-glass")
def break_glass(who: Who, conn: Connection, reviewed: bool = False) -> list[dict]:
    """Break-glass accesses waiting for review (or, with reviewed=true, those reviewed)."""
    require_role(who, REVIEWERS, "reviewing break-glass access")
    events = AUDIT_EVENTS
    joined = events.outerjoin(BREAK_GLASS_REVIEWS, BREAK_GLASS_REVIEWS.c.seq == events.c.seq)
    query = sa.select(events.c.seq, events.c.at, events.c.user_id, events.c.role, events.c.patient_id,
                      events.c.resource, events.c.reason, BREAK_GLASS_REVIEWS.c.appropriate,
                      BREAK_GLASS_REVIEWS.c.reviewed_by).select_from(joined).where(
        events.c.break_glass.is_(True),
        BREAK_GLASS_REVIEWS.c.seq.is_not(None) if reviewed else BREAK_GLASS_REVIEWS.c.seq.is_(None)
    ).order_by(events.c.seq)
    return [plain(row) for row in conn.execute(query)]


class ReviewIn(BaseModel):
    appropriate: bool
    note: str | None = None


@router.post("/break-glass/{seq}/review", status_code=201)
def review(seq: Annotated[int, Path(ge=1, le=MAX_SEQ)], body: ReviewIn, who: Who, app: App, conn: Connection) -> dict:
    """Record the review of a break-glass access."""
    require_role(who, REVIEWERS, "reviewing break-glass access")
    event = conn.execute(sa.select(AUDIT_EVENTS.c.break_glass).where(AUDIT_EVENTS.c.seq == seq)).first()
    if event is None or not event.break_glass:
        raise HTTPException(404, f"audit event {seq} is not a break-glass access")
    if conn.execute(sa.select(BREAK_GLASS_REVIEWS.c.seq).where(BREAK_GLASS_REVIEWS.c.seq == seq)).first():
        raise HTTPException(409, f"break-glass access {seq} has already been reviewed")
    conn.execute(BREAK_GLASS_REVIEWS.insert().values(seq=seq, reviewed_by=who.user_id, reviewed_at=app.clock(),
                                                     appropriate=body.appropriate, note=body.note))
    return {"seq": seq, "appropriate": body.appropriate, "reviewed_by": who.user_id}


__all__ = ["router"]
