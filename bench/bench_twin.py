"""Benchmarks of the twin (docs/twin.md, "Performance").

1. Reference workload R1 at P practices (default 20, 200,000 patients): the twin against the
   independent SimPy implementation (bench/peers/simpy_r1.py), in the same run, each timed from
   an empty process state to its four metrics; prints both times, the ratio and the metrics.
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
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NHS = ROOT.parent / "shared" / "external" / "nhs-open-data"
MILLION = 1_000_000
PRACTICES_FOR_MILLION = 100
PRACTICES_PER_NETWORK = 5


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _r1(practices: int, queue: mp.Queue) -> None:
    sys.path.insert(0, str(ROOT / "bench" / "peers"))
    import simpy_r1

    from carenet.twin import r1_metrics, run_r1

    run_r1(1, seed=0)  # load the compiled booking kernel from its cache before timing
    start = time.perf_counter()
    record, population = run_r1(practices, seed=1)
    twin = r1_metrics(record, population)
    twin_s = time.perf_counter() - start
    del record, population
    start = time.perf_counter()
    peer = simpy_r1.metrics(simpy_r1.simulate(practices, seed=2))
    peer_s = time.perf_counter() - start
    queue.put({"twin_s": twin_s, "simpy_s": peer_s, "twin": twin, "simpy": peer, "peak_mb": _peak_mb()})


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
        r = _child(_r1, args.practices)
        print(f"R1 P={args.practices} ({args.practices * 10_000:,} patients): twin {r['twin_s']:.2f} s, "
              f"SimPy {r['simpy_s']:.2f} s, twin is {r['simpy_s'] / r['twin_s']:.1f}x faster "
              f"(target >= 20x); peak RSS {r['peak_mb']:.0f} MB")
        for key in ("routine_mean_wait_days", "same_day_seen_on_day", "mean_upc", "usual_gp_share", "requests"):
            print(f"  {key:24s} twin {r['twin'][key]:12.4f}   SimPy {r['simpy'][key]:12.4f}")
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
