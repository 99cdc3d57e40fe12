"""Dataset folders keep the user's files, recognise only carenet's manifests, and say clearly what is wrong."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from carenet.schema import open_dataset, write_dataset
from carenet.schema.dataset import ConflictError, DatasetError, Manifest
from carenet.schema.folders import STATE_DIR


def practices() -> pa.Table:
    return pa.table({"practice_id": ["A81001", "A81002"], "name": ["Riverside", "Hill"],
                     "list_size": pa.array([2, 1], pa.int32())})


def patients(pid: str = "p1", nhs: str | None = "9434765919", birth: dt.date = dt.date(1950, 1, 2),
             sex: str = "female", death: dt.date | None = None) -> pa.Table:
    return pa.table({"patient_id": [pid], "nhs_number": pa.array([nhs], pa.string()), "birth_date": [birth],
                     "sex": [sex], "practice_id": ["A81001"], "registered_from": [dt.date(2000, 1, 1)],
                     "death_date": pa.array([death], pa.date32())})


def registrations(pid: str = "p1", practice: str = "A81001", start: dt.date = dt.date(2000, 1, 1),
                  end: dt.date | None = None) -> pa.Table:
    return pa.table({"patient_id": [pid], "practice_id": [practice], "start_date": [start],
                     "end_date": pa.array([end], pa.date32())})


def appointments(status: str = "booked", hour: int = 9) -> pa.Table:
    return pa.table({"appointment_id": ["a1"], "patient_id": ["p1"], "status": [status],
                     "booked_for": pa.array([dt.datetime(2024, 3, 1, hour)], pa.timestamp("s"))})


def base(folder) -> Manifest:
    return write_dataset(folder, {"practices": practices(), "patients": patients(), "registrations": registrations(),
                                  "appointments": appointments()}, source="base")


def files(folder) -> dict[str, bytes]:
    """Every file under ``folder`` (links followed), by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "lock"}


def test_the_users_files_are_kept_and_tables_are_readable_directly(tmp_path):
    ds = tmp_path / "ds"
    base(ds)
    (ds / "notes.txt").write_text("my notes")
    (ds / "charts").mkdir()
    (ds / "charts" / "a.png").write_bytes(b"png")
    m = write_dataset(ds, {"patients": patients("p2", nhs=None)}, source="second")
    assert m.generation == "gen-000002" and m.report.tables["patients"].added == 1
    assert (ds / "notes.txt").read_text() == "my notes" and (ds / "charts" / "a.png").read_bytes() == b"png"
    assert pq.read_table(ds / "patients.parquet").num_rows == 2  # the link shows the current generation
    assert sorted(p.name for p in (ds / STATE_DIR).iterdir()) == ["gen-000002", "lock"]
    m = write_dataset(ds, {"practices": practices()}, source="replace", merge=False)
    assert open_dataset(ds).names == ["practices"] and not os.path.lexists(ds / "patients.parquet")
    assert (ds / "notes.txt").read_text() == "my notes"


def test_a_folder_with_a_foreign_manifest_or_files_is_refused_and_untouched(tmp_path):
    web = tmp_path / "web"
    web.mkdir()
    (web / "manifest.json").write_text(json.dumps({"name": "My app", "icons": []}))
    (web / "index.html").write_text("<html>")
    before = files(web)
    with pytest.raises(DatasetError, match="manifest.json is not a carenet manifest; choose an empty or new folder"):
        base(web)
    assert files(web) == before and sorted(p.name for p in web.iterdir()) == ["index.html", "manifest.json"]
    with pytest.raises(DatasetError, match="not a carenet manifest"):
        open_dataset(web)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    with pytest.raises(DatasetError, match=r"files carenet did not write \(notes.txt\)"):
        base(mine)
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


def test_a_newer_schema_version_is_not_read_nor_overwritten(tmp_path):
    ds = tmp_path / "ds"
    base(ds)
    raw = json.loads((ds / "manifest.json").read_text())
    (ds / "manifest.json").write_text(json.dumps({**raw, "schema_version": "9.0"}))
    with pytest.raises(DatasetError, match="schema version '9.0' is not one this carenet reads"):
        open_dataset(ds)
    with pytest.raises(DatasetError, match="9.0"):
        write_dataset(ds, {"practices": practices()}, source="x")


