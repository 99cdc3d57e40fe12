"""Accounts (staff, patients, carers), sessions and login attempts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 04:04:18.814268
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column(
            "attempt_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
            comment="Attempt number",
        ),
        sa.Column("client", sa.Text(), nullable=False, comment="Client address"),
        sa.Column("username", sa.Text(), nullable=False, comment="Login name tried"),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, comment="When"),
        sa.Column("succeeded", sa.Boolean(), nullable=False, comment="Whether it logged in"),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_login_attempts")),
        comment="Every login attempt (rate limit per client address).",
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempts_client_at", ["client", "at"], unique=False)

    op.create_table(
        "users",
        sa.Column("user_id", sa.Text(), nullable=False, comment="Account identifier"),
        sa.Column("username", sa.Text(), nullable=False, comment="Login name"),
        sa.Column("display_name", sa.Text(), nullable=False, comment="Name shown to others"),
        sa.Column("role", sa.Text(), nullable=False, comment="Service role (carenet.service.people.roles)"),
        sa.Column("password_hash", sa.Text(), nullable=False, comment="argon2id hash of the password"),
        sa.Column(
            "clinician_id",
            sa.Text(),
            nullable=True,
            comment="The clinician this staff account is (their diary), if any",
        ),
        sa.Column("practice_id", sa.Text(), nullable=True, comment="Practice of a practice's staff member"),
        sa.Column("network_id", sa.Text(), nullable=True, comment="Network of network-wide staff"),
        sa.Column(
            "patient_id", sa.Text(), nullable=True, comment="A patient's own record, or the patient a carer cares for"
        ),
        sa.Column(
            "failed_logins",
            sa.Integer(),
            server_default="0",
            nullable=False,
            comment="Failed logins in a row since the last success",
        ),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True, comment="Locked until then (UTC)"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, comment="When the account was made"),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["clinicians.clinician_id"],
            name=op.f("fk_users_clinician_id_clinicians"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.network_id"],
            name=op.f("fk_users_network_id_networks"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.patient_id"],
            name=op.f("fk_users_patient_id_patients"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.practice_id"],
            name=op.f("fk_users_practice_id_practices"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
        comment="Accounts of the service: staff, patients and carers.",
    )
    op.create_table(
        "auth_sessions",
        sa.Column("token_hash", sa.Text(), nullable=False, comment="SHA-256 of the session or bearer token"),
        sa.Column("user_id", sa.Text(), nullable=False, comment="Account"),
        sa.Column("kind", sa.Text(), nullable=False, comment="browser or bearer"),
        sa.Column("scopes", sa.Text(), nullable=False, comment="Space-separated SMART-style scopes it holds"),
        sa.Column("csrf_hash", sa.Text(), nullable=True, comment="SHA-256 of a browser session's CSRF token"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, comment="Login time"),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False, comment="Last request (idle timeout)"),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, comment="Absolute end"),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True, comment="Logged out or revoked"),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"], name=op.f("fk_auth_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_auth_sessions")),
        comment="Browser sessions and bearer tokens.",
    )


def downgrade() -> None:
    op.drop_table("auth_sessions")
    op.drop_table("users")
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_client_at")

    op.drop_table("login_attempts")
