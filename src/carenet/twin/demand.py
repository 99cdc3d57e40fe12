"""Episodes of need: calibrated rates per patient, and each day's requests with need type, urgency and channel.

Rate of patient ``i`` in age band ``b`` (first contacts per person-year)::

    rate_i = R_b × scale × s_i × M_i / mean_b(s × M) × D_i / C_c

* ``R_b``: consultations per person-year of the band, ``scale`` lifting them to today's volume
  (``twin.demand.consultation_rate_by_age``, ``appointment_scale``);
* ``C_c``: contacts per first contact in the patient's need class (age group × on a register): the
  run adds back returns for the same episode, which follow only a need that comes back
  (:data:`RETURNING_NEEDS`, share ``q_c`` of the class's mix) and happen with probability
  ``ρ = repeat_contact_probability × return_realisation`` at each contact (a return can return), so
  ``C_c = 1 + q_c ρ / (1 − ρ)``;
* ``s_i``: the band's female-to-male ratio for women, 1 for men; ``M_i``: the multimorbidity
  rate ratio with two or more registers, times the eFI category's rate ratio
  (``demand.demand_multipliers``). Dividing by their band mean keeps every band on its
  published rate: sex and morbidity decide *who* in the band consults, not how much the band does;
* ``D_i``: deprivation, log-linear from 1 (least deprived decile) to ``deprivation_rate_ratio``
  (most), normalised to mean one over the ten deciles, so a deprived list consults more.

Each request gets a need type from its patient's class (age group × on any register; reviews
are rarer off the registers), is same-day with the need type's probability, otherwise urgent
or routine, and arrives by telephone, online or at the front desk.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from carenet.network.patients import PatientFrame
from carenet.network.requests import NEED, ORIGIN, URGENCY, RequestBatch, make_batch
from carenet.schema.codes import CHANNELS, NEED_TYPES
from carenet.twin.episodes import EpisodeSampler
from carenet.twin.settings import DemandSettings

RETURNING_NEEDS = ("acute_minor", "acute_complex", "mental_health", "musculoskeletal")
"""Needs that come back as episodes (reviews, medication, results and psychosocial support are planned)."""
AGE_GROUP_EDGES = (15, 65)
"""Need-mix age groups: child under 15, adult 15-64, older 65+ (``twin.demand.need_mix``)."""

Thinning = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``(patient, need) -> probability of keeping the request`` (effects that lower a patient's rate)."""


@dataclass(frozen=True)
class NotBefore:
    """Working days from which a routine or planned request is wanted: 0 (the first slot) or a later day, by bin."""

    low: np.ndarray
    high: np.ndarray
    cdf: np.ndarray

    @classmethod
    def from_settings(cls, settings: DemandSettings) -> NotBefore:
        share = settings.not_before_share / settings.not_before_share.sum()
        return cls(settings.not_before_low, settings.not_before_high, np.cumsum(share))

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        u = rng.random((n, 2))  # bin, day within it
        bin_ = np.searchsorted(self.cdf, u[:, 0], side="right").clip(max=self.cdf.size - 1)
        return self.low[bin_] + np.floor(u[:, 1] * (self.high[bin_] - self.low[bin_] + 1)).astype(np.int64)


@dataclass(frozen=True)
class DemandModel:
    """Per-patient annual first-contact rates and the tables that type each request."""

    annual_rate: np.ndarray
    band: np.ndarray  # int8 age band index
    need_class: np.ndarray  # int8 row of need_cdf
    need_cdf: np.ndarray  # [classes, need types]
    same_day: np.ndarray  # [need types]
    urgent: float
    channel_cdf: np.ndarray  # [telephone, online, walk_in]
    not_before: NotBefore  # routine requests wanted from a later day
    contacts_per_first: np.ndarray  # [classes]: first contact plus the returns it brings (C_c)

    @property
    def expected_contacts(self) -> np.ndarray:
        """Each patient's expected contacts per year: first contacts and their returns (the band's published rate)."""
        return self.annual_rate * self.contacts_per_first[self.need_class]


def deprivation_factor(decile: np.ndarray, ratio: float) -> np.ndarray:
    """Rate factor by IMD decile (1 most deprived): log-linear to ``ratio``, mean one over deciles, 1 if unknown."""
    deciles = np.arange(1, 11)
    curve = ratio ** ((10 - deciles) / 9)
    curve = curve / curve.mean()
    return np.where(decile >= 1, curve[np.clip(decile, 1, 10) - 1], 1.0)


def need_mix_by_class(settings: DemandSettings) -> np.ndarray:
    """Need-type shares for the six classes: age group (3) × on no register / on a register (2)."""
    rows = []
    ltc, minor = NEED["ltc_review"], NEED["acute_minor"]
    for mix in settings.need_mix:
        off = mix.copy()
        moved = off[ltc] * (1 - settings.ltc_review_without_registers_factor)
        off[ltc] -= moved
        off[minor] += moved
        rows += [off, mix]
    return np.asarray(rows)


