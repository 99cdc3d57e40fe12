"""The canonical tables: one Arrow schema per table, a doc for every column, and the rules
(keys, references, code sets, ranges) that the validator enforces.

Imported data and twin runs both land here, so the measures never know which they read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from carenet.schema import codes
from carenet.schema.roles import ROLE_CODES

SCHEMA_VERSION = "1.4"
READABLE_SCHEMA_VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4")
"""Schema versions of datasets this carenet reads (a manifest with any other version is not a dataset)."""

_TS = pa.timestamp("s")


def _f(name: str, type_: pa.DataType, doc: str, nullable: bool = False) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"doc": doc})


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its schema and the rules every row must keep."""

    name: str
    doc: str
    schema: pa.Schema
    primary_key: tuple[str, ...]
    references: dict[str, tuple[str, str]] = field(default_factory=dict)
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)

    def empty(self) -> pa.Table:
        return self.schema.empty_table()

    def column_docs(self) -> dict[str, str]:
        return {f.name: f.metadata[b"doc"].decode() for f in self.schema}


NETWORKS = TableSpec(
    "networks", "Networks of practices: a PCN, federation or family care network.",
    pa.schema([
        _f("network_id", pa.string(), "Network identifier (ODS code of the PCN where known)"),
        _f("name", pa.string(), "Network name"),
        _f("kind", pa.string(), "pcn, federation, family_care_network or super_partnership"),
    ]),
    ("network_id",),
    enums={"kind": ("pcn", "federation", "family_care_network", "super_partnership")},
)

PRACTICES = TableSpec(
    "practices", "General practices (and hub sites) with their list size and deprivation.",
    pa.schema([
        _f("practice_id", pa.string(), "ODS-style practice code, e.g. A81001"),
        _f("name", pa.string(), "Practice name"),
        _f("network_id", pa.string(), "Network the practice belongs to", nullable=True),
        _f("imd_score", pa.float64(), "IMD 2019 score of the registered population (Fingertips 93553)",
           nullable=True),
        _f("list_size", pa.int32(), "Registered patients"),
        _f("postcode", pa.string(), "Main-site postcode", nullable=True),
    ]),
    ("practice_id",),
    references={"network_id": ("networks", "network_id")},
    ranges={"imd_score": (0.0, 100.0), "list_size": (0, 200_000)},
)

PATIENTS = TableSpec(
    "patients", "Registered patients, one row each.",
    pa.schema([
        _f("patient_id", pa.string(), "Stable patient identifier within the dataset"),
        _f("nhs_number", pa.string(), "10-digit NHS number with a valid modulus-11 check digit",
           nullable=True),
        _f("birth_date", pa.date32(), "Date of birth"),
        _f("sex", pa.string(), "female, male, other or unknown"),
        _f("deprivation_decile", pa.int8(), "IMD decile of residence, 1 = most deprived", nullable=True),
        _f("household_id", pa.string(), "Household the patient lives in", nullable=True),
        _f("practice_id", pa.string(), "Current registered practice"),
        _f("registered_from", pa.date32(), "Start of the current registration"),
        _f("registered_to", pa.date32(), "End of the current registration, null while registered",
           nullable=True),
        _f("death_date", pa.date32(), "Date of death", nullable=True),
        _f("homeless", pa.bool_(), "Experiencing homelessness (rough sleeping, hostel, temporary accommodation, sofa "
           "surfing; SNOMED CT 32911000 Homeless or a no-fixed-abode registration); null when the source does not "
           "say (schema 1.3)", nullable=True),
    ]),
    ("patient_id",),
    references={"practice_id": ("practices", "practice_id")},
    enums={"sex": codes.SEXES},
    ranges={"deprivation_decile": (1, 10)},
)

