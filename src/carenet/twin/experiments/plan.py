"""The shape of an experiment: population, first day, length, warm-up, replication seeds and booking mode.

Every model, setting and replication of one experiment shares this plan, so they differ only in
what the experiment varies. A year is ``twin.calendar.working_days_per_year`` working days; the
first ``experiments_measurement.warm_up_working_days`` are simulated but not scored, because the
diaries start empty and early waits would flatter every model (Law, *Simulation Modeling and
Analysis*, §9.5.1, the initial-transient problem).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from carenet.params import parameter
from carenet.schema import open_dataset
from carenet.schema.errors import CarenetError
from carenet.twin.experiments.population import DEMO_SEED, PopulationSource, resolve_population
from carenet.twin.experiments.seeds import replication_seeds
from carenet.twin.population_source import reference_day

BOOKING_MODES = ("greedy", "exact")


def working_days_per_year() -> int:
    return int(parameter("twin.calendar.working_days_per_year.value"))


def warm_up_days() -> int:
    return int(parameter("experiments_measurement.warm_up_working_days.value"))


@dataclass(frozen=True)
class RunPlan:
    """What every replication of an experiment shares."""

    out: Path
    population: PopulationSource
    start: dt.date
    days: int
    warm_up_days: int
    seed: int
    seeds: list[int]
    booking_mode: str
    years: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def reps(self) -> int:
        return len(self.seeds)

    def describe(self) -> dict:
        return {"population": {"path": str(self.population.path), "label": self.population.label,
                               "patients": self.population.patients, "demo_seed": self.population.demo_seed,
                               "demo_patients": self.population.demo_patients},
                "start": self.start.isoformat(), "days": self.days, "years": self.years,
                "warm_up_days": self.warm_up_days, "replications": self.reps, "seed": self.seed,
                "replication_seeds": self.seeds, "booking_mode": self.booking_mode, **self.extra}


def start_date(population: PopulationSource, given: dt.date | None) -> dt.date:
    """``given``, else the day after the population's reference date (for an imported dataset, which records
    none, its latest registration)."""
    if given is not None:
        return given
    return reference_day(open_dataset(population.path)) + dt.timedelta(days=1)


def simulated_days(years: float | None, days: int | None) -> int:
    """``days`` if given, else ``years`` × working days per year."""
    if days is not None:
        if days < 1:
            raise CarenetError(f"--days must be at least 1, got {days}")
        return days
    if years is None or years <= 0:
        raise CarenetError(f"--years must be positive, got {years}")
    return max(1, round(years * working_days_per_year()))


def make_plan(population: str | Path, out: str | Path, *, years: float | None = 1.0, days: int | None = None,
              reps: int = 1, seed: int = 0, booking_mode: str = "greedy", start: dt.date | None = None,
              demo_patients: int | None = None, demo_seed: int = DEMO_SEED) -> RunPlan:
    """Check the options and settle the plan (building the demo population if asked for)."""
    if booking_mode not in BOOKING_MODES:
        raise CarenetError(f"--booking must be one of {', '.join(BOOKING_MODES)}, got {booking_mode!r}")
    n_days = simulated_days(years, days)
    warm = warm_up_days()
    if n_days <= warm:
        raise CarenetError(f"a run of {n_days} working days is no longer than the {warm}-day warm-up "
                           "(experiments_measurement.warm_up_working_days); simulate more days")
    seeds = replication_seeds(seed, reps)
    out = Path(out)
    source = resolve_population(population, out, demo_seed=demo_seed, demo_patients=demo_patients)
    return RunPlan(out, source, start_date(source, start), n_days, warm, seed, seeds, booking_mode,
                   years if days is None else None)


__all__ = ["BOOKING_MODES", "RunPlan", "make_plan", "simulated_days", "start_date", "warm_up_days",
           "working_days_per_year"]
