"""Generated against published: register prevalence, multimorbidity by age, frailty over 65.

Each comparison has its tolerance and its source, so a failing row says what was expected, by how much it
missed and where the expectation comes from. The tolerance combines, in quadrature, the calibration tolerance
(``synthetic_population.check_tolerance``) with the binomial sampling error of the published share in the
population checked (``sampling_z`` standard errors, sqrt(p(1-p)/n) with n the check's denominator): a population
of a few thousand patients differs from a national prevalence by chance, and is not failed for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from carenet.population.settings import Settings, settings
from carenet.population.summary import Summary


@dataclass(frozen=True)
class Comparison:
    """One generated figure set against its published value."""

    group: str
    measure: str
    generated: float
    published: float
    calibration: float
    """The calibration tolerance of ``parameters.yaml`` (``synthetic_population.check_tolerance``)."""
    sampling: float
    """``sampling_z`` binomial standard errors of the published share among ``n`` people."""
    n: int
    """The check's denominator: patients (of the register's age), of the age band, or aged 65+."""
    source: str

    @property
    def tolerance(self) -> float:
        """The calibration tolerance and the sampling error, combined in quadrature."""
        return math.hypot(self.calibration, self.sampling)

    @property
    def difference(self) -> float:
        return self.generated - self.published

    @property
    def passed(self) -> bool:
        return abs(self.difference) <= self.tolerance + 1e-12


def sampling_error(share: float, n: int, z: float) -> float:
    """``z`` binomial standard errors of ``share`` among ``n`` people (the whole range when nobody is counted)."""
    if n <= 0:
        return 1.0
    return z * math.sqrt(max(share * (1.0 - share), 0.0) / n)


def compare(summary: Summary, s: Settings | None = None) -> list[Comparison]:
    """Every comparison the check makes, in display order."""
    s = s or settings()
    z = s.tolerance_sampling_z
    rows = []
    for reg in s.registers:
        tol = max(s.tolerance_prevalence_relative * reg.prevalence, s.tolerance_prevalence_absolute)
        label = f"{reg.code} {reg.name}" + (f" (age {reg.denominator_age}+)" if reg.denominator_age else "")
        n = summary.in_band(summary.age_counts, reg.denominator_age, None)
        rows.append(Comparison("register prevalence", label, summary.prevalence(reg.code, reg.denominator_age),
                               reg.prevalence, tol, sampling_error(reg.prevalence, n, z), n, reg.source))
    for target in s.multimorbidity_targets:
        n = summary.in_band(summary.age_counts, target.lo, target.hi)
        rows.append(Comparison("multimorbidity (2+ registers)", f"age {target.label}",
                               summary.multimorbidity(target.lo, target.hi), target.share_2plus,
                               s.tolerance_multimorbidity, sampling_error(target.share_2plus, n, z), n,
                               target.source))
    shares = summary.frailty_shares()
    n_65 = int(summary.efi_counts_65.sum())
    for category, published in s.efi_category_shares.items():
        rows.append(Comparison("eFI category, age 65+", category, shares[category], published,
                               s.tolerance_frailty, sampling_error(published, n_65, z), n_65, s.efi_source))
    return rows


def failures(rows: list[Comparison]) -> list[Comparison]:
    return [r for r in rows if not r.passed]
