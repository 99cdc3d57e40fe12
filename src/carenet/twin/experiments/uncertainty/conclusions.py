"""How often each conclusion of a comparison holds across draws of the assumptions.

A conclusion is a verdict of one model against the comparator on one headline measure (better, worse
or the same, by :func:`carenet.measures.verdicts.differences`: beyond the relative tolerance and the
95% intervals). The central run states it; each draw runs every model again on other, equally
defensible values of the assumptions (with the same random numbers), and gives its own verdict. The
share of draws that agree with the central verdict classes the conclusion: ``robust`` at or above
``robust_share``, ``likely`` at or above ``likely_share``, else ``fragile``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from carenet.measures.verdicts import differences

VERDICT_COLUMNS = ["draw", "model", "attribute", "measure", "label", "unit", "before", "after", "verdict"]


@dataclass(frozen=True)
class Thresholds:
    """Shares of draws that make a conclusion robust or likely (``experiments_uncertainty``)."""

    robust_share: float = 0.9
    likely_share: float = 0.7

    def classify(self, share: float) -> str:
        if share >= self.robust_share:
            return "robust"
        return "likely" if share >= self.likely_share else "fragile"


def verdicts(scorecard: pd.DataFrame, comparator: str, models: Sequence[str], tolerance: float) -> pd.DataFrame:
    """Every model's verdict against ``comparator`` per headline measure, for each ``draw`` of ``scorecard``
    (a pooled scorecard with a ``draw`` column; the central run may be given as its own draw)."""
    rows = []
    for number, card in scorecard.groupby("draw", sort=True):
        for model in models:
            if model == comparator:
                continue
            for d in differences(card, comparator, model, tolerance):
                rows.append((number, model, d.attribute, d.measure, d.label, d.unit, d.before, d.after, d.verdict))
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS)


def robustness(central: pd.DataFrame, by_draw: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """One row per model and headline measure: the central verdict, the shares of draws finding it better, the
    same and worse, the share agreeing with the central verdict (``holds``), and its class."""
    counts = (by_draw.groupby(["model", "measure", "verdict"]).size().unstack("verdict", fill_value=0)
              .reindex(columns=["better", "same", "worse"], fill_value=0))
    draws = counts.sum(axis=1)
    shares = counts.div(draws, axis=0).add_suffix("_share").reset_index()
    shares["draws"] = draws.to_numpy()
    out = central.drop(columns=["draw"], errors="ignore").merge(shares, on=["model", "measure"], how="left")
    for column in ("better_share", "same_share", "worse_share"):
        out[column] = out[column].fillna(0.0)
    out["draws"] = out["draws"].fillna(0).astype(int)
    out["holds"] = [row[f"{row['verdict']}_share"] for row in out.to_dict("records")]
    out["robustness"] = [thresholds.classify(s) if n else "untested" for s, n in zip(out["holds"], out["draws"],
                                                                                   strict=True)]
    return out


__all__ = ["VERDICT_COLUMNS", "Thresholds", "robustness", "verdicts"]
