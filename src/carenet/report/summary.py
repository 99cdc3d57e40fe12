"""The plain-English summary at the top of the report: who does best where, and what each model trades.

Each model is set against the first (the comparator, usually the traditional partnership) on a
few headline measures per attribute. A difference counts only when it is larger than the relative
tolerance *and* the two 95% intervals do not overlap, so replication noise never reads as a
finding. An attribute is better when some headline measure is clearly better and none clearly
worse; a model better on one attribute and worse on another has a trade-off, and the summary says so.
"""

from __future__ import annotations

import math

import pandas as pd

from carenet.measures.scorecard import ATTRIBUTES, format_value
from carenet.measures.support import Unsupported
from carenet.measures.verdicts import (
    HEADLINES,
    Difference,
    attribute_verdicts,
    best_and_worst,
    clear_difference,
    differences,
    within_tolerance,
)

SECTION_NAMES: dict[str, str] = {**ATTRIBUTES, "cost": "Cost"}


def format_number(value: float | None, unit: str) -> str:
    """A value as a practice manager reads it (shares as %, pounds with £)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "gbp":
        return f"£{value:,.2f}" if abs(value) < 100 else f"£{value:,.0f}"
    return format_value(float(value), unit) if not isinstance(value, Unsupported) else "n/a"


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


__all__ = ["HEADLINES", "SECTION_NAMES", "Difference", "attribute_verdicts", "best_and_worst", "clear_difference",
           "differences", "format_number", "leaders", "model_sentence", "within_tolerance"]