def test_a_dataset_written_before_generations_is_read_and_migrated_keeping_other_files(tmp_path):
    ds = tmp_path / "old"
    ds.mkdir()
    pq.write_table(practices(), ds / "practices.parquet")
    (ds / "patients").mkdir()
    pq.write_table(patients(), ds / "patients" / "part-00000.parquet")
    (ds / "manifest.json").write_text(json.dumps({"schema_version": "1.0", "sources": ["old"],
                                                  "counts": {"practices": 2, "patients": 1}}))
    (ds / "notes.txt").write_text("mine")
    assert open_dataset(ds).names == ["practices", "patients"]
    m = write_dataset(ds, {"patients": patients("p2", nhs=None)}, source="new")
    assert m.generation == "gen-000001" and m.sources == ["old", "new"]
    assert (ds / "practices.parquet").is_symlink() and (ds / "patients.parquet").is_symlink()
    assert not os.path.lexists(ds / "patients")
    assert open_dataset(ds).table("patients").column("patient_id").to_pylist() == ["p1", "p2"]
    assert (ds / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in (ds / STATE_DIR).iterdir()) == ["gen-000001", "lock"]


def test_damaged_datasets_are_clear_errors_naming_the_file(tmp_path):
    ds = tmp_path / "ds"
    base(ds)
    generation = ds / STATE_DIR / "gen-000001"
    data = (generation / "patients.parquet").read_bytes()
    (generation / "patients.parquet").write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError, match=r"table 'patients' in .*patients.parquet cannot be read"):
        open_dataset(ds).table("patients")
    (generation / "patients.parquet").unlink()
    with pytest.raises(DatasetError, match="lists table 'patients' but"):
        open_dataset(ds).table("patients")
    (ds / "manifest.json").write_text("{not json")
    with pytest.raises(DatasetError, match="manifest.json: not valid JSON"):
        open_dataset(ds)
    (ds / "manifest.json").unlink()
    with pytest.raises(DatasetError, match="manifest.json is missing") as err:
        open_dataset(ds)
    assert isinstance(err.value, FileNotFoundError)
    with pytest.raises(DatasetError, match="no such folder"):
        open_dataset(tmp_path / "nowhere")


def test_deleting_a_tables_link_removes_the_table(tmp_path):
    ds = tmp_path / "ds"
    base(ds)
    (ds / "appointments.parquet").unlink()
    dataset = open_dataset(ds)
    assert "appointments" not in dataset and "patients" in dataset


def test_reimporting_the_same_rows_changes_nothing(tmp_path):
    ds = tmp_path / "ds"
    base(ds)
    before = files(ds)
    m = base(ds)
    assert not m.report.changed and all(t.added == t.updated == 0 for t in m.report.tables.values())
    assert m.report.tables["appointments"].unchanged == 1 and files(ds) == before


@pytest.mark.parametrize(("tables", "expected"), [
    ({"patients": patients(birth=dt.date(1951, 5, 6))},
     "patients patient_id='p1': birth_date is '1950-01-02' in the dataset, '1951-05-06' in the input"),
    ({"patients": patients(sex="male")}, "sex is 'female' in the dataset, 'male' in the input"),
    ({"patients": patients("p9")}, "patients nhs_number='9434765919': one NHS number on patients 'p1', 'p9'"),
    ({"appointments": appointments("attended")}, "appointment_id='a1': status is 'booked' in the dataset, 'attended'"),
    ({"appointments": appointments(hour=11)}, "booked_for is '2024-03-01T09:00:00' in the dataset"),
    ({"registrations": registrations(practice="A81002", start=dt.date(2010, 1, 1))},
     "registrations patient_id='p1', practice_id='A81002', start_date='2010-01-01': overlaps the registration at "
     "practice 'A81001' from '2000-01-01'"),
    ({"registrations": registrations(practice="A81002", start=dt.date(1940, 1, 1), end=dt.date(1941, 1, 1))},
     "registration starts before birth on '1950-01-02'"),
    ({"patients": patients(death=dt.date(1999, 1, 1))}, "registration starts after death on '1999-01-01'"),
])
def test_conflicts_are_refused_fact_by_fact_and_applied_with_update(tmp_path, tables, expected):
    ds = tmp_path / "ds"
    base(ds)
    before = files(ds)
    with pytest.raises(ConflictError) as err:
        write_dataset(ds, tables, source="corrected")
    assert expected in str(err.value) and err.value.conflicts and "nothing was written" in str(err.value)
    assert files(ds) == before
    m = write_dataset(ds, tables, source="corrected", update=True)
    assert m.report.changed and m.generation == "gen-000002"
    first = err.value.conflicts[0]
    assert any(first.table in line and first.key in line for line in m.report.lines())


