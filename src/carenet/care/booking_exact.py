"""Exact booking: a min-cost flow over request classes, pooled lanes and lane-days, solved by HiGHS.

The network, per independent component (a practice, or the practices sharing a hub):

* class ``k`` supplies its ``count`` requests; what it cannot place flows to "unmet" at
  ``unmet_cost`` (waiting out the horizon);
* *direct* arcs go from a class to the lane-days where it earns continuity (its preferred
  clinician, its team) at ``delay x day - value x match``; a team-only class has direct arcs to
  every eligible lane of its team;
* *pool* arcs go from a class to a pool ``(site, role, kind, day)`` at ``delay x day``: every
  lane of a pool is the same to a class that earns nothing there, so one arc replaces many;
* each pool passes its flow on to its lane-days, whose free slots cap what they take.

Every column has at most one +1 and one -1 once class rows are negated: a network matrix,
totally unimodular, so the simplex vertex HiGHS returns is integral — the LP optimum is the
integer optimum. The solution is checked for integrality all the same.
"""

from __future__ import annotations

import highspy
import numpy as np

from carenet.care.booking_classes import Flows, RequestClasses, eligible, match, window
from carenet.care.booking_inputs import Diary

_INTEGRAL_TOLERANCE = 1e-6


class ExactSolveFailed(RuntimeError):
    """HiGHS did not return an optimal integral solution (a defect, never a user error)."""


def solve_lp(cost: np.ndarray, upper: np.ndarray, row_lower: np.ndarray, row_upper: np.ndarray, start: np.ndarray,
             index: np.ndarray, value: np.ndarray, solver: str = "simplex") -> np.ndarray:
    """Minimise ``cost . x`` over ``0 <= x <= upper``, ``row_lower <= A x <= row_upper`` (A column-wise).

    Returns a vertex optimum (``simplex``, or ``ipm`` followed by crossover).
    """
    lp = highspy.HighsLp()
    lp.num_col_ = int(cost.size)
    lp.num_row_ = int(row_lower.size)
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(cost.size)
    lp.col_upper_ = upper
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start.astype(np.int32)
    lp.a_matrix_.index_ = index.astype(np.int32)
    lp.a_matrix_.value_ = value.astype(np.float64)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", solver)
    if h.passModel(lp) != highspy.HighsStatus.kOk:
        raise ExactSolveFailed("HiGHS rejected the model")
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise ExactSolveFailed(f"HiGHS status {h.modelStatusToString(h.getModelStatus())}")
    return np.asarray(h.getSolution().col_value)


def _pools(diary: Diary, lanes: np.ndarray) -> np.ndarray:
    """Pool number of each lane: lanes sharing site, role and slot kind."""
    keys = np.column_stack([diary.site[lanes], diary.role[lanes], diary.kind[lanes]])
    _, pool = np.unique(keys, axis=0, return_inverse=True)
    return pool.reshape(-1)


