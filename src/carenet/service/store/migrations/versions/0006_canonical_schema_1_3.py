"""Canonical schema 1.3: patients say whether they are experiencing homelessness (``homeless``, nullable).

Patients stored before keep a null ``homeless`` (the source did not say).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 14:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

HOMELESS_DOC = ('Experiencing homelessness (rough sleeping, hostel, temporary accommodation, sofa surfing; SNOMED CT '
                '32911000 Homeless or a no-fixed-abode registration); null when the source does not say (schema 1.3)')


def upgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("homeless", sa.Boolean(), autoincrement=False, nullable=True,
                                      comment=HOMELESS_DOC))


def downgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_column("homeless")
