"""Spec tests: every access measure, on every backend, equals the pure-Python oracle on generated data."""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa
from group_compare import assert_same_groups as compare_groups
from group_compare import rows_of
from hypothesis import given
from hypothesis import strategies as st

from carenet.measures import reference
from carenet.measures.access import (
    AccessConfig,
    access_summary,
    dna_rate,
    unmet_demand,
    wait_distribution,
    wait_summary,
)
from carenet.measures.support import Unsupported

windows = st.sampled_from([(None, None), (date(2024, 1, 10), None), (None, date(2024, 2, 20)),
                           (date(2024, 1, 5), date(2024, 2, 5))])
groupings = st.sampled_from([(), ("urgency",), ("age_band",), ("deprivation_quintile",), ("practice_id",),
                             ("urgency", "age_band"), ("segment",), ("deprivation_quintile", "segment")])


@st.composite
def access_configs(draw: st.DrawFn) -> AccessConfig:
    start, end = draw(windows)
    return AccessConfig(
        start=start, end=end, within_days=draw(st.sampled_from([14, 7, 0])),
        unmet_horizon_days=draw(st.sampled_from([28, 10, 0])), percentile=draw(st.sampled_from([90, 50, 100, 1])),
        age_bands=draw(st.sampled_from([(0, 5, 15, 25, 45, 65, 75, 85), (0, 18, 65)])),
    )


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(b))
    return a == b


def assert_same_groups(actual: list[dict[str, Any]], expected: dict[tuple, dict[str, Any]], keys: list[str]) -> None:
    compare_groups(actual, expected, keys, same)


def test_access_matches_oracle(backend, make_tables, spec):
    @spec.settings
    @given(data=st.data())
    def check(data):
        tables = data.draw(spec.datasets, label="dataset")
        config = data.draw(access_configs(), label="config")
        by = list(data.draw(groupings, label="by"))
        if "patients" not in tables:
            by = [k for k in by if k in ("urgency", "practice_id")]
        on_backend, rows = make_tables(tables), reference.as_rows(tables)
        labels = {p["patient_id"]: data.draw(st.sampled_from(["frail", "well"])) for p in rows["patients"]}
        segments = on_backend.upload("segments", pa.table({"patient_id": list(labels),
                                                           "segment": list(labels.values())}))
        ref_segments = {p: {"segment": s} for p, s in labels.items()}

        assert_same_groups(rows_of(wait_summary(on_backend, config, by, segments)),
                           reference.access.wait_summary(rows, config, by, ref_segments), by)
        answered_only = data.draw(st.booleans(), label="answered only")
        assert_same_groups(rows_of(wait_distribution(on_backend, config, by, segments, answered_only=answered_only)),
                           reference.access.wait_distribution(rows, config, by, ref_segments, answered_only),
                           [*by, "booking_interval"])
        assert_same_groups(rows_of(dna_rate(on_backend, config, by, segments)),
                           reference.access.dna_rate(rows, config, by, ref_segments), by)
        want = reference.access.unmet_demand(rows, config, by, ref_segments)
        got = unmet_demand(on_backend, config, by, segments)
        if isinstance(want, Unsupported):
            assert isinstance(got, Unsupported)
        else:
            assert_same_groups(rows_of(got), want, by)

        if data.draw(st.integers(0, 2), label="check the summary this time") != 0:
            return  # the summary re-runs the measures above; checking it on a third of the examples suffices
        got_summary, want_summary = access_summary(on_backend, config), reference.access.access_summary(rows, config)
        assert set(got_summary) == set(want_summary)
        for name, value in want_summary.items():
            if isinstance(value, Unsupported):
                assert isinstance(got_summary[name], Unsupported), name
            elif name in ("definition", "unmet_by_outcome"):
                assert set(got_summary[name]) == set(value), name
            elif name == "by_urgency":
                assert set(got_summary[name]) == set(value)
                for urgency, figures in value.items():
                    assert all(same(got_summary[name][urgency][k], v) for k, v in figures.items()), urgency
            else:
                assert same(got_summary[name], value), (name, got_summary[name], value)

    check()
