"""Prices by financial year: the global sum and ARRS per weighted patient, and enhanced services.

A year is written as the NHS financial year, ``2025/26`` (April to March). A year without a
sourced price is refused with the years that have one, never filled by inflating another year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from carenet.fund.errors import FundError
from carenet.fund.settings import FundSettings, Price

_YEAR = re.compile(r"^(\d{4})/(\d{2})$")


def check_year(year: str) -> str:
    """``year`` if it is written like 2025/26 (the second part the year after the first), else a FundError."""
    match = _YEAR.match(year.strip())
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise FundError(f"financial year {year!r}: write it as YYYY/YY, e.g. 2025/26")
    return year.strip()


@dataclass(frozen=True)
class YearPrices:
    """Everything a network is paid per patient in one financial year."""

    year: str
    global_sum: Price
    arrs: Price | None
    enhanced_registered: dict[str, float]
    enhanced_adjusted: dict[str, float]

    def income(self, registered: float, weighted: float) -> dict[str, float]:
        """Pounds a year by stream for a list of ``registered`` patients weighing ``weighted``."""
        out = {"global_sum": self.global_sum.value * weighted,
               "arrs": (self.arrs.value if self.arrs else 0.0) * weighted}
        enhanced = sum(self.enhanced_registered.values()) * registered + sum(self.enhanced_adjusted.values()) * weighted
        out["enhanced_services"] = enhanced
        return out


def prices_for(year: str, settings: FundSettings) -> YearPrices:
    """The sourced prices of ``year``; the global sum must be sourced, ARRS and enhanced services where they are."""
    year = check_year(year)
    if year not in settings.global_sum:
        known = ", ".join(sorted(settings.global_sum))
        raise FundError(f"financial year {year}: parameters.yaml funding.global_sum_per_weighted_patient_gbp has no "
                        f"sourced price for it (years with one: {known}); choose one of those, or add the year's "
                        "price with its source")
    priced = [s for s in settings.enhanced if year in s.by_year]
    registered = {s.service: s.by_year[year] for s in priced if s.basis == "registered"}
    adjusted = {s.service: s.by_year[year] for s in priced if s.basis == "adjusted"}
    return YearPrices(year, settings.global_sum[year], settings.arrs.get(year), registered, adjusted)


def unpriced_streams(prices: YearPrices) -> list[str]:
    """Income streams with no sourced price in the year (shown as absent, not as zero, by the commands)."""
    missing = [] if prices.arrs else ["ARRS"]
    if not prices.enhanced_registered and not prices.enhanced_adjusted:
        missing.append("enhanced services")
    return missing
