"""Funnel plots: which units (sites, practices, teams, networks) differ from the whole beyond chance.

Each unit's value is set against the overall (target) value, with control limits that depend on the unit's own
denominator, so a small practice is not flagged for the noise a small denominator brings (Spiegelhalter DJ,
"Funnel plots for comparing institutional performance", Stat Med 2005;24:1185-1202; docs/measures/sites.md):

* a **proportion** (same-day share, did-not-attend rate, care-plan coverage): target p0 = Σ numerators / Σ
  denominators, limits p0 ± z·√(p0(1 − p0)/n), the normal approximation to the binomial of Spiegelhalter's
  section 3.1, clipped to [0, 1];
* a **mean** (mean wait in days, mean UPC per patient): target μ0 = Σ totals / Σ n and σ the standard deviation
  of the individual observations of every unit pooled, limits μ0 ± z·σ/√n (Spiegelhalter's section 3.3, with σ
  estimated from the data).

Two pairs of limits are drawn, at z for about 95% and about 99.8% two-sided (Spiegelhalter's "2 and 3 standard
deviations"; the z values are ``parameters.yaml`` ``measures_funnel``). No over-dispersion factor is applied (his
section 6): the limits describe chance alone, which is what a network asks first ("does this site differ beyond
chance?"); a flag is a prompt to look, not a verdict. A unit whose denominator is below the minimum is shown but
not flagged (the normal approximation does not hold for it).

Everything here is plain NumPy on arrays of units: the counts come from set-based queries elsewhere
(:mod:`carenet.measures.sites`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa

from carenet.schema.errors import CarenetError

Kind = Literal["proportion", "mean"]

WITHIN = "within"
TOO_FEW = "too few"
FLAGS: tuple[str, ...] = ("above 99.8%", "above 95%", WITHIN, "below 95%", "below 99.8%", TOO_FEW)
"""A unit's place against its limits, from highest to lowest; ``too few`` for a denominator below the minimum."""


class FunnelError(CarenetError):
    """Funnel inputs that cannot be charted (mismatched lengths, negative or non-finite counts)."""


@dataclass(frozen=True)
class FunnelSettings:
    """The numbers a funnel plot's limits rest on (``parameters.yaml`` ``measures_funnel``, read by the caller)."""

    z_inner: float = 1.959964
    """z of the inner limits: two-sided 95% of the standard normal, Φ⁻¹(0.975)."""
    z_outer: float = 3.090232
    """z of the outer limits: two-sided 99.8%, Φ⁻¹(0.999)."""
    min_denominator: int = 20
    """Units with a smaller denominator are shown but not flagged."""

    def __post_init__(self) -> None:
        if not 0 < self.z_inner < self.z_outer:
            raise FunnelError(f"funnel z values must satisfy 0 < inner < outer, got {self.z_inner}, {self.z_outer}")
        if self.min_denominator < 1:
            raise FunnelError(f"the funnel's minimum denominator must be at least 1, got {self.min_denominator}")


