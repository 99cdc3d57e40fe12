"""Canonical data exported as FHIR imports back to the same tables, as ndjson files or as one Bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from canonical_sample import canonical_tables

from carenet.schema import TABLES, open_dataset, write_dataset
from carenet.sources.fhir import export_fhir, fhir_resources, import_fhir
from carenet.sources.fhir.validation import validation_errors


def _sorted(name: str, table: pa.Table) -> pa.Table:
    return table.sort_by([(c, "ascending") for c in TABLES[name].primary_key])


@pytest.fixture()
def dataset(tmp_path: Path) -> Path:
    out = tmp_path / "canonical"
    write_dataset(out, canonical_tables(), source="test")
    return out


@pytest.mark.parametrize("target", ["export", "export.json"])
def test_export_imports_back_to_the_same_tables(tmp_path: Path, dataset: Path, defaults, target: str) -> None:
    exported = tmp_path / target
    counts = export_fhir(dataset, exported, defaults.timezone)
    assert counts["Patient"] == 4 and counts["Appointment"] == 4 and counts["Goal"] == 3
    back = tmp_path / "back"
    import_fhir([exported], back, defaults, workers=1)
    original, again = open_dataset(dataset), open_dataset(back)
    assert set(again.names) == set(original.names)
    for name in original.names:
        a, b = _sorted(name, original.table(name)), _sorted(name, again.table(name))
        assert a.equals(b), f"{name} differs:\n{a.to_pylist()}\n{b.to_pylist()}"


def test_exported_resources_are_valid_r4(defaults) -> None:
    resources = list(fhir_resources(canonical_tables(), defaults.timezone))
    assert {r["resourceType"] for r in resources} == {
        "Organization", "Practitioner", "PractitionerRole", "Patient", "CareTeam", "Condition", "Appointment",
        "CarePlan", "Goal"}
    for r in resources:
        assert validation_errors(r) == [], r


def test_ids_that_are_not_fhir_ids_travel_as_identifiers(tmp_path: Path, dataset: Path, defaults) -> None:
    out = tmp_path / "bundle.json"
    export_fhir(dataset, out, defaults.timezone)
    entries = [e["resource"] for e in json.loads(out.read_text())["entry"]]
    hub = next(r for r in entries if r["resourceType"] == "Organization" and r.get("name") == "Extended-access hub")
    assert hub["id"] != "HUB 01"
    assert {"system": "https://carenet.dev/id/organization", "value": "HUB 01"} in hub["identifier"]
    summer = next(r for r in entries if r["resourceType"] == "Appointment" and r["id"] == "A1")
    assert summer["start"] == "2024-07-01T09:00:00+01:00"  # local clock with the BST offset


def test_export_is_deterministic(tmp_path: Path, dataset: Path, defaults) -> None:
    export_fhir(dataset, tmp_path / "one", defaults.timezone)
    export_fhir(dataset, tmp_path / "two", defaults.timezone)
    for f in (tmp_path / "one").iterdir():
        assert f.read_bytes() == (tmp_path / "two" / f.name).read_bytes()
