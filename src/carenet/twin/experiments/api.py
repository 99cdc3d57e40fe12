"""The notebook face of experiments: the CLI's ``compare`` and ``simulate`` as functions returning tables.

``carenet.compare(["traditional", "micro_teams"], population="demo", reps=2)`` runs the same
experiment as ``carenet compare`` and returns its pooled scorecard as a pandas DataFrame, one row
per model and measure (``mean``, 95% ``lo``/``hi``, ``reps``); ``df.attrs["run_folder"]`` names the
folder holding every replication's dataset. With ``uncertainty=N`` it returns
:class:`UncertainComparison`: the scorecard, the draws, each conclusion's robustness and the
sensitivity (tornado) table, all DataFrames (docs/uncertainty.md). Call :func:`carenet.twin.experiments.compare_models`
for the whole result (breakdowns, replications, assumptions).

Replications run in worker processes that never import the caller's script, so these work at the top level of a
plain script as in a notebook (no ``if __name__ == "__main__":`` needed). When a run fails, the temporary folder
made for it (no ``out`` given) is removed.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from carenet.twin.experiments.compare import compare_models
from carenet.twin.experiments.simulate import simulate_model


@contextmanager
def _folder(out: str | Path | None, kind: str) -> Iterator[Path]:
    """``out``, or a temporary folder removed again if the run fails (a failed run leaves nothing behind)."""
    if out is not None:
        yield Path(out)
        return
    folder = Path(tempfile.mkdtemp(prefix=f"carenet-{kind}-"))
    try:
        yield folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


@dataclass
class UncertainComparison:
    """A comparison with its uncertainty analysis. ``scorecard``: as :func:`compare` returns it; ``draws``: one row
    per draw, one column per assumption; ``robustness``: per model and headline measure, the central verdict
    against the first model, the shares of draws by verdict, ``holds``, ``robustness`` (robust, likely, fragile)
    and ``hangs_on``; ``sensitivity``: the rank correlation of each difference and level with each assumption."""

    scorecard: pd.DataFrame
    draws: pd.DataFrame
    robustness: pd.DataFrame
    sensitivity: pd.DataFrame
    run_folder: str


def compare(models: Sequence[str], population: str | Path = "demo", *, years: float | None = 1.0,
            days: int | None = None, reps: int = 2, seed: int = 0, out: str | Path | None = None,
            booking_mode: str = "greedy", workers: int | None = None,
            demo_patients: int | None = None, uncertainty: int = 0) -> pd.DataFrame | UncertainComparison:
    """Compare ``models`` on ``population`` (a dataset folder or ``"demo"``); the pooled scorecard as a DataFrame,
    or with ``uncertainty=N`` an :class:`UncertainComparison`."""
    with _folder(out, "compare") as folder:
        result = compare_models(list(models), population, folder, years=years, days=days, reps=reps, seed=seed,
                                booking_mode=booking_mode, workers=workers, demo_patients=demo_patients,
                                command="carenet.compare(...)", uncertainty=uncertainty)
    table = result.scorecard.copy()
    table.attrs["run_folder"] = str(folder)
    analysis = result.uncertainty
    if analysis is None:
        return table
    return UncertainComparison(table, analysis.draws, analysis.robustness, analysis.sensitivity, str(folder))


def simulate(model: str, population: str | Path = "demo", *, years: float | None = 1.0, days: int | None = None,
             reps: int = 1, seed: int = 0, out: str | Path | None = None, booking_mode: str = "greedy",
             workers: int | None = None, demo_patients: int | None = None) -> pd.DataFrame:
    """Simulate ``model``; one row per replication with the twin's headline counts and the dataset's folder."""
    with _folder(out, "simulate") as folder:
        result = simulate_model(model, population, folder, years=years, days=days, reps=reps, seed=seed,
                                booking_mode=booking_mode, workers=workers, demo_patients=demo_patients,
                                command="carenet.simulate(...)")
    table = result.summary()
    table["folder"] = [str(f) for f in result.folders]
    table.attrs["run_folder"] = str(folder)
    return table


__all__ = ["UncertainComparison", "compare", "simulate"]
