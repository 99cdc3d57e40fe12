"""Benchmark of the uncertainty analysis (docs/uncertainty.md): ``carenet compare MODEL... --uncertainty N``.

Times the whole analysis (the central comparison plus N draws, each running every model and replication,
scoring, the robustness and sensitivity tables) against the same comparison without draws, run just before
in the same process on the same population. The ratio ``analysis / (1 + N) × comparison`` says what a draw
costs beside a comparison of its own: about 1 means the draws cost no more than running that many
comparisons one after another, below 1 that they keep the cores busier than one comparison can.

    python bench/bench_uncertainty.py                                   # the demo's six models, 32 draws, 1 rep
    python bench/bench_uncertainty.py --draws 8 --reps 2 --models traditional micro_teams
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

DEMO_SIX = ("traditional", "micro_teams", "health_care_home", "community_centred", "federation_hub",
            "digital_first")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(DEMO_SIX))
    parser.add_argument("--draws", type=int, default=32)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--days", type=int, default=None, help="working days (default: a year)")
    parser.add_argument("--patients", type=int, default=50_000, help="demo network size")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault("CARENET_WARM_KERNELS", "0")
    from carenet.twin.experiments import compare_models

    years = None if args.days else 1.0
    with tempfile.TemporaryDirectory(prefix="carenet-bench-unc-") as tmp:
        clock = time.perf_counter()
        compare_models(args.models, "demo", Path(tmp) / "plain", years=years, days=args.days, reps=args.reps,
                       seed=args.seed, demo_patients=args.patients)
        plain = time.perf_counter() - clock
        clock = time.perf_counter()
        result = compare_models(args.models, "demo", Path(tmp) / "draws", years=years, days=args.days,
                                reps=args.reps, seed=args.seed, demo_patients=args.patients, uncertainty=args.draws)
        analysis = time.perf_counter() - clock
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    table = result.uncertainty.robustness
    stated = table[table["verdict"] != "same"]
    print(f"{len(args.models)} models x {args.reps} replication(s) on {args.patients:,} patients, "
          f"{args.days or 'a year of'} working days, {args.draws} draws of {len(result.uncertainty.assumptions)} "
          f"assumptions; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"comparison alone:            {plain:8.1f} s")
    print(f"with the uncertainty analysis: {analysis:6.1f} s  ({analysis / 60:.1f} min)")
    print(f"wall per draw:               {(analysis - plain) / args.draws:8.1f} s; compute per draw "
          f"{result.uncertainty.seconds_per_draw:.1f} s")
    print(f"ratio analysis / ((1 + N) x comparison): {analysis / ((1 + args.draws) * plain):.2f}")
    print(f"peak memory of a worker: {peak:,.0f} MB")
    print(f"conclusions stated: {len(stated)}; robust {int((stated['robustness'] == 'robust').sum())}, likely "
          f"{int((stated['robustness'] == 'likely').sum())}, fragile {int((stated['robustness'] == 'fragile').sum())}")


if __name__ == "__main__":
    main()
