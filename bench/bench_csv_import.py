"""Practice CSV extract import at scale: seconds for a million appointments, end to end.

Writes a valid synthetic extract (``tests/sources/csv/csv_import_helpers.write_large_extract``:
practices, clinicians, registrations, conditions and appointments, vectorised) and times
``carenet.sources.extract.import_extract`` on it in this process: reading, validating, merging and
writing the canonical dataset. Generation is not timed.

    python bench/bench_csv_import.py                      # 1,000,000 appointments, 200,000 patients
    python bench/bench_csv_import.py --appointments 50000 --patients 10000
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "sources" / "csv"))

from csv_import_helpers import write_large_extract  # noqa: E402

from carenet.sources.extract import import_extract  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--patients", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3, help="imports timed, each into a new dataset")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        write_large_extract(folder / "extract", appointments=args.appointments, patients=args.patients,
                            seed=args.seed)
        print(f"extract of {args.appointments:,} appointments and {args.patients:,} patients written in "
              f"{time.perf_counter() - started:.1f} s (not timed); load average {os.getloadavg()[0]:.1f}")
        times = []
        for run in range(args.runs):
            started = time.perf_counter()
            result = import_extract([folder / "extract"], folder / f"ds-{run}")
            times.append(time.perf_counter() - started)
            counts = result.manifest.counts
            if counts["appointments"] != args.appointments or counts["registrations"] < args.patients:
                raise SystemExit(f"import {run}: {counts['appointments']:,} appointments and "
                                 f"{counts['registrations']:,} registrations, expected {args.appointments:,} "
                                 f"and {args.patients:,}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"imported in {', '.join(f'{t:.1f}' for t in times)} s (best {min(times):.1f} s); "
              f"peak RSS {peak:,.0f} MB; load average {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    main()