REGISTRATIONS = TableSpec(
    "registrations", "Registration spans: every period a patient was on a practice's list.",
    pa.schema([
        _f("patient_id", pa.string(), "Patient"),
        _f("practice_id", pa.string(), "Practice"),
        _f("start_date", pa.date32(), "First day registered"),
        _f("end_date", pa.date32(), "Last day registered, null while open", nullable=True),
    ]),
    ("patient_id", "practice_id", "start_date"),
    references={"patient_id": ("patients", "patient_id"), "practice_id": ("practices", "practice_id")},
)

CLINICIANS = TableSpec(
    "clinicians", "Everyone who holds a diary: clinicians and the administrators who triage.",
    pa.schema([
        _f("clinician_id", pa.string(), "Clinician identifier"),
        _f("name", pa.string(), "Display name", nullable=True),
        _f("role", pa.string(), "Role code from the role catalogue"),
        _f("practice_id", pa.string(), "Employing practice; null for network-employed staff", nullable=True),
        _f("network_id", pa.string(), "Network, for staff shared across practices", nullable=True),
        _f("fte", pa.float64(), "Whole-time equivalent (1.0 = 37.5 h / 9 sessions a week)"),
        _f("working_days", pa.string(), "Days worked, e.g. 'Mon,Tue,Thu'", nullable=True),
        _f("sessions_per_week", pa.float64(), "Clinical sessions a week (a session is 250 min)",
           nullable=True),
    ]),
    ("clinician_id",),
    references={"practice_id": ("practices", "practice_id"), "network_id": ("networks", "network_id")},
    enums={"role": ROLE_CODES},
    ranges={"fte": (0.0, 2.0), "sessions_per_week": (0.0, 14.0)},
)

TEAMS = TableSpec(
    "teams", "Teams: micro-teams holding a panel, hubs, segment services, community teams.",
    pa.schema([
        _f("team_id", pa.string(), "Team identifier"),
        _f("name", pa.string(), "Team name"),
        _f("kind", pa.string(), "practice, micro_team, hub, segment_service or community"),
        _f("practice_id", pa.string(), "Practice the team belongs to, null if network-wide", nullable=True),
        _f("network_id", pa.string(), "Network", nullable=True),
    ]),
    ("team_id",),
    references={"practice_id": ("practices", "practice_id"), "network_id": ("networks", "network_id")},
    enums={"kind": codes.TEAM_KINDS},
)

TEAM_MEMBERS = TableSpec(
    "team_members", "Membership of clinicians in teams.",
    pa.schema([
        _f("team_id", pa.string(), "Team"),
        _f("clinician_id", pa.string(), "Member"),
    ]),
    ("team_id", "clinician_id"),
    references={"team_id": ("teams", "team_id"), "clinician_id": ("clinicians", "clinician_id")},
)

PANELS = TableSpec(
    "panels", "Each patient's named clinician (usually the named GP) and team.",
    pa.schema([
        _f("patient_id", pa.string(), "Patient"),
        _f("clinician_id", pa.string(), "Named clinician", nullable=True),
        _f("team_id", pa.string(), "Team holding the patient's panel", nullable=True),
        _f("start_date", pa.date32(), "Assigned from"),
    ]),
    ("patient_id", "start_date"),
    references={"patient_id": ("patients", "patient_id"), "clinician_id": ("clinicians", "clinician_id"),
                "team_id": ("teams", "team_id")},
)

CONDITIONS = TableSpec(
    "conditions", "Coded conditions and frailty deficits (SNOMED CT).",
    pa.schema([
        _f("patient_id", pa.string(), "Patient"),
        _f("snomed_code", pa.string(), "SNOMED CT concept ID"),
        _f("register", pa.string(), "QOF register the code belongs to, if any", nullable=True),
        _f("efi_deficit", pa.int8(), "eFI deficit (1-36) the code counts towards, if any", nullable=True),
        _f("onset_date", pa.date32(), "Date first recorded"),
        _f("resolved_date", pa.date32(), "Date resolved, null while active", nullable=True),
    ]),
    ("patient_id", "snomed_code", "onset_date"),
    references={"patient_id": ("patients", "patient_id")},
    ranges={"efi_deficit": (1, 36)},
)

