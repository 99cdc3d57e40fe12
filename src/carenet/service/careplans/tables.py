"""Versions of personalised care and support plans, after the PRSB Personalised care and support plan standard:
about me, what matters to me, goals in the patient's words, actions, a key worker, a review date.

A version is never changed: an edit is a new row with the next number. The plan's team is the patient's care
team (:mod:`carenet.service.careteam`). The canonical ``care_plans`` row of the plan (what ``carenet score``
reads) holds the latest version's status, key worker, review date and goals.
"""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.store.tables import METADATA

CARE_PLAN_VERSIONS = sa.Table(
    "care_plan_versions", METADATA,
    sa.Column("care_plan_id", sa.Text(), sa.ForeignKey("care_plans.care_plan_id", deferrable=True,
                                                       initially="DEFERRED"), primary_key=True,
              comment="The canonical care plan"),
    sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False, comment="Version number, from 1"),
    sa.Column("patient_id", sa.Text(), sa.ForeignKey("patients.patient_id"), nullable=False, comment="Patient"),
    sa.Column("status", sa.Text(), nullable=False, comment="draft, active, completed or revoked"),
    sa.Column("title", sa.Text(), nullable=False, comment="What the plan is for, in a line"),
    sa.Column("about_me", sa.Text(), nullable=True, comment="About me: what the patient wants people to know"),
    sa.Column("what_matters", sa.Text(), nullable=True, comment="What matters to me"),
    sa.Column("goals", sa.JSON(), nullable=False, comment="Goals, in the patient's words (a list)"),
    sa.Column("goals_patient_set", sa.Boolean(), nullable=False, comment="Whether the patient set the goals"),
    sa.Column("actions", sa.JSON(), nullable=False,
              comment="Agreed actions: a list of {action, who, due} (who: a person or the patient)"),
    sa.Column("key_worker_id", sa.Text(), sa.ForeignKey("clinicians.clinician_id"), nullable=True,
              comment="Clinician who co-ordinates the plan"),
    sa.Column("agreed_date", sa.Date(), nullable=False, comment="Date the plan was first agreed"),
    sa.Column("review_date", sa.Date(), nullable=False, comment="Next review due"),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, comment="When this version was recorded"),
    sa.Column("recorded_by", sa.Text(), sa.ForeignKey("users.user_id"), nullable=False, comment="Who recorded it"),
    sa.CheckConstraint("version >= 1", name="positive_version"),
    sa.Index("ix_care_plan_versions_patient_id", "patient_id"),
    comment="Every version of every personalised care and support plan (append-only).",
)

__all__ = ["CARE_PLAN_VERSIONS"]
