import numpy as np
import pytest

from carenet.params import parameter
from carenet.population.demography import (
    age_model,
    decile_probabilities,
    england_age_shares,
    household_deciles,
    practice_z,
    z_nodes,
)
from carenet.population.settings import settings


def _coarse(group: str) -> float:
    return next(r["share"] for r in parameter("population.age_structure_coarse") if r["group"] == group)


def test_single_year_ages_keep_every_published_band():
    shares = england_age_shares()
    assert shares.min() >= 0
    assert shares.sum() == pytest.approx(1.0)
    groups = ("census2021_EW_age_0_14", "census2021_EW_age_15_64", "census2021_EW_age_65_plus")
    total = sum(_coarse(g) for g in groups)
    assert shares[:15].sum() == pytest.approx(_coarse("census2021_EW_age_0_14"), abs=1e-9)
    assert shares[65:].sum() == pytest.approx(_coarse("census2021_EW_age_65_plus"), abs=1e-9)
    assert shares[90:].sum() == pytest.approx(_coarse("census2021_EW_age_90_plus"), abs=1e-9)
    assert shares[:18].sum() == pytest.approx(_coarse("registered_2019_20_age_under_18"), abs=1e-9)
    assert shares[50:].sum() == pytest.approx(_coarse("registered_2019_20_age_50_plus"), abs=1e-9)
    assert total == pytest.approx(1.0, abs=2e-3)


def test_ages_are_smooth_no_jump_over_a_fifth_between_neighbours_outside_band_edges():
    shares = england_age_shares()
    ratio = shares[1:90] / shares[:89]
    assert np.all((ratio > 0.8) & (ratio < 1.2))


def test_female_share_meets_census_and_rises_with_age():
    m = age_model()
    assert np.sum(m.england * m.female) == pytest.approx(settings().female_share, abs=1e-9)
    assert m.female[95] == pytest.approx(settings().female_share_90_plus)
    assert m.female[20] < 0.5 < m.female[85]


def test_deprivation_tilt_makes_deprived_practices_younger_and_the_mixture_is_england():
    m, s = age_model(), settings()
    deprived, affluent = m.shares(1.645), m.shares(-1.645)
    assert deprived[65:].sum() / affluent[65:].sum() == pytest.approx(s.older_share_ratio, rel=1e-3)
    nodes, weights = z_nodes()
    mixture = sum(w * m.shares(z) for z, w in zip(nodes, weights, strict=True))
    assert np.abs(mixture - m.england).max() < 1e-6


def test_practice_scores_map_to_normal_positions_and_unknown_is_average():
    s = settings()
    z = practice_z(np.array([s.practice_score_p5, s.practice_score_p95, np.nan]))
    assert z == pytest.approx([-1.6449, 1.6449, 0.0], abs=1e-3)


def test_household_deciles_are_uniform_over_england_and_follow_practice_deprivation():
    nodes, weights = z_nodes()
    national = weights @ decile_probabilities(nodes)
    assert national == pytest.approx(np.full(10, 0.1), abs=1e-3)
    rng = np.random.default_rng(0)
    deprived = household_deciles(1.5, 20_000, rng)
    affluent = household_deciles(-1.5, 20_000, rng)
    assert deprived.mean() < 4 < 7 < affluent.mean()
    assert deprived.min() >= 1 and affluent.max() <= 10
