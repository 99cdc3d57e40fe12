"""What validation holds a run against, read once from ``parameters.yaml`` (section ``validation``) and passed in.

Every published figure that does not come from an NHS Digital appointments file, every tolerance and the
reference months live in that section with their source and evidence tag; the modules that compute and
compare figures take a :class:`ValidationSettings` and never read the parameters themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from carenet.params import parameter
from carenet.schema.errors import CarenetError

SECTION = "validation"
FLOAT_SLACK = 1e-12
"""Rounding allowance when a figure sits exactly on its tolerance (e.g. 0.49 - 0.44 in binary floating point)."""


class ValidationInputError(CarenetError):
    """An appointments file, run folder or setting validation cannot use; the message names it."""


@dataclass(frozen=True)
class Published:
    """One published figure from ``parameters.yaml``: its value (``None`` when none was found) and provenance."""

    value: float | None
    tag: str
    source: str
    period: str = ""
    note: str = ""


@dataclass(frozen=True)
class Tolerance:
    """How far a simulated figure may sit from the published one: absolute points, or a share of it."""

    value: float
    relative: bool = False

    def allows(self, simulated: float, published: float) -> bool:
        bound = self.value * abs(published) if self.relative else self.value
        return abs(simulated - published) <= bound + FLOAT_SLACK


@dataclass(frozen=True)
class AgeBand:
    lo: int
    hi: int | None
    rate: float

    @property
    def label(self) -> str:
        return f"{self.lo}+" if self.hi is None else f"{self.lo}-{self.hi - 1}"


@dataclass(frozen=True)
class ValidationSettings:
    """The ``validation`` section of ``parameters.yaml`` as plain values."""

    months: tuple[dt.date, dt.date]
    consultation_bands: tuple[AgeBand, ...]
    consultation_rate: Published
    consultation_scale: float  # the 2008 rates lifted to today's volume
    same_day_share: Published
    upc: dict[str, Published]
    upc_cohort_ages: tuple[int, int]
    small_practice_list_below: int
    coc: Published
    gpps_no_appointment: Published
    gpps_went_to_ae: Published
    gpps_other_outcomes: Published
    outpatient_referral_rate: Published
    tolerances: dict[str, Tolerance]

    @classmethod
    def from_parameters(cls) -> ValidationSettings:
        node = parameter(SECTION)
        first, last = (_month(text) for text in node["appointment_months"]["value"])
        rates = node["consultation_rate_by_age"]
        bands = tuple(AgeBand(int(b["lo"]), None if b["hi"] is None else int(b["hi"]), float(b["rate"]))
                      for b in rates["bands"])
        upc = node["upc_by_practice_size"]
        lo_age, hi_age = node["upc_cohort_ages"]["value"]
        return cls(
            months=(first, last),
            consultation_bands=bands,
            consultation_rate=_published(rates),
            consultation_scale=float(rates["scale_to_today"]["value"]),
            same_day_share=_published(node["same_day_share"]),
            upc={size: Published(float(upc[size]["value"]), upc[size]["tag"], upc["source"], str(upc["period"]))
                 for size in ("small", "large", "all")},
            upc_cohort_ages=(int(lo_age), int(hi_age)),
            small_practice_list_below=int(node["small_practice_list_below"]["value"]),
            coc=_published(node["coc_by_practice_size"]),
            gpps_no_appointment=_published(node["gpps_no_appointment"]),
            gpps_went_to_ae=_published(node["gpps_went_to_ae"]),
            gpps_other_outcomes=_published(node["gpps_other_outcomes"]),
            outpatient_referral_rate=_published(node["outpatient_referral_rate"]),
            tolerances={name: Tolerance(float(t["value"]), bool(t.get("relative", False)))
                        for name, t in node["tolerances"].items()},
        )


def _month(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{text}-01")
    except ValueError:
        raise ValidationInputError(f"parameters.yaml validation.appointment_months: {text!r} is not a month like "
                                   "2019-04") from None


def _published(node: dict[str, Any]) -> Published:
    value = node.get("value")
    return Published(None if value is None else float(value), str(node.get("tag") or ""), str(node.get("source", "")),
                     str(node.get("period", "")), str(node.get("note", "")))


__all__ = ["AgeBand", "Published", "Tolerance", "ValidationInputError", "ValidationSettings"]
