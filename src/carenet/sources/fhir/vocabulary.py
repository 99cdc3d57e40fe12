"""The FHIR vocabulary carenet reads and writes: systems, extension URLs and status maps.

carenet's own code systems and extensions live under ``https://carenet.dev/fhir/``; they carry the
canonical fields FHIR R4 has no element for (a practice's IMD score, a clinician's FTE, a patient's
registration spans), so that an export imports back to the same tables.
"""

from __future__ import annotations

from carenet.schema.codes import CARENET_ID_SYSTEM, NHS_NUMBER_SYSTEM, ODS_SYSTEM, SNOMED_SYSTEM

__all__ = ["CARENET_ID_SYSTEM", "NHS_NUMBER_SYSTEM", "ODS_SYSTEM", "SNOMED_SYSTEM"]

READ_TYPES: tuple[str, ...] = (
    "Organization", "Practitioner", "PractitionerRole", "Patient", "Encounter", "Appointment",
    "Condition", "CarePlan", "Goal", "CareTeam",
)
"""Resource types carenet maps into canonical tables (Goal supplies the text of care-plan goals)."""

BUNDLE_TYPES: tuple[str, ...] = ("transaction", "batch", "collection", "searchset", "document")
"""Bundle types whose entries are resources to import (responses and histories are not)."""

_BASE = "https://carenet.dev/fhir"
CODE_SYSTEM = f"{_BASE}/CodeSystem"
EXTENSION = f"{_BASE}/StructureDefinition"

ROLE_SYSTEM = f"{CODE_SYSTEM}/role"
NETWORK_KIND_SYSTEM = f"{CODE_SYSTEM}/network-kind"
TEAM_KIND_SYSTEM = f"{CODE_SYSTEM}/team-kind"
MODE_SYSTEM = f"{CODE_SYSTEM}/mode"
URGENCY_SYSTEM = f"{CODE_SYSTEM}/urgency"
NEED_TYPE_SYSTEM = f"{CODE_SYSTEM}/need-type"
CARE_TEAM_ROLE_SYSTEM = f"{CODE_SYSTEM}/care-team-role"
NAMED_CLINICIAN = "named_clinician"
"""Care-team participant role marking the patient's named clinician."""

EXT_IMD_SCORE = f"{EXTENSION}/imd-score"
EXT_LIST_SIZE = f"{EXTENSION}/list-size"
EXT_FTE = f"{EXTENSION}/fte"
EXT_SESSIONS = f"{EXTENSION}/sessions-per-week"
EXT_DEPRIVATION = f"{EXTENSION}/deprivation-decile"
EXT_HOUSEHOLD = f"{EXTENSION}/household"
EXT_HOMELESS = f"{EXTENSION}/homeless"
EXT_REGISTRATION = f"{EXTENSION}/registration"
EXT_SITE = f"{EXTENSION}/site"
EXT_PRACTICE = f"{EXTENSION}/registered-practice"
EXT_REVIEW_DATE = f"{EXTENSION}/review-date"
EXT_GOALS_PATIENT_SET = f"{EXTENSION}/goals-patient-set"

ID_SYSTEM_BY_TYPE: dict[str, str] = {
    "Organization": f"{CARENET_ID_SYSTEM}/organization",
    "Practitioner": f"{CARENET_ID_SYSTEM}/clinician",
    "Patient": f"{CARENET_ID_SYSTEM}/patient",
    "Appointment": f"{CARENET_ID_SYSTEM}/appointment",
    "Encounter": f"{CARENET_ID_SYSTEM}/appointment",
    "CarePlan": f"{CARENET_ID_SYSTEM}/care-plan",
    "CareTeam": f"{CARENET_ID_SYSTEM}/team",
}
"""Identifier systems holding the canonical id, written on export and preferred on import."""

ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ACT_PRIORITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActPriority"
APPOINTMENT_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0276"
CONDITION_CLINICAL_SYSTEM = "http://terminology.hl7.org/CodeSystem/condition-clinical"

ENCOUNTER_CLASS_MODE: dict[str, str] = {"AMB": "face_to_face", "VR": "video", "HH": "home_visit"}
"""Encounter classes that are general-practice appointments, and the mode each implies.

Other classes (IMP inpatient, EMER emergency, ACUTE, NONAC, OBSENC, PRENC, SS, FLD) are hospital
or community activity: the encounter is skipped and counted.
"""

MODE_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("telephone", "telephone"), ("phone", "telephone"), ("video", "video"), ("online", "online"),
    ("e-consult", "online"), ("home visit", "home_visit"), ("face to face", "face_to_face"),
    ("face-to-face", "face_to_face"),
)
"""Words in an encounter's or appointment's type or service type that name its mode."""

ENCOUNTER_STATUS: dict[str, str | None] = {
    "planned": "booked", "arrived": "attended", "triaged": "attended", "in-progress": "attended",
    "onleave": "attended", "finished": "attended", "cancelled": "cancelled",
    "entered-in-error": None, "unknown": None,
}
"""Encounter.status → appointment status; ``None`` skips the encounter (no usable fact)."""

APPOINTMENT_STATUS: dict[str, str | None] = {
    "proposed": "booked", "pending": "booked", "booked": "booked", "arrived": "attended",
    "checked-in": "attended", "fulfilled": "attended", "cancelled": "cancelled", "noshow": "did_not_attend",
    "entered-in-error": None, "waitlist": None,
}
"""Appointment.status → appointment status; ``None`` skips the appointment."""

APPOINTMENT_STATUS_OUT: dict[str, str] = {
    "booked": "booked", "attended": "fulfilled", "did_not_attend": "noshow", "cancelled": "cancelled",
}

CARE_PLAN_STATUS: dict[str, str | None] = {
    "draft": "draft", "active": "active", "on-hold": "active", "completed": "completed", "revoked": "revoked",
    "entered-in-error": None, "unknown": None,
}
"""CarePlan.status → care-plan status (an on-hold plan is still the patient's plan)."""

PRIORITY_URGENCY: dict[tuple[str, str], str] = {
    (ACT_PRIORITY_SYSTEM, "EM"): "urgent", (ACT_PRIORITY_SYSTEM, "UR"): "urgent",
    (ACT_PRIORITY_SYSTEM, "A"): "same_day", (ACT_PRIORITY_SYSTEM, "S"): "urgent",
    (ACT_PRIORITY_SYSTEM, "R"): "routine", (ACT_PRIORITY_SYSTEM, "EL"): "routine",
    (APPOINTMENT_TYPE_SYSTEM, "EMERGENCY"): "urgent", (APPOINTMENT_TYPE_SYSTEM, "WALKIN"): "same_day",
    (APPOINTMENT_TYPE_SYSTEM, "ROUTINE"): "routine", (APPOINTMENT_TYPE_SYSTEM, "CHECKUP"): "routine",
    (APPOINTMENT_TYPE_SYSTEM, "FOLLOWUP"): "routine",
}
"""Standard priority / appointment-type codes that say how urgent a contact was."""

DAYS_FHIR_TO_CANONICAL: dict[str, str] = {
    "mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri", "sat": "Sat", "sun": "Sun",
}
DAYS_CANONICAL_TO_FHIR: dict[str, str] = {v: k for k, v in DAYS_FHIR_TO_CANONICAL.items()}
