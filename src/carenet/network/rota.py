"""Who is at work on each working day: annual leave, study leave and sickness absence in whole days.

API: ``presence(staff, dates, settings, rng) -> np.ndarray`` of booleans ``[clinician, day]``;
``bank_holidays(start, end, settings) -> tuple[dt.date, ...]`` (practices are closed; the working
calendar leaves them out, so nobody works and no demand arrives on them).

A clinician works their named weekdays (:mod:`carenet.network.staffing`) except when away:

* **annual leave**: ``annual_leave_days`` a full-time year, taken ``leave_block_days`` at a time -
  whole weeks, chosen at random among the run's weeks - so a part-timer loses only their own days
  of those weeks (leave is pro rata without further arithmetic);
* **study leave**: single days, ``study_leave_days`` a year on average;
* **sickness**: spells that start on a working day with probability ``rate / spell length`` and
  last a geometric number of working days of mean ``sickness_spell_days``, so ``rate`` of working
  days are lost on average.

Rates are by staff group (GPs, nurses, others; ``network.rota`` in parameters.yaml). Somebody else
covers an absent clinician only in the sense that the booking engines find another free slot:
the absent clinician's diary is empty that day.
"""

from __future__ import annotations

import datetime as dt

import holidays
import numpy as np

from carenet.network.settings import ROLE_GROUPS, RotaSettings, role_groups
from carenet.network.staffing import Staffing

_WORKING_DAYS_PER_YEAR = 5 * 52
"""Weekdays in a year: turns a yearly number of days into a daily rate."""
_WEEK = 7


def bank_holidays(start: dt.date, end: dt.date, settings: RotaSettings) -> tuple[dt.date, ...]:
    """Bank holidays from ``start`` to ``end`` inclusive in the settings' country and subdivision."""
    calendar = holidays.country_holidays(settings.bank_holiday_country, subdiv=settings.bank_holiday_subdivision,
                                         years=range(start.year, end.year + 1))
    return tuple(sorted(d for d in calendar if start <= d <= end))


def presence(staff: Staffing, dates: np.ndarray, settings: RotaSettings, rng: np.random.Generator) -> np.ndarray:
    """``[clinician, day]``: True where the clinician works that working day (named weekday and not away)."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    count, days = len(staff), dates.size
    if count == 0 or days == 0:
        return np.zeros((count, days), bool)
    epoch = dates.astype(np.int64)
    weekday = (epoch + 3) % _WEEK  # 1970-01-01 was a Thursday
    works = staff.works()[:, weekday]
    group = role_groups()[staff.array("role")]
    annual = np.asarray([settings.annual_leave_days[g] for g in ROLE_GROUPS])[group]
    study = np.asarray([settings.study_leave_days[g] for g in ROLE_GROUPS])[group]
    sick = np.asarray([settings.sickness_absence_rate[g] for g in ROLE_GROUPS])[group]
    hub = staff.array("hub") >= 0
    away = _leave_weeks(epoch, annual, settings.leave_block_days, rng)
    away |= rng.random((count, days)) < (study / _WORKING_DAYS_PER_YEAR)[:, None]
    away |= _sickness(sick, settings.sickness_spell_days, days, rng)
    away[hub] = False  # hub sessions are covered by whoever the network rotas on
    return works & ~away


def _leave_weeks(epoch: np.ndarray, annual_days: np.ndarray, block_days: int, rng: np.random.Generator) -> np.ndarray:
    """Whole weeks of annual leave: ``annual_days / block_days`` a year, chosen at random among the run's weeks."""
    week = (epoch + 3) // _WEEK  # Monday-based week number
    weeks, week_of_day = np.unique(week, return_inverse=True)
    years = epoch.size / _WORKING_DAYS_PER_YEAR
    wanted = annual_days / max(block_days, 1) * years
    taken = np.floor(wanted + rng.random(annual_days.size)).astype(np.int64)  # whole weeks, right on average
    taken = np.minimum(taken, weeks.size)
    rank = np.argsort(np.argsort(rng.random((annual_days.size, weeks.size)), axis=1), axis=1)
    off_week = rank < taken[:, None]
    return off_week[:, week_of_day]


def _sickness(rate: np.ndarray, mean_spell: float, days: int, rng: np.random.Generator) -> np.ndarray:
    """Spells of sickness absence covering ``rate`` of working days on average."""
    count = rate.size
    start = rng.random((count, days)) < (rate / max(mean_spell, 1.0))[:, None]
    out = np.zeros((count, days), bool)
    rows, cols = np.nonzero(start)
    if rows.size == 0:
        return out
    length = rng.geometric(1.0 / max(mean_spell, 1.0), size=rows.size)
    for offset in range(int(length.max())):
        keep = (offset < length) & (cols + offset < days)
        out[rows[keep], cols[keep] + offset] = True
    return out


__all__ = ["bank_holidays", "presence"]
