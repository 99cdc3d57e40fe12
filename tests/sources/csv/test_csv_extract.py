"""The practice CSV extract: the sample imports into canonical tables; bad input is reported and writes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.compute as pc
import pytest
from csv_import_helpers import SAMPLE, edit, folder_digest, read_rows, write_rows

from carenet.schema import open_dataset, validate_dataset
from carenet.sources.extract import import_extract, read_extract
from carenet.sources.problems import ImportFailed

SAMPLE_COUNTS = {"practices": 2, "patients": 40, "registrations": 41, "clinicians": 9, "appointments": 176,
                 "conditions": 97, "panels": 41}


@pytest.fixture(scope="module")
def tables():
    return read_extract([SAMPLE])


def _one(table, column: str, value: str) -> dict:
    rows = table.filter(pc.equal(table[column], value)).to_pylist()
    assert len(rows) == 1
    return rows[0]


def test_sample_gives_every_canonical_table(tables) -> None:
    assert {n: t.num_rows for n, t in tables.items()} == SAMPLE_COUNTS
    assert not validate_dataset(tables)


def test_appointment_rows_keep_what_the_file_says(tables, sample: Path) -> None:
    _, rows = read_rows(sample / "appointments.csv")
    statuses = {"Attended": "attended", "Seen": "attended", "Finished": "attended", "DNA": "did_not_attend",
                "Did Not Attend": "did_not_attend", "Cancelled by patient": "cancelled", "Cancelled": "cancelled",
                "Booked": "booked"}
    modes = {"Face to face": "face_to_face", "Face-to-Face": "face_to_face", "Telephone": "telephone",
             "telephone": "telephone", "Video": "video", "Home visit": "home_visit"}
    got = {r["appointment_id"]: r for r in tables["appointments"].to_pylist()}
    for row in rows:
        out = got[row["appointment_id"]]
        assert out["patient_id"] == row["patient_id"] and out["clinician_id"] == row["clinician_id"]
        assert out["booked_for"] == dt.datetime.strptime(row["booked_for"], "%d/%m/%Y %H:%M")
        assert out["requested_at"] == dt.datetime.strptime(row["requested_at"], "%Y-%m-%d %H:%M")
        assert out["status"] == statuses[row["status"]] and out["mode"] == modes[row["mode"]]
        assert out["duration_minutes"] == int(row["duration_minutes"])
        assert out["site_id"] == row["site_code"]


def test_blank_role_is_taken_from_the_clinician(tables, sample: Path) -> None:
    _, rows = read_rows(sample / "appointments.csv")
    blank = next(r for r in rows if not r["role"])
    staff = _one(tables["clinicians"], "clinician_id", blank["clinician_id"])
    assert _one(tables["appointments"], "appointment_id", blank["appointment_id"])["role"] == staff["role"]


def test_patient_who_moved_practice(tables) -> None:
    spans = tables["registrations"].filter(pc.equal(tables["registrations"]["patient_id"], "PT1030")).to_pylist()
    assert [(s["practice_id"], s["end_date"]) for s in spans] == [("P81001", dt.date(2019, 5, 31)),
                                                                  ("P81002", None)]
    patient = _one(tables["patients"], "patient_id", "PT1030")
    assert patient["practice_id"] == "P81002" and patient["registered_from"] == dt.date(2019, 6, 1)
    appts = tables["appointments"].filter(pc.equal(tables["appointments"]["patient_id"], "PT1030"))
    assert set(appts["practice_id"].to_pylist()) == {"P81002"}
    panels = tables["panels"].filter(pc.equal(tables["panels"]["patient_id"], "PT1030")).to_pylist()
    assert [(p["clinician_id"], p["start_date"]) for p in panels] == [("C001", spans[0]["start_date"]),
                                                                      ("C003", dt.date(2019, 6, 1))]


def test_patient_details_and_practices(tables, sample: Path) -> None:
    first = _one(tables["patients"], "patient_id", "PT1000")
    assert first["nhs_number"] == "9990001006" and first["sex"] == "male" and first["birth_date"] == dt.date(2018, 7, 3)
    died = _one(tables["patients"], "patient_id", "PT1007")
    assert died["death_date"] == dt.date(2023, 11, 14) and died["registered_to"] == dt.date(2023, 11, 14)
    _, regs = read_rows(sample / "registrations.csv")
    for practice in tables["practices"].to_pylist():
        open_here = {r["patient_id"] for r in regs if r["practice_code"] == practice["practice_id"]
                     and not r["registered_to"] and not r["death_date"]}
        assert practice["list_size"] == len(open_here)
    assert _one(tables["practices"], "practice_id", "P81002")["name"] == "Hilltop Medical Centre"
    assert _one(tables["clinicians"], "clinician_id", "C007")["practice_id"] is None


def test_reimport_adds_nothing(sample: Path, tmp_path: Path) -> None:
    first = import_extract([sample], tmp_path / "ds")
    assert first.manifest.counts == SAMPLE_COUNTS
    before = {n: open_dataset(tmp_path / "ds").table(n) for n in SAMPLE_COUNTS}
    again = import_extract([sample / "registrations.csv", sample / "clinicians.csv", sample / "appointments.csv",
                            sample / "conditions.csv"], tmp_path / "ds")
    assert again.manifest.counts == SAMPLE_COUNTS
    after = open_dataset(tmp_path / "ds")
    assert all(after.table(n).equals(before[n]) for n in SAMPLE_COUNTS)


def test_appointments_can_follow_registrations_in_a_later_import(sample: Path, tmp_path: Path) -> None:
    import_extract([sample / "registrations.csv", sample / "clinicians.csv", sample / "conditions.csv"],
                   tmp_path / "ds")
    result = import_extract([sample / "appointments.csv"], tmp_path / "ds")
    assert result.read["appointments"] == 176 and result.manifest.counts == SAMPLE_COUNTS


def test_appointments_without_any_patients_are_refused(sample: Path, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="appointments need their patients"):
        import_extract([sample / "appointments.csv"], tmp_path / "ds")
    assert not (tmp_path / "ds").exists()


def test_extract_keeps_practices_already_imported(sample: Path, tmp_path: Path) -> None:
    import pyarrow as pa

    from carenet.schema import write_dataset
    from carenet.schema.tables import TABLES

    practice = pa.table({"practice_id": ["P81001"], "name": ["Riverside Surgery (NHS Digital)"],
                         "list_size": pa.array([9120], pa.int32())})
    write_dataset(tmp_path / "ds", {"practices": practice}, source="test")
    import_extract([sample], tmp_path / "ds")
    kept = _one(open_dataset(tmp_path / "ds").table("practices"), "practice_id", "P81001")
    assert kept["list_size"] == 9120 and "practice_id" in TABLES["practices"].primary_key


def _fails(folder: Path, tmp_path: Path) -> list[tuple[str, str | None, str]]:
    """Import ``folder`` over a dataset holding the sample; return the problems and check nothing changed."""
    target = tmp_path / "target"
    if not target.exists():
        import_extract([SAMPLE], target)
    before = folder_digest(target)
    with pytest.raises(ImportFailed) as failed:
        import_extract([folder], target)
    assert folder_digest(target) == before
    return [(Path(p.file).name, p.location, p.reason) for p in failed.value.problems]


def test_renamed_column(extract: Path, tmp_path: Path) -> None:
    header, rows = read_rows(extract / "appointments.csv")
    header[header.index("booked_for")] = "booked_fro"
    write_rows(extract / "appointments.csv", header,
               [{("booked_fro" if k == "booked_for" else k): v for k, v in r.items()} for r in rows])
    assert _fails(extract, tmp_path) == [
        ("appointments.csv", "line 1", "required column 'booked_for' is missing; did you mean 'booked_fro'?")]


def test_bad_values_are_reported_with_file_line_and_reason(extract: Path, tmp_path: Path) -> None:
    edit(extract / "registrations.csv", 2, nhs_number="999 000 1007")
    edit(extract / "registrations.csv", 3, birth_date="31/02/1953")
    edit(extract / "registrations.csv", 4, sex="Q")
    edit(extract / "clinicians.csv", 3, fte="lots", role="Wizard")
    edit(extract / "appointments.csv", 2, booked_for="2024-01-08 25:00")
    edit(extract / "appointments.csv", 3, status="Maybe")
    edit(extract / "appointments.csv", 4, duration_minutes="-5")
    problems = _fails(extract, tmp_path)
    assert problems == [
        ("appointments.csv", "line 2", "booked_for: not a date-time (write YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM) "
                                       "('2024-01-08 25:00')"),
        ("appointments.csv", "line 3", "status: unknown value; expected one of attended, booked, cancelled, "
                                       "did_not_attend or a usual spelling of one ('Maybe')"),
        ("appointments.csv", "line 4", "duration_minutes: outside 0 to 600 ('-5')"),
        ("clinicians.csv", "line 3", problems[3][2]),
        ("clinicians.csv", "line 3", "fte: not a number ('lots')"),
        ("registrations.csv", "line 2", "nhs_number: not a valid NHS number (10 digits whose last is the "
                                        "modulus-11 check digit) ('999 000 1007')"),
        ("registrations.csv", "line 3", "birth_date: not a date (write YYYY-MM-DD or DD/MM/YYYY) ('31/02/1953')"),
        ("registrations.csv", "line 4", problems[7][2]),
    ]
    assert problems[3][2].startswith("role: unknown value; expected one of admin, anp,")
    assert "'Wizard'" in problems[3][2]
    assert problems[7][2].startswith("sex: unknown value; expected one of female, male, other, unknown")


def test_duplicates_and_dangling_references(extract: Path, tmp_path: Path) -> None:
    header, rows = read_rows(extract / "appointments.csv")
    rows[5]["appointment_id"] = rows[2]["appointment_id"]
    rows[6]["patient_id"] = "PT9999"
    rows[7]["clinician_id"] = "C999"
    rows[8]["site_code"] = "Z99999"
    rows[9]["requested_at"] = "2025-01-01 09:00"
    write_rows(extract / "appointments.csv", header, rows)
    dup = rows[2]["appointment_id"]
    problems = _fails(extract, tmp_path)
    assert problems == [
        ("appointments.csv", "line 7", f"duplicate appointment (appointment_id={dup}): already on "
                                       f"{extract / 'appointments.csv'} line 4"),
        ("appointments.csv", "line 8", "patient_id: 'PT9999' is not in registrations (this extract or the dataset)"),
        ("appointments.csv", "line 9", "clinician_id: 'C999' is not in clinicians (this extract or the dataset)"),
        ("appointments.csv", "line 10", "site_code: 'Z99999' is not in the practices of this extract or the dataset"),
        ("appointments.csv", "line 11", problems[4][2]),
    ]
    assert problems[4][2].startswith("requested_at: 2025-01-01 09:00:00 is after booked_for")


def test_registration_consistency(extract: Path, tmp_path: Path) -> None:
    header, rows = read_rows(extract / "registrations.csv")
    moved = [i for i, r in enumerate(rows) if r["patient_id"] == "PT1030"]
    rows[moved[1]]["birth_date"] = "1901-01-01"
    rows[3]["registered_to"] = "1999-01-01"
    rows[4]["nhs_number"] = rows[5]["nhs_number"]
    rows.append(dict(rows[0]))
    write_rows(extract / "registrations.csv", header, rows)
    problems = _fails(extract, tmp_path)
    line = moved[1] + 2
    assert ("registrations.csv", f"line {line}", f"birth_date: patient PT1030 has 1901-01-01 here but "
            f"{rows[moved[0]]['birth_date'][6:]}-{rows[moved[0]]['birth_date'][3:5]}-"
            f"{rows[moved[0]]['birth_date'][:2]} on {extract / 'registrations.csv'} line {moved[0] + 2}") in problems
    assert ("registrations.csv", "line 5", f"registered_to: 1999-01-01 is before registered_from "
            f"{rows[3]['registered_from']}") in problems
    assert any(p[1] == "line 7" and p[2].startswith("nhs_number: ") and "is also patient PT1004's" in p[2]
               for p in problems)
    assert any(p[1] == f"line {len(rows) + 1}" and p[2].startswith("duplicate registration span") for p in problems)


def test_named_gp_must_be_a_known_clinician(extract: Path, tmp_path: Path) -> None:
    edit(extract / "registrations.csv", 2, named_gp="C404")
    assert _fails(extract, tmp_path) == [
        ("registrations.csv", "line 2", "named_gp: 'C404' is not in clinicians (this extract or the dataset)")]


def test_unrecognisable_file_is_named(extract: Path, tmp_path: Path) -> None:
    (extract / "notes.csv").write_text("colour,size\nred,1\n")
    assert _fails(extract, tmp_path) == [
        ("notes.csv", None, "cannot tell which extract file this is: name it like registrations.csv, "
                            "clinicians.csv, appointments.csv, conditions.csv")]


def test_files_recognised_by_header_when_oddly_named(sample: Path, tmp_path: Path) -> None:
    names = ("registrations.csv", "clinicians.csv", "appointments.csv", "conditions.csv")
    for i, name in enumerate(names):
        (tmp_path / f"export_{i}.csv").write_bytes((sample / name).read_bytes())
    tables = read_extract([tmp_path / f"export_{i}.csv" for i in range(len(names))])
    assert {n: t.num_rows for n, t in tables.items()} == SAMPLE_COUNTS


def test_appointments_split_over_several_files(sample: Path, tmp_path: Path) -> None:
    header, rows = read_rows(sample / "appointments.csv")
    write_rows(tmp_path / "appointments_2024a.csv", header, rows[:100])
    write_rows(tmp_path / "appointments_2024b.csv", header, rows[100:])
    tables = read_extract([sample / "registrations.csv", sample / "clinicians.csv",
                           tmp_path / "appointments_2024a.csv", tmp_path / "appointments_2024b.csv"])
    assert tables["appointments"].num_rows == 176 and "conditions" not in tables
    write_rows(tmp_path / "appointments_2024b.csv", header, rows[99:])
    with pytest.raises(ImportFailed) as failed:
        read_extract([sample / "registrations.csv", sample / "clinicians.csv",
                      tmp_path / "appointments_2024a.csv", tmp_path / "appointments_2024b.csv"])
    [problem] = failed.value.problems
    assert problem.file.endswith("appointments_2024b.csv") and problem.location == "line 2"
    assert problem.reason.endswith("appointments_2024a.csv line 101")


def test_documentation_lists_every_column_and_alias() -> None:
    from carenet.sources.extract_format import EXTRACT_FILES

    page = (SAMPLE.parents[1] / "docs" / "csv-extract.md").read_text()
    for spec in EXTRACT_FILES.values():
        section = page.split(f"### `{spec.filename}`")[1].split("###")[0]
        for column in spec.columns:
            row = next(line for line in section.splitlines() if line.startswith(f"| `{column.name}` |"))
            assert ("| yes |" in row) == column.required
            assert all(f"`{alias}`" in row for alias in column.aliases)


def test_conditions_get_their_register_and_frailty_deficit(tables, sample: Path) -> None:
    from carenet.schema.codelists import deficits_for_code, register_for_code

    _, rows = read_rows(sample / "conditions.csv")
    got = tables["conditions"].to_pylist()
    assert len(got) == len(rows)
    for row, out in zip(rows, got, strict=True):
        assert (out["patient_id"], out["snomed_code"]) == (row["patient_id"], row["snomed_code"])
        assert out["register"] == register_for_code(row["snomed_code"])
        assert out["efi_deficit"] == (deficits_for_code(row["snomed_code"]) or (None,))[0]
    hypertension = next(c for c in got if c["snomed_code"] == "38341003")
    assert hypertension["register"] == "HYP" and hypertension["efi_deficit"] == 17
    falls = next(c for c in got if c["snomed_code"] == "161898004")
    assert falls["register"] is None and falls["efi_deficit"] == 10
    assert sum(c["resolved_date"] is not None for c in got) == 1


def test_bad_conditions(extract: Path, tmp_path: Path) -> None:
    edit(extract / "conditions.csv", 2, snomed_code="HTN")
    edit(extract / "conditions.csv", 3, patient_id="PT4040")
    edit(extract / "conditions.csv", 4, resolved_date="1900-01-01")
    problems = _fails(extract, tmp_path)
    assert problems[0] == ("conditions.csv", "line 2", "snomed_code: not a SNOMED CT concept id (6 to 18 digits) "
                                                       "('HTN')")
    assert problems[1] == ("conditions.csv", "line 3",
                           "patient_id: 'PT4040' is not in registrations (this extract or the dataset)")
    assert problems[2][1] == "line 4" and problems[2][2].startswith("resolved_date: 1900-01-01 is before onset_date")
    assert len(problems) == 3
