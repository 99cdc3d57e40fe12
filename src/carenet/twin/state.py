"""What a model run remembers between days: per-patient flags and counters, queued requests, event rows.

Steps write here; the booking policy and the demand's thinning read from here. Event rows
(admissions, referrals, social prescriptions, tasks) are collected as lists of small arrays and
become canonical tables at the end of the run.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from carenet.network.requests import RequestBatch


@dataclass
class EventRows:
    """Columns of one kind of event, appended a block at a time."""

    columns: dict[str, list[np.ndarray]] = field(default_factory=lambda: defaultdict(list))

    def add(self, **cols: np.ndarray) -> None:
        sizes = {np.asarray(v).shape[0] for v in cols.values()}
        if len(sizes) != 1:
            raise ValueError("event columns must have equal lengths")
        if sizes.pop() == 0:
            return
        for name, value in cols.items():
            self.columns[name].append(np.asarray(value))

    def get(self, name: str, dtype) -> np.ndarray:
        parts = self.columns.get(name)
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

    def __len__(self) -> int:
        first = next(iter(self.columns.values()), [])
        return int(sum(p.shape[0] for p in first))


@dataclass
class RunState:
    """Mutable state of one model run."""

    patients: int
    visits: np.ndarray = field(init=False)  # attended appointments so far
    continuity: np.ndarray = field(init=False)  # sum of continuity matches (1 named, team share, 0)
    gp_visits: np.ndarray = field(init=False)  # attended GP appointments so far
    gp_usual: np.ndarray = field(init=False)  # … of them with the patient's usual GP
    proactive: np.ndarray = field(init=False)  # under a care plan or case management
    prescribed: np.ndarray = field(init=False)  # took up a social prescription
    has_plan: np.ndarray = field(init=False)
    key_worker: np.ndarray = field(init=False)
    queue: dict[int, list[RequestBatch]] = field(default_factory=lambda: defaultdict(list))
    admissions: EventRows = field(default_factory=EventRows)
    referrals: EventRows = field(default_factory=EventRows)
    prescriptions: EventRows = field(default_factory=EventRows)
    discharges: EventRows = field(default_factory=EventRows)
    endings: EventRows = field(default_factory=EventRows)  # requests given up or sent elsewhere: request, code, day
    last_misrouted: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    last_waiting: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    same_day_share: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per practice, smoothed
    extra_slots: int = 0  # slots taken beyond the first by bookings longer than their slot
    overrun_slots: int = 0  # … that the clinician's day could not give
    triage_minutes: dict[str, float] = field(default_factory=dict)  # a day's triage minutes at practices / centre
    waited_for_triage: int = 0  # requests held over to the next day because the triage desk's minutes ran out
    surge_slots: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # extra sessions' slots by role

    def __post_init__(self) -> None:
        n = self.patients
        self.visits = np.zeros(n, np.int32)
        self.continuity = np.zeros(n, np.float64)
        self.gp_visits = np.zeros(n, np.int32)
        self.gp_usual = np.zeros(n, np.int32)
        self.proactive = np.zeros(n, bool)
        self.prescribed = np.zeros(n, bool)
        self.has_plan = np.zeros(n, bool)
        self.key_worker = np.full(n, -1, np.int64)

    def enqueue(self, day: int, batch: RequestBatch) -> None:
        if len(batch):
            self.queue[day].append(batch)

    def enqueue_by_day(self, due: np.ndarray, batch: RequestBatch) -> None:
        """Queue each request of ``batch`` for its own day ``due`` (one sort, one slice per day)."""
        if not len(batch):
            return
        order = np.argsort(due, kind="stable")
        days, starts = np.unique(due[order], return_index=True)
        for d, lo, hi in zip(days, starts, np.r_[starts[1:], order.size], strict=True):
            self.queue[int(d)].append(batch.take(order[lo:hi]))

    def due(self, day: int) -> RequestBatch:
        return RequestBatch.concat(self.queue.pop(day, []))

    def gp_continuity(self, reference: float, patient: np.ndarray) -> np.ndarray:
        """Usual-provider continuity with GPs so far (Barker 2017's index) of ``patient``; ``reference`` below two."""
        visits = self.gp_visits[patient]
        return np.where(visits >= 2, self.gp_usual[patient] / np.maximum(visits, 1), reference)


__all__ = ["EventRows", "RunState"]
