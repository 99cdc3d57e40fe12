"""The figures validation compares: each measure's key, label, unit, tolerance and the groups it is split by.

Published and simulated figures are both long tables keyed by ``measure`` and ``group`` (an age band, a
booking interval, a practice size …, or ``""`` for a single figure), so one join sets them side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

from carenet.measures.access import BOOKING_INTERVALS
from carenet.schema.codes import REQUEST_OUTCOMES


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: str  # "share", "rate" (per patient-year) or "index"
    tolerance: str  # key of validation.tolerances
    groups: tuple[str, ...] = ("",)


STAFF_TYPES: tuple[str, ...] = ("gp", "other_practice_staff")
"""NHS Digital HCP types: a GP, or any other practice staff."""
INTERVALS: tuple[str, ...] = tuple(label for label, _, _ in BOOKING_INTERVALS)
PUBLISHED_MODES: tuple[str, ...] = ("face_to_face", "telephone", "home_visit", "video_online")
"""NHS Digital appointment modes (video and online consultations are one category there)."""
PRACTICE_SIZES: tuple[str, ...] = ("small", "large", "all")
OPEN_OUTCOMES: tuple[str, ...] = ("booked", "waiting")
"""Request outcomes that are not "no appointment": booked, or still waiting when the data end (censored)."""
UNMET_OUTCOMES: tuple[str, ...] = tuple(o for o in REQUEST_OUTCOMES if o not in OPEN_OUTCOMES)
"""How a request can end without an appointment (``requests.outcome``), for "what patients did instead"."""

GROUP_LABELS: dict[str, str] = {
    "gp": "GP", "other_practice_staff": "other practice staff", "same_day": "same day", "1_day": "1 day",
    "2_7_days": "2-7 days", "8_14_days": "8-14 days", "15_21_days": "15-21 days", "22_28_days": "22-28 days",
    "over_28_days": "over 28 days", "face_to_face": "face to face", "telephone": "telephone",
    "home_visit": "home visit", "video_online": "video or online", "small": "small practices",
    "large": "large practices", "all": "all practices", "abandoned": "gave up", "redirected_111": "NHS 111",
    "redirected_utc": "urgent treatment centre", "redirected_ae": "A&E", "redirected_pharmacy": "pharmacy",
}


def measures(age_bands: tuple[str, ...]) -> tuple[Measure, ...]:
    """Every measure in the order validation prints them; ``age_bands`` are the consultation-rate band labels."""
    return (
        Measure("consultation_rate", "Appointments per patient-year", "rate", "consultation_rate", age_bands),
        Measure("staff_share", "Share of appointments by staff type", "share", "staff_share", STAFF_TYPES),
        Measure("booking_interval", "Booking interval (request to appointment)", "share", "booking_interval",
                INTERVALS),
        Measure("same_day_share", "Booked for the same day", "share", "same_day_share"),
        Measure("dna_rate", "Did not attend", "share", "dna_rate"),
        Measure("mode_share", "Mode of appointment", "share", "mode_share", PUBLISHED_MODES),
        Measure("upc", "UPC with the most-seen GP (patients aged 62-82 with 2+ GP contacts)", "index", "continuity",
                PRACTICE_SIZES),
        Measure("coc", "Bice-Boxerman COC over GPs (the same patients)", "index", "continuity", PRACTICE_SIZES),
        Measure("unmet_demand", "Requests that got no appointment", "share", "unmet_demand"),
        Measure("unmet_outcome", "What patients did instead of an appointment", "share", "unmet_demand",
                UNMET_OUTCOMES),
        Measure("outpatient_referral_rate", "Outpatient referrals per patient-year", "rate",
                "outpatient_referral_rate"),
    )


def group_label(group: str) -> str:
    return GROUP_LABELS.get(group, f"age {group}" if group and group[0].isdigit() else group)


__all__ = ["GROUP_LABELS", "INTERVALS", "OPEN_OUTCOMES", "PRACTICE_SIZES", "PUBLISHED_MODES", "STAFF_TYPES",
           "UNMET_OUTCOMES", "Measure", "group_label", "measures"]
