"""Compare delivery models: every model on the same population with common random numbers, scored alike.

Each model runs ``reps`` replications; replication ``k`` of every model uses the same seed, so
the models meet the same demand and their differences are theirs (:mod:`.seeds`). Each
replication is scored by the measures library and costed (:mod:`.scoring`), and the replications
are pooled into means with 95% intervals (:mod:`.pool`). The run folder holds
``<model>/rep-000`` … (canonical datasets) and ``experiment.json``.

With ``uncertainty=N`` every model also runs on N parameter sets drawn over the ranges of the twin's
assumptions (:mod:`.uncertainty`), each with the central run's seeds, and the comparison carries the
share of draws in which each of its conclusions holds and the assumptions that move each measure. A
draw's replications are scored from memory and never written, unless ``keep_draws``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from carenet.models import DeliveryModel, load_model
from carenet.params import load_parameters, parameter
from carenet.schema.errors import CarenetError
from carenet.twin.experiments.export import write_scorecard_csv, write_scorecard_excel
from carenet.twin.experiments.manifest import assumptions, check_out_folder, run_records, write_experiment
from carenet.twin.experiments.plan import RunPlan, make_plan
from carenet.twin.experiments.pool import (
    first_replication,
    first_replication_spc,
    per_replication,
    pooled_scorecard,
    pooled_segments,
    pooled_waits,
    pooled_workload,
)
from carenet.twin.experiments.replications import (
    Outcome,
    Task,
    available_cores,
    replication_folder,
    run_tasks,
)
from carenet.twin.experiments.run_folder import writes_run_folder
from carenet.twin.experiments.uncertainty import UncertaintyAnalysis, analyse, draw, settings_of, uncertain_assumptions
from carenet.twin.experiments.uncertainty.settings import UncertaintySettings

Progress = Callable[[int, int], None]


@dataclass
class Comparison:
    """Models compared on one plan: pooled tables (mean, lo, hi per model) and the replications behind them."""

    plan: RunPlan
    models: pd.DataFrame  # model, title, summary
    specs: list[DeliveryModel]
    outcomes: list[Outcome]
    scorecard: pd.DataFrame
    replications: pd.DataFrame
    continuity_by_segment: pd.DataFrame
    waits: pd.DataFrame
    workload: pd.DataFrame
    spc: pd.DataFrame
    seconds: float = 0.0
    sites: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The headline measures by practice on funnel plots, in each model's first replication."""
    assumptions: pd.DataFrame = field(default_factory=pd.DataFrame)
    uncertainty: UncertaintyAnalysis | None = None
    """With ``uncertainty=N``: the draws, each conclusion's robustness and the sensitivity tables."""

    @property
    def model_names(self) -> list[str]:
        return self.models["model"].tolist()

    def value(self, model: str, measure: str) -> float:
        """The mean of ``measure`` under ``model`` (NaN when no replication could compute it)."""
        rows = self.scorecard[(self.scorecard["model"] == model) & (self.scorecard["measure"] == measure)]
        if rows.empty:
            raise KeyError(f"no measure {measure!r} for model {model!r}")
        return float(rows["mean"].iloc[0])

    def to_csv(self, path: str | Path) -> Path:
        return write_scorecard_csv(self.scorecard, path)

    def to_excel(self, path: str | Path) -> Path:
        return write_scorecard_excel(self.scorecard, self.models, path, replications=self.replications,
                                     assumptions=self.assumptions)


def load_models(names: Sequence[str]) -> list[DeliveryModel]:
    """Library names or model files, each once."""
    if not names:
        raise CarenetError("name at least one model to run (see carenet models list)")
    specs = [load_model(n) for n in names]
    seen: dict[str, str] = {}
    for given, spec in zip(names, specs, strict=True):
        if spec.name in seen:
            raise CarenetError(f"model {given!r} and {seen[spec.name]!r} are both named {spec.name!r}; "
                               "each model in a comparison needs its own name")
        seen[spec.name] = given
    return specs


def model_table(specs: Sequence[DeliveryModel]) -> pd.DataFrame:
    return pd.DataFrame({"model": [s.name for s in specs], "title": [s.title for s in specs],
                         "summary": [" ".join(s.summary.split()) for s in specs]})