def test_an_update_reports_each_changed_value_and_the_new_values_win(tmp_path):
    ds = tmp_path / "ds"
    base(ds)
    m = write_dataset(ds, {"appointments": appointments("attended", hour=10)}, source="corrected", update=True)
    assert m.report.tables["appointments"].updated == 1 and m.report.changed_values == 2
    assert {c.column for c in m.report.changes} == {"status", "booked_for"}
    row = open_dataset(ds).table("appointments").to_pylist()[0]
    assert row["status"] == "attended" and row["booked_for"] == dt.datetime(2024, 3, 1, 10)


def test_many_conflicts_are_counted_beyond_those_shown(tmp_path):
    ds = tmp_path / "ds"
    many = pa.table({"practice_id": [f"P{i:05d}" for i in range(50)], "name": ["x"] * 50,
                     "list_size": pa.array([1] * 50, pa.int32())})
    write_dataset(ds, {"practices": many}, source="a")
    with pytest.raises(ConflictError) as err:
        write_dataset(ds, {"practices": many.set_column(1, "name", pa.array(["y"] * 50))}, source="b")
    assert err.value.total == 50 and "... and 30 more" in str(err.value)


def test_a_full_disk_is_a_clear_error_and_the_previous_dataset_stays(tmp_path, monkeypatch):
    ds = tmp_path / "ds"
    base(ds)
    before = files(ds)

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(ds / ".carenet" / "x.parquet"))

    monkeypatch.setattr(pq, "write_table", full)
    with pytest.raises(DatasetError, match="the disk is full") as err:
        write_dataset(ds, {"patients": patients("p2", nhs=None)}, source="x")
    assert "previous dataset is unchanged" in str(err.value)
    assert files(ds) == before and sorted(p.name for p in (ds / STATE_DIR).iterdir()) == ["gen-000001", "lock"]


def test_a_failed_write_into_a_new_folder_leaves_nothing(tmp_path):
    with pytest.raises(Exception, match="is not one of"):
        write_dataset(tmp_path / "new", {"patients": patients(sex="nope")}, source="x")
    assert list(tmp_path.iterdir()) == []


def test_a_dataset_an_older_carenet_left_mid_swap_is_put_back(tmp_path):
    ds = tmp_path / "ds"
    base(ds)
    shutil.move(ds, tmp_path / ".ds.old-4242")
    m = write_dataset(ds, {"patients": patients("p2", nhs=None)}, source="after")
    assert m.counts["patients"] == 2 and not (tmp_path / ".ds.old-4242").exists()


def test_a_reader_overtaken_by_a_write_is_told_to_read_again(tmp_path):
    ds = tmp_path / "ds"
    base(ds)
    reader = open_dataset(ds)
    write_dataset(ds, {"patients": patients("p2", nhs=None)}, source="second")
    with pytest.raises(DatasetError, match="was replaced by another write while it was being read"):
        reader.table("patients")
    assert open_dataset(ds).table("patients").num_rows == 2


def test_swap_in_commits_a_folder_built_elsewhere_keeping_the_users_files(tmp_path):
    from carenet.schema.dataset import swap_in

    ds = tmp_path / "ds"
    base(ds)
    (ds / "notes.txt").write_text("mine")
    built = tmp_path / "built"
    built.mkdir()
    pq.write_table(practices(), built / "practices.parquet")
    (built / "manifest.json").write_text(Manifest(sources=["built"], counts={"practices": 2}).to_json())
    swap_in(built, ds)
    dataset = open_dataset(ds)
    assert dataset.names == ["practices"] and dataset.manifest.generation == "gen-000002"
    assert (ds / "notes.txt").read_text() == "mine" and not built.exists()


def test_a_file_system_without_links_keeps_the_tables_behind_the_manifest(tmp_path, monkeypatch):
    import carenet.schema.dataset as dataset_module

    monkeypatch.setattr(dataset_module, "links_supported", lambda folder: False)
    ds = tmp_path / "ds"
    base(ds)
    (ds / "notes.txt").write_text("mine")
    m = write_dataset(ds, {"patients": patients("p2", nhs=None)}, source="second")
    assert not m.links and json.loads((ds / "manifest.json").read_text())["links"] is False
    assert sorted(p.name for p in ds.iterdir()) == [STATE_DIR, "manifest.json", "notes.txt"]
    assert open_dataset(ds).table("patients").num_rows == 2


def test_links_are_probed_on_the_real_file_system(tmp_path):
    from carenet.schema.folders.generations import links_supported

    (tmp_path / STATE_DIR).mkdir()
    assert links_supported(tmp_path) and [p.name for p in (tmp_path / STATE_DIR).iterdir()] == []
