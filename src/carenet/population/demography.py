"""Age, sex and deprivation: smooth single-year ages from coarse census shares, tilted by deprivation.

* Ages: the published shares are coarse and overlapping (census 0-14, 65+, 90+; registered under
  18 and 50+). They are made disjoint (0-14, 15-17, 18-49, 50-64, 65-89, 90+) and the cumulative
  share at each band edge is interpolated with a monotone cubic (Fritsch-Carlson); single-year
  shares are its differences, so every band keeps its published share exactly.
* Deprivation: a practice's IMD score is placed on a standard-normal scale ``z`` through a
  lognormal fitted to the 5th and 95th centiles of practice scores. A household's national
  deprivation rank is ``Phi(sqrt(r) z + sqrt(1-r) e)``, so over all practices the deciles are
  uniform, as they are by construction nationally.
* Deprivation tilts a practice's age structure: ``f_z(a) ~ g(a) exp(tau z (a-40)/20)``, with
  ``tau`` set by the assumed 65+ share ratio between a 95th- and a 5th-centile practice, and the
  base ``g`` solved so that the England mixture over ``z`` still reproduces the census bands.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy.special import ndtr, ndtri

from carenet.population.settings import Settings, settings

_Z95 = float(ndtri(0.95))
_TILT_CENTRE, _TILT_SCALE = 40.0, 20.0
_Z_NODES = 15
DECILES = np.arange(1, 11)


def _fritsch_carlson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Knot derivatives of a monotone (increasing) cubic Hermite interpolant: harmonic-mean rule inside,
    the neighbouring secant at both ends."""
    h = np.diff(x)
    delta = np.diff(y) / h
    d = np.empty_like(y)
    d[0], d[-1] = delta[0], delta[-1]
    for k in range(1, len(x) - 1):
        if delta[k - 1] <= 0 or delta[k] <= 0:
            d[k] = 0.0
        else:
            w1, w2 = 2 * h[k] + h[k - 1], h[k] + 2 * h[k - 1]
            d[k] = (w1 + w2) / (w1 / delta[k - 1] + w2 / delta[k])
    return d


def _hermite(x: np.ndarray, y: np.ndarray, d: np.ndarray, at: np.ndarray) -> np.ndarray:
    k = np.clip(np.searchsorted(x, at, side="right") - 1, 0, len(x) - 2)
    h = x[k + 1] - x[k]
    t = (at - x[k]) / h
    h00, h10 = 2 * t**3 - 3 * t**2 + 1, t**3 - 2 * t**2 + t
    h01, h11 = -2 * t**3 + 3 * t**2, t**3 - t**2
    return h00 * y[k] + h10 * h * d[k] + h01 * y[k + 1] + h11 * h * d[k + 1]


TAIL_SURVIVAL = 1e-5
"""Share still alive one year past ``max_age``: a numerical floor for the log scale (its mass is dropped)."""


def england_age_shares(s: Settings | None = None) -> np.ndarray:
    """Share of each single year of age ``0..max_age`` in England (sums to one).

    The interpolation runs on the log of the share older than each age (a cumulative hazard), so
    that old-age shares fall smoothly, year on year, as mortality rises; every band keeps its share.
    """
    s = s or settings()
    top = s.max_age + 1
    edges = np.array([b.lo for b in s.age_bands] + [top], dtype=float)
    shares = np.array([b.share for b in s.age_bands])
    older = 1.0 - np.concatenate([[0.0], np.cumsum(shares / shares.sum())])
    hazard = -np.log(np.maximum(older, TAIL_SURVIVAL))
    slopes = _fritsch_carlson(edges, hazard)
    survival = np.exp(-_hermite(edges, hazard, slopes, np.arange(top + 1, dtype=float)))
    survival[0], survival[-1] = 1.0, 0.0
    single = -np.diff(survival)
    return single / single.sum()


def female_share_by_age(age_shares: np.ndarray, s: Settings | None = None) -> np.ndarray:
    """P(female | age): flat, then rising linearly to the 90+ share; the flat level meets the census total."""
    s = s or settings()
    ages = np.arange(len(age_shares))
    rise = np.clip((ages - s.female_rise_from_age) / (90 - s.female_rise_from_age), 0.0, 1.0)
    flat = (s.female_share - s.female_share_90_plus * np.sum(age_shares * rise)) / np.sum(age_shares * (1 - rise))
    return flat * (1 - rise) + s.female_share_90_plus * rise


