"""Verdicts of one model against another on the headline measures: better, worse or the same.

A difference counts only when it is larger than the relative tolerance (``parameters.yaml``
``measures_compare.relative_tolerance``) *and* the two 95% intervals do not overlap, so replication
noise never reads as a finding. An attribute is better when some headline measure is clearly better
and none clearly worse. The report's summary, the command line and the uncertainty analysis (which
asks how often each verdict holds across draws of the assumptions) all read verdicts from here.

Rows are pooled scorecard rows: ``mean``, ``lo``, ``hi`` (95% interval), ``better`` (higher/lower),
``label``, ``unit``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

HEADLINES: dict[str, tuple[str, ...]] = {
    "person_centred": ("minutes_per_complex_patient_year", "needs_in_scope_share"),
    "access": ("mean_wait_days", "share_same_day", "unmet_demand"),
    "continuity": ("upc", "upc_complex"),
    "coordination": ("care_plan_coverage", "professionals_per_episode"),
    "community": ("social_prescriptions_per_1000_year", "psychosocial_met_in_community"),
    "cost": ("staff_cost_per_patient_gbp",),
}
"""Measures the verdicts read for each attribute (the scorecard table shows all of them)."""


@dataclass(frozen=True)
class Difference:
    """One headline measure of a model against the comparator."""

    attribute: str
    measure: str
    label: str
    unit: str
    before: float
    after: float
    verdict: str  # "better", "worse" or "same"
    suppressed: bool = False
    """``same`` only because the relative change is within the tolerance (the 95% intervals are apart)."""


def _apart(a: pd.Series, b: pd.Series) -> bool:
    """Whether the 95% intervals of two rows do not overlap (or, with one replication each, the values differ)."""
    return b["lo"] > a["hi"] or b["hi"] < a["lo"] or (a["lo"] == a["hi"] and b["lo"] == b["hi"])


def _relative_gap(a: pd.Series, b: pd.Series) -> float:
    scale = max(abs(a["mean"]), abs(b["mean"]))
    return abs(b["mean"] - a["mean"]) / scale if scale else 0.0


def clear_difference(a: pd.Series, b: pd.Series, tolerance: float) -> bool:
    """Whether two rows (mean, lo, hi) differ beyond noise: relative gap above tolerance, intervals apart."""
    return _relative_gap(a, b) > tolerance and _apart(a, b)


def within_tolerance(a: pd.Series, b: pd.Series, tolerance: float) -> bool:
    """Whether two rows differ beyond noise (intervals apart) yet not beyond the relative ``tolerance``: a
    difference the relative-tolerance rule keeps from being called one."""
    return 0 < _relative_gap(a, b) <= tolerance and _apart(a, b)


def best_and_worst(rows: pd.DataFrame, tolerance: float) -> tuple[str | None, str | None]:
    """The models that clearly lead and trail on one measure (rows indexed by model), or ``(None, None)``."""
    first = rows.iloc[0]
    means = rows["mean"].dropna()
    if first["better"] not in ("higher", "lower") or len(means) < 2 or means.max() <= means.min():
        return None, None
    best = means.idxmax() if first["better"] == "higher" else means.idxmin()
    worst = means.idxmin() if first["better"] == "higher" else means.idxmax()
    if not clear_difference(rows.loc[worst], rows.loc[best], tolerance):
        return None, None
    return best, worst


def differences(scorecard: pd.DataFrame, comparator: str, model: str, tolerance: float) -> list[Difference]:
    """Headline measures of ``model`` against ``comparator`` with their verdicts (directionless measures skipped)."""
    rows = scorecard.dropna(subset=["mean"]).set_index(["model", "measure"])
    out = []
    for attribute, keys in HEADLINES.items():
        for key in keys:
            if (comparator, key) not in rows.index or (model, key) not in rows.index:
                continue
            a, b = rows.loc[(comparator, key)], rows.loc[(model, key)]
            better = a["better"] if isinstance(a["better"], str) else None
            if better not in ("higher", "lower"):
                continue
            if not clear_difference(a, b, tolerance):
                verdict = "same"
            else:
                up = b["mean"] > a["mean"]
                verdict = "better" if up == (better == "higher") else "worse"
            out.append(Difference(attribute, key, str(a["label"]), str(a["unit"]), float(a["mean"]),
                                  float(b["mean"]), verdict, verdict == "same" and within_tolerance(a, b, tolerance)))
    return out


def attribute_verdicts(diffs: list[Difference]) -> dict[str, str]:
    """Per attribute: better, worse, mixed or same."""
    out: dict[str, str] = {}
    for attribute in dict.fromkeys(d.attribute for d in diffs):
        verdicts = {d.verdict for d in diffs if d.attribute == attribute}
        if "better" in verdicts and "worse" in verdicts:
            out[attribute] = "mixed"
        elif "better" in verdicts:
            out[attribute] = "better"
        elif "worse" in verdicts:
            out[attribute] = "worse"
        else:
            out[attribute] = "same"
    return out


__all__ = ["HEADLINES", "Difference", "attribute_verdicts", "best_and_worst", "clear_difference", "differences",
           "within_tolerance"]
