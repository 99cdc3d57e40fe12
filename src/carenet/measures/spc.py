"""Statistical process control: XmR charts as NHS England's "Making Data Count" draws them.

The centre line is the mean of the baseline points; the process limits sit at mean ± 2.66 × the
mean moving range, the near (2σ) limits at mean ± ⅔ × 2.66 × the mean moving range. Four
special-cause rules flag points (docs/reference/parameters.md §8, following NHS-R ``NHSRplotthedots``
``R/ptd_spc_standard.R`` and ``R/ptd_calculate_point_type.R``):

1. a point outside the process limits;
2. a shift: 7 consecutive points on the same side of the mean (a point on the mean breaks it);
3. a trend: 7 consecutive points each higher (or each lower) than the one before;
4. two of three consecutive points beyond the same near limit (but inside the process limits),
   all three on the same side of the mean; only the points beyond the near limit are flagged.

Series are short (weeks, months), so the chart is plain NumPy; :func:`build_series` builds the
weekly or monthly series from canonical tables with Ibis on any backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from carenet.measures.access import AccessConfig, unanswered, waits
from carenet.measures.backend import Tables
from carenet.measures.segments import Period
from carenet.measures.support import flag
from carenet.schema.errors import CarenetError

LIMIT_MULTIPLIER = 2.66
"""Process limits at mean ± 2.66 × mean moving range (NHSRplotthedots ``ptd_spc_standard.R``: ``limit <- 2.66``)."""

NEAR_LIMIT_MULTIPLIER = 2 * LIMIT_MULTIPLIER / 3
"""Near (2σ) limits, ⅔ of the process-limit distance (``limitclose <- 2 * (limit / 3)``)."""

OUTLIER_SCREEN_MULTIPLIER = 3.267
"""Optional baseline screen: moving ranges ≥ 3.267 × the mean moving range are left out (``ptd_spc_standard.R``)."""

RUN_LENGTH = 7
"""Points in a shift or a trend (Making Data Count, "four rules are enough"; docs/reference/parameters.md §8)."""

Improvement = Literal["increase", "decrease"] | None


class SPCError(CarenetError):
    """A series that cannot be charted (too short, not finite, a bad baseline)."""


@dataclass(frozen=True)
class XmRChart:
    """An XmR chart: the series, its limits and, point by point, which special-cause rules fire."""

    values: np.ndarray
    mean: float
    mean_moving_range: float
    upper_limit: float
    lower_limit: float
    near_upper: float
    near_lower: float
    outside_limits: np.ndarray
    shift: np.ndarray
    trend: np.ndarray
    two_of_three: np.ndarray
    improvement: Improvement = None

    @property
    def special_cause(self) -> np.ndarray:
        """Whether any rule flags each point."""
        return self.outside_limits | self.shift | self.trend | self.two_of_three

    def point_types(self) -> list[str]:
        """Each point's variation type, as the Making Data Count icons name it."""
        side = np.sign(self.values - self.mean)
        out = []
        for special, s in zip(self.special_cause, side, strict=True):
            if not special:
                out.append("common_cause")
            elif self.improvement is None:
                out.append("special_cause_neutral_" + ("high" if s > 0 else "low"))
            elif (s > 0) == (self.improvement == "increase"):
                out.append("special_cause_improvement")
            else:
                out.append("special_cause_concern")
        return out

    def signals(self) -> dict[str, list[int]]:
        """1-based positions of the points each rule flags (only rules that fire)."""
        flags = {"outside_limits": self.outside_limits, "shift": self.shift, "trend": self.trend,
                 "two_of_three": self.two_of_three}
        return {k: (np.flatnonzero(v) + 1).tolist() for k, v in flags.items() if v.any()}

    def to_arrow(self, periods: pa.Array | None = None) -> pa.Table:
        """The chart as a table, one row per point (with ``periods`` as the first column if given)."""
        n = len(self.values)
        cols = {} if periods is None else {"period": periods}
        cols.update({
            "value": pa.array(self.values, pa.float64()),
            "mean": pa.array(np.full(n, self.mean)),
            "upper_limit": pa.array(np.full(n, self.upper_limit)),
            "lower_limit": pa.array(np.full(n, self.lower_limit)),
            "outside_limits": pa.array(self.outside_limits),
            "shift": pa.array(self.shift),
            "trend": pa.array(self.trend),
            "two_of_three": pa.array(self.two_of_three),
            "point_type": pa.array(self.point_types()),
        })
        return pa.table(cols)