def solve_component(classes: RequestClasses, diary: Diary, lanes: np.ndarray, team_share: float) -> Flows:
    """Optimal flows for the classes and lanes of one component (class indices are local to ``classes``)."""
    K, L, D = len(classes), lanes.size, diary.days
    free = diary.free[lanes]
    local = Diary(diary.clinician[lanes], diary.role[lanes], diary.site[lanes], diary.team[lanes],
                  diary.kind[lanes], free)
    elig = eligible(classes, local)
    win = window(classes, D)

    # Lane-day rows: only those with free slots.
    ld_row = np.full((L, D), -1, dtype=np.int64)
    ld_l, ld_d = np.nonzero(free > 0)
    ld_row[ld_l, ld_d] = np.arange(ld_l.size)
    n_ld = ld_l.size

    # Pools and their day rows.
    pool_of_lane = _pools(diary, lanes) if L else np.zeros(0, dtype=np.int64)
    G = int(pool_of_lane.max()) + 1 if L else 0
    pool_cap = np.zeros((G, D), dtype=np.int64)
    np.add.at(pool_cap, pool_of_lane, free)
    pool_row = np.full((G, D), -1, dtype=np.int64)
    pr_g, pr_d = np.nonzero(pool_cap > 0)
    pool_row[pr_g, pr_d] = np.arange(pr_g.size)
    n_pool = pr_g.size

    # Direct arcs: class -> lane-day where the class earns continuity (or must stay in its team).
    kl_k, kl_l = np.nonzero(elig)
    m = match(kl_k, kl_l, classes, local, team_share)
    special = ((m > 0) & (classes.value[kl_k] > 0)) | classes.team_only[kl_k]
    dk, dl, dm = kl_k[special], kl_l[special], m[special]
    open_days = win[dk] & (free[dl] > 0)
    p, x_d = np.nonzero(open_days)
    x_k, x_l = dk[p], dl[p]
    x_cost = classes.delay[x_k] * x_d - classes.value[x_k] * dm[p]

    # Pool arcs: class -> pool-day for classes free to use any lane of the pool.
    rep_lane = np.zeros(G, dtype=np.int64)
    rep_lane[pool_of_lane[::-1]] = np.arange(L)[::-1]
    pool_elig = elig[:, rep_lane] & ~classes.team_only[:, None] if G else np.zeros((K, 0), dtype=bool)
    gk, gg = np.nonzero(pool_elig)
    open_pool_days = win[gk] & (pool_cap[gg] > 0)
    p, y_d = np.nonzero(open_pool_days)
    y_k, y_g = gk[p], gg[p]
    y_cost = classes.delay[y_k] * y_d

    # Pass-through arcs: pool-day -> lane-day.
    z_l, z_d = ld_l, ld_d
    z_g = pool_of_lane[z_l]

    n_x, n_y, n_z = x_k.size, y_k.size, z_l.size
    pool_base, ld_base = K, K + n_pool
    cost = np.concatenate([x_cost, y_cost, np.zeros(n_z), classes.unmet_cost])
    upper = np.concatenate([np.full(n_x + n_y, np.inf), free[z_l, z_d].astype(np.float64),
                            classes.count.astype(np.float64)])
    index = np.concatenate([
        np.column_stack([x_k, ld_base + ld_row[x_l, x_d]]).ravel(),
        np.column_stack([y_k, pool_base + pool_row[y_g, y_d]]).ravel(),
        np.column_stack([pool_base + pool_row[z_g, z_d], ld_base + ld_row[z_l, z_d]]).ravel(),
        np.arange(K),
    ]).astype(np.int32)
    value = np.concatenate([np.ones(2 * (n_x + n_y)), np.tile([-1.0, 1.0], n_z), np.ones(K)])
    start = np.concatenate([[0], np.cumsum(np.concatenate([np.full(n_x + n_y + n_z, 2), np.ones(K, dtype=int)]))])
    row_lower = np.concatenate([classes.count.astype(np.float64), np.zeros(n_pool), np.full(n_ld, -np.inf)])
    row_upper = np.concatenate([classes.count.astype(np.float64), np.zeros(n_pool),
                                free[ld_l, ld_d].astype(np.float64)])

    sol = solve_lp(cost, upper, row_lower, row_upper, start, index, value)
    flow = np.rint(sol).astype(np.int64)
    if np.abs(sol - flow).max(initial=0.0) > _INTEGRAL_TOLERANCE:
        raise ExactSolveFailed("the min-cost flow solution is not integral")

    x_f, y_f, z_f = flow[:n_x], flow[n_x:n_x + n_y], flow[n_x + n_y:n_x + n_y + n_z]
    direct = Flows(x_k[x_f > 0], lanes[x_l[x_f > 0]], x_d[x_f > 0], x_f[x_f > 0])
    return Flows.concat([direct, _unpool(y_k, y_g, y_d, y_f, z_g, z_l, z_d, z_f, lanes)])


def _unpool(y_k, y_g, y_d, y_f, z_g, z_l, z_d, z_f, lanes) -> Flows:
    """Split each pool-day's inflow from classes over the lanes it passed flow to (all cost the same)."""
    if y_f.sum() == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Flows(empty, empty, empty, empty)
    days = int(max(y_d.max(initial=0), z_d.max(initial=0))) + 1
    in_key = np.repeat(y_g * days + y_d, y_f)
    in_cls = np.repeat(y_k, y_f)
    out_key = np.repeat(z_g * days + z_d, z_f)
    out_lane = np.repeat(z_l, z_f)
    out_day = np.repeat(z_d, z_f)
    a = np.argsort(in_key, kind="stable")
    b = np.argsort(out_key, kind="stable")
    if in_key.size != out_key.size or (in_key[a] != out_key[b]).any():
        raise ExactSolveFailed("pool flow is not conserved")
    units_cls, units_lane, units_day = in_cls[a], lanes[out_lane[b]], out_day[b]
    keys = np.column_stack([units_cls, units_lane, units_day])
    uniq, counts = np.unique(keys, axis=0, return_counts=True)
    return Flows(uniq[:, 0], uniq[:, 1], uniq[:, 2], counts)
