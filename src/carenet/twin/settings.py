"""The twin's figures, read once from ``parameters.yaml`` into typed records.

The twin's own assumptions live in the ``twin`` section; calibrated figures it shares with the
rest of carenet are read where they already are (``demand.dna``, ``demand.demand_multipliers``,
``efi.categories``). Everything else in :mod:`carenet.twin` works with these plain numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from carenet.params import parameter
from carenet.schema.codes import CHANNELS, NEED_TYPES

SECTION = "twin"
FRAILTY_CATEGORIES: tuple[str, ...] = ("fit", "mild", "moderate", "severe")


def _twin(path: str) -> Any:
    return parameter(f"{SECTION}.{path}")


def _value(path: str) -> Any:
    return _twin(f"{path}.value")


@dataclass(frozen=True)
class CalendarSettings:
    working_days_per_year: int
    opening_minutes: int
    opening_time: dt.time
    weekday_factor: np.ndarray  # 5, Mon..Fri
    month_factor: np.ndarray  # 12, Jan..Dec


@dataclass(frozen=True)
class AgeBandRate:
    lo: int
    hi: int | None
    rate: float  # consultations per person-year (before the appointment scale)
    female_to_male: float


@dataclass(frozen=True)
class DemandSettings:
    bands: tuple[AgeBandRate, ...]
    appointment_scale: float
    deprivation_rate_ratio: float
    multimorbidity_min_registers: int
    multimorbidity_rate_ratio: float
    frailty_rate_ratio: np.ndarray  # 4, fit..severe
    need_mix: np.ndarray  # [3 age groups (child, adult, older), NEED_TYPES]
    ltc_review_without_registers_factor: float
    same_day_probability: np.ndarray  # NEED_TYPES
    urgent_probability: float
    urgent_within_days: int
    channel_mix: np.ndarray  # CHANNELS
    unbooked_retry_days: int
    return_realisation: float  # share of repeat_contact_probability a year's contacts realise (demand calibration)
    not_before_low: np.ndarray  # routine requests wanted from a later day: bins of working days
    not_before_high: np.ndarray
    not_before_share: np.ndarray

    def band_index(self, age: np.ndarray) -> np.ndarray:
        """Index of each age's band (bands are contiguous from 0)."""
        edges = np.asarray([b.lo for b in self.bands[1:]])
        return np.searchsorted(edges, age, side="right").astype(np.int8)


@dataclass(frozen=True)
class DnaSettings:
    """Did-not-attend probability by booking lead time in calendar days: 0, 1, 2-7, over 7."""

    same_day: float
    next_day: float
    within_week: float
    beyond_week: float
    source: str

    def probability(self, lead_days: np.ndarray) -> np.ndarray:
        lead = np.asarray(lead_days)
        return np.select([lead <= 0, lead == 1, lead <= 7], [self.same_day, self.next_day, self.within_week],
                         self.beyond_week)


@dataclass(frozen=True)
class AdmissionSettings:
    rate_per_person_year: float
    frailty_rate_ratio: np.ndarray  # fit..severe
    multimorbidity_rate_ratio: float
    length_of_stay_days: int
    discharge_follow_up_days: int


@dataclass(frozen=True)
class OutpatientSettings:
    referral_probability_per_contact: float
    """Chance that an attended consultation ends in a referral to a hospital outpatient clinic, at ``reference_upc``."""


@dataclass(frozen=True)
class ProgrammeSettings:
    link_worker_referral_probability: float
    informal_advice_within_team: bool


@dataclass(frozen=True)
class TwinSettings:
    calendar: CalendarSettings
    demand: DemandSettings
    dna: DnaSettings
    admissions: AdmissionSettings
    programmes: ProgrammeSettings
    outpatient: OutpatientSettings


def _aligned(node: dict[str, Any], key: str, expected: tuple[str, ...], what: str) -> np.ndarray:
    names = tuple(node[key])
    if names != expected:
        raise ValueError(f"parameters.yaml {SECTION}.{what}: {key} must list {', '.join(expected)} in that order")
    return np.asarray(node["value"], dtype=np.float64)


def _calendar() -> CalendarSettings:
    hours, minutes = (int(x) for x in str(_value("calendar.opening_time")).split(":"))
    return CalendarSettings(
        working_days_per_year=int(_value("calendar.working_days_per_year")),
        opening_minutes=int(_value("calendar.opening_minutes")),
        opening_time=dt.time(hours, minutes),
        weekday_factor=np.asarray(_value("calendar.weekday_appointments_millions"), dtype=np.float64),
        month_factor=np.asarray(_value("calendar.month_appointments_per_working_day"), dtype=np.float64),
    )


def _multiplier(factor_prefix: str) -> float:
    """A rate ratio from ``demand.demand_multipliers`` whose factor text starts with ``factor_prefix``."""
    for row in parameter("demand.demand_multipliers"):
        if str(row["factor"]).startswith(factor_prefix) and "rate_ratio" in row:
            return float(row["rate_ratio"])
    raise KeyError(f"parameters.yaml demand.demand_multipliers has no factor starting {factor_prefix!r}")


