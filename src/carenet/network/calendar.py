"""The network's clock: working days (Monday to Friday, less bank holidays) from a start date, and demand multipliers.

Demand is drawn per working day. Its weekly and seasonal shape multiplies the annual rate: a
weekday factor (Monday busiest) and a month factor (winter above summer), each normalised to mean
one so that a whole year still delivers the annual rate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

_EPOCH_WEEKDAY_SHIFT = 3  # 1970-01-01 was a Thursday: (epoch days + 3) % 7 == 0 on Mondays
_WEEK = 7


@dataclass(frozen=True)
class WorkingCalendar:
    """``days`` consecutive working days from ``start`` (rolled forward to a working day), skipping ``holidays``."""

    start: dt.date
    days: int
    holidays: tuple[dt.date, ...] = ()

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError(f"a run needs at least one working day, got {self.days}")

    @property
    def dates(self) -> np.ndarray:
        """``datetime64[D]`` date of each working day."""
        closed = np.asarray(self.holidays, dtype="datetime64[D]")
        first = np.busday_offset(np.datetime64(self.start, "D"), 0, roll="forward", holidays=closed)
        return np.busday_offset(first, np.arange(self.days), roll="forward", holidays=closed)

    @property
    def weekday(self) -> np.ndarray:
        """0 = Monday … 4 = Friday, per working day."""
        return ((self.dates.astype("int64") + _EPOCH_WEEKDAY_SHIFT) % _WEEK).astype(np.int8)

    @property
    def month(self) -> np.ndarray:
        """1 … 12, per working day."""
        return (self.dates.astype("datetime64[M]").astype("int64") % 12 + 1).astype(np.int8)

    def extended(self, days: int) -> WorkingCalendar:
        """The same calendar (start and holidays) over ``days`` working days."""
        return WorkingCalendar(self.start, days, self.holidays)

    def date(self, day: int) -> dt.date:
        return self.dates[day].astype(dt.date)

    def multipliers(self, weekday_factor: np.ndarray, month_factor: np.ndarray) -> np.ndarray:
        """Demand multiplier per working day: weekday factor (5) × month factor (12), each of mean one."""
        wk = np.asarray(weekday_factor, dtype=np.float64)
        mo = np.asarray(month_factor, dtype=np.float64)
        if wk.shape != (5,) or mo.shape != (12,):
            raise ValueError("weekday factors need 5 values (Mon-Fri) and month factors 12 (Jan-Dec)")
        wk = wk / wk.mean()
        mo = mo / mo.mean()
        return wk[self.weekday] * mo[self.month - 1]


def calendar_days_between(calendar: WorkingCalendar, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Calendar days from working day ``first`` to working day ``second`` (elementwise)."""
    dates = calendar.dates.astype("int64")
    return dates[second] - dates[first]


__all__ = ["WorkingCalendar", "calendar_days_between"]
