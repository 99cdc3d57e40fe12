"""Generated against published: register prevalence, multimorbidity by age, frailty over 65.

Each comparison has its tolerance (``synthetic_population.check_tolerance``) and its source, so a
failing row says what was expected, by how much it missed and where the expectation comes from.
"""

from __future__ import annotations

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
    tolerance: float
    source: str

    @property
    def difference(self) -> float:
        return self.generated - self.published

    @property
    def passed(self) -> bool:
        return abs(self.difference) <= self.tolerance + 1e-12


def compare(summary: Summary, s: Settings | None = None) -> list[Comparison]:
    """Every comparison the check makes, in display order."""
    s = s or settings()
    rows = []
    for reg in s.registers:
        tol = max(s.tolerance_prevalence_relative * reg.prevalence, s.tolerance_prevalence_absolute)
        label = f"{reg.code} {reg.name}" + (f" (age {reg.denominator_age}+)" if reg.denominator_age else "")
        rows.append(Comparison("register prevalence", label, summary.prevalence(reg.code, reg.denominator_age),
                               reg.prevalence, tol, reg.source))
    for target in s.multimorbidity_targets:
        rows.append(Comparison("multimorbidity (2+ registers)", f"age {target.label}",
                               summary.multimorbidity(target.lo, target.hi), target.share_2plus,
                               s.tolerance_multimorbidity, target.source))
    shares = summary.frailty_shares()
    for category, published in s.efi_category_shares.items():
        rows.append(Comparison("eFI category, age 65+", category, shares[category], published,
                               s.tolerance_frailty, s.efi_source))
    return rows


def failures(rows: list[Comparison]) -> list[Comparison]:
    return [r for r in rows if not r.passed]