@dataclass(frozen=True)
class Funnel:
    """One measure over a set of units: the target, each unit's value and limits, and its flag."""

    kind: Kind
    units: list[str]
    n: np.ndarray
    value: np.ndarray
    target: float
    sd: float
    """σ of a mean's individual observations (pooled); for a proportion √(p0(1 − p0))."""
    inner_low: np.ndarray
    inner_high: np.ndarray
    outer_low: np.ndarray
    outer_high: np.ndarray
    flag: list[str]
    z: tuple[float, float] = (FunnelSettings.z_inner, FunnelSettings.z_outer)
    """The z of the inner and outer limits."""
    bounds: tuple[float, float] | None = None
    """The range the limits are clipped to: [0, 1] for a proportion, a bounded mean's range, else none."""

    def limits_at(self, n: object) -> tuple[np.ndarray, ...]:
        """(inner low, inner high, outer low, outer high) for denominators ``n``: the funnel's curves."""
        size = np.asarray(n, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = self.sd / np.sqrt(size)
        return _limits(self.target, spread, FunnelSettings(*self.z, min_denominator=1), self.bounds)

    def to_arrow(self) -> pa.Table:
        """One row per unit: unit, n, value, target, the four limits, the flag, σ and the two z."""
        size = len(self.units)
        return pa.table({
            "unit": pa.array(self.units, pa.string()), "n": pa.array(self.n, pa.float64()),
            "value": pa.array(self.value, pa.float64()), "target": pa.array(np.full(size, self.target)),
            "inner_low": pa.array(self.inner_low), "inner_high": pa.array(self.inner_high),
            "outer_low": pa.array(self.outer_low), "outer_high": pa.array(self.outer_high),
            "flag": pa.array(self.flag, pa.string()), "sd": pa.array(np.full(size, self.sd)),
            "z_inner": pa.array(np.full(size, self.z[0])), "z_outer": pa.array(np.full(size, self.z[1])),
            "lowest": pa.array(np.full(size, np.nan if self.bounds is None else self.bounds[0])),
            "highest": pa.array(np.full(size, np.nan if self.bounds is None else self.bounds[1])),
        })

    @property
    def outliers(self) -> list[str]:
        """Units beyond the 99.8% limits, highest first then lowest."""
        return [u for u, f in zip(self.units, self.flag, strict=True) if f.endswith("99.8%")]


def _arrays(*columns: object) -> list[np.ndarray]:
    arrays = [np.asarray(c, dtype=np.float64) for c in columns]
    if len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 1:
        raise FunnelError(f"funnel inputs must be equal-length 1-D arrays, got shapes {[a.shape for a in arrays]}")
    if not all(np.all(np.isfinite(a)) for a in arrays):
        raise FunnelError("funnel inputs must be finite numbers")
    return arrays


def _flags(value: np.ndarray, n: np.ndarray, limits: tuple[np.ndarray, ...], settings: FunnelSettings) -> list[str]:
    inner_low, inner_high, outer_low, outer_high = limits
    flag = np.full(len(value), WITHIN, dtype=object)
    flag[value > inner_high] = "above 95%"
    flag[value > outer_high] = "above 99.8%"
    flag[value < inner_low] = "below 95%"
    flag[value < outer_low] = "below 99.8%"
    flag[n < settings.min_denominator] = TOO_FEW
    return flag.tolist()


def _limits(centre: float, spread: np.ndarray, settings: FunnelSettings,
            bounds: tuple[float, float] | None) -> tuple[np.ndarray, ...]:
    out = []
    for z in (settings.z_inner, settings.z_outer):
        low, high = centre - z * spread, centre + z * spread
        if bounds is not None:
            low, high = np.clip(low, *bounds), np.clip(high, *bounds)
        out.append((low, high))
    return out[0][0], out[0][1], out[1][0], out[1][1]


def proportion_funnel(units: list[str], numerator: object, denominator: object,
                      settings: FunnelSettings | None = None) -> Funnel:
    """Funnel of a proportion: each unit's ``numerator / denominator`` against p0 = Σ numerator / Σ denominator.

    Limits p0 ± z·√(p0(1 − p0)/n), clipped to [0, 1] (Spiegelhalter 2005, section 3.1, normal approximation). A
    unit with a zero denominator has no value (NaN) and is ``too few``.
    """
    settings = settings or FunnelSettings()
    num, den = _arrays(numerator, denominator)
    if len(units) != len(num):
        raise FunnelError(f"{len(units)} unit names for {len(num)} units")
    if np.any(den < 0) or np.any(num < 0) or np.any(num > den):
        raise FunnelError("a proportion needs 0 ≤ numerator ≤ denominator for every unit")
    total = float(den.sum())
    if total <= 0:
        raise FunnelError("no unit has a denominator above zero")
    p0 = float(num.sum()) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(den > 0, num / den, np.nan)
        spread = np.sqrt(p0 * (1 - p0) / den)
    limits = _limits(p0, spread, settings, (0.0, 1.0))
    return Funnel("proportion", list(units), den, value, p0, float(np.sqrt(p0 * (1 - p0))), *limits,
                  _flags(value, den, limits, settings), (settings.z_inner, settings.z_outer), (0.0, 1.0))


def mean_funnel(units: list[str], n: object, total: object, total_squares: object,
                settings: FunnelSettings | None = None, bounds: tuple[float, float] | None = None) -> Funnel:
    """Funnel of a mean: each unit's ``total / n`` against μ0 = Σ total / Σ n, from per-unit sums.

    ``total_squares`` is each unit's sum of squared observations; σ is the standard deviation of all the
    observations pooled (divisor N − 1), and the limits are μ0 ± z·σ/√n (Spiegelhalter 2005, section 3.3),
    clipped to ``bounds`` for a measure that cannot leave them (a continuity index lies in [0, 1]).
    """
    settings = settings or FunnelSettings()
    count, s1, s2 = _arrays(n, total, total_squares)
    if len(units) != len(count):
        raise FunnelError(f"{len(units)} unit names for {len(count)} units")
    if np.any(count < 0):
        raise FunnelError("a mean needs n ≥ 0 for every unit")
    big_n = float(count.sum())
    if big_n < 2:  # a standard deviation needs two observations
        raise FunnelError("a mean's funnel needs at least two observations in all")
    mu0 = float(s1.sum()) / big_n
    variance = max(float(s2.sum()) - big_n * mu0 * mu0, 0.0) / (big_n - 1)
    sd = float(np.sqrt(variance))
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(count > 0, s1 / count, np.nan)
        spread = sd / np.sqrt(count)
    limits = _limits(mu0, spread, settings, bounds)
    return Funnel("mean", list(units), count, value, mu0, sd, *limits, _flags(value, count, limits, settings),
                  (settings.z_inner, settings.z_outer), bounds)


def mean_funnel_from_summary(units: list[str], n: object, mean: object, sd: float,
                             settings: FunnelSettings | None = None) -> Funnel:
    """Funnel of a mean from each unit's mean and n, with a given σ of the individual observations."""
    settings = settings or FunnelSettings()
    count, m = _arrays(n, mean)
    if sd < 0 or not np.isfinite(sd):
        raise FunnelError(f"σ must be a finite number ≥ 0, got {sd}")
    total = float(count.sum())
    if total <= 0:
        raise FunnelError("no unit has n above zero")
    mu0 = float((count * m).sum()) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = sd / np.sqrt(count)
        value = np.where(count > 0, m, np.nan)
    limits = _limits(mu0, spread, settings, None)
    return Funnel("mean", list(units), count, value, mu0, float(sd), *limits, _flags(value, count, limits, settings),
                  (settings.z_inner, settings.z_outer))


__all__ = ["FLAGS", "TOO_FEW", "WITHIN", "Funnel", "FunnelError", "FunnelSettings", "mean_funnel",
           "mean_funnel_from_summary", "proportion_funnel"]
