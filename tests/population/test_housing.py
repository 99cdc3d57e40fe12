"""Homelessness in the synthetic population: the published national share, more of it where deprivation is higher."""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pytest

from carenet.params import parameter
from carenet.population import demo_networks, demo_practices, synthesise
from carenet.population.housing import homeless_rates

PREVALENCE = float(parameter("synthetic_population.homelessness.prevalence.value"))
RATIO = float(parameter("synthetic_population.homelessness.deprivation_ratio.value"))


def test_the_rates_average_to_the_national_share_and_fall_with_affluence():
    rates = homeless_rates()
    assert rates.mean() == pytest.approx(PREVALENCE, rel=1e-12)
    assert rates[0] / rates[-1] == pytest.approx(RATIO, rel=1e-12)
    assert np.all(np.diff(rates) < 0)


@pytest.fixture(scope="module")
def population():
    """Two practices at the deprived and affluent ends of England, 8,000 patients."""
    practices = pa.table({"practice_id": ["H00001", "H00002"], "name": ["Deprived", "Affluent"],
                          "network_id": [None, None], "imd_score": [45.0, 8.0], "list_size": [4000, 4000],
                          "postcode": [None, None]})
    return synthesise(practices, seed=3)["patients"]


def _arrays(patients):
    flag = patients["homeless"].to_numpy(zero_copy_only=False).astype(bool)
    decile = patients["deprivation_decile"].to_numpy()
    household = np.unique(patients["household_id"].to_numpy(zero_copy_only=False), return_inverse=True)[1]
    return flag, decile, household


def test_prevalence_matches_the_rate_for_its_deciles_within_sampling_error(population):
    flag, decile, household = _arrays(population)
    assert not population["homeless"].null_count
    expected_each = homeless_rates()[decile - 1]
    # Households are drawn whole: the variance is of household sizes times a Bernoulli each.
    size = np.bincount(household)
    p_household = np.zeros(size.size)
    p_household[household] = expected_each
    n = flag.size
    se = np.sqrt((size**2 * p_household * (1 - p_household)).sum()) / n
    assert abs(flag.mean() - expected_each.mean()) < 4 * se
    assert 20 < flag.sum() < 200
    for h in np.unique(household[flag]):  # a household is homeless as a whole
        assert flag[household == h].all()


def test_more_people_are_homeless_in_deprived_deciles(population):
    flag, decile, _ = _arrays(population)
    deprived, affluent = flag[decile <= 3].mean(), flag[decile >= 8].mean()
    assert deprived > 2 * affluent
    by_practice = [flag[population["practice_id"].to_numpy(zero_copy_only=False) == p].mean()
                   for p in ("H00001", "H00002")]
    assert by_practice[0] > by_practice[1]


BEFORE_HOUSING = "a55e97baf6d1ff564558da65ae72730e8327c5482998f192b78a800fc288e56e"
"""Digest of the demo network's patients, conditions and panels (seed 4, 1,500 patients) as generated before the
homelessness flag was added."""


def test_the_flag_has_its_own_stream_so_every_other_column_is_as_before():
    tables = synthesise(demo_practices(), demo_networks(), seed=4, patients=1500)
    digest = hashlib.sha256()
    for name in ("patients", "conditions", "panels"):
        table = tables[name]
        table = table.drop_columns(["homeless"]) if "homeless" in table.column_names else table
        for column in table.column_names:
            digest.update(str(table[column].to_pylist()).encode())
    assert digest.hexdigest() == BEFORE_HOUSING
    again = synthesise(demo_practices(), demo_networks(), seed=4, patients=1500)["patients"]["homeless"]
    assert again.equals(tables["patients"]["homeless"])
