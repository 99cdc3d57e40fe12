"""NHS Digital open data: registered practices with IMD, and aggregate appointments, from the real files."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pyarrow.compute as pc
import pytest

from carenet.schema import open_dataset, validate_dataset
from carenet.sources.nhs import (
    import_appointment_counts,
    import_registered_practices,
    read_appointment_counts,
    read_registered_practices,
)
from carenet.sources.problems import ImportFailed

LIST = "gp-reg-pat-prac-all_2021-01.csv"
IMD = "fingertips_93553_imd2019_by_gp_practice.csv"
APPOINTMENTS = "appointments_in_gp_regional_Dorset_2019-03_to_2021-08.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def practices(nhs: Path):
    return read_registered_practices(nhs / LIST, nhs / IMD)


def test_every_practice_of_the_list_is_read(practices, nhs: Path) -> None:
    assert practices.num_rows == 6658
    assert not validate_dataset({"practices": practices})
    raw = _rows(nhs / LIST)
    assert sorted(practices["practice_id"].to_pylist()) == sorted(r["CODE"] for r in raw)
    assert pc.sum(practices["list_size"]).as_py() == sum(int(r["NUMBER_OF_PATIENTS"]) for r in raw)


def test_known_practices_match_the_files(practices, nhs: Path) -> None:
    raw = {r["CODE"]: r for r in _rows(nhs / LIST)}
    imd = {r["Area Code"]: r for r in _rows(nhs / IMD) if r["Area Type"] == "GP"}
    by_id = {r["practice_id"]: r for r in practices.to_pylist()}
    for code in ("A84002", "A84005", "A81001", "Y02625"):
        if code not in raw:
            continue
        got = by_id[code]
        assert got["list_size"] == int(raw[code]["NUMBER_OF_PATIENTS"])
        assert got["postcode"] == raw[code]["POSTCODE"]
        assert got["network_id"] is None
        if code in imd:
            assert got["imd_score"] == pytest.approx(float(imd[code]["Value"]))
            assert got["name"] == imd[code]["Area Name"]
    assert by_id["A84002"] == {"practice_id": "A84002", "name": "The Rothbury Practice", "network_id": None,
                               "imd_score": pytest.approx(16.6389494897077), "list_size": 5903,
                               "postcode": "NE65 7UW"}


def test_practices_without_an_imd_score_keep_their_code_as_name(practices, nhs: Path) -> None:
    imd_codes = {r["Area Code"] for r in _rows(nhs / IMD)}
    missing = [c for c in practices["practice_id"].to_pylist() if c not in imd_codes]
    assert len(missing) == practices["imd_score"].null_count == 113
    row = practices.filter(pc.equal(practices["practice_id"], missing[0])).to_pylist()[0]
    assert row["name"] == missing[0] and row["imd_score"] is None


def test_list_only_and_ccg_selection(nhs: Path) -> None:
    alone = read_registered_practices(nhs / LIST)
    assert alone.num_rows == 6658 and alone["imd_score"].null_count == 6658
    dorset = read_registered_practices(nhs / LIST, nhs / IMD, ccgs=["11J"])
    assert dorset.num_rows == sum(r["CCG_CODE"] == "11J" for r in _rows(nhs / LIST))


def test_import_is_idempotent(nhs: Path, tmp_path: Path) -> None:
    first = import_registered_practices(nhs / LIST, tmp_path / "ds", nhs / IMD)
    again = import_registered_practices(nhs / LIST, tmp_path / "ds", nhs / IMD)
    assert first.manifest.counts == again.manifest.counts == {"practices": 6658}
    assert open_dataset(tmp_path / "ds").table("practices").num_rows == 6658


def test_appointment_counts_with_the_publication_quirks_normalised(nhs: Path) -> None:
    counts = read_appointment_counts([nhs / APPOINTMENTS])
    raw = _rows(nhs / APPOINTMENTS)
    assert counts.num_rows == len(raw) == 5638
    assert pc.sum(counts["count"]).as_py() == sum(int(r["COUNT_OF_APPOINTMENTS"]) for r in raw)
    assert not validate_dataset({"appointment_counts": counts})
    assert set(counts["booking_interval"].to_pylist()) == {
        "same_day", "1_day", "2_7_days", "8_14_days", "15_21_days", "22_28_days", "over_28_days", "unknown"}
    assert set(counts["mode"].to_pylist()) == {"face_to_face", "telephone", "home_visit", "video_online", "unknown"}
    assert set(counts["status"].to_pylist()) == {"attended", "did_not_attend", "unknown"}
    months = counts["month"].to_pylist()
    assert min(months) == dt.date(2019, 3, 1) and max(months) == dt.date(2021, 8, 1)
    first = raw[0]
    assert first["TIME_BETWEEN_BOOK_AND_APPT"] == "1 Day" and first["Appointment_Month"] == "MAR2019"
    row = counts.filter(pc.and_(pc.equal(counts["month"], dt.date(2019, 3, 1)),
                                pc.and_(pc.equal(counts["booking_interval"], "8_14_days"),
                                        pc.and_(pc.equal(counts["mode"], "face_to_face"),
                                                pc.and_(pc.equal(counts["status"], "attended"),
                                                        pc.equal(counts["hcp_type"], "gp")))))).to_pylist()
    expected = [int(r["COUNT_OF_APPOINTMENTS"]) for r in raw
                if r["Appointment_Month"] == "MAR2019" and r["TIME_BETWEEN_BOOK_AND_APPT"] == "8  to 14 Days"
                and r["APPT_MODE"] == "Face-to-Face" and r["APPT_STATUS"] == "Attended" and r["HCP_TYPE"] == "GP"]
    assert [r["count"] for r in row] == expected and row[0]["area_name"] == "NHS Dorset CCG"


def test_appointment_import_is_idempotent_and_overlapping_files_are_refused(nhs: Path, tmp_path: Path) -> None:
    import_appointment_counts([nhs / APPOINTMENTS], tmp_path / "ds")
    assert import_appointment_counts([nhs / APPOINTMENTS], tmp_path / "ds").manifest.counts == {
        "appointment_counts": 5638}
    copy = tmp_path / "copy.csv"
    copy.write_bytes((nhs / APPOINTMENTS).read_bytes())
    with pytest.raises(ImportFailed, match="the same counts appear in more than one file"):
        read_appointment_counts([nhs / APPOINTMENTS, copy])


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_bad_list_file_is_reported_line_by_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "list.csv", [
        ["CODE", "POSTCODE", "NUMBER_OF_PATIENTS"],
        ["A1", "X1 1XX", "100"], ["A2", "X1 1XX", "lots"], ["A1", "X1 1XX", "5"], ["", "X", "7"],
        ["A3", "", "-4"]])
    with pytest.raises(ImportFailed) as failed:
        read_registered_practices(path)
    assert [(p.location, p.reason) for p in failed.value.problems] == [
        ("line 3", "NUMBER_OF_PATIENTS: not a whole number ('lots')"),
        ("line 4", "duplicate practice: CODE='A1' already on line 2"),
        ("line 5", "CODE: practice code is empty"),
        ("line 6", "NUMBER_OF_PATIENTS: outside 0–200,000 ('-4')")]


def test_renamed_list_column_gets_a_hint(tmp_path: Path) -> None:
    path = _write(tmp_path / "list.csv", [["CODE", "NUMBER_OF_PATIENT"], ["A1", "1"]])
    with pytest.raises(ImportFailed, match="did you mean 'NUMBER_OF_PATIENT'"):
        read_registered_practices(path)


def test_wrong_fingertips_indicator_is_refused(tmp_path: Path) -> None:
    listing = _write(tmp_path / "list.csv", [["CODE", "NUMBER_OF_PATIENTS"], ["A1", "1"]])
    imd = _write(tmp_path / "imd.csv", [["Indicator ID", "Area Code", "Area Type", "Value"],
                                        ["90000", "A1", "GP", "20.5"], ["93553", "A1", "GP", "120"]])
    with pytest.raises(ImportFailed) as failed:
        read_registered_practices(listing, imd)
    reasons = [p.reason for p in failed.value.problems]
    assert reasons == ["Indicator ID: expected 93553 (IMD 2019 by practice) ('90000')",
                       "Value: IMD score outside 0–100 ('120')",
                       "duplicate practice: Area Code='A1' already on line 2"]


def test_unknown_appointment_labels_are_reported(tmp_path: Path) -> None:
    path = _write(tmp_path / "appts.csv", [
        ["CCG_CODE", "Appointment_Month", "APPT_STATUS", "HCP_TYPE", "APPT_MODE", "TIME_BETWEEN_BOOK_AND_APPT",
         "COUNT_OF_APPOINTMENTS"],
        ["11J", "MAR2019", "Attended", "GP", "Carrier pigeon", "1 Day", "5"],
        ["11J", "MARCH2019X", "Attended", "GP", "Telephone", "1 Day", "x"]])
    with pytest.raises(ImportFailed) as failed:
        read_appointment_counts([path])
    assert [(p.location, p.reason.split(" (")[0]) for p in failed.value.problems] == [
        ("line 2", "mode: unknown label"), ("line 3", "month: not a month like MAR2019"),
        ("line 3", "count: not a whole number")]
