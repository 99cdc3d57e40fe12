"""Backlog response: a practice adds sessions when a role's diary is booked up weeks ahead.

Practices do not watch their routine waits grow all winter: when a role's diaries fill, partners
and salaried clinicians work extra sessions and ad-hoc locums are booked. Neither shows in the
establishment the model's ``workforce`` gives (NHS Digital's workforce FTE leaves out ad-hoc locums
and overtime, which is common and unrecorded), so the network layer adds it as a response:

* each working day, for each practice and role, the share of the slots bookable ahead over the next
  ``look_ahead_days`` working days that are already booked is compared with ``trigger_booked_share``;
* at or above it, the practice adds one session's worth of that role's slots - at most
  ``max_extra_share`` of the role's mean daily slots - on the day ``lead_days`` ahead, to the
  clinician of that role with the most slots that day (someone at work doing an extra session; no
  one at work, no extra session).

The added slots are bookable ahead like the rest and stay in the diaries, so utilisation and the
written diaries count them. Hub lanes and long-appointment lanes are left alone (a hub's rota and a
ring-fenced clinic are planned, not flexed). Figures: ``network.capacity.backlog_response``.
"""

from __future__ import annotations

import numpy as np

from carenet.network.diaries import STANDARD, Lanes
from carenet.network.settings import SurgeSettings
from carenet.schema.roles import ROLE_CODES


class BacklogResponse:
    """Extra sessions for practice roles whose diaries are booked up (see the module docstring)."""

    def __init__(self, lanes: Lanes, settings: SurgeSettings):
        self._lanes = lanes
        self._settings = settings
        eligible = (lanes.site >= 0) & (lanes.kind == STANDARD)
        self._rows = np.flatnonzero(eligible)
        key = lanes.site[self._rows] * len(ROLE_CODES) + lanes.role[self._rows]
        self._keys, self._group = np.unique(key, return_inverse=True)
        groups = len(self._keys)
        days = max(lanes.capacity.shape[1], 1)
        daily = np.bincount(self._group, weights=lanes.capacity[self._rows].sum(axis=1) / days, minlength=groups)
        self._extra = np.floor(daily * settings.max_extra_share + 0.5).astype(np.int32)
        self.added = np.zeros(len(ROLE_CODES), np.int64)  # slots added over the run, by role code

    @property
    def enabled(self) -> bool:
        return self._settings.max_extra_share > 0 and self._rows.size > 0 and bool((self._extra > 0).any())

    def respond(self, day: int) -> None:
        """Look at the diaries as they stand at the start of working day ``day`` and add the sessions due."""
        if not self.enabled:
            return
        lanes, settings = self._lanes, self._settings
        horizon = lanes.capacity.shape[1]
        target = day + settings.lead_days
        stop = min(day + 1 + settings.look_ahead_days, horizon)
        if target >= horizon or stop <= day + 1:
            return
        rows = self._rows
        window = slice(day + 1, stop)
        ahead = (lanes.capacity[rows, window] - lanes.held[rows, window]).sum(axis=1)
        booked = (lanes.capacity[rows, window] - lanes.free[rows, window]).sum(axis=1)
        groups = len(self._keys)
        share = np.bincount(self._group, weights=booked, minlength=groups) / np.maximum(
            np.bincount(self._group, weights=ahead, minlength=groups), 1.0)
        due = (share >= settings.trigger_booked_share) & (self._extra > 0)
        if not due.any():
            return
        slots = lanes.capacity[rows, target]
        # the lane of each due group with the most slots on the target day (first lane on a tie)
        order = np.lexsort((-slots, self._group))
        first = np.ones(order.size, bool)
        first[1:] = self._group[order][1:] != self._group[order][:-1]
        best = order[first]  # one lane per group, in group order
        chosen = due[self._group[best]] & (slots[best] > 0)
        lane = rows[best[chosen]]
        extra = self._extra[self._group[best[chosen]]]
        lanes.capacity[lane, target] += extra
        lanes.free[lane, target] += extra
        np.add.at(self.added, lanes.role[lane], extra)


__all__ = ["BacklogResponse"]
