"""Risk tiers and the one definition of a "complex patient" that every attribute measure uses.

Risk tiers follow the life-course groupings of the Bridges to Health segments (Lynn J et al.,
Milbank Q 2007;85(2):185-208, table 2), split where multimorbidity piles up:

=====  ==========  ==========================================================================
tier   name        rule (first that holds)
=====  ==========  ==========================================================================
4      very_high   segment 6-8: "coping with illness at end of life"
3      high        segment 5 (stable disability), or ``high_risk_min_ltc`` or more long-term
                   conditions
2      rising      segment 4 (living with a long-term condition), or mild frailty (eFI)
1      low         segments 1-3: staying healthy, getting well
=====  ==========  ==========================================================================

A complex patient meets any of: ``min_ltc_count`` or more long-term conditions; an eFI category
in ``efi_categories``; a Bridges to Health segment of ``min_segment`` or higher. The thresholds
are assumptions the caller passes from ``parameters.yaml`` (``measures_population``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from carenet.schema.errors import CarenetError

END_OF_LIFE_SEGMENTS: tuple[int, ...] = (6, 7, 8)
"""Lynn 2007 table 2: segments grouped as "coping with illness at end of life"."""

DISABILITY_SEGMENT = 5
LTC_SEGMENT = 4

RISK_TIERS: tuple[str, ...] = ("low", "rising", "high", "very_high")
"""Tier names by number (1 = low)."""


@dataclass(frozen=True)
class ComplexPatientRule:
    """Who counts as a complex patient (any one criterion suffices)."""

    min_ltc_count: int
    efi_categories: tuple[str, ...]
    min_segment: int

    def __post_init__(self) -> None:
        if self.min_ltc_count < 1:
            raise CarenetError(f"complex patient rule: min_ltc_count must be at least 1, got {self.min_ltc_count}")
        if not 1 <= self.min_segment <= 8:
            raise CarenetError(f"complex patient rule: min_segment must be a segment 1-8, got {self.min_segment}")

    def describe(self) -> str:
        return (f"{self.min_ltc_count}+ long-term conditions, or {'/'.join(self.efi_categories)} frailty (eFI), "
                f"or Bridges to Health segment {self.min_segment}-8")


def is_complex(ltc_count: ir.IntegerValue, efi_category: ir.StringValue, b2h_segment: ir.IntegerValue,
               rule: ComplexPatientRule) -> ir.BooleanValue:
    """The complex-patient flag from a profile's columns (see :class:`ComplexPatientRule`)."""
    frail = efi_category.isin(list(rule.efi_categories)).fill_null(False) if rule.efi_categories \
        else ibis.literal(False)
    return (ltc_count >= rule.min_ltc_count) | frail | (b2h_segment >= rule.min_segment)


def risk_tier(ltc_count: ir.IntegerValue, efi_category: ir.StringValue, b2h_segment: ir.IntegerValue,
              high_risk_min_ltc: int, rising_efi_categories: Sequence[str] = ("mild",)) -> ir.IntegerValue:
    """The risk tier (1-4) from a profile's columns (see the module docstring)."""
    return ibis.cases(
        (b2h_segment.isin(list(END_OF_LIFE_SEGMENTS)), 4),
        ((b2h_segment == DISABILITY_SEGMENT) | (ltc_count >= high_risk_min_ltc), 3),
        ((b2h_segment == LTC_SEGMENT) | efi_category.isin(list(rising_efi_categories)).fill_null(False), 2),
        else_=1,
    )


__all__ = ["END_OF_LIFE_SEGMENTS", "RISK_TIERS", "ComplexPatientRule", "is_complex", "risk_tier"]
