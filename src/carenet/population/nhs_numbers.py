"""Synthetic NHS numbers: valid modulus-11 check digits, unique, and never issued to a real person.

The check digit is ``11 - (sum of the first nine digits weighted 10..2) mod 11`` (11 becomes 0);
a remainder giving 10 is invalid. For each eight-digit head there are nine or ten ninth digits
that give a valid number; using exactly nine per head makes a dense index ``k -> number`` that is a
bijection, so uniqueness needs no lookup table. A seeded affine permutation of ``k`` scatters
consecutive patients over the range.

Numbers come from the 999 block (999 000 0000 - 999 999 9999, reserved for testing) while the
dataset fits in it (900,000 numbers); larger datasets use the whole 9 block (900 000 0000 -
999 999 9999, "not to be issued: synthetic/test patients"), which holds 90 million.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.schema.errors import CarenetError

_WEIGHTS = np.arange(10, 1, -1, dtype=np.int64)
PER_HEAD = 9
BLOCK_999 = (99_900_000, 100_000)
"""(first eight-digit head, number of heads): 999 000 00x - 999 999 99x."""
BLOCK_9 = (90_000_000, 10_000_000)
"""900 000 00x - 999 999 99x."""


def capacity(total: int) -> tuple[int, int]:
    """The block of heads used for a dataset of ``total`` patients."""
    for block in (BLOCK_999, BLOCK_9):
        if total <= block[1] * PER_HEAD:
            return block
    raise CarenetError(f"cannot give {total:,} patients unique synthetic NHS numbers "
                       f"(at most {BLOCK_9[1] * PER_HEAD:,})")


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


def permutation(total: int, seed: int) -> tuple[int, int]:
    """A seeded affine bijection ``k -> (a k + b) mod m`` on the block used for ``total`` patients."""
    _, heads = capacity(total)
    m = heads * PER_HEAD
    rng = np.random.default_rng([seed, 0x4E4853])
    while True:
        a = int(rng.integers(1, m))
        if math.gcd(a, m) == 1:
            return a, int(rng.integers(0, m))


def nhs_numbers(index: np.ndarray, total: int, seed: int) -> pa.Array:
    """Ten-digit NHS numbers for patients ``index`` (0-based positions in a dataset of ``total``)."""
    first_head, heads = capacity(total)
    m = heads * PER_HEAD
    a, b = permutation(total, seed)
    k = (np.asarray(index, dtype=np.int64) % m * a + b) % m
    head = first_head + k // PER_HEAD
    choice = k % PER_HEAD
    partial = _weighted_sum(head, _WEIGHTS[:8])
    # the ninth digit (weight 2) that would leave remainder 1, i.e. check digit 10; 6 is the inverse of 2 mod 11
    bad_last = ((1 - partial) * 6) % 11
    skip = np.where(bad_last <= 9, bad_last, 9)
    last = np.where(choice >= skip, choice + 1, choice)
    check = 11 - (partial + 2 * last) % 11
    number = (head * 10 + last) * 10 + np.where(check == 11, 0, check)
    return pc.utf8_lpad(pa.array(number, pa.int64()).cast(pa.string()), 10, "0")
