"""Parameter sets for an uncertainty analysis: quasi-random points spread evenly over the assumptions' ranges.

A sampler is picked once by name (``experiments_uncertainty.sampler``): ``sobol`` (scrambled Sobol'
points, most even when the number of draws is a power of two) or ``latin_hypercube`` (each range cut
into as many equal slices as draws, one draw per slice). Both come from ``scipy.stats.qmc`` with a
generator seeded from the experiment's seed, so the same seed gives the same draws.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy.stats import qmc

from carenet.schema.errors import CarenetError
from carenet.twin.experiments.uncertainty.ranges import Assumption

DRAW_STREAM = 15
"""Mixed into the experiment's seed for the draws' generator, so the draws never share a stream with a replication."""


def _sobol(dimensions: int, n: int, rng: np.random.Generator) -> np.ndarray:
    sampler = qmc.Sobol(d=dimensions, scramble=True, seed=rng)
    with warnings.catch_warnings():  # fewer or other than a power of two: still even, less perfectly balanced
        warnings.filterwarnings("ignore", message=".*balance properties of Sobol.*")
        return sampler.random(n)


def _latin_hypercube(dimensions: int, n: int, rng: np.random.Generator) -> np.ndarray:
    return qmc.LatinHypercube(d=dimensions, seed=rng).random(n)


SAMPLERS: dict[str, Callable[[int, int, np.random.Generator], np.ndarray]] = {
    "sobol": _sobol,
    "latin_hypercube": _latin_hypercube,
}


def sampler_named(name: str) -> Callable[[int, int, np.random.Generator], np.ndarray]:
    """The sampling strategy ``name`` (checked once, when the analysis is set up)."""
    if name not in SAMPLERS:
        raise CarenetError(f"experiments_uncertainty.sampler {name!r} is not one of {', '.join(SAMPLERS)}")
    return SAMPLERS[name]


def draw(assumptions: Sequence[Assumption], n: int, seed: int, sampler: str = "sobol") -> pd.DataFrame:
    """``n`` parameter sets: one row per draw (``draw`` 0…n−1), one column per assumption's path."""
    if n < 1:
        raise CarenetError(f"the number of draws must be at least 1, got {n}")
    if not assumptions:
        raise CarenetError("no assumption in parameters.yaml carries a range to draw from")
    rng = np.random.default_rng([seed, DRAW_STREAM])
    points = sampler_named(sampler)(len(assumptions), n, rng)
    table = pd.DataFrame({a.path: a.value_at(points[:, j]) for j, a in enumerate(assumptions)})
    table.insert(0, "draw", np.arange(n))
    return table


def settings_of(draws: pd.DataFrame, row: int) -> tuple[tuple[str, float], ...]:
    """Draw ``row`` as the (path, value) settings a replication applies."""
    values = draws.iloc[row]
    return tuple((path, float(values[path])) for path in draws.columns if path != "draw")


__all__ = ["DRAW_STREAM", "SAMPLERS", "draw", "sampler_named", "settings_of"]
