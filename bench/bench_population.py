"""Benchmark: a 1,000,000-patient synthetic population with conditions and frailty.

Each measurement runs in a fresh subprocess (so calibration and imports are counted, and the
peak resident memory is that run's own; wall time depends on what else the machine runs, so the
CPU time, user + system, is printed beside it):

* ``memory``: :func:`carenet.population.synthesise` for 100 practices of 10,000 patients
  (IMD scores spread over the practice range), all tables in memory. Target <= 10 s, <= 3 GB.
* ``stream``: the same generation written to a dataset folder in batches of 250,000 patients,
  for 1,000,000 and for 3,000,000 patients: the peak memory should barely move with the total.

Run: ``python bench/bench_population.py`` (about a minute on two cores).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PRACTICE_SIZE = 10_000
BATCH = 250_000


def _practices(total: int):
    import pyarrow as pa

    from carenet.schema.tables import conform

    n = total // PRACTICE_SIZE
    return conform("practices", pa.table({
        "practice_id": [f"B{k:05d}" for k in range(n)], "name": [f"Bench practice {k}" for k in range(n)],
        "list_size": pa.array([PRACTICE_SIZE] * n, pa.int32()),
        "imd_score": pa.array([8.0 + 40.0 * k / max(1, n - 1) for k in range(n)], pa.float64()),
    }))


def _child(mode: str, total: int) -> None:
    start = time.perf_counter()
    from carenet.population import models, synthesise, write_population

    models()
    calibrated = time.perf_counter()
    practices = _practices(total)
    rows = {}
    if mode == "memory":
        tables = synthesise(practices, seed=1)
        rows = {name: table.num_rows for name, table in tables.items()}
    else:
        with tempfile.TemporaryDirectory() as folder:
            manifest = write_population(Path(folder) / "ds", practices, seed=1, label="bench", batch_patients=BATCH)
            rows = manifest.counts
    done = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"mode": mode, "patients": total, "seconds": done - start, "calibration": calibrated - start,
                      "generation": done - calibrated, "cpu": usage.ru_utime + usage.ru_stime,
                      "peak_mb": usage.ru_maxrss / 1024, "conditions": rows.get("conditions")}))


def _run(mode: str, total: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(total)], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    runs = [_run("memory", 1_000_000), _run("stream", 1_000_000), _run("stream", 3_000_000)]
    print(f"{'mode':8} {'patients':>10} {'wall s':>8} {'calib s':>8} {'gen s':>8} {'CPU s':>8} {'peak MB':>8} "
          f"{'conditions':>11}")
    for r in runs:
        print(f"{r['mode']:8} {r['patients']:>10,} {r['seconds']:>8.2f} {r['calibration']:>8.2f} "
              f"{r['generation']:>8.2f} {r['cpu']:>8.2f} {r['peak_mb']:>8.0f} {r['conditions']:>11,}")
    memory = runs[0]
    ok = memory["seconds"] <= 10 and memory["peak_mb"] <= 3 * 1024
    print(f"1M in memory: {memory['seconds']:.1f} s wall ({memory['cpu']:.1f} s CPU), "
          f"{memory['peak_mb'] / 1024:.2f} GB peak "
          f"({'within' if ok else 'OUTSIDE'} the 10 s / 3 GB target)")
    print(f"streamed peak memory, 1M vs 3M patients: {runs[1]['peak_mb']:.0f} MB vs {runs[2]['peak_mb']:.0f} MB")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], int(sys.argv[3]))
    else:
        main()
