"""Mapping rules: organisations, roles, registrations, encounters, teams and panels, care plans."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fhir_samples import NHS_1, resources, sample_bundle, transaction, write_json, write_ndjson

from carenet.sources.fhir import read_fhir
from carenet.sources.fhir.references import ReferenceIndex
from carenet.sources.fhir.roles import role_from_concepts


@pytest.fixture(scope="module")
def sample(tmp_path_factory, defaults):
    path = write_json(tmp_path_factory.mktemp("sample") / "sample.json", sample_bundle())
    return {name: table.to_pylist() for name, table in read_fhir([path], defaults).tables.items()}


def test_organisations_become_networks_and_practices(sample) -> None:
    assert sample["networks"] == [{"network_id": "U12345", "name": "Riverside PCN", "kind": "pcn"}]
    assert sample["practices"] == [{"practice_id": "A81001", "name": "River Surgery", "network_id": "U12345",
                                    "imd_score": None, "list_size": 2, "postcode": "TS1 1AA"}]


def test_clinician_roles_and_practices(sample) -> None:
    by_id = {c["clinician_id"]: c for c in sample["clinicians"]}
    assert by_id["gp1"]["role"] == "gp"  # no role information: the configured default
    assert by_id["gp1"]["practice_id"] == "A81001"  # where most of its appointments were
    assert by_id["nurse1"] == {"clinician_id": "nurse1", "name": "Sam Jones", "role": "practice_nurse",
                               "practice_id": "A81001", "network_id": None, "fte": 1.0,
                               "working_days": "Mon,Tue", "sessions_per_week": None}


def test_patients_and_registrations(sample) -> None:
    pat1 = next(p for p in sample["patients"] if p["patient_id"] == "pat1")
    assert pat1["nhs_number"] == NHS_1 and pat1["sex"] == "female"
    assert pat1["practice_id"] == "A81001"  # generalPractitioner by urn:uuid
    assert pat1["registered_from"] == dt.date(2024, 7, 1)  # earliest GP contact (the inpatient stay is skipped)
    pat2 = next(p for p in sample["patients"] if p["patient_id"] == "pat2")
    assert pat2["birth_date"] == dt.date(1990, 1, 1)  # partial date: its first day
    assert pat2["registered_from"] == dt.date(2024, 1, 15)


def test_encounters_and_appointments(sample) -> None:
    rows = {a["appointment_id"]: a for a in sample["appointments"]}
    assert set(rows) == {"enc1", "enc2", "appt1"}
    assert rows["enc1"]["booked_for"] == dt.datetime(2024, 7, 1, 9, 0)  # BST wall clock
    assert (rows["enc1"]["clinician_id"], rows["enc1"]["mode"]) == ("gp1", "face_to_face")
    assert rows["enc2"]["mode"] == "telephone" and rows["enc2"]["role"] == "practice_nurse"
    assert rows["enc2"]["booked_for"] == dt.datetime(2024, 1, 15, 8, 30)  # GMT: unchanged
    assert rows["appt1"]["status"] == "did_not_attend" and rows["appt1"]["urgency"] == "routine"
    assert rows["appt1"]["requested_at"] == dt.datetime(2024, 3, 1, 10, 0)
    assert rows["appt1"]["practice_id"] == "A81001" and rows["appt1"]["site_id"] is None


def test_conditions_care_plans_teams_panels(sample) -> None:
    assert sample["conditions"] == [{"patient_id": "pat1", "snomed_code": "38341003", "register": "HYP",
                                     "efi_deficit": 17, "onset_date": dt.date(2010, 5, 1), "resolved_date": None}]
    assert sample["care_plans"] == [{"care_plan_id": "plan1", "patient_id": "pat1", "key_worker_id": "nurse1",
                                     "status": "active", "created_date": dt.date(2024, 2, 10), "review_date": None,
                                     "goals": ["Walk to the shops again"], "goals_patient_set": True}]
    assert sample["teams"] == [{"team_id": "team1", "name": "Blue team", "kind": "micro_team",
                                "practice_id": "A81001", "network_id": None}]
    assert sample["team_members"] == [{"team_id": "team1", "clinician_id": "gp1"},
                                      {"team_id": "team1", "clinician_id": "nurse1"}]
    assert sample["panels"] == [{"patient_id": "pat1", "clinician_id": "gp1", "team_id": "team1",
                                 "start_date": dt.date(2023, 1, 1)}]


def test_a_patients_own_care_team_becomes_a_team_and_a_panel(tmp_path: Path, defaults) -> None:
    items = [r for r in resources() if r["id"] != "panel1"]
    items.append({"resourceType": "CareTeam", "id": "ct-pat2", "subject": {"reference": "Patient/pat2"},
                  "participant": [{"member": {"reference": "Practitioner/gp1"}},
                                  {"member": {"reference": "Practitioner/nurse1"}},
                                  {"member": {"reference": "Patient/pat2"}}]})
    tables = read_fhir([write_ndjson(tmp_path / "x.ndjson", items)], defaults).tables
    assert {t["team_id"] for t in tables["teams"].to_pylist()} == {"team1", "ct-pat2"}
    assert tables["panels"].to_pylist() == [{"patient_id": "pat2", "clinician_id": None, "team_id": "ct-pat2",
                                             "start_date": dt.date(2024, 1, 15)}]


def test_an_encounter_for_an_appointment_counts_once(tmp_path: Path, defaults) -> None:
    items = resources()
    appt = next(r for r in items if r["id"] == "appt1")
    appt["status"] = "booked"
    items.append({"resourceType": "Encounter", "id": "enc-appt1", "status": "finished",
                  "class": {"code": "AMB"}, "subject": {"reference": "Patient/pat2"},
                  "appointment": [{"reference": "Appointment/appt1"}],
                  "period": {"start": "2024-03-05T14:02:00Z"}})
    result = read_fhir([write_ndjson(tmp_path / "x.ndjson", items)], defaults)
    rows = {a["appointment_id"]: a for a in result.tables["appointments"].to_pylist()}
    assert "enc-appt1" not in rows and rows["appt1"]["status"] == "attended"
    assert result.notes["Encounter recorded against its Appointment (counted once)"] == 1


def test_registration_extension_and_death(tmp_path: Path, defaults) -> None:
    items = resources()
    pat1 = next(r for r in items if r["id"] == "pat1")
    pat1["extension"] = [{"url": "https://carenet.dev/fhir/StructureDefinition/registration", "extension": [
        {"url": "practice", "valueReference": {"reference": "Organization/prac1"}},
        {"url": "period", "valuePeriod": {"start": "2001-04-05"}}]}]
    pat2 = next(r for r in items if r["id"] == "pat2")
    pat2["deceasedDateTime"] = "2024-05-01T23:30:00Z"
    tables = read_fhir([write_ndjson(tmp_path / "x.ndjson", items)], defaults).tables
    rows = {p["patient_id"]: p for p in tables["patients"].to_pylist()}
    assert rows["pat1"]["registered_from"] == dt.date(2001, 4, 5)
    assert rows["pat2"]["death_date"] == dt.date(2024, 5, 2)  # 00:30 BST
    assert rows["pat2"]["registered_to"] == dt.date(2024, 5, 2)


@pytest.mark.parametrize(("concept", "role"), [
    ({"coding": [{"system": "https://carenet.dev/fhir/CodeSystem/role", "code": "fcp"}]}, "fcp"),
    ({"coding": [{"system": "http://snomed.info/sct", "code": "46255001"}]}, "clinical_pharmacist"),
    ({"text": "Advanced Nurse Practitioner"}, "anp"),
    ({"coding": [{"system": "x", "code": "y", "display": "Social Prescribing Link Worker"}]}, "splw"),
    ({"text": "Receptionist"}, "admin"),
    ({"text": "Astronaut"}, None),
])
def test_role_mapping(concept: dict, role: str | None) -> None:
    assert role_from_concepts([concept]) == role


def test_reference_forms() -> None:
    index = ReferenceIndex()
    index.add_keys([("Patient", "1"), ("Patient", "2")])
    index.add_full_urls([("urn:uuid:abc", "Patient", "1"), ("https://x.org/fhir/Patient/2", "Patient", "2")])
    index.add_identifiers([("Patient", "sys", "v1", "1"), ("Patient", "sys", "dup", "1"),
                           ("Patient", "sys", "dup", "2")])
    assert index.resolve("urn:uuid:abc") == ("Patient", "1")
    assert index.resolve("Patient/2") == ("Patient", "2")
    assert index.resolve("https://other.org/fhir/Patient/1/_history/3") == ("Patient", "1")
    assert index.resolve("Patient?identifier=sys|v1") == ("Patient", "1")
    assert index.resolve("Patient?identifier=sys%7Cv1") == ("Patient", "1")
    assert "ambiguous" in index.resolve("Patient?identifier=sys|dup")
    assert "no Patient with id '3'" in index.resolve("Patient/3")
    assert "only Type?identifier" in index.resolve("Patient?name=x")


def test_bundle_and_ndjson_give_the_same_tables(tmp_path: Path, defaults) -> None:
    items = resources()
    bundle = read_fhir([write_json(tmp_path / "b.json", transaction(items))], defaults).tables
    lines = read_fhir([write_ndjson(tmp_path / "l.ndjson", items)], defaults).tables
    assert all(bundle[n].equals(lines[n]) for n in bundle)
