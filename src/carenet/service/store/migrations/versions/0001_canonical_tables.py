"""The canonical tables (schema version 1.1), as carenet.schema.tables defines them.

Revision ID: 0001
Revises:
Create Date: 2026-12-07 03:57:03.833344
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointment_counts",
        sa.Column("month", sa.Date(), autoincrement=False, nullable=False, comment="First day of the month"),
        sa.Column(
            "area_code", sa.Text(), autoincrement=False, nullable=False, comment="Reporting area (CCG/ICB/region) code"
        ),
        sa.Column("area_name", sa.Text(), autoincrement=False, nullable=True, comment="Reporting area name"),
        sa.Column(
            "status", sa.Text(), autoincrement=False, nullable=False, comment="attended, did_not_attend or unknown"
        ),
        sa.Column(
            "hcp_type", sa.Text(), autoincrement=False, nullable=False, comment="gp, other_practice_staff or unknown"
        ),
        sa.Column(
            "mode",
            sa.Text(),
            autoincrement=False,
            nullable=False,
            comment="face_to_face, telephone, home_visit, video_online or unknown",
        ),
        sa.Column(
            "booking_interval",
            sa.Text(),
            autoincrement=False,
            nullable=False,
            comment="same_day, 1_day, 2_7_days, 8_14_days, 15_21_days, 22_28_days, over_28_days or unknown",
        ),
        sa.Column("count", sa.BigInteger(), autoincrement=False, nullable=False, comment="Appointments"),
        sa.PrimaryKeyConstraint(
            "month", "area_code", "status", "hcp_type", "mode", "booking_interval", name=op.f("pk_appointment_counts")
        ),
        comment="Aggregate appointment counts (NHS Digital 'Appointments in General Practice').",
    )
    op.create_table(
        "networks",
        sa.Column(
            "network_id",
            sa.Text(),
            autoincrement=False,
            nullable=False,
            comment="Network identifier (ODS code of the PCN where known)",
        ),
        sa.Column("name", sa.Text(), autoincrement=False, nullable=False, comment="Network name"),
        sa.Column(
            "kind",
            sa.Text(),
            autoincrement=False,
            nullable=False,
            comment="pcn, federation, family_care_network or super_partnership",
        ),
        sa.PrimaryKeyConstraint("network_id", name=op.f("pk_networks")),
        comment="Networks of practices: a PCN, federation or family care network.",
    )
    op.create_table(
        "community_services",
        sa.Column("service_id", sa.Text(), autoincrement=False, nullable=False, comment="Service identifier"),
        sa.Column("name", sa.Text(), autoincrement=False, nullable=False, comment="Service name"),
        sa.Column(
            "category",
            sa.Text(),
            autoincrement=False,
            nullable=False,
            comment="e.g. befriending, exercise, debt_advice, arts, peer_support",
        ),
        sa.Column(
            "network_id", sa.Text(), autoincrement=False, nullable=True, comment="Network whose directory lists it"
        ),
        sa.Column(
            "weekly_capacity", sa.Integer(), autoincrement=False, nullable=True, comment="New people it can take a week"
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.network_id"],
            name=op.f("fk_community_services_network_id_networks"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_community_services")),
        comment="The directory of community resources that link workers refer to.",
    )
    op.create_table(
        "practices",
        sa.Column(
            "practice_id",
            sa.Text(),
            autoincrement=False,
            nullable=False,
            comment="ODS-style practice code, e.g. A81001",
        ),
        sa.Column("name", sa.Text(), autoincrement=False, nullable=False, comment="Practice name"),
        sa.Column(
            "network_id", sa.Text(), autoincrement=False, nullable=True, comment="Network the practice belongs to"
        ),
        sa.Column(
            "imd_score",
            sa.Double(),
            autoincrement=False,
            nullable=True,
            comment="IMD 2019 score of the registered population (Fingertips 93553)",
        ),
        sa.Column("list_size", sa.Integer(), autoincrement=False, nullable=False, comment="Registered patients"),
        sa.Column("postcode", sa.Text(), autoincrement=False, nullable=True, comment="Main-site postcode"),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.network_id"],
            name=op.f("fk_practices_network_id_networks"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("practice_id", name=op.f("pk_practices")),
        comment="General practices (and hub sites) with their list size and deprivation.",
    )
    op.create_table(
        "clinicians",
        sa.Column("clinician_id", sa.Text(), autoincrement=False, nullable=False, comment="Clinician identifier"),
        sa.Column("name", sa.Text(), autoincrement=False, nullable=True, comment="Display name"),
        sa.Column("role", sa.Text(), autoincrement=False, nullable=False, comment="Role code from the role catalogue"),
        sa.Column(
            "practice_id",
            sa.Text(),
            autoincrement=False,
            nullable=True,
            comment="Employing practice; null for network-employed staff",
        ),
        sa.Column(
            "network_id",
            sa.Text(),
            autoincrement=False,
            nullable=True,
            comment="Network, for staff shared across practices",
        ),
        sa.Column(
            "fte",
            sa.Double(),
            autoincrement=False,
            nullable=False,
            comment="Whole-time equivalent (1.0 = 37.5 h / 9 sessions a week)",
        ),
        sa.Column(
            "working_days", sa.Text(), autoincrement=False, nullable=True, comment="Days worked, e.g. 'Mon,Tue,Thu'"
        ),
        sa.Column(
            "sessions_per_week",
            sa.Double(),
            autoincrement=False,
            nullable=True,
            comment="Clinical sessions a week (a session is 250 min)",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.network_id"],
            name=op.f("fk_clinicians_network_id_networks"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.practice_id"],
            name=op.f("fk_clinicians_practice_id_practices"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("clinician_id", name=op.f("pk_clinicians")),
        comment="Everyone who holds a diary: clinicians and the administrators who triage.",
    )
    op.create_table(
        "patients",
        sa.Column(
            "patient_id",
            sa.Text(),
            autoincrement=False,
            nullable=False,
            comment="Stable patient identifier within the dataset",
        ),
        sa.Column(
            "nhs_number",
            sa.Text(),
            autoincrement=False,
            nullable=True,
            comment="10-digit NHS number with a valid modulus-11 check digit",
        ),
        sa.Column("birth_date", sa.Date(), autoincrement=False, nullable=False, comment="Date of birth"),
        sa.Column("sex", sa.Text(), autoincrement=False, nullable=False, comment="female, male, other or unknown"),
        sa.Column(
            "deprivation_decile",
            sa.SmallInteger(),
            autoincrement=False,
            nullable=True,
            comment="IMD decile of residence, 1 = most deprived",
        ),
        sa.Column(
            "household_id", sa.Text(), autoincrement=False, nullable=True, comment="Household the patient lives in"
        ),
        sa.Column("practice_id", sa.Text(), autoincrement=False, nullable=False, comment="Current registered practice"),
        sa.Column(
            "registered_from",
            sa.Date(),
            autoincrement=False,
            nullable=False,
            comment="Start of the current registration",
        ),
        sa.Column(
            "registered_to",
            sa.Date(),
            autoincrement=False,
            nullable=True,
            comment="End of the current registration, null while registered",
        ),
        sa.Column("death_date", sa.Date(), autoincrement=False, nullable=True, comment="Date of death"),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.practice_id"],
            name=op.f("fk_patients_practice_id_practices"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_patients")),
        comment="Registered patients, one row each.",
    )
    op.create_table(
        "teams",
        sa.Column("team_id", sa.Text(), autoincrement=False, nullable=False, comment="Team identifier"),
        sa.Column("name", sa.Text(), autoincrement=False, nullable=False, comment="Team name"),
        sa.Column(
            "kind",
            sa.Text(),
            autoincrement=False,
            nullable=False,
            comment="practice, micro_team, hub, segment_service or community",
        ),
        sa.Column(
            "practice_id",
            sa.Text(),
            autoincrement=False,
            nullable=True,
            comment="Practice the team belongs to, null if network-wide",
        ),
        sa.Column("network_id", sa.Text(), autoincrement=False, nullable=True, comment="Network"),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.network_id"],
            name=op.f("fk_teams_network_id_networks"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.practice_id"],
            name=op.f("fk_teams_practice_id_practices"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_teams")),
        comment="Teams: micro-teams holding a panel, hubs, segment services, community teams.",
    )
    op.create_table(
        "care_plans",
        sa.Column("care_plan_id", sa.Text(), autoincrement=False, nullable=False, comment="Care plan identifier"),
        sa.Column("patient_id", sa.Text(), autoincrement=False, nullable=False, comment="Patient"),
        sa.Column(
            "key_worker_id",
            sa.Text(),
            autoincrement=False,
            nullable=True,
            comment="Clinician who co-ordinates the plan",
        ),
        sa.Column(
            "status", sa.Text(), autoincrement=False, nullable=False, comment="draft, active, completed or revoked"
        ),
        sa.Column("created_date", sa.Date(), autoincrement=False, nullable=False, comment="Date agreed"),
        sa.Column("review_date", sa.Date(), autoincrement=False, nullable=True, comment="Next review due"),
        sa.Column(
            "goals",
            sa.JSON(),
            autoincrement=False,
            nullable=True,
            comment="Goals in the patient's words where recorded",
        ),
        sa.Column(
            "goals_patient_set",
            sa.Boolean(),
            autoincrement=False,
            nullable=True,
            comment="Whether the patient set the goals",
        ),
        sa.ForeignKeyConstraint(
            ["key_worker_id"],
            ["clinicians.clinician_id"],
            name=op.f("fk_care_plans_key_worker_id_clinicians"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.patient_id"],
            name=op.f("fk_care_plans_patient_id_patients"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("care_plan_id", name=op.f("pk_care_plans")),
        comment="Personalised care plans with goals and a named key worker.",
    )
    op.create_table(
        "conditions",
        sa.Column("patient_id", sa.Text(), autoincrement=False, nullable=False, comment="Patient"),
        sa.Column("snomed_code", sa.Text(), autoincrement=False, nullable=False, comment="SNOMED CT concept ID"),
        sa.Column(
            "register",
            sa.Text(),
            autoincrement=False,
            nullable=True,
            comment="QOF register the code belongs to, if any",
        ),
        sa.Column(
            "efi_deficit",
            sa.SmallInteger(),
            autoincrement=False,
            nullable=True,
            comment="eFI deficit (1-36) the code counts towards, if any",
        ),
        sa.Column("onset_date", sa.Date(), autoincrement=False, nullable=False, comment="Date first recorded"),
        sa.Column(
            "resolved_date", sa.Date(), autoincrement=False, nullable=True, comment="Date resolved, null while active"
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.patient_id"],
            name=op.f("fk_conditions_patient_id_patients"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("patient_id", "snomed_code", "onset_date", name=op.f("pk_conditions")),
        comment="Coded conditions and frailty deficits (SNOMED CT).",
    )
    op.create_table(
        "diaries",
        sa.Column(
            "clinician_id", sa.Text(), autoincrement=False, nullable=False, comment="Clinician whose diary it is"
        ),
        sa.Column(
            "site_id",
            sa.Text(),
            autoincrement=False,
            nullable=False,
            comment="Practice or hub where the sessions are held",
        ),
        sa.Column("date", sa.Date(), autoincrement=False, nullable=False, comment="Working day"),
        sa.Column(
            "slots",
            sa.Integer(),
            autoincrement=False,
            nullable=False,
            comment="Bookable appointment slots offered that day at that site",
        ),
        sa.Column(
            "slot_minutes", sa.SmallInteger(), autoincrement=False, nullable=True, comment="Usual length of one slot"
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["clinicians.clinician_id"],
            name=op.f("fk_diaries_clinician_id_clinicians"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["practices.practice_id"],
            name=op.f("fk_diaries_site_id_practices"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("clinician_id", "site_id", "date", name=op.f("pk_diaries")),
        comment="Diaries: each clinician's bookable appointment slots per working day and site.",
    )
    op.create_table(
        "panels",
        sa.Column("patient_id", sa.Text(), autoincrement=False, nullable=False, comment="Patient"),
        sa.Column("clinician_id", sa.Text(), autoincrement=False, nullable=True, comment="Named clinician"),
        sa.Column("team_id", sa.Text(), autoincrement=False, nullable=True, comment="Team holding the patient's panel"),
        sa.Column("start_date", sa.Date(), autoincrement=False, nullable=False, comment="Assigned from"),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["clinicians.clinician_id"],
            name=op.f("fk_panels_clinician_id_clinicians"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.patient_id"],
            name=op.f("fk_panels_patient_id_patients"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.team_id"], name=op.f("fk_panels_team_id_teams"), initially="DEFERRED", deferrable=True
        ),
        sa.PrimaryKeyConstraint("patient_id", "start_date", name=op.f("pk_panels")),
        comment="Each patient's named clinician (usually the named GP) and team.",
    )
    op.create_table(
        "referrals",
        sa.Column("referral_id", sa.Text(), autoincrement=False, nullable=False, comment="Referral identifier"),
        sa.Column("patient_id", sa.Text(), autoincrement=False, nullable=False, comment="Patient"),
        sa.Column("from_clinician_id", sa.Text(), autoincrement=False, nullable=True, comment="Referrer"),
        sa.Column("to_clinician_id", sa.Text(), autoincrement=False, nullable=True, comment="Receiving clinician"),
        sa.Column(
            "to_service_id", sa.Text(), autoincrement=False, nullable=True, comment="Receiving community service"
        ),
        sa.Column("kind", sa.Text(), autoincrement=False, nullable=False, comment="formal or informal"),
        sa.Column("need_type", sa.Text(), autoincrement=False, nullable=True, comment="Need the referral is for"),
        sa.Column("created_at", sa.DateTime(), autoincrement=False, nullable=False, comment="When made"),
        sa.ForeignKeyConstraint(
            ["from_clinician_id"],
            ["clinicians.clinician_id"],
            name=op.f("fk_referrals_from_clinician_id_clinicians"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.patient_id"],
            name=op.f("fk_referrals_patient_id_patients"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["to_clinician_id"],
            ["clinicians.clinician_id"],
            name=op.f("fk_referrals_to_clinician_id_clinicians"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["to_service_id"],
            ["community_services.service_id"],
            name=op.f("fk_referrals_to_service_id_community_services"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_referrals")),
        comment="Referrals between professionals: formal (a form, a queue) or informal advice.",
    )
    op.create_table(
        "registrations",
        sa.Column("patient_id", sa.Text(), autoincrement=False, nullable=False, comment="Patient"),
        sa.Column("practice_id", sa.Text(), autoincrement=False, nullable=False, comment="Practice"),
        sa.Column("start_date", sa.Date(), autoincrement=False, nullable=False, comment="First day registered"),
        sa.Column(
            "end_date", sa.Date(), autoincrement=False, nullable=True, comment="Last day registered, null while open"
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.patient_id"],
            name=op.f("fk_registrations_patient_id_patients"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.practice_id"],
            name=op.f("fk_registrations_practice_id_practices"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("patient_id", "practice_id", "start_date", name=op.f("pk_registrations")),
        comment="Registration spans: every period a patient was on a practice's list.",
    )
    op.create_table(
        "requests",
        sa.Column("request_id", sa.Text(), autoincrement=False, nullable=False, comment="Request identifier"),
        sa.Column("patient_id", sa.Text(), autoincrement=False, nullable=False, comment="Patient"),
        sa.Column(
            "practice_id", sa.Text(), autoincrement=False, nullable=False, comment="Practice the request came to"
        ),
        sa.Column(
            "requested_at", sa.DateTime(), autoincrement=False, nullable=False, comment="When the request arrived"
        ),
        sa.Column("need_type", sa.Text(), autoincrement=False, nullable=False, comment="Need type"),
        sa.Column(
            "urgency", sa.Text(), autoincrement=False, nullable=False, comment="same_day, urgent, routine or proactive"
        ),
        sa.Column(
            "channel",
            sa.Text(),
            autoincrement=False,
            nullable=False,
            comment="telephone, online, walk_in, proactive or referral",
        ),
        sa.Column(
            "episode_id",
            sa.Text(),
            autoincrement=False,
            nullable=True,
            comment="Episode of need the request belongs to: the request_id of the episode's first request (returns, re-contacts after a misroute and follow-ups of the same need carry it)",  # noqa: E501 - the column doc, verbatim
        ),
        sa.Column(
            "outcome",
            sa.Text(),
            autoincrement=False,
            nullable=True,
            comment="How the request ended: booked, waiting (still waiting for a slot when the data end), abandoned, or redirected_111 / redirected_utc / redirected_ae / redirected_pharmacy",  # noqa: E501 - the column doc, verbatim
        ),
        sa.Column(
            "outcome_at",
            sa.DateTime(),
            autoincrement=False,
            nullable=True,
            comment="When the request was booked, abandoned or redirected (null while waiting)",
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["requests.request_id"],
            name=op.f("fk_requests_episode_id_requests"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.patient_id"],
            name=op.f("fk_requests_patient_id_patients"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.practice_id"],
            name=op.f("fk_requests_practice_id_practices"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_requests")),
        comment="Requests for care: each episode of need as it reaches the practice.",
    )
    op.create_table(
        "social_prescriptions",
        sa.Column("social_prescription_id", sa.Text(), autoincrement=False, nullable=False, comment="Identifier"),
        sa.Column("patient_id", sa.Text(), autoincrement=False, nullable=False, comment="Patient"),
        sa.Column("link_worker_id", sa.Text(), autoincrement=False, nullable=True, comment="Link worker"),
        sa.Column("service_id", sa.Text(), autoincrement=False, nullable=True, comment="Community service"),
        sa.Column("referred_at", sa.DateTime(), autoincrement=False, nullable=False, comment="When referred"),
        sa.Column(
            "taken_up", sa.Boolean(), autoincrement=False, nullable=True, comment="Whether the patient took it up"
        ),
        sa.ForeignKeyConstraint(
            ["link_worker_id"],
            ["clinicians.clinician_id"],
            name=op.f("fk_social_prescriptions_link_worker_id_clinicians"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.patient_id"],
            name=op.f("fk_social_prescriptions_patient_id_patients"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["community_services.service_id"],
            name=op.f("fk_social_prescriptions_service_id_community_services"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("social_prescription_id", name=op.f("pk_social_prescriptions")),
        comment="Social prescriptions: a link worker connects a patient to a community service.",
    )
    op.create_table(
        "tasks",
        sa.Column("task_id", sa.Text(), autoincrement=False, nullable=False, comment="Task identifier"),
        sa.Column("patient_id", sa.Text(), autoincrement=False, nullable=True, comment="Patient concerned"),
        sa.Column("assigned_to", sa.Text(), autoincrement=False, nullable=True, comment="Clinician responsible"),
        sa.Column(
            "kind",
            sa.Text(),
            autoincrement=False,
            nullable=False,
            comment="What the task is, e.g. recall, follow_up, results",
        ),
        sa.Column("created_at", sa.DateTime(), autoincrement=False, nullable=False, comment="When raised"),
        sa.Column("due_date", sa.Date(), autoincrement=False, nullable=True, comment="When due"),
        sa.Column("completed_at", sa.DateTime(), autoincrement=False, nullable=True, comment="When done"),
        sa.Column("status", sa.Text(), autoincrement=False, nullable=False, comment="open, done or cancelled"),
        sa.ForeignKeyConstraint(
            ["assigned_to"],
            ["clinicians.clinician_id"],
            name=op.f("fk_tasks_assigned_to_clinicians"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.patient_id"],
            name=op.f("fk_tasks_patient_id_patients"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_tasks")),
        comment="Work items between professionals: results to action, follow-ups, recalls.",
    )
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Text(), autoincrement=False, nullable=False, comment="Team"),
        sa.Column("clinician_id", sa.Text(), autoincrement=False, nullable=False, comment="Member"),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["clinicians.clinician_id"],
            name=op.f("fk_team_members_clinician_id_clinicians"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.team_id"],
            name=op.f("fk_team_members_team_id_teams"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("team_id", "clinician_id", name=op.f("pk_team_members")),
        comment="Membership of clinicians in teams.",
    )
    op.create_table(
        "appointments",
        sa.Column("appointment_id", sa.Text(), autoincrement=False, nullable=False, comment="Appointment identifier"),
        sa.Column("patient_id", sa.Text(), autoincrement=False, nullable=False, comment="Patient"),
        sa.Column(
            "clinician_id",
            sa.Text(),
            autoincrement=False,
            nullable=True,
            comment="Clinician whose diary holds the slot",
        ),
        sa.Column("role", sa.Text(), autoincrement=False, nullable=True, comment="Role of the clinician"),
        sa.Column(
            "practice_id", sa.Text(), autoincrement=False, nullable=True, comment="Patient's registered practice"
        ),
        sa.Column(
            "site_id",
            sa.Text(),
            autoincrement=False,
            nullable=True,
            comment="Practice or hub where the appointment took place",
        ),
        sa.Column("request_id", sa.Text(), autoincrement=False, nullable=True, comment="Request it answers"),
        sa.Column(
            "requested_at",
            sa.DateTime(),
            autoincrement=False,
            nullable=True,
            comment="When the patient asked (booking start)",
        ),
        sa.Column("booked_for", sa.DateTime(), autoincrement=False, nullable=False, comment="Start of the appointment"),
        sa.Column(
            "duration_minutes", sa.SmallInteger(), autoincrement=False, nullable=True, comment="Length of the slot"
        ),
        sa.Column(
            "mode",
            sa.Text(),
            autoincrement=False,
            nullable=True,
            comment="face_to_face, telephone, video, online or home_visit",
        ),
        sa.Column(
            "status",
            sa.Text(),
            autoincrement=False,
            nullable=False,
            comment="booked, attended, did_not_attend or cancelled",
        ),
        sa.Column("urgency", sa.Text(), autoincrement=False, nullable=True, comment="Urgency of the need"),
        sa.Column("need_type", sa.Text(), autoincrement=False, nullable=True, comment="Need type"),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["clinicians.clinician_id"],
            name=op.f("fk_appointments_clinician_id_clinicians"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.patient_id"],
            name=op.f("fk_appointments_patient_id_patients"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.practice_id"],
            name=op.f("fk_appointments_practice_id_practices"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.request_id"],
            name=op.f("fk_appointments_request_id_requests"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["practices.practice_id"],
            name=op.f("fk_appointments_site_id_practices"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("appointment_id", name=op.f("pk_appointments")),
        comment="Appointments: who saw whom, where, when, how, and whether it happened.",
    )


def downgrade() -> None:
    op.drop_table("appointments")
    op.drop_table("team_members")
    op.drop_table("tasks")
    op.drop_table("social_prescriptions")
    op.drop_table("requests")
    op.drop_table("registrations")
    op.drop_table("referrals")
    op.drop_table("panels")
    op.drop_table("diaries")
    op.drop_table("conditions")
    op.drop_table("care_plans")
    op.drop_table("teams")
    op.drop_table("patients")
    op.drop_table("clinicians")
    op.drop_table("practices")
    op.drop_table("community_services")
    op.drop_table("networks")
    op.drop_table("appointment_counts")
