"""Summaries across replications: the mean and its two-sided Student-t interval.

With ``n`` independent replications of mean ``x̄`` and standard deviation ``s`` the interval is
``x̄ ± t(1 − α/2, n − 1) · s / √n`` (Law, *Simulation Modeling and Analysis*, §9.4); the level is
``parameters.yaml`` ``experiments.confidence_level``. A measure a replication could not compute
(NaN) is left out of that measure's ``n``; with one value the interval collapses to the value.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
from scipy import stats

from carenet.params import parameter


@cache
def confidence_level() -> float:
    return float(parameter("experiments.confidence_level.value"))


def t_interval(values: np.ndarray, level: float | None = None) -> tuple[float, float, float, int]:
    """(mean, lo, hi, n) of the finite ``values``; NaNs when none is finite."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return float("nan"), float("nan"), float("nan"), 0
    mean = float(x.mean())
    if n == 1:
        return mean, mean, mean, 1
    level = confidence_level() if level is None else level
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half, n


def summarise(frame: pd.DataFrame, keys: list[str], value: str = "value", level: float | None = None) -> pd.DataFrame:
    """One row per group of ``keys``: mean, lo, hi and reps (replications with a value), in first-seen order."""
    rows = []
    for group, part in frame.groupby(keys, sort=False, dropna=False):
        mean, lo, hi, n = t_interval(part[value].to_numpy(dtype=np.float64), level)
        key_values = group if isinstance(group, tuple) else (group,)
        rows.append({**dict(zip(keys, key_values, strict=True)), "mean": mean, "lo": lo, "hi": hi, "reps": n})
    return pd.DataFrame(rows, columns=[*keys, "mean", "lo", "hi", "reps"])


__all__ = ["confidence_level", "summarise", "t_interval"]
