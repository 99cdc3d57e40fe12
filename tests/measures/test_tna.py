"""Third next available appointment: a hand-worked example, the unsupported cases, and the spec against the oracle
on every backend (generated datasets with diaries)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carenet.measures import reference
from carenet.measures.access import TNA_SUMMARY, AccessConfig, access_summary, third_next_available
from carenet.measures.support import Unsupported
from carenet.schema import TABLES, conform

D = datetime
MON, TUE, WED, THU = (date(2024, 1, 1) + timedelta(days=k) for k in range(4))


def _example() -> dict[str, pa.Table]:
    """Three clinicians over four days: c1 and c2 at P1, c3 at P2."""
    diary = [("c1", "P1", MON, 1), ("c1", "P1", TUE, 2), ("c1", "P1", WED, 1), ("c1", "P1", THU, 1),
             ("c2", "P1", MON, 3), ("c2", "P1", WED, 2),
             ("c3", "P2", MON, 2), ("c3", "P2", TUE, 2), ("c3", "P2", WED, 0), ("c3", "P2", THU, 1)]
    booked = [  # id, site, booked_for, requested_at, status
        ("a1", "P1", D(2024, 1, 1, 9), D(2023, 12, 29, 9), "attended"),
        ("a2", "P1", D(2024, 1, 2, 9), D(2024, 1, 1, 9), "booked"),
        ("a3", "P1", D(2024, 1, 3, 9), None, "attended"),  # unknown booking time: taken all along
        ("a4", "P1", D(2024, 1, 3, 9), D(2023, 12, 30, 9), "cancelled"),  # cancelled: the slot is free
        ("a5", "P1", D(2024, 1, 3, 9), D(2024, 1, 1, 10), "booked"),
        ("a6", None, D(2024, 1, 1, 9), D(2023, 12, 1, 9), "attended"),  # no site: in no diary
        ("b1", "P2", D(2024, 1, 1, 9), D(2024, 1, 1, 8), "attended"),  # booked on the day: a held slot
        ("b2", "P2", D(2024, 1, 2, 9), D(2024, 1, 1, 8, 30), "attended"),
        ("b3", "P2", D(2024, 1, 1, 9), D(2023, 12, 31, 9), "did_not_attend"),
    ]
    tables = {
        "practices": pa.table({"practice_id": ["P1", "P2"], "name": ["P1", "P2"], "list_size": [100, 100]}),
        "clinicians": pa.table({"clinician_id": ["c1", "c2", "c3"], "role": ["gp", "gp", "anp"], "fte": [1.0] * 3}),
        "diaries": pa.table({"clinician_id": [r[0] for r in diary], "site_id": [r[1] for r in diary],
                             "date": [r[2] for r in diary], "slots": [r[3] for r in diary]}),
        "appointments": pa.table({"appointment_id": [r[0] for r in booked], "patient_id": ["p"] * len(booked),
                                  "site_id": [r[1] for r in booked], "booked_for": [r[2] for r in booked],
                                  "requested_at": pa.array([r[3] for r in booked], pa.timestamp("s")),
                                  "status": [r[4] for r in booked]}),
    }
    return {name: conform(name, t) for name, t in tables.items()}


def test_worked_example(make_tables):
    # Horizon 2 days; the diaries end on Thursday, so Monday and Tuesday are the sample days.
    # P1 Monday: 4 slots − a1 = 3 free on the day → 0. P1 Tuesday: Tue 2 − a2 = 1, Wed 3 − a3 − a5 = 1, Thu 1 → 2.
    # P2 Monday: 2 − b3 − b1 = 0 (b1, booked on its own day, filled a slot held for the day), Tue 2, Wed 0: two
    # free slots in the horizon → censored at 2. P2 Tuesday: Tue 2 − b2 = 1, Wed 0, Thu 1 → censored at 2.
    config = AccessConfig(tna_horizon_days=2)
    tables = make_tables(_example())
    got = {r["site_id"]: r for r in third_next_available(tables, config).to_pyarrow().to_pylist()}
    assert {k: (v["sample_days"], v["mean_tna_days"], v["censored_days"]) for k, v in got.items()} == {
        "P1": (2, 1.0, 0), "P2": (2, 2.0, 2)}
    summary = access_summary(tables, config)
    assert summary["third_next_available"] == pytest.approx(1.5)
    assert summary["third_next_available_by_practice"] == {"P1": 1.0, "P2": 2.0}
    # by role group: c1 and c2 (GPs) hold P1's slots, c3 (an ANP) P2's; no appointment names its role or
    # clinician, so every slot is free. GP at P1: Monday 0, Tuesday (Tue 2, Wed 3) 1. Nurse at P2: Monday
    # (Mon 2, Tue 2) 1, Tuesday (Tue 2, Wed 0, Thu 1) 2.
    assert summary["third_next_available_gp"] == pytest.approx(0.5)
    assert summary["third_next_available_nurse"] == pytest.approx(1.5)
    assert isinstance(summary["third_next_available_other_clinical"], Unsupported)
    want = reference.access.third_next_available(reference.as_rows(_example()), config)
    assert want == {("P1",): {"sample_days": 2, "mean_tna_days": 1.0, "censored_days": 0},
                    ("P2",): {"sample_days": 2, "mean_tna_days": 2.0, "censored_days": 2}}


def _typed(typed: bool) -> dict[str, pa.Table]:
    """One GP at P3, Monday to Thursday, with slots held for the day on Monday and Tuesday (typed or not)."""
    diary = [(MON, 2, "routine"), (MON, 2, "on_the_day"), (TUE, 1, "routine"), (TUE, 3, "on_the_day"),
             (WED, 1, "routine"), (THU, 1, "routine")]
    if not typed:  # the same slots, the diaries not saying which are held
        diary = [(day, sum(n for d, n, _ in diary if d == day), None) for day in (MON, TUE, WED, THU)]
    booked = [  # id, booked_for, requested_at
        ("x1", D(2024, 1, 1, 9), D(2024, 1, 1, 8)),  # same day: a held slot
        ("x2", D(2024, 1, 1, 10), D(2023, 12, 29, 9)),
        ("x3", D(2024, 1, 2, 9), D(2024, 1, 1, 10)),
        ("x4", D(2024, 1, 3, 9), D(2024, 1, 2, 9)),
    ]
    tables = {
        "practices": pa.table({"practice_id": ["P3"], "name": ["P3"], "list_size": [100]}),
        "diaries": pa.table({"clinician_id": ["c4"] * len(diary), "site_id": ["P3"] * len(diary),
                             "date": [r[0] for r in diary], "slots": [r[1] for r in diary],
                             "slot_type": pa.array([r[2] for r in diary], pa.string())}),
        "appointments": pa.table({"appointment_id": [r[0] for r in booked], "patient_id": ["p"] * len(booked),
                                  "site_id": ["P3"] * len(booked), "booked_for": [r[1] for r in booked],
                                  "requested_at": pa.array([r[2] for r in booked], pa.timestamp("s")),
                                  "status": ["attended"] * len(booked)}),
    }
    return {name: conform(name, t) for name, t in tables.items()}


def test_slots_held_for_the_day_are_left_out_where_the_diaries_say_which(make_tables):
    # Typed: Monday: 2 routine − x2 = 1 free (x1 filled a held slot, which never counts); Tuesday 1 (x3 was made
    # on Monday, after the start of Monday) → 2; Wednesday 1 → the third on Wednesday: 2 days. Tuesday: 1 − x3 = 0,
    # Wednesday 1, Thursday 1: two free slots in the horizon → censored at 2. Mean 2.0.
    # Untyped (held slots inferred from same-day bookings): Monday 4 − x2 − x1 = 2, Tuesday 4 → 1 day; Tuesday
    # 4 − x3 = 3 → 0 days. Mean 0.5: the held slots flatter access when the diaries do not say which they are.
    config = AccessConfig(tna_horizon_days=2)
    for typed, mean, censored in ((True, 2.0, 1), (False, 0.5, 0)):
        got = third_next_available(make_tables(_typed(typed)), config).to_pyarrow().to_pylist()
        assert [(r["site_id"], r["sample_days"], r["mean_tna_days"], r["censored_days"]) for r in got] == [
            ("P3", 2, mean, censored)]
        want = reference.access.third_next_available(reference.as_rows(_typed(typed)), config)
        assert want == {("P3",): {"sample_days": 2, "mean_tna_days": mean, "censored_days": censored}}


def test_window_and_open_horizon(make_tables):
    tables = make_tables(_example())
    only_tuesday = third_next_available(tables, AccessConfig(tna_horizon_days=2, start=TUE)).to_pyarrow()
    assert sorted(only_tuesday.column("mean_tna_days").to_pylist()) == [2.0, 2.0]
    # The default 28-day look-ahead is not covered by four days of diaries: no sample day, no number.
    summary = access_summary(tables)
    assert isinstance(summary["third_next_available"], Unsupported)
    assert "look-ahead" in summary["third_next_available"].reason
    assert summary["third_next_available_by_practice"] == {}


def test_unsupported_without_diaries(make_tables):
    tables = _example()
    del tables["diaries"]
    marker = third_next_available(make_tables(tables))
    assert isinstance(marker, Unsupported) and "'diaries'" in marker.reason


# --- spec: the Ibis measure equals the oracle on every backend ------------------------------------------------------

_SITES = ("P1", "P2")
EXAMPLES_FACTOR = {"duckdb": 3, "sqlite": 3, "postgres": 3, "pyspark": 1}
"""One query chain per example (not a dozen as in the other spec tests), so three times their examples; once on
Spark, where that one chain is some twenty jobs."""


_STATUSES = ("attended", "booked", "did_not_attend", "cancelled")
_SLOT_TYPE_SETS = st.sampled_from([(None,), ("routine",), ("routine", "on_the_day"), ("on_the_day",),
                                   ("routine", "on_the_day", "long")])
"""A clinician-day's diary rows: untyped, or slots of one or more types."""


