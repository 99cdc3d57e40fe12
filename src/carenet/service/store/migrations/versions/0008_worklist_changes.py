"""The store's record of changes to the practices' worklists (worklist_changes), so that every worker process
of the service drops a worklist another changed.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 20:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worklist_changes",
        sa.Column("practice_id", sa.Text(), nullable=False, comment="Practice, or * for every practice"),
        sa.Column("generation", sa.BigInteger(), nullable=False, comment="Changes committed so far"),
        sa.PrimaryKeyConstraint("practice_id", name=op.f("pk_worklist_changes")),
        comment="How often each practice's worklists have been changed through the service (kept worklists are "
                "checked against it).",
    )


def downgrade() -> None:
    op.drop_table("worklist_changes")