def xmr(
    values: np.ndarray | list[float],
    *,
    baseline: int | None = None,
    screen_outliers: bool = False,
    improvement: Improvement = None,
) -> XmRChart:
    """Chart ``values`` (in time order, no gaps).

    ``baseline`` fixes the mean and limits on the first that-many points (Making Data Count's
    "fix after n points"); ``screen_outliers`` leaves out moving ranges ≥ 3.267 × their mean
    before the limits are set. ``improvement`` says which direction is better, for point types.
    """
    y = np.asarray(values, dtype=np.float64)
    if y.ndim != 1 or len(y) < 2:
        raise SPCError(f"an XmR chart needs a series of at least 2 points, got {len(y)}")
    if not np.all(np.isfinite(y)):
        raise SPCError(f"the series has {int((~np.isfinite(y)).sum())} missing or infinite value(s); "
                       "an XmR chart needs a value for every period")
    if improvement not in ("increase", "decrease", None):
        raise SPCError(f"improvement must be 'increase', 'decrease' or None, got {improvement!r}")
    n_base = len(y) if baseline is None else baseline
    if not 2 <= n_base <= len(y):
        raise SPCError(f"baseline must be between 2 and the series length ({len(y)}), got {baseline}")
    base = y[:n_base]
    mean = float(base.mean())
    moving_ranges = np.abs(np.diff(base))
    mmr = float(moving_ranges.mean())
    if screen_outliers:
        moving_ranges = moving_ranges[moving_ranges < OUTLIER_SCREEN_MULTIPLIER * mmr]
        mmr = float(moving_ranges.mean()) if len(moving_ranges) else 0.0
    upl, lpl = mean + LIMIT_MULTIPLIER * mmr, mean - LIMIT_MULTIPLIER * mmr
    nupl, nlpl = mean + NEAR_LIMIT_MULTIPLIER * mmr, mean - NEAR_LIMIT_MULTIPLIER * mmr
    outside = (y > upl) | (y < lpl)
    side = np.sign(y - mean)
    near = ~outside & ((y > nupl) | (y < nlpl))
    return XmRChart(
        values=y, mean=mean, mean_moving_range=mmr, upper_limit=upl, lower_limit=lpl, near_upper=nupl,
        near_lower=nlpl, outside_limits=outside, shift=_runs(side, RUN_LENGTH),
        trend=_runs(np.sign(np.diff(y)), RUN_LENGTH - 1, shift_by=1),
        two_of_three=_two_of_three(near, side), improvement=improvement,
    )


def _runs(signs: np.ndarray, length: int, shift_by: int = 0) -> np.ndarray:
    """Mark every element of a run of ≥ ``length`` equal non-zero signs.

    For trends ``signs`` are the signs of successive differences: a run of 6 differences covers 7
    points, so the marks are widened by ``shift_by`` to include the point before the first difference.
    """
    n = len(signs) + shift_by
    marked = np.zeros(n, dtype=bool)
    if len(signs) < length:
        return marked
    windows = np.lib.stride_tricks.sliding_window_view(signs, length)
    full = (windows == windows[:, :1]).all(axis=1) & (windows[:, 0] != 0)
    for start in np.flatnonzero(full):
        marked[start:start + length + shift_by] = True
    return marked


