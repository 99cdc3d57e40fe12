"""Reference workload R1 (``docs/reference/benchmarks.md``): the practice booking year, as a twin configuration.

``P`` practices of 10,000 patients, six GPs each (four days a week, 30 slots a day), Poisson
demand by age band with 40% same-day requests, and the usual-GP-first booking rule, run for 250
working days on diaries that reach day 309. Its constants are benchmark constants that fix the
workload, not evidence, so they live here rather than in ``parameters.yaml``.

The same engine that runs delivery models runs R1: :func:`r1_engine` wires R1's demand, diaries
and booking rule into :class:`~carenet.twin.engine.Engine`; :func:`r1_metrics` computes the four
figures an independent implementation must reproduce.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from carenet.network.requests import CHANNEL, NEED, ORIGIN, URGENCY, Bookings, RequestBatch, make_batch
from carenet.twin.diary import Diary
from carenet.twin.engine import Engine
from carenet.twin.episodes import EpisodeSampler
from carenet.twin.ledger import RunRecord
from carenet.twin.usual_first import book_patients_usual_first, practice_free_totals


@dataclass(frozen=True)
class R1Spec:
    """R1's fixed constants (docs/reference/benchmarks.md)."""

    patients_per_practice: int = 10_000
    band_shares: tuple[float, ...] = (0.055, 0.120, 0.115, 0.270, 0.260, 0.095, 0.060, 0.025)
    band_rates: tuple[float, ...] = (3.0, 1.5, 2.0, 2.5, 3.5, 5.0, 6.5, 8.0)
    band_labels: tuple[str, ...] = ("0-4", "5-14", "15-24", "25-44", "45-64", "65-74", "75-84", "85+")
    gps_per_practice: int = 6
    slots_per_day: int = 30
    working_days_per_week: int = 5
    simulated_days: int = 250
    diary_days: int = 310
    same_day_probability: float = 0.4
    routine_window_days: int = 10
    slot_minutes: int = 10
    opening_minutes: int = 600

    def band_sizes(self) -> np.ndarray:
        return np.round(np.asarray(self.band_shares) * self.patients_per_practice).astype(np.int64)


R1 = R1Spec()


@dataclass(frozen=True)
class R1Population:
    """R1's patients as arrays: practice, age band and usual GP (a global clinician index)."""

    practice: np.ndarray
    band: np.ndarray
    usual_gp: np.ndarray
    annual_rate: np.ndarray
    gps_per_practice: int

    @classmethod
    def build(cls, practices: int, spec: R1Spec = R1) -> R1Population:
        if practices < 1:
            raise ValueError(f"R1 needs at least one practice, got {practices}")
        per = spec.patients_per_practice
        local_band = np.repeat(np.arange(len(spec.band_sizes()), dtype=np.int8), spec.band_sizes())
        if local_band.size != per:
            raise ValueError("R1 band sizes must add up to the practice list size")
        practice = np.repeat(np.arange(practices, dtype=np.int32), per)
        local = np.tile(np.arange(per, dtype=np.int32), practices)
        usual = (practice * spec.gps_per_practice + local % spec.gps_per_practice).astype(np.int32)
        band = np.tile(local_band, practices)
        rate = np.asarray(spec.band_rates)[band]
        return cls(practice, band, usual, rate, spec.gps_per_practice)


def r1_diary(practices: int, spec: R1Spec = R1) -> Diary:
    """Six GPs per practice; GP ``g`` is off when ``day mod 5 == g mod 5``, else offers 30 slots."""
    gp = np.tile(np.arange(spec.gps_per_practice), practices)
    day = np.arange(spec.diary_days)
    off = (day[None, :] % spec.working_days_per_week) == (gp[:, None] % spec.working_days_per_week)
    capacity = np.where(off, 0, spec.slots_per_day).astype(np.int32)
    return Diary.from_capacity(capacity, np.full(gp.size, spec.slot_minutes, np.int16))


class R1Demand:
    """Poisson(rate/250) requests per patient per day, handled in random order; 40% same-day."""

    def __init__(self, population: R1Population, spec: R1Spec = R1):
        daily = population.annual_rate / spec.simulated_days
        self._sampler = EpisodeSampler(daily, np.ones(spec.diary_days), spec.opening_minutes)
        self._same_day = spec.same_day_probability

    def draw(self, day: int, rng: np.random.Generator) -> RequestBatch:
        patient, minute = self._sampler.draw(day, rng)
        same_day = rng.random(patient.size) < self._same_day
        urgency = np.where(same_day, np.int8(URGENCY["same_day"]), np.int8(URGENCY["routine"]))
        return make_batch(patient, NEED["acute_minor"], urgency, CHANNEL["telephone"], minute, ORIGIN["episode"])