def _demand() -> DemandSettings:
    rates = _twin("demand.consultation_rate_by_age.bands")
    ratios = _value("demand.female_to_male_rate_ratio")
    if len(ratios) != len(rates):
        raise ValueError(f"parameters.yaml {SECTION}.demand.female_to_male_rate_ratio needs one value per age band")
    bands = tuple(AgeBandRate(int(b["lo"]), None if b["hi"] is None else int(b["hi"]), float(b["rate"]), float(r))
                  for b, r in zip(rates, ratios, strict=True))
    for left, right in zip(bands, bands[1:], strict=False):
        if left.hi != right.lo:
            raise ValueError(f"parameters.yaml {SECTION}.demand.consultation_rate_by_age: bands must be contiguous")
    mix_node = _twin("demand.need_mix")
    if tuple(mix_node["need_types"]) != NEED_TYPES:
        raise ValueError(f"parameters.yaml {SECTION}.demand.need_mix.need_types must list {NEED_TYPES}")
    mix = np.asarray([mix_node["child_under_15"], mix_node["adult_15_64"], mix_node["older_65_plus"]], np.float64)
    frailty = np.asarray([1.0] + [_multiplier(f"eFI {c} vs fit") for c in FRAILTY_CATEGORIES[1:]])
    return DemandSettings(
        bands=bands,
        appointment_scale=float(_value("demand.appointment_scale")),
        deprivation_rate_ratio=float(_value("demand.deprivation_rate_ratio")),
        multimorbidity_min_registers=int(_value("demand.multimorbidity_min_registers")),
        multimorbidity_rate_ratio=_multiplier("multimorbidity vs none"),
        frailty_rate_ratio=frailty,
        need_mix=mix / mix.sum(axis=1, keepdims=True),
        ltc_review_without_registers_factor=float(_value("demand.ltc_review_without_registers_factor")),
        same_day_probability=_aligned(_twin("demand.same_day_probability"), "need_types", NEED_TYPES,
                                      "demand.same_day_probability"),
        urgent_probability=float(_value("demand.urgent_probability")),
        urgent_within_days=int(_value("demand.urgent_within_days")),
        channel_mix=_aligned(_twin("demand.channel_mix"), "channels", CHANNELS[:3], "demand.channel_mix"),
        unbooked_retry_days=int(_value("demand.unbooked_retry_days")),
        return_realisation=float(_value("demand.return_realisation")),
        **_not_before(),
    )


def _not_before() -> dict[str, np.ndarray]:
    node = _twin("demand.routine_not_before")
    bins = np.asarray(node["working_days"], np.int64)
    share = np.asarray(node["value"], np.float64)
    if bins.shape != (share.size, 2) or (bins[:, 0] > bins[:, 1]).any() or (share < 0).any() or share.sum() <= 0:
        raise ValueError(f"parameters.yaml {SECTION}.demand.routine_not_before needs [low, high] working days per "
                         "share, low <= high, shares >= 0")
    return {"not_before_low": bins[:, 0], "not_before_high": bins[:, 1], "not_before_share": share}


def _dna() -> DnaSettings:
    rows = {str(r["lead"]): r for r in parameter("demand.dna.by_lead_time")}

    def value(lead: str) -> float:
        row = rows[lead]
        if "value" in row:
            return float(row["value"])
        lo, hi = row["value_range"]
        return (float(lo) + float(hi)) / 2  # a published range: its midpoint

    return DnaSettings(value("same_day"), value("next_day"), value("2-7_days"), value(">7_days"),
                       str(parameter("demand.dna.by_lead_time_source")))


def _admissions() -> AdmissionSettings:
    return AdmissionSettings(
        rate_per_person_year=float(_value("admissions.emergency_rate_per_person_year")),
        frailty_rate_ratio=_aligned(_twin("admissions.frailty_rate_ratio"), "categories", FRAILTY_CATEGORIES,
                                    "admissions.frailty_rate_ratio"),
        multimorbidity_rate_ratio=float(_value("admissions.multimorbidity_rate_ratio")),
        length_of_stay_days=int(_value("admissions.length_of_stay_days")),
        discharge_follow_up_days=int(_value("admissions.discharge_follow_up_days")),
    )


@cache
def twin_settings() -> TwinSettings:
    """Every figure the twin reads, resolved and checked once."""
    programmes = ProgrammeSettings(
        link_worker_referral_probability=float(_value("programmes.link_worker_referral_probability")),
        informal_advice_within_team=bool(_value("programmes.informal_advice_within_team")))
    outpatient = OutpatientSettings(float(_value("outpatient.referral_probability_per_contact")))
    if not 0.0 <= outpatient.referral_probability_per_contact <= 1.0:
        raise ValueError(f"parameters.yaml {SECTION}.outpatient.referral_probability_per_contact must lie between 0 "
                         "and 1, got "
                         f"{outpatient.referral_probability_per_contact}")
    return TwinSettings(calendar=_calendar(), demand=_demand(), dna=_dna(), admissions=_admissions(),
                        programmes=programmes, outpatient=outpatient)


__all__ = ["FRAILTY_CATEGORIES", "AdmissionSettings", "AgeBandRate", "CalendarSettings", "DemandSettings",
           "DnaSettings", "OutpatientSettings", "ProgrammeSettings", "TwinSettings", "twin_settings"]
