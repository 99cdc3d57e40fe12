"""The usual-clinician-first booking rule of reference workload R1, compiled.

The rule (``docs/reference/benchmarks.md``, R1) is sequential by nature: whether a request gets its usual
GP depends on every booking made before it in the same practice. Practices are independent, so
the kernel walks one day's requests for *all* practices in a single compiled pass over flat
arrays (clinicians grouped by practice), with the running free-slot totals per practice-day that
make "earliest day any GP is free" a short scan. Numba compiles it once and caches it on disk.

For a request on day ``d`` whose usual clinician is ``u`` (``-1`` for none):

* same-day: ``u`` on day ``d`` if free; else the practice's clinician with most free slots on
  ``d`` (ties: lowest index) if any is free; else the earliest later day with a free slot,
  taking the clinician with most free slots that day;
* routine: the earliest day in ``d+1 .. d+window`` on which ``u`` is free; else the earliest
  later day with a free slot, as above.

A request that finds no slot before the diary ends is left unbooked (day ``-1``).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _most_free(free, first, stop, day):
    best, best_free = first, -1
    for c in range(first, stop):
        if free[c, day] > best_free:
            best, best_free = c, free[c, day]
    return best, best_free


@njit(cache=True)
def _earliest_any(free, practice_free, practice, first, stop, after):
    for day in range(after + 1, free.shape[1]):
        if practice_free[practice, day] > 0:
            clinician, _ = _most_free(free, first, stop, day)
            return day, clinician
    return -1, -1


@njit(cache=True)
def book_usual_first(day, practice, usual, same_day, group_start, group_stop, free, practice_free, capacity,
                     window, out_day, out_clinician, out_position):
    """Book ``len(practice)`` requests made on ``day``, in the given order, updating ``free`` in place.

    ``out_position`` receives the slot's position in the clinician's day (0 = first slot), from
    which the caller derives the appointment time.
    """
    for i in range(practice.shape[0]):
        out_day[i], out_clinician[i], out_position[i] = _book_one(
            day, practice[i], usual[i], same_day[i], group_start, group_stop, free, practice_free, capacity, window)


@njit(cache=True)
def _book_one(day, p, u, same_day, group_start, group_stop, free, practice_free, capacity, window):
    """Book one request of practice ``p``; returns (day, clinician, slot position), all -1 if unbooked."""
    first = group_start[p]
    stop = group_stop[p]
    when, who = -1, -1
    if same_day:
        if u >= 0 and free[u, day] > 0:
            when, who = day, u
        else:
            c, c_free = _most_free(free, first, stop, day)
            if c_free > 0:
                when, who = day, c
            else:
                when, who = _earliest_any(free, practice_free, p, first, stop, day)
    else:
        if u >= 0:
            last = min(day + window, free.shape[1] - 1)
            for ahead in range(day + 1, last + 1):
                if free[u, ahead] > 0:
                    when, who = ahead, u
                    break
        if when < 0:
            when, who = _earliest_any(free, practice_free, p, first, stop, day)
    if when < 0:
        return -1, -1, -1
    position = capacity[who, when] - free[who, when]
    free[who, when] -= 1
    practice_free[p, when] -= 1
    return when, who, position


@njit(cache=True)
def book_patients_usual_first(day, patient, urgency, same_day_code, patient_practice, patient_usual, group_start,
                              group_stop, free, practice_free, capacity, slot_minutes, window, out_day,
                              out_clinician, out_start_minute, out_minutes):
    """:func:`book_usual_first` for requests given by patient and urgency code, writing appointment times.

    One pass does the per-request lookups (practice, usual clinician, same-day flag) and turns the
    slot position into start minute and length (unbooked: start ``-1``, length 0).
    """
    for i in range(patient.shape[0]):
        who_patient = patient[i]
        when, who, position = _book_one(day, patient_practice[who_patient], patient_usual[who_patient],
                                        urgency[i] == same_day_code, group_start, group_stop, free, practice_free,
                                        capacity, window)
        out_day[i] = when
        out_clinician[i] = who
        if who >= 0:
            slot = slot_minutes[who]
            out_start_minute[i] = position * slot
            out_minutes[i] = slot
        else:
            out_start_minute[i] = -1
            out_minutes[i] = 0


def practice_free_totals(free: np.ndarray, group_start: np.ndarray, group_stop: np.ndarray) -> np.ndarray:
    """Free slots per practice and day, the running totals the kernel keeps in step with ``free``."""
    running = np.zeros((free.shape[0] + 1, free.shape[1]), dtype=np.int64)
    np.cumsum(free, axis=0, out=running[1:])
    return (running[group_stop] - running[group_start]).astype(np.int32)


__all__ = ["book_patients_usual_first", "book_usual_first", "practice_free_totals"]
