"""Run a delivery model on a population: the twin's front door.

``run_model(model, tables, start=…, days=…, seed=…)`` lays the model over the population
(:func:`carenet.twin.setup.prepare`), wires demand, booking, outcomes and steps into the
:class:`~carenet.twin.engine.Engine`, and steps through the working days. The result keeps
everything needed to write the run as a canonical dataset (:mod:`carenet.twin.output`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from carenet.models.spec import DeliveryModel
from carenet.network.booking import NetworkBooking
from carenet.network.requests import NEED, Bookings, RequestBatch
from carenet.network.surge import BacklogResponse
from carenet.schema.errors import CarenetError
from carenet.twin.demand import CalibratedDemand
from carenet.twin.effects import Effects
from carenet.twin.engine import Engine
from carenet.twin.ledger import RunRecord
from carenet.twin.model_steps import (
    AccessFeedback,
    Admissions,
    CallBack,
    DidNotAttend,
    ProactiveWork,
    Returns,
    SocialPrescribing,
)
from carenet.twin.settings import twin_settings
from carenet.twin.setup import Setup, prepare, proactive_patients
from carenet.twin.state import RunState

BOOKING_MODES = ("compiled", "greedy", "exact")
"""``compiled``: the care engine's greedy rule, compiled (same bookings); ``greedy``/``exact``: ``care.allocate``."""
ACUTE_NEEDS = ("acute_minor", "acute_complex")
PSYCHOSOCIAL_NEEDS = ("psychosocial",)


class TwinError(CarenetError):
    """A run cannot start: bad days, seed or booking mode."""


@dataclass
class TwinRun:
    """A finished run: its setup, final state and the record of every request."""

    setup: Setup
    state: RunState
    record: RunRecord
    seed: int
    days: int
    seconds: dict[str, float] = field(default_factory=dict)


def demand_ceiling(effects: Effects) -> float:
    """The most demand can rise through the demand response (every request seen on the day asked)."""
    return 1.0 + effects.demand_response * (1.0 - effects.demand_response_reference)


def _thinning(state: RunState, effects: Effects, practice: np.ndarray) -> Callable[[np.ndarray, np.ndarray],
                                                                                     np.ndarray]:
    acute = np.isin(np.arange(len(NEED)), [NEED[n] for n in ACUTE_NEEDS])
    psychosocial = np.isin(np.arange(len(NEED)), [NEED[n] for n in PSYCHOSOCIAL_NEEDS])
    ceiling = demand_ceiling(effects)

    def keep(patient: np.ndarray, need: np.ndarray) -> np.ndarray:
        fewer_acute = effects.proactive_acute_reduction * (state.proactive[patient] & acute[need])
        fewer_social = effects.social_prescribing_psychosocial_reduction * (state.prescribed[patient]
                                                                            & psychosocial[need])
        access = state.same_day_share[practice[patient]] - effects.demand_response_reference
        response = (1.0 + effects.demand_response * access) / ceiling
        return (1.0 - fewer_acute) * (1.0 - fewer_social) * response

    return keep


class ModelBooking:
    """The engine's booking policy: the network's booking, telling the run's state who was misrouted or waits."""

    def __init__(self, setup: Setup, state: RunState, effects: Effects):
        self._booking = NetworkBooking(setup, effects.misroute_probability)
        self._surge = BacklogResponse(setup.lanes, setup.settings.surge)
        self._state = state
        state.triage_minutes = self._booking.triage.minutes_by_place()

    def book(self, day: int, batch: RequestBatch, rng: np.random.Generator) -> Bookings:
        self._surge.respond(day)  # the day's extra sessions, before anything is booked
        self._state.surge_slots = self._surge.added
        bookings = self._booking.book(day, batch, rng)
        self._state.last_misrouted = self._booking.last_misrouted
        self._state.last_waiting = self._booking.last_waiting
        self._state.extra_slots = self._booking.extra_slots
        self._state.overrun_slots = self._booking.overrun_slots
        self._state.waited_for_triage = self._booking.waited_for_triage
        return bookings


def model_engine(setup: Setup) -> tuple[Engine, RunState]:
    """The engine configured for ``setup``'s model, and the state its steps share."""
    effects = setup.effects
    state = RunState(len(setup.frame))
    state.proactive = proactive_patients(setup)
    plans = setup.care_plans
    plan_patient = plans.column("patient").to_numpy()
    state.has_plan[plan_patient] = True
    state.key_worker[plan_patient] = plans.column("key_worker").to_numpy()
    settings = setup.twin
    calendar = setup.calendar
    multipliers = calendar.multipliers(settings.calendar.weekday_factor, settings.calendar.month_factor)
    state.same_day_share = np.full(len(setup.frame.practice_ids), effects.demand_response_reference)
    demand = CalibratedDemand(setup.demand, multipliers, settings.calendar.working_days_per_year,
                              settings.calendar.opening_minutes, _thinning(state, effects, setup.frame.practice),
                              demand_ceiling(effects))
    diary_calendar = calendar.extended(setup.diary_days)
    steps = [CallBack(state, settings.demand.unbooked_retry_days, setup.settings.access),
             Returns(setup, state, effects),
             ProactiveWork(setup), SocialPrescribing(setup, state, effects), Admissions(setup, state, effects),
             AccessFeedback(setup, state)]
    engine = Engine(demand=demand, booking=ModelBooking(setup, state, effects),
                    outcomes=DidNotAttend(settings.dna, diary_calendar, calendar.days), steps=steps)
    return engine, state


def run_model(model: DeliveryModel, tables: Mapping[str, pa.Table], *, start: dt.date, days: int, seed: int,
              effects: Effects | None = None, booking_mode: str = "compiled",
              progress: Callable[[int], None] | None = None) -> TwinRun:
    """Run ``model`` on the population ``tables`` for ``days`` working days from ``start``."""
    if days < 1:
        raise TwinError(f"days must be at least 1, got {days}")
    if booking_mode not in BOOKING_MODES:
        raise TwinError(f"booking mode must be one of {', '.join(BOOKING_MODES)}, got {booking_mode!r}")
    if seed < 0:
        raise TwinError(f"seed must be a non-negative integer, got {seed}")
    effects = effects or Effects.from_parameters()
    setup_seed, run_seed = np.random.SeedSequence(seed).spawn(2)  # set-up and the run's parts: separate streams
    clock = time.perf_counter()
    setup = prepare(model, tables, start, days, effects, setup_seed, booking_mode, twin_settings())
    engine, state = model_engine(setup)
    prepared = time.perf_counter()
    record = engine.run(days, run_seed, progress)
    done = time.perf_counter()
    return TwinRun(setup, state, record, seed, days, {"setup": prepared - clock, "simulate": done - prepared})


__all__ = ["BOOKING_MODES", "TwinError", "TwinRun", "model_engine", "run_model"]
