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


def test_the_flag_travels_through_export_and_import_as_carenet_s_extension(tmp_path, defaults) -> None:
    import pyarrow as pa
    from canonical_sample import canonical_tables

    from carenet.schema import open_dataset, write_dataset
    from carenet.sources.fhir import export_fhir, import_fhir

    tables = canonical_tables()
    patients = tables["patients"]
    flags = [True, False, None, True][:patients.num_rows] + [None] * max(0, patients.num_rows - 4)
    tables["patients"] = patients.drop_columns([c for c in ("homeless",) if c in patients.column_names]).append_column(
        "homeless", pa.array(flags, pa.bool_()))
    write_dataset(tmp_path / "canonical", tables, source="test")
    export_fhir(tmp_path / "canonical", tmp_path / "export", defaults.timezone)
    import_fhir([tmp_path / "export"], tmp_path / "back", defaults, workers=1)
    before = open_dataset(tmp_path / "canonical").table("patients").sort_by("patient_id")
    after = open_dataset(tmp_path / "back").table("patients").sort_by("patient_id")
    assert after["homeless"].to_pylist() == before["homeless"].to_pylist()
    assert sorted(after["homeless"].to_pylist(), key=str) == sorted(flags, key=str)
