"""The audit log (append-only: the database refuses to change or delete an event), consents, data-sharing
agreements and break-glass reviews.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 04:13:41.184376
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
            comment="Position in the chain, from 1",
        ),
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
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_events")),
        comment="Append-only, hash-chained log of every read and write of patient data.",
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_patient_id", ["patient_id"], unique=False)
        batch_op.create_index("ix_audit_events_user_id", ["user_id"], unique=False)

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False, comment="Always 1"),
        sa.Column("seq", sa.BigInteger(), nullable=False, comment="Last event's seq (0: none yet)"),
        sa.Column("hash", sa.Text(), nullable=False, comment="Last event's hash"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
        comment="The head of the audit chain.",
    )
    op.create_table(
        "break_glass_reviews",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
            comment="The break-glass audit event reviewed",
        ),
        sa.Column("reviewed_by", sa.Text(), nullable=False, comment="Reviewer"),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False, comment="When"),
        sa.Column("appropriate", sa.Boolean(), nullable=False, comment="Whether the access was justified"),
        sa.Column("note", sa.Text(), nullable=True, comment="Reviewer's note"),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["users.user_id"], name=op.f("fk_break_glass_reviews_reviewed_by_users")
        ),
        sa.ForeignKeyConstraint(["seq"], ["audit_events.seq"], name=op.f("fk_break_glass_reviews_seq_audit_events")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_break_glass_reviews")),
        comment="Reviews of break-glass accesses.",
    )
    op.create_table(
        "consents",
        sa.Column("consent_id", sa.Text(), nullable=False, comment="Consent identifier"),
        sa.Column("patient_id", sa.Text(), nullable=False, comment="Patient"),
        sa.Column(
            "kind",
            sa.Text(),
            nullable=False,
            comment="share_out (my practice may share my record), share_in (this organisation may see my shared record) or carer (this carer may see what is listed)",  # noqa: E501 - the column doc, verbatim
        ),
        sa.Column("organisation_id", sa.Text(), nullable=True, comment="share_in: the practice or network"),
        sa.Column("grantee_user_id", sa.Text(), nullable=True, comment="carer: the carer"),
        sa.Column("resources", sa.Text(), nullable=True, comment="carer: space-separated resource types shared"),
        sa.Column("granted", sa.Boolean(), nullable=False, comment="True: given; False: withdrawn"),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, comment="When recorded (the latest wins)"),
        sa.Column("recorded_by", sa.Text(), nullable=False, comment="Who recorded it"),
        sa.ForeignKeyConstraint(["grantee_user_id"], ["users.user_id"], name=op.f("fk_consents_grantee_user_id_users")),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.patient_id"], name=op.f("fk_consents_patient_id_patients")),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.user_id"], name=op.f("fk_consents_recorded_by_users")),
        sa.PrimaryKeyConstraint("consent_id", name=op.f("pk_consents")),
        comment="A patient's consents to share their record (the latest of each kind and party wins).",
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index("ix_consents_patient_id", ["patient_id"], unique=False)

    op.create_table(
        "data_sharing_agreements",
        sa.Column("agreement_id", sa.Text(), nullable=False, comment="Agreement identifier"),
        sa.Column("from_practice_id", sa.Text(), nullable=False, comment="Practice whose patients' records are shared"),
        sa.Column(
            "to_organisation_id",
            sa.Text(),
            nullable=False,
            comment="Practice or network (its id) the records are shared with",
        ),
        sa.Column("start_date", sa.Date(), nullable=False, comment="In force from"),
        sa.Column("end_date", sa.Date(), nullable=True, comment="In force until (null: open)"),
        sa.Column("recorded_by", sa.Text(), nullable=False, comment="Who recorded it"),
        sa.ForeignKeyConstraint(
            ["from_practice_id"],
            ["practices.practice_id"],
            name=op.f("fk_data_sharing_agreements_from_practice_id_practices"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.user_id"], name=op.f("fk_data_sharing_agreements_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("agreement_id", name=op.f("pk_data_sharing_agreements")),
        comment="Data-sharing agreements between the network's organisations.",
    )

    _append_only()


def downgrade() -> None:
    _drop_append_only()
    op.drop_table("data_sharing_agreements")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index("ix_consents_patient_id")

    op.drop_table("consents")
    op.drop_table("break_glass_reviews")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_user_id")
        batch_op.drop_index("ix_audit_events_patient_id")

    op.drop_table("audit_events")


_REFUSAL = "the audit log is append-only"


def _append_only() -> None:
    """Triggers that refuse UPDATE and DELETE on audit_events."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END"
            )
        return
    op.execute(
        f"CREATE FUNCTION audit_events_refuse() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{_REFUSAL}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse()"
    )


def _drop_append_only() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_events_no_{verb}")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
    op.execute("DROP FUNCTION IF EXISTS audit_events_refuse()")
