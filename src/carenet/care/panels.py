"""Panels: attach patients to micro-teams or named clinicians, households kept whole, workload balanced.

API::

    assign_panels(weight, practice, household, panel_practice, panel_capacity, tolerance, *,
                  patient_group=None, panel_group=None, current=None) -> PanelAssignment

Each household (within a practice and a service group) is one unit whose weight is the sum of
its members' risk-weighted workload. Within each practice and group the units are shared among
that practice's panels so each panel's load *and* its headcount stay within ``tolerance`` of
their targets (the panel's share of capacity, e.g. FTE, times the block's total weight or
headcount) — so no panel balances its workload by collecting all the complex patients — while
moving as few patients as possible away from their ``current`` panel. That is a linear programme
solved by HiGHS over classes of interchangeable units (same weight, size and current panels); at
most a handful of units end up
fractional and go to the panel holding most of them, so a panel can miss a band by at most one
household. Patients of a group with no panel in their practice get ``-1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from carenet.care.booking_exact import solve_lp
from carenet.care.patients import NO_HOUSEHOLD
from carenet.schema.errors import CarenetError

NO_PANEL = -1


class PanelInputError(CarenetError):
    """Panel inputs are inconsistent; the message names the argument."""


@dataclass(frozen=True)
class PanelAssignment:
    """Each patient's panel, with every panel's load and target."""

    panel: np.ndarray
    load: np.ndarray
    target: np.ndarray
    moved: int

    @property
    def deviation(self) -> np.ndarray:
        """Per panel: load / target - 1 (0 where the target is 0)."""
        return np.divide(self.load, self.target, out=np.ones_like(self.load), where=self.target > 0) - 1.0

    @property
    def max_deviation(self) -> float:
        return float(np.abs(self.deviation).max(initial=0.0))


def _arr(name: str, value, dtype, n: int) -> np.ndarray:
    arr = np.asarray(value, dtype=dtype)
    if arr.shape != (n,):
        raise PanelInputError(f"{name} must have {n} entries, got shape {arr.shape}")
    return arr


def assign_panels(weight, practice, household, panel_practice, panel_capacity, tolerance: float, *,
                  patient_group=None, panel_group=None, current=None) -> PanelAssignment:
    """Assign every patient to a panel (see the module docstring)."""
    weight = np.asarray(weight, dtype=np.float64)
    n = weight.shape[0]
    practice = _arr("practice", practice, np.int64, n)
    household = _arr("household", household, np.int64, n)
    p_practice = np.asarray(panel_practice, dtype=np.int64)
    P = p_practice.shape[0]
    capacity = _arr("panel_capacity", panel_capacity, np.float64, P)
    p_group = np.zeros(P, np.int64) if panel_group is None else _arr("panel_group", panel_group, np.int64, P)
    group = np.zeros(n, np.int64) if patient_group is None else _arr("patient_group", patient_group, np.int64, n)
    current = np.full(n, NO_PANEL, np.int64) if current is None else _arr("current", current, np.int64, n)
    if (weight < 0).any() or not np.isfinite(weight).all():
        raise PanelInputError("weight must be finite and >= 0")
    if (capacity < 0).any():
        raise PanelInputError("panel_capacity must be >= 0")
    if not 0.0 <= tolerance < 1.0:
        raise PanelInputError(f"tolerance must lie in [0, 1), got {tolerance}")
    if ((current < NO_PANEL) | (current >= P)).any():
        raise PanelInputError(f"current must be a panel number 0-{P - 1} or -1")

    # Units: households within practice and group; patients without a household stand alone.
    solo = household == NO_HOUSEHOLD
    hh_key = np.where(solo, -1 - np.arange(n), household)
    unit = _row_groups(practice, group, hh_key)
    U = int(unit.max()) + 1 if n else 0
    unit_weight = np.bincount(unit, weights=weight, minlength=U)
    unit_size = np.bincount(unit, minlength=U).astype(np.float64)
    unit_practice = np.zeros(U, np.int64)
    unit_group = np.zeros(U, np.int64)
    unit_practice[unit] = practice
    unit_group[unit] = group

    panel_of_unit = np.full(U, NO_PANEL, np.int64)
    target = np.zeros(P)
    blocks = np.unique(np.column_stack([unit_practice, unit_group]), axis=0) if U else np.zeros((0, 2), int)
    for b_practice, b_group in blocks:
        units = np.flatnonzero((unit_practice == b_practice) & (unit_group == b_group))
        panels = np.flatnonzero((p_practice == b_practice) & (p_group == b_group) & (capacity > 0))
        if panels.size == 0:
            continue
        total = unit_weight[units].sum()
        target[panels] = capacity[panels] / capacity[panels].sum() * total
        heads = capacity[panels] / capacity[panels].sum() * unit_size[units].sum()
        panel_of_unit[units] = _solve_block(units, panels, unit, unit_weight, unit_size, current, target, heads,
                                            tolerance)

    panel = panel_of_unit[unit] if n else np.zeros(0, np.int64)
    load = np.bincount(panel[panel >= 0], weights=weight[panel >= 0], minlength=P) if P else np.zeros(0)
    moved = int(((current >= 0) & (panel != current)).sum())
    return PanelAssignment(panel=panel, load=load, target=target, moved=moved)


def _row_groups(*columns: np.ndarray) -> np.ndarray:
    """``np.unique(np.column_stack(columns), axis=0, return_inverse=True)[1]`` for non-huge integer columns, computed
    on one packed int64 key (same numbering: packing keeps the rows' lexicographic order)."""
    if not columns[0].size:
        return np.zeros(0, np.int64)
    key = np.zeros(columns[0].size, np.int64)
    for column in columns:
        low = int(column.min())
        span = int(column.max()) - low + 1
        key = key * span + (column - low)
    _, inverse = np.unique(key, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64)


def _unique_rows(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(keys, axis=0, return_inverse=True, return_counts=True)`` for a 2-D array without NaN, by one
    lexsort of its columns (the same rows, numbering and counts; ``axis=0`` views rows as bytes and is far slower)."""
    n = keys.shape[0]
    if n == 0:
        return keys[:0], np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.lexsort(keys.T[::-1])
    ordered = keys[order]
    new = np.r_[True, (ordered[1:] != ordered[:-1]).any(axis=1)]
    inverse = np.empty(n, np.int64)
    inverse[order] = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    return ordered[starts], inverse, np.diff(np.r_[starts, n])


def _current_if_balanced(members_current, units, panels, unit_weight, unit_size, target, heads,
                         tolerance) -> np.ndarray | None:
    """Every unit's current panel, if every unit has one in the block and the loads already sit in the band."""
    whole = members_current.max(axis=1) if members_current.size else np.zeros(units.size)
    if units.size == 0 or (whole == 0).any() or ((members_current > 0).sum(axis=1) > 1).any():
        return None
    choice = members_current.argmax(axis=1)
    for amount, band in ((unit_weight[units], target[panels]), (unit_size[units], heads)):
        load = np.bincount(choice, weights=amount, minlength=panels.size)
        if ((load < band * (1 - tolerance) - 1e-9) | (load > band * (1 + tolerance) + 1e-9)).any():
            return None
    return panels[choice]


def _solve_block(units, panels, unit_of_patient, unit_weight, unit_size, current, target, heads,
                 tolerance) -> np.ndarray:
    """Panels for one practice-group block of units."""
    P = panels.size
    local = np.full(target.size, -1, np.int64)
    local[panels] = np.arange(P)
    position = np.full(unit_weight.size, -1, np.int64)
    position[units] = np.arange(units.size)
    patients = np.flatnonzero((position[unit_of_patient] >= 0) & (current >= 0))
    pos = position[unit_of_patient[patients]]
    cur = local[current[patients]]
    members_with_current = np.bincount(pos, minlength=units.size).astype(np.float64)
    members_current = np.zeros((units.size, P))
    np.add.at(members_current, (pos[cur >= 0], cur[cur >= 0]), 1.0)
    move_cost = members_with_current[:, None] - members_current
    stay = _current_if_balanced(members_current, units, panels, unit_weight, unit_size, target, heads, tolerance)
    if stay is not None:
        return stay

    # Classes of interchangeable units: same weight, same size, same move costs.
    keys = np.column_stack([unit_weight[units], unit_size[units], move_cost])
    uniq, cls, count = _unique_rows(keys)
    K = uniq.shape[0]
    w, size, cost = uniq[:, 0], uniq[:, 1], uniq[:, 2:]
    # Variables y[k, p] (k-major); rows: one per class (= count), per panel a load band and a headcount band.
    cols = K * P
    k_idx = np.repeat(np.arange(K), P)
    p_idx = np.tile(np.arange(P), K)
    index = np.column_stack([k_idx, K + p_idx, K + P + p_idx]).ravel()
    value = np.column_stack([np.ones(cols), w[k_idx], size[k_idx]]).ravel()
    start = np.arange(0, 3 * cols + 1, 3)
    band = np.concatenate([target[panels], heads])
    row_lower = np.concatenate([count.astype(float), band * (1 - tolerance)])
    row_upper = np.concatenate([count.astype(float), band * (1 + tolerance)])
    y = solve_lp(cost.ravel(), np.full(cols, np.inf), row_lower, row_upper, start, index, value,
                 solver="ipm").reshape(K, P)
    y = np.maximum(y, 0.0)

    # Round: whole units first, then each class's leftover units to its largest fractional parts.
    whole = np.floor(y + 1e-9).astype(np.int64)
    left = count - whole.sum(axis=1)
    frac_order = np.argsort(-(y - whole), axis=1, kind="stable")
    for k in np.flatnonzero(left > 0):
        whole[k, frac_order[k, :left[k]]] += 1
    # Hand out panels to units class by class.
    out = np.empty(units.size, np.int64)
    order = np.argsort(cls, kind="stable")
    out[order] = panels[np.repeat(np.tile(np.arange(P), K), whole.ravel())]
    return out
