"""Request classes: requests that cost the same wherever they go are booked as one flow.

Two requests belong to one class when they share site, allowed roles, urgency, continuity value,
(effective) preferred clinician and team, team-only and hub flags, slot kind and day window. A
preference that earns nothing (value 0) is dropped from the key, so first-available booking
collapses a day's batch to a handful of classes. Both solvers work on classes and hand back
*flows* (class, lane, day, count), which :func:`assign_requests` turns into one slot per request.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from carenet.care.booking_inputs import NO_CLINICIAN, NO_TEAM, BookingCosts, BookingRequests, Diary, hub_site

_NO_SITE = np.iinfo(np.int64).min
"""A site number no lane has: what a request without a hub matches as its hub."""


@dataclass(frozen=True)
class RequestClasses:
    """One row per class, plus each request's class."""

    of_request: np.ndarray
    count: np.ndarray
    site: np.ndarray
    allowed: np.ndarray
    delay: np.ndarray
    value: np.ndarray
    preferred: np.ndarray
    team: np.ndarray
    team_only: np.ndarray
    hub: np.ndarray
    kind: np.ndarray
    earliest: np.ndarray
    deadline: np.ndarray
    unmet_cost: np.ndarray

    def __len__(self) -> int:
        return int(self.count.shape[0])

    def take(self, index: np.ndarray) -> RequestClasses:
        """The classes at ``index`` (``of_request`` is left as is: it is only used on the full set)."""
        fields = {f: getattr(self, f)[index] for f in self.__dataclass_fields__ if f != "of_request"}
        return RequestClasses(of_request=self.of_request, **fields)


@dataclass(frozen=True)
class Flows:
    """How many requests of each class go to each lane on each day."""

    cls: np.ndarray
    lane: np.ndarray
    day: np.ndarray
    count: np.ndarray

    @staticmethod
    def concat(parts: list[Flows]) -> Flows:
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return Flows(empty, empty, empty, empty)
        return Flows(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("cls", "lane", "day", "count")))


def aggregate(requests: BookingRequests, costs: BookingCosts, horizon: int) -> RequestClasses:
    """Group requests into classes; deadlines beyond the horizon are clipped to its last day."""
    value = costs.continuity_value[requests.continuity_class]
    delay = costs.delay_per_day[requests.urgency]
    earns = value > 0
    preferred = np.where(earns, requests.preferred, NO_CLINICIAN)
    team_counts = requests.team_only | (earns & (costs.team_share > 0))
    team = np.where(team_counts, requests.team, NO_TEAM)
    deadline = np.minimum(requests.deadline, horizon - 1)
    keys = np.column_stack([
        requests.site, requests.allowed_roles, requests.urgency, requests.continuity_class, preferred, team,
        requests.team_only.astype(np.int64), requests.hub, requests.kind, requests.earliest,
        deadline,
    ])
    if keys.shape[0] == 0:
        keys = keys.reshape(0, 11)
    uniq, first, inverse, count = np.unique(keys, axis=0, return_index=True, return_inverse=True,
                                            return_counts=True)
    delay_k = delay[first]
    return RequestClasses(
        of_request=inverse.reshape(-1), count=count, site=uniq[:, 0], allowed=uniq[:, 1], delay=delay_k,
        value=value[first], preferred=uniq[:, 4], team=uniq[:, 5], team_only=uniq[:, 6].astype(bool),
        hub=uniq[:, 7], kind=uniq[:, 8], earliest=uniq[:, 9], deadline=uniq[:, 10],
        unmet_cost=delay_k * horizon + costs.unmet_penalty,
    )


def eligible(classes: RequestClasses, diary: Diary) -> np.ndarray:
    """Classes x lanes: the lane's role, site, slot kind and team are open to the class."""
    role_ok = ((classes.allowed[:, None] >> diary.role[None, :]) & 1).astype(bool)
    own_hub = np.where(classes.hub >= 0, hub_site(classes.hub), _NO_SITE)
    site_ok = (diary.site[None, :] == classes.site[:, None]) | (diary.site[None, :] == own_hub[:, None])
    kind_ok = diary.kind[None, :] == classes.kind[:, None]
    team_ok = ~classes.team_only[:, None] | (diary.team[None, :] == classes.team[:, None])
    return role_ok & site_ok & kind_ok & team_ok


def match(cls: np.ndarray, lane: np.ndarray, classes: RequestClasses, diary: Diary, team_share: float) -> np.ndarray:
    """Share of the continuity value earned by class ``cls`` in lane ``lane`` (element-wise)."""
    preferred = (classes.preferred[cls] >= 0) & (diary.clinician[lane] == classes.preferred[cls])
    same_team = (classes.team[cls] >= 0) & (diary.team[lane] == classes.team[cls])
    return np.where(preferred, 1.0, np.where(same_team, team_share, 0.0))


def window(classes: RequestClasses, days: int) -> np.ndarray:
    """Classes x days: the day lies within the class's earliest..deadline window."""
    d = np.arange(days)
    return (d[None, :] >= classes.earliest[:, None]) & (d[None, :] <= classes.deadline[:, None])


def components(classes: RequestClasses, diary: Diary) -> list[tuple[np.ndarray, np.ndarray]]:
    """Independent sub-problems: (class indices, lane indices), one per practice, merged through shared hubs."""
    class_hub_site = np.where(classes.hub >= 0, hub_site(classes.hub), 0)
    nodes = np.unique(np.concatenate([classes.site, diary.site, class_hub_site[classes.hub >= 0]]))
    parent = np.arange(nodes.size)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    edges = np.unique(np.column_stack([classes.site, class_hub_site])[classes.hub >= 0], axis=0)
    for a, b in np.searchsorted(nodes, edges):
        ra, rb = root(int(a)), root(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    label = np.array([root(i) for i in range(nodes.size)], dtype=np.int64)
    class_group = label[np.searchsorted(nodes, classes.site)]
    lane_group = label[np.searchsorted(nodes, diary.site)]
    return [(np.flatnonzero(class_group == g), np.flatnonzero(lane_group == g)) for g in np.unique(class_group)]


def assign_requests(classes: RequestClasses, flows: Flows, diary: Diary, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Give each request one slot of its class's flows: earlier requests get earlier days. Returns (lane, day)."""
    lane_of = np.full(n, -1, dtype=np.int64)
    day_of = np.full(n, -1, dtype=np.int64)
    if n == 0 or flows.count.size == 0:
        return lane_of, day_of
    unit_cls = np.repeat(flows.cls, flows.count)
    unit_lane = np.repeat(flows.lane, flows.count)
    unit_day = np.repeat(flows.day, flows.count)
    order = np.lexsort((unit_lane, unit_day, unit_cls))
    unit_cls, unit_lane, unit_day = unit_cls[order], unit_lane[order], unit_day[order]
    req_order = np.argsort(classes.of_request, kind="stable")
    req_cls = classes.of_request[req_order]
    start_req = np.searchsorted(req_cls, np.arange(len(classes)))
    start_unit = np.searchsorted(unit_cls, np.arange(len(classes)))
    rank = np.arange(unit_cls.size) - start_unit[unit_cls]
    target = req_order[start_req[unit_cls] + rank]
    lane_of[target] = unit_lane
    day_of[target] = unit_day
    return lane_of, day_of
