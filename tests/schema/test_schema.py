"""The canonical schema: every column documented, validators locate problems, writes are atomic."""

from __future__ import annotations

import datetime as dt
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from carenet.schema import (
    EFI_DEFICITS,
    QOF_REGISTERS,
    ROLES,
    TABLES,
    ValidationError,
    can_handle,
    deficits_for_code,
    open_dataset,
    register_for_code,
    validate_dataset,
    write_dataset,
)
from carenet.schema.codes import NEED_TYPES


def _practices() -> pa.Table:
    return pa.table({"practice_id": ["A81001", "A81002"], "name": ["North", "South"],
                     "list_size": pa.array([2, 1], pa.int32())})


def _patients(practice: str = "A81001", pid: str = "p1") -> pa.Table:
    return pa.table({
        "patient_id": [pid], "birth_date": pa.array([dt.date(1950, 1, 2)]), "sex": ["female"],
        "practice_id": [practice], "registered_from": pa.array([dt.date(2000, 1, 1)]),
    })


def test_every_column_is_documented():
    for spec in TABLES.values():
        docs = spec.column_docs()
        assert all(docs.values()), spec.name
        assert set(spec.primary_key) <= set(docs), spec.name
        for column, (target, target_col) in spec.references.items():
            assert column in docs and target_col in TABLES[target].column_docs()


def test_role_catalogue_covers_every_need_and_cites_sources():
    assert len(ROLES) == 13
    assert all(r.minutes_source and r.minutes_tag in {"V", "S", "M"} for r in ROLES)
    for need in NEED_TYPES:
        assert can_handle("gp", need)
    assert can_handle("fcp", "musculoskeletal") and not can_handle("fcp", "mental_health")


def test_code_lists():
    assert len(QOF_REGISTERS) >= 15
    assert len(EFI_DEFICITS) == 36 and [d.id for d in EFI_DEFICITS] == list(range(1, 37))
    assert register_for_code("73211009") == "DM"
    assert deficits_for_code("49436004") == (4,)
    partial = [d for d in EFI_DEFICITS if not d.snomed]
    assert partial and all(d.tag is None for d in partial)


def test_validator_names_table_row_and_rule():
    patients = _patients().set_column(2, "sex", pa.array(["F"]))
    problems = validate_dataset({"practices": _practices(), "patients": patients})
    assert len(problems) == 1
    p = problems[0]
    assert (p.table, p.row, p.column, p.rule) == ("patients", 0, "sex", "code set")
    assert "'F'" in str(p)


def test_validator_finds_dangling_references_and_duplicate_keys():
    dangling = validate_dataset({"practices": _practices(), "patients": _patients("Z99999")})
    assert [(p.row, p.rule) for p in dangling] == [(0, "reference to practices.practice_id")]
    dup = pa.concat_tables([_patients(), _patients()])
    problems = validate_dataset({"practices": _practices(), "patients": dup})
    assert problems[0].rule == "unique key" and "patient_id='p1'" in problems[0].detail


def test_write_merges_by_key_and_reimport_adds_nothing(tmp_path):
    out = tmp_path / "ds"
    write_dataset(out, {"practices": _practices(), "patients": _patients()}, source="test")
    m = write_dataset(out, {"practices": _practices(), "patients": _patients()}, source="test")
    assert m.counts == {"practices": 2, "patients": 1}
    m = write_dataset(out, {"patients": _patients(pid="p2")}, source="second")
    assert m.counts["patients"] == 2 and m.sources == ["test", "second"]
    ds = open_dataset(out)
    assert ds.table("patients").column("patient_id").to_pylist() == ["p1", "p2"]


def test_failed_write_leaves_previous_dataset_untouched(tmp_path):
    out = tmp_path / "ds"
    write_dataset(out, {"practices": _practices(), "patients": _patients()}, source="test")
    before = {f.name: f.read_bytes() for f in out.iterdir() if f.is_file()}
    with pytest.raises(ValidationError) as err:
        write_dataset(out, {"patients": _patients("NOPE", pid="p9")}, source="bad")
    assert "patients row 1" in str(err.value)
    assert {f.name: f.read_bytes() for f in out.iterdir() if f.is_file()} == before
    assert sorted(os.listdir(tmp_path)) == ["ds"]


def test_written_tables_carry_the_canonical_schema(tmp_path):
    write_dataset(tmp_path / "ds", {"practices": _practices()}, source="t")
    schema = pq.read_schema(tmp_path / "ds" / "practices.parquet")
    assert schema.field("imd_score").metadata[b"doc"].startswith(b"IMD 2019")
