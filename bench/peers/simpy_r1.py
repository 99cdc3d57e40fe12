"""An independent, event-per-request SimPy implementation of reference workload R1.

R1 is defined in ``docs/benchmarks.md`` (practice booking year): practices of 10,000 patients,
six GPs each working four days a week with 30 slots a day, Poisson demand by age band, and a
fixed booking rule. This file deliberately shares no code with ``carenet.twin``: it is the peer
the twin is checked against, written the way a discrete-event modeller would write it.

Demand is generated as each practice's superposed Poisson arrival process in continuous time
(a working day is one time unit). That is the same law as R1's "each patient makes a
Poisson(rate/250) number of requests a day, handled in a random order": independent Poisson
counts per patient, and, given a day's arrivals, a uniformly random order.

Run ``python bench/peers/simpy_r1.py --practices 1 --seed 7`` to print the four R1 metrics.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import time
from dataclasses import dataclass

import simpy

# --- R1 constants (benchmarks.md) ---------------------------------------------------------
PATIENTS_PER_PRACTICE = 10_000
BAND_SHARES = (0.055, 0.120, 0.115, 0.270, 0.260, 0.095, 0.060, 0.025)
BAND_RATES = (3.0, 1.5, 2.0, 2.5, 3.5, 5.0, 6.5, 8.0)  # consultations per person-year
GPS_PER_PRACTICE = 6
SLOTS_PER_DAY = 30
WEEK_DAYS = 5
SIMULATED_DAYS = 250
DIARY_DAYS = 310
SAME_DAY_PROBABILITY = 0.4
ROUTINE_WINDOW_DAYS = 10


@dataclass
class Booking:
    """One request and the appointment it got."""

    patient: int  # index within the practice
    practice: int
    request_day: int
    appointment_day: int
    gp: int
    usual: bool
    same_day: bool


class Practice:
    """One practice's diaries and its booking rule."""

    def __init__(self, index: int):
        self.index = index
        self.free = [[0 if day % WEEK_DAYS == gp % WEEK_DAYS else SLOTS_PER_DAY for day in range(DIARY_DAYS)]
                     for gp in range(GPS_PER_PRACTICE)]
        self.total_free = [sum(self.free[gp][day] for gp in range(GPS_PER_PRACTICE)) for day in range(DIARY_DAYS)]

    def _most_free_gp(self, day: int) -> int:
        best, best_free = 0, -1
        for gp in range(GPS_PER_PRACTICE):
            if self.free[gp][day] > best_free:
                best, best_free = gp, self.free[gp][day]
        return best

    def _earliest_any(self, after: int) -> tuple[int, int]:
        for day in range(after + 1, DIARY_DAYS):
            if self.total_free[day] > 0:
                return day, self._most_free_gp(day)
        raise RuntimeError(f"practice {self.index}: diaries full to day {DIARY_DAYS - 1}")

    def book(self, day: int, usual: int, same_day: bool) -> tuple[int, int]:
        """Apply R1's booking rule; return (appointment day, GP) and take the slot."""
        if same_day:
            if self.free[usual][day] > 0:
                found = day, usual
            else:
                gp = self._most_free_gp(day)
                found = (day, gp) if self.free[gp][day] > 0 else self._earliest_any(day)
        else:
            found = None
            for ahead in range(day + 1, day + 1 + ROUTINE_WINDOW_DAYS):
                if self.free[usual][ahead] > 0:
                    found = ahead, usual
                    break
            if found is None:
                found = self._earliest_any(day)
        when, gp = found
        self.free[gp][when] -= 1
        self.total_free[when] -= 1
        return when, gp


def _band_layout() -> tuple[list[int], list[int]]:
    """First patient index and size of each age band (bands laid out in list order)."""
    sizes = [round(share * PATIENTS_PER_PRACTICE) for share in BAND_SHARES]
    starts = list(itertools.accumulate([0] + sizes[:-1]))
    return starts, sizes


def _arrivals(env: simpy.Environment, practice: Practice, rng: random.Random, out: list[Booking]):
    """The practice's request process: one SimPy event per request."""
    starts, sizes = _band_layout()
    weights = [size * rate / SIMULATED_DAYS for size, rate in zip(sizes, BAND_RATES, strict=True)]
    cum_weights = list(itertools.accumulate(weights))
    per_day = cum_weights[-1]
    bands = range(len(sizes))
    while True:
        yield env.timeout(rng.expovariate(per_day))
        day = int(env.now)
        if day >= SIMULATED_DAYS:
            return
        band = rng.choices(bands, cum_weights=cum_weights)[0]
        patient = starts[band] + rng.randrange(sizes[band])
        same_day = rng.random() < SAME_DAY_PROBABILITY
        usual = patient % GPS_PER_PRACTICE
        when, gp = practice.book(day, usual, same_day)
        out.append(Booking(patient, practice.index, day, when, gp, gp == usual, same_day))


def simulate(practices: int, seed: int) -> list[Booking]:
    """Run R1 for ``practices`` practices; one row per request."""
    rng = random.Random(seed)
    env = simpy.Environment()
    out: list[Booking] = []
    for p in range(practices):
        env.process(_arrivals(env, Practice(p), random.Random(rng.getrandbits(64)), out))
    env.run()
    return out


def metrics(bookings: list[Booking]) -> dict[str, float]:
    """R1's four agreement metrics."""
    routine_waits = [b.appointment_day - b.request_day for b in bookings if not b.same_day]
    same_day = [b for b in bookings if b.same_day]
    seen = {}
    for b in bookings:
        seen.setdefault((b.practice, b.patient), {}).setdefault(b.gp, 0)
        seen[(b.practice, b.patient)][b.gp] += 1
    upcs = [max(c.values()) / sum(c.values()) for c in seen.values() if sum(c.values()) >= 2]
    return {
        "routine_mean_wait_days": sum(routine_waits) / len(routine_waits),
        "same_day_seen_on_day": sum(b.appointment_day == b.request_day for b in same_day) / len(same_day),
        "mean_upc": sum(upcs) / len(upcs),
        "usual_gp_share": sum(b.usual for b in bookings) / len(bookings),
        "requests": float(len(bookings)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practices", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    start = time.perf_counter()
    result = metrics(simulate(args.practices, args.seed))
    result["seconds"] = time.perf_counter() - start
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
