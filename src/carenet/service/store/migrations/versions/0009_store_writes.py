"""The audit chain's head also counts the requests that wrote (``writes``): the store's version, so that a result
kept from the store (the managers' scorecard) is known to be current with one read.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 23:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("writes", sa.BigInteger(), nullable=False, server_default="0",
                                      comment="Committed writes so far: the store's version"))


def downgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("writes")
