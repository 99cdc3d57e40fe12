"""Workload M1 (docs/reference/benchmarks.md): the continuity and access measures over a year of appointments for
1,000,000 patients, on DuckDB through carenet's Ibis measures, against the same computation in pandas.

Workload (benchmark constants, not evidence — the calibrated values live in parameters.yaml):

* 100 practices of 10,000 patients; 6 GPs per practice and 2 nurses (an ANP and a practice nurse);
  each patient's named GP (``panels``) is GP ``i mod 6`` of their practice, from before the year;
* appointments per patient-year ~ Poisson with a gamma-distributed rate of mean 5 (about 5,000,000);
  each goes to the named GP (55%), another GP of the practice (33%) or a nurse (12%);
* mode face to face 65%, telephone 30%, video 3%, home visit 2%; status attended 94%, did not attend
  5%, cancelled 1%; urgency same-day 40% (90% of those seen the same day, the rest the next), else
  routine with a wait of 1 + a geometric number of days (mean 7); appointments name no request, so
  waits run from their own ``requested_at``.

Each engine runs in its own process, from reading the Parquet files to the result tables, so that
its time and peak memory (max RSS) are its own. The results are compared before the times are
reported. When the scorecard exists (``carenet.measures.scorecard``), it is timed on the same data.

Run: ``python bench/bench_measures.py`` (M1: 1,000,000 patients) or ``--patients 100000``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

# Imported here, before any timing, so that neither engine's time includes loading its libraries.
from carenet.measures.access import AccessConfig, wait_summary  # noqa: E402
from carenet.measures.backend import load  # noqa: E402
from carenet.measures.continuity import own_patient_ratio, patient_continuity, slicc  # noqa: E402
from carenet.schema import Manifest, conform, open_dataset  # noqa: E402
from peers.pandas_measures import run as pandas_run  # noqa: E402

PRACTICE_SIZE = 10_000
GPS_PER_PRACTICE = 6
NURSE_ROLES = ("anp", "practice_nurse")
MEAN_APPOINTMENTS = 5.0
RATE_SHAPE = 2.0
TO_NAMED_GP, TO_OTHER_GP = 0.55, 0.33
MODES = (("face_to_face", 0.65), ("telephone", 0.30), ("video", 0.03), ("home_visit", 0.02))
STATUSES = (("attended", 0.94), ("did_not_attend", 0.05), ("cancelled", 0.01))
SAME_DAY_SHARE, SEEN_ON_THE_DAY = 0.40, 0.90
ROUTINE_MEAN_EXTRA_DAYS = 6.0
YEAR_START = datetime(2024, 1, 1)
DAYS = 365
FIRST_HOUR, LAST_HOUR = 8, 18
TOLERANCE = 1e-9
TARGET_SECONDS, TARGET_SPEEDUP = 15.0, 5.0


def _ids(prefix: str, n: int) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pa.array(np.arange(n)).cast(pa.string()), "")


def _choice(rng: np.random.Generator, options: tuple[tuple[str, float], ...], n: int) -> pa.DictionaryArray:
    labels, weights = zip(*options, strict=True)
    codes = rng.choice(len(labels), size=n, p=np.array(weights) / sum(weights))
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(labels)).cast(pa.string())


def generate(folder: Path, patients: int, seed: int) -> dict[str, int]:
    """Write the M1 dataset (practices, patients, clinicians, panels, appointments) as Parquet into ``folder``."""
    rng = np.random.default_rng(seed)
    practices = max(1, patients // PRACTICE_SIZE)
    patients = practices * PRACTICE_SIZE
    practice_of = np.repeat(np.arange(practices), PRACTICE_SIZE)
    practice_ids = _ids("P", practices)
    patient_ids = _ids("p", patients)
    staff = GPS_PER_PRACTICE + len(NURSE_ROLES)
    clinician_ids = _ids("c", practices * staff)
    roles = np.tile(np.array(["gp"] * GPS_PER_PRACTICE + list(NURSE_ROLES)), practices)
    named = practice_of * staff + (np.arange(patients) % PRACTICE_SIZE) % GPS_PER_PRACTICE

    rate = rng.gamma(RATE_SHAPE, MEAN_APPOINTMENTS / RATE_SHAPE, patients)
    per_patient = rng.poisson(rate)
    who = np.repeat(np.arange(patients), per_patient)
    n = len(who)
    pick = rng.random(n)
    other_gp = practice_of[who] * staff + rng.integers(0, GPS_PER_PRACTICE, n)
    nurse = practice_of[who] * staff + GPS_PER_PRACTICE + rng.integers(0, len(NURSE_ROLES), n)
    clinician = np.where(pick < TO_NAMED_GP, named[who], np.where(pick < TO_NAMED_GP + TO_OTHER_GP, other_gp, nurse))
    request_day = rng.integers(0, DAYS, n)
    same_day = rng.random(n) < SAME_DAY_SHARE
    wait = np.where(same_day, (rng.random(n) >= SEEN_ON_THE_DAY).astype(np.int64),
                    rng.geometric(1 / (1 + ROUTINE_MEAN_EXTRA_DAYS), n))  # 1 + Geometric(≥0) extra days
    request_seconds = request_day * 86_400 + rng.integers(FIRST_HOUR * 3600, 11 * 3600, n)
    booked_seconds = (request_day + wait) * 86_400 + rng.integers(FIRST_HOUR, LAST_HOUR, n) * 3600
    booked_seconds = np.maximum(booked_seconds, request_seconds + np.where(wait == 0, 3600, 0))
    epoch = _epoch(YEAR_START)

    tables = {
        "practices": pa.table({"practice_id": practice_ids, "name": practice_ids,
                               "list_size": pa.array(np.full(practices, PRACTICE_SIZE), pa.int32())}),
        "patients": pa.table({
            "patient_id": patient_ids,
            "birth_date": pa.array(rng.integers(_days(date(1925, 1, 1)), _days(date(2023, 12, 31)), patients)
                                   .astype(np.int32), pa.date32()),
            "sex": _choice(rng, (("female", 0.5), ("male", 0.5)), patients),
            "deprivation_decile": pa.array(rng.integers(1, 11, patients).astype(np.int8)),
            "practice_id": practice_ids.take(practice_of),
            "registered_from": pa.array(np.full(patients, _days(date(2015, 1, 1)), np.int32), pa.date32()),
        }),
        "clinicians": pa.table({"clinician_id": clinician_ids, "role": pa.array(roles),
                                "practice_id": practice_ids.take(np.repeat(np.arange(practices), staff)),
                                "fte": np.ones(practices * staff)}),
        "panels": pa.table({"patient_id": patient_ids, "clinician_id": clinician_ids.take(named),
                            "start_date": pa.array(np.full(patients, _days(date(2023, 1, 1)), np.int32),
                                                   pa.date32())}),
        "appointments": pa.table({
            "appointment_id": _ids("a", n),
            "patient_id": patient_ids.take(who),
            "clinician_id": clinician_ids.take(clinician),
            "role": pa.array(roles[clinician]),
            "practice_id": practice_ids.take(practice_of[who]),
            "requested_at": pa.array(epoch + request_seconds, pa.timestamp("s")),
            "booked_for": pa.array(epoch + booked_seconds, pa.timestamp("s")),
            "mode": _choice(rng, MODES, n),
            "status": _choice(rng, STATUSES, n),
            "urgency": pa.array(np.where(same_day, "same_day", "routine")),
        }),
    }
    counts = {}
    for name, table in tables.items():
        conformed = conform(name, table)
        pq.write_table(conformed, folder / f"{name}.parquet", compression="zstd")
        counts[name] = conformed.num_rows
    (folder / "manifest.json").write_text(Manifest(sources=["bench M1"], counts=counts, seed=seed).to_json())
    return counts


def _days(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def _epoch(moment: datetime) -> int:
    return int((moment - datetime(1970, 1, 1)).total_seconds())


# --- the two engines, each timed in its own process ----------------------------------------------------------------


def carenet_measures(folder: Path) -> dict[str, pd.DataFrame]:
    """The M1 measures with carenet on DuckDB: per-patient indices, SLICC per practice-month, OPR, waits by urgency."""
    tables = load(open_dataset(folder))
    return {
        "patient_continuity": patient_continuity(tables).to_pyarrow().to_pandas().set_index("patient_id"),
        "slicc": slicc(tables, level="practice").to_pyarrow().to_pandas().set_index(["practice_id", "month"]),
        "opr": own_patient_ratio(tables).to_pyarrow().to_pandas().set_index("clinician_id"),
        "waits": wait_summary(tables, AccessConfig(), by=("urgency",)).to_pyarrow().to_pandas().set_index("urgency"),
    }


def pandas_measures(folder: Path) -> dict[str, pd.DataFrame]:
    return pandas_run(folder)


def full_scorecard(folder: Path) -> dict[str, Any]:
    from carenet.cli.commands_score import scorecard_config
    from carenet.measures.scorecard import scorecard

    card = scorecard(load(open_dataset(folder)), scorecard_config(None, None), label="M1")
    return {"sections": {k: len(v) for k, v in card.sections.items()}, "continuity": card.sections["continuity"],
            "access": card.sections["access"]}


ENGINES = {"carenet": carenet_measures, "pandas": pandas_measures, "scorecard": full_scorecard}


def cpu_seconds() -> float:
    """CPU time of this process so far, user and system, over all its threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Timing:
    """One engine's run: wall-clock seconds, CPU seconds (all threads) and peak memory.

    On a shared machine the wall clock depends on what else runs; the CPU seconds much less so.
    """

    seconds: float
    cpu: float
    peak_mib: float

    def __str__(self) -> str:
        return f"{self.seconds:6.2f} s (CPU {self.cpu:6.2f} s), peak {self.peak_mib:,.0f} MiB"


