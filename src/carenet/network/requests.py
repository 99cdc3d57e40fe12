"""A day's requests and their bookings as flat arrays: the twin's hot-path records.

Codes are indices into the canonical code tuples (``carenet.schema.codes``), so a million
requests are a handful of small integer arrays, never a million Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from carenet.schema.codes import CHANNELS, NEED_TYPES, URGENCIES

ORIGINS: tuple[str, ...] = ("episode", "repeat", "extra_contact", "referral", "proactive", "discharge_follow_up")
"""Why a request exists: a new episode of need, or a contact the twin's effects and programmes add."""

NEED = {name: i for i, name in enumerate(NEED_TYPES)}
URGENCY = {name: i for i, name in enumerate(URGENCIES)}
CHANNEL = {name: i for i, name in enumerate(CHANNELS)}
ORIGIN = {name: i for i, name in enumerate(ORIGINS)}
NO_ROLE = -1
NEW = -1
"""``RequestBatch.request`` of a request the engine has not numbered yet."""


@dataclass
class RequestBatch:
    """Requests made on one working day, in the order the practice handles them."""

    patient: np.ndarray  # int32, index into the run's patients
    need: np.ndarray  # int8, index into NEED_TYPES
    urgency: np.ndarray  # int8, index into URGENCIES
    channel: np.ndarray  # int8, index into CHANNELS
    minute: np.ndarray  # int16, arrival in minutes after opening
    origin: np.ndarray  # int8, index into ORIGINS
    role: np.ndarray  # int8, role index fixed in advance (proactive work) or NO_ROLE to route
    minutes: np.ndarray  # int16, appointment length fixed in advance, or 0 for the role's usual length
    request: np.ndarray  # int64, request number (NEW until the engine numbers it; kept when retried)
    requested_day: np.ndarray  # int32, working day first made (-1 until the engine sets it)
    window: np.ndarray  # int16, working days it may wait (-1: by urgency), proactive and follow-up work
    attempts: np.ndarray  # int8, days it has already failed to find a slot
    episode: np.ndarray  # int64, request number of the episode's first request (NEW: this request starts one)
    earliest: np.ndarray  # int16, working days after it is made before which it may not be booked (a later date)

    def __len__(self) -> int:
        return int(self.patient.shape[0])

    @classmethod
    def empty(cls) -> RequestBatch:
        return cls(**{f.name: np.zeros(0, dtype=_DTYPES[f.name]) for f in fields(cls)})

    def take(self, index: np.ndarray) -> RequestBatch:
        return RequestBatch(*[getattr(self, name)[index] for name in _FIELDS])

    @classmethod
    def concat(cls, batches: list[RequestBatch]) -> RequestBatch:
        batches = [b for b in batches if len(b)]
        if not batches:
            return cls.empty()
        if len(batches) == 1:
            return batches[0]
        return cls(*[np.concatenate([getattr(b, name) for b in batches]) for name in _FIELDS])


_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(RequestBatch))
_DTYPES = {"patient": np.int32, "need": np.int8, "urgency": np.int8, "channel": np.int8, "minute": np.int16,
           "origin": np.int8, "role": np.int8, "minutes": np.int16, "request": np.int64, "requested_day": np.int32,
           "window": np.int16, "attempts": np.int8, "episode": np.int64,
           "earliest": np.int16}


def make_batch(patient: np.ndarray, need: np.ndarray, urgency: np.ndarray, channel: np.ndarray,
               minute: np.ndarray, origin: int | np.ndarray, role: int | np.ndarray = NO_ROLE,
               minutes: int | np.ndarray = 0, window: int | np.ndarray = -1,
               episode: int | np.ndarray = NEW, earliest: int | np.ndarray = 0) -> RequestBatch:
    """A batch from arrays (scalars broadcast), cast to the record's compact types."""
    n = len(patient)

    def col(name: str, value) -> np.ndarray:
        if isinstance(value, int):  # the common scalar case, without np.full's overhead
            column = np.empty(n, dtype=_DTYPES[name])
            column.fill(value)
            return column
        if np.ndim(value) == 0:
            return np.full(n, value, dtype=_DTYPES[name])
        return np.array(value, dtype=_DTYPES[name], copy=True).reshape(n)

    return RequestBatch(col("patient", patient), col("need", need), col("urgency", urgency), col("channel", channel),
                        col("minute", minute), col("origin", origin), col("role", role), col("minutes", minutes),
                        col("request", NEW), col("requested_day", -1), col("window", window), col("attempts", 0),
                        col("episode", episode), col("earliest", earliest))


@dataclass
class Bookings:
    """Where each request of a batch was booked: clinician, working day and start minute (-1: unbooked)."""

    clinician: np.ndarray  # int32
    day: np.ndarray  # int32
    start_minute: np.ndarray  # int16 minutes after opening
    minutes: np.ndarray  # int16 appointment length
    lane: np.ndarray  # int32 diary lane (the clinician for single-lane diaries)

    FIELDS = ("clinician", "day", "start_minute", "minutes", "lane")

    @classmethod
    def unbooked(cls, n: int) -> Bookings:
        return cls(np.full(n, -1, np.int32), np.full(n, -1, np.int32), np.full(n, -1, np.int16),
                   np.zeros(n, np.int16), np.full(n, -1, np.int32))

    def take(self, index: np.ndarray) -> Bookings:
        return Bookings(*(getattr(self, f)[index] for f in self.FIELDS))

    @property
    def booked(self) -> np.ndarray:
        return self.clinician >= 0


__all__ = ["CHANNEL", "NEED", "NEW", "NO_ROLE", "ORIGIN", "ORIGINS", "URGENCY", "Bookings", "RequestBatch",
           "make_batch"]