@st.composite
def with_diaries(draw: st.DrawFn, datasets: st.SearchStrategy[dict[str, pa.Table]]) -> dict[str, pa.Table]:
    """A generated dataset with diaries, and appointments dense in those diaries: scarce slots, bookings made on,
    before and after the sample days (times at midnight, mid-morning and late evening), unknown booking times."""
    tables = dict(draw(datasets))
    days = draw(st.integers(3, 15))
    first = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 7)))
    diary = [{"clinician_id": c, "site_id": site, "date": first + timedelta(days=k), "slots": draw(st.integers(0, 2)),
              "slot_minutes": None, "slot_type": slot_type}
             for c in ("c0", "c1") for k in range(days) if draw(st.integers(0, 3)) > 0
             for site in [draw(st.sampled_from(_SITES))] for slot_type in draw(_SLOT_TYPE_SETS)]
    tables["diaries"] = conform("diaries", pa.Table.from_pylist(diary, schema=TABLES["diaries"].schema))
    patients = tables["patients"].column("patient_id").to_pylist()
    appointments = []
    for i in range(draw(st.integers(0, 30))):
        day = datetime.combine(first + timedelta(days=draw(st.integers(-2, days + 2))), datetime.min.time())
        lead = draw(st.none() | st.integers(-1, 2))
        made = None if lead is None else day - timedelta(days=lead) + timedelta(hours=draw(st.sampled_from((0, 9, 23))))
        appointments.append({"appointment_id": f"t{i}", "patient_id": draw(st.sampled_from(patients)),
                             "site_id": draw(st.sampled_from((*_SITES, None))), "requested_at": made,
                             "booked_for": day + timedelta(hours=10), "status": draw(st.sampled_from(_STATUSES)),
                             "clinician_id": draw(st.sampled_from(("c0", "c1", None))),
                             "role": draw(st.sampled_from((None, None, "gp", "practice_nurse", "fcp")))})
    tables["appointments"] = conform("appointments", pa.Table.from_pylist(
        appointments, schema=pa.schema([TABLES["appointments"].schema.field(k) for k in (
            "appointment_id", "patient_id", "site_id", "requested_at", "booked_for", "status", "clinician_id",
            "role")])))
    return tables


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(b))
    return a == b


