"""kill -9 at every step of a dataset write, and writers racing for one folder: nothing is ever lost or mixed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from carenet.schema import open_dataset, validate_dataset, write_dataset
from carenet.schema.dataset import DatasetError
from carenet.schema.faults import CHECKPOINTS
from carenet.schema.folders import STATE_DIR, FolderBusyError, locked

_WRITE = textwrap.dedent("""
    import datetime as dt, sys
    import pyarrow as pa
    from carenet.schema import write_dataset
    pid, merge, timeout = sys.argv[2], sys.argv[3] == "merge", float(sys.argv[4])
    n = 2000
    ids = [f"{pid}-{i}" for i in range(n)]
    patients = pa.table({"patient_id": ids, "birth_date": [dt.date(1950, 1, 2)] * n, "sex": ["female"] * n,
                         "practice_id": ["A81001"] * n, "registered_from": [dt.date(2000, 1, 1)] * n})
    registrations = pa.table({"patient_id": ids, "practice_id": ["A81001"] * n,
                              "start_date": [dt.date(2000, 1, 1)] * n})
    name = "Riverside" if merge else pid
    practices = pa.table({"practice_id": ["A81001"], "name": [name], "list_size": pa.array([2000], pa.int32())})
    write_dataset(sys.argv[1], {"practices": practices, "patients": patients, "registrations": registrations},
                  source=f"writer {pid}", merge=merge, lock_timeout=None if timeout < 0 else timeout)
    print("written", flush=True)
""")
DATASET_CHECKPOINTS = [c for c in CHECKPOINTS if not c.startswith("run-")]


def _write(folder, tag: str, *, merge: bool = True, timeout: float = 0.0, kill_at: str | None = None,
           wait: bool = True) -> subprocess.CompletedProcess | subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "CARENET_KILL_AT"}
    if kill_at:
        env["CARENET_KILL_AT"] = kill_at
    command = [sys.executable, "-c", _WRITE, str(folder), tag, "merge" if merge else "replace", str(timeout)]
    if not wait:
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, env=env, capture_output=True, text=True)


def _catch(failed: list[BaseException], ds) -> None:
    try:
        write_dataset(ds, {}, source="third", lock_timeout=0.2)
    except FolderBusyError as exc:
        failed.append(exc)


def _ids(folder) -> set[str]:
    return set(open_dataset(folder).table("patients").column("patient_id").to_pylist())


@pytest.mark.parametrize("step", DATASET_CHECKPOINTS)
def test_a_write_killed_at_any_step_leaves_a_whole_dataset_and_a_rerun_completes(tmp_path, step):
    ds = tmp_path / "ds"
    assert _write(ds, "a").returncode == 0
    (ds / "notes.txt").write_text("mine")
    killed = _write(ds, "b", kill_at=step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    dataset = open_dataset(ds)
    assert not validate_dataset(dataset.tables())
    committed = step in ("after-pointer", "cleanup")
    assert len(_ids(ds)) == (4000 if committed else 2000)
    assert dataset.manifest.generation == ("gen-000002" if committed else "gen-000001")
    assert (ds / "notes.txt").read_text() == "mine"
    rerun = _write(ds, "b")
    assert rerun.returncode == 0, rerun.stderr
    assert len(_ids(ds)) == 4000 and (ds / "notes.txt").read_text() == "mine"
    current = open_dataset(ds).manifest.generation
    assert sorted(p.name for p in (ds / STATE_DIR).iterdir()) == sorted([current, "lock"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


def test_a_first_write_killed_before_its_commit_leaves_no_dataset_and_a_rerun_completes(tmp_path):
    ds = tmp_path / "ds"
    assert _write(ds, "a", kill_at="before-pointer").returncode == -signal.SIGKILL
    with pytest.raises(DatasetError, match="manifest.json is missing"):
        open_dataset(ds)
    assert _write(ds, "a").returncode == 0
    assert len(_ids(ds)) == 2000
    assert sorted(p.name for p in (ds / STATE_DIR).iterdir()) == ["gen-000001", "lock"]


def test_a_second_writer_fails_at_once_or_waits_for_the_first(tmp_path):
    ds = tmp_path / "ds"
    assert _write(ds, "a").returncode == 0
    with locked(ds, command="carenet import csv extract/"):
        busy = _write(ds, "b")
        assert busy.returncode != 0
        assert "FolderBusyError" in busy.stderr and f"is being written by pid {os.getpid()}" in busy.stderr
        assert "carenet import csv extract/" in busy.stderr
        waiting = _write(ds, "b", timeout=60, wait=False)
        failed: list[BaseException] = []
        other = threading.Thread(target=_catch, args=(failed, ds))
        other.start()
        other.join()
        assert len(failed) == 1 and isinstance(failed[0], FolderBusyError)
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert len(_ids(ds)) == 4000


def test_racing_writers_never_mix_their_data(tmp_path):
    ds = tmp_path / "ds"
    writers = [_write(ds, tag, merge=False, timeout=-1, wait=False) for tag in ("a", "b", "c")]
    for writer in writers:
        writer.communicate(timeout=300)
        assert writer.returncode == 0
    dataset = open_dataset(ds)
    owner = dataset.table("practices").column("name").to_pylist()
    assert len(owner) == 1 and owner[0] in {"a", "b", "c"}
    assert {i.split("-")[0] for i in _ids(ds)} == set(owner) and len(_ids(ds)) == 2000
    assert dataset.manifest.sources == [f"writer {owner[0]}"]