REQUESTS = TableSpec(
    "requests", "Requests for care: each episode of need as it reaches the practice.",
    pa.schema([
        _f("request_id", pa.string(), "Request identifier"),
        _f("patient_id", pa.string(), "Patient"),
        _f("practice_id", pa.string(), "Practice the request came to"),
        _f("requested_at", _TS, "When the request arrived"),
        _f("need_type", pa.string(), "Need type"),
        _f("urgency", pa.string(), "same_day, urgent, routine or proactive"),
        _f("channel", pa.string(), "telephone, online, walk_in, proactive or referral"),
        _f("episode_id", pa.string(),
           "Episode of need the request belongs to: the request_id of the episode's first request "
           "(returns, re-contacts after a misroute and follow-ups of the same need carry it)", nullable=True),
        _f("outcome", pa.string(),
           "How the request ended: booked, waiting (still waiting for a slot when the data end), abandoned, "
           "or redirected_111 / redirected_utc / redirected_ae / redirected_pharmacy", nullable=True),
        _f("outcome_at", _TS, "When the request was booked, abandoned or redirected (null while waiting)",
           nullable=True),
    ]),
    ("request_id",),
    references={"patient_id": ("patients", "patient_id"), "practice_id": ("practices", "practice_id"),
                "episode_id": ("requests", "request_id")},
    enums={"need_type": codes.NEED_TYPES, "urgency": codes.URGENCIES, "channel": codes.CHANNELS,
           "outcome": codes.REQUEST_OUTCOMES},
)

APPOINTMENTS = TableSpec(
    "appointments", "Appointments: who saw whom, where, when, how, and whether it happened.",
    pa.schema([
        _f("appointment_id", pa.string(), "Appointment identifier"),
        _f("patient_id", pa.string(), "Patient"),
        _f("clinician_id", pa.string(), "Clinician whose diary holds the slot", nullable=True),
        _f("role", pa.string(), "Role of the clinician", nullable=True),
        _f("practice_id", pa.string(), "Patient's registered practice", nullable=True),
        _f("site_id", pa.string(), "Practice or hub where the appointment took place", nullable=True),
        _f("request_id", pa.string(), "Request it answers", nullable=True),
        _f("requested_at", _TS, "When the patient asked (booking start)", nullable=True),
        _f("booked_for", _TS, "Start of the appointment"),
        _f("duration_minutes", pa.int16(), "Length of the slot", nullable=True),
        _f("mode", pa.string(), "face_to_face, telephone, video, online or home_visit", nullable=True),
        _f("status", pa.string(), "booked, attended, did_not_attend or cancelled"),
        _f("urgency", pa.string(), "Urgency of the need", nullable=True),
        _f("need_type", pa.string(), "Need type", nullable=True),
    ]),
    ("appointment_id",),
    references={"patient_id": ("patients", "patient_id"), "clinician_id": ("clinicians", "clinician_id"),
                "practice_id": ("practices", "practice_id"), "site_id": ("practices", "practice_id"),
                "request_id": ("requests", "request_id")},
    enums={"role": ROLE_CODES, "mode": codes.MODES, "status": codes.APPOINTMENT_STATUSES,
           "urgency": codes.URGENCIES, "need_type": codes.NEED_TYPES},
    ranges={"duration_minutes": (0, 600)},
)