def ages_in_bands(counts: np.ndarray, lower: np.ndarray, shares: np.ndarray,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Single-year ages and sexes (``female``) of exactly ``counts[sex, band]`` people (sex 0 female, 1 male), in
    random order; within a band ages follow ``shares`` (single-year shares up to the model's maximum age), the last
    band running to that age."""
    top = len(shares)
    edges = np.append(np.minimum(np.asarray(lower, dtype=np.int64), top - 1), top)
    ages, female = [], []
    for sex in (0, 1):
        for b in range(len(lower)):
            c = int(counts[sex, b])
            if c <= 0:
                continue
            lo, hi = int(edges[b]), max(int(edges[b + 1]), int(edges[b]) + 1)
            w = shares[lo:hi]
            ages.append(lo + rng.choice(hi - lo, size=c, p=w / w.sum()))
            female.append(np.full(c, sex == 0))
    if not ages:
        return np.zeros(0, np.int64), np.zeros(0, bool)
    age, fem = np.concatenate(ages), np.concatenate(female)
    order = rng.permutation(len(age))
    return age[order].astype(np.int64), fem[order]


def practice_z(imd_score: np.ndarray, s: Settings | None = None) -> np.ndarray:
    """A practice's deprivation position on the standard-normal scale (0 where the score is unknown)."""
    s = s or settings()
    lo, hi = np.log(s.practice_score_p5), np.log(s.practice_score_p95)
    mu, sigma = (lo + hi) / 2, (hi - lo) / (2 * _Z95)
    score = np.asarray(imd_score, dtype=float)
    z = (np.log(np.clip(score, 0.1, None)) - mu) / sigma
    return np.where(np.isfinite(score), z, 0.0)


def household_deciles(z: float, n: int, rng: np.random.Generator, s: Settings | None = None) -> np.ndarray:
    """IMD decile (1 = most deprived) of ``n`` households of a practice at deprivation ``z``."""
    s = s or settings()
    r = s.between_practice_share
    liability = np.sqrt(r) * z + np.sqrt(1 - r) * rng.standard_normal(n)
    return np.clip(1 + np.floor(10 * ndtr(-liability)), 1, 10).astype(np.int8)


def decile_probabilities(z: np.ndarray, s: Settings | None = None) -> np.ndarray:
    """P(decile | practice z), shape (len(z), 10)."""
    s = s or settings()
    r = s.between_practice_share
    q = ndtri(np.linspace(0, 1, 11))
    z = np.asarray(z, dtype=float)[:, None]
    upper = (-q[:-1] - np.sqrt(r) * z) / np.sqrt(1 - r)
    lower = (-q[1:] - np.sqrt(r) * z) / np.sqrt(1 - r)
    return ndtr(upper) - ndtr(lower)


@dataclass(frozen=True)
class AgeModel:
    """Base single-year shares and the deprivation tilt that together reproduce England's bands."""

    base: np.ndarray
    tau: float
    england: np.ndarray
    female: np.ndarray

    def shares(self, z: float) -> np.ndarray:
        """Single-year age shares of a practice at deprivation ``z``."""
        return tilted_shares(self.base, self.tau, np.array([z]))[0]


def tilted_shares(base: np.ndarray, tau: float, z: np.ndarray) -> np.ndarray:
    """Age shares of practices at deprivation positions ``z``, shape (len(z), ages)."""
    u = (np.arange(len(base)) - _TILT_CENTRE) / _TILT_SCALE
    w = base[None, :] * np.exp(tau * z[:, None] * u[None, :])
    return w / w.sum(axis=1, keepdims=True)


def _older_ratio(base: np.ndarray, tau: float) -> float:
    at = tilted_shares(base, tau, np.array([_Z95, -_Z95]))
    return float(at[0, 65:].sum() / at[1, 65:].sum())


def z_nodes() -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Hermite nodes and weights for an expectation over practices (z ~ N(0, 1))."""
    x, w = hermegauss(_Z_NODES)
    return x, w / w.sum()


@cache
def age_model() -> AgeModel:
    """Solve the tilt and the base shares (alternating: tilt for the ratio, base for the England mixture)."""
    s = settings()
    england = england_age_shares(s)
    nodes, weights = z_nodes()
    base, tau = england.copy(), 0.0
    for _ in range(30):
        lo, hi = -3.0, 0.0
        for _ in range(50):
            tau = (lo + hi) / 2
            if _older_ratio(base, tau) > s.older_share_ratio:
                hi = tau
            else:
                lo = tau
        mixture = weights @ tilted_shares(base, tau, nodes)
        base = base * england / mixture
        base /= base.sum()
    return AgeModel(base, tau, england, female_share_by_age(england, s))
