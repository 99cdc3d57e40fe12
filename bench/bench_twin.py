"""Benchmarks of the twin (docs/twin.md, "Performance").

1. Reference workload R1 at P practices (default 20, 200,000 patients): the twin against the
   independent SimPy implementation (bench/peers/simpy_r1.py), each in a fresh process of its own.
   The twin is timed twice in its process: the *first call*, as every ``carenet twin r1`` pays it
   (after its imports, which are timed apart; the compiled booking kernel is loaded from Numba's
   on-disk cache, or compiled if the cache is empty), then a *warm* call with the same seed. The
   SimPy peer is timed on its first call (it compiles nothing). The metrics printed are those of
   the timed runs, and the warm run must reproduce the first run's metrics exactly.
2. The micro-team model with continuity-aware booking for a 1,000,000-patient year: 100 real
   English practices (list sizes and IMD from the NHS open data, scaled to 1,000,000, five
   practices to a network), synthesised first (not timed), then 250 working days of the twin.

Each part runs in its own child process so its peak resident memory is its own.

    python bench/bench_twin.py                  # both parts
    python bench/bench_twin.py --part r1 --practices 20
    python bench/bench_twin.py --part million --days 250
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NHS = ROOT.parent / "shared" / "external" / "nhs-open-data"
MILLION = 1_000_000
PRACTICES_FOR_MILLION = 100
PRACTICES_PER_NETWORK = 5
R1_METRICS = ("routine_mean_wait_days", "same_day_seen_on_day", "mean_upc", "usual_gp_share", "requests")
"""Every metric both R1 implementations must return: a renamed, dropped or extra metric stops the benchmark."""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _r1_twin(practices: int, queue: mp.Queue) -> None:
    start = time.perf_counter()
    from carenet.twin import r1_metrics, run_r1

    import_s = time.perf_counter() - start
    times, metrics = [], []
    for _ in range(2):  # first call, then warm
        start = time.perf_counter()
        record, population = run_r1(practices, seed=1)
        metrics.append(r1_metrics(record, population))
        times.append(time.perf_counter() - start)
        del record, population
    if metrics[0] != metrics[1]:
        raise RuntimeError(f"the warm R1 run differs from the first: {metrics[0]} against {metrics[1]}")
    queue.put({"import_s": import_s, "first_s": times[0], "warm_s": times[1], "metrics": metrics[0],
               "peak_mb": _peak_mb()})


def _r1_simpy(practices: int, queue: mp.Queue) -> None:
    sys.path.insert(0, str(ROOT / "bench" / "peers"))
    import simpy_r1

    start = time.perf_counter()
    metrics = simpy_r1.metrics(simpy_r1.simulate(practices, seed=2))
    queue.put({"first_s": time.perf_counter() - start, "metrics": metrics, "peak_mb": _peak_mb()})


def million_practices():
    """100 English practices (every 60th by code), five to a network, scaled to 1,000,000 patients."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from carenet.population import scale_list_sizes
    from carenet.sources.nhs import read_registered_practices

    practices = read_registered_practices(NHS / "gp-reg-pat-prac-all_2021-01.csv",
                                          NHS / "fingertips_93553_imd2019_by_gp_practice.csv")
    practices = practices.filter(pc.greater(practices["list_size"], 3000)).sort_by("practice_id")
    step = practices.num_rows // PRACTICES_FOR_MILLION
    practices = practices.take(pa.array(range(0, step * PRACTICES_FOR_MILLION, step)))
    networks = [f"BENCH{i // PRACTICES_PER_NETWORK:03d}" for i in range(practices.num_rows)]
    practices = practices.set_column(practices.schema.get_field_index("network_id"), "network_id",
                                     pa.array(networks, pa.string()))
    return scale_list_sizes(practices, MILLION)


def _million(days: int, mode: str, queue: mp.Queue) -> None:
    from carenet.models import load_model
    from carenet.population import synthesise
    from carenet.twin import run_model, run_summary

    start = time.perf_counter()
    tables = synthesise(million_practices(), seed=1)
    synth_s = time.perf_counter() - start
    synth_mb = _peak_mb()
    run = run_model(load_model("micro_teams"), tables, start=dt.date(2025, 4, 1), days=days, seed=1,
                    booking_mode=mode)
    summary = run_summary(run)
    queue.put({"synthesise_s": synth_s, "setup_s": run.seconds["setup"], "simulate_s": run.seconds["simulate"],
               "patients": summary["patients"], "requests": summary["requests"], "unbooked": summary["unbooked"],
               "peak_mb": _peak_mb(), "peak_after_synthesis_mb": synth_mb, "days": days, "mode": mode})


def _child(target, *args):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="Twin benchmarks")
    parser.add_argument("--part", choices=("r1", "million", "all"), default="all")
    parser.add_argument("--practices", type=int, default=20, help="R1 practices (P)")
    parser.add_argument("--days", type=int, default=250, help="working days of the million-patient run")
    parser.add_argument("--booking", choices=("compiled", "greedy", "exact"), default="compiled")
    args = parser.parse_args()
    if args.part in ("r1", "all"):
        twin = _child(_r1_twin, args.practices)
        peer = _child(_r1_simpy, args.practices)
        print(f"R1 P={args.practices} ({args.practices * 10_000:,} patients), each in a fresh process; "
              f"load average {os.getloadavg()[0]:.1f}")
        print(f"  twin first call {twin['first_s']:.2f} s (after {twin['import_s']:.2f} s of imports), "
              f"warm {twin['warm_s']:.2f} s; peak RSS {twin['peak_mb']:.0f} MB")
        print(f"  SimPy {peer['first_s']:.2f} s; peak RSS {peer['peak_mb']:.0f} MB")
        print(f"  twin is {peer['first_s'] / twin['first_s']:.1f}x faster on a first call, "
              f"{peer['first_s'] / twin['warm_s']:.1f}x warm (target >= 20x)")
        for name, metrics in (("twin", twin["metrics"]), ("SimPy", peer["metrics"])):
            if sorted(metrics) != sorted(R1_METRICS):
                raise SystemExit(f"{name} R1 metrics {sorted(metrics)}, expected {sorted(R1_METRICS)}")
        for key in R1_METRICS:
            print(f"  {key:24s} twin {twin['metrics'][key]:12.4f}   SimPy {peer['metrics'][key]:12.4f}")
    if args.part in ("million", "all"):
        m = _child(_million, args.days, args.booking)
        per_year = m["simulate_s"] / m["days"] * 250
        print(f"micro_teams, {m['patients']:,} patients, {m['days']} working days ({m['mode']} booking): "
              f"setup {m['setup_s']:.1f} s + simulate {m['simulate_s']:.1f} s "
              f"(= {m['setup_s'] + per_year:.1f} s for 250 days; target <= 30 s); "
              f"peak RSS {m['peak_mb'] / 1024:.2f} GB (target <= 3 GB; {m['peak_after_synthesis_mb'] / 1024:.2f} GB "
              f"after synthesis); population synthesis {m['synthesise_s']:.1f} s (not counted); "
              f"{m['requests']:,} requests, {m['unbooked']:,} unbooked")


if __name__ == "__main__":
    main()