CARE_PLANS = TableSpec(
    "care_plans", "Personalised care plans with goals and a named key worker.",
    pa.schema([
        _f("care_plan_id", pa.string(), "Care plan identifier"),
        _f("patient_id", pa.string(), "Patient"),
        _f("key_worker_id", pa.string(), "Clinician who co-ordinates the plan", nullable=True),
        _f("status", pa.string(), "draft, active, completed or revoked"),
        _f("created_date", pa.date32(), "Date agreed"),
        _f("review_date", pa.date32(), "Next review due", nullable=True),
        _f("goals", pa.list_(pa.string()), "Goals in the patient's words where recorded", nullable=True),
        _f("goals_patient_set", pa.bool_(), "Whether the patient set the goals", nullable=True),
    ]),
    ("care_plan_id",),
    references={"patient_id": ("patients", "patient_id"), "key_worker_id": ("clinicians", "clinician_id")},
    enums={"status": codes.CARE_PLAN_STATUSES},
)

TASKS = TableSpec(
    "tasks", "Work items between professionals: results to action, follow-ups, recalls.",
    pa.schema([
        _f("task_id", pa.string(), "Task identifier"),
        _f("patient_id", pa.string(), "Patient concerned", nullable=True),
        _f("assigned_to", pa.string(), "Clinician responsible", nullable=True),
        _f("kind", pa.string(), "What the task is, e.g. recall, follow_up, results"),
        _f("created_at", _TS, "When raised"),
        _f("due_date", pa.date32(), "When due", nullable=True),
        _f("completed_at", _TS, "When done", nullable=True),
        _f("status", pa.string(), "open, done or cancelled"),
    ]),
    ("task_id",),
    references={"patient_id": ("patients", "patient_id"), "assigned_to": ("clinicians", "clinician_id")},
    enums={"status": codes.TASK_STATUSES},
)

COMMUNITY_SERVICES = TableSpec(
    "community_services", "The directory of community resources that link workers refer to.",
    pa.schema([
        _f("service_id", pa.string(), "Service identifier"),
        _f("name", pa.string(), "Service name"),
        _f("category", pa.string(), "e.g. befriending, exercise, debt_advice, arts, peer_support"),
        _f("network_id", pa.string(), "Network whose directory lists it", nullable=True),
        _f("weekly_capacity", pa.int32(), "New people it can take a week", nullable=True),
    ]),
    ("service_id",),
    references={"network_id": ("networks", "network_id")},
    ranges={"weekly_capacity": (0, 100_000)},
)

REFERRALS = TableSpec(
    "referrals", "Referrals between professionals: formal (a form, a queue) or informal advice; and referrals out of "
    "the network to a hospital outpatient clinic (schema 1.4).",
    pa.schema([
        _f("referral_id", pa.string(), "Referral identifier"),
        _f("patient_id", pa.string(), "Patient"),
        _f("from_clinician_id", pa.string(), "Referrer", nullable=True),
        _f("to_clinician_id", pa.string(), "Receiving clinician", nullable=True),
        _f("to_service_id", pa.string(), "Receiving community service", nullable=True),
        _f("kind", pa.string(), "formal or informal (between professionals of the network), or outpatient (to a "
           "hospital outpatient clinic, with no receiver in the network; schema 1.4)"),
        _f("need_type", pa.string(), "Need the referral is for", nullable=True),
        _f("created_at", _TS, "When made"),
    ]),
    ("referral_id",),
    references={"patient_id": ("patients", "patient_id"), "from_clinician_id": ("clinicians", "clinician_id"),
                "to_clinician_id": ("clinicians", "clinician_id"),
                "to_service_id": ("community_services", "service_id")},
    enums={"kind": codes.REFERRAL_KINDS, "need_type": codes.NEED_TYPES},
)

SOCIAL_PRESCRIPTIONS = TableSpec(
    "social_prescriptions", "Social prescriptions: a link worker connects a patient to a community service.",
    pa.schema([
        _f("social_prescription_id", pa.string(), "Identifier"),
        _f("patient_id", pa.string(), "Patient"),
        _f("link_worker_id", pa.string(), "Link worker", nullable=True),
        _f("service_id", pa.string(), "Community service", nullable=True),
        _f("referred_at", _TS, "When referred"),
        _f("taken_up", pa.bool_(), "Whether the patient took it up", nullable=True),
    ]),
    ("social_prescription_id",),
    references={"patient_id": ("patients", "patient_id"), "link_worker_id": ("clinicians", "clinician_id"),
                "service_id": ("community_services", "service_id")},
)

