"""The audit tables: the events, and the chain's head (one row, locked by each append so the chain never forks)."""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.store.tables import METADATA

AUDIT_EVENTS = sa.Table(
    "audit_events", METADATA,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=False,
              comment="Position in the chain, from 1"),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, comment="When (UTC)"),
    sa.Column("user_id", sa.Text(), nullable=True, comment="Account that acted (null: not logged in)"),
    sa.Column("role", sa.Text(), nullable=True, comment="Its role"),
    sa.Column("patient_id", sa.Text(), nullable=True, comment="Patient whose data it was"),
    sa.Column("resource", sa.Text(), nullable=False, comment="FHIR resource type touched, e.g. Patient, CarePlan"),
    sa.Column("resource_id", sa.Text(), nullable=True, comment="Its identifier, if one"),
    sa.Column("action", sa.Text(), nullable=False, comment="read, search, create, update or delete"),
    sa.Column("outcome", sa.Text(), nullable=False, comment="allowed or denied"),
    sa.Column("policy", sa.Text(), nullable=True, comment="Access policy that decided"),
    sa.Column("reason", sa.Text(), nullable=True, comment="Why: the policy's reason, or a break-glass reason"),
    sa.Column("break_glass", sa.Boolean(), nullable=False, comment="Access by break-glass (to be reviewed)"),
    sa.Column("prev_hash", sa.Text(), nullable=False, comment="Hash of the previous event"),
    sa.Column("hash", sa.Text(), nullable=False, comment="SHA-256 of prev_hash and this event"),
    sa.Index("ix_audit_events_patient_id", "patient_id"),
    sa.Index("ix_audit_events_user_id", "user_id"),
    comment="Append-only, hash-chained log of every read and write of patient data.",
)

AUDIT_HEAD = sa.Table(
    "audit_head", METADATA,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False, comment="Always 1"),
    sa.Column("seq", sa.BigInteger(), nullable=False, comment="Last event's seq (0: none yet)"),
    sa.Column("hash", sa.Text(), nullable=False, comment="Last event's hash"),
    sa.Column("writes", sa.BigInteger(), nullable=False, server_default="0",
              comment="Committed writes so far: the store's version"),
    comment="The head of the audit chain.",
)

__all__ = ["AUDIT_EVENTS", "AUDIT_HEAD"]
