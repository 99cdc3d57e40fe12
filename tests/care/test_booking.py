"""Continuity-aware booking: feasibility, optimality against brute force, greedy's gap, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from carenet.care import (
    BookingCosts,
    BookingInputError,
    BookingRequests,
    Diary,
    allocate,
    booking_gap,
    hub_site,
    request_costs,
    role_mask,
    violations,
)

ROLES = 3  # gp, anp, practice_nurse: role indices 0..2


@st.composite
def instances(draw, max_requests=25, max_lanes=6, max_days=4):
    lanes = draw(st.integers(1, max_lanes))
    days = draw(st.integers(1, max_days))
    n = draw(st.integers(0, max_requests))
    sites = draw(st.integers(1, 2))
    ints = lambda lo, hi, size: draw(hnp.arrays(np.int64, size, elements=st.integers(lo, hi)))  # noqa: E731
    lane_site = ints(-1, sites - 1, lanes)  # -1 is hub 0
    diary = Diary.build(clinician=ints(0, 3, lanes), role=ints(0, ROLES - 1, lanes), site=lane_site,
                        free=ints(0, 3, (lanes, days)), team=ints(-1, 1, lanes), kind=ints(0, 1, lanes))
    team = ints(-1, 1, n)
    requests = BookingRequests.build(
        patient=np.arange(n), site=ints(0, sites - 1, n), allowed_roles=ints(1, 2**ROLES - 1, n),
        urgency=ints(0, 3, n), deadline=ints(0, days + 1, n), continuity_class=ints(0, 2, n),
        preferred=ints(-1, 3, n), team=team, team_only=draw(hnp.arrays(bool, n)) & (team >= 0),
        hub=ints(-1, 0, n), kind=ints(0, 1, n), earliest=ints(0, 2, n),
    )
    costs = BookingCosts(delay_per_day=np.array(draw(st.lists(st.sampled_from([0.5, 1.0, 3.0, 10.0]),
                                                              min_size=4, max_size=4))),
                         continuity_value=np.array([0.0, *draw(st.lists(st.sampled_from([0.5, 2.0, 8.0]),
                                                                        min_size=2, max_size=2))]),
                         team_share=draw(st.sampled_from([0.0, 0.5, 1.0])),
                         unmet_penalty=draw(st.sampled_from([0.0, 5.0])))
    return requests, diary, costs


def _open_slots_left(requests, diary, allocation) -> int:
    """Unbooked requests that still had a free lane-day open to them: must be none."""
    used = np.zeros_like(diary.free)
    booked = allocation.booked
    np.add.at(used, (allocation.lane[booked], allocation.day[booked]), 1)
    left = diary.free - used
    bad = 0
    for i in allocation.unmet:
        for lane in range(diary.lanes):
            role_ok = (requests.allowed_roles[i] >> diary.role[lane]) & 1
            hub_ok = requests.hub[i] >= 0 and diary.site[lane] == hub_site(int(requests.hub[i]))
            site_ok = diary.site[lane] == requests.site[i] or hub_ok
            team_ok = not requests.team_only[i] or diary.team[lane] == requests.team[i]
            if role_ok and site_ok and team_ok and diary.kind[lane] == requests.kind[i]:
                lo, hi = requests.earliest[i], min(requests.deadline[i], diary.days - 1)
                bad += int(left[lane, lo:hi + 1].sum() > 0)
    return bad


def _brute_force_optimum(requests, diary, costs) -> float:
    """Optimum by expanding every slot into a column of an assignment problem (scipy)."""
    optimize = pytest.importorskip("scipy.optimize")
    n = len(requests)
    slots = [(lane, d) for lane in range(diary.lanes) for d in range(diary.days) for _ in range(diary.free[lane, d])]
    big = 1e7
    cost = np.full((n, len(slots) + n), big)
    for j, (lane, d) in enumerate(slots):
        c = request_costs(requests, diary, costs, np.full(n, lane), np.full(n, d))
        hub_ok = (requests.hub >= 0) & (diary.site[lane] == hub_site(requests.hub))
        ok = (((requests.allowed_roles >> diary.role[lane]) & 1).astype(bool)
              & ((diary.site[lane] == requests.site) | hub_ok) & (diary.kind[lane] == requests.kind)
              & (~requests.team_only | (diary.team[lane] == requests.team))
              & (requests.earliest <= d) & (d <= requests.deadline))
        cost[ok, j] = c[ok]
    unmet = request_costs(requests, diary, costs, np.full(n, -1), np.full(n, -1))
    cost[np.arange(n), len(slots) + np.arange(n)] = unmet
    rows, cols = optimize.linear_sum_assignment(cost)
    return float(cost[rows, cols].sum())


@settings(max_examples=100, deadline=None)
@given(instances())
def test_both_modes_respect_capacity_scope_site_team_and_window(instance):
    requests, diary, costs = instance
    for mode in ("exact", "greedy"):
        allocation = allocate(requests, diary, costs, mode)
        assert violations(requests, diary, allocation) == []
        assert _open_slots_left(requests, diary, allocation) == 0
        assert allocation.cost == pytest.approx(
            request_costs(requests, diary, costs, allocation.lane, allocation.day).sum())


@settings(max_examples=100, deadline=None)
@given(instances())
def test_exact_is_the_optimum_and_never_worse_than_greedy(instance):
    requests, diary, costs = instance
    gap = booking_gap(requests, diary, costs)
    assert gap.exact.cost <= gap.greedy.cost + 1e-9
    assert gap.absolute >= -1e-9
    assert gap.exact.cost == pytest.approx(_brute_force_optimum(requests, diary, costs), abs=1e-6)


@settings(max_examples=30, deadline=None)
@given(instances())
def test_same_input_same_output(instance):
    requests, diary, costs = instance
    for mode in ("exact", "greedy"):
        a, b = allocate(requests, diary, costs, mode), allocate(requests, diary, costs, mode)
        assert np.array_equal(a.lane, b.lane) and np.array_equal(a.day, b.day)


def _one_practice(free_gp_a, free_gp_b):
    return Diary.build(clinician=[0, 1], role=[0, 0], site=[0, 0], free=np.array([free_gp_a, free_gp_b]), team=[0, 0])


def test_complex_patient_waits_for_named_gp_simple_patient_takes_first_slot():
    diary = _one_practice([0, 0, 1], [2, 0, 0])  # named GP 0 free only on day 2; GP 1 free today
    gp = role_mask(["gp"])
    requests = BookingRequests.build(patient=[1, 2], site=[0, 0], allowed_roles=[gp, gp], urgency=[2, 2],
                                     deadline=[9, 9], continuity_class=[1, 0], preferred=[0, 0])
    costs = BookingCosts(delay_per_day=np.array([10.0, 4.0, 1.0, 0.5]), continuity_value=np.array([0.0, 5.0]))
    for mode in ("exact", "greedy"):
        allocation = allocate(requests, diary, costs, mode)
        assert allocation.clinician.tolist() == [0, 1]
        assert allocation.day.tolist() == [2, 0]


def test_same_day_request_is_not_held_back_for_continuity():
    diary = _one_practice([0, 1, 0], [1, 0, 0])
    gp = role_mask(["gp"])
    requests = BookingRequests.build(patient=[1], site=[0], allowed_roles=[gp], urgency=[0], deadline=[0],
                                     continuity_class=[1], preferred=[0])
    costs = BookingCosts(delay_per_day=np.array([10.0, 4.0, 1.0, 0.5]), continuity_value=np.array([0.0, 5.0]))
    allocation = allocate(requests, diary, costs)
    assert (allocation.clinician[0], allocation.day[0]) == (1, 0)


def test_exact_beats_greedy_when_an_early_choice_blocks_a_later_one():
    # Request 0 (more urgent, so first) may see the GP or the nurse; request 1 only the GP, who is free
    # only today. Greedy gives request 0 the GP's slot and strands request 1.
    diary = Diary.build(clinician=[0, 1], role=[0, 2], site=[0, 0], free=np.array([[1, 0], [0, 1]]))
    requests = BookingRequests.build(patient=[1, 2], site=[0, 0],
                                     allowed_roles=[role_mask(["gp", "practice_nurse"]), role_mask(["gp"])],
                                     urgency=[0, 2], deadline=[1, 1])
    costs = BookingCosts(delay_per_day=np.array([10.0, 4.0, 1.0, 0.5]), continuity_value=np.array([0.0]),
                         unmet_penalty=100.0)
    gap = booking_gap(requests, diary, costs)
    assert gap.exact.unmet.size == 0 and gap.greedy.unmet.size == 1
    assert gap.absolute > 0


def test_unmet_requests_are_reported_not_dropped():
    diary = _one_practice([1, 0], [0, 0])
    gp = role_mask(["gp"])
    requests = BookingRequests.build(patient=[1, 2, 3], site=[0, 0, 0], allowed_roles=[gp] * 3,
                                     urgency=[0, 0, 2], deadline=[0, 0, 1])
    costs = BookingCosts(delay_per_day=np.array([10.0, 4.0, 1.0, 0.5]), continuity_value=np.array([0.0]))
    allocation = allocate(requests, diary, costs)
    assert allocation.booked.sum() == 1 and allocation.unmet.size == 2
    table = allocation.to_table(np.array([10, 11, 12]))
    assert table.column("day").null_count == 2


def test_team_only_requests_stay_in_the_team_even_if_that_means_waiting():
    diary = Diary.build(clinician=[0, 1], role=[0, 0], site=[0, 0], free=np.array([[0, 1], [1, 0]]), team=[0, 1])
    requests = BookingRequests.build(patient=[1], site=[0], allowed_roles=[role_mask(["gp"])], urgency=[2],
                                     deadline=[1], team=[0], team_only=[True])
    costs = BookingCosts(delay_per_day=np.array([10.0, 4.0, 1.0, 0.5]), continuity_value=np.array([0.0]))
    allocation = allocate(requests, diary, costs)
    assert (allocation.clinician[0], allocation.day[0]) == (0, 1)


def test_hub_lanes_serve_only_their_network():
    diary = Diary.build(clinician=[0, 1], role=[0, 0], site=[hub_site(0), hub_site(1)], free=np.array([[1], [1]]))
    gp = role_mask(["gp"])
    requests = BookingRequests.build(patient=[1, 2], site=[0, 5], allowed_roles=[gp, gp], urgency=[0, 0],
                                     deadline=[0, 0], hub=[1, -1])
    costs = BookingCosts(delay_per_day=np.array([10.0, 4.0, 1.0, 0.5]), continuity_value=np.array([0.0]))
    allocation = allocate(requests, diary, costs)
    assert allocation.clinician.tolist() == [1, -1]


def test_empty_batch_and_empty_diary():
    costs = BookingCosts(delay_per_day=np.ones(4), continuity_value=np.array([0.0]))
    empty = BookingRequests.build(patient=[], site=[], allowed_roles=[], urgency=[], deadline=[])
    diary = _one_practice([1], [1])
    assert allocate(empty, diary, costs).day.size == 0
    no_lanes = Diary.build(clinician=[], role=[], site=[], free=np.zeros((0, 3), dtype=int))
    one = BookingRequests.build(patient=[1], site=[0], allowed_roles=[1], urgency=[0], deadline=[0])
    allocation = allocate(one, no_lanes, costs)
    assert allocation.unmet.tolist() == [0]
    assert allocation.cost == pytest.approx(3.0)


@pytest.mark.parametrize(("build", "message"), [
    (lambda: Diary.build(clinician=[0], role=[99], site=[0], free=np.ones((1, 2))), "Diary.role"),
    (lambda: Diary.build(clinician=[0], role=[0], site=[0], free=-np.ones((1, 2))), "negative at lane 0"),
    (lambda: Diary.build(clinician=[0, 1], role=[0], site=[0], free=np.ones((2, 2))), "Diary.role has 1 entries"),
    (lambda: BookingRequests.build(patient=[1], site=[0], allowed_roles=[0], urgency=[0], deadline=[0]),
     "allowed_roles"),
    (lambda: BookingRequests.build(patient=[1], site=[0], allowed_roles=[1], urgency=[7], deadline=[0]), "urgency"),
    (lambda: BookingRequests.build(patient=[1], site=[0], allowed_roles=[1], urgency=[0], deadline=[0],
                                   team_only=[True]), "team_only"),
    (lambda: BookingCosts(delay_per_day=np.zeros(4), continuity_value=np.array([0.0])), "delay_per_day"),
    (lambda: BookingCosts(delay_per_day=np.ones(4), continuity_value=np.array([-1.0])), "continuity_value"),
    (lambda: role_mask(["surgeon"]), "surgeon"),
])
def test_bad_inputs_name_the_field(build, message):
    with pytest.raises(BookingInputError, match=message):
        build()


def test_continuity_class_beyond_costs_is_an_error():
    diary = _one_practice([1], [1])
    requests = BookingRequests.build(patient=[1], site=[0], allowed_roles=[1], urgency=[0], deadline=[0],
                                     continuity_class=[3])
    costs = BookingCosts(delay_per_day=np.ones(4), continuity_value=np.array([0.0]))
    with pytest.raises(BookingInputError, match="continuity_class"):
        allocate(requests, diary, costs)
    with pytest.raises(BookingInputError, match="mode"):
        allocate(requests, diary, costs, mode="fast")  # type: ignore[arg-type]