def _child(name: str, folder: str, out: mp.Queue) -> None:
    started, cpu_started = time.perf_counter(), cpu_seconds()
    result = ENGINES[name](Path(folder))
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.put((Timing(seconds, cpu, peak_mib), result))


def timed(name: str, folder: Path) -> tuple[Timing, Any]:
    """Run engine ``name`` in a fresh process: its :class:`Timing` and its result."""
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    process = ctx.Process(target=_child, args=(name, str(folder), queue))
    process.start()
    timing, result = queue.get()
    process.join()
    if process.exitcode:
        raise RuntimeError(f"{name} failed with exit code {process.exitcode}")
    return timing, result


def load_average() -> str:
    """The 1-minute load average: how busy the machine was (2 cores here)."""
    return f"{os.getloadavg()[0]:.1f}"


# --- agreement ------------------------------------------------------------------------------------------------------


EXPECTED_COLUMNS = {
    "patient_continuity": ("contacts", "clinicians", "upc", "upc_named", "coc", "secon", "mmci", "kpc"),
    "slicc": ("appointments", "own_gp_appointments", "slicc"),
    "opr": ("appointments", "own_list_appointments", "opr"),
    "waits": ("requests", "unanswered", "mean_wait_days", "p90_wait_days", "share_same_day", "share_within_14_days"),
}
"""Every result and every column each engine must return: a renamed, dropped or extra column is a disagreement."""


