"""A FHIR import learns who is experiencing homelessness from an active SNOMED CT 32911000 "Homeless" condition."""

from __future__ import annotations

from fhir_samples import SAMPLE_URLS, SNOMED, resources, transaction, write_json

from carenet.sources.fhir import read_fhir
from carenet.sources.housing import HOMELESS_SNOMED


def _homeless(items, tmp_path, defaults) -> dict[str, bool | None]:
    items[5]["generalPractitioner"] = [{"reference": SAMPLE_URLS["Organization/prac1"]}]
    path = write_json(tmp_path / "bundle.json", transaction(items, SAMPLE_URLS))
    patients = read_fhir([path], defaults).tables["patients"]
    return dict(zip(patients["patient_id"].to_pylist(), patients["homeless"].to_pylist(), strict=True))


def _homeless_condition(patient: str, ident: str, abated: str | None = None) -> dict:
    condition = {"resourceType": "Condition", "id": ident, "subject": {"reference": f"Patient/{patient}"},
                 "code": {"coding": [{"system": SNOMED, "code": HOMELESS_SNOMED[0], "display": "Homeless"}]},
                 "onsetDateTime": "2024-01-10"}
    if abated:
        condition["abatementDateTime"] = abated
    return condition


def test_without_the_code_nobody_is_known_homeless(tmp_path, defaults) -> None:
    assert set(_homeless(resources(), tmp_path, defaults).values()) == {None}


def test_an_active_homeless_condition_flags_the_patient(tmp_path, defaults) -> None:
    flags = _homeless([*resources(), _homeless_condition("pat1", "nfa1")], tmp_path, defaults)
    assert flags == {"pat1": True, "pat2": None}


def test_a_resolved_one_does_not(tmp_path, defaults) -> None:
    flags = _homeless([*resources(), _homeless_condition("pat2", "nfa2", abated="2024-06-01")], tmp_path, defaults)
    assert flags == {"pat1": None, "pat2": None}
