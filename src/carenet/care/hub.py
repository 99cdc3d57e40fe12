"""The extended-hours hub: capacity shared by a network's practices, as booking lanes.

API::

    hub_lanes(hub, network_patients, hub_number, first_clinician, horizon_weekdays, session_minutes) -> HubLanes
    hub_requests(urgency, practice_hub, hub) -> np.ndarray   # each request's hub number, or NO_HUB

One lane per hub role, at site ``hub_site(hub_number)``: its weekly sessions are
``sessions_per_week_per_10k x network_patients / 10,000``, spread over the hub's open weekdays,
each session cut into slots of the role's usual length. Requests of the urgencies the hub takes
may be booked there as well as at their own practice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from carenet.care.booking_inputs import NO_HUB, NO_TEAM, Diary, hub_site
from carenet.care.capacity import daily_slots
from carenet.schema.codes import URGENCIES
from carenet.schema.roles import ROLE_CODES, ROLES_BY_CODE

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class HubRoleLike(Protocol):
    role: str
    sessions_per_week_per_10k: float


class HubLike(Protocol):
    roles: Sequence[HubRoleLike]
    days: Sequence[str]
    urgencies: Sequence[str]


@dataclass(frozen=True)
class HubLanes:
    """The hub's lanes, ready to append to a :class:`Diary` (clinician numbers from ``first_clinician``)."""

    diary: Diary
    sessions_per_week: np.ndarray


def hub_lanes(hub: HubLike, network_patients: int, hub_number: int, first_clinician: int,
              horizon_weekdays, session_minutes: float) -> HubLanes:
    """Lanes of one network's hub over the horizon (see the module docstring)."""
    roles = [h.role for h in hub.roles]
    sessions = np.array([h.sessions_per_week_per_10k * network_patients / 10_000 for h in hub.roles])
    minutes = np.array([ROLES_BY_CODE[r].usual_minutes for r in roles], dtype=np.float64)
    open_days = np.isin(np.arange(len(WEEKDAYS)), [WEEKDAYS.index(d) for d in hub.days])
    works = np.tile(open_days, (len(roles), 1))
    free = daily_slots(sessions, minutes, works, horizon_weekdays, session_minutes)
    n = len(roles)
    diary = Diary.build(clinician=first_clinician + np.arange(n), role=[ROLE_CODES.index(r) for r in roles],
                        site=np.full(n, hub_site(hub_number)), free=free, team=np.full(n, NO_TEAM))
    return HubLanes(diary=diary, sessions_per_week=sessions)


def hub_requests(urgency: np.ndarray, practice_hub: np.ndarray, hub: HubLike | None) -> np.ndarray:
    """Each request's hub (its practice's network hub) if the hub takes its urgency, else ``NO_HUB``."""
    urgency = np.asarray(urgency, dtype=np.int64)
    if hub is None:
        return np.full(urgency.shape, NO_HUB, dtype=np.int64)
    takes = np.isin(urgency, [URGENCIES.index(u) for u in hub.urgencies])
    return np.where(takes, np.asarray(practice_hub, dtype=np.int64), NO_HUB)
