"""Simulate one model: ``reps`` replications in parallel, one canonical dataset each, and the run's manifest.

The run folder holds ``rep-000`` … (each a dataset with the twin's ``run.json``), the population
when it was built for the run (``population/``, for ``demo``) and ``experiment.json``. Scoring is
optional: ``carenet score RUN/rep-000`` scores any replication later, as it scores real data.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from carenet.twin.experiments.compare import duckdb_threads, load_models, tasks_for
from carenet.twin.experiments.manifest import write_experiment
from carenet.twin.experiments.plan import RunPlan, make_plan
from carenet.twin.experiments.pool import pooled_scorecard
from carenet.twin.experiments.replications import Outcome, replication_folder, run_tasks
from carenet.twin.experiments.run_folder import writes_run_folder


@dataclass
class Simulation:
    """A finished simulation: its plan, one outcome per replication, and the pooled scorecard if scored."""

    plan: RunPlan
    model: str
    outcomes: list[Outcome]
    scorecard: pd.DataFrame
    seconds: float

    @property
    def folders(self) -> list[Path]:
        return [Path(o.task.out) for o in self.outcomes]

    def summary(self) -> pd.DataFrame:
        """The twin's headline counts, one row per replication."""
        rows = []
        for o in self.outcomes:
            counts = {k: v for k, v in o.summary.items() if isinstance(v, int | float)}
            rows.append({"replication": o.task.replication, "seed": o.task.seed, "seconds": round(o.seconds, 1),
                         **counts})
        return pd.DataFrame(rows)


@writes_run_folder
def simulate_model(model: str, population: str | Path, out: str | Path, *, years: float | None = 1.0,
                   days: int | None = None, reps: int = 1, seed: int = 0, booking_mode: str = "greedy",
                   workers: int | None = None, on_progress: Callable[[int, int], None] | None = None,
                   score: bool = False, start: dt.date | None = None, demo_patients: int | None = None,
                   command: str = "") -> Simulation:
    """Run ``model`` ``reps`` times on ``population`` and write the run folder ``out`` (locked while it runs)."""
    clock = time.perf_counter()
    out = Path(out)
    (spec,) = load_models([model])
    plan = make_plan(population, out, years=years, days=days, reps=reps, seed=seed, booking_mode=booking_mode,
                     start=start, demo_patients=demo_patients)
    tasks = tasks_for(plan, [model], [spec], out, threads=duckdb_threads(reps, workers), spc=False)
    tasks = [replace(t, out=str(replication_folder(out, t.replication)), score=score, scope="sweep")
             for t in tasks]
    outcomes = run_tasks(tasks, workers=workers, on_progress=on_progress)
    labels = [{"model": spec.name} for _ in outcomes]
    card = pooled_scorecard(outcomes, labels) if score else pd.DataFrame()
    seconds = time.perf_counter() - clock
    write_experiment(plan, "simulate", outcomes, command, {"models": [spec.name], "wall_seconds": round(seconds, 1)})
    return Simulation(plan, spec.name, outcomes, card, seconds)


__all__ = ["Simulation", "simulate_model"]
