"""Canonical schema 1.4: a referral's ``kind`` may be ``outpatient``, a referral out of the network to a hospital
outpatient clinic (no receiver in the network). The column was free text already; only its documentation changes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 01:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLE_DOC = ("Referrals between professionals: formal (a form, a queue) or informal advice; and referrals out of the "
             "network to a hospital outpatient clinic (schema 1.4).")
KIND_DOC = ("formal or informal (between professionals of the network), or outpatient (to a hospital outpatient "
            "clinic, with no receiver in the network; schema 1.4)")
OLD_TABLE_DOC = "Referrals between professionals: formal (a form, a queue) or informal advice."
OLD_KIND_DOC = "formal or informal"


def _documents(table: str, kind: str, was_table: str, was_kind: str) -> None:
    if not op.get_bind().dialect.supports_comments:  # SQLite keeps no comments
        return
    op.create_table_comment("referrals", table, existing_comment=was_table)
    op.alter_column("referrals", "kind", existing_type=sa.Text(), existing_nullable=False, comment=kind,
                    existing_comment=was_kind)


def upgrade() -> None:
    _documents(TABLE_DOC, KIND_DOC, OLD_TABLE_DOC, OLD_KIND_DOC)


def downgrade() -> None:
    _documents(OLD_TABLE_DOC, OLD_KIND_DOC, TABLE_DOC, KIND_DOC)
