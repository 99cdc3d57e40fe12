"""Poisson episodes of need for every patient at once, in O(episodes) rather than O(patients) a day.

Each patient ``i`` makes a Poisson(``rate_i × m_d``) number of requests on working day ``d``.
Patients with the same rate form a class (age band × sex × morbidity × deprivation gives a few
thousand at most). By superposition the day's total is Poisson(``Σ rate × m_d``) and, given the
total, each request independently comes from class ``k`` with probability ``n_k r_k / Σ n r`` and
from a member of the class drawn uniformly. So a day costs one Poisson draw and two uniforms per
request, and the requests come out in a uniformly random order - the order the practice handles
them; their arrival minutes are sorted uniform times over the opening day, assigned in that order.

Effects that lower a patient's rate for some needs (proactive review, social prescribing) thin
this stream afterwards: keeping each request with probability ``1 - reduction`` leaves a Poisson
process at the reduced rate, so the classes never have to be rebuilt.
"""

from __future__ import annotations

import numpy as np
from numba import njit


class EpisodeSampler:
    """Draws which patients make a request on each working day."""

    def __init__(self, daily_rate: np.ndarray, day_multiplier: np.ndarray, opening_minutes: int):
        rate = np.asarray(daily_rate, dtype=np.float64)
        if rate.ndim != 1 or not np.isfinite(rate).all() or (rate < 0).any():
            raise ValueError("daily rates must be a 1-d array of finite, non-negative numbers")
        values, sizes, self._members = _rate_classes(rate)
        self._offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self._sizes = sizes.astype(np.int64)
        self._class_rate = values * sizes
        total = self._class_rate.sum()
        self._class_cdf = np.cumsum(self._class_rate) / total if total > 0 else np.ones_like(self._class_rate)
        self._total = float(total)
        self._multiplier = np.asarray(day_multiplier, dtype=np.float64)
        self._opening = int(opening_minutes)
        self._minutes = np.arange(self._opening, dtype=np.int16)
        self.patients = rate.size

    @property
    def total_daily_rate(self) -> float:
        """Expected requests on a day with multiplier one."""
        return self._total

    def draw(self, day: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Patient index and arrival minute of each of the day's requests, in handling order."""
        expected = self._total * self._multiplier[day]
        count = int(rng.poisson(expected)) if expected > 0 else 0
        u = rng.random((2, count))
        patient = _pick_members(u, self._class_cdf, self._members, self._offsets, self._sizes)
        arrivals = rng.integers(0, self._opening, size=count)
        minute = np.repeat(self._minutes, np.bincount(arrivals, minlength=self._opening))  # counting sort
        return patient, minute


def _rate_classes(rate: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct rates (ascending), their class sizes, and the patients of each class in index order.

    Rates come in long runs (patients are listed by practice and band), so the unique sort runs
    over one value per run, not one per patient; the result equals ``np.unique`` on every patient
    followed by a stable argsort of the class index.
    """
    n = rate.size
    if n == 0:
        return np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int32)
    run_start = np.flatnonzero(np.r_[True, rate[1:] != rate[:-1]])
    run_length = np.diff(np.r_[run_start, n])
    values, run_class = np.unique(rate[run_start], return_inverse=True)
    sizes = np.bincount(run_class, weights=run_length, minlength=values.size).astype(np.int64)
    small = np.int16 if values.size < np.iinfo(np.int16).max else np.int64  # radix sort for few classes
    run_order = np.argsort(run_class.astype(small), kind="stable")
    ordered_start, ordered_length = run_start[run_order], run_length[run_order]
    shift = ordered_start - (np.cumsum(ordered_length) - ordered_length)  # member position → patient index
    members = (np.arange(n, dtype=np.int64) + np.repeat(shift, ordered_length)).astype(np.int32)
    return values, sizes, members


@njit(cache=True)
def _pick_members(u, class_cdf, members, offsets, sizes):
    """Class by inverse CDF of ``u[0]``, then a uniform member by ``u[1]`` (``searchsorted`` side right)."""
    count = u.shape[1]
    last = sizes.shape[0] - 1
    patient = np.empty(count, np.int32)
    for i in range(count):
        lo, hi = 0, class_cdf.shape[0]
        while lo < hi:
            mid = (lo + hi) >> 1
            if class_cdf[mid] <= u[0, i]:
                lo = mid + 1
            else:
                hi = mid
        cls = min(lo, last)
        patient[i] = members[offsets[cls] + np.int64(u[1, i] * sizes[cls])]
    return patient


__all__ = ["EpisodeSampler"]
