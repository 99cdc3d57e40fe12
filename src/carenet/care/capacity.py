"""Diary capacity: bookable slots per clinician per day from sessions, and ring-fenced long slots.

API::

    daily_slots(sessions_per_week, slot_minutes, works, horizon_weekdays, session_minutes) -> (C, D) int
    split_long_slots(slots, share, slot_minutes, long_minutes) -> (standard, long)

A clinician's weekly slots (``sessions x session_minutes / slot_minutes``) are spread over the
days they work by cumulative rounding over the whole horizon, so the slots of any run of ``n`` whole
weeks are the weekly figure times ``n`` to within one slot: a fractional slot a week (seven
15-minute sessions are 116 2/3 slots) is carried to the next week, not dropped.
"""

from __future__ import annotations

import numpy as np

from carenet.schema.errors import CarenetError

WEEKDAY_COUNT = 7


class CapacityInputError(CarenetError):
    """Capacity inputs are inconsistent; the message names the argument."""


def daily_slots(sessions_per_week, slot_minutes, works, horizon_weekdays, session_minutes: float) -> np.ndarray:
    """Slots per clinician (rows) per horizon day (columns).

    ``works`` is clinicians x 7 (Mon..Sun) booleans; ``horizon_weekdays`` gives each horizon day's
    weekday 0-6; ``session_minutes`` is the length of a session (250 in the BMA model contract).
    """
    sessions = np.asarray(sessions_per_week, dtype=np.float64)
    minutes = np.asarray(slot_minutes, dtype=np.float64)
    works = np.asarray(works, dtype=bool)
    weekday = np.asarray(horizon_weekdays, dtype=np.int64)
    C = sessions.shape[0]
    if minutes.shape != (C,) or works.shape != (C, WEEKDAY_COUNT):
        raise CapacityInputError("slot_minutes must have one entry per clinician and works be clinicians x 7")
    if (minutes <= 0).any() or (sessions < 0).any() or session_minutes <= 0:
        raise CapacityInputError("slot lengths and session_minutes must be > 0 and sessions >= 0")
    if weekday.size and (weekday.min() < 0 or weekday.max() >= WEEKDAY_COUNT):
        raise CapacityInputError("horizon_weekdays must be 0 (Mon) to 6 (Sun)")
    weekly = sessions * session_minutes / minutes
    days_worked = works.sum(axis=1)
    per_day = np.divide(weekly, days_worked, out=np.zeros(C), where=days_worked > 0)
    worked = works[:, weekday]  # clinicians x horizon days
    rank = np.cumsum(worked, axis=1)  # worked days of the horizon up to and including each day
    upto = np.floor(per_day[:, None] * rank + 1e-9)
    before = np.floor(per_day[:, None] * (rank - worked) + 1e-9)
    return np.where(worked, upto - before, 0).astype(np.int64)


def split_long_slots(slots, share: float, slot_minutes, long_minutes: float) -> tuple[np.ndarray, np.ndarray]:
    """Hold ``share`` of each clinician's slot time as long slots: returns (standard slots, long slots)."""
    slots = np.asarray(slots, dtype=np.int64)
    minutes = np.asarray(slot_minutes, dtype=np.float64)
    if not 0.0 <= share <= 1.0 or long_minutes <= 0:
        raise CapacityInputError("share must lie in [0, 1] and long_minutes be > 0")
    per_long = np.maximum(np.rint(long_minutes / minutes).astype(np.int64), 1)[:, None]
    long = np.floor(slots * share / per_long + 1e-9).astype(np.int64)
    return slots - long * per_long, long
