"""Spec tests: every continuity measure, on every backend, equals the pure-Python oracle on generated data."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pyarrow as pa
from group_compare import assert_same_groups as compare_groups
from group_compare import rows_of
from hypothesis import given
from hypothesis import strategies as st

from carenet.measures import reference
from carenet.measures.continuity import (
    FACE_TO_FACE_MODES,
    ContinuityConfig,
    continuity_by_segment,
    continuity_summary,
    micro_team_share,
    own_patient_ratio,
    patient_continuity,
    slicc,
)
from carenet.measures.support import Unsupported

windows = st.sampled_from([(None, None), (date(2024, 1, 10), None), (None, date(2024, 2, 20)),
                           (date(2024, 1, 5), date(2024, 2, 5))])


@st.composite
def continuity_configs(draw: st.DrawFn) -> ContinuityConfig:
    start, end = draw(windows)
    return ContinuityConfig(
        start=start, end=end,
        roles=draw(st.sampled_from([("gp",), ("gp", "anp"), ("gp", "anp", "practice_nurse")])),
        modes=draw(st.sampled_from([None, FACE_TO_FACE_MODES, ("telephone",)])),
        min_contacts=draw(st.sampled_from([2, 2, 3])),
        list_modes=draw(st.sampled_from([FACE_TO_FACE_MODES, None])),
        team_roles=draw(st.sampled_from([None, ("gp",)])),
    )


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def assert_same_groups(actual: list[dict[str, Any]], expected: dict[tuple, dict[str, Any]], keys: list[str]) -> None:
    compare_groups(actual, expected, keys, same)


def test_continuity_matches_oracle(backend, make_tables, spec):
    @spec.settings
    @given(data=st.data())
    def check(data):
        tables = data.draw(spec.datasets, label="dataset")
        config = data.draw(continuity_configs(), label="config")
        on_backend, rows = make_tables(tables), reference.as_rows(tables)

        expected = {(p,): v for p, v in reference.continuity.patient_continuity(rows, config).items()}
        per_patient = rows_of(patient_continuity(on_backend, config))
        assert_same_groups(per_patient, expected, ["patient_id"])
        for r in per_patient:  # the properties hold on the backend's own numbers too
            assert r["contacts"] >= config.min_contacts
            assert 1 / r["clinicians"] - 1e-12 <= r["upc"] <= 1 and 0 <= r["coc"] <= 1 + 1e-12
            assert (abs(r["coc"] - 1) < 1e-12) == (r["clinicians"] == 1)

        for level, keys in (("list", ["named_clinician_id", "month"]), ("practice", ["practice_id", "month"]),
                            ("network", ["month"])):
            want = reference.continuity.slicc(rows, config, level)
            got = slicc(on_backend, config, level=level)
            if isinstance(want, Unsupported):
                assert isinstance(got, Unsupported)
            else:
                assert_same_groups(rows_of(got), want, keys)

        want = reference.continuity.own_patient_ratio(rows, config)
        got = own_patient_ratio(on_backend, config)
        assert isinstance(got, Unsupported) if isinstance(want, Unsupported) else True
        if not isinstance(want, Unsupported):
            assert_same_groups(rows_of(got), {(k,): v for k, v in want.items()}, ["clinician_id"])

        for level, key in (("patient", "patient_id"), ("team", "team_id")):
            want = reference.continuity.micro_team_share(rows, config, level)
            got = micro_team_share(on_backend, config, level=level)
            if isinstance(want, Unsupported):
                assert isinstance(got, Unsupported)
            else:
                assert_same_groups(rows_of(got), {(k,): v for k, v in want.items()}, [key])

        labels = {p["patient_id"]: data.draw(st.sampled_from(["frail", "well"])) for p in rows["patients"]}
        segments = on_backend.upload("segments", pa.table({"patient_id": list(labels),
                                                           "segment": list(labels.values())}))
        per_patient = reference.continuity.patient_continuity(rows, config)
        by_segment: dict[tuple, dict[str, Any]] = {}
        for segment in set(labels.values()):
            upcs = [v["upc"] for p, v in per_patient.items() if labels[p] == segment]
            if upcs:
                by_segment[(segment,)] = {"patients": len(upcs), "upc_mean": sum(upcs) / len(upcs)}
        assert_same_groups(rows_of(continuity_by_segment(on_backend, config, segments)), by_segment, ["segment"])

        if data.draw(st.integers(0, 2), label="check the summary this time") != 0:
            return  # the summary re-runs the measures above; checking it on a third of the examples suffices
        got_summary = continuity_summary(on_backend, config)
        want_summary = reference.continuity.continuity_summary(rows, config)
        assert set(got_summary) == set(want_summary)
        for name, want in want_summary.items():
            if isinstance(want, Unsupported):
                assert isinstance(got_summary[name], Unsupported), name
            else:
                assert same(got_summary[name], want), (name, got_summary[name], want)

    check()
