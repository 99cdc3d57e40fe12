"""The live diary: one row per slot booked through the service, and the network the service lays out.

``service_bookings`` holds what occupies a clinician's time. A slot is never booked twice: on
PostgreSQL an exclusion constraint refuses two live bookings of one clinician whose time ranges
overlap (migration 0005: ``EXCLUDE USING gist (clinician_id WITH =, tsrange(starts_at, ends_at) WITH
&&) WHERE (status = 'booked')``); on SQLite every transaction is ``BEGIN IMMEDIATE``, so the
overlap check and the insert run with no other writer between them. Each booking is also an
``appointments`` row, so the scorecard reads it.
"""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.store.tables import METADATA

SERVICE_BOOKINGS = sa.Table(
    "service_bookings", METADATA,
    sa.Column("booking_id", sa.Text(), primary_key=True, comment="Booking identifier"),
    sa.Column("appointment_id", sa.Text(), sa.ForeignKey("appointments.appointment_id", deferrable=True,
                                                         initially="DEFERRED"), nullable=False,
              comment="The canonical appointment"),
    sa.Column("clinician_id", sa.Text(), sa.ForeignKey("clinicians.clinician_id"), nullable=False,
              comment="Whose time"),
    sa.Column("starts_at", sa.DateTime(), nullable=False, comment="Start (practice wall-clock time)"),
    sa.Column("ends_at", sa.DateTime(), nullable=False, comment="End (practice wall-clock time)"),
    sa.Column("lane_kind", sa.SmallInteger(), nullable=False, comment="0 standard slot, 1 long slot"),
    sa.Column("status", sa.Text(), nullable=False, comment="booked or cancelled"),
    sa.CheckConstraint("ends_at > starts_at", name="positive_length"),
    sa.Index("ix_service_bookings_clinician_day", "clinician_id", "starts_at"),
    comment="Slots booked through the service (the live diary).",
)

SERVICE_NETWORK = sa.Table(
    "service_network", METADATA,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False, comment="Always 1"),
    sa.Column("model", sa.Text(), nullable=False, comment="Library model or model file laid over the network"),
    sa.Column("start_date", sa.Date(), nullable=False, comment="First working day of the diaries"),
    sa.Column("working_days", sa.Integer(), nullable=False, comment="Working days of diaries"),
    sa.Column("seed", sa.BigInteger(), nullable=False, comment="Seed of the layout (rota, choice)"),
    comment="How the service lays the model over the store's population (the same layout at every start).",
)

__all__ = ["SERVICE_BOOKINGS", "SERVICE_NETWORK"]
