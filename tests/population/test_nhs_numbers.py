import numpy as np
import pytest
from nhs_number import is_valid

from carenet.population.nhs_numbers import capacity, check_digits, nhs_numbers
from carenet.schema.errors import CarenetError


def test_numbers_are_valid_unique_and_in_the_999_test_range():
    total = 50_000
    numbers = nhs_numbers(np.arange(total), total, seed=3).to_pylist()
    assert len(set(numbers)) == total
    assert all(n.startswith("999") and len(n) == 10 for n in numbers)
    assert all(is_valid(n) for n in numbers[::50])


def test_the_whole_999_block_is_used_without_collision():
    total = 900_000
    numbers = nhs_numbers(np.arange(total), total, seed=1)
    assert len(np.unique(numbers.to_numpy(zero_copy_only=False))) == total


def test_datasets_beyond_the_999_block_use_the_synthetic_9_range():
    total = 1_000_000
    numbers = nhs_numbers(np.arange(0, total, 997), total, seed=1).to_pylist()
    assert all(n.startswith("9") for n in numbers)
    assert all(is_valid(n) for n in numbers)
    with pytest.raises(CarenetError, match="unique synthetic NHS numbers"):
        capacity(100_000_000)


def test_check_digit_matches_the_published_worked_example():
    # 943 476 5919: weights 10..2 over 943476591 give 299; 299 mod 11 = 2; 11 - 2 = 9
    assert check_digits(np.array([943476591]))[0] == 9
    assert is_valid("9434765919")


def test_same_seed_same_numbers_different_seed_different():
    a = nhs_numbers(np.arange(100), 100, seed=5).to_pylist()
    assert a == nhs_numbers(np.arange(100), 100, seed=5).to_pylist()
    assert a != nhs_numbers(np.arange(100), 100, seed=6).to_pylist()
