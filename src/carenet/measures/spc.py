"""Statistical process control: XmR charts as NHS England's "Making Data Count" draws them.

The centre line is the mean of the baseline points; the process limits sit at mean ± 2.66 × the
mean moving range, the near (2σ) limits at mean ± ⅔ × 2.66 × the mean moving range. Four
special-cause rules flag points (parameters.md §8, following NHS-R ``NHSRplotthedots``
``R/ptd_spc_standard.R`` and ``R/ptd_calculate_point_type.R``):

1. a point outside the process limits;
2. a shift: 7 consecutive points on the same side of the mean (a point on the mean breaks it);
3. a trend: 7 consecutive points each higher (or each lower) than the one before;
4. two of three consecutive points beyond the same near limit (but inside the process limits),
   all three on the same side of the mean; only the points beyond the near limit are flagged.

Series are short (weeks, months), so this is plain NumPy; the series themselves are built by
:mod:`carenet.measures.series` style builders in :func:`build_series` with Ibis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa

from carenet.schema.errors import CarenetError

LIMIT_MULTIPLIER = 2.66
"""Process limits at mean ± 2.66 × mean moving range (NHSRplotthedots ``ptd_spc_standard.R``: ``limit <- 2.66``)."""

NEAR_LIMIT_MULTIPLIER = 2 * LIMIT_MULTIPLIER / 3
"""Near (2σ) limits, ⅔ of the process-limit distance (``limitclose <- 2 * (limit / 3)``)."""

OUTLIER_SCREEN_MULTIPLIER = 3.267
"""Optional baseline screen: moving ranges ≥ 3.267 × the mean moving range are left out (``ptd_spc_standard.R``)."""

RUN_LENGTH = 7
"""Points in a shift or a trend (Making Data Count, "four rules are enough"; parameters.md §8)."""

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


__all__ = ["LIMIT_MULTIPLIER", "NEAR_LIMIT_MULTIPLIER", "OUTLIER_SCREEN_MULTIPLIER", "RUN_LENGTH", "SPCError",
           "XmRChart", "xmr"]
