"""Greedy booking: classes in priority order, each taking its cheapest free slots.

Priority: earliest deadline first, then the highest delay cost, then the highest continuity
value. Within a class the cost of every open (lane, day) is computed at once and the cheapest
slots are filled in one step, so the loop runs over classes, never over requests.
"""

from __future__ import annotations

import numpy as np

from carenet.care.booking_classes import Flows, RequestClasses, eligible, match
from carenet.care.booking_inputs import Diary


def priority(classes: RequestClasses) -> np.ndarray:
    """Class indices in booking order."""
    return np.lexsort((-classes.value, -classes.delay, classes.deadline))


def solve_component(classes: RequestClasses, diary: Diary, lanes: np.ndarray, team_share: float) -> Flows:
    """Greedy flows for one component (class indices local to ``classes``)."""
    free = diary.free[lanes].copy()
    local = Diary(diary.clinician[lanes], diary.role[lanes], diary.site[lanes], diary.team[lanes],
                  diary.kind[lanes], free)
    elig = eligible(classes, local)
    out_k, out_l, out_d, out_n = [], [], [], []
    for k in priority(classes):
        lo, hi = int(classes.earliest[k]), int(classes.deadline[k])
        cand = np.flatnonzero(elig[k])
        if hi < lo or cand.size == 0:
            continue
        sub = free[cand, lo:hi + 1]
        open_l, open_d = np.nonzero(sub > 0)
        if open_l.size == 0:
            continue
        lane = cand[open_l]
        day = open_d + lo
        cost = classes.delay[k] * day - classes.value[k] * match(np.full(lane.size, k), lane, classes, local,
                                                                  team_share)
        order = np.lexsort((lane, day, cost))
        slots = sub[open_l, open_d][order]
        before = np.cumsum(slots) - slots
        take = np.clip(classes.count[k] - before, 0, slots)
        used = take > 0
        lane, day, take = lane[order][used], day[order][used], take[used]
        free[lane, day] -= take
        out_k.append(np.full(lane.size, k))
        out_l.append(lanes[lane])
        out_d.append(day)
        out_n.append(take)
    if not out_k:
        empty = np.zeros(0, dtype=np.int64)
        return Flows(empty, empty, empty, empty)
    return Flows(np.concatenate(out_k), np.concatenate(out_l), np.concatenate(out_d), np.concatenate(out_n))
