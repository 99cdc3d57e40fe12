"""The practice CSV extract format: which files, which columns, what each column may hold.

This is the single definition the importer reads and the documentation is checked against.
Column names match case-insensitively and ignoring spaces and punctuation; each column also
answers to the aliases listed (the names common clinical-system reports use).
"""

from __future__ import annotations

from dataclasses import dataclass

from carenet.schema.tables import TABLES
from carenet.sources import extract_vocab as vocab
from carenet.sources.extract_csv import Column, header_key


@dataclass(frozen=True)
class ExtractFile:
    """One file of the extract: its kind (also its usual file name) and its columns."""

    kind: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    signature: str
    """A column only this file has, which tells it apart when its name does not."""

    @property
    def filename(self) -> str:
        return f"{self.kind}.csv"

    def spellings(self, name: str) -> set[str]:
        """Every header spelling of column ``name`` (name and aliases), in header-key form."""
        column = next(c for c in self.columns if c.name == name)
        return {header_key(s) for s in (column.name, *column.aliases)}


REGISTRATIONS = ExtractFile(
    "registrations",
    "One row per registration span: every period a patient was on a practice's list. A patient with several "
    "spans repeats their own details (birth date, sex, NHS number …), which must agree.",
    (
        Column("patient_id", "text", True, "The practice system's patient identifier (kept as given)",
               ("patient", "patient_ref", "patient_guid")),
        Column("nhs_number", "nhs_number", False, "10-digit NHS number; spaces or dashes allowed (943 476 5919)",
               ("nhs_no",)),
        Column("birth_date", "date", True, "Date of birth", ("date_of_birth", "dob")),
        Column("sex", "code", True, "Sex", ("gender",), vocabulary=vocab.SEX),
        Column("practice_code", "text", True, "ODS code of the practice", ("practice", "practice_id", "ods_code")),
        Column("practice_name", "text", False, "Practice name (the code stands in where absent)"),
        Column("registered_from", "date", True, "First day of the registration",
               ("registration_date", "registered_on", "start_date")),
        Column("registered_to", "date", False, "Last day of the registration; empty while registered",
               ("deregistration_date", "registered_until", "end_date")),
        Column("named_gp", "text", False, "clinician_id of the patient's named (usual) GP",
               ("usual_gp", "named_clinician", "usual_gp_id")),
        Column("deprivation_decile", "int", False, "IMD decile of the patient's residence, 1 = most deprived",
               ("imd_decile",), bounds=TABLES["patients"].ranges["deprivation_decile"]),
        Column("household_id", "text", False, "Household identifier, shared by people living together"),
        Column("death_date", "date", False, "Date of death", ("date_of_death",)),
        Column("homeless", "flag", False, "Experiencing homelessness (yes/no): a Homeless code (SNOMED CT 32911000) "
               "or a no-fixed-abode registration; empty when not recorded", ("no_fixed_abode", "nfa")),
    ),
    ("patient_id", "practice_code", "registered_from"),
    "registered_from",
)

CLINICIANS = ExtractFile(
    "clinicians",
    "One row per member of staff who holds a diary. Optional: without it no clinicians table is written and "
    "clinician ids in appointments are kept as given.",
    (
        Column("clinician_id", "text", True, "The practice system's staff identifier", ("staff_id", "user_id")),
        Column("name", "text", False, "Display name", ("clinician_name", "staff_name")),
        Column("role", "code", True, "Role or job title", ("job_title", "staff_role"), vocabulary=vocab.ROLE),
        Column("practice_code", "text", False, "Employing practice; empty for network-employed staff",
               ("practice", "practice_id")),
        Column("fte", "float", True, "Whole-time equivalent, 1.0 = 37.5 hours a week",
               ("wte", "whole_time_equivalent"), bounds=TABLES["clinicians"].ranges["fte"]),
        Column("working_days", "days", False, "Days worked, e.g. Mon,Tue,Thu (full day names also accepted)"),
        Column("sessions_per_week", "float", False, "Clinical sessions a week", ("sessions",),
               bounds=TABLES["clinicians"].ranges["sessions_per_week"]),
    ),
    ("clinician_id",),
    "fte",
)

APPOINTMENTS = ExtractFile(
    "appointments",
    "One row per appointment slot booked for a patient.",
    (
        Column("appointment_id", "text", True, "The practice system's appointment identifier (kept as given)",
               ("appointment_ref", "appt_id", "slot_id")),
        Column("patient_id", "text", True, "Patient; must be in registrations (this extract or the dataset)",
               ("patient", "patient_ref", "patient_guid")),
        Column("clinician_id", "text", False, "Clinician whose diary holds the slot",
               ("clinician", "staff_id", "seen_by")),
        Column("role", "code", False, "Role of the clinician; taken from clinicians.csv when empty",
               ("clinician_role", "staff_role", "job_title"), vocabulary=vocab.ROLE),
        Column("requested_at", "datetime", False, "When the patient asked (the booking was made)",
               ("booked_at", "booking_made", "date_booked", "request_date")),
        Column("booked_for", "datetime", True, "Start of the appointment",
               ("appointment_date", "appointment_start", "appointment_datetime", "slot_start", "start")),
        Column("duration_minutes", "int", False, "Length of the slot in minutes", ("duration", "slot_length"),
               bounds=TABLES["appointments"].ranges["duration_minutes"]),
        Column("mode", "code", False, "How it was delivered", ("consultation_type", "appointment_mode", "contact_type"),
               vocabulary=vocab.MODE),
        Column("status", "code", True, "Whether it happened", ("appointment_status", "outcome"),
               vocabulary=vocab.STATUS),
        Column("urgency", "code", False, "How soon the need had to be met", ("priority", "slot_type"),
               vocabulary=vocab.URGENCY),
        Column("need_type", "code", False, "Need type, as carenet's codes", vocabulary=vocab.NEED_TYPE),
        Column("named_gp", "text", False, "clinician_id of the patient's named GP at the time",
               ("usual_gp", "named_clinician")),
        Column("site_code", "text", False, "ODS code of the practice or hub where it took place; must be a practice "
               "of the extract or dataset", ("site",)),
    ),
    ("appointment_id",),
    "appointment_id",
)

CONDITIONS = ExtractFile(
    "conditions",
    "Optional: one row per coded problem (SNOMED CT) a patient has had, so that the population can be "
    "segmented (QOF registers, electronic frailty index deficits are found from the code).",
    (
        Column("patient_id", "text", True, "Patient; must be in registrations (this extract or the dataset)",
               ("patient", "patient_ref", "patient_guid")),
        Column("snomed_code", "snomed", True, "SNOMED CT concept id", ("snomed", "snomed_ct", "concept_id")),
        Column("onset_date", "date", True, "Date first recorded", ("onset", "recorded_date", "date", "effective_date")),
        Column("resolved_date", "date", False, "Date resolved; empty while active", ("resolved", "end_date")),
    ),
    ("patient_id", "snomed_code", "onset_date"),
    "snomed_code",
)

EXTRACT_FILES: dict[str, ExtractFile] = {f.kind: f for f in (REGISTRATIONS, CLINICIANS, APPOINTMENTS, CONDITIONS)}
"""Every file of the extract by kind, in the order they are read (referenced files first)."""
