"""An uncertainty analysis of a comparison: the draws, each conclusion's robustness, and what moves each measure.

:func:`analyse` takes the pooled scorecards of the central run and of every draw (each draw ran every
model with the same replication seeds as the central run: common random numbers, so a change between
draws is the assumptions' doing, not noise) and returns :class:`UncertaintyAnalysis`. Targets of the
sensitivity are each model's level of each headline measure and the difference of every pair of models
(``later − earlier`` in the order given, the comparator first), averaged over the draw's replications.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from scipy import stats

from carenet.measures.verdicts import HEADLINES
from carenet.twin.experiments.uncertainty.conclusions import Thresholds, robustness, verdicts
from carenet.twin.experiments.uncertainty.ranges import Assumption
from carenet.twin.experiments.uncertainty.sensitivity import rank_correlations

CENTRAL = -1
"""The ``draw`` number of the central run (every assumption at its value)."""
FALSE_ALARM = 0.05
"""The chance, over all the assumptions together, that one is named beside a conclusion though it does not move it."""
DIFFERENCE = " − "
"""Joins a model and the comparator in a difference's target name: ``micro_teams − traditional: upc``."""


@dataclass
class UncertaintyAnalysis:
    """What the draws show. ``draws``: one row per draw, one column per assumption path. ``assumptions``: each
    drawn assumption (path, label, central, low, high, distribution, tag, note). ``scorecard``: the pooled
    scorecard of every draw (column ``draw``: the headline measures, the registered list and the staff costs).
    ``verdicts``: every draw's verdict per model and headline measure.
    ``robustness``: per model and headline measure, the central verdict, the shares of draws by verdict, the share
    that agrees (``holds``), the class (robust, likely, fragile), its difference's sensitivity ``target`` and the
    assumptions it hangs on. ``sensitivity``:
    rank correlation of every target with every assumption (a tornado chart's bars)."""

    comparator: str
    draws: pd.DataFrame
    assumptions: pd.DataFrame
    scorecard: pd.DataFrame
    verdicts: pd.DataFrame
    robustness: pd.DataFrame
    sensitivity: pd.DataFrame
    thresholds: Thresholds = field(default_factory=Thresholds)
    seconds_per_draw: float = 0.0
    noise_rho: float = 1.0
    """The rank correlation that no assumption reaches by chance in N draws but one time in twenty (see
    :func:`noise_level`): an assumption is named beside a conclusion only above it."""

    def conclusions(self) -> pd.DataFrame:
        """The conclusions the central run states (better or worse), most robust first."""
        table = self.robustness[self.robustness["verdict"] != "same"]
        return table.sort_values(["holds", "model"], ascending=[False, True]).reset_index(drop=True)


def _headline(scorecard: pd.DataFrame) -> pd.DataFrame:
    measures = [m for keys in HEADLINES.values() for m in keys]
    return scorecard[scorecard["measure"].isin(measures)]


def targets(scorecard: pd.DataFrame, models: Sequence[str]) -> pd.DataFrame:
    """One row per draw, one column per target: ``model: measure`` levels and, for every pair of models in the
    order given, ``later − earlier: measure`` differences of the headline measures (means over the draw's
    replications); the first model is the comparator, so ``model − comparator`` is among them."""
    wide = _headline(scorecard).pivot_table(index="draw", columns=["model", "measure"], values="mean")
    columns = {f"{model}: {measure}": wide[(model, measure)] for model, measure in wide.columns}
    measures = list(dict.fromkeys(measure for _, measure in wide.columns))
    for i, earlier in enumerate(models):
        for later in models[i + 1:]:
            for measure in measures:
                if (earlier, measure) in wide.columns and (later, measure) in wide.columns:
                    columns[difference_target(later, earlier, measure)] = (wide[(later, measure)]
                                                                           - wide[(earlier, measure)])
    return pd.DataFrame(columns).reset_index()


def noise_level(draws: int, assumptions: int) -> float:
    """|ρ| that none of ``assumptions`` unrelated assumptions exceeds by chance in ``draws`` draws but one time in
    twenty: Spearman's ρ under no association is about normal with variance 1 / (N − 1), and the two-sided 5% is
    shared among the assumptions (Bonferroni), z / √(N − 1) with z the normal quantile at 1 − 0.025 / d. 1 when
    there are too few draws to tell."""
    if draws <= 1:
        return 1.0
    z = float(stats.norm.ppf(1 - FALSE_ALARM / 2 / max(assumptions, 1)))
    return min(1.0, z / math.sqrt(draws - 1))


def difference_target(model: str, comparator: str, measure: str) -> str:
    """The sensitivity target of ``model``'s difference from ``comparator`` on ``measure``."""
    return f"{model}{DIFFERENCE}{comparator}: {measure}"


def _hangs_on(target: str, sensitivity: pd.DataFrame, count: int) -> str:
    top = sensitivity[(sensitivity["target"] == target) & sensitivity["beyond_noise"]].head(count)
    return "; ".join(f"{a} (ρ {r:+.2f})" for a, r in zip(top["assumption"], top["rho"], strict=True))


def analyse(central: pd.DataFrame, by_draw: pd.DataFrame, draws: pd.DataFrame, assumptions: Sequence[Assumption],
            comparator: str, models: Sequence[str], tolerance: float, thresholds: Thresholds,
            hangs_on: int = 3, seconds_per_draw: float = 0.0) -> UncertaintyAnalysis:
    """``central``: the central run's pooled scorecard; ``by_draw``: the draws' (with a ``draw`` column)."""
    said = verdicts(central.assign(draw=CENTRAL), comparator, models, tolerance)
    found = verdicts(by_draw, comparator, models, tolerance)
    table = robustness(said, found, thresholds)
    order = [comparator, *(m for m in models if m != comparator)]
    sensitivity = rank_correlations(draws, targets(by_draw, order), assumptions)
    noise = noise_level(len(draws), len(assumptions))
    sensitivity["beyond_noise"] = (sensitivity["abs_rho"] > noise) & (sensitivity["abs_rho"] > 0)
    table["target"] = [difference_target(m, comparator, measure) for m, measure in zip(table["model"],
                                                                                        table["measure"], strict=True)]
    table["hangs_on"] = [_hangs_on(target, sensitivity, hangs_on) for target in table["target"]]
    described = pd.DataFrame([{"path": a.path, "assumption": a.label, "central": a.central, "low": a.low,
                               "high": a.high, "distribution": a.distribution, "tag": a.tag, "note": a.note}
                              for a in assumptions])
    return UncertaintyAnalysis(comparator, draws, described, by_draw, found, table, sensitivity, thresholds,
                               seconds_per_draw, noise)


__all__ = ["CENTRAL", "DIFFERENCE", "UncertaintyAnalysis", "analyse", "difference_target", "noise_level", "targets"]
