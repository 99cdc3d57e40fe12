"""The day-stepping engine: demand → booking → outcomes → effects, one working day at a time.

The engine knows nothing about delivery models: it drives four kinds of parts that a
configuration supplies (reference workload R1 and every library model are configurations):

* a **demand** source draws the day's new episodes of need for all patients at once;
* **steps** add the day's other requests (repeat contacts, extra contacts, proactive work)
  before booking and learn what happened after it (effects, programmes, state);
* a **booking** policy books the day's requests into the diaries;
* an **outcome** model draws who did not attend.

Each part draws from its own random stream, spawned from the run's seed in a fixed order, so
the same seed gives the same run bit for bit, and adding a step does not disturb the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from carenet.network.requests import NEW, Bookings, RequestBatch
from carenet.twin.ledger import ATTENDED, UNBOOKED, Ledger, RunRecord


class DemandSource(Protocol):
    def draw(self, day: int, rng: np.random.Generator) -> RequestBatch: ...


class BookingPolicy(Protocol):
    def book(self, day: int, batch: RequestBatch, rng: np.random.Generator) -> Bookings: ...


class OutcomeModel(Protocol):
    def outcome(self, day: int, batch: RequestBatch, bookings: Bookings, rng: np.random.Generator) -> np.ndarray: ...


class Step(Protocol):
    """A programme or effect: adds requests before booking, learns the day's results after it."""

    def requests(self, day: int, rng: np.random.Generator) -> RequestBatch: ...

    def settle(self, day: int, batch: RequestBatch, bookings: Bookings, outcome: np.ndarray,
               rng: np.random.Generator) -> None: ...


class AllAttend:
    """Outcome model in which every booked appointment is attended (reference workload R1)."""

    def outcome(self, day: int, batch: RequestBatch, bookings: Bookings, rng: np.random.Generator) -> np.ndarray:
        return np.where(bookings.booked, np.int8(ATTENDED), np.int8(UNBOOKED))


@dataclass
class Engine:
    """A configured twin: run it for ``days`` working days with a seed."""

    demand: DemandSource
    booking: BookingPolicy
    outcomes: OutcomeModel = field(default_factory=AllAttend)
    steps: Sequence[Step] = ()

    def run(self, days: int, seed: int | np.random.SeedSequence,
            progress: Callable[[int], None] | None = None) -> RunRecord:
        root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        streams = [np.random.default_rng(s) for s in root.spawn(3 + len(self.steps))]
        demand_rng, booking_rng, outcome_rng, *step_rngs = streams
        ledger = Ledger()
        numbered = 0
        for day in range(days):
            parts = [step.requests(day, rng) for step, rng in zip(self.steps, step_rngs, strict=True)]
            parts.append(self.demand.draw(day, demand_rng))
            batch = RequestBatch.concat(parts) if len(parts) == 1 else _in_arrival_order(RequestBatch.concat(parts))
            new = batch.request == NEW
            count = int(new.sum())
            if count == len(batch):  # the usual case: no retried requests, so no masked writes
                batch.request[:] = np.arange(numbered, numbered + count)
                batch.requested_day.fill(day)
            else:
                batch.request[new] = np.arange(numbered, numbered + count)
                batch.requested_day[new] = day
            starts = batch.episode < 0  # a request of no earlier episode starts its own
            batch.episode[starts] = batch.request[starts]
            numbered += count
            bookings = self.booking.book(day, batch, booking_rng)
            outcome = self.outcomes.outcome(day, batch, bookings, outcome_rng)
            for step, rng in zip(self.steps, step_rngs, strict=True):
                step.settle(day, batch, bookings, outcome, rng)
            ledger.add(day, batch, bookings, outcome)
            if progress is not None:
                progress(day)
        return ledger.finish()


def _in_arrival_order(batch: RequestBatch) -> RequestBatch:
    if len(batch) < 2 or bool((np.diff(batch.minute) >= 0).all()):
        return batch
    return batch.take(np.argsort(batch.minute, kind="stable"))


__all__ = ["AllAttend", "BookingPolicy", "DemandSource", "Engine", "OutcomeModel", "Step"]
