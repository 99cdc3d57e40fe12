"""XmR charts: the Making Data Count test vectors, properties of the limits and rules, and the series builders
against a plain-Python count on every backend."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from small_network import canonical

from carenet.measures import Period, build_series, chart_series, xmr
from carenet.measures.spc import SPCError
from carenet.params import parameter

VECTORS = parameter("spc_making_data_count.test_vectors")
SIGNAL_NAMES = {"shift": "shift", "trend": "trend", "outside limits": "outside_limits",
                "two-of-three": "two_of_three"}


def expected_signals(text: str) -> dict[str, list[int]]:
    """Parse e.g. 'trend points 3-11; outside limits point 11' into {'trend': [3..11], 'outside_limits': [11]}."""
    if text == "none":
        return {}
    out = {}
    for part in text.split(";"):
        words = part.strip().rsplit(" ", 1)
        label, span = words[0].replace(" points", "").replace(" point", ""), words[1]
        lo, _, hi = span.partition("-")
        out[SIGNAL_NAMES[label]] = list(range(int(lo), int(hi or lo) + 1))
    return out


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: f"{len(v['series'])}pts")
def test_published_test_vectors(vector):
    chart = xmr(vector["series"])
    assert round(chart.mean, 4) == pytest.approx(vector["mean"])
    assert round(chart.mean_moving_range, 4) == pytest.approx(vector["mmr"])
    assert round(chart.upper_limit, 4) == pytest.approx(vector["upl"])
    if "lpl" in vector:
        assert round(chart.lower_limit, 4) == pytest.approx(vector["lpl"])
    if "near_upper" in vector:
        assert round(chart.near_upper, 4) == pytest.approx(vector["near_upper"])
    assert chart.signals() == expected_signals(vector["signals"])


def test_outlier_shows_why_baselines_should_exclude_it():
    # docs/reference/parameters.md §8: a late outlier inflates the moving range and drags every earlier point
    # below the mean
    chart = xmr([10, 12, 11, 9, 10, 11, 12, 10, 9, 11, 10, 30])
    assert chart.signals() == {"outside_limits": [12], "shift": list(range(1, 12))}
    fixed = xmr([10, 12, 11, 9, 10, 11, 12, 10, 9, 11, 10, 30], baseline=11)
    assert fixed.signals() == {"outside_limits": [12]}
    assert fixed.mean == pytest.approx(np.mean([10, 12, 11, 9, 10, 11, 12, 10, 9, 11, 10]))


def test_outlier_screen_drops_large_moving_ranges():
    values = [10, 11, 10, 11, 10, 11, 10, 40, 10, 11]
    plain, screened = xmr(values), xmr(values, screen_outliers=True)
    assert screened.mean_moving_range == pytest.approx(1.0)
    assert plain.mean_moving_range > screened.mean_moving_range


def test_point_types_follow_the_improvement_direction():
    values = [5, 6, 5, 6, 5, 6, 5, 6, 20]
    assert xmr(values, baseline=8, improvement="increase").point_types()[-1] == "special_cause_improvement"
    assert xmr(values, baseline=8, improvement="decrease").point_types()[-1] == "special_cause_concern"
    assert xmr(values, baseline=8).point_types() == ["common_cause"] * 8 + ["special_cause_neutral_high"]


def test_ties_break_runs_and_trends():
    # a point on the mean (4 here) breaks a shift; an equal neighbour breaks a trend
    on_mean = [1, 1, 1, 4, 1, 1, 1, 7, 7, 7, 7, 7, 7, 4]
    assert xmr(on_mean).mean == 4 and not xmr(on_mean).shift.any()
    assert xmr([1, 1, 1, 0.9, 1, 1, 1, 7, 7, 7, 7, 7, 7, 4]).shift[:7].all()
    assert not xmr([1, 2, 3, 4, 4, 5, 6, 7]).trend.any()
    assert xmr([1, 2, 3, 4, 5, 6, 7, 7]).trend[:7].all()


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=40),
       st.floats(-1e3, 1e3), st.floats(0.01, 100))
@settings(max_examples=60, deadline=None, derandomize=True, database=None)
def test_rules_are_invariant_to_shift_and_scale(values, shift, scale):
    base, moved = xmr(values), xmr([v * scale + shift for v in values])
    assert math.isclose(moved.mean, base.mean * scale + shift, rel_tol=1e-6, abs_tol=1e-3)
    assert math.isclose(moved.upper_limit - moved.mean, (base.upper_limit - base.mean) * scale, rel_tol=1e-6,
                        abs_tol=1e-3)
    if np.ptp(values) > 1e-3:  # away from rounding ties the same points fire
        for rule in ("shift", "trend"):
            assert (getattr(moved, rule) == getattr(base, rule)).all()


@given(st.lists(st.floats(-100, 100, allow_nan=False), min_size=2, max_size=40))
@settings(max_examples=60, deadline=None, derandomize=True, database=None)
def test_limits_are_symmetric_and_flags_consistent(values):
    c = xmr(values)
    assert math.isclose(c.upper_limit - c.mean, c.mean - c.lower_limit, abs_tol=1e-9)
    y = np.asarray(values)
    assert (c.outside_limits == ((y > c.upper_limit) | (y < c.lower_limit))).all()
    assert not (c.two_of_three & c.outside_limits).any()
    assert c.shift.sum() == 0 or c.shift.sum() >= 7
    assert c.trend.sum() == 0 or c.trend.sum() >= 7


def test_bad_series_are_clear_errors():
    with pytest.raises(SPCError, match="at least 2"):
        xmr([1.0])
    with pytest.raises(SPCError, match="missing or infinite"):
        xmr([1.0, float("nan"), 2.0])
    with pytest.raises(SPCError, match="baseline"):
        xmr([1, 2, 3], baseline=5)


def appointment_rows(n: int, rng: np.random.Generator) -> list[dict]:
    start = datetime(2024, 1, 1)
    rows = []
    for i in range(n):
        asked = start + timedelta(days=int(rng.integers(0, 120)), hours=int(rng.integers(8, 18)))
        rows.append({"appointment_id": f"a{i}", "patient_id": "p", "requested_at": asked,
                     "booked_for": asked + timedelta(days=int(rng.choice([0, 0, 1, 2, 9]))),
                     "status": str(rng.choice(["attended", "attended", "did_not_attend", "cancelled", "booked"]))})
    return rows


def python_series(rows: list[dict], name: str, starts: list[date], every: str) -> dict[date, float]:
    def bucket(moment: datetime) -> date:
        d = moment.date()
        return d - timedelta(days=d.weekday()) if every == "week" else d.replace(day=1)

    groups: dict[date, list[float]] = defaultdict(list)
    for r in rows:
        if name == "appointments" and r["status"] == "attended":
            groups[bucket(r["booked_for"])].append(1)
        elif name == "dna_rate" and r["status"] in ("attended", "did_not_attend"):
            groups[bucket(r["booked_for"])].append(r["status"] == "did_not_attend")
        elif name in ("mean_wait_days", "same_day_share") and r["status"] != "cancelled":
            wait = (r["booked_for"].date() - r["requested_at"].date()).days
            groups[bucket(r["requested_at"])].append(wait if name == "mean_wait_days" else wait == 0)
    if name == "appointments":
        return {s: float(len(groups.get(s, []))) for s in starts}
    return {s: sum(groups[s]) / len(groups[s]) for s in starts if groups.get(s)}


@pytest.mark.parametrize("every", ["week", "month"])
def test_series_match_python_on_every_backend(make_tables, every):
    rows = appointment_rows(150, np.random.default_rng(7))
    tables = make_tables(canonical({"patients": [{"patient_id": "p", "birth_date": date(1980, 1, 1), "sex": "male",
                                                  "practice_id": "P1", "registered_from": date(2000, 1, 1)}],
                                    "appointments": rows}))
    period = Period(date(2024, 1, 3), date(2024, 4, 30))
    for name in ("appointments", "dna_rate", "mean_wait_days", "same_day_share"):
        got = build_series(tables, name, period, every)
        starts = got.column("period_start").to_pylist()
        # whole periods only: weeks from Monday 8 January, months from February
        assert starts[0] == (date(2024, 1, 8) if every == "week" else date(2024, 2, 1))
        assert starts[-1] == (date(2024, 4, 22) if every == "week" else date(2024, 4, 1))
        want = python_series(rows, name, starts, every)
        assert dict(zip(starts, got.column("value").to_pylist(), strict=True)) == pytest.approx(want)
    series, chart = chart_series(tables, "mean_wait_days", period, every)
    assert chart.improvement == "decrease" and len(chart.values) == series.num_rows


def test_series_errors_name_the_problem(make_tables):
    tables = make_tables(canonical({"patients": []}))
    with pytest.raises(SPCError, match="appointments"):
        build_series(tables, "appointments", Period(date(2024, 1, 1), date(2024, 3, 1)))
    with pytest.raises(SPCError, match="unknown series"):
        build_series(tables, "waits", Period(date(2024, 1, 1), date(2024, 3, 1)))


def test_count_series_cover_the_data_not_the_whole_period(make_tables):
    rows = [{"appointment_id": f"a{i}", "patient_id": "p", "status": "attended",
             "booked_for": datetime(2024, 3, 4) + timedelta(days=14 * i)} for i in range(4)]  # every other week
    tables = make_tables(canonical({"patients": [], "appointments": rows}))
    got = build_series(tables, "appointments", Period(date(2024, 1, 1), date(2024, 6, 30)), "week")
    assert got.column("period_start").to_pylist()[0] == date(2024, 3, 4)
    assert got.column("period_start").to_pylist()[-1] == date(2024, 4, 15)
    assert got.column("value").to_pylist() == [1, 0, 1, 0, 1, 0, 1]


def test_within_14_days_series_counts_unanswered_requests(make_tables):
    monday = datetime(2024, 1, 8, 9)
    requests = [{"request_id": f"r{week}{i}", "patient_id": "p", "practice_id": "P1",
                 "requested_at": monday + timedelta(days=7 * week + i), "need_type": "acute_minor",
                 "urgency": "routine", "channel": "online", "outcome": outcome}
                for week in (0, 1) for i, outcome in enumerate(("booked", "booked", "abandoned", "redirected_111"))]
    waits = {0: (1, 20), 1: (0, 3)}  # week 0: one seen next day, one after 20 days; week 1: same day and 3 days
    appointments = [{"appointment_id": f"a{k}{j}", "patient_id": "p", "request_id": requests[4 * k + j]["request_id"],
                     "booked_for": requests[4 * k + j]["requested_at"] + timedelta(days=waits[k][j]),
                     "status": "attended"} for k in (0, 1) for j in (0, 1)]
    tables = make_tables(canonical({"patients": [{"patient_id": "p", "birth_date": date(1980, 1, 1), "sex": "male",
                                                  "practice_id": "P1", "registered_from": date(2000, 1, 1)}],
                                    "requests": requests, "appointments": appointments}))
    got = build_series(tables, "within_14_days_share", Period(date(2024, 1, 8), date(2024, 1, 21)), "week")
    # four requests a week, two unanswered: week 1 one of four within 14 days, week 2 two of four
    assert got.column("value").to_pylist() == [0.25, 0.5] and got.column("n").to_pylist() == [4, 4]
