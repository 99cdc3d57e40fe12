"""Compile the twin's numba kernels ahead of their first real use, into numba's on-disk cache.

``python -m carenet.twin.warm [MARKER]`` runs each library model on a small demo network for a few days and the
reference workload R1 at one practice, which compiles every kernel (booking, episodes, usual-GP-first choice, R1's
day loop) with the argument types real runs use; numba caches them (``cache=True``), so later processes - the
replications of ``carenet demo``, ``compare``, ``simulate``, ``twin run|r1`` - load them instead of compiling.
The command line starts it in the background the first time a simulating command runs (``carenet.cli.kernels``);
it then writes ``MARKER`` so that it runs once per installed version of the kernels.
"""

from __future__ import annotations

import sys
from pathlib import Path

WARM_PATIENTS = 300
"""Patients of the demo network the warm-up runs on: enough for every kernel to run, small enough to take
a second once compiled."""
WARM_DAYS = 3
"""Working days each model runs for (the kernels compile on the first)."""
WARM_SEED = 1


def warm_kernels() -> None:
    """Run every library model briefly, and R1 at one practice, so that every kernel is compiled and cached."""
    from carenet.models import list_models, load_model
    from carenet.twin import run_model, run_r1
    from carenet.twin.population_source import demo_population

    population = demo_population(WARM_SEED, WARM_PATIENTS)
    for name in list_models():
        run_model(load_model(name), population.tables, start=population.first_day, days=WARM_DAYS, seed=WARM_SEED)
    run_r1(1, WARM_SEED)


def main(argv: list[str]) -> int:
    warm_kernels()
    if argv:
        marker = Path(argv[0])
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("compiled\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
