"""England as a weighted grid of (age, sex, decile) cells: the calibration's reference population.

Calibrating on the grid rather than on a sample makes the fitted intercepts exact and fast: a
register's prevalence is the weighted mean of ``Phi(eta)`` over the cells, and an expectation over
the latent morbidity factor is a Gauss-Hermite sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.polynomial.hermite_e import hermegauss

from carenet.population.demography import DECILES, age_model, decile_probabilities, tilted_shares, z_nodes

FACTOR_NODES = 32
"""Gauss-Hermite nodes for expectations over the latent morbidity factor."""


@dataclass(frozen=True)
class Grid:
    """Cells flattened to 1-D arrays: age (years), male (0/1), dz (deprivation, +1 decile 1 .. -1 decile 10)."""

    age: np.ndarray
    male: np.ndarray
    decile: np.ndarray
    weight: np.ndarray

    @property
    def dz(self) -> np.ndarray:
        return deprivation_score(self.decile)


def deprivation_score(decile: np.ndarray) -> np.ndarray:
    """Decile 1 (most deprived) → +1, decile 10 → -1, linear between."""
    return (5.5 - np.asarray(decile, dtype=float)) / 4.5


@cache
def england_grid() -> Grid:
    """Joint weights of age, sex and household decile over England's practices."""
    model = age_model()
    nodes, weights = z_nodes()
    ages = tilted_shares(model.base, model.tau, nodes)
    deciles = decile_probabilities(nodes)
    joint_age_decile = np.einsum("j,ja,jd->ad", weights, ages, deciles)
    sex = np.stack([model.female, 1 - model.female], axis=1)
    joint = joint_age_decile[:, None, :] * sex[:, :, None]
    a, m, d = np.meshgrid(np.arange(len(model.base)), np.arange(2), DECILES, indexing="ij")
    return Grid(a.ravel(), m.ravel().astype(float), d.ravel(), joint.ravel())


def factor_nodes() -> tuple[np.ndarray, np.ndarray]:
    x, w = hermegauss(FACTOR_NODES)
    return x, w / w.sum()
