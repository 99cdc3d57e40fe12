"""The compiled greedy booking gives exactly the care engine's greedy bookings."""

from __future__ import annotations

import numpy as np
import pytest

from carenet.care import BookingCosts, BookingRequests, Diary, allocate, hub_site
from carenet.care.booking_classes import aggregate as care_aggregate
from carenet.models import load_model
from carenet.network.compiled_booking import aggregate, allocate_compiled
from carenet.twin import run_model


def _random_problem(seed: int):
    rng = np.random.default_rng(seed)
    lanes, days, n = 40, 8, 300
    site = rng.integers(0, 3, lanes)
    site[rng.random(lanes) < 0.15] = hub_site(0)
    diary = Diary.build(clinician=np.arange(lanes) // 2 + rng.integers(0, 2, lanes), role=rng.integers(0, 4, lanes),
                        site=site, free=rng.integers(0, 4, (lanes, days)), team=rng.integers(-1, 4, lanes),
                        kind=(rng.random(lanes) < 0.2).astype(int))
    team = rng.integers(-1, 4, n)
    requests = BookingRequests.build(
        rng.integers(0, 500, n), rng.integers(0, 3, n), rng.integers(1, 16, n), rng.integers(0, 4, n),
        rng.integers(0, days + 2, n), continuity_class=rng.integers(0, 2, n), preferred=rng.integers(-1, 20, n),
        team=team, team_only=(team >= 0) & (rng.random(n) < 0.3), hub=np.where(rng.random(n) < 0.3, 0, -1),
        kind=(rng.random(n) < 0.15).astype(int), earliest=rng.integers(0, 2, n))
    costs = BookingCosts(delay_per_day=np.array([20.0, 5.0, 1.0, 0.5]), continuity_value=np.array([1.0, 5.0]),
                         team_share=0.5, unmet_penalty=50.0)
    return requests, diary, costs


@pytest.mark.parametrize("seed", range(8))
def test_same_classes_and_same_bookings_as_the_care_engine(seed):
    requests, diary, costs = _random_problem(seed)
    mine, theirs = aggregate(requests, costs, diary.days), care_aggregate(requests, costs, diary.days)
    for field in theirs.__dataclass_fields__:
        assert np.array_equal(getattr(mine, field), getattr(theirs, field)), field
    care = allocate(requests, diary, costs, mode="greedy")
    compiled = allocate_compiled(requests, diary, costs)
    assert care.booked.any() and (~care.booked).any()  # a problem with both outcomes
    assert np.array_equal(compiled.lane, care.lane) and np.array_equal(compiled.day, care.day)
    assert np.array_equal(compiled.clinician, care.clinician)


def test_a_model_run_books_the_same_either_way(small_population, run_start):
    model = load_model("federation_hub")  # hub lanes shared by the network's practices
    compiled = run_model(model, small_population, start=run_start, days=6, seed=8, booking_mode="compiled")
    care = run_model(model, small_population, start=run_start, days=6, seed=8, booking_mode="greedy")
    for name in ("lane", "day", "clinician"):
        assert np.array_equal(getattr(compiled.record.bookings, name), getattr(care.record.bookings, name)), name
