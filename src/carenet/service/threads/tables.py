"""The messages of each patient's team thread (append-only)."""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.store.tables import METADATA

THREAD_MESSAGES = sa.Table(
    "thread_messages", METADATA,
    sa.Column("message_id", sa.Text(), primary_key=True, comment="Message identifier"),
    sa.Column("patient_id", sa.Text(), sa.ForeignKey("patients.patient_id"), nullable=False,
              comment="Patient whose thread it is"),
    sa.Column("author_id", sa.Text(), sa.ForeignKey("users.user_id"), nullable=False, comment="Who wrote it"),
    sa.Column("author_role", sa.Text(), nullable=False, comment="Their service role when they wrote it"),
    sa.Column("body", sa.Text(), nullable=False, comment="The message"),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False, comment="When (UTC)"),
    sa.Index("ix_thread_messages_patient_sent", "patient_id", "sent_at"),
    comment="Messages of the patients' team threads (care team, patient, carers).",
)

__all__ = ["THREAD_MESSAGES"]
