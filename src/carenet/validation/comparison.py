"""Simulated against published: one row per measure and group, with the tolerance and a verdict.

A verdict is ``ok`` when the simulated figure lies within the tolerance of the published one, ``OUTSIDE``
when it does not, and ``n/a`` when either figure is absent (the row's note says which and why). Only
``OUTSIDE`` fails a validation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from carenet.validation.catalogue import group_label, measures
from carenet.validation.settings import ValidationSettings

OK, OUTSIDE, NOT_APPLICABLE = "ok", "OUTSIDE", "n/a"
COMPARISON_COLUMNS: tuple[str, ...] = ("measure", "group", "title", "group_label", "label", "unit", "simulated",
                                       "published", "tolerance", "relative", "status", "tag", "source", "note")


@dataclass
class Validation:
    """A finished comparison and what it was run on."""

    table: pd.DataFrame
    facts: dict[str, str]

    @property
    def outside(self) -> pd.DataFrame:
        return self.table[self.table["status"] == OUTSIDE]

    @property
    def passed(self) -> bool:
        return self.outside.empty

    def counts(self) -> dict[str, int]:
        return {s: int((self.table["status"] == s).sum()) for s in (OK, OUTSIDE, NOT_APPLICABLE)}


def _note(simulated: float, sim_note: str, published: float, pub_note: str) -> str:
    parts = []
    if math.isnan(simulated):
        parts.append(f"simulated: {sim_note or 'not computed'}")
    if math.isnan(published):
        parts.append(f"published: {pub_note or 'no published figure'}")
    return "; ".join(parts)


def compare(simulated: pd.DataFrame, published: pd.DataFrame, settings: ValidationSettings) -> pd.DataFrame:
    """The comparison table, in the catalogue's order of measures and groups."""
    sim = simulated.set_index(["measure", "group"])
    pub = published.set_index(["measure", "group"])
    bands = tuple(b.label for b in settings.consultation_bands)
    rows = []
    for measure in measures(bands):
        tolerance = settings.tolerances[measure.tolerance]
        for group in measure.groups:
            key = (measure.key, group)
            s = sim.loc[key] if key in sim.index else None
            p = pub.loc[key] if key in pub.index else None
            s_value = math.nan if s is None else float(s["value"])
            p_value = math.nan if p is None else float(p["value"])
            if math.isnan(s_value) or math.isnan(p_value):
                status = NOT_APPLICABLE
            else:
                status = OK if tolerance.allows(s_value, p_value) else OUTSIDE
            rows.append({
                "measure": measure.key, "group": group, "title": measure.label, "group_label": group_label(group),
                "label": f"{measure.label}, {group_label(group)}" if group else measure.label,
                "unit": measure.unit, "simulated": s_value, "published": p_value, "tolerance": tolerance.value,
                "relative": tolerance.relative, "status": status,
                "tag": "" if p is None else str(p["tag"]), "source": "" if p is None else str(p["source"]),
                "note": _note(s_value, "" if s is None else str(s["note"]), p_value,
                              "" if p is None else str(p["note"])),
            })
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


def format_value(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if unit == "share":
        return f"{value:.1%}"
    return f"{value:.3f}" if unit == "index" else f"{value:.2f}"


def format_tolerance(row: Mapping[str, Any]) -> str:
    if row["relative"]:
        return f"±{row['tolerance']:.0%}"
    if row["unit"] == "share":
        return f"±{row['tolerance'] * 100:g} pts"
    return f"±{row['tolerance']:g}"


__all__ = ["COMPARISON_COLUMNS", "NOT_APPLICABLE", "OK", "OUTSIDE", "Validation", "compare", "format_tolerance",
           "format_value"]
