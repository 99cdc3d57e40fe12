"""Small hand-written FHIR inputs that exercise every mapping rule, and helpers to write them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from nhs_number import calculate_checksum

Json = dict[str, Any]

NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
SNOMED = "http://snomed.info/sct"


def valid_nhs_number(stem: str = "943476591") -> str:
    """A 10-digit NHS number with a correct modulus-11 check digit."""
    for i in range(1000):
        candidate = str(int(stem) + i).zfill(9)
        check = calculate_checksum(candidate)
        if 0 <= int(check) <= 9:
            return candidate + str(check)
    raise AssertionError("no valid NHS number near the stem")


NHS_1 = valid_nhs_number("943476591")
NHS_2 = valid_nhs_number("401023213")


def resources() -> list[Json]:
    """One PCN with a practice, a nurse and a GP, two patients, contacts, conditions, a plan and teams.

    References mix the supported forms: relative ``Type/id``, an absolute URL and a conditional
    ``Type?identifier=system|value`` (:func:`sample_bundle` adds ``urn:uuid:``).
    """
    return copy.deepcopy([
        {"resourceType": "Organization", "id": "pcn1", "name": "Riverside PCN",
         "identifier": [{"system": ODS_SYSTEM, "value": "U12345"}]},
        {"resourceType": "Organization", "id": "prac1", "name": "River Surgery",
         "identifier": [{"system": ODS_SYSTEM, "value": "A81001"}],
         "address": [{"postalCode": "TS1 1AA"}], "partOf": {"reference": "Organization/pcn1"}},
        {"resourceType": "Practitioner", "id": "gp1",
         "name": [{"family": "Patel", "given": ["Asha"], "prefix": ["Dr"]}],
         "identifier": [{"system": "https://fhir.nhs.uk/Id/sds-user-id", "value": "G100"}]},
        {"resourceType": "Practitioner", "id": "nurse1", "name": [{"text": "Sam Jones"}]},
        {"resourceType": "PractitionerRole", "id": "role-nurse1", "practitioner": {"reference": "Practitioner/nurse1"},
         "organization": {"reference": "Organization?identifier=" + ODS_SYSTEM + "|A81001"},
         "code": [{"text": "Practice Nurse"}], "availableTime": [{"daysOfWeek": ["tue", "mon"]}]},
        {"resourceType": "Patient", "id": "pat1", "gender": "female", "birthDate": "1950-03-04",
         "identifier": [{"system": NHS_SYSTEM, "value": NHS_1}],
         "generalPractitioner": [{"reference": "Organization/prac1"}]},
        {"resourceType": "Patient", "id": "pat2", "gender": "male", "birthDate": "1990",
         "identifier": [{"system": NHS_SYSTEM, "value": NHS_2}]},
        {"resourceType": "Encounter", "id": "enc1", "status": "finished",
         "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
         "subject": {"reference": "Patient/pat1"},
         "participant": [{"individual": {"reference": "Practitioner?identifier=https://fhir.nhs.uk/Id/sds-user-id|G100"}}],
         "period": {"start": "2024-07-01T09:00:00+01:00", "end": "2024-07-01T09:10:00+01:00"},
         "serviceProvider": {"reference": "Organization/prac1"}},
        {"resourceType": "Encounter", "id": "enc2", "status": "finished",
         "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "VR"},
         "type": [{"text": "Telephone consultation"}],
         "subject": {"reference": "https://fhir.example.org/r4/Patient/pat2"},
         "participant": [{"individual": {"reference": "PractitionerRole/role-nurse1"}}],
         "period": {"start": "2024-01-15T08:30:00Z", "end": "2024-01-15T08:45:00Z"},
         "serviceProvider": {"reference": "Organization/prac1"}},
        {"resourceType": "Encounter", "id": "enc3", "status": "finished",
         "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
         "subject": {"reference": "Patient/pat1"}, "period": {"start": "2024-02-01T10:00:00Z"}},
        {"resourceType": "Appointment", "id": "appt1", "status": "noshow", "start": "2024-03-05T14:00:00Z",
         "minutesDuration": 10, "created": "2024-03-01T10:00:00Z",
         "appointmentType": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0276",
                                         "code": "ROUTINE"}]},
         "participant": [{"actor": {"reference": "Patient/pat2"}, "status": "accepted"},
                         {"actor": {"reference": "Practitioner/gp1"}, "status": "accepted"}]},
        {"resourceType": "Condition", "id": "cond1", "subject": {"reference": "Patient/pat1"},
         "code": {"coding": [{"system": SNOMED, "code": "38341003", "display": "Hypertension"}]},
         "onsetDateTime": "2010-05-01", "clinicalStatus": {"coding": [
             {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]}},
        {"resourceType": "Condition", "id": "cond2", "subject": {"reference": "Patient/pat1"},
         "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "I10"}]},
         "onsetDateTime": "2010-05-01"},
        {"resourceType": "Goal", "id": "goal1", "lifecycleStatus": "active",
         "description": {"text": "Walk to the shops again"}, "subject": {"reference": "Patient/pat1"},
         "expressedBy": {"reference": "Patient/pat1"}},
        {"resourceType": "CarePlan", "id": "plan1", "status": "active", "intent": "plan",
         "subject": {"reference": "Patient/pat1"}, "created": "2024-02-10",
         "author": {"reference": "PractitionerRole/role-nurse1"}, "goal": [{"reference": "Goal/goal1"}]},
        {"resourceType": "CareTeam", "id": "team1", "name": "Blue team",
         "managingOrganization": [{"reference": "Organization/prac1"}],
         "participant": [{"member": {"reference": "Practitioner/gp1"}},
                         {"member": {"reference": "PractitionerRole/role-nurse1"}}]},
        {"resourceType": "CareTeam", "id": "panel1", "subject": {"reference": "Patient/pat1"},
         "period": {"start": "2023-01-01"},
         "participant": [{"member": {"reference": "Practitioner/gp1"}}, {"member": {"reference": "CareTeam/team1"}}]},
        {"resourceType": "Observation", "id": "obs1", "status": "final", "code": {"text": "BP"}},
    ])


def transaction(items: list[Json], full_urls: dict[str, str] | None = None) -> Json:
    """A transaction bundle; ``full_urls`` maps ``Type/id`` to a fullUrl (``urn:uuid:`` style)."""
    full_urls = full_urls or {}
    entries = []
    for r in items:
        key = f"{r['resourceType']}/{r.get('id')}"
        entries.append({"fullUrl": full_urls.get(key, f"https://fhir.example.org/r4/{key}"), "resource": r,
                        "request": {"method": "PUT", "url": key}})
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


SAMPLE_URLS = {"Organization/prac1": "urn:uuid:0b7c1c34-5f0e-4e3c-9b0a-000000000002"}


def sample_bundle() -> Json:
    """The sample as a transaction bundle, where the first patient names its practice by ``urn:uuid:``."""
    items = resources()
    items[5]["generalPractitioner"] = [{"reference": SAMPLE_URLS["Organization/prac1"]}]
    return transaction(items, SAMPLE_URLS)


def write_json(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc, indent=1))
    return path


def write_ndjson(path: Path, docs: list[Any]) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs))
    return path
