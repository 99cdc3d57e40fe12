"""FHIR reading workers die with the import that started them: kill -9 of the parent leaves no orphan."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import psutil
import pytest
from runner import start

from carenet.sources.fhir.importer import PARALLEL_FROM_BYTES

PATIENTS_PER_MB = 4_000


def _bulk_patients(path: Path, megabytes: int) -> None:
    with path.open("w") as out:
        for i in range(megabytes * PATIENTS_PER_MB):
            out.write(json.dumps({"resourceType": "Patient", "id": f"p{i}", "gender": "female",
                                  "birthDate": "1960-01-01", "name": [{"family": f"Family{i}"}]}) + "\n")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the parallel FHIR reader forks its workers")
def test_killing_an_import_kills_its_workers(tmp_path: Path) -> None:
    source = tmp_path / "Patient.ndjson"
    _bulk_patients(source, 2 * PARALLEL_FROM_BYTES // 2**20 + 1)
    assert source.stat().st_size > PARALLEL_FROM_BYTES
    running = start("import", "fhir", source, "--out", tmp_path / "ds", "--workers", 2)
    parent = psutil.Process(running.pid)
    deadline = time.monotonic() + 60
    workers: list[psutil.Process] = []
    while time.monotonic() < deadline and len(workers) < 2:
        workers = parent.children()
        time.sleep(0.05)
    assert len(workers) >= 2, "the import did not start its workers"
    os.kill(running.pid, signal.SIGKILL)
    running.process.join(10)
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, f"workers outlived their parent: {[p.pid for p in alive]}"
    assert not (tmp_path / "ds").exists() or not any((tmp_path / "ds").glob("*.parquet"))
