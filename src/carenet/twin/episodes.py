"""Poisson episodes of need for every patient at once, in O(episodes) rather than O(patients) a day.

Each patient ``i`` makes a Poisson(``rate_i × m_d``) number of requests on working day ``d``.
Patients with the same rate form a class (age band × sex × morbidity × deprivation gives a few
thousand at most); by superposition a class of ``n_k`` patients at rate ``r_k`` makes
Poisson(``n_k r_k m_d``) requests, each from a member drawn uniformly. So a day costs one
Poisson draw per class and one uniform per request. The day's requests are then shuffled: the
practice handles them in a uniformly random order, and their arrival minutes are sorted uniform
times over the opening day, assigned in that order.

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
        self._members = np.argsort(inverse, kind="stable").astype(np.int32)
        self._offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self._sizes = sizes.astype(np.int64)
        self._class_rate = values * sizes
        self._multiplier = np.asarray(day_multiplier, dtype=np.float64)
        self._opening = int(opening_minutes)
        self.patients = rate.size

    @property
    def total_daily_rate(self) -> float:
        """Expected requests on a day with multiplier one."""
        return float(self._class_rate.sum())

    def draw(self, day: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Patient index and arrival minute of each of the day's requests, in handling order."""
        counts = rng.poisson(self._class_rate * self._multiplier[day])
        cls = np.repeat(np.arange(counts.size), counts)
        pick = (rng.random(cls.size) * self._sizes[cls]).astype(np.int64)
        patient = self._members[self._offsets[cls] + pick]
        patient = patient[rng.permutation(patient.size)]
        minute = np.sort(rng.integers(0, self._opening, size=patient.size)).astype(np.int16)
        return patient, minute


__all__ = ["EpisodeSampler"]