def test_tna_matches_oracle(backend, make_tables, spec):
    @settings(spec.settings, max_examples=spec.settings.max_examples * EXAMPLES_FACTOR[backend])
    @given(data=st.data())
    def check(data):
        tables = data.draw(with_diaries(spec.datasets), label="dataset")
        config = AccessConfig(tna_horizon_days=data.draw(st.sampled_from([2, 5, 0, 10])),
                              start=data.draw(st.none() | st.just(date(2024, 1, 5))),
                              end=data.draw(st.none() | st.just(date(2024, 1, 12))))
        on_backend, rows = make_tables(tables), reference.as_rows(tables)
        want = reference.access.third_next_available(rows, config)
        got = third_next_available(on_backend, config)
        if isinstance(want, Unsupported):
            assert isinstance(got, Unsupported)
            return
        got_rows = {(r["site_id"],): r for r in got.to_pyarrow().to_pylist()}
        assert set(got_rows) == set(want)
        for key, figures in want.items():
            assert all(_close(got_rows[key][k], v) for k, v in figures.items()), (key, got_rows[key], figures)
        want_groups = reference.access.third_next_available(rows, config, by_role_group=True)
        got_groups = third_next_available(on_backend, config, by_role_group=True)
        if isinstance(want_groups, Unsupported):
            assert isinstance(got_groups, Unsupported)
        else:
            got_rows = {(r["site_id"], r["role_group"]): r for r in got_groups.to_pyarrow().to_pylist()}
            assert set(got_rows) == set(want_groups)
            for key, figures in want_groups.items():
                assert all(_close(got_rows[key][k], v) for k, v in figures.items()), (key, got_rows[key], figures)
        got_summary = access_summary(on_backend, config)
        want_summary = reference.access.access_summary(rows, config)
        if isinstance(want_summary["third_next_available"], Unsupported):
            assert isinstance(got_summary["third_next_available"], Unsupported)
        else:
            assert _close(got_summary["third_next_available"], want_summary["third_next_available"])
        assert set(got_summary["third_next_available_by_practice"]) == set(
            want_summary["third_next_available_by_practice"])
        for key in TNA_SUMMARY:
            if isinstance(want_summary[key], Unsupported):
                assert isinstance(got_summary[key], Unsupported), key
            else:
                assert _close(got_summary[key], want_summary[key]), key

    check()
