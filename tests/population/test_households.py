import numpy as np
import pyarrow.compute as pc
import pytest

from carenet.population.demography import age_model
from carenet.population.households import build_households, match_by_age
from carenet.population.settings import settings


def _people(n: int, seed: int):
    m = age_model()
    rng = np.random.default_rng(seed)
    age = rng.choice(len(m.base), size=n, p=m.shares(0.0))
    female = rng.random(n) < m.female[age]
    return age, female, rng


def test_every_child_lives_with_an_adult():
    age, female, rng = _people(20_000, 1)
    household = build_households(age, female, rng)
    has_adult = np.zeros(household.max() + 1, dtype=bool)
    has_adult[household[age >= settings().adult_age]] = True
    assert has_adult[household[age < settings().adult_age]].all()


def test_household_sizes_are_realistic():
    s = settings()
    age, female, rng = _people(50_000, 2)
    sizes = np.bincount(build_households(age, female, rng))
    assert (sizes >= 1).all()
    assert np.mean(sizes == 1) == pytest.approx(s.one_person_share, abs=0.02)
    assert len(age) / len(sizes) == pytest.approx(s.mean_household_size, abs=0.15)
    assert sizes.max() <= 12


def test_parents_are_old_enough_for_their_children():
    age, female, rng = _people(20_000, 3)
    household = build_households(age, female, rng)
    kids = age < 18
    eldest_child = np.zeros(household.max() + 1)
    np.maximum.at(eldest_child, household[kids], age[kids])
    oldest = np.zeros(household.max() + 1)
    np.maximum.at(oldest, household, age)
    with_kids = eldest_child > 0
    gap = (oldest - eldest_child)[with_kids]
    assert np.median(gap) > 20


def test_matching_by_age_is_distinct_and_close():
    rng = np.random.default_rng(4)
    pool = rng.integers(18, 90, 5_000).astype(float)
    targets = rng.normal(45, 8, 1_000)
    got = match_by_age(targets, pool, rng)
    assert (got >= 0).all() and len(np.unique(got)) == len(got)
    assert np.mean(np.abs(pool[got] - targets)) < 1.5
    short = match_by_age(targets, pool[:10], rng)
    assert (short >= 0).sum() == 10 and len(np.unique(short[short >= 0])) == 10


def test_households_share_deprivation_and_practice(demo_tables):
    patients = demo_tables["patients"]
    per_household = patients.group_by("household_id").aggregate(
        [("deprivation_decile", "count_distinct"), ("practice_id", "count_distinct")])
    assert pc.max(per_household["deprivation_decile_count_distinct"]).as_py() == 1
    assert pc.max(per_household["practice_id_count_distinct"]).as_py() == 1
