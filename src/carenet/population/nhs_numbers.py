"""Synthetic NHS numbers: valid modulus-11 check digits, unique, and never issued to a real person.

The check digit is ``11 - (sum of the first nine digits weighted 10..2) mod 11`` (11 becomes 0);
a remainder giving 10 is invalid. For each eight-digit head there are nine or ten ninth digits
that give a valid number; using exactly nine per head makes a dense index ``k -> number`` that is a
bijection, so uniqueness needs no lookup table. A seeded affine permutation of ``k`` scatters
consecutive patients over the range.

Only 999 000 0000 - 999 999 9999 is guaranteed never to be issued (NHS Digital's test range), and it holds
900,000 numbers this way (100,000 heads of nine). A dataset of up to ``limit`` patients (at most that) gets numbers
from it (scheme :data:`TEST_RANGE`); a larger one gets none (scheme :data:`PATIENT_ID_ONLY`): its ``nhs_number``
column is null and patients are known by their synthetic ``patient_id`` alone (``practice-000123``: letters and a
dash, so never mistaken for an NHS number). Numbers outside the test range could belong to real people.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.schema.errors import CarenetError

_WEIGHTS = np.arange(10, 1, -1, dtype=np.int64)
PER_HEAD = 9
FIRST_HEAD = 99_900_000
"""The first eight-digit head of the test range: 999 000 00x."""
HEADS = 100_000
"""Heads in the test range: 999 000 00x - 999 999 99x."""
TEST_RANGE_NUMBERS = HEADS * PER_HEAD
"""Valid numbers the generator draws from the test range (900,000)."""
LOWEST, HIGHEST = 9_990_000_000, 9_999_999_999
"""The test range, 999 000 0000 - 999 999 9999: never issued to a person (NHS Digital)."""

TEST_RANGE = "999-test-range"
"""Scheme: every patient has a number from 999 000 0000 - 999 999 9999."""
PATIENT_ID_ONLY = "patient-id-only"
"""Scheme: too many patients for the test range; no NHS numbers, patients known by their synthetic patient_id."""


def scheme(total: int, limit: int = TEST_RANGE_NUMBERS) -> str:
    """The numbering scheme for a dataset of ``total`` patients: the test range up to ``limit`` patients."""
    if not 0 <= limit <= TEST_RANGE_NUMBERS:
        raise CarenetError(f"the NHS-number limit must be between 0 and {TEST_RANGE_NUMBERS:,}, the valid numbers in "
                           f"the test range 999 000 0000-999 999 9999; got {limit:,}")
    return TEST_RANGE if total <= limit else PATIENT_ID_ONLY


def describe(name: str, total: int, limit: int) -> dict[str, object]:
    """What the manifest records about the NHS numbers of a generated dataset."""
    if name == TEST_RANGE:
        note = (f"every patient has a valid NHS number from 999 000 0000-999 999 9999, which NHS Digital never "
                f"issues (test numbers); datasets of more than {limit:,} patients get none")
    else:
        note = (f"{total:,} patients are more than the {limit:,} the test range 999 000 0000-999 999 9999 is used "
                f"for, and any other number could be a real person's: nhs_number is null and patients are "
                f"identified by their synthetic patient_id")
    return {"scheme": name, "test_range": "9990000000-9999999999", "limit": limit, "note": note}


def _weighted_sum(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Sum of the decimal digits of ``values`` (as many as ``weights``, most significant first) times weights."""
    rest = np.array(values, dtype=np.int64, copy=True)
    total = np.zeros(len(rest), dtype=np.int64)
    for w in weights[::-1]:
        total += (rest % 10) * w
        rest //= 10
    return total


def check_digits(first_nine: np.ndarray) -> np.ndarray:
    """Modulus-11 check digit of nine-digit numbers (10 marks an invalid number)."""
    check = 11 - _weighted_sum(np.asarray(first_nine), _WEIGHTS) % 11
    return np.where(check == 11, 0, check)


def permutation(seed: int) -> tuple[int, int]:
    """A seeded affine bijection ``k -> (a k + b) mod m`` on the test range's numbers."""
    m = TEST_RANGE_NUMBERS
    rng = np.random.default_rng([seed, 0x4E4853])
    while True:
        a = int(rng.integers(1, m))
        if math.gcd(a, m) == 1:
            return a, int(rng.integers(0, m))


def nhs_numbers(index: np.ndarray, total: int, seed: int, limit: int = TEST_RANGE_NUMBERS) -> pa.Array:
    """Ten-digit NHS numbers for patients ``index`` (0-based positions in a dataset of ``total``), or nulls when
    the dataset is larger than ``limit`` (see :func:`scheme`)."""
    if scheme(total, limit) == PATIENT_ID_ONLY:
        return pa.nulls(len(index), pa.string())
    m = TEST_RANGE_NUMBERS
    a, b = permutation(seed)
    k = (np.asarray(index, dtype=np.int64) % m * a + b) % m
    head = FIRST_HEAD + k // PER_HEAD
    choice = k % PER_HEAD
    partial = _weighted_sum(head, _WEIGHTS[:8])
    # the ninth digit (weight 2) that would leave remainder 1, i.e. check digit 10; 6 is the inverse of 2 mod 11
    bad_last = ((1 - partial) * 6) % 11
    skip = np.where(bad_last <= 9, bad_last, 9)
    last = np.where(choice >= skip, choice + 1, choice)
    check = 11 - (partial + 2 * last) % 11
    number = (head * 10 + last) * 10 + np.where(check == 11, 0, check)
    return pc.utf8_lpad(pa.array(number, pa.int64()).cast(pa.string()), 10, "0")
