"""The run's flat event record: every request, where it was booked and what happened.

The engine appends one block per working day; :meth:`Ledger.finish` concatenates them into a
:class:`RunRecord` of parallel arrays, which the output writer turns into canonical tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from carenet.network.requests import Bookings, RequestBatch

ATTENDED, DID_NOT_ATTEND, UNBOOKED = 0, 1, 2
"""Outcome codes of a request's appointment."""


@dataclass
class RunRecord:
    """One row per request, in the order the run handled them."""

    request_day: np.ndarray  # int32 working day of the (last) attempt to book it
    requests: RequestBatch
    bookings: Bookings
    outcome: np.ndarray  # int8: ATTENDED, DID_NOT_ATTEND or UNBOOKED

    def __len__(self) -> int:
        return int(self.request_day.shape[0])


class Ledger:
    """Collects each day's requests, bookings and outcomes."""

    def __init__(self) -> None:
        self._days: list[np.ndarray] = []
        self._batches: list[RequestBatch] = []
        self._bookings: list[Bookings] = []
        self._outcomes: list[np.ndarray] = []

    def add(self, day: int, batch: RequestBatch, bookings: Bookings, outcome: np.ndarray) -> None:
        if not len(batch):
            return
        days = np.empty(len(batch), np.int32)
        days.fill(day)
        self._days.append(days)
        self._batches.append(batch)
        self._bookings.append(bookings)
        self._outcomes.append(np.asarray(outcome, np.int8))

    def finish(self) -> RunRecord:
        if not self._days:
            return RunRecord(np.zeros(0, np.int32), RequestBatch.empty(), Bookings.unbooked(0), np.zeros(0, np.int8))
        bookings = Bookings(*(np.concatenate([getattr(b, name) for b in self._bookings]) for name in Bookings.FIELDS))
        record = RunRecord(np.concatenate(self._days), RequestBatch.concat(self._batches), bookings,
                           np.concatenate(self._outcomes))
        return _last_attempts(record)


def _last_attempts(record: RunRecord) -> RunRecord:
    """One row per request: a request tried on several days keeps only its last attempt."""
    if not (record.requests.attempts > 0).any():
        return record  # nothing was tried twice
    ids = record.requests.request
    order = np.argsort(ids, kind="stable")
    last = np.r_[ids[order][1:] != ids[order][:-1], True]
    keep = np.sort(order[last])
    return RunRecord(record.request_day[keep], record.requests.take(keep), record.bookings.take(keep),
                     record.outcome[keep])


__all__ = ["ATTENDED", "DID_NOT_ATTEND", "UNBOOKED", "Ledger", "RunRecord"]
