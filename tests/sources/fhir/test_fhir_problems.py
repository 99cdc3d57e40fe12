"""Bad input is reported problem by problem (file, line or entry, resource, reason) and nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fhir_samples import resources, sample_bundle, transaction, write_json, write_ndjson

from carenet.schema import open_dataset
from carenet.sources.fhir import import_fhir, read_fhir
from carenet.sources.problems import ImportFailed


def _problems(paths: list[Path], defaults) -> list[str]:
    with pytest.raises(ImportFailed) as caught:
        read_fhir(paths, defaults, workers=1)
    return [str(p) for p in caught.value.problems]


def _with(change) -> list[dict]:
    items = resources()
    change({f"{r['resourceType']}/{r['id']}": r for r in items}, items)
    return items


def test_the_sample_imports_cleanly(tmp_path: Path, defaults) -> None:
    result = read_fhir([write_json(tmp_path / "ok.json", sample_bundle())], defaults)
    assert result.counts["patients"] == 2 and result.counts["appointments"] == 3


def test_truncated_bundle_names_line_and_column(tmp_path: Path, defaults) -> None:
    path = tmp_path / "cut.json"
    path.write_text(json.dumps(sample_bundle(), indent=1)[:500])
    (problem,) = _problems([path], defaults)
    assert str(path) in problem and "not valid JSON" in problem and "line" in problem and "column" in problem


def test_truncated_ndjson_line_is_located(tmp_path: Path, defaults) -> None:
    path = write_ndjson(tmp_path / "Patient.ndjson", [r for r in resources() if r["resourceType"] != "Observation"])
    lines = path.read_text().splitlines()
    lines[5] = lines[5][:40]
    path.write_text("\n".join(lines) + "\n")
    problems = _problems([path], defaults)
    assert any(f"{path} line 6: not valid JSON" in p for p in problems)


def test_wrong_types_are_reported_with_the_element(tmp_path: Path, defaults) -> None:
    def change(by_key, _):
        by_key["Patient/pat1"]["gender"] = 5
        by_key["Encounter/enc1"]["period"] = "yesterday"
    path = write_ndjson(tmp_path / "all.ndjson", _with(change))
    problems = _problems([path], defaults)
    assert any("line 6 (Patient/pat1): invalid Patient: gender" in p for p in problems)
    assert any("(Encounter/enc1): invalid Encounter: period" in p for p in problems)


def test_unknown_resource_type_is_a_problem_but_other_fhir_types_are_skipped(tmp_path: Path, defaults) -> None:
    items = resources() + [{"resourceType": "Spaceship", "id": "x"}, {"resourceType": "HumanName", "id": "y"}]
    problems = _problems([write_ndjson(tmp_path / "all.ndjson", items)], defaults)
    assert len(problems) == 2
    assert "resourceType 'Spaceship' is not a FHIR R4 resource type" in problems[0]
    assert "'HumanName'" in problems[1]
    result = read_fhir([write_ndjson(tmp_path / "ok.ndjson", resources())], defaults)
    assert result.skipped["Observation (not read by carenet)"] == 1


def test_dangling_references_are_reported(tmp_path: Path, defaults) -> None:
    def change(by_key, _):
        by_key["Encounter/enc1"]["subject"] = {"reference": "Patient/ghost"}
        by_key["Condition/cond1"]["subject"] = {"reference": "urn:uuid:11111111-2222-3333-4444-555555555555"}
        by_key["PractitionerRole/role-nurse1"]["organization"] = {
            "reference": "Organization?identifier=https://fhir.nhs.uk/Id/ods-organization-code|Z99999"}
    problems = _problems([write_json(tmp_path / "b.json", transaction(_with(change)))], defaults)
    text = "\n".join(problems)
    assert "entry 7 (Encounter/enc1): subject: dangling reference" in text and "Patient with id 'ghost'" in text
    assert "(Condition/cond1): subject: dangling reference" in text and "matches no fullUrl" in text
    assert "organization: dangling reference: conditional reference" in text and "Z99999" in text


def test_reference_to_a_type_carenet_does_not_read_is_ignored(tmp_path: Path, defaults) -> None:
    def change(by_key, _):
        by_key["Encounter/enc1"]["participant"].append({"individual": {"reference": "RelatedPerson/rp1"}})
    result = read_fhir([write_json(tmp_path / "b.json", transaction(_with(change)))], defaults)
    assert result.counts["appointments"] == 3


def test_ambiguous_conditional_reference(tmp_path: Path, defaults) -> None:
    def change(by_key, items):
        twin = dict(by_key["Organization/prac1"], id="prac2", partOf=None)
        twin.pop("partOf")
        items.append(twin)
    problems = _problems([write_json(tmp_path / "b.json", transaction(_with(change)))], defaults)
    assert any("is ambiguous: it matches Organization prac1, prac2" in p for p in problems)


def test_invalid_dates_and_nhs_numbers(tmp_path: Path, defaults) -> None:
    def change(by_key, _):
        by_key["Patient/pat1"]["birthDate"] = "1950-02-30"
        by_key["Patient/pat2"]["identifier"][0]["value"] = "1234567890"
        by_key["Appointment/appt1"]["start"] = "2024-03-05T14:00:00"  # a time needs a UTC offset
    problems = _problems([write_ndjson(tmp_path / "all.ndjson", _with(change))], defaults)
    text = "\n".join(problems)
    assert "line 6 (Patient/pat1): invalid Patient: birthDate" in text
    assert "line 7 (Patient/pat2): NHS number '1234567890' is not a valid 10-digit NHS number" in text
    assert "(Appointment/appt1): invalid Appointment: start" in text


def test_duplicate_ids_in_one_file(tmp_path: Path, defaults) -> None:
    items = resources()
    items.append(dict(items[5]))
    problems = _problems([write_ndjson(tmp_path / "all.ndjson", items)], defaults)
    assert problems == [f"{tmp_path / 'all.ndjson'} line 19 (Patient/pat1): duplicate id: Patient/pat1 is already "
                        f"at line 6 (Patient/pat1)"]


def test_same_resource_in_two_files_must_agree(tmp_path: Path, defaults) -> None:
    first = write_ndjson(tmp_path / "a.ndjson", resources())
    same = write_ndjson(tmp_path / "b.ndjson", [resources()[5]])
    result = read_fhir([first, same], defaults)
    assert result.notes["Patient present in several files (read once)"] == 1
    changed = resources()[5]
    changed["birthDate"] = "1951-03-04"
    other = write_ndjson(tmp_path / "c.ndjson", [changed])
    (problem,) = _problems([first, other], defaults)
    assert "c.ndjson line 1 (Patient/pat1): Patient/pat1 differs from the copy in" in problem


def test_patient_without_a_practice(tmp_path: Path, defaults) -> None:
    items = [r for r in resources() if r["id"] in ("pat2",)]
    problems = _problems([write_ndjson(tmp_path / "p.ndjson", items)], defaults)
    assert problems == [f"{tmp_path / 'p.ndjson'} line 1 (Patient/pat2): cannot tell which practice the patient is "
                        "registered with (no registration extension, generalPractitioner, managingOrganization or "
                        "encounter at a practice)"]


def test_unimportable_bundle_and_entries(tmp_path: Path, defaults) -> None:
    history = write_json(tmp_path / "h.json", {"resourceType": "Bundle", "type": "history", "entry": []})
    odd = sample_bundle()
    odd["entry"] += [{"fullUrl": "urn:uuid:x"}, 7, {"request": {"method": "DELETE", "url": "Patient/9"}}]
    bad = write_json(tmp_path / "odd.json", odd)
    array = write_ndjson(tmp_path / "arr.ndjson", [[1, 2]])
    problems = _problems([history, bad, array, tmp_path / "missing.json"], defaults)
    assert problems == [
        f"{tmp_path / 'missing.json'}: no such file or folder",
        f"{history} document: Bundle type 'history' cannot be imported (expected one of transaction, batch, "
        "collection, searchset, document)",
        f"{bad} entry 18: Bundle entry has no resource",
        f"{bad} entry 19: Bundle entry is not a JSON object",
        f"{tmp_path / 'arr.ndjson'} line 1: expected a JSON object (a FHIR resource), found list",
    ]


def test_every_problem_is_reported_in_one_run(tmp_path: Path, defaults) -> None:
    def change(by_key, items):
        by_key["Patient/pat1"]["gender"] = "x"
        by_key["Condition/cond1"]["subject"] = {"reference": "Patient/nobody"}
        items.append({"resourceType": "Nope"})
    problems = _problems([write_ndjson(tmp_path / "all.ndjson", _with(change))], defaults)
    assert len(problems) == 3


def test_a_failed_import_leaves_the_dataset_untouched(tmp_path: Path, defaults) -> None:
    out = tmp_path / "ds"
    good = write_json(tmp_path / "good.json", sample_bundle())
    import_fhir([good], out, defaults)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    bad = tmp_path / "bad.json"
    bad.write_text(good.read_text()[:-10])
    with pytest.raises(ImportFailed):
        import_fhir([bad], out, defaults)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    with pytest.raises(ImportFailed):
        import_fhir([bad], tmp_path / "new", defaults)
    assert not (tmp_path / "new").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "ds", "good.json"]
    assert open_dataset(out).manifest.counts["patients"] == 2


def test_defaults_are_checked(defaults) -> None:
    from dataclasses import replace

    from carenet.sources.fhir import FhirDefaultsError

    with pytest.raises(FhirDefaultsError, match="role 'surgeon' is not in the role catalogue"):
        replace(defaults, role="surgeon")
    with pytest.raises(FhirDefaultsError, match="timezone 'Mars/Olympus' is not a known time zone"):
        replace(defaults, timezone="Mars/Olympus")
    with pytest.raises(FhirDefaultsError, match="entry for 'fte'"):
        type(defaults).from_parameters({"default_role": {"value": "gp"}})


def test_files_that_are_not_fhir_inputs(tmp_path: Path, defaults) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "empty").mkdir()
    problems = _problems([tmp_path / "notes.txt", tmp_path / "empty"], defaults)
    assert problems == [f"{tmp_path / 'notes.txt'}: not a .json bundle or an .ndjson/.jsonl bulk-data file "
                        "(or .gz of one)",
                        f"{tmp_path / 'empty'}: folder holds no .json, .ndjson or .jsonl file (or .gz of one)"]


def test_malformed_primitive_extension_is_a_problem_not_a_crash(tmp_path: Path, defaults) -> None:
    items = resources()
    items[0]["_name"] = "15"  # the R4B model itself raises AttributeError on this
    (problem,) = _problems([write_ndjson(tmp_path / "x.ndjson", items)], defaults)
    assert "line 1 (Organization/pcn1): invalid Organization: resource: cannot be validated" in problem
