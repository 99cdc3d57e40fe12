"""The whole scorecard on a local Spark session (``--backend pyspark``): wall-clock and CPU time (this process and
Spark's JVM) of a warm scorecard of the tests' 40-patient network, with Spark's defaults and with the tests'
small-data settings (``carenet.measures.spark.SMALL_DATA_CONF``), against DuckDB.

Each setting runs in its own process, since a process holds one Spark session whose JVM options are fixed at
launch. The first scorecard of a process warms the JVM and is not timed; the second is.

Run: ``python bench/bench_spark.py`` (about two minutes on two cores).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2024, 6, 30)


def _cpu_seconds() -> float:
    import psutil

    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        total += sum(child.cpu_times()[:2])
    return total


def _one(setting: str) -> dict[str, float]:
    sys.path.insert(0, str(ROOT / "tests" / "measures"))
    from small_network import RngChooser, build_network

    from carenet.measures import connect, load, scorecard
    from carenet.measures.spark import SMALL_DATA_CONF
    from carenet.twin.experiments.scoring import settings_config

    network = build_network(RngChooser(11), n_patients=40, n_appointments=300)
    if setting == "duckdb":
        con = connect("duckdb")
    else:
        con = connect("pyspark", master="local[2]", conf=SMALL_DATA_CONF if setting == "small" else {})
    config = settings_config(AS_OF, 365)
    scorecard(load(network, con=con), config)
    cpu, wall = _cpu_seconds(), time.perf_counter()
    scorecard(load(network, con=con), config)
    return {"wall": time.perf_counter() - wall, "cpu": _cpu_seconds() - cpu}


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(_one(sys.argv[2])))
        return
    print(f"warm scorecard, 40 patients, 300 appointments; load average {os.getloadavg()[0]:.1f} before")
    for setting, label in (("duckdb", "DuckDB"), ("defaults", "Spark local[2], defaults"),
                           ("small", "Spark local[2], SMALL_DATA_CONF")):
        out = subprocess.run([sys.executable, __file__, "--one", setting], capture_output=True, text=True,
                             check=True).stdout.strip().splitlines()[-1]
        got = json.loads(out)
        print(f"{label:34s} {got['wall']:6.1f} s (CPU {got['cpu']:6.1f} s)")
    print(f"load average {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    main()
