"""Members added to a patient's care team, beyond the named clinician and panel team (``panels``) and the key
workers of their care plans (``care_plans``), which are members by the record itself.

A clinician member stands in the ``care_team`` relationship to the patient for as long as the row is not
ended (:func:`carenet.service.access.decide.gather`); a patient or carer member is an account of the service, who
sees what the patient shares with them (consents).
"""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.store.tables import METADATA

CARE_TEAM_MEMBERS = sa.Table(
    "care_team_members", METADATA,
    sa.Column("member_id", sa.Text(), primary_key=True, comment="Membership identifier"),
    sa.Column("patient_id", sa.Text(), sa.ForeignKey("patients.patient_id"), nullable=False, comment="Patient"),
    sa.Column("clinician_id", sa.Text(), sa.ForeignKey("clinicians.clinician_id"), nullable=True,
              comment="A professional member (exactly one of clinician_id and user_id)"),
    sa.Column("user_id", sa.Text(), sa.ForeignKey("users.user_id"), nullable=True,
              comment="The patient's or a carer's account (exactly one of clinician_id and user_id)"),
    sa.Column("team_role", sa.Text(), nullable=False, comment="Their part in the team, in words, e.g. district nurse"),
    sa.Column("added_at", sa.DateTime(timezone=True), nullable=False, comment="When added (UTC)"),
    sa.Column("added_by", sa.Text(), sa.ForeignKey("users.user_id"), nullable=False, comment="Who added them"),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True, comment="When they left the team (null: member)"),
    sa.Column("ended_by", sa.Text(), sa.ForeignKey("users.user_id"), nullable=True, comment="Who ended it"),
    sa.CheckConstraint("(clinician_id IS NULL) <> (user_id IS NULL)", name="one_member"),
    sa.Index("ix_care_team_members_patient_id", "patient_id"),
    sa.Index("ix_care_team_members_clinician_id", "clinician_id"),
    comment="Members added to patients' care teams (professionals, the patient, carers).",
)

__all__ = ["CARE_TEAM_MEMBERS"]
