"""Funnel limits (Spiegelhalter, Stat Med 2005;24:1185-1202) checked on worked examples computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from carenet.measures.funnel import (
    FunnelError,
    FunnelSettings,
    mean_funnel,
    mean_funnel_from_summary,
    proportion_funnel,
)

Z95, Z998 = 1.959964, 3.090232


def test_proportion_limits_of_a_worked_example() -> None:
    # p0 = (35 + 5 + 28 + 12 + 120) / 1000 = 0.2; at n = 100 the standard error is sqrt(0.2 * 0.8 / 100) = 0.04,
    # so the limits are 0.2 ± 1.96 × 0.04 = 0.1216 to 0.2784 and 0.2 ± 3.09 × 0.04 = 0.0764 to 0.3236.
    f = proportion_funnel(["A", "B", "C", "D", "E"], [35, 5, 28, 12, 120], [100, 100, 100, 100, 600])
    assert f.target == pytest.approx(0.2)
    assert f.inner_low[0] == pytest.approx(0.2 - Z95 * 0.04) and f.inner_low[0] == pytest.approx(0.1216, abs=1e-4)
    assert f.inner_high[0] == pytest.approx(0.2784, abs=1e-4)
    assert f.outer_low[0] == pytest.approx(0.0764, abs=1e-4) and f.outer_high[0] == pytest.approx(0.3236, abs=1e-4)
    # at n = 600 the funnel is narrower: 0.2 ± 1.96 × sqrt(0.16 / 600)
    assert f.inner_high[4] == pytest.approx(0.2 + Z95 * math.sqrt(0.16 / 600))
    assert f.flag == ["above 99.8%", "below 99.8%", "above 95%", "below 95%", "within"]
    assert f.outliers == ["A", "B"]


def test_a_unit_below_the_minimum_denominator_is_shown_but_not_flagged() -> None:
    f = proportion_funnel(["big", "tiny"], [200, 9], [1000, 10], FunnelSettings(min_denominator=20))
    assert f.value[1] == pytest.approx(0.9) and f.flag[1] == "too few"
    assert f.flag[0] == "within"


def test_proportion_limits_stay_between_zero_and_one() -> None:
    f = proportion_funnel(["a", "b"], [1, 1], [20, 980])
    assert np.all(f.outer_low >= 0) and np.all(f.outer_high <= 1)


def test_mean_limits_of_a_worked_example() -> None:
    # mean 5, sigma 2, n = 16: standard error 0.5, limits 5 ± 1.96 × 0.5 = 4.02 to 5.98, 5 ± 3.09 × 0.5.
    f = mean_funnel_from_summary(["A", "B", "C"], [16, 16, 16], [5.0, 6.2, 3.8], sd=2.0,
                                 settings=FunnelSettings(min_denominator=10))
    assert f.target == pytest.approx(5.0)
    assert (f.inner_low[0], f.inner_high[0]) == pytest.approx((5 - Z95 * 0.5, 5 + Z95 * 0.5))
    assert (f.inner_low[0], f.inner_high[0]) == pytest.approx((4.02, 5.98), abs=1e-3)
    assert (f.outer_low[0], f.outer_high[0]) == pytest.approx((5 - Z998 * 0.5, 5 + Z998 * 0.5))
    assert f.flag == ["within", "above 95%", "below 95%"]
    assert mean_funnel_from_summary(["A"], [16], [5.0], sd=2.0).flag == ["too few"]  # 16 is below the default 20


def test_mean_funnel_from_sums_uses_the_pooled_standard_deviation_of_the_observations() -> None:
    units = {"a": [0.0, 2.0, 0.0, 2.0] * 10, "b": [1.0, 3.0] * 10, "c": [0.0] * 10}
    n = [len(v) for v in units.values()]
    f = mean_funnel(list(units), n, [sum(v) for v in units.values()], [sum(x * x for x in v) for v in units.values()])
    everything = np.concatenate([np.array(v) for v in units.values()])
    assert f.target == pytest.approx(everything.mean())
    assert f.sd == pytest.approx(everything.std(ddof=1))
    assert f.inner_high[1] == pytest.approx(everything.mean() + Z95 * everything.std(ddof=1) / math.sqrt(20))
    assert f.value.tolist() == pytest.approx([1.0, 2.0, 0.0])
    assert f.flag == ["within", "above 99.8%", "too few"]


def test_the_curves_pass_through_each_units_limits() -> None:
    f = proportion_funnel(["A", "B", "C", "D", "E"], [35, 5, 28, 12, 120], [100, 100, 100, 100, 600])
    low, high, outer_low, outer_high = f.limits_at([100, 600])
    assert high.tolist() == pytest.approx([f.inner_high[0], f.inner_high[4]])
    assert outer_low.tolist() == pytest.approx([f.outer_low[0], f.outer_low[4]])


@pytest.mark.parametrize(("num", "den"), [([5], [4]), ([-1], [4]), ([1, 2], [3]), ([0], [0])])
def test_impossible_proportions_are_refused(num: list[int], den: list[int]) -> None:
    with pytest.raises(FunnelError):
        proportion_funnel([str(i) for i in range(len(num))], num, den)


def test_settings_must_order_their_z_values() -> None:
    with pytest.raises(FunnelError, match="inner < outer"):
        FunnelSettings(z_inner=3.0, z_outer=2.0)


def test_a_bounded_mean_keeps_its_limits_inside_its_range() -> None:
    # indices of 0 or 1: 29 and 24 ones out of 30 each; at n = 5 the upper limit 0.883 + 3.09 × 0.324 / √5 passes 1
    f = mean_funnel(["a", "b"], [30, 30], [29.0, 24.0], [29.0, 24.0], bounds=(0.0, 1.0))
    assert np.all(f.outer_high <= 1.0) and f.limits_at([5])[3][0] == 1.0
