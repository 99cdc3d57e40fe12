"""Sensitivity: run a model over a range of one or two settings and watch access, continuity and cost move.

A setting is a path and a range (``PATH=LOW..HIGH`` in ``steps`` even steps, or ``PATH=a,b,c``, or
``PATH`` alone for the range ``parameters.yaml`` gives it, the one an uncertainty analysis draws from):
a field of the model (``model.booking.horizon_days``) or an entry of ``parameters.yaml``
(``twin.booking.continuity_value.value.1``, the continuity weight where continuity matters).
Every setting runs the same replication seeds (common random numbers), so the curve is the
setting's effect, not noise; with the continuity weight it traces the access-continuity frontier.
Replications are scored on access, continuity and cost only (the ``sweep`` scope of
:func:`.scoring.score_dataset`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from carenet.models import DeliveryModel
from carenet.schema.errors import CarenetError
from carenet.twin.experiments.compare import duckdb_threads, load_models, model_table, tasks_for
from carenet.twin.experiments.export import write_scorecard_csv
from carenet.twin.experiments.manifest import check_out_folder, write_experiment
from carenet.twin.experiments.overrides import apply_to_model, check_parameter_path, is_model_path
from carenet.twin.experiments.plan import RunPlan, make_plan
from carenet.twin.experiments.pool import per_replication, pooled_scorecard
from carenet.twin.experiments.replications import Outcome, run_tasks
from carenet.twin.experiments.run_folder import writes_run_folder

SWEEP_MEASURES: tuple[str, ...] = ("mean_wait_days", "share_same_day", "unmet_demand", "upc", "coc",
                                   "staff_cost_per_patient_gbp")
"""Measures a sweep prints and charts by default (access, continuity, cost)."""
MAX_SETTINGS = 2


@dataclass(frozen=True)
class Vary:
    """One swept setting: its path and the values it takes."""

    path: str
    values: tuple[float, ...]


def _ranged(path: str, steps: int) -> Vary:
    """``steps`` values over the range parameters.yaml gives ``path`` (whole numbers stay whole)."""
    from carenet.params import load_parameters
    from carenet.twin.experiments.uncertainty import uncertain_assumptions
    from carenet.twin.experiments.uncertainty.settings import UncertaintySettings

    ranged = {a.path: a for a in uncertain_assumptions(load_parameters(), UncertaintySettings.from_parameters()
                                                       .sections)}
    if path not in ranged:
        near = sorted(p for p in ranged if p.startswith(path))
        hint = f" (ranged entries under it: {', '.join(near)})" if near else ""
        raise CarenetError(f"--vary {path!r}: parameters.yaml gives it no range{hint}; write PATH=LOW..HIGH or "
                           "PATH=a,b,c")
    if steps < 2:
        raise CarenetError(f"--steps must be at least 2 for a range, got {steps}")
    found = ranged[path]
    values = np.linspace(found.low, found.high, steps)
    if found.integer:
        values = np.unique(np.floor(values + 0.5))
    return Vary(path, tuple(float(v) for v in values))


def parse_vary(text: str, steps: int) -> Vary:
    """``PATH=LOW..HIGH`` (``steps`` evenly spaced values), ``PATH=a,b,c``, or ``PATH`` alone (its range in
    parameters.yaml, in ``steps`` values)."""
    path, sep, spec = text.partition("=")
    path, spec = path.strip(), spec.strip()
    if not sep and path:
        return _ranged(path, steps)
    if not sep or not path or not spec:
        raise CarenetError(f"--vary {text!r}: write PATH=LOW..HIGH, PATH=a,b,c or a ranged PATH alone")
    try:
        if ".." in spec:
            low, high = (float(x) for x in spec.split("..", 1))
            if steps < 2:
                raise CarenetError(f"--steps must be at least 2 for a range, got {steps}")
            values = tuple(float(v) for v in np.linspace(low, high, steps))
        else:
            values = tuple(float(x) for x in spec.split(","))
    except ValueError:
        raise CarenetError(f"--vary {text!r}: {spec!r} is not LOW..HIGH or a list of numbers") from None
    if len(set(values)) != len(values):
        raise CarenetError(f"--vary {text!r}: the values repeat")
    return Vary(path, values)


def _check(varies: Sequence[Vary], specs: Sequence[DeliveryModel]) -> None:
    if not 1 <= len(varies) <= MAX_SETTINGS:
        raise CarenetError(f"vary one or two settings at a time, got {len(varies)}")
    if len({v.path for v in varies}) != len(varies):
        raise CarenetError("each --vary needs its own path")
    for vary in varies:
        for value in vary.values:
            if is_model_path(vary.path):
                for spec in specs:
                    apply_to_model(spec, {vary.path: value})
            else:
                check_parameter_path(vary.path, value)


def _label(settings: tuple[tuple[str, float], ...]) -> str:
    return ",".join(f"{p}={v:g}" for p, v in settings)


@dataclass
class Sweep:
    """The swept settings, the models, and access/continuity/cost per setting with 95% intervals."""

    plan: RunPlan
    varies: list[Vary]
    models: pd.DataFrame
    outcomes: list[Outcome]
    table: pd.DataFrame  # setting[, setting2], model, attribute, measure, label, unit, better, mean, lo, hi, reps
    replications: pd.DataFrame
    seconds: float

    def headline(self, measures: Sequence[str] = SWEEP_MEASURES) -> pd.DataFrame:
        """Settings down, measures across (means), one block per model: the printed table."""
        keys = ["setting", "setting2"][:len(self.varies)]
        rows = self.table[self.table["measure"].isin(measures)]
        wide = rows.pivot_table(index=["model", *keys], columns="measure", values="mean", sort=False)
        return wide[[m for m in measures if m in wide.columns]].reset_index()

    def to_csv(self, path: str | Path) -> Path:
        return write_scorecard_csv(self.table, path)


@writes_run_folder
def sweep_model(models: Sequence[str], varies: Sequence[Vary], population: str | Path, out: str | Path, *,
                years: float | None = 1.0, days: int | None = None, reps: int = 2, seed: int = 0,
                booking_mode: str = "greedy", workers: int | None = None,
                on_progress: Callable[[int, int], None] | None = None, start: dt.date | None = None,
                demo_patients: int | None = None,
                command: str = "") -> Sweep:
    """Run every model at every combination of the settings; see the module docstring."""
    clock = time.perf_counter()
    out = Path(out)
    check_out_folder(out)
    specs = load_models(models)
    _check(varies, specs)
    plan = make_plan(population, out, years=years, days=days, reps=reps, seed=seed, booking_mode=booking_mode,
                     start=start, demo_patients=demo_patients)
    combos = list(itertools.product(*[v.values for v in varies]))
    threads = duckdb_threads(len(combos) * len(specs) * reps, workers)
    tasks, labels = [], {}
    for i, combo in enumerate(combos):
        settings = tuple(zip([v.path for v in varies], combo, strict=True))
        for task in tasks_for(plan, models, specs, out / f"setting-{i:02d}", settings=settings,
                              key_prefix=f"{_label(settings)}/", threads=threads, spc=False):
            tasks.append(replace(task, scope="sweep"))
            model = task.key.split("/")[1]
            labels[task.key] = {"setting": combo[0], **({"setting2": combo[1]} if len(combo) > 1 else {}),
                                "model": model}
    outcomes = run_tasks(tasks, workers=workers, on_progress=on_progress)
    order = [labels[o.task.key] for o in outcomes]
    sweep = Sweep(plan, list(varies), model_table(specs), outcomes, pooled_scorecard(outcomes, order),
                  per_replication(outcomes, order), 0.0)
    sweep.seconds = time.perf_counter() - clock
    write_experiment(plan, "sweep", outcomes, command,
                     {"models": [s.name for s in specs], "vary": [{"path": v.path, "values": list(v.values)}
                                                                  for v in varies],
                      "wall_seconds": round(sweep.seconds, 1)})
    return sweep


__all__ = ["SWEEP_MEASURES", "Sweep", "Vary", "parse_vary", "sweep_model"]
