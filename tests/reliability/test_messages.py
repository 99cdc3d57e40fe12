"""Every failure a clear message: user text printed literally, sizes bounded up front, typos reported, conflicts
listed, and a corrected extract applied with --update and reported change by change."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from fhir_samples import sample_bundle
from runner import Done, carenet

from conftest import SAMPLE, same, snapshot

MARKUP = ["[/]", "[bold]X", "[red]", "[link=file:///etc]x[/link]"]


def _edit(path: Path, column: str, row: int, value: str) -> None:
    rows = list(csv.reader(path.open(newline="")))
    rows[row][rows[0].index(column)] = value
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)


@pytest.mark.parametrize("value", MARKUP)
def test_markup_in_a_csv_cell_is_printed_literally(tmp_path: Path, value: str) -> None:
    extract = tmp_path / "extract"
    shutil.copytree(SAMPLE, extract)
    _edit(extract / "registrations.csv", "sex", 1, value)
    done = carenet("import", "csv", extract, "--out", tmp_path / "ds")
    assert done.code == 1 and "Traceback" not in done.output and "internal error" not in done.output
    assert f"({value!r})" in done.stderr.replace("\n", ""), done.stderr
    assert not (tmp_path / "ds").exists()


def test_markup_in_a_folder_name_is_printed_literally(tmp_path: Path) -> None:
    out = tmp_path / "ds[/]"
    done = carenet("import", "csv", SAMPLE, "--out", out)
    assert done.code == 0, done.output
    assert "ds[/]" in done.stdout
    info = carenet("info", out)
    assert info.code == 0 and "ds[/]" in info.stdout, info.output


def test_markup_in_a_fhir_code_is_printed_literally_before_the_write(tmp_path: Path) -> None:
    bundle = sample_bundle()
    bundle["entry"].append({"resource": {
        "resourceType": "Encounter", "id": "enc-markup", "status": "finished", "class": {"code": "[/]"},
        "subject": {"reference": "Patient/pat1"}, "period": {"start": "2024-03-01T09:00:00Z"}}})
    source = tmp_path / "bundle.json"
    source.write_text(json.dumps(bundle))
    done = carenet("import", "fhir", source, "--out", tmp_path / "ds", "--workers", 1)
    assert done.code == 0, done.output
    assert "Encounter of class '[/]'" in done.stdout
    assert done.stdout.index("Encounter of class") < done.stdout.index("imported 1 file")


def _import_patient_with(tmp_path: Path, **values: str) -> tuple[dict, Done]:
    """Import the sample bundle with ``values`` set on its first Patient; the patient and how it ended."""
    bundle = sample_bundle()
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    patient.update(values)
    source = tmp_path / "bundle.json"
    source.write_text(json.dumps(bundle))
    return patient, carenet("import", "fhir", source, "--out", tmp_path / "ds", "--workers", 1)


def test_markup_in_an_invalid_fhir_value_is_printed_literally(tmp_path: Path) -> None:
    _, done = _import_patient_with(tmp_path, gender="[/]")
    assert done.code == 1 and "Traceback" not in done.output and "internal error" not in done.output
    assert "gender" in done.stderr
    assert not (tmp_path / "ds").exists()


@pytest.mark.parametrize(("argv", "entry"), [
    (["simulate", "traditional", "--days", "1000000000", "--out", "{tmp}/run"], "limits.days"),
    (["simulate", "traditional", "--years", "5000", "--out", "{tmp}/run"], "limits.days"),
    (["simulate", "traditional", "--reps", "100000", "--out", "{tmp}/run"], "limits.reps"),
    (["compare", "traditional", "micro_teams", "--demo-patients", "900000000", "--out", "{tmp}/run"],
     "limits.simulated_patients"),
    (["sweep", "traditional", "--vary", "demand.x=1..2", "--steps", "5000", "--out", "{tmp}/run"],
     "limits.sweep_steps"),
    (["demo", "--reps", "100000", "--out", "{tmp}/demo"], "limits.reps"),
    (["twin", "run", "traditional", "--seed", "1", "--days", "99999999", "--out", "{tmp}/run"], "limits.days"),
    (["twin", "r1", "--seed", "1", "--practices", "100000"], "limits.r1_practices"),
    (["population", "synth", "--seed", "1", "--patients", "1000000000", "--out", "{tmp}/pop"],
     "limits.population_patients"),
    (["import", "fhir", "x.json", "--workers", "100000", "--out", "{tmp}/ds"], "limits.workers"),
])
def test_absurd_sizes_are_refused_up_front_naming_the_limit(tmp_path: Path, argv: list[str], entry: str) -> None:
    done = carenet(*[a.format(tmp=tmp_path) for a in argv], timeout=60)
    assert done.code == 1, done.output
    assert "Traceback" not in done.output
    assert entry in done.stderr and "parameters.yaml" in done.stderr, done.stderr
    assert [p.name for p in tmp_path.iterdir()] == []


@pytest.mark.parametrize(("column", "value"), [("TYPE", "GPP"), ("SEX", "AL"), ("AGE", "ALLL"), ("AGE", ""),
                                               ("AGE", "99999999999999999999")])
def test_a_typo_in_an_nhs_list_is_reported_not_dropped(tmp_path: Path, column: str, value: str) -> None:
    path = tmp_path / "list.csv"
    header = ["PUBLICATION", "EXTRACT_DATE", "TYPE", "CCG_CODE", "CODE", "POSTCODE", "SEX", "AGE", "NUMBER_OF_PATIENTS"]
    rows = [header] + [["GP_PRAC_PAT_LIST", "01JAN2021", "GP", "11J", f"J{i}", "BH1 1AA", "ALL", "ALL", "5000"]
                       for i in range(3)]
    rows[2][header.index(column)] = value
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    done = carenet("import", "nhs-registered", path, "--out", tmp_path / "ds")
    assert done.code == 1 and "Traceback" not in done.output
    assert f"line 3: {column}:" in done.stderr, done.stderr
    assert "expected" in done.stderr
    assert not (tmp_path / "ds").exists()


def test_an_out_of_range_fhir_extension_names_file_line_and_resource(tmp_path: Path) -> None:
    lines = [e["resource"] for e in sample_bundle()["entry"]]
    for resource in lines:
        if resource["resourceType"] == "Patient":
            resource["extension"] = [{"url": "https://carenet.dev/fhir/StructureDefinition/deprivation-decile",
                                      "valueInteger": 11}]
            break
    source = tmp_path / "in.ndjson"
    source.write_text("".join(json.dumps(r) + "\n" for r in lines))
    done = carenet("import", "fhir", source, "--out", tmp_path / "ds", "--workers", 1)
    assert done.code == 1 and "Traceback" not in done.output
    line = next(i for i, r in enumerate(lines, 1) if r["resourceType"] == "Patient")
    assert f"{source} line {line} (Patient/{lines[line - 1]['id']}): extension deprivation-decile: 11 is outside " \
           "1-10" in done.stderr.replace("\n", ""), done.stderr


def test_a_corrected_extract_is_a_conflict_and_an_update_reports_it(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    assert carenet("import", "csv", SAMPLE, "--out", out).code == 0
    before = snapshot(out)
    corrected = tmp_path / "corrected"
    shutil.copytree(SAMPLE, corrected)
    rows = list(csv.reader((corrected / "appointments.csv").open(newline="")))
    appointment, status = rows[1][0], rows[1][rows[0].index("status")]
    _edit(corrected / "appointments.csv", "status", 1, "Cancelled" if status != "Cancelled" else "Seen")
    refused = carenet("import", "csv", corrected, "--out", out)
    assert refused.code == 1 and "Traceback" not in refused.output
    assert "conflict" in refused.stderr and appointment in refused.stderr and "--update" in refused.stderr
    assert same(snapshot(out), before)
    updated = carenet("import", "csv", corrected, "--out", out, "--update")
    assert updated.code == 0, updated.output
    assert "changes to the dataset" in updated.stdout
    assert f"appointments appointment_id='{appointment}': status" in updated.stdout.replace("\n", ""), \
        updated.stdout
    changed = snapshot(out)["appointments"]
    assert changed.num_rows == before["appointments"].num_rows
    assert not changed.equals(before["appointments"])


@pytest.mark.parametrize("argv", [["info", "{file}"], ["import", "csv", "{tmp}/extract", "--out", "{file}"],
                                  ["export", "fhir", "{tmp}/ds", "--out", "{file}/sub"]])
def test_a_file_where_a_folder_belongs_is_a_clear_message(tmp_path: Path, argv: list[str]) -> None:
    shutil.copytree(SAMPLE, tmp_path / "extract")
    assert carenet("import", "csv", tmp_path / "extract", "--out", tmp_path / "ds").code == 0
    (tmp_path / "file").write_text("not a folder\n")
    done = carenet(*[a.format(tmp=tmp_path, file=tmp_path / "file") for a in argv])
    assert done.code == 1 and "Traceback" not in done.output and "internal error" not in done.output, done.output
    assert str(tmp_path / "file") in done.stderr.replace("\n", ""), done.stderr


def test_a_birth_date_in_the_future_is_refused_in_an_extract(tmp_path: Path) -> None:
    extract = tmp_path / "extract"
    shutil.copytree(SAMPLE, extract)
    _edit(extract / "registrations.csv", "birth_date", 3, "2999-01-01")
    done = carenet("import", "csv", extract, "--out", tmp_path / "ds")
    assert done.code == 1 and "Traceback" not in done.output
    assert "registrations.csv line 4: birth_date: 2999-01-01 is in the future" in done.stderr.replace("\n", "")


def test_a_birth_date_in_the_future_is_refused_in_fhir(tmp_path: Path) -> None:
    patient, done = _import_patient_with(tmp_path, birthDate="2999-01-01")
    assert done.code == 1 and "Traceback" not in done.output
    assert f"(Patient/{patient['id']}): birthDate 2999-01-01 is in the future" in done.stderr.replace("\n", "")


def test_a_negative_count_on_a_breakdown_row_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("TYPE,CODE,SEX,AGE,NUMBER_OF_PATIENTS\nGP,J1,ALL,ALL,5000\nGP,J1,MALE,0_4,-5\n")
    done = carenet("import", "nhs-registered", path, "--out", tmp_path / "ds")
    assert done.code == 1 and "line 3: NUMBER_OF_PATIENTS: outside 0–200,000 ('-5')" in done.stderr, done.stderr