class UsualFirstBooking:
    """R1's booking rule as an engine booking policy (the compiled kernel in :mod:`usual_first`)."""

    def __init__(self, diary: Diary, patient_practice: np.ndarray, patient_usual: np.ndarray,
                 group_start: np.ndarray, group_stop: np.ndarray, window_days: int):
        self.diary = diary
        self._practice = np.ascontiguousarray(patient_practice, dtype=np.int32)
        self._usual = np.ascontiguousarray(patient_usual, dtype=np.int32)
        self._start = np.ascontiguousarray(group_start, dtype=np.int32)
        self._stop = np.ascontiguousarray(group_stop, dtype=np.int32)
        self._practice_free = practice_free_totals(diary.free, self._start, self._stop)
        self._window = int(window_days)

    def book(self, day: int, batch: RequestBatch, rng: np.random.Generator) -> Bookings:
        n = len(batch)
        clinician = np.empty(n, np.int32)
        out = Bookings(clinician, np.empty(n, np.int32), np.empty(n, np.int16), np.empty(n, np.int16), clinician)
        book_patients_usual_first(day, batch.patient, batch.urgency, URGENCY["same_day"], self._practice, self._usual,
                                  self._start, self._stop, self.diary.free, self._practice_free, self.diary.capacity,
                                  self.diary.slot_minutes, self._window, out.day, out.clinician, out.start_minute,
                                  out.minutes)
        return out


def r1_engine(practices: int, spec: R1Spec = R1) -> tuple[Engine, R1Population]:
    """The twin configured as reference workload R1 for ``practices`` practices."""
    population = R1Population.build(practices, spec)
    diary = r1_diary(practices, spec)
    starts = np.arange(practices, dtype=np.int32) * spec.gps_per_practice
    booking = UsualFirstBooking(diary, population.practice, population.usual_gp, starts,
                                starts + spec.gps_per_practice, spec.routine_window_days)
    return Engine(demand=R1Demand(population, spec), booking=booking), population


def run_r1(practices: int, seed: int, spec: R1Spec = R1) -> tuple[RunRecord, R1Population]:
    """Run R1 for its 250 working days."""
    engine, population = r1_engine(practices, spec)
    return engine.run(spec.simulated_days, seed), population


def r1_metrics(record: RunRecord, population: R1Population) -> dict[str, float]:
    """R1's four agreement metrics (docs/reference/benchmarks.md), plus the request count.

    * ``routine_mean_wait_days``: mean working days from request to appointment, routine requests;
    * ``same_day_seen_on_day``: share of same-day requests booked on the day;
    * ``mean_upc``: mean usual-provider-of-care index, max_j n_j / N, over patients with N ≥ 2;
    * ``usual_gp_share``: share of all appointments with the patient's usual GP.
    """
    booked = record.bookings.booked
    if not booked.all():
        raise RuntimeError(f"R1: {int((~booked).sum())} request(s) found no slot before the diaries ended")
    routine_wait, routine, on_day, same_day, with_usual, upc = _r1_tallies(
        record.requests.patient, record.requests.urgency, URGENCY["same_day"], record.requests.requested_day,
        record.bookings.day, record.bookings.clinician, population.practice, population.usual_gp,
        population.gps_per_practice)
    requests = len(record)
    return {
        "routine_mean_wait_days": routine_wait / routine if routine else float("nan"),
        "same_day_seen_on_day": on_day / same_day if same_day else float("nan"),
        "mean_upc": float(upc.mean()) if upc.size else float("nan"),
        "usual_gp_share": with_usual / requests if requests else float("nan"),
        "requests": float(requests),
    }


@njit(cache=True)
def _r1_tallies(patient, urgency, same_day_code, requested_day, booked_day, clinician, practice, usual_gp, width):
    """One pass over the requests, one over the patients: the sums behind :func:`r1_metrics`.

    Returns the routine waits' total and count, same-day requests seen on the day and their count,
    appointments with the usual GP, and each eligible patient's UPC (max_j n_j / N, N ≥ 2) in
    patient order.
    """
    seen = np.zeros((practice.shape[0], width), np.int32)
    routine_wait, routine, on_day, same_day, with_usual = 0, 0, 0, 0, 0
    for i in range(patient.shape[0]):
        who = patient[i]
        gp = clinician[i]
        wait = booked_day[i] - requested_day[i]
        if urgency[i] == same_day_code:
            same_day += 1
            on_day += wait == 0
        else:
            routine += 1
            routine_wait += wait
        with_usual += gp == usual_gp[who]
        local = gp - practice[who] * width
        if local < 0 or local >= width:
            raise ValueError("R1: an appointment is with a GP outside the patient's practice")
        seen[who, local] += 1
    upc = np.empty(practice.shape[0], np.float64)
    eligible = 0
    for who in range(practice.shape[0]):
        visits, top = 0, 0
        for j in range(width):
            visits += seen[who, j]
            top = max(top, seen[who, j])
        if visits >= 2:
            upc[eligible] = top / visits
            eligible += 1
    return routine_wait, routine, on_day, same_day, with_usual, upc[:eligible]


__all__ = ["R1", "R1Demand", "R1Population", "R1Spec", "UsualFirstBooking", "r1_diary", "r1_engine", "r1_metrics",
           "run_r1"]
