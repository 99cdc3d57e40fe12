"""Continuity-aware booking: place a day's requests in clinicians' free slots over a rolling horizon.

API::

    allocate(requests: BookingRequests, diary: Diary, costs: BookingCosts, mode="exact"|"greedy") -> Allocation
    booking_gap(requests, diary, costs) -> BookingGap      # greedy vs exact: the optimality gap
    request_costs(requests, diary, costs, lane, day) -> np.ndarray   # per-request cost of any placement
    violations(requests, diary, allocation) -> list[str]    # empty when the allocation is feasible

The objective, summed over requests: ``delay_per_day[urgency] x day - continuity_value[class] x
match`` for a booked request (``match`` 1 with the preferred clinician, ``team_share`` with another
member of the team), ``delay_per_day x horizon + unmet_penalty`` for one left unbooked. A request
may only go to a lane whose role is in its ``allowed_roles`` (scope of practice), at its own site
or its network's hub (``hub``), of its slot ``kind``, inside its team if ``team_only``, on a day in
``earliest..deadline``; no lane-day takes more requests than it has free slots. Requests that fit
nowhere are returned unbooked (``day == -1``) — the unmet demand the caller carries to tomorrow.

``mode="exact"`` solves the min-cost flow with HiGHS (optimal); ``mode="greedy"`` books classes
by deadline, delay cost and continuity value (fast, not optimal). Same inputs, same output: both
are deterministic.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa

from carenet.care import booking_exact, booking_greedy
from carenet.care.booking_classes import Flows, aggregate, assign_requests, components
from carenet.care.booking_inputs import (
    NO_HUB,
    BookingCosts,
    BookingInputError,
    BookingRequests,
    Diary,
    check_inputs,
    hub_site,
)

Mode = Literal["exact", "greedy"]
_SOLVERS = {"exact": booking_exact.solve_component, "greedy": booking_greedy.solve_component}


@dataclass(frozen=True)
class Allocation:
    """Where each request was booked: lane, clinician and horizon day, ``-1`` when unbooked."""

    lane: np.ndarray
    clinician: np.ndarray
    day: np.ndarray
    cost: float
    mode: str
    seconds: float
    classes: int

    @property
    def booked(self) -> np.ndarray:
        return self.day >= 0

    @property
    def unmet(self) -> np.ndarray:
        """Positions of the requests left unbooked."""
        return np.flatnonzero(self.day < 0)

    def to_table(self, request_id: np.ndarray | None = None) -> pa.Table:
        """One row per request: request, lane, clinician, day (nulls when unbooked)."""
        n = self.day.size
        ids = np.arange(n) if request_id is None else np.asarray(request_id)
        missing = ~self.booked
        return pa.table({
            "request": ids,
            "lane": pa.array(self.lane, mask=missing),
            "clinician": pa.array(self.clinician, mask=missing),
            "day": pa.array(self.day, mask=missing),
        })


@dataclass(frozen=True)
class BookingGap:
    """Greedy against exact on the same batch."""

    exact: Allocation
    greedy: Allocation

    @property
    def absolute(self) -> float:
        return self.greedy.cost - self.exact.cost

    @property
    def relative(self) -> float:
        """Gap as a share of the exact objective's magnitude (0 when both are 0)."""
        scale = abs(self.exact.cost)
        return self.absolute / scale if scale > 0 else (0.0 if self.absolute == 0 else float("inf"))


def allocate(requests: BookingRequests, diary: Diary, costs: BookingCosts, mode: Mode = "exact") -> Allocation:
    """Book ``requests`` into ``diary``'s free slots minimising the booking cost (see the module docstring)."""
    if mode not in _SOLVERS:
        raise BookingInputError(f"allocate: mode must be 'exact' or 'greedy', got {mode!r}")
    check_inputs(requests, diary, costs)
    started = time.perf_counter()
    n = len(requests)
    classes = aggregate(requests, costs, diary.days)
    parts = []
    for cls_idx, lane_idx in components(classes, diary):
        if lane_idx.size == 0:
            continue
        sub = classes.take(cls_idx)
        flows = _SOLVERS[mode](sub, diary, lane_idx, costs.team_share)
        parts.append(Flows(cls_idx[flows.cls], flows.lane, flows.day, flows.count))
    lane, day = assign_requests(classes, Flows.concat(parts), diary, n)
    clinician = np.where(lane >= 0, diary.clinician[np.maximum(lane, 0)] if diary.lanes else -1, -1)
    cost = float(request_costs(requests, diary, costs, lane, day).sum())
    return Allocation(lane=lane, clinician=clinician, day=day, cost=cost, mode=mode,
                      seconds=time.perf_counter() - started, classes=len(classes))


def request_costs(requests: BookingRequests, diary: Diary, costs: BookingCosts, lane: np.ndarray,
                  day: np.ndarray) -> np.ndarray:
    """Cost of each request's placement (``lane``/``day`` -1 = unbooked), computed from the requests alone."""
    delay = costs.delay_per_day[requests.urgency]
    value = costs.continuity_value[requests.continuity_class]
    booked = day >= 0
    safe = np.maximum(lane, 0)
    if diary.lanes == 0:
        return delay * diary.days + costs.unmet_penalty
    preferred = (requests.preferred >= 0) & (diary.clinician[safe] == requests.preferred)
    same_team = (requests.team >= 0) & (diary.team[safe] == requests.team)
    share = np.where(preferred, 1.0, np.where(same_team, costs.team_share, 0.0))
    return np.where(booked, delay * day - value * share, delay * diary.days + costs.unmet_penalty)


def violations(requests: BookingRequests, diary: Diary, allocation: Allocation) -> list[str]:
    """Every broken rule: over-booked lane-days, roles out of scope, wrong site/kind/team, days out of window."""
    out: list[str] = []
    booked = allocation.booked
    lane, day = allocation.lane[booked], allocation.day[booked]
    idx = np.flatnonzero(booked)
    if diary.lanes:
        used = np.zeros_like(diary.free)
        np.add.at(used, (lane, day), 1)
        over = np.argwhere(used > diary.free)
        out += [f"lane {l_} day {d}: {used[l_, d]} bookings for {diary.free[l_, d]} free slots" for l_, d in over]
    hub = requests.hub[idx]
    checks = (
        ("role outside its allowed roles", ((requests.allowed_roles[idx] >> diary.role[lane]) & 1).astype(bool)),
        ("booked at another site", (diary.site[lane] == requests.site[idx])
         | ((hub != NO_HUB) & (diary.site[lane] == hub_site(hub)))),
        ("wrong slot kind", diary.kind[lane] == requests.kind[idx]),
        ("booked outside its team", ~requests.team_only[idx] | (diary.team[lane] == requests.team[idx])),
        ("day outside its window", (day >= requests.earliest[idx]) & (day <= requests.deadline[idx])),
    )
    for what, ok in checks:
        out += [f"request {i}: {what}" for i in idx[~ok]]
    return out


def booking_gap(requests: BookingRequests, diary: Diary, costs: BookingCosts) -> BookingGap:
    """Solve the batch both ways and report how much worse greedy is than the optimum."""
    return BookingGap(exact=allocate(requests, diary, costs, "exact"),
                      greedy=allocate(requests, diary, costs, "greedy"))
