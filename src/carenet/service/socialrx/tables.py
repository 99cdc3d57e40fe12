"""The closed loop of each social prescription: every state it passed through, in order (append-only)."""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.store.tables import METADATA

SOCIAL_PRESCRIPTION_EVENTS = sa.Table(
    "social_prescription_events", METADATA,
    sa.Column("social_prescription_id", sa.Text(), sa.ForeignKey("social_prescriptions.social_prescription_id",
                                                                 deferrable=True, initially="DEFERRED"),
              primary_key=True, comment="The canonical social prescription"),
    sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False, comment="Step of the loop, from 1"),
    sa.Column("state", sa.Text(), nullable=False,
              comment="referred, accepted, declined, attended, did_not_attend or outcome_recorded"),
    sa.Column("snomed_code", sa.Text(), nullable=True, comment="SNOMED CT concept recorded with the step"),
    sa.Column("snomed_term", sa.Text(), nullable=True, comment="Its term"),
    sa.Column("note", sa.Text(), nullable=True, comment="Free text"),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, comment="When (UTC)"),
    sa.Column("recorded_by", sa.Text(), sa.ForeignKey("users.user_id"), nullable=False, comment="Who recorded it"),
    comment="The states of social prescriptions, from referral to a coded outcome.",
)

__all__ = ["SOCIAL_PRESCRIPTION_EVENTS"]
