"""The live diary (service_bookings) with, on PostgreSQL, the exclusion constraint that refuses two live
bookings of one clinician whose times overlap; the recorded layout of the network (service_network); the audit
chain's head row made at once (concurrent first appends on PostgreSQL had no row to lock).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 04:24:28.668289
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_network",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False, comment="Always 1"),
        sa.Column("model", sa.Text(), nullable=False, comment="Library model or model file laid over the network"),
        sa.Column("start_date", sa.Date(), nullable=False, comment="First working day of the diaries"),
        sa.Column("working_days", sa.Integer(), nullable=False, comment="Working days of diaries"),
        sa.Column("seed", sa.BigInteger(), nullable=False, comment="Seed of the layout (rota, choice)"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_network")),
        comment="How the service lays the model over the store's population (the same layout at every start).",
    )
    op.create_table(
        "service_bookings",
        sa.Column("booking_id", sa.Text(), nullable=False, comment="Booking identifier"),
        sa.Column("appointment_id", sa.Text(), nullable=False, comment="The canonical appointment"),
        sa.Column("clinician_id", sa.Text(), nullable=False, comment="Whose time"),
        sa.Column("starts_at", sa.DateTime(), nullable=False, comment="Start (practice wall-clock time)"),
        sa.Column("ends_at", sa.DateTime(), nullable=False, comment="End (practice wall-clock time)"),
        sa.Column("lane_kind", sa.SmallInteger(), nullable=False, comment="0 standard slot, 1 long slot"),
        sa.Column("status", sa.Text(), nullable=False, comment="booked or cancelled"),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_service_bookings_positive_length")),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.appointment_id"],
            name=op.f("fk_service_bookings_appointment_id_appointments"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"], ["clinicians.clinician_id"], name=op.f("fk_service_bookings_clinician_id_clinicians")
        ),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_service_bookings")),
        comment="Slots booked through the service (the live diary).",
    )
    with op.batch_alter_table("service_bookings", schema=None) as batch_op:
        batch_op.create_index("ix_service_bookings_clinician_day", ["clinician_id", "starts_at"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE service_bookings ADD CONSTRAINT ex_service_bookings_no_overlap EXCLUDE USING gist "
            "(clinician_id WITH =, tsrange(starts_at, ends_at) WITH &&) WHERE (status = 'booked')"
        )

    # The audit chain's head row exists from the start, so the first appends lock it like every later one.
    op.execute(
        "INSERT INTO audit_head (id, seq, hash) SELECT 1, COALESCE(MAX(seq), 0), COALESCE((SELECT hash FROM "
        "audit_events ORDER BY seq DESC LIMIT 1), '" + "0" * 64 + "') FROM audit_events "
        "WHERE NOT EXISTS (SELECT 1 FROM audit_head)"
    )


def downgrade() -> None:
    with op.batch_alter_table("service_bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_service_bookings_clinician_day")

    op.drop_table("service_bookings")
    op.drop_table("service_network")
