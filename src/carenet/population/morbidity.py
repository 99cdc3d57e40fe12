"""Long-term conditions: a liability-threshold model with one latent morbidity factor per patient.

Condition ``c`` is present when ``b F + sqrt(1 - b^2) e_c + eta_c > 0`` with ``F, e_c ~ N(0, 1)``
and ``eta_c = alpha_c + age_slope_c (age - 50)/10 + male_c [male] + delta_c dz``. Marginally
``P(c) = Phi(eta_c)`` whatever ``b``, so the intercepts are calibrated first and exactly:

* ``alpha_c + delta_c`` against the decile-1 prevalence and ``alpha_c - delta_c`` against the
  decile-10 prevalence, each over that decile's own age structure (so the crude gradient is not
  mistaken for a deprivation effect); then ``alpha_c`` again, with ``delta_c`` fixed, against the
  England prevalence, each on the register's own denominator ages;
* then the shared loading ``b`` (conditions cluster) against the multimorbidity-by-age targets.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import ndtr, ndtri

from carenet.population.grid import Grid, england_grid, factor_nodes
from carenet.population.settings import RegisterTarget, Settings, settings

_AGE_CENTRE = 50.0
_BISECTION_STEPS = 60


@dataclass(frozen=True)
class ConditionModel:
    """Calibrated coefficients, one entry per QOF register in ``codes`` order."""

    codes: tuple[str, ...]
    min_age: np.ndarray
    alpha: np.ndarray
    age_slope: np.ndarray
    male: np.ndarray
    delta: np.ndarray
    loading: float
    counted: np.ndarray
    """Registers that count towards multimorbidity."""

    def linear_predictor(self, age: np.ndarray, male: np.ndarray, dz: np.ndarray) -> np.ndarray:
        """``eta`` for each person and register, shape (n, registers); ``-inf`` below a register's minimum age."""
        f32 = np.float32
        age = np.asarray(age, dtype=f32)[:, None]
        eta = (self.alpha.astype(f32) + self.age_slope.astype(f32) * ((age - f32(_AGE_CENTRE)) / f32(10))
               + self.male.astype(f32) * np.asarray(male, dtype=f32)[:, None]
               + self.delta.astype(f32) * np.asarray(dz, dtype=f32)[:, None])
        return np.where(age >= self.min_age.astype(f32), eta, f32(-np.inf))

    def conditional(self, eta: np.ndarray, factor: np.ndarray) -> np.ndarray:
        """P(condition | latent factor), broadcasting ``factor`` against ``eta``."""
        b = self.loading
        return ndtr((eta + b * factor) / np.sqrt(1 - b * b))

    def draw(self, eta: np.ndarray, factor: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Which registers each person is on (boolean, shape of ``eta``)."""
        b = np.float32(self.loading)
        noise = rng.standard_normal(eta.shape, dtype=np.float32)
        noise *= np.sqrt(np.float32(1) - b * b)
        noise += eta
        noise += (b * factor.astype(np.float32))[:, None]
        return noise > 0

    def onset_age(self, exact_age: np.ndarray, register: np.ndarray, eta: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
        """Age at diagnosis of prevalent conditions, reading the age-prevalence curve as cumulative incidence."""
        return onset_ages(exact_age, self.min_age[register], self.age_slope[register], eta, rng)


def onset_ages(exact_age: np.ndarray, min_age: np.ndarray, slope: np.ndarray, eta: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
    """Onset age under a probit age curve of ``slope`` per decade that reaches ``eta`` at ``exact_age``.

    ``P(onset <= a) = Phi(eta(a)) / Phi(eta(age))`` for ``a`` between the minimum age and today;
    the draw is restricted to that interval (no pile-up at the minimum age). Flat curves give a
    uniform onset age.
    """
    u = rng.random(len(exact_age))
    eta = np.asarray(eta, dtype=float)
    lo = np.minimum(min_age.astype(float), exact_age)
    steep = slope > 0.02
    run = np.where(steep, slope, 1.0)
    now = ndtr(eta)
    with np.errstate(divide="ignore", invalid="ignore"):
        floor = np.where(now > 0, ndtr(eta - run * (exact_age - lo) / 10) / now, 0.0)
        share = floor + u * (1 - floor)
        back = exact_age - 10 * (eta - ndtri(share * now)) / run
    uniform = lo + u * (exact_age - lo)
    return np.clip(np.where(steep, back, uniform), lo, exact_age)


def _prevalence(grid: Grid, targets: tuple[RegisterTarget, ...], intercept: np.ndarray,
                mask: np.ndarray) -> np.ndarray:
    """Register prevalence over the cells in ``mask``; ``intercept`` is (registers,) or (masked cells, registers)."""
    min_age = np.array([t.min_age for t in targets])
    den_age = np.array([t.denominator_age for t in targets])
    slope = np.array([t.age_slope for t in targets])
    male = np.array([t.male_shift for t in targets])
    age, w = grid.age[mask][:, None], grid.weight[mask][:, None]
    eta = intercept + slope * (age - _AGE_CENTRE) / 10 + male * grid.male[mask][:, None]
    cases = (w * ndtr(eta) * (age >= min_age)).sum(axis=0)
    return cases / (w * (age >= den_age)).sum(axis=0)


def _solve(grid: Grid, targets: tuple[RegisterTarget, ...], goal: np.ndarray, mask: np.ndarray,
           shift: np.ndarray | float = 0.0) -> np.ndarray:
    """Intercepts at which the prevalence over ``mask`` (with a per-cell ``shift``) equals ``goal``: bisection."""
    lo, hi = np.full(len(goal), -12.0), np.full(len(goal), 6.0)
    for _ in range(_BISECTION_STEPS):
        mid = (lo + hi) / 2
        above = _prevalence(grid, targets, mid + shift, mask) > goal
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return (lo + hi) / 2


def calibrate_intercepts(grid: Grid, targets: tuple[RegisterTarget, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(alpha, delta) meeting the decile 1 and 10 prevalences, then the England prevalence."""
    most = _solve(grid, targets, np.array([t.prevalence_decile1 for t in targets]), grid.decile == 1)
    least = _solve(grid, targets, np.array([t.prevalence_decile10 for t in targets]), grid.decile == 10)
    delta = (most - least) / 2
    everyone = np.ones(len(grid.age), dtype=bool)
    alpha = _solve(grid, targets, np.array([t.prevalence for t in targets]), everyone, delta * grid.dz[:, None])
    return alpha, delta


def at_least_two(p: np.ndarray) -> np.ndarray:
    """P(two or more) of independent events with probabilities ``p`` along the last axis."""
    q = np.clip(1 - p, 1e-300, 1.0)
    none = np.exp(np.log(q).sum(axis=-1))
    one = none * (p / q).sum(axis=-1)
    return np.clip(1 - none - one, 0.0, 1.0)


def multimorbidity_by_band(model: ConditionModel, grid: Grid, bands: list[tuple[int, int | None]]) -> np.ndarray:
    """Share with two or more counted registers in each age band, under ``model``."""
    eta = model.linear_predictor(grid.age, grid.male, grid.dz)[:, model.counted]
    x, v = factor_nodes()
    two = np.zeros(len(grid.age))
    for node, weight in zip(x, v, strict=True):
        two += weight * at_least_two(model.conditional(eta, node))
    out = []
    for lo, hi in bands:
        inside = (grid.age >= lo) & (grid.age < (hi if hi is not None else np.inf))
        out.append(float((grid.weight * two)[inside].sum() / grid.weight[inside].sum()))
    return np.array(out)


def _model(s: Settings, alpha: np.ndarray, delta: np.ndarray, loading: float) -> ConditionModel:
    regs = s.registers
    return ConditionModel(
        codes=tuple(r.code for r in regs),
        min_age=np.array([r.min_age for r in regs], dtype=float),
        alpha=alpha, age_slope=np.array([r.age_slope for r in regs]),
        male=np.array([r.male_shift for r in regs]), delta=delta, loading=loading,
        counted=np.array([r.code not in s.multimorbidity_excluded for r in regs]),
    )


@cache
def condition_model() -> ConditionModel:
    """The calibrated model (cached: it depends only on parameters.yaml)."""
    s = settings()
    grid = england_grid()
    alpha, delta = calibrate_intercepts(grid, s.registers)
    bands = [(t.lo, t.hi) for t in s.multimorbidity_targets]
    goal = np.array([t.share_2plus for t in s.multimorbidity_targets])

    def loss(b: float) -> float:
        return float(np.sum((multimorbidity_by_band(_model(s, alpha, delta, b), grid, bands) - goal) ** 2))

    best = minimize_scalar(loss, bounds=(0.0, 0.95), method="bounded", options={"xatol": 1e-3})
    return _model(s, alpha, delta, float(best.x))

