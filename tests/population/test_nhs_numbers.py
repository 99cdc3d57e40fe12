import dataclasses
import importlib
import json

import numpy as np
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nhs_number import is_valid

from carenet.params import parameter
from carenet.population.nhs_numbers import (
    HIGHEST,
    LOWEST,
    PATIENT_ID_ONLY,
    TEST_RANGE,
    TEST_RANGE_NUMBERS,
    check_digits,
    nhs_numbers,
    scheme,
)
from carenet.schema.errors import CarenetError


def test_numbers_are_valid_unique_and_in_the_999_test_range():
    total = 50_000
    numbers = nhs_numbers(np.arange(total), total, seed=3).to_pylist()
    assert len(set(numbers)) == total
    assert all(n.startswith("999") and len(n) == 10 for n in numbers)
    assert all(is_valid(n) for n in numbers[::50])


def test_the_whole_999_block_is_used_without_collision():
    total = TEST_RANGE_NUMBERS
    numbers = nhs_numbers(np.arange(total), total, seed=1)
    as_int = np.asarray(numbers.to_numpy(zero_copy_only=False), dtype=np.int64)
    assert len(np.unique(as_int)) == total
    assert as_int.min() >= LOWEST and as_int.max() <= HIGHEST


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(total=st.integers(1, 2 * TEST_RANGE_NUMBERS), seed=st.integers(0, 2**32 - 1), data=st.data())
def test_no_generated_number_falls_outside_the_reserved_range(total, seed, data):
    """Whatever the dataset's size: a number from 999 000 0000-999 999 9999 with a valid check digit, or none."""
    index = np.array(data.draw(st.lists(st.integers(0, total - 1), min_size=1, max_size=50)), dtype=np.int64)
    numbers = nhs_numbers(index, total, seed).to_pylist()
    if total > TEST_RANGE_NUMBERS:
        assert numbers == [None] * len(index)
        return
    for n in numbers:
        assert len(n) == 10 and n.isdigit() and LOWEST <= int(n) <= HIGHEST, n
        assert is_valid(n), n


def test_the_switch_is_at_the_documented_size():
    limit = parameter("synthetic_population.nhs_numbers.test_range_limit")["value"]
    assert limit == TEST_RANGE_NUMBERS == 900_000
    assert scheme(limit, limit) == TEST_RANGE and scheme(limit + 1, limit) == PATIENT_ID_ONLY
    assert pc.all(pc.is_null(nhs_numbers(np.arange(0, limit + 1, 9973), limit + 1, seed=1))).as_py()
    with pytest.raises(CarenetError, match="between 0 and 900,000"):
        scheme(10, TEST_RANGE_NUMBERS + 1)


@pytest.fixture
def limit_50(monkeypatch):
    """The generator with a test-range limit of 50 patients instead of 900,000."""
    synthesise = importlib.import_module("carenet.population.synthesise")
    models = synthesise.models()
    lowered = dataclasses.replace(models, settings=dataclasses.replace(models.settings, nhs_number_limit=50))
    monkeypatch.setattr(synthesise, "models", lambda: lowered)


@pytest.mark.parametrize("patients, expected", [(50, TEST_RANGE), (51, PATIENT_ID_ONLY)])
def test_a_population_beyond_the_limit_has_no_nhs_numbers_and_says_so(limit_50, tmp_path, patients, expected):
    from carenet.population import demo_networks, demo_practices, write_population
    from carenet.schema import open_dataset

    write_population(tmp_path / "pop", demo_practices(), demo_networks(), seed=3, label="demo", patients=patients)
    dataset = open_dataset(tmp_path / "pop")
    numbers = dataset.table("patients")["nhs_number"].to_pylist()
    assert len(numbers) == patients
    recorded = json.loads((tmp_path / "pop" / "manifest.json").read_text())["extra"]["nhs_numbers"]
    assert recorded == dataset.manifest.extra["nhs_numbers"]
    assert recorded["scheme"] == expected and recorded["limit"] == 50
    if expected == TEST_RANGE:
        assert all(LOWEST <= int(n) <= HIGHEST and is_valid(n) for n in numbers)
    else:
        assert numbers == [None] * patients
        assert "patient_id" in recorded["note"]


def test_check_digit_matches_the_published_worked_example():
    # 943 476 5919: weights 10..2 over 943476591 give 299; 299 mod 11 = 2; 11 - 2 = 9
    assert check_digits(np.array([943476591]))[0] == 9
    assert is_valid("9434765919")


def test_same_seed_same_numbers_different_seed_different():
    a = nhs_numbers(np.arange(100), 100, seed=5).to_pylist()
    assert a == nhs_numbers(np.arange(100), 100, seed=5).to_pylist()
    assert a != nhs_numbers(np.arange(100), 100, seed=6).to_pylist()
