"""Mutated extracts: whatever is done to valid files, the import either succeeds with a valid dataset or
fails with located problems and leaves the dataset exactly as it was; it never crashes."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from csv_import_helpers import SAMPLE, folder_digest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from carenet.schema import open_dataset, validate_dataset
from carenet.schema.dataset import ConflictError
from carenet.sources.extract import import_extract
from carenet.sources.problems import ImportFailed

FILES = ("registrations.csv", "clinicians.csv", "appointments.csv", "conditions.csv")
NASTY = ["", " ", "x", "0", "-1", "1e309", "2024-13-45", "31/02/2024", "2024-02-29 23:59", "9434765919",
         "DNA", "Face to face", "GP", "PT1000", "C001", "P81001", "APT00001", '"', ",", "\n", "💥", "NULL",
         "Did Not Attend", "Mon,Funday", "99999999999999999999", "x" * 300]


@pytest.fixture(scope="module")
def base() -> Path:
    """A dataset holding the sample extract, to import mutated copies over."""
    folder = Path(tempfile.mkdtemp(prefix="carenet-csv-mutations-"))
    import_extract([SAMPLE], folder / "ds")
    yield folder / "ds"
    shutil.rmtree(folder, ignore_errors=True)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


@st.composite
def mutations(draw: st.DrawFn) -> list[tuple]:
    steps = []
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(FILES))
        n = len(_lines(SAMPLE / name))
        kind = draw(st.sampled_from(["cell", "cell", "cell", "drop_column", "rename_column", "duplicate_line",
                                     "drop_line", "truncate_line", "garbage_line", "bytes"]))
        steps.append((kind, name, draw(st.integers(1, n - 1)), draw(st.integers(0, 12)),
                      draw(st.one_of(st.sampled_from(NASTY), st.text(max_size=12)))))
    return steps


def _apply(folder: Path, kind: str, name: str, line: int, column: int, value: str) -> None:
    import csv
    import io

    path = folder / name
    if kind == "bytes":
        data = bytearray(path.read_bytes())
        data[min(line * 7, len(data) - 1)] = 0xFF
        path.write_bytes(bytes(data))
        return
    try:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    except UnicodeDecodeError:
        return
    line = min(line, len(rows) - 1)
    column = column % max(len(rows[0]), 1)
    if kind == "cell" and column < len(rows[line]):
        rows[line][column] = value
    elif kind == "drop_column":
        rows = [r[:column] + r[column + 1:] for r in rows]
    elif kind == "rename_column":
        rows[0][column] = value
    elif kind == "duplicate_line":
        rows.insert(line, list(rows[line]))
    elif kind == "drop_line":
        del rows[line]
    elif kind == "truncate_line":
        rows[line] = rows[line][:column]
    elif kind == "garbage_line":
        rows.insert(line, [value])
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8", newline="")


@given(steps=mutations())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_mutated_extract_never_crashes_nor_half_writes(base: Path, steps: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "extract"
        shutil.copytree(SAMPLE, folder)
        for step in steps:
            _apply(folder, *step)
        target = Path(work) / "ds"
        shutil.copytree(base, target)
        before = folder_digest(target)
        try:
            result = import_extract([folder], target)
        except ConflictError as conflict:  # contradicts the dataset (an NHS number on another patient, say)
            assert conflict.conflicts and folder_digest(target) == before
            event("conflict refused")
            return
        except ImportFailed as failed:
            assert failed.problems and all(p.file and p.reason for p in failed.problems)
            assert folder_digest(target) == before
            event("refused")
            return
        event("imported")
        dataset = open_dataset(target)
        assert not validate_dataset(dataset.tables())
        again = import_extract([folder], target)
        assert again.manifest.counts == result.manifest.counts


@given(steps=mutations())
@settings(max_examples=10, deadline=None)
def test_mutated_extract_into_a_new_folder_writes_all_or_nothing(steps: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "extract"
        shutil.copytree(SAMPLE, folder)
        for step in steps:
            _apply(folder, *step)
        target = Path(work) / "ds"
        try:
            import_extract([folder], target)
        except ImportFailed:
            assert not target.exists()
            assert [p.name for p in Path(work).iterdir()] == ["extract"]
            return
        assert not validate_dataset(open_dataset(target).tables())


_LIST = [["PUBLICATION", "EXTRACT_DATE", "TYPE", "CCG_CODE", "CODE", "POSTCODE", "SEX", "AGE", "NUMBER_OF_PATIENTS"],
         *[["GP_PRAC_PAT_LIST", "01JAN2021", "GP", "11J", f"J{i:05d}", "BH1 1AA", "ALL", "ALL", str(4000 + i)]
           for i in range(8)]]
_COUNTS = [["CCG_CODE", "CCG_NAME", "Appointment_Month", "APPT_STATUS", "HCP_TYPE", "APPT_MODE",
            "TIME_BETWEEN_BOOK_AND_APPT", "COUNT_OF_APPOINTMENTS"],
           *[["11J", "NHS Dorset CCG", month, "Attended", "GP", mode, "8  to 14 Days", "12"]
             for month in ("MAR2019", "APR2019") for mode in ("Face-to-Face", "Telephone", "Unknown")]]


@given(which=st.sampled_from(["list", "counts"]), row=st.integers(0, 7), column=st.integers(0, 8),
       value=st.one_of(st.sampled_from(NASTY), st.text(max_size=10)), drop=st.booleans())
@settings(max_examples=40, deadline=None)
def test_mutated_nhs_files_never_crash(which: str, row: int, column: int, value: str, drop: bool) -> None:
    import csv

    from carenet.schema.tables import conform
    from carenet.sources.nhs import read_appointment_counts, read_registered_practices

    rows = [list(r) for r in (_LIST if which == "list" else _COUNTS)]
    column %= len(rows[0])
    if drop:
        rows = [r[:column] + r[column + 1:] for r in rows]
    else:
        rows[row % len(rows)][column] = value
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "file.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
        try:
            table = read_registered_practices(path) if which == "list" else read_appointment_counts([path])
        except ImportFailed as failed:
            assert failed.problems and all(p.reason for p in failed.problems)
            return
        name = "practices" if which == "list" else "appointment_counts"
        assert not validate_dataset({name: conform(name, table)})
