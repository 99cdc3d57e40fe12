"""Booking for delivery models: triage and routing, then continuity-aware booking over the rolling horizon.

Each batch (a simulated day, or one request of a live service) is routed by the model's triage
strategy (:mod:`carenet.network.routing`), which gives each request the roles that may see it -
or, for a misrouted need, the wrong role it first reaches. :func:`carenet.care.allocate` then
books the whole batch into the lanes' free slots from today
to each request's deadline: same-day today, urgent within ``urgent_within_days``, routine within
the model's ``horizon_days``, planned work within its window; slots held for the day
(:mod:`carenet.network.diaries`) are only bookable on it. A booking longer than its slot (a
30-minute review in a 15-minute diary) takes the clinician's next free slots that day as well. The booking policy
(:mod:`carenet.network.policies`) says whom each request prefers and what that is worth; a
patient who prefers a particular GP waits for them whatever the policy. A team patient's
same-day and urgent needs may be covered outside the team (``network.booking.cover_outside_team``). A patient
held by a segment service with dedicated ``access`` is booked into the team's own diaries first (lanes of kind
:data:`~carenet.network.diaries.RESERVED`, which no one else may book); what the team cannot see in time, or
needs a role the team lacks, is booked in the practice's diaries as anyone's. Booking
mode ``compiled`` (the default) runs the care engine's greedy rule through
:func:`~carenet.network.compiled_booking.allocate_compiled`, which gives the same bookings faster;
``greedy`` and ``exact`` call :func:`carenet.care.allocate` itself.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from carenet.care import NO_HUB, BookingCosts, BookingRequests, Diary, allocate, hub_requests
from carenet.care.patients import cohort_mask
from carenet.network.compiled_booking import allocate_compiled
from carenet.network.diaries import LONG, RESERVED, STANDARD
from carenet.network.layout import Network
from carenet.network.policies import BookingPolicy, booking_policy
from carenet.network.requests import CHANNEL, NO_ROLE, URGENCY, Bookings, RequestBatch
from carenet.network.routing import TRIAGED_ORIGINS, Untriaged, rank_within, triage_for
from carenet.schema.codes import URGENCIES
from carenet.schema.roles import ROLE_CODES

PREFERS = 2
"""Continuity class of a request from a patient who prefers a particular GP (``network.choice``)."""


def booking_costs(network: Network, policy: BookingPolicy) -> BookingCosts:
    """The booking objective (``twin.booking``): continuity is worth what the policy says, and to patients who
    prefer a particular GP at least ``network.choice.wait_for_preferred_days`` of waiting."""
    rules = network.settings.booking
    value = policy.values(rules)
    value = np.append(value, max(network.settings.choice.wait_value_days, float(value.max(initial=0.0))))
    return BookingCosts(delay_per_day=rules.delay_per_day, continuity_value=value, team_share=rules.team_share,
                        unmet_penalty=rules.unmet_penalty)


class NetworkBooking:
    """Triage, routing and booking for a delivery model laid over a network, one batch of requests at a time.

    ``misroute_probability`` gives, by kind of first-contact triage, the share of needs taken for
    another type. After :meth:`book`, ``last_misrouted`` and ``last_waiting`` say which requests
    of the batch went to a wrong role and which wait for the triager; ``waited_for_triage`` counts the latter over
    every batch.
    """

    def __init__(self, setup: Network, misroute_probability: Mapping[str, float]):
        self.setup = setup
        model = setup.model
        self.policy = booking_policy(model.booking)
        self.triage = triage_for(setup, misroute_probability)
        self._untriaged = Untriaged(1.0 - misroute_probability["none"])
        self._self_booking = float(model.entry.self_booking)
        self.costs = booking_costs(setup, self.policy)
        self.last_misrouted = np.zeros(0, bool)
        self.last_waiting = np.zeros(0, bool)
        self.extra_slots = 0  # slots taken beyond the first by bookings longer than their slot
        self.overrun_slots = 0  # … that the clinician's day could not give
        self.waited_for_triage = 0  # requests held over because the triage desk's minutes ran out
        self._continuity_need = setup.settings.booking.continuity_needs
        self._cover = setup.settings.booking.cover_urgencies
        self._preferred = self.policy.preferred(setup)
        self._team = np.asarray(setup.panels.team, np.int64) if model.booking.team_only else self.policy.team(setup)
        self._team_only = model.booking.team_only & (self._team >= 0)
        long = model.booking.long_appointments
        self._long_patient = cohort_mask(long.cohort, setup.attributes) if long else np.zeros(len(setup.frame), bool)
        self._long_roles = np.isin(np.arange(len(ROLE_CODES)), [ROLE_CODES.index(r) for r in long.roles]) if long \
            else np.zeros(len(ROLE_CODES), bool)
        self._practice_hub = setup.practice_network
        dedicated = np.asarray([spec is not None and spec.access is not None for spec in setup.staff.teams.spec]
                               + [False], bool)  # the last entry stands for NO_TEAM
        self._panel_team = np.asarray(setup.panels.team, np.int64)
        self._dedicated = dedicated[self._panel_team]
        self._deadline = np.asarray([0, setup.settings.booking.urgent_within_days, model.booking.horizon_days,
                                     model.booking.horizon_days])  # by URGENCIES order
        if tuple(URGENCIES) != ("same_day", "urgent", "routine", "proactive"):
            raise ValueError("booking deadlines assume URGENCIES = same_day, urgent, routine, proactive")
        self._role_bit = np.left_shift(np.int64(1), np.arange(len(ROLE_CODES), dtype=np.int64))
        lanes = setup.lanes
        teams = max(len(setup.staff.teams.team_id), 1)
        self._team_roles = np.zeros(teams, np.int64)
        in_team = lanes.team >= 0
        np.bitwise_or.at(self._team_roles, lanes.team[in_team], self._role_bit[lanes.role[in_team]])

    # -- routing -------------------------------------------------------------------------------
    def _route(self, batch: RequestBatch, patient_practice: np.ndarray, rng: np.random.Generator):
        n = len(batch)
        allowed = np.zeros(n, np.int64)
        first = np.full(n, NO_ROLE, np.int64)
        fixed = batch.role >= 0
        allowed[fixed] = self._role_bit[batch.role[fixed]]
        first[fixed] = batch.role[fixed]
        routed = ~fixed
        table = self.setup.routing
        allowed[routed] = table.allowed[batch.need[routed]]
        first[routed] = table.first_choice[batch.need[routed]]
        to_triage = routed & np.isin(batch.origin, TRIAGED_ORIGINS)
        self_book = np.zeros(n, bool)
        if self._self_booking > 0:  # patients booking themselves online skip the triager
            self_book = to_triage & (batch.channel == CHANNEL["online"]) & (batch.urgency == URGENCY["routine"])
            self_book[self_book] = rng.random(int(self_book.sum())) < self._self_booking
        misrouted, waiting = self.triage.route(batch, patient_practice, table, to_triage & ~self_book, rng)
        if self_book.any():
            own, _ = self._untriaged.route(batch, patient_practice, table, self_book, rng)
            misrouted[self_book] = own[self_book]
        wrong = misrouted != NO_ROLE
        allowed[wrong] = self._role_bit[misrouted[wrong]]
        first[wrong] = misrouted[wrong]
        return allowed, first, misrouted, waiting

    # -- booking -------------------------------------------------------------------------------
    def book(self, day: int, batch: RequestBatch, rng: np.random.Generator) -> Bookings:
        n = len(batch)
        out = Bookings.unbooked(n)
        self.last_misrouted = np.zeros(n, bool)
        self.last_waiting = np.zeros(n, bool)
        if n == 0:
            return out
        setup = self.setup
        patient = batch.patient.astype(np.int64)
        practice = setup.frame.practice[patient].astype(np.int64)
        allowed, first, misrouted, waiting = self._route(batch, practice, rng)
        self.last_misrouted = misrouted != NO_ROLE
        self.last_waiting = waiting
        self.waited_for_triage += int(waiting.sum())
        waited = (day - batch.requested_day).clip(min=0) * (batch.window < 0)
        earliest = np.maximum(batch.earliest.astype(np.int64) - waited - np.where(
            batch.window >= 0, day - batch.requested_day.clip(min=0), 0), 0)
        deadline = np.where(batch.window >= 0, batch.window, self._deadline[batch.urgency]).astype(np.int64)
        deadline = np.maximum(deadline + np.where(batch.window >= 0, 0, batch.earliest) - waited, 0)
        deadline = np.minimum(deadline, setup.diary_days - 1 - day)
        earliest = np.minimum(earliest, deadline)
        long = self._long_patient[patient] & self._long_roles[np.maximum(first, 0)] & (first >= 0)
        long_bits = int(np.bitwise_or.reduce(self._role_bit[self._long_roles])) if self._long_roles.any() else 0
        team = self._team[patient]
        team_roles = np.where(team >= 0, self._team_roles[np.maximum(team, 0)], 0)
        team_only = self._team_only[patient] & ((allowed & team_roles) != 0) & ~self._cover[batch.urgency]
        allowed = np.where(team_only, allowed & team_roles, allowed)
        continuity_class = (setup.risk.complex[patient] | self._continuity_need[batch.need]).astype(np.int64)
        chooses = setup.prefers[patient] & (batch.urgency >= URGENCY["routine"])
        continuity_class = np.where(chooses, PREFERS, continuity_class)
        hub = hub_requests(batch.urgency, self._practice_hub[practice], setup.model.hub)
        todo = ~waiting & (allowed != 0)
        # A dedicated team's diaries first for its cohort, then ring-fenced long slots for the long-appointment cohort;
        # what finds none tries a standard slot.
        own_team = self._panel_team[patient]
        own_roles = np.where(own_team >= 0, self._team_roles[np.maximum(own_team, 0)], 0)
        dedicated = todo & self._dedicated[patient] & ((allowed & own_roles) != 0)
        for kind, wanted in ((RESERVED, dedicated), (LONG, todo & long), (STANDARD, todo)):
            rows = np.flatnonzero(wanted & (out.day < 0))
            if rows.size == 0:
                continue
            mask = allowed[rows] & (long_bits if kind == LONG else own_roles[rows] if kind == RESERVED else -1)
            in_team = own_team[rows] if kind == RESERVED else team[rows]
            requests = BookingRequests.build(
                patient[rows], practice[rows], mask, batch.urgency[rows], deadline[rows],
                continuity_class=continuity_class[rows], preferred=self._preferred[patient[rows]],
                team=in_team, team_only=np.full(rows.size, True) if kind == RESERVED else team_only[rows],
                hub=np.where(hub[rows] >= 0, hub[rows], NO_HUB), kind=np.full(rows.size, kind),
                earliest=earliest[rows])
            self._allocate(day, rows, requests, int(deadline[rows].max()) + 1, batch, out)
        return out

    def _occupy_length(self, cell: np.ndarray, minutes: np.ndarray, slot: np.ndarray) -> None:
        """A booking longer than its slot takes the clinician's next free slots that day too (a 30-minute review in
        a 15-minute diary is two slots); what the day cannot give is counted as ``overrun_slots``."""
        extra = np.where(minutes > slot, -(-minutes // np.maximum(slot, 1)) - 1, 0)
        more = extra > 0
        if not more.any():
            return
        cells, index = np.unique(cell[more], return_inverse=True)
        want = np.bincount(index, weights=extra[more]).astype(np.int64)
        flat = self.setup.lanes.free.reshape(-1)
        got = np.minimum(want, np.maximum(flat[cells], 0))
        flat[cells] -= got.astype(flat.dtype)
        self.extra_slots += int(got.sum())
        self.overrun_slots += int((want - got).sum())

    def _allocate(self, day: int, rows: np.ndarray, requests: BookingRequests, horizon: int, batch: RequestBatch,
                  out: Bookings) -> None:
        setup, lanes = self.setup, self.setup.lanes
        free = lanes.free[:, day:day + horizon].copy()
        free[:, 1:] = np.maximum(free[:, 1:] - lanes.held[:, day + 1:day + horizon], 0)  # held for their day
        diary = Diary.build(clinician=lanes.clinician, role=lanes.role, site=lanes.site, free=free, team=lanes.team,
                            kind=lanes.kind)
        if setup.booking_mode == "compiled":
            allocation = allocate_compiled(requests, diary, self.costs)
        else:
            allocation = allocate(requests, diary, self.costs, mode=setup.booking_mode)
        booked = allocation.day >= 0
        lane = allocation.lane[booked]
        when = day + allocation.day[booked]
        cell = lane * setup.diary_days + when
        position = lanes.capacity[lane, when] - lanes.free[lane, when] + rank_within(cell)
        taken, count = np.unique(cell, return_counts=True)
        lanes.free.reshape(-1)[taken] -= count.astype(lanes.free.dtype)
        hit = rows[booked]
        out.lane[hit] = lane
        out.clinician[hit] = lanes.clinician[lane]
        out.day[hit] = when
        slot = lanes.slot_minutes[lane].astype(np.int32)
        self._occupy_length(cell, batch.minutes[hit].astype(np.int32), slot)
        out.start_minute[hit] = np.minimum(position * slot, np.iinfo(np.int16).max)
        out.minutes[hit] = np.where(batch.minutes[hit] > 0, batch.minutes[hit], slot)


__all__ = ["PREFERS", "NetworkBooking", "booking_costs"]
