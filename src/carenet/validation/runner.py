"""Validation end to end: find (or simulate) a model's replications, compute both sides, compare, write the record.

``--run`` may name an experiment folder (``experiment.json`` beside ``rep-000`` …; each replication is measured
over its own scored period, the warm-up excluded, and the model's replications are pooled by their mean) or a
single dataset folder (a twin run or imported data, measured over the span of its appointments). Without
``--run`` the model is simulated for a year on the calibration network with :func:`simulate_model`, exactly
as ``carenet simulate`` runs it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from carenet.measures import Period
from carenet.report.page import VALIDATION_PAGE
from carenet.schema.dataset import MANIFEST
from carenet.twin.experiments.export import _atomic
from carenet.twin.experiments.manifest import EXPERIMENT_FILE
from carenet.twin.experiments.simulate import simulate_model
from carenet.validation.comparison import Validation, compare
from carenet.validation.page import write_page
from carenet.validation.published import month_label, published_figures
from carenet.validation.settings import ValidationInputError, ValidationSettings
from carenet.validation.simulated import pooled, simulated_figures

VALIDATION_JSON, VALIDATION_HTML = "validation.json", VALIDATION_PAGE
RUN_FILE = "run.json"


@dataclass(frozen=True)
class Replication:
    """One dataset to measure, over ``period`` (``None``: the span of its appointments)."""

    folder: Path
    period: Period | None


def _experiment_replications(run: Path, model: str) -> tuple[list[Replication], str, str]:
    try:
        record = json.loads((run / EXPERIMENT_FILE).read_text())
        runs = record["runs"]
    except (OSError, ValueError, KeyError) as exc:
        raise ValidationInputError(f"{run / EXPERIMENT_FILE}: not a readable experiment record ({exc})") from None
    models = sorted({r["model"] for r in runs})
    chosen = [r for r in runs if r["model"] == model] or ([] if len(models) != 1 else runs)
    if not chosen:
        raise ValidationInputError(f"--run {run}: the experiment has no replication of {model!r}; it ran "
                                   f"{', '.join(models)} (give one of them as MODEL)")
    reps = [Replication(run / r["folder"], Period(dt.date.fromisoformat(r["measured_from"]),
                                                  dt.date.fromisoformat(r["measured_to"]))) for r in chosen]
    first, last = reps[0].period.start, reps[0].period.end  # type: ignore[union-attr]
    return reps, chosen[0]["model"], f"{first} to {last} (warm-up excluded)"


def replications_in(run: Path, model: str) -> tuple[list[Replication], str, str]:
    """The replications of ``model`` in the folder ``run``, the model's name and a description of the period."""
    run = Path(run)
    if (run / EXPERIMENT_FILE).is_file():
        return _experiment_replications(run, model)
    if (run / MANIFEST).is_file():
        name = model
        if (run / RUN_FILE).is_file():
            name = json.loads((run / RUN_FILE).read_text()).get("model", {}).get("name", model)
        return [Replication(run, None)], name, "the span of the dataset's appointments (no experiment.json, so " \
                                                 "no warm-up is excluded)"
    raise ValidationInputError(f"--run {run}: not a carenet run folder (no {EXPERIMENT_FILE}) or dataset (no "
                               f"{MANIFEST})")


def validate_replications(replications: list[Replication], appointments: Path, settings: ValidationSettings,
                          facts: dict[str, str], published: pd.DataFrame | None = None) -> Validation:
    """Published figures (from ``appointments`` and settings, unless given) against the replications' pooled ones."""
    if published is None:
        published = published_figures(Path(appointments), settings)
    simulated = pooled([simulated_figures(r.folder, settings, r.period) for r in replications])
    first, last = settings.months
    facts = {**facts, "replications": str(len(replications)),
             "appointments file": f"{appointments} ({month_label(first)} to {month_label(last)})"}
    return Validation(compare(simulated, published, settings), facts)


def validate_folder(run: Path, model: str, appointments: Path, settings: ValidationSettings, *,
                    facts: dict[str, str] | None = None, published: pd.DataFrame | None = None) -> Validation:
    """Validate the replications of ``model`` in the run folder (or dataset) ``run``."""
    replications, name, period = replications_in(Path(run), model)
    facts = {"model": name, "run": str(run), "measured": period, **(facts or {})}
    return validate_replications(replications, appointments, settings, facts, published)


def write_outputs(validation: Validation, folder: Path) -> list[Path]:
    """``validation.json`` and ``validation.html`` in ``folder``."""
    from carenet.schema.folders import locked

    title = f"{validation.facts.get('model', 'run')}: simulated against published figures"
    with locked(folder, command="carenet validate", what="run folder"):  # the two files land together
        return [write_record(validation, Path(folder) / VALIDATION_JSON),
                write_page(validation, Path(folder) / VALIDATION_HTML, title)]


def simulate_for_validation(model: str, population: str, out: Path, *, days: int | None, seed: int,
                            demo_patients: int | None, workers: int | None = None,
                            on_progress: Callable[[int, int], None] | None = None, command: str = "") -> Path:
    """Run ``model`` once (a year unless ``days``) into the run folder ``out``; return the folder."""
    simulate_model(model, population, out, years=1.0 if days is None else None, days=days, reps=1, seed=seed,
                   booking_mode="greedy", workers=workers, on_progress=on_progress, demo_patients=demo_patients,
                   command=command)
    return out


def _clean(value: object) -> object:
    return None if isinstance(value, float) and math.isnan(value) else value


def write_record(validation: Validation, path: Path) -> Path:
    """``validation.json``: the facts, the verdict counts and every row (absent figures as null)."""
    rows = [{k: _clean(v) for k, v in row.items()} for row in validation.table.to_dict(orient="records")]
    record = {"passed": validation.passed, "counts": validation.counts(), "facts": validation.facts,
              "figures": rows}
    text = json.dumps(record, indent=2, sort_keys=True) + "\n"
    return _atomic(path, lambda p: p.write_text(text, encoding="utf-8"))


__all__ = ["VALIDATION_HTML", "VALIDATION_JSON", "Replication", "replications_in", "simulate_for_validation",
           "validate_folder", "validate_replications", "write_outputs", "write_record"]
