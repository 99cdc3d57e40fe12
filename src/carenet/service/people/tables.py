"""The accounts table: one row per person who logs in (staff, patient or carer).

A staff account may be a clinician of the ``clinicians`` table (its diary) and belongs to a
practice or, for network staff, a network. A patient's account is that patient; a carer's
account names the patient they care for (what the carer may see is the patient's consent, see
:mod:`carenet.service.access`).
"""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.store.tables import METADATA


def _fk(target: str) -> sa.ForeignKey:
    return sa.ForeignKey(target, deferrable=True, initially="DEFERRED")


USERS = sa.Table(
    "users", METADATA,
    sa.Column("user_id", sa.Text(), primary_key=True, comment="Account identifier"),
    sa.Column("username", sa.Text(), nullable=False, unique=True, comment="Login name"),
    sa.Column("display_name", sa.Text(), nullable=False, comment="Name shown to others"),
    sa.Column("role", sa.Text(), nullable=False, comment="Service role (carenet.service.people.roles)"),
    sa.Column("password_hash", sa.Text(), nullable=False, comment="argon2id hash of the password"),
    sa.Column("clinician_id", sa.Text(), _fk("clinicians.clinician_id"), nullable=True,
              comment="The clinician this staff account is (their diary), if any"),
    sa.Column("practice_id", sa.Text(), _fk("practices.practice_id"), nullable=True,
              comment="Practice of a practice's staff member"),
    sa.Column("network_id", sa.Text(), _fk("networks.network_id"), nullable=True,
              comment="Network of network-wide staff"),
    sa.Column("patient_id", sa.Text(), _fk("patients.patient_id"), nullable=True,
              comment="A patient's own record, or the patient a carer cares for"),
    sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0",
              comment="Failed logins in a row since the last success"),
    sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True, comment="Locked until then (UTC)"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, comment="When the account was made"),
    comment="Accounts of the service: staff, patients and carers.",
)

__all__ = ["USERS"]