def _two_of_three(near: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Points beyond a near limit that sit in some window of 3 with ≥ 2 such points, all one side of the mean."""
    n = len(near)
    flagged = np.zeros(n, dtype=bool)
    if n < 3:
        return flagged
    near_w = np.lib.stride_tricks.sliding_window_view(near, 3)
    side_w = np.lib.stride_tricks.sliding_window_view(side, 3)
    hit = (near_w.sum(axis=1) >= 2) & (np.abs(side_w.sum(axis=1)) == 3)
    for start in np.flatnonzero(hit):
        flagged[start:start + 3] |= near[start:start + 3]
    return flagged


# --- series builders ------------------------------------------------------------------------------------------------

Frequency = Literal["week", "month"]
_TRUNCATE = {"week": "W", "month": "M"}


@dataclass(frozen=True)
class SeriesSpec:
    """A named series: which appointments, dated by which moment, aggregated how; and which direction is better."""

    description: str
    improvement: Improvement
    rows: Callable[[Tables], ir.Table]
    """Appointments (or requests) behind the series, with a ``moment`` column that dates each into a period."""
    value: Callable[[], dict[str, ibis.Deferred]]
    count_like: bool = False


def _held(tables: Tables) -> ir.Table:
    a = tables["appointments"]
    seen = a.filter(a.status == "attended")
    return seen.mutate(moment=seen.booked_for)


def _done(tables: Tables) -> ir.Table:
    a = tables["appointments"]
    done = a.filter(a.status.isin(["attended", "did_not_attend"]))
    return done.mutate(moment=done.booked_for, missed=flag(done.status == "did_not_attend").cast("float64"))


def _waits(tables: Tables) -> ir.Table:
    a = tables["appointments"]
    asked = a.filter(a.requested_at.notnull(), a.status != "cancelled")
    wait = asked.booked_for.date().delta(asked.requested_at.date(), unit="day")
    return asked.mutate(moment=asked.requested_at, wait=wait.cast("float64"), same_day=flag(wait == 0).cast("float64"))


def _within(tables: Tables) -> ir.Table:
    """Requests by day of request, flagged 1 when seen within the two-week standard: answered requests (the access
    page's unit) and unanswered ones (waiting, abandoned, redirected), which count as not seen."""
    config = AccessConfig()
    w = waits(tables, config)
    rows = w.select(moment=w.requested_at, within=flag(w.wait_days <= config.within_days).cast("float64"))
    u = unanswered(tables, config)
    if u is None:
        return rows
    return rows.union(u.select(moment=u.requested_at, within=ibis.literal(0).cast("float64")), distinct=False)


_ = ibis._
SERIES: dict[str, SeriesSpec] = {
    "appointments": SeriesSpec("attended appointments, by day of appointment", None, _held,
                               lambda: {"value": _.count(), "n": _.count()}, count_like=True),
    "dna_rate": SeriesSpec("share of appointments not attended, by day of appointment", "decrease", _done,
                           lambda: {"value": _.missed.mean(), "n": _.count()}),
    "mean_wait_days": SeriesSpec("mean days from request to appointment, by day of request", "decrease", _waits,
                                 lambda: {"value": _.wait.mean(), "n": _.count()}),
    "same_day_share": SeriesSpec("share of requests given an appointment the same day, by day of request",
                                 "increase", _waits, lambda: {"value": _.same_day.mean(), "n": _.count()}),
    "within_14_days_share": SeriesSpec(
        "share of requests seen within 14 days, requests still waiting, abandoned or redirected included, by day "
        "of request", "increase", _within, lambda: {"value": _.within.mean(), "n": _.count()}),
}
"""Series :func:`build_series` can build, by name."""



def _bucket_starts(period: Period, frequency: Frequency) -> list[date]:
    """Starts of the whole weeks (Monday) or months that lie inside ``period``."""
    starts = []
    if frequency == "week":
        day = period.start + timedelta(days=(7 - period.start.weekday()) % 7)
        while day + timedelta(days=6) <= period.end:
            starts.append(day)
            day += timedelta(days=7)
    else:
        day = period.start if period.start.day == 1 else _next_month(period.start)
        while _next_month(day) - timedelta(days=1) <= period.end:
            starts.append(day)
            day = _next_month(day)
    return starts


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _series_rows(tables: Tables, name: str, period: Period, frequency: Frequency) -> tuple[ir.Table, list[date]]:
    """The rows behind series ``name`` in the whole weeks or months of ``period``, each with its ``period_start``,
    and the starts of those weeks or months."""
    if name not in SERIES:
        raise SPCError(f"unknown series {name!r}; choose one of {', '.join(SERIES)}")
    if frequency not in _TRUNCATE:
        raise SPCError(f"frequency must be 'week' or 'month', got {frequency!r}")
    missing = tables.require("appointments", measure=f"the {name} series")
    if missing:
        raise SPCError(missing.reason)
    rows = SERIES[name].rows(tables)
    starts = _bucket_starts(period, frequency)
    if not starts:
        return rows.limit(0).mutate(period_start=ibis.null("date")), starts
    whole = Period(starts[0], period.end)
    kept = rows.filter(whole.contains(rows.moment))
    return kept.mutate(period_start=kept.moment.truncate(_TRUNCATE[frequency]).date()), starts


def _filled(got: dict[date, dict], starts: list[date], spec: SeriesSpec) -> tuple[list[date], list[float], list[int]]:
    """One value per period from the first to the last with data: zero for a count series' empty period, none
    for a mean or share with nothing behind it."""
    covered = [s for s in starts if s in got]
    if covered:  # periods before the first data or after the last are outside the data, not zeros
        starts = [s for s in starts if covered[0] <= s <= covered[-1]]
    out_start, out_value, out_n = [], [], []
    for start in starts:
        r = got.get(start)
        if r is None and not spec.count_like:
            continue
        out_start.append(start)
        out_value.append(float(r["value"]) if r else 0.0)
        out_n.append(int(r["n"]) if r else 0)
    return out_start, out_value, out_n


def build_series(tables: Tables, name: str, period: Period, frequency: Frequency = "week") -> pa.Table:
    """The series ``name`` (see :data:`SERIES`) for each whole week or month in ``period``.

    Columns: period_start (date), value (float), n (rows behind the value). Count series give 0 for
    an empty period between the first and the last with data; a mean or share with nothing behind
    it is left out (an XmR chart needs a value).
    """
    kept, starts = _series_rows(tables, name, period, frequency)
    if not starts:
        return pa.table({"period_start": pa.array([], pa.date32()), "value": pa.array([], pa.float64()),
                         "n": pa.array([], pa.int64())})
    grouped = kept.group_by("period_start").aggregate(**SERIES[name].value())
    got = {r["period_start"]: r for r in tables.con.to_pyarrow(grouped).to_pylist()}
    out_start, out_value, out_n = _filled(got, starts, SERIES[name])
    return pa.table({"period_start": pa.array(out_start, pa.date32()), "value": pa.array(out_value, pa.float64()),
                     "n": pa.array(out_n, pa.int64())})


def build_series_by(tables: Tables, name: str, period: Period, frequency: Frequency,
                    unit_of: Callable[[ir.Table], ir.Table]) -> pa.Table:
    """The series ``name`` for each unit (a site, a practice, a team …), in one grouped query.

    ``unit_of`` takes the series' rows and returns them with a string column ``unit`` (rows whose unit is null
    are left out). Columns: unit, period_start, value, n; each unit's periods as :func:`build_series` gives them.
    """
    kept, starts = _series_rows(tables, name, period, frequency)
    empty = pa.table({"unit": pa.array([], pa.string()), "period_start": pa.array([], pa.date32()),
                      "value": pa.array([], pa.float64()), "n": pa.array([], pa.int64())})
    if not starts:
        return empty
    kept = unit_of(kept)
    kept = kept.filter(kept.unit.notnull())
    grouped = kept.group_by(["unit", "period_start"]).aggregate(**SERIES[name].value())
    per_unit: dict[str, dict[date, dict]] = {}
    for r in tables.con.to_pyarrow(grouped).to_pylist():
        per_unit.setdefault(r["unit"], {})[r["period_start"]] = r
    columns: dict[str, list] = {"unit": [], "period_start": [], "value": [], "n": []}
    for unit in sorted(per_unit):
        out_start, out_value, out_n = _filled(per_unit[unit], starts, SERIES[name])
        columns["unit"] += [unit] * len(out_start)
        columns["period_start"] += out_start
        columns["value"] += out_value
        columns["n"] += out_n
    if not columns["unit"]:
        return empty
    return pa.table({"unit": pa.array(columns["unit"], pa.string()),
                     "period_start": pa.array(columns["period_start"], pa.date32()),
                     "value": pa.array(columns["value"], pa.float64()), "n": pa.array(columns["n"], pa.int64())})


def chart_series(tables: Tables, name: str, period: Period, frequency: Frequency = "week",
                 baseline: int | None = None) -> tuple[pa.Table, XmRChart]:
    """Build a series and chart it: (the series, its XmR chart)."""
    series = build_series(tables, name, period, frequency)
    if series.num_rows < 2:
        raise SPCError(f"the {name} series has {series.num_rows} whole {frequency}(s) with data between "
                       f"{period.start} and {period.end}; an XmR chart needs at least 2")
    return series, xmr(series.column("value").to_numpy(), baseline=baseline, improvement=SERIES[name].improvement)


__all__ = ["LIMIT_MULTIPLIER", "NEAR_LIMIT_MULTIPLIER", "OUTLIER_SCREEN_MULTIPLIER", "RUN_LENGTH", "SERIES", "SPCError",
           "SeriesSpec", "XmRChart", "build_series", "build_series_by", "chart_series", "xmr"]
