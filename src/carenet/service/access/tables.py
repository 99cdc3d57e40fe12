"""What access depends on beyond the record itself: data-sharing agreements, consents, break-glass reviews."""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.store.tables import METADATA

DATA_SHARING_AGREEMENTS = sa.Table(
    "data_sharing_agreements", METADATA,
    sa.Column("agreement_id", sa.Text(), primary_key=True, comment="Agreement identifier"),
    sa.Column("from_practice_id", sa.Text(), sa.ForeignKey("practices.practice_id"), nullable=False,
              comment="Practice whose patients' records are shared"),
    sa.Column("to_organisation_id", sa.Text(), nullable=False,
              comment="Practice or network (its id) the records are shared with"),
    sa.Column("start_date", sa.Date(), nullable=False, comment="In force from"),
    sa.Column("end_date", sa.Date(), nullable=True, comment="In force until (null: open)"),
    sa.Column("recorded_by", sa.Text(), sa.ForeignKey("users.user_id"), nullable=False, comment="Who recorded it"),
    comment="Data-sharing agreements between the network's organisations.",
)

CONSENTS = sa.Table(
    "consents", METADATA,
    sa.Column("consent_id", sa.Text(), primary_key=True, comment="Consent identifier"),
    sa.Column("patient_id", sa.Text(), sa.ForeignKey("patients.patient_id"), nullable=False, comment="Patient"),
    sa.Column("kind", sa.Text(), nullable=False,
              comment="share_out (my practice may share my record), share_in (this organisation may see my shared "
                      "record) or carer (this carer may see what is listed)"),
    sa.Column("organisation_id", sa.Text(), nullable=True, comment="share_in: the practice or network"),
    sa.Column("grantee_user_id", sa.Text(), sa.ForeignKey("users.user_id"), nullable=True, comment="carer: the carer"),
    sa.Column("resources", sa.Text(), nullable=True, comment="carer: space-separated resource types shared"),
    sa.Column("granted", sa.Boolean(), nullable=False, comment="True: given; False: withdrawn"),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, comment="When recorded (the latest wins)"),
    sa.Column("recorded_by", sa.Text(), sa.ForeignKey("users.user_id"), nullable=False, comment="Who recorded it"),
    sa.Index("ix_consents_patient_id", "patient_id"),
    comment="A patient's consents to share their record (the latest of each kind and party wins).",
)

BREAK_GLASS_REVIEWS = sa.Table(
    "break_glass_reviews", METADATA,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), sa.ForeignKey("audit_events.seq"),
              primary_key=True, autoincrement=False, comment="The break-glass audit event reviewed"),
    sa.Column("reviewed_by", sa.Text(), sa.ForeignKey("users.user_id"), nullable=False, comment="Reviewer"),
    sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False, comment="When"),
    sa.Column("appropriate", sa.Boolean(), nullable=False, comment="Whether the access was justified"),
    sa.Column("note", sa.Text(), nullable=True, comment="Reviewer's note"),
    comment="Reviews of break-glass accesses.",
)

__all__ = ["BREAK_GLASS_REVIEWS", "CONSENTS", "DATA_SHARING_AGREEMENTS"]
