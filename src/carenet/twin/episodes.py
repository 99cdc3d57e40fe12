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


class EpisodeSampler:
    """Draws which patients make a request on each working day."""

    def __init__(self, daily_rate: np.ndarray, day_multiplier: np.ndarray, opening_minutes: int):
        rate = np.asarray(daily_rate, dtype=np.float64)
        if rate.ndim != 1 or not np.isfinite(rate).all() or (rate < 0).any():
            raise ValueError("daily rates must be a 1-d array of finite, non-negative numbers")
        values, inverse, sizes = np.unique(rate, return_inverse=True, return_counts=True)
        small = np.int16 if values.size < np.iinfo(np.int16).max else np.int64  # radix sort for few classes
        self._members = np.argsort(inverse.astype(small), kind="stable").astype(np.int32)
        self._offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self._sizes = sizes.astype(np.int64)
        self._class_rate = values * sizes
        total = self._class_rate.sum()
        self._class_cdf = np.cumsum(self._class_rate) / total if total > 0 else np.ones_like(self._class_rate)
        self._total = float(total)
        self._multiplier = np.asarray(day_multiplier, dtype=np.float64)
        self._opening = int(opening_minutes)
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
        cls = np.minimum(np.searchsorted(self._class_cdf, u[0], side="right"), self._sizes.size - 1)
        patient = self._members[self._offsets[cls] + (u[1] * self._sizes[cls]).astype(np.int64)]
        minute = np.sort(rng.integers(0, self._opening, size=count)).astype(np.int16)
        return patient, minute


__all__ = ["EpisodeSampler"]
