"""Clinicians' diaries as arrays: bookable slots per clinician and working day.

Each clinician has one slot length (their role's usual appointment length, or the model's long
appointment length for ring-fenced sessions); a diary cell holds how many slots that clinician
offers that day and how many are still free. Slots are filled from the start of the day, so a
booking's position in the day gives its start time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Diary:
    """Slot capacity and free slots, ``[clinician, working day]``, plus each clinician's slot length."""

    capacity: np.ndarray  # int32 [C, D]
    free: np.ndarray  # int32 [C, D]
    slot_minutes: np.ndarray  # int16 [C]

    @classmethod
    def from_capacity(cls, capacity: np.ndarray, slot_minutes: np.ndarray) -> Diary:
        capacity = np.ascontiguousarray(capacity, dtype=np.int32)
        if capacity.ndim != 2 or capacity.shape[0] != len(slot_minutes):
            raise ValueError("capacity must be [clinicians, days] with one slot length per clinician")
        if (capacity < 0).any():
            raise ValueError("capacity cannot be negative")
        return cls(capacity, capacity.copy(), np.asarray(slot_minutes, dtype=np.int16))

    @property
    def clinicians(self) -> int:
        return int(self.capacity.shape[0])

    @property
    def days(self) -> int:
        return int(self.capacity.shape[1])

    def utilisation(self, days: slice | None = None) -> float:
        """Share of offered slots that were booked (over ``days``, default all)."""
        cap = self.capacity[:, days] if days is not None else self.capacity
        free = self.free[:, days] if days is not None else self.free
        offered = int(cap.sum())
        return float(offered - int(free.sum())) / offered if offered else 0.0


__all__ = ["Diary"]
