"""The CSV extract's optional ``homeless`` column and the Homeless code among the conditions fill the flag."""

from __future__ import annotations

from pathlib import Path

from csv_import_helpers import read_rows, write_rows

from carenet.sources.extract import read_extract
from carenet.sources.housing import HOMELESS_SNOMED


def _flags(tables) -> dict[str, bool | None]:
    patients = tables["patients"]
    return dict(zip(patients["patient_id"].to_pylist(), patients["homeless"].to_pylist(), strict=True))


def test_without_the_column_the_flag_is_unknown(sample: Path) -> None:
    assert set(_flags(read_extract([sample])).values()) == {None}


def test_the_column_and_the_code_both_say_homeless(extract: Path) -> None:
    header, rows = read_rows(extract / "registrations.csv")
    ids = [r["patient_id"] for r in rows]
    for row, value in zip(rows, ["Yes", "N", "", "true"] + [""] * (len(rows) - 4), strict=True):
        row["No Fixed Abode"] = value  # an alias, spelled as a report would
    write_rows(extract / "registrations.csv", [*header, "No Fixed Abode"], rows)
    c_header, conditions = read_rows(extract / "conditions.csv")
    coded = ids[4]
    conditions += [{"patient_id": coded, "snomed_code": HOMELESS_SNOMED[0], "onset_date": "2023-01-05",
                    "resolved_date": ""},
                   {"patient_id": ids[5], "snomed_code": HOMELESS_SNOMED[0], "onset_date": "2020-01-05",
                    "resolved_date": "2021-03-01"}]  # rehoused: resolved
    write_rows(extract / "conditions.csv", c_header, conditions)
    flags = _flags(read_extract([extract]))
    assert [flags[i] for i in ids[:6]] == [True, False, None, True, True, None]
