"""A bulk-data export folder imported as the server wrote it: its manifest, a log and OperationOutcome error files
are set aside or reported with a note; gzip ndjson, contained resources and references by identifier without a type
are read."""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from pathlib import Path

import pytest
from fhir_samples import ODS_SYSTEM, resources, write_json, write_ndjson

from carenet.sources.fhir import read_fhir
from carenet.sources.problems import ImportFailed

SDS = "https://fhir.nhs.uk/Id/sds-user-id"


def _export(folder: Path, items: list[dict], gzip_types: tuple[str, ...] = ("Patient",)) -> Path:
    """``items`` written as a server's $export writes them: one ndjson file per type, some gzip-compressed."""
    by_type: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        by_type[item["resourceType"]].append(item)
    folder.mkdir(parents=True, exist_ok=True)
    outputs = []
    for kind, docs in by_type.items():
        text = "".join(json.dumps(d) + "\n" for d in docs).encode()
        name = f"{kind}.ndjson" + (".gz" if kind in gzip_types else "")
        (folder / name).write_bytes(gzip.compress(text) if kind in gzip_types else text)
        outputs.append({"type": kind, "url": f"https://server.example/files/{name}", "count": len(docs)})
    write_json(folder / "manifest.json", {
        "transactionTime": "2024-08-01T10:00:00Z", "request": "https://server.example/$export",
        "requiresAccessToken": True, "output": outputs,
        "error": [{"type": "OperationOutcome", "url": "https://server.example/files/errors.ndjson"}]})
    write_ndjson(folder / "log.ndjson", [
        {"timestamp": "2024-08-01T09:59:00Z", "level": "info", "message": "export started"},
        {"timestamp": "2024-08-01T10:00:00Z", "level": "info", "message": "export complete"}])
    (folder / "error").mkdir()
    write_ndjson(folder / "error" / "OperationOutcome.ndjson", [
        {"resourceType": "OperationOutcome", "id": "oo1", "issue": [
            {"severity": "error", "code": "processing", "diagnostics": "Observation/obs9 could not be exported"}]}])
    return folder


def _tables(paths: list[Path], defaults) -> dict[str, list[dict]]:
    return {name: t.to_pylist() for name, t in read_fhir(paths, defaults).tables.items()}


def test_an_export_folder_as_written_imports_the_same_as_its_resources(tmp_path: Path, defaults) -> None:
    plain = write_ndjson(tmp_path / "plain.ndjson", resources())
    folder = _export(tmp_path / "export", resources())
    result = read_fhir([folder], defaults)
    assert {n: t.to_pylist() for n, t in result.tables.items()} == _tables([plain], defaults)
    notes = " ".join(result.notes)
    assert "log.ndjson: not FHIR resources" in notes
    assert "manifest.json: the bulk-data export's manifest" in notes and "1 error file(s)" in notes
    outcomes = [reason for reason in result.skipped if reason.startswith("OperationOutcome")]
    assert outcomes == ["OperationOutcome (the exporting server reported: error processing: Observation/obs9 could "
                        "not be exported)"]
    assert any(f.endswith("Patient.ndjson.gz") for f in result.files)


def test_a_gzip_ndjson_file_is_read_with_its_line_numbers(tmp_path: Path, defaults) -> None:
    items = resources()
    items[5]["birthDate"] = None  # pat1 without a birth date: a problem on line 6
    path = tmp_path / "all.ndjson.gz"
    path.write_bytes(gzip.compress("".join(json.dumps(d) + "\n" for d in items).encode()))
    with pytest.raises(ImportFailed, match=r"all\.ndjson\.gz.*line 6"):
        read_fhir([path], defaults)


def test_references_by_identifier_without_type_resolve_where_one_target_type_is_allowed(tmp_path: Path,
                                                                                         defaults) -> None:
    items = resources()
    nurse = next(r for r in items if r["id"] == "nurse1")
    nurse["identifier"] = [{"system": SDS, "value": "N200"}]
    role = next(r for r in items if r["id"] == "role-nurse1")
    role["practitioner"] = {"identifier": {"system": SDS, "value": "N200"}}
    role["organization"] = {"identifier": {"system": ODS_SYSTEM, "value": "A81001"}}
    tables = _tables([write_ndjson(tmp_path / "r.ndjson", items)], defaults)
    by_id = {c["clinician_id"]: c for c in tables["clinicians"]}
    assert by_id["nurse1"]["role"] == "practice_nurse" and by_id["nurse1"]["practice_id"] == "A81001"
    assert by_id["nurse1"]["working_days"] == "Mon,Tue"


def test_contained_resources_are_read_and_their_local_references_resolve(tmp_path: Path, defaults) -> None:
    items = resources()
    enc = next(r for r in items if r["id"] == "enc3")
    enc["contained"] = [{"resourceType": "Practitioner", "id": "locum", "name": [{"text": "Dr Locum"}]}]
    enc["participant"] = [{"individual": {"reference": "#locum"}}]
    tables = _tables([write_ndjson(tmp_path / "c.ndjson", items)], defaults)
    locum = [c for c in tables["clinicians"] if c["name"] == "Dr Locum"]
    assert len(locum) == 1 and locum[0]["clinician_id"] == "enc3-locum"
