"""Access measures: worked examples (waits, the nearest-rank percentile, unmet demand, DNA), grouping by
deprivation and age, configuration errors and unsupported measures."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pyarrow as pa
import pytest

from carenet.measures.access import (
    AccessConfig,
    AccessConfigError,
    access_summary,
    dna_rate,
    third_next_available,
    unmet_demand,
    wait_distribution,
    wait_summary,
    waits,
)
from carenet.measures.reference import access as ref
from carenet.measures.support import Unsupported
from carenet.params import parameter
from carenet.schema import CarenetError

D = datetime


def _dataset() -> dict[str, pa.Table]:
    """Three patients; four requests; five appointments (one cancelled)."""
    return {
        "patients": pa.table({
            "patient_id": ["a", "b", "c"], "birth_date": [date(1950, 6, 1), date(2000, 1, 2), date(2020, 3, 1)],
            "sex": ["female"] * 3, "practice_id": ["P1", "P1", "P2"], "registered_from": [date(2000, 1, 1)] * 3,
            "deprivation_decile": pa.array([1, 6, None], pa.int8()),
        }),
        "requests": pa.table({
            "request_id": ["r1", "r2", "r3", "r4"], "patient_id": ["a", "b", "c", "a"], "practice_id": ["P1"] * 4,
            "requested_at": [D(2024, 1, 1, 8), D(2024, 1, 2, 8), D(2024, 1, 3, 8), D(2024, 3, 1, 8)],
            "need_type": ["acute_minor"] * 4, "urgency": ["same_day", "routine", "routine", "routine"],
            "channel": ["telephone"] * 4,
        }),
        "appointments": pa.table({
            "appointment_id": ["1", "2", "3", "4", "5"], "patient_id": ["a", "b", "b", "c", "a"],
            "request_id": ["r1", "r2", "r2", None, None],
            "requested_at": [None, None, None, D(2024, 1, 5, 8), D(2024, 2, 1, 9)],
            "booked_for": [D(2024, 1, 1, 10), D(2024, 1, 12, 9), D(2024, 1, 20, 9), D(2024, 1, 30, 9),
                           D(2024, 2, 20, 9)],
            "status": ["attended", "did_not_attend", "attended", "attended", "cancelled"],
            "urgency": [None, None, None, "routine", "routine"],
        }),
    }


def test_waits_worked_example(make_tables):
    rows = waits(make_tables(_dataset()), by=("age_band", "deprivation_quintile")).to_pyarrow().to_pylist()
    got = sorted((r["patient_id"], r["urgency"], r["wait_days"], r["age_band"], r["deprivation_quintile"])
                 for r in rows)
    # r1 same day; r2 answered by its first booking (12 Jan, 10 days) not the second; c's appointment names no
    # request and waited 25 days from its own requested_at; the cancelled appointment answers nothing.
    assert got == [("a", "same_day", 0, "65-74", 1), ("b", "routine", 10, "15-24", 3),
                   ("c", "routine", 25, "0-4", None)]


def test_wait_summary_worked_example(make_tables):
    rows = {r["urgency"]: r for r in wait_summary(make_tables(_dataset())).to_pyarrow().to_pylist()}
    assert rows["routine"] == {"urgency": "routine", "requests": 2, "unanswered": 0, "mean_wait_days": 17.5,
                               "p90_wait_days": 25, "share_same_day": 0.0, "share_within_14_days": 0.5}
    assert rows["same_day"]["share_same_day"] == 1.0


def test_nearest_rank_percentile(make_tables):
    def with_waits(days: list[int]) -> dict[str, pa.Table]:
        start = D(2024, 1, 1, 9)
        return {"appointments": pa.table({
            "appointment_id": [str(i) for i in range(len(days))], "patient_id": ["a"] * len(days),
            "requested_at": [start] * len(days), "booked_for": [start + timedelta(days=d) for d in days],
            "status": ["attended"] * len(days)})}

    nine_same_day = wait_summary(make_tables(with_waits([0] * 9 + [10])), by=()).to_pyarrow().to_pylist()[0]
    assert nine_same_day["p90_wait_days"] == 0  # rank ceil(0.9 * 10) = 9
    eight = wait_summary(make_tables(with_waits([0] * 8 + [5, 10])), by=()).to_pyarrow().to_pylist()[0]
    assert eight["p90_wait_days"] == 5
    median = wait_summary(make_tables(with_waits([1, 2, 3, 4])), AccessConfig(percentile=50), by=())
    assert median.to_pyarrow().to_pylist()[0]["p50_wait_days"] == 2
    assert ref.nearest_rank([1, 2, 3, 4], 50) == 2 and ref.nearest_rank([7], 90) == 7


def test_distribution_uses_nhs_booking_intervals(make_tables):
    rows = wait_distribution(make_tables(_dataset()), by=()).to_pyarrow().to_pylist()
    assert {r["booking_interval"]: r["requests"] for r in rows} == {"same_day": 1, "8_14_days": 1, "22_28_days": 1}
    assert [ref.booking_interval(d) for d in (0, 1, 2, 7, 8, 14, 15, 21, 22, 28, 29)] == [
        "same_day", "1_day", "2_7_days", "2_7_days", "8_14_days", "8_14_days", "15_21_days", "15_21_days",
        "22_28_days", "22_28_days", "over_28_days"]


def test_unmet_demand_worked_example(make_tables):
    rows = {r["urgency"]: r for r in unmet_demand(make_tables(_dataset()), by=("urgency",)).to_pyarrow().to_pylist()}
    # r3 has no booking (c's appointment does not name it): unmet. r4 (1 Mar) is the last moment in the data, so
    # its 28-day horizon has not closed: not counted yet.
    assert {k: (v["requests"], v["unmet"]) for k, v in rows.items()} == {"same_day": (1, 0), "routine": (2, 1)}
    short = unmet_demand(make_tables(_dataset()), AccessConfig(unmet_horizon_days=5), by=())
    assert short.to_pyarrow().to_pylist()[0]["unmet"] == 2  # r2's first booking came after 10 days


def _with_outcomes() -> dict[str, pa.Table]:
    """The worked example as the twin writes it: r3 was abandoned, and two more requests were redirected to a
    pharmacy (r5) or still wait (r6); r1 and r2 were booked."""
    data = _dataset()
    extra = pa.table({
        "request_id": ["r5", "r6"], "patient_id": ["b", "c"], "practice_id": ["P1", "P1"],
        "requested_at": [D(2024, 1, 4, 8), D(2024, 1, 5, 8)], "need_type": ["acute_minor"] * 2,
        "urgency": ["routine"] * 2, "channel": ["online"] * 2})
    requests = pa.concat_tables([data["requests"], extra])
    outcomes = pa.array(["booked", "booked", "abandoned", None, "redirected_pharmacy", "waiting"])
    return data | {"requests": requests.append_column("outcome", outcomes).append_column(
        "episode_id", pa.array(["r1", "r2", "r3", "r4", "r5", "r6"]))}


def test_unanswered_requests_count_in_the_shares(make_tables):
    tables = make_tables(_with_outcomes())
    rows = {r["urgency"]: r for r in wait_summary(tables).to_pyarrow().to_pylist()}
    # Routine: r2 (10 days) and c's appointment (25 days) answered; r3, r5 and r6 unanswered. Waits are those of
    # answered requests; the two-week share counts all five: 1 / 5, not 1 / 2.
    assert rows["routine"] == {"urgency": "routine", "requests": 2, "unanswered": 3, "mean_wait_days": 17.5,
                               "p90_wait_days": 25, "share_same_day": 0.0, "share_within_14_days": 0.2}
    dist = {r["booking_interval"]: r["share"] for r in wait_distribution(tables, by=()).to_pyarrow().to_pylist()}
    assert dist == {"same_day": 1 / 6, "8_14_days": 1 / 6, "22_28_days": 1 / 6, "abandoned": 1 / 6,
                    "redirected": 1 / 6, "waiting": 1 / 6}
    only = wait_distribution(tables, by=(), answered_only=True).to_pyarrow().to_pylist()
    assert {r["booking_interval"] for r in only} == {"same_day", "8_14_days", "22_28_days"}
    summary = access_summary(tables)
    assert summary["unanswered_requests"] == 3 and summary["share_within_14_days"] == pytest.approx(2 / 6)
    assert summary["definition"]["shares_of"].startswith("answered and unanswered")


def test_unmet_demand_by_outcome(make_tables):
    tables = make_tables(_with_outcomes())
    [row] = unmet_demand(tables).to_pyarrow().to_pylist()
    # Closed horizon: r1, r2, r3, r5, r6 (r4 is the last moment in the data). Unmet: r3, r5, r6.
    assert (row["requests"], row["unmet"]) == (5, 3)
    assert (row["unmet_abandoned"], row["unmet_redirected_pharmacy"], row["unmet_waiting"]) == (1, 1, 1)
    assert row["unmet_unknown"] == row["unmet_booked_late"] == 0
    summary = access_summary(tables)
    assert summary["unmet_demand"] == pytest.approx(3 / 5)
    assert summary["unmet_waiting"] == summary["unmet_abandoned"] == summary["unmet_redirected"] == pytest.approx(0.2)
    assert summary["unmet_by_outcome"]["redirected_pharmacy"] == pytest.approx(0.2)


def test_imported_requests_without_outcomes_keep_the_answered_definition(make_tables):
    summary = access_summary(make_tables(_dataset()))
    assert summary["definition"]["shares_of"].startswith("answered requests only")
    assert isinstance(summary["unanswered_requests"], Unsupported)
    assert "requests.outcome" in summary["unmet_waiting"].reason


def test_unmet_demand_needs_requests_matched_to_bookings(make_tables):
    data = _dataset()
    no_requests = unmet_demand(make_tables({"appointments": data["appointments"]}))
    assert isinstance(no_requests, Unsupported) and "'requests'" in no_requests.reason
    unlinked = data | {"appointments": data["appointments"].set_column(
        2, "request_id", pa.nulls(5, pa.string()))}
    marker = unmet_demand(make_tables(unlinked))
    assert isinstance(marker, Unsupported) and "request_id" in marker.reason


def test_dna_rate_by_deprivation(make_tables):
    rows = {r["deprivation_quintile"]: (r["appointments"], r["did_not_attend"])
            for r in dna_rate(make_tables(_dataset()), by=("deprivation_quintile",)).to_pyarrow().to_pylist()}
    assert rows == {1: (1, 0), 3: (2, 1), None: (1, 0)}  # the cancelled appointment has no outcome


def test_age_is_counted_on_the_birthday(make_tables):
    birthday = {"patients": pa.table({"patient_id": ["x"], "birth_date": [date(2019, 1, 2)], "sex": ["male"],
                                      "practice_id": ["P1"], "registered_from": [date(2019, 1, 2)]}),
                "appointments": pa.table({"appointment_id": ["1", "2"], "patient_id": ["x", "x"],
                                          "requested_at": [D(2024, 1, 1, 9), D(2024, 1, 2, 9)],
                                          "booked_for": [D(2024, 1, 3, 9), D(2024, 1, 3, 9)],
                                          "status": ["attended", "attended"]})}
    bands = sorted(r["age_band"] for r in waits(make_tables(birthday), by=("age_band",)).to_pyarrow().to_pylist())
    assert bands == ["0-4", "5-14"]  # 4 the day before the fifth birthday, 5 on it


def test_summary(make_tables):
    summary = access_summary(make_tables(_dataset()))
    assert summary["answered_requests"] == 3 and summary["mean_wait_days"] == pytest.approx(35 / 3)
    assert summary["p90_wait_days"] == 25 and summary["share_within_14_days"] == pytest.approx(2 / 3)
    assert summary["unmet_demand"] == pytest.approx(1 / 3) and summary["dna_rate"] == 0.25
    assert set(summary["by_urgency"]) == {"same_day", "routine"}
    assert isinstance(summary["third_next_available"], Unsupported)
    assert "slots" in summary["third_next_available"].reason


def test_third_next_available_is_unsupported_without_diaries(make_tables):
    marker = third_next_available(make_tables(_dataset()))
    assert isinstance(marker, Unsupported) and "diaries" in marker.reason


def test_bad_grouping_and_configuration_are_named(make_tables):
    with pytest.raises(CarenetError, match="cannot group access measures by \\['postcode'\\]"):
        wait_summary(make_tables(_dataset()), by=("postcode",))
    with pytest.raises(CarenetError, match="needs the 'patients' table"):
        wait_summary(make_tables({"appointments": _dataset()["appointments"]}), by=("age_band",))
    with pytest.raises(AccessConfigError, match="age_bands.*start at 0"):
        AccessConfig.from_mapping({"age_bands": [5, 10]})
    with pytest.raises(AccessConfigError, match="percentile"):
        AccessConfig.from_mapping({"percentile": 0})


def test_defaults_are_the_documented_parameters():
    config, section = AccessConfig(), "measures_continuity_access"
    assert config.within_days == parameter(f"{section}.access_within_days.value")
    assert config.unmet_horizon_days == parameter(f"{section}.access_unmet_horizon_days.value")
    assert config.percentile == parameter(f"{section}.access_percentile.value")
    assert list(config.age_bands) == parameter(f"{section}.access_age_bands.value")