def compare(ours: dict[str, pd.DataFrame], peer: dict[str, pd.DataFrame]) -> list[str]:
    """Differences between the two engines' results (empty when they agree), over the full expected columns."""
    problems = []
    for engine, results in (("carenet", ours), ("pandas", peer)):
        if set(results) != set(EXPECTED_COLUMNS):
            problems.append(f"{engine} returns results {sorted(results)}, expected {sorted(EXPECTED_COLUMNS)}")
        for name, expected in EXPECTED_COLUMNS.items():
            if name in results and sorted(results[name].columns) != sorted(expected):
                got = sorted(results[name].columns)
                problems.append(f"{engine} {name}: columns {got}, expected {sorted(expected)}")
    if problems:
        return problems
    for name, columns in EXPECTED_COLUMNS.items():
        mine, theirs = ours[name], peer[name]
        theirs = theirs.sort_index()
        mine = mine.sort_index()
        mine.index = mine.index.set_names(theirs.index.names)
        if len(mine) != len(theirs) or not mine.index.equals(theirs.index):
            problems.append(f"{name}: {len(mine)} rows against {len(theirs)}, or different keys")
            continue
        for column in columns:
            a, b = mine[column].to_numpy(dtype=float), theirs[column].to_numpy(dtype=float)
            if not np.allclose(a, b, rtol=TOLERANCE, atol=TOLERANCE, equal_nan=True):
                worst = np.nanmax(np.abs(a - b))
                problems.append(f"{name}.{column}: differs by up to {worst:.3g}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20241)
    parser.add_argument("--no-scorecard", action="store_true", help="skip timing the full scorecard")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="carenet-m1-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        counts = generate(folder, args.patients, args.seed)
        print(f"M1: {counts['patients']:,} patients, {counts['appointments']:,} appointments, "
              f"{counts['clinicians']:,} clinicians (generated in {time.perf_counter() - started:.1f} s)")
        before = load_average()
        mine, ours = timed("carenet", folder)
        theirs, peer = timed("pandas", folder)
        problems = compare(ours, peer)
        if problems:
            print("DISAGREE:\n  " + "\n  ".join(problems))
            sys.exit(1)
        pc_rows = ours["patient_continuity"]
        print(f"agree: {len(pc_rows):,} patients with >= 2 GP contacts (mean UPC {pc_rows['upc'].mean():.4f}, "
              f"COC {pc_rows['coc'].mean():.4f}), {len(ours['slicc'])} practice-months of SLICC, "
              f"{len(ours['opr'])} GPs' OPR, waits by urgency")
        print(f"carenet measures on DuckDB: {mine}")
        print(f"pandas peer:                {theirs}")
        print(f"speed-up: {theirs.seconds / mine.seconds:.1f}x (target >= {TARGET_SPEEDUP:.0f}x), "
              f"{theirs.cpu / mine.cpu:.1f}x in CPU time; load average {before} before, {load_average()} after")
        if not args.no_scorecard:
            try:
                import carenet.measures.scorecard  # noqa: F401
            except ImportError:
                print("full scorecard: not available (carenet.measures.scorecard is absent)")
            else:
                card_time, card = timed("scorecard", folder)
                print(f"full scorecard on DuckDB:   {card_time} (target <= {TARGET_SECONDS:.0f} s); "
                      f"sections {card['sections']}")


if __name__ == "__main__":
    main()
