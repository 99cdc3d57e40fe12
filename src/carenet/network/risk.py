"""Risk tiers and complex patients for the run's population, on the project's scale (1 low … 4 very high).

The scorecard defines both (``carenet.measures.risk``) from Bridges to Health segments; the twin
sits below the measures in the layering, so it applies the same rules to its arrays at the run's
start: tier 4 for the end-of-life segments (dementia or moderate/severe frailty; heart failure or
COPD; cancer with palliative care), 3 for stable disability (learning disability, severe mental
illness) or ``high_risk_min_ltc_count`` long-term conditions, 2 for any long-term condition or mild
frailty, 1 otherwise. Two inputs of the scorecard's rules are not known at the start and are left
out: the eFI "housebound" deficit and recent acute illness (segment 3 is tier 1 either way).
A complex patient has ``complex_patient_min_ltc_count`` conditions, a frailty category in
``complex_patient_efi_categories``, or a segment of ``complex_patient_min_b2h_segment`` or above.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from carenet.models.spec import FRAILTY_CATEGORIES
from carenet.network.patients import PatientFrame
from carenet.network.settings import RiskSettings

ELDERLY_AGE = 65
"""The eFI applies to people aged 65 and over (Clegg 2016); below it no frailty category is counted."""


@dataclass(frozen=True)
class RiskProfile:
    segment: np.ndarray  # int8 Bridges to Health segment (1, 4-8)
    tier: np.ndarray  # int8 1 low … 4 very high
    complex: np.ndarray  # bool


def risk_profile(frame: PatientFrame, settings: RiskSettings) -> RiskProfile:
    """Segment, tier and complex flag of every patient in ``frame``."""
    frail = np.where(frame.age >= ELDERLY_AGE, frame.frailty, 0)
    moderate_or_worse = frail >= FRAILTY_CATEGORIES.index("moderate")
    segment = np.select(
        [frame.has_register(("DEM",)) | moderate_or_worse,
         frame.has_register(("HF", "COPD")),
         frame.has_register(("CAN",)) & frame.has_register(("PC",)),
         frame.has_register(("LD", "MH")),
         frame.registers > 0],
        [8, 7, 6, 5, 4], 1).astype(np.int8)
    high_ltc = settings.high_risk_min_ltc
    mild = frail == FRAILTY_CATEGORIES.index("mild")
    tier = np.select([segment >= 6, (segment == 5) | (frame.registers >= high_ltc), (segment == 4) | mild],
                     [4, 3, 2], 1).astype(np.int8)
    complex_ltc, complex_efi, min_segment = (settings.complex_min_ltc, list(settings.complex_efi_categories),
                                             settings.complex_min_segment)
    is_complex = (frame.registers >= complex_ltc) | (np.isin(frail, complex_efi) & (frame.age >= ELDERLY_AGE)) | (
        segment >= min_segment)
    return RiskProfile(segment, tier, is_complex)


__all__ = ["ELDERLY_AGE", "RiskProfile", "risk_profile"]
