"""Canonical schema 1.2: diaries say which slots are held for the day (``slot_type``), part of their key.

A key with a nullable column cannot be a SQL primary key, so the diaries' key becomes a unique
constraint (nulls not distinct on PostgreSQL). Diaries stored before keep a null ``slot_type``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 04:09:53
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SLOT_TYPE_DOC = ("routine (bookable ahead), on_the_day (held and released on the day) or long (longer appointments, "
                 "booked ahead); null when the source does not say")
NEW_DOC = "Diaries: each clinician's bookable appointment slots per working day, site and slot type."
OLD_DOC = "Diaries: each clinician's bookable appointment slots per working day and site."


def upgrade() -> None:
    with op.batch_alter_table("diaries", schema=None) as batch_op:
        batch_op.drop_constraint("pk_diaries", type_="primary")
        batch_op.add_column(sa.Column("slot_type", sa.Text(), autoincrement=False, nullable=True,
                                      comment=SLOT_TYPE_DOC))
        batch_op.create_unique_constraint("uq_diaries_key", ["clinician_id", "date", "site_id", "slot_type"],
                                          postgresql_nulls_not_distinct=True)
    if op.get_bind().dialect.name != "sqlite":  # SQLite keeps no comments
        op.create_table_comment("diaries", NEW_DOC, existing_comment=OLD_DOC)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.create_table_comment("diaries", OLD_DOC, existing_comment=NEW_DOC)
    with op.batch_alter_table("diaries", schema=None) as batch_op:
        batch_op.drop_constraint("uq_diaries_key", type_="unique")
        batch_op.drop_column("slot_type")
        batch_op.create_primary_key("pk_diaries", ["clinician_id", "date", "site_id"])