def duckdb_threads(tasks: int, workers: int | None) -> int:
    """DuckDB threads per replication, so parallel replications share the cores rather than fight for them."""
    running = min(tasks, workers if workers else available_cores()) if workers != 0 else 1
    return max(1, available_cores() // max(1, running))


def tasks_for(plan: RunPlan, names: Sequence[str], specs: Sequence[DeliveryModel], root: Path, *,
              settings: tuple[tuple[str, float], ...] = (), key_prefix: str = "", threads: int = 0,
              spc: bool = True) -> list[Task]:
    """One task per model and replication, all on the plan's seeds (common random numbers)."""
    tasks = []
    for given, spec in zip(names, specs, strict=True):
        for k, seed in enumerate(plan.seeds):
            folder = replication_folder(root / spec.name, k)
            tasks.append(Task(key=f"{key_prefix}{spec.name}/rep-{k:03d}", model=str(given),
                              population=str(plan.population.path), start=plan.start, days=plan.days,
                              warm_up_days=plan.warm_up_days, seed=seed, replication=k, out=str(folder),
                              booking_mode=plan.booking_mode, settings=settings, spc=spc, threads=threads,
                              sites=spc and k == 0))
    return tasks


DRAWS_FOLDER = "uncertainty"
"""Where the draws' replications are written (``uncertainty/draw-000/<model>/rep-000`` …)."""


@writes_run_folder
def compare_models(models: Sequence[str], population: str | Path, out: str | Path, *, years: float | None = 1.0,
                   days: int | None = None, reps: int = 2, seed: int = 0, booking_mode: str = "greedy",
                   workers: int | None = None, on_progress: Progress | None = None, start: dt.date | None = None,
                   demo_patients: int | None = None, command: str = "", uncertainty: int = 0,
                   keep_draws: bool = False) -> Comparison:
    """Run and score every model on ``population``; see the module docstring."""
    clock = time.perf_counter()
    check_out_folder(Path(out))
    if uncertainty and workers == 0:
        raise CarenetError("an uncertainty analysis runs each draw in a worker process of its own (its changed "
                           "assumptions must not outlive it); give workers=None or more than 0")
    specs = load_models(models)
    plan = make_plan(population, out, years=years, days=days, reps=reps, seed=seed, booking_mode=booking_mode,
                     start=start, demo_patients=demo_patients)
    threads = duckdb_threads(len(specs) * reps * (1 + uncertainty), workers)
    tasks = tasks_for(plan, models, specs, plan.out, threads=threads)
    settings = UncertaintySettings.from_parameters()
    if uncertainty:
        drawn = uncertain_assumptions(load_parameters(), settings.sections)
        draws = draw(drawn, uncertainty, seed, settings.sampler)
        for i in range(uncertainty):
            tasks += [replace(task, scope="headlines", keep=keep_draws) for task in tasks_for(
                plan, models, specs, plan.out / DRAWS_FOLDER / f"draw-{i:03d}", settings=settings_of(draws, i),
                key_prefix=f"draw-{i:03d}/", threads=threads, spc=False)]
    outcomes = run_tasks(tasks, workers=workers, on_progress=on_progress)
    central = [o for o in outcomes if not o.task.key.startswith("draw-")]
    labels = [{"model": o.task.key.split("/")[0]} for o in central]
    comparison = Comparison(
        plan=plan, models=model_table(specs), specs=list(specs), outcomes=central,
        scorecard=pooled_scorecard(central, labels), replications=per_replication(central, labels),
        continuity_by_segment=pooled_segments(central, labels), waits=pooled_waits(central, labels),
        workload=pooled_workload(central, labels), spc=first_replication_spc(central, labels),
        sites=first_replication(central, labels, "sites"),
        assumptions=pd.DataFrame(assumptions(specs)),
    )
    if uncertainty:
        drawn_outcomes = [o for o in outcomes if o.task.key.startswith("draw-")]
        keys = [{"draw": int(o.task.key.split("/")[0].removeprefix("draw-")), "model": o.task.key.split("/")[1]}
                for o in drawn_outcomes]
        per_draw = sum(o.seconds for o in drawn_outcomes) / uncertainty
        comparison.uncertainty = analyse(
            comparison.scorecard, pooled_scorecard(drawn_outcomes, keys), draws, drawn, specs[0].name,
            [s.name for s in specs], float(parameter("measures_compare.relative_tolerance.value")),
            settings.thresholds, settings.hangs_on, per_draw)
    comparison.seconds = time.perf_counter() - clock
    extra = {"models": comparison.model_names, "wall_seconds": round(comparison.seconds, 1)}
    if uncertainty:
        extra["uncertainty"] = {"draws": uncertainty, "sampler": settings.sampler,
                                "assumptions": [a.path for a in drawn], "draws_kept": keep_draws}
        if keep_draws:  # the kept draws' datasets, for what reads a run folder's replications (carenet fund)
            extra["uncertainty"]["runs"] = [{"draw": key["draw"], **record} for key, record in zip(
                keys, run_records(drawn_outcomes, plan.out), strict=True)]
    write_experiment(plan, "compare", central, command, extra)
    return comparison


__all__ = ["DRAWS_FOLDER", "Comparison", "compare_models", "duckdb_threads", "load_models", "model_table", "tasks_for"]
