"""A small canonical dataset that uses every column the FHIR export carries."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from fhir_samples import NHS_1, NHS_2

from carenet.schema import TABLES, conform, deficits_for_code, register_for_code

D = dt.date
T = dt.datetime


def _table(name: str, rows: list[dict]) -> pa.Table:
    schema = TABLES[name].schema
    return conform(name, pa.Table.from_pylist(rows, schema=schema))


def _condition(patient: str, code: str, onset: dt.date, resolved: dt.date | None = None) -> dict:
    deficits = deficits_for_code(code)
    return {"patient_id": patient, "snomed_code": code, "register": register_for_code(code),
            "efi_deficit": deficits[0] if deficits else None, "onset_date": onset, "resolved_date": resolved}


def canonical_tables() -> dict[str, pa.Table]:
    return {
        "networks": _table("networks", [
            {"network_id": "U12345", "name": "Riverside PCN", "kind": "pcn"},
            {"network_id": "FED-1", "name": "Tees Federation", "kind": "federation"},
        ]),
        "practices": _table("practices", [
            {"practice_id": "A81001", "name": "River Surgery", "network_id": "U12345", "imd_score": 23.5,
             "list_size": 2, "postcode": "TS1 1AA"},
            {"practice_id": "A81002", "name": "Hill Practice", "network_id": None, "imd_score": None,
             "list_size": 2, "postcode": None},
            {"practice_id": "HUB 01", "name": "Extended-access hub", "network_id": "FED-1", "imd_score": 31.25,
             "list_size": 0, "postcode": "TS2 2BB"},
        ]),
        "clinicians": _table("clinicians", [
            {"clinician_id": "C1", "name": "Dr Asha Patel", "role": "gp", "practice_id": "A81001",
             "network_id": None, "fte": 0.8, "working_days": "Mon,Tue,Thu", "sessions_per_week": 6.0},
            {"clinician_id": "C2", "name": "Sam Jones", "role": "anp", "practice_id": "A81002", "network_id": None,
             "fte": 1.0, "working_days": None, "sessions_per_week": None},
            {"clinician_id": "C3", "name": "Lee Wong", "role": "splw", "practice_id": None, "network_id": "U12345",
             "fte": 0.5, "working_days": "Wed", "sessions_per_week": 4.5},
            {"clinician_id": "C 4", "name": None, "role": "admin", "practice_id": "A81001", "network_id": None,
             "fte": 1.0, "working_days": None, "sessions_per_week": None},
        ]),
        "patients": _table("patients", [
            {"patient_id": "P1", "nhs_number": NHS_1, "birth_date": D(1950, 3, 4), "sex": "female",
             "deprivation_decile": 3, "household_id": "H1", "practice_id": "A81001",
             "registered_from": D(2015, 1, 1), "registered_to": None, "death_date": None},
            {"patient_id": "P2", "nhs_number": NHS_2, "birth_date": D(1990, 1, 1), "sex": "male",
             "deprivation_decile": None, "household_id": "H1", "practice_id": "A81002",
             "registered_from": D(2015, 1, 1), "registered_to": None, "death_date": None},
            {"patient_id": "P3", "nhs_number": None, "birth_date": D(1931, 12, 31), "sex": "unknown",
             "deprivation_decile": 10, "household_id": None, "practice_id": "A81001",
             "registered_from": D(1990, 5, 6), "registered_to": D(2023, 5, 1), "death_date": D(2023, 5, 1)},
            {"patient_id": "P4", "nhs_number": None, "birth_date": D(2020, 2, 29), "sex": "other",
             "deprivation_decile": 1, "household_id": None, "practice_id": "A81002",
             "registered_from": D(2020, 3, 1), "registered_to": None, "death_date": None},
        ]),
        "registrations": _table("registrations", [
            {"patient_id": "P1", "practice_id": "A81001", "start_date": D(2015, 1, 1), "end_date": None},
            {"patient_id": "P2", "practice_id": "A81001", "start_date": D(2010, 1, 1), "end_date": D(2014, 12, 31)},
            {"patient_id": "P2", "practice_id": "A81002", "start_date": D(2015, 1, 1), "end_date": None},
            {"patient_id": "P3", "practice_id": "A81001", "start_date": D(1990, 5, 6), "end_date": D(2023, 5, 1)},
            {"patient_id": "P4", "practice_id": "A81002", "start_date": D(2020, 3, 1), "end_date": None},
        ]),
        "teams": _table("teams", [
            {"team_id": "T1", "name": "Blue team", "kind": "micro_team", "practice_id": "A81001", "network_id": None},
            {"team_id": "T2", "name": "Hub team", "kind": "hub", "practice_id": None, "network_id": "U12345"},
        ]),
        "team_members": _table("team_members", [
            {"team_id": "T1", "clinician_id": "C1"}, {"team_id": "T1", "clinician_id": "C2"},
            {"team_id": "T2", "clinician_id": "C3"},
        ]),
        "panels": _table("panels", [
            {"patient_id": "P1", "clinician_id": "C1", "team_id": "T1", "start_date": D(2020, 1, 1)},
            {"patient_id": "P2", "clinician_id": None, "team_id": "T1", "start_date": D(2021, 6, 1)},
            {"patient_id": "P3", "clinician_id": "C2", "team_id": None, "start_date": D(2019, 1, 1)},
        ]),
        "conditions": _table("conditions", [
            _condition("P1", "38341003", D(2012, 3, 4)),
            _condition("P1", "10509002", D(2017, 5, 25), D(2017, 6, 1)),
            _condition("P3", "52448006", D(2019, 2, 2)),
        ]),
        "appointments": _table("appointments", [
            {"appointment_id": "A1", "patient_id": "P1", "clinician_id": "C1", "role": "gp", "practice_id": "A81001",
             "site_id": "A81001", "requested_at": T(2024, 7, 1, 8, 5), "booked_for": T(2024, 7, 1, 9, 0),
             "duration_minutes": 10, "mode": "face_to_face", "status": "attended", "urgency": "same_day",
             "need_type": "acute_minor"},
            {"appointment_id": "A2", "patient_id": "P2", "clinician_id": "C2", "role": "anp", "practice_id": "A81002",
             "site_id": "HUB 01", "requested_at": None, "booked_for": T(2024, 1, 15, 8, 30), "duration_minutes": 15,
             "mode": "telephone", "status": "did_not_attend", "urgency": "routine", "need_type": "ltc_review"},
            {"appointment_id": "A3", "patient_id": "P1", "clinician_id": None, "role": "gp", "practice_id": "A81001",
             "site_id": None, "requested_at": None, "booked_for": T(2024, 12, 1, 10, 0), "duration_minutes": None,
             "mode": None, "status": "booked", "urgency": None, "need_type": None},
            {"appointment_id": "A 5", "patient_id": "P2", "clinician_id": "C3", "role": "splw",
             "practice_id": "A81001", "site_id": "A81002", "requested_at": T(2024, 10, 27, 1, 30),
             "booked_for": T(2024, 10, 28, 16, 45), "duration_minutes": 45, "mode": "video", "status": "cancelled",
             "urgency": "proactive", "need_type": "psychosocial"},
        ]),
        "care_plans": _table("care_plans", [
            {"care_plan_id": "CP1", "patient_id": "P1", "key_worker_id": "C2", "status": "active",
             "created_date": D(2024, 2, 10), "review_date": D(2024, 8, 10),
             "goals": ["Walk to the shops", "Sleep better"], "goals_patient_set": True},
            {"care_plan_id": "CP2", "patient_id": "P3", "key_worker_id": None, "status": "draft",
             "created_date": D(2023, 1, 1), "review_date": None, "goals": None, "goals_patient_set": None},
            {"care_plan_id": "CP3", "patient_id": "P2", "key_worker_id": "C3", "status": "completed",
             "created_date": D(2022, 6, 30), "review_date": None, "goals": ["Join the walking group"],
             "goals_patient_set": False},
        ]),
    }
