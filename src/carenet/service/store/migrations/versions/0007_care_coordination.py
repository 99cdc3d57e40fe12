"""Care co-ordination: care team members (a relationship the access policies use), versions of personalised
care and support plans, team threads, the words of referrals and advice requests with their answers, the words of
tasks, and the closed loop of social prescriptions. The canonical tables (care_plans, tasks, referrals,
social_prescriptions, community_services) are unchanged: these tables sit beside them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 16:57:47.686442
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "care_plan_versions",
        sa.Column("care_plan_id", sa.Text(), nullable=False, comment="The canonical care plan"),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False, comment="Version number, from 1"),
        sa.Column("patient_id", sa.Text(), nullable=False, comment="Patient"),
        sa.Column("status", sa.Text(), nullable=False, comment="draft, active, completed or revoked"),
        sa.Column("title", sa.Text(), nullable=False, comment="What the plan is for, in a line"),
        sa.Column("about_me", sa.Text(), nullable=True, comment="About me: what the patient wants people to know"),
        sa.Column("what_matters", sa.Text(), nullable=True, comment="What matters to me"),
        sa.Column("goals", sa.JSON(), nullable=False, comment="Goals, in the patient's words (a list)"),
        sa.Column("goals_patient_set", sa.Boolean(), nullable=False, comment="Whether the patient set the goals"),
        sa.Column(
            "actions",
            sa.JSON(),
            nullable=False,
            comment="Agreed actions: a list of {action, who, due} (who: a person or the patient)",
        ),
        sa.Column("key_worker_id", sa.Text(), nullable=True, comment="Clinician who co-ordinates the plan"),
        sa.Column("agreed_date", sa.Date(), nullable=False, comment="Date the plan was first agreed"),
        sa.Column("review_date", sa.Date(), nullable=False, comment="Next review due"),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, comment="When this version was recorded"),
        sa.Column("recorded_by", sa.Text(), nullable=False, comment="Who recorded it"),
        sa.CheckConstraint("version >= 1", name=op.f("ck_care_plan_versions_positive_version")),
        sa.ForeignKeyConstraint(
            ["care_plan_id"],
            ["care_plans.care_plan_id"],
            name=op.f("fk_care_plan_versions_care_plan_id_care_plans"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["key_worker_id"], ["clinicians.clinician_id"], name=op.f("fk_care_plan_versions_key_worker_id_clinicians")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.patient_id"], name=op.f("fk_care_plan_versions_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.user_id"], name=op.f("fk_care_plan_versions_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("care_plan_id", "version", name=op.f("pk_care_plan_versions")),
        comment="Every version of every personalised care and support plan (append-only).",
    )
    with op.batch_alter_table("care_plan_versions", schema=None) as batch_op:
        batch_op.create_index("ix_care_plan_versions_patient_id", ["patient_id"], unique=False)

    op.create_table(
        "care_team_members",
        sa.Column("member_id", sa.Text(), nullable=False, comment="Membership identifier"),
        sa.Column("patient_id", sa.Text(), nullable=False, comment="Patient"),
        sa.Column(
            "clinician_id",
            sa.Text(),
            nullable=True,
            comment="A professional member (exactly one of clinician_id and user_id)",
        ),
        sa.Column(
            "user_id",
            sa.Text(),
            nullable=True,
            comment="The patient's or a carer's account (exactly one of clinician_id and user_id)",
        ),
        sa.Column(
            "team_role", sa.Text(), nullable=False, comment="Their part in the team, in words, e.g. district nurse"
        ),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False, comment="When added (UTC)"),
        sa.Column("added_by", sa.Text(), nullable=False, comment="Who added them"),
        sa.Column(
            "ended_at", sa.DateTime(timezone=True), nullable=True, comment="When they left the team (null: member)"
        ),
        sa.Column("ended_by", sa.Text(), nullable=True, comment="Who ended it"),
        sa.CheckConstraint("(clinician_id IS NULL) <> (user_id IS NULL)", name=op.f("ck_care_team_members_one_member")),
        sa.ForeignKeyConstraint(["added_by"], ["users.user_id"], name=op.f("fk_care_team_members_added_by_users")),
        sa.ForeignKeyConstraint(
            ["clinician_id"], ["clinicians.clinician_id"], name=op.f("fk_care_team_members_clinician_id_clinicians")
        ),
        sa.ForeignKeyConstraint(["ended_by"], ["users.user_id"], name=op.f("fk_care_team_members_ended_by_users")),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.patient_id"], name=op.f("fk_care_team_members_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"], name=op.f("fk_care_team_members_user_id_users")),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_care_team_members")),
        comment="Members added to patients' care teams (professionals, the patient, carers).",
    )
    with op.batch_alter_table("care_team_members", schema=None) as batch_op:
        batch_op.create_index("ix_care_team_members_clinician_id", ["clinician_id"], unique=False)
        batch_op.create_index("ix_care_team_members_patient_id", ["patient_id"], unique=False)

    op.create_table(
        "referral_notes",
        sa.Column("referral_id", sa.Text(), nullable=False, comment="The canonical referral"),
        sa.Column("text", sa.Text(), nullable=False, comment="The question asked (advice) or the reason (formal)"),
        sa.Column("asked_by", sa.Text(), nullable=False, comment="Who made it"),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False, comment="When (UTC)"),
        sa.ForeignKeyConstraint(["asked_by"], ["users.user_id"], name=op.f("fk_referral_notes_asked_by_users")),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.referral_id"],
            name=op.f("fk_referral_notes_referral_id_referrals"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_referral_notes")),
        comment="The words of referrals and advice requests made through the service.",
    )
    op.create_table(
        "social_prescription_events",
        sa.Column("social_prescription_id", sa.Text(), nullable=False, comment="The canonical social prescription"),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False, comment="Step of the loop, from 1"),
        sa.Column(
            "state",
            sa.Text(),
            nullable=False,
            comment="referred, accepted, declined, attended, did_not_attend or outcome_recorded",
        ),
        sa.Column("snomed_code", sa.Text(), nullable=True, comment="SNOMED CT concept recorded with the step"),
        sa.Column("snomed_term", sa.Text(), nullable=True, comment="Its term"),
        sa.Column("note", sa.Text(), nullable=True, comment="Free text"),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, comment="When (UTC)"),
        sa.Column("recorded_by", sa.Text(), nullable=False, comment="Who recorded it"),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.user_id"], name=op.f("fk_social_prescription_events_recorded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["social_prescription_id"],
            ["social_prescriptions.social_prescription_id"],
            name=op.f("fk_social_prescription_events_social_prescription_id_social_prescriptions"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("social_prescription_id", "seq", name=op.f("pk_social_prescription_events")),
        comment="The states of social prescriptions, from referral to a coded outcome.",
    )
    op.create_table(
        "task_notes",
        sa.Column("task_id", sa.Text(), nullable=False, comment="The canonical task"),
        sa.Column("title", sa.Text(), nullable=False, comment="What is to be done"),
        sa.Column("raised_by", sa.Text(), nullable=False, comment="Who raised it"),
        sa.Column("closed_by", sa.Text(), nullable=True, comment="Who marked it done or cancelled it"),
        sa.ForeignKeyConstraint(["closed_by"], ["users.user_id"], name=op.f("fk_task_notes_closed_by_users")),
        sa.ForeignKeyConstraint(["raised_by"], ["users.user_id"], name=op.f("fk_task_notes_raised_by_users")),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.task_id"],
            name=op.f("fk_task_notes_task_id_tasks"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_task_notes")),
        comment="The words of tasks raised through the service, and who raised and closed them.",
    )
    op.create_table(
        "thread_messages",
        sa.Column("message_id", sa.Text(), nullable=False, comment="Message identifier"),
        sa.Column("patient_id", sa.Text(), nullable=False, comment="Patient whose thread it is"),
        sa.Column("author_id", sa.Text(), nullable=False, comment="Who wrote it"),
        sa.Column("author_role", sa.Text(), nullable=False, comment="Their service role when they wrote it"),
        sa.Column("body", sa.Text(), nullable=False, comment="The message"),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False, comment="When (UTC)"),
        sa.ForeignKeyConstraint(["author_id"], ["users.user_id"], name=op.f("fk_thread_messages_author_id_users")),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.patient_id"], name=op.f("fk_thread_messages_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_thread_messages")),
        comment="Messages of the patients' team threads (care team, patient, carers).",
    )
    with op.batch_alter_table("thread_messages", schema=None) as batch_op:
        batch_op.create_index("ix_thread_messages_patient_sent", ["patient_id", "sent_at"], unique=False)

    op.create_table(
        "advice_answers",
        sa.Column("referral_id", sa.Text(), nullable=False, comment="The advice request (an informal referral)"),
        sa.Column("answer", sa.Text(), nullable=False, comment="The advice given"),
        sa.Column("answered_by", sa.Text(), nullable=False, comment="Who answered"),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False, comment="When (UTC)"),
        sa.ForeignKeyConstraint(["answered_by"], ["users.user_id"], name=op.f("fk_advice_answers_answered_by_users")),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral_notes.referral_id"], name=op.f("fk_advice_answers_referral_id_referral_notes")
        ),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_advice_answers")),
        comment="Answers to advice requests between professionals (one each).",
    )


def downgrade() -> None:
    op.drop_table("advice_answers")
    with op.batch_alter_table("thread_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_thread_messages_patient_sent")

    op.drop_table("thread_messages")
    op.drop_table("task_notes")
    op.drop_table("social_prescription_events")
    op.drop_table("referral_notes")
    with op.batch_alter_table("care_team_members", schema=None) as batch_op:
        batch_op.drop_index("ix_care_team_members_patient_id")
        batch_op.drop_index("ix_care_team_members_clinician_id")

    op.drop_table("care_team_members")
    with op.batch_alter_table("care_plan_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_care_plan_versions_patient_id")

    op.drop_table("care_plan_versions")
