"""The backlog response: a practice whose diary for a role is booked up for the week ahead adds a session.

Worked by hand on a two-practice diary: what triggers a session, how big it is, where it goes, and what
is never flexed (hub and long-appointment lanes, a day with nobody at work).
"""

from __future__ import annotations

import numpy as np

from carenet.network.diaries import LONG, STANDARD, Lanes
from carenet.network.settings import NetworkSettings, SurgeSettings
from carenet.network.surge import BacklogResponse
from carenet.schema.roles import ROLE_CODES

GP, NURSE = ROLE_CODES.index("gp"), ROLE_CODES.index("practice_nurse")
DAYS = 12
SETTINGS = SurgeSettings(trigger_booked_share=0.9, look_ahead_days=5, lead_days=3, max_extra_share=0.12)


def _lanes(site, role, kind, capacity_per_day):
    n = len(site)
    capacity = np.repeat(np.asarray(capacity_per_day, np.int32)[:, None], DAYS, axis=1)
    return Lanes(clinician=np.arange(n), role=np.asarray(role, np.int64), site=np.asarray(site, np.int64),
                 team=np.full(n, -1, np.int64), kind=np.asarray(kind, np.int64),
                 slot_minutes=np.full(n, 10, np.int16), capacity=capacity, free=capacity.copy(),
                 held=np.zeros_like(capacity))


def _book_up(lanes, rows, share):
    """Book ``share`` of every day's slots of ``rows`` (the day's held slots stay free)."""
    for r in rows:
        lanes.free[r] = lanes.capacity[r] - np.floor(lanes.capacity[r] * share).astype(np.int32)


def test_a_booked_up_role_gets_a_session_on_the_lead_day_at_its_busiest_clinician():
    # Practice 0: two GPs (20 and 30 slots a day) and a nurse; practice 1: one GP.
    lanes = _lanes(site=[0, 0, 0, 1], role=[GP, GP, NURSE, GP], kind=[STANDARD] * 4, capacity_per_day=[20, 30, 25, 20])
    _book_up(lanes, [0, 1], 0.95)  # practice 0's GPs booked up for the week ahead
    _book_up(lanes, [2, 3], 0.5)  # its nurse and practice 1's GP are not
    surge = BacklogResponse(lanes, SETTINGS)
    before = lanes.capacity.copy()
    surge.respond(day=2)
    added = lanes.capacity - before
    # 12% of the GPs' 50 slots a day is a session of 6, on day 2 + 3 = 5, for the GP with the most slots.
    assert added[1, 5] == 6
    assert added.sum() == 6
    assert lanes.free[1, 5] == before[1, 5] - np.floor(30 * 0.95) + 6
    assert surge.added[GP] == 6 and surge.added.sum() == 6


def test_below_the_trigger_nothing_is_added():
    lanes = _lanes(site=[0, 0], role=[GP, NURSE], kind=[STANDARD] * 2, capacity_per_day=[20, 20])
    _book_up(lanes, [0, 1], 0.85)
    surge = BacklogResponse(lanes, SETTINGS)
    before = lanes.capacity.copy()
    for day in range(DAYS):
        surge.respond(day)
    assert (lanes.capacity == before).all()
    assert surge.added.sum() == 0


def test_held_slots_are_left_out_of_the_booked_share():
    # 20 slots a day, 6 held for the day: 13 of the 14 bookable ahead booked is 93% booked, over the trigger,
    # though only 65% of all slots are.
    lanes = _lanes(site=[0], role=[GP], kind=[STANDARD], capacity_per_day=[20])
    lanes.held[:] = 6
    lanes.free[:] = 7
    surge = BacklogResponse(lanes, SETTINGS)
    surge.respond(day=0)
    assert lanes.capacity[0, 3] == 20 + 2  # 12% of 20 slots, rounded


def test_hub_and_long_lanes_are_never_flexed_and_nobody_away_gets_a_session():
    lanes = _lanes(site=[-1, 0, 0], role=[GP, GP, GP], kind=[STANDARD, LONG, STANDARD], capacity_per_day=[20, 20, 20])
    _book_up(lanes, [0, 1, 2], 1.0)
    lanes.capacity[2, 5] = 0  # the practice's only standard-lane GP is away on the lead day
    lanes.free[2, 5] = 0
    surge = BacklogResponse(lanes, SETTINGS)
    before = lanes.capacity.copy()
    surge.respond(day=2)
    assert (lanes.capacity == before).all()
    surge.respond(day=3)  # the next day's lead day has the GP back: a session for the practice's own lane only
    assert lanes.capacity[2, 6] == before[2, 6] + 2
    assert (lanes.capacity[:2] == before[:2]).all()


def test_a_share_of_zero_turns_the_response_off():
    lanes = _lanes(site=[0], role=[GP], kind=[STANDARD], capacity_per_day=[20])
    _book_up(lanes, [0], 1.0)
    surge = BacklogResponse(lanes, SurgeSettings(0.9, 5, 3, 0.0))
    assert not surge.enabled
    before = lanes.capacity.copy()
    surge.respond(0)
    assert (lanes.capacity == before).all()


def test_the_calibrated_settings_are_read_from_the_parameters():
    surge = NetworkSettings.from_parameters().surge
    assert 0 < surge.trigger_booked_share <= 1 and surge.max_extra_share > 0
    assert surge.look_ahead_days >= 1 and surge.lead_days >= 1