APPOINTMENT_COUNTS = TableSpec(
    "appointment_counts", "Aggregate appointment counts (NHS Digital 'Appointments in General Practice').",
    pa.schema([
        _f("month", pa.date32(), "First day of the month"),
        _f("area_code", pa.string(), "Reporting area (CCG/ICB/region) code"),
        _f("area_name", pa.string(), "Reporting area name", nullable=True),
        _f("status", pa.string(), "attended, did_not_attend or unknown"),
        _f("hcp_type", pa.string(), "gp, other_practice_staff or unknown"),
        _f("mode", pa.string(), "face_to_face, telephone, home_visit, video_online or unknown"),
        _f("booking_interval", pa.string(),
           "same_day, 1_day, 2_7_days, 8_14_days, 15_21_days, 22_28_days, over_28_days or unknown"),
        _f("count", pa.int64(), "Appointments"),
    ]),
    ("month", "area_code", "status", "hcp_type", "mode", "booking_interval"),
    enums={
        "status": ("attended", "did_not_attend", "unknown"),
        "hcp_type": ("gp", "other_practice_staff", "unknown"),
        "mode": ("face_to_face", "telephone", "home_visit", "video_online", "unknown"),
        "booking_interval": ("same_day", "1_day", "2_7_days", "8_14_days", "15_21_days", "22_28_days",
                             "over_28_days", "unknown"),
    },
    ranges={"count": (0, None)},
)

DIARIES = TableSpec(
    "diaries", "Diaries: each clinician's bookable appointment slots per working day, site and slot type.",
    pa.schema([
        _f("clinician_id", pa.string(), "Clinician whose diary it is"),
        _f("site_id", pa.string(), "Practice or hub where the sessions are held"),
        _f("date", pa.date32(), "Working day"),
        _f("slots", pa.int32(), "Bookable appointment slots offered that day at that site"),
        _f("slot_minutes", pa.int16(), "Usual length of one slot", nullable=True),
        _f("slot_type", pa.string(),
           "routine (bookable ahead), on_the_day (held and released on the day) or long (longer appointments, "
           "booked ahead); null when the source does not say", nullable=True),
    ]),
    ("clinician_id", "date", "site_id", "slot_type"),
    references={"clinician_id": ("clinicians", "clinician_id"), "site_id": ("practices", "practice_id")},
    enums={"slot_type": codes.SLOT_TYPES},
    ranges={"slots": (0, None), "slot_minutes": (0, 600)},
)

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (NETWORKS, PRACTICES, PATIENTS, REGISTRATIONS, CLINICIANS, DIARIES, TEAMS, TEAM_MEMBERS, PANELS,
              CONDITIONS, REQUESTS, APPOINTMENTS, CARE_PLANS, TASKS, COMMUNITY_SERVICES, REFERRALS,
              SOCIAL_PRESCRIPTIONS, APPOINTMENT_COUNTS)
}
"""Every canonical table by name, in dependency order (referenced tables first)."""


def conform(name: str, table: pa.Table) -> pa.Table:
    """Cast ``table`` to the canonical schema of ``name``, adding absent nullable columns as nulls.

    Raises ``KeyError`` naming a missing non-nullable column.
    """
    spec = TABLES[name]
    cols = []
    for f in spec.schema:
        if f.name in table.column_names:
            cols.append(table.column(f.name).cast(f.type))
        elif f.nullable:
            cols.append(pa.nulls(table.num_rows, f.type))
        else:
            raise KeyError(f"table {name!r} lacks required column {f.name!r}")
    return pa.Table.from_arrays(cols, schema=spec.schema)