def contacts_per_first_contact(settings: DemandSettings, return_probability: float) -> np.ndarray:
    """``C_c`` for the six need classes: one first contact plus the expected returns of its episode."""
    rho = return_probability * settings.return_realisation
    returning = np.isin(np.asarray(NEED_TYPES), RETURNING_NEEDS)
    share = need_mix_by_class(settings)[:, returning].sum(axis=1)
    return 1.0 + share * rho / (1.0 - rho)


def build_demand(frame: PatientFrame, settings: DemandSettings, return_probability: float,
                 channels: Mapping[str, float] | None = None) -> DemandModel:
    """Calibrated demand for ``frame`` (see the module docstring for the formula).

    ``return_probability`` is the run's ``repeat_contact_probability`` (after an attended contact
    for a need that comes back).

    ``channels`` (telephone, online, walk_in shares) is the model's own channel mix; by default the
    national mix of ``twin.demand.channel_mix``.
    """
    mix = settings.channel_mix if channels is None else np.asarray(
        [channels.get(c, 0.0) for c in CHANNELS[:3]], np.float64)
    band = settings.band_index(frame.age)
    band_rate = np.asarray([b.rate for b in settings.bands])[band]
    sex = np.where(frame.female, np.asarray([b.female_to_male for b in settings.bands])[band], 1.0)
    morbidity = np.where(frame.registers >= settings.multimorbidity_min_registers,
                         settings.multimorbidity_rate_ratio, 1.0) * settings.frailty_rate_ratio[frame.frailty]
    weight = sex * morbidity
    totals = np.bincount(band, weights=weight, minlength=len(settings.bands))
    counts = np.bincount(band, minlength=len(settings.bands))
    band_mean = np.divide(totals, counts, out=np.ones_like(totals), where=counts > 0)
    age_group = np.searchsorted(np.asarray(AGE_GROUP_EDGES), frame.age, side="right")
    need_class = (age_group * 2 + (frame.registers > 0)).astype(np.int8)
    per_first = contacts_per_first_contact(settings, return_probability)
    rate = (band_rate * settings.appointment_scale * weight / band_mean[band]
            * deprivation_factor(frame.decile, settings.deprivation_rate_ratio) / per_first[need_class])
    return DemandModel(
        annual_rate=rate, band=band, need_class=need_class,
        need_cdf=np.cumsum(need_mix_by_class(settings), axis=1), same_day=settings.same_day_probability,
        urgent=settings.urgent_probability, channel_cdf=np.cumsum(mix / mix.sum()),
        not_before=NotBefore.from_settings(settings), contacts_per_first=per_first,
    )


class CalibratedDemand:
    """The engine's demand source: each day's new episodes for every patient, typed and thinned."""

    def __init__(self, model: DemandModel, day_multiplier: np.ndarray, working_days_per_year: int,
                 opening_minutes: int, thinning: Thinning | None = None, ceiling: float = 1.0):
        """``ceiling``: the most the thinning may let through relative to the calibrated rate (draws are made at
        ``ceiling`` times the rate and thinned back; above one when an effect can raise demand)."""
        self.model = model
        self._sampler = EpisodeSampler(model.annual_rate * ceiling / working_days_per_year, day_multiplier,
                                       opening_minutes)
        self._thinning = thinning

    @property
    def expected_daily(self) -> float:
        return self._sampler.total_daily_rate

    def draw(self, day: int, rng: np.random.Generator) -> RequestBatch:
        m = self.model
        patient, minute = self._sampler.draw(day, rng)
        u = rng.random((patient.size, 4))  # need type, thinning, same-day, urgent
        need = (m.need_cdf[m.need_class[patient]] < u[:, :1]).sum(axis=1).clip(max=m.need_cdf.shape[1] - 1)
        if self._thinning is not None:
            keep = u[:, 1] < self._thinning(patient, need)
            patient, minute, need, u = patient[keep], minute[keep], need[keep], u[keep]
        same_day = u[:, 2] < m.same_day[need]
        urgent = ~same_day & (u[:, 3] < m.urgent)
        urgency = np.where(same_day, URGENCY["same_day"], np.where(urgent, URGENCY["urgent"], URGENCY["routine"]))
        channel = np.searchsorted(m.channel_cdf, rng.random(patient.size), side="right")
        channel = channel.clip(max=m.channel_cdf.size - 1)
        earliest = np.where(urgency == URGENCY["routine"], m.not_before.draw(patient.size, rng), 0)
        return make_batch(patient, need, urgency, channel, minute, ORIGIN["episode"], earliest=earliest)


__all__ = ["AGE_GROUP_EDGES", "RETURNING_NEEDS", "CalibratedDemand", "DemandModel", "NotBefore", "Thinning",
           "build_demand", "contacts_per_first_contact", "deprivation_factor", "need_mix_by_class"]
