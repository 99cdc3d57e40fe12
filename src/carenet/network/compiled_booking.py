"""The care engines' greedy booking with its inner loop compiled, for national-scale runs.

:func:`allocate_compiled` gives exactly the result of ``carenet.care.allocate(..., mode="greedy")``
- same classes (the care engine's own aggregation), same priority (earliest deadline, then
highest delay cost, then highest continuity value), same choice within a class (cheapest
cost ``delay × day − value × match``, then earliest day, then lowest lane), same hand-out of slots
to requests - but walks the classes in one compiled pass instead of a Python loop per class.
Classes of different practices never share a lane, so one pass in global priority order gives
every practice the flows its own pass would. The test suite checks the two agree request by
request.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from carenet.care import BookingCosts, BookingRequests, Diary, hub_site
from carenet.care.booking_classes import Flows, RequestClasses, assign_requests
from carenet.care.booking_greedy import priority
from carenet.care.booking_inputs import NO_CLINICIAN, NO_TEAM, check_inputs

_NO_SITE = np.iinfo(np.int64).min


@dataclass(frozen=True)
class CompiledAllocation:
    """Where each request was booked (``-1`` when unbooked), as :class:`carenet.care.Allocation` reports it."""

    lane: np.ndarray
    clinician: np.ndarray
    day: np.ndarray
    classes: int

    @property
    def booked(self) -> np.ndarray:
        return self.day >= 0


@njit(cache=True)
def _lexicographic(cost, day, lane):
    """Order of candidates by cost, then day, then lane (``np.lexsort((lane, day, cost))``)."""
    order = np.argsort(lane, kind="mergesort")
    order = order[np.argsort(day[order], kind="mergesort")]
    return order[np.argsort(cost[order], kind="mergesort")]


_PICKS_BEFORE_SORT = 8
"""Slot-days a class takes one by one before the rest of its candidates are sorted."""


@njit(cache=True)
def _first(cost, day, lane, m):
    """The candidate ``_lexicographic`` puts first (cost, then day, then lane), in one pass."""
    best = 0
    for q in range(1, m):
        if cost[q] < cost[best] or (cost[q] == cost[best] and (
                day[q] < day[best] or (day[q] == day[best] and lane[q] < lane[best]))):
            best = q
    return best


@njit(cache=True)
def _take(k, ln, day, left, free, n_out, out_cls, out_lane, out_day, out_count):
    """Class ``k`` takes what it still needs of slot-day (``ln``, ``day``) as flow ``n_out``; returns what is left."""
    take = min(left, free[ln, day])
    free[ln, day] -= take
    out_cls[n_out] = k
    out_lane[n_out] = ln
    out_day[n_out] = day
    out_count[n_out] = take
    return left - take


@njit(cache=True)
def _greedy(order, count, site, allowed, delay, value, preferred, team, team_only, hub_of, kind, earliest,
            deadline, lane_role, lane_kind, lane_team, lane_clinician, site_start, site_lanes, sites, no_site,
            free, team_share, out_cls, out_lane, out_day, out_count):
    n_out = 0
    days = free.shape[1]
    cand_lane = np.empty(site_lanes.size * days, np.int64)
    cand_day = np.empty(site_lanes.size * days, np.int64)
    cand_cost = np.empty(site_lanes.size * days, np.float64)
    for k in order:
        lo, hi = earliest[k], min(deadline[k], days - 1)
        if hi < lo:
            continue
        m = 0
        for which in range(2):
            s = site[k] if which == 0 else hub_of[k]
            if s == no_site:
                continue
            j = np.searchsorted(sites, s)
            if j >= sites.size or sites[j] != s:
                continue
            for p in range(site_start[j], site_start[j + 1]):
                ln = site_lanes[p]
                if lane_kind[ln] != kind[k] or ((allowed[k] >> lane_role[ln]) & 1) == 0:
                    continue
                if team_only[k] and lane_team[ln] != team[k]:
                    continue
                match = 0.0
                if preferred[k] >= 0 and lane_clinician[ln] == preferred[k]:
                    match = 1.0
                elif team[k] >= 0 and lane_team[ln] == team[k]:
                    match = team_share
                for day in range(lo, hi + 1):
                    if free[ln, day] > 0:
                        cand_lane[m] = ln
                        cand_day[m] = day
                        cand_cost[m] = delay[k] * day - value[k] * match
                        m += 1
        if m == 0:
            continue
        left = count[k]
        # Few slot-days fill most classes: pick the cheapest remaining one at a time, and sort only when many are
        # needed. Either way the class takes slot-days in (cost, day, lane) order.
        picks = 0
        while left > 0 and picks < _PICKS_BEFORE_SORT and m > 0:
            best = _first(cand_cost, cand_day, cand_lane, m)
            left = _take(k, cand_lane[best], cand_day[best], left, free, n_out, out_cls, out_lane, out_day, out_count)
            n_out += 1
            picks += 1
            m -= 1  # drop the slot-day taken: move the last candidate into its place
            cand_cost[best], cand_day[best], cand_lane[best] = cand_cost[m], cand_day[m], cand_lane[m]
        if left <= 0 or m == 0:
            continue
        for q in _lexicographic(cand_cost[:m], cand_day[:m], cand_lane[:m]):
            if left <= 0:
                break
            left = _take(k, cand_lane[q], cand_day[q], left, free, n_out, out_cls, out_lane, out_day, out_count)
            n_out += 1
    return n_out


def aggregate(requests: BookingRequests, costs: BookingCosts, horizon: int) -> RequestClasses:
    """The care engine's request classes (``carenet.care.booking_classes.aggregate``), built with one lexsort.

    Same keys, same class order (rows in ascending lexicographic order of the keys), same first
    member per class; ``np.unique(axis=0)`` is the slow part of a national day, so the grouping is
    done on sorted key columns instead.
    """
    value = costs.continuity_value[requests.continuity_class]
    delay = costs.delay_per_day[requests.urgency]
    earns = value > 0
    preferred = np.where(earns, requests.preferred, NO_CLINICIAN)
    team = np.where(requests.team_only | (earns & (costs.team_share > 0)), requests.team, NO_TEAM)
    deadline = np.minimum(requests.deadline, horizon - 1)
    keys = (requests.site, requests.allowed_roles, requests.urgency, requests.continuity_class, preferred, team,
            requests.team_only.astype(np.int64), requests.hub, requests.kind, requests.earliest, deadline)
    n = len(requests)
    order = np.lexsort(keys[::-1]) if n else np.zeros(0, np.int64)
    sorted_keys = np.column_stack([k[order] for k in keys]) if n else np.zeros((0, len(keys)), np.int64)
    starts = np.flatnonzero(np.r_[True, (sorted_keys[1:] != sorted_keys[:-1]).any(axis=1)]) if n else order
    inverse = np.empty(n, np.int64)
    inverse[order] = np.cumsum(np.r_[True, (sorted_keys[1:] != sorted_keys[:-1]).any(axis=1)]) - 1 if n else []
    first = order[starts]
    count = np.diff(np.r_[starts, n])
    uniq = sorted_keys[starts]
    delay_k = delay[first]
    return RequestClasses(
        of_request=inverse, count=count, site=uniq[:, 0], allowed=uniq[:, 1], delay=delay_k, value=value[first],
        preferred=uniq[:, 4], team=uniq[:, 5], team_only=uniq[:, 6].astype(bool), hub=uniq[:, 7], kind=uniq[:, 8],
        earliest=uniq[:, 9], deadline=uniq[:, 10], unmet_cost=delay_k * horizon + costs.unmet_penalty,
    )


def allocate_compiled(requests: BookingRequests, diary: Diary, costs: BookingCosts) -> CompiledAllocation:
    """Greedy booking identical to ``carenet.care.allocate(requests, diary, costs, mode="greedy")``."""
    check_inputs(requests, diary, costs)
    n = len(requests)
    classes = aggregate(requests, costs, diary.days)
    if n == 0 or diary.lanes == 0:
        empty = np.full(n, -1, np.int64)
        return CompiledAllocation(empty, empty.copy(), empty.copy(), len(classes))
    sites, lane_order = np.unique(diary.site, return_inverse=True)
    site_lanes = np.argsort(lane_order, kind="stable").astype(np.int64)
    site_start = np.searchsorted(lane_order[site_lanes], np.arange(sites.size + 1)).astype(np.int64)
    hub_of = np.where(classes.hub >= 0, hub_site(np.maximum(classes.hub, 0)), _NO_SITE).astype(np.int64)
    free = np.array(diary.free, dtype=np.int64)
    size = int(classes.count.sum()) + len(classes)
    out = [np.empty(size, np.int64) for _ in range(4)]
    used = _greedy(priority(classes).astype(np.int64), classes.count.astype(np.int64), classes.site, classes.allowed,
                   classes.delay.astype(np.float64), classes.value.astype(np.float64), classes.preferred, classes.team,
                   classes.team_only, hub_of, classes.kind, classes.earliest, classes.deadline, diary.role,
                   diary.kind, diary.team, diary.clinician, site_start, site_lanes, sites.astype(np.int64), _NO_SITE,
                   free, float(costs.team_share), *out)
    flows = Flows(*(o[:used] for o in out))
    lane, day = assign_requests(classes, flows, diary, n)
    clinician = np.where(lane >= 0, diary.clinician[np.maximum(lane, 0)], -1)
    return CompiledAllocation(lane, clinician, day, len(classes))


__all__ = ["CompiledAllocation", "aggregate", "allocate_compiled"]
