"""The plain-English summary at the top of the report: who does best where, and what each model trades.

Each model is set against the first (the comparator, usually the traditional partnership) on a
few headline measures per attribute. A difference counts only when it is larger than the relative
tolerance *and* the two 95% intervals do not overlap, so replication noise never reads as a
finding. An attribute is better when some headline measure is clearly better and none clearly
worse; a model better on one attribute and worse on another has a trade-off, and the summary says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from carenet.measures.scorecard import ATTRIBUTES, format_value
from carenet.measures.support import Unsupported

HEADLINES: dict[str, tuple[str, ...]] = {
    "person_centred": ("minutes_per_complex_patient_year", "needs_in_scope_share"),
    "access": ("mean_wait_days", "share_same_day", "unmet_demand"),
    "continuity": ("upc", "upc_complex"),
    "coordination": ("care_plan_coverage", "professionals_per_episode"),
    "community": ("social_prescriptions_per_1000_year", "psychosocial_met_in_community"),
    "cost": ("staff_cost_per_patient_gbp",),
}
"""Measures the summary reads for each attribute (the scorecard table shows all of them)."""

SECTION_NAMES: dict[str, str] = {**ATTRIBUTES, "cost": "Cost"}


def format_number(value: float | None, unit: str) -> str:
    """A value as a practice manager reads it (shares as %, pounds with £)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "gbp":
        return f"£{value:,.2f}" if abs(value) < 100 else f"£{value:,.0f}"
    return format_value(float(value), unit) if not isinstance(value, Unsupported) else "n/a"


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


def _change(d: Difference) -> str:
    return f"{d.label.lower()} {format_number(d.before, d.unit)} → {format_number(d.after, d.unit)}"


def model_sentence(title: str, comparator_title: str, diffs: list[Difference]) -> str:
    """One sentence: where ``title`` is better and worse than the comparator, and whether that is a trade-off."""
    verdicts = attribute_verdicts(diffs)
    better = [a for a, v in verdicts.items() if v == "better"]
    worse = [a for a, v in verdicts.items() if v == "worse"]
    mixed = [a for a, v in verdicts.items() if v == "mixed"]
    if not (better or worse or mixed):
        return f"{title} scores like {comparator_title} on every headline measure (differences within noise)."

    def part(attributes: list[str], verdict: str) -> str:
        named = []
        for a in attributes:
            shown = [_change(d) for d in diffs if d.attribute == a and d.verdict == verdict][:2]
            named.append(f"{SECTION_NAMES.get(a, a).lower()} ({'; '.join(shown)})")
        return ", ".join(named)

    clauses = []
    if better:
        clauses.append("better on " + part(better, "better"))
    if worse:
        clauses.append("worse on " + part(worse, "worse"))
    if mixed:
        clauses.append("mixed on " + ", ".join(SECTION_NAMES.get(a, a).lower() for a in mixed))
    sentence = f"{title} against {comparator_title}: " + "; ".join(clauses) + "."
    if better and worse:
        sentence += (f" A trade-off: gains in {', '.join(SECTION_NAMES.get(a, a).lower() for a in better)} "
                     f"come with losses in {', '.join(SECTION_NAMES.get(a, a).lower() for a in worse)}.")
    return sentence


def leaders(scorecard: pd.DataFrame, titles: dict[str, str]) -> list[str]:
    """Which model leads on each headline measure that has a direction (ties named together)."""
    out = []
    for keys in HEADLINES.values():
        for key in keys[:1]:
            rows = scorecard[(scorecard["measure"] == key) & scorecard["mean"].notna()]
            if rows.empty or rows["better"].iloc[0] not in ("higher", "lower") or len(rows) < 2:
                continue
            best = rows["mean"].max() if rows["better"].iloc[0] == "higher" else rows["mean"].min()
            if rows["mean"].nunique() == 1:
                continue
            winners = [titles[m] for m in rows.loc[rows["mean"] == best, "model"]]
            unit = str(rows["unit"].iloc[0])
            out.append(f"{rows['label'].iloc[0]}: best under {' and '.join(winners)} ({format_number(best, unit)})")
    return out


__all__ = ["HEADLINES", "SECTION_NAMES", "Difference", "attribute_verdicts", "clear_difference", "differences",
           "format_number", "leaders", "model_sentence", "within_tolerance"]
