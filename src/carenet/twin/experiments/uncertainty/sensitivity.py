"""Which assumptions move a measure most: rank correlations over the draws, the data of a tornado chart.

For each target (a model's level of a headline measure, or its difference from the comparator) and
each drawn assumption, Spearman's rank correlation between the assumption's drawn values and the
target across draws. With Sobol' or Latin-hypercube draws the assumptions are nearly uncorrelated
with each other, so a large coefficient names an assumption that moves the target on its own; the
sign says which way. A target or assumption that does not vary gets 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from carenet.twin.experiments.uncertainty.ranges import Assumption


def _standardised_ranks(matrix: np.ndarray) -> np.ndarray:
    ranks = rankdata(matrix, axis=0)
    centred = ranks - ranks.mean(axis=0)
    spread = np.sqrt((centred**2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(spread > 0, centred / spread, 0.0)


def rank_correlations(draws: pd.DataFrame, targets: pd.DataFrame, assumptions: Sequence[Assumption]) -> pd.DataFrame:
    """``targets``: one row per draw (column ``draw``), one column per target. Returns one row per target and
    assumption: ``target``, ``path``, ``assumption`` (its label), ``rho``, ``abs_rho``, ``rank`` (1 = moves the
    target most)."""
    merged = draws.merge(targets, on="draw", how="inner").sort_values("draw")
    paths = [a.path for a in assumptions]
    names = [c for c in targets.columns if c != "draw"]
    if merged.empty or not names:
        return pd.DataFrame(columns=["target", "path", "assumption", "rho", "abs_rho", "rank"])
    x = _standardised_ranks(merged[paths].to_numpy(dtype=float))
    filled = merged[names].astype(float)
    y = filled.fillna(filled.mean()).fillna(0.0).to_numpy()  # a draw without a value: the target's mean
    rho = np.nan_to_num(x.T @ _standardised_ranks(y))  # assumptions × targets
    table = pd.DataFrame({
        "target": np.repeat(names, len(paths)),
        "path": np.tile(paths, len(names)),
        "assumption": np.tile([a.label for a in assumptions], len(names)),
        "rho": rho.T.ravel(),
    })
    table["abs_rho"] = table["rho"].abs()
    table["rank"] = table.groupby("target")["abs_rho"].rank(ascending=False, method="first").astype(int)
    return table.sort_values(["target", "rank"]).reset_index(drop=True)


__all__ = ["rank_correlations"]
