"""What the canonical ``referrals`` rows do not hold: the words of a referral or advice request, and the
answer to an advice request with when it came (the time to answer)."""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.store.tables import METADATA

REFERRAL_NOTES = sa.Table(
    "referral_notes", METADATA,
    sa.Column("referral_id", sa.Text(), sa.ForeignKey("referrals.referral_id", deferrable=True, initially="DEFERRED"),
              primary_key=True, comment="The canonical referral"),
    sa.Column("text", sa.Text(), nullable=False, comment="The question asked (advice) or the reason (formal)"),
    sa.Column("asked_by", sa.Text(), sa.ForeignKey("users.user_id"), nullable=False, comment="Who made it"),
    sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False, comment="When (UTC)"),
    comment="The words of referrals and advice requests made through the service.",
)

ADVICE_ANSWERS = sa.Table(
    "advice_answers", METADATA,
    sa.Column("referral_id", sa.Text(), sa.ForeignKey("referral_notes.referral_id"), primary_key=True,
              comment="The advice request (an informal referral)"),
    sa.Column("answer", sa.Text(), nullable=False, comment="The advice given"),
    sa.Column("answered_by", sa.Text(), sa.ForeignKey("users.user_id"), nullable=False, comment="Who answered"),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False, comment="When (UTC)"),
    comment="Answers to advice requests between professionals (one each).",
)

__all__ = ["ADVICE_ANSWERS", "REFERRAL_NOTES"]
