"""Reading CSV text: header spellings, hints for renamed columns, line numbers, encodings."""

from __future__ import annotations

from pathlib import Path

from carenet.sources.extract_csv import Column, read_text_csv, sort_problems
from carenet.sources.problems import ProblemLog

COLUMNS = (
    Column("patient_id", "text", True, "", ("patient_ref",)),
    Column("booked_for", "datetime", True, "", ("appointment_date",)),
    Column("mode", "code", False, ""),
)


def _read(path: Path, text: str | bytes) -> tuple[object, ProblemLog]:
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    log = ProblemLog()
    return read_text_csv(path, COLUMNS, log), log


def test_header_matches_whatever_the_case_and_punctuation(tmp_path: Path) -> None:
    table, log = _read(tmp_path / "a.csv", "Patient ID,BOOKED-FOR,Extra\n p1 ,2024-01-01 09:00,x\n")
    assert not log
    assert table.table.column_names == ["patient_id", "booked_for"]
    assert table.table.to_pylist() == [{"patient_id": "p1", "booked_for": "2024-01-01 09:00"}]


def test_aliases_are_accepted(tmp_path: Path) -> None:
    table, log = _read(tmp_path / "a.csv", "patient_ref,Appointment Date,Mode\np1,2024-01-01,Telephone\n")
    assert not log and table.table.column_names == ["patient_id", "booked_for", "mode"]


def test_renamed_column_gets_a_did_you_mean_hint(tmp_path: Path) -> None:
    table, log = _read(tmp_path / "a.csv", "patient_id,booked_fro\np1,2024-01-01\n")
    assert table is None
    assert [str(p) for p in log.problems] == [
        f"{tmp_path / 'a.csv'} line 1: required column 'booked_for' is missing; did you mean 'booked_fro'?"]


def test_missing_column_without_a_near_name_has_no_hint(tmp_path: Path) -> None:
    _, log = _read(tmp_path / "a.csv", "patient_id,colour\np1,red\n")
    assert log.problems[0].reason == "required column 'booked_for' is missing"


def test_repeated_column_is_a_problem(tmp_path: Path) -> None:
    _, log = _read(tmp_path / "a.csv", "patient_id,booked_for,Patient ID\np1,2024-01-01,p2\n")
    assert "appears 2 times" in log.problems[0].reason


def test_empty_cells_are_null_and_values_trimmed(tmp_path: Path) -> None:
    table, log = _read(tmp_path / "a.csv", 'patient_id,booked_for,mode\np1,  ,"  "\n')
    assert table.table.to_pylist() == [{"patient_id": "p1", "booked_for": None, "mode": None}]


def test_ragged_records_are_reported_at_their_line_and_the_rest_kept(tmp_path: Path) -> None:
    table, log = _read(tmp_path / "a.csv", "patient_id,booked_for\np1,d1\np2\np3,d3\np4,d4,extra\np5,d5\n")
    assert [(p.location, p.reason) for p in log.problems] == [
        ("line 3", "record has 1 field(s) where the header has 2"),
        ("line 5", "record has 3 field(s) where the header has 2")]
    assert table.table["patient_id"].to_pylist() == ["p1", "p3", "p5"]
    assert table.lines.tolist() == [2, 4, 6]


def test_byte_order_mark_and_windows_line_ends(tmp_path: Path) -> None:
    table, log = _read(tmp_path / "a.csv", b"\xef\xbb\xbfpatient_id,booked_for\r\np1,d1\r\n")
    assert not log and table.table.to_pylist() == [{"patient_id": "p1", "booked_for": "d1"}]


def test_windows_code_page_text_is_read(tmp_path: Path) -> None:
    table, log = _read(tmp_path / "a.csv", "patient_id,booked_for\nRenée,d1\n".encode("cp1252"))
    assert not log and table.table["patient_id"].to_pylist() == ["Renée"]


def test_empty_and_absent_files(tmp_path: Path) -> None:
    table, log = _read(tmp_path / "a.csv", b"")
    assert table is None and "file is empty" in log.problems[0].reason
    log = ProblemLog()
    assert read_text_csv(tmp_path / "nope.csv", COLUMNS, log) is None
    assert log.problems[0].reason == "file not found"


def test_header_only_gives_an_empty_table(tmp_path: Path) -> None:
    table, log = _read(tmp_path / "a.csv", "patient_id,booked_for\n")
    assert not log and table.table.num_rows == 0


def test_problems_sort_by_file_then_line() -> None:
    log = ProblemLog()
    log.add("b.csv", "line 12", "x")
    log.add("a.csv", None, "… and 3 more lines with the same problem (x)")
    log.add("a.csv", "line 10", "y")
    log.add("a.csv", "line 9", "z")
    log.add("a.csv", "line 1", "header")
    sort_problems(log)
    assert [(p.file, p.location) for p in log.problems] == [
        ("a.csv", "line 1"), ("a.csv", "line 9"), ("a.csv", "line 10"), ("a.csv", None), ("b.csv", "line 12")]
