"""Requests carry their episode and how they ended; both are optional (imported data lacks them)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from carenet.schema import validate_dataset
from carenet.schema.codes import REDIRECT_OUTCOMES, REQUEST_OUTCOMES
from carenet.schema.tables import READABLE_SCHEMA_VERSIONS, REQUESTS, SCHEMA_VERSION, conform


def _base() -> dict[str, pa.Table]:
    practices = pa.table({"practice_id": ["A81001"], "name": ["North"], "list_size": pa.array([2], pa.int32())})
    patients = pa.table({"patient_id": ["p1"], "birth_date": pa.array([dt.date(1950, 1, 2)]), "sex": ["female"],
                         "practice_id": ["A81001"], "registered_from": pa.array([dt.date(2000, 1, 1)])})
    return {"practices": practices, "patients": patients}


def _requests(**extra: list) -> pa.Table:
    t = dt.datetime(2025, 4, 1, 9)
    cols = {"request_id": ["r1", "r2"], "patient_id": ["p1", "p1"], "practice_id": ["A81001", "A81001"],
            "requested_at": pa.array([t, t], pa.timestamp("s")), "need_type": ["acute_minor", "acute_minor"],
            "urgency": ["routine", "routine"], "channel": ["online", "telephone"], **extra}
    return conform("requests", pa.table(cols))


def test_version_and_new_columns_are_nullable():
    assert "1.1" in READABLE_SCHEMA_VERSIONS and SCHEMA_VERSION in READABLE_SCHEMA_VERSIONS
    for name in ("episode_id", "outcome", "outcome_at"):
        assert REQUESTS.schema.field(name).nullable
    assert set(REDIRECT_OUTCOMES) == {"redirected_111", "redirected_utc", "redirected_ae", "redirected_pharmacy"}
    assert {"booked", "waiting", "abandoned"} <= set(REQUEST_OUTCOMES)


def test_imported_requests_without_the_columns_conform_to_nulls_and_validate():
    req = _requests()
    assert req.column("outcome").null_count == 2 and req.column("episode_id").null_count == 2
    assert validate_dataset({**_base(), "requests": req}) == []


def test_outcome_code_set_and_episode_reference_are_enforced():
    good = _requests(episode_id=["r1", "r1"], outcome=["booked", "redirected_pharmacy"])
    assert validate_dataset({**_base(), "requests": good}) == []
    bad_code = _requests(outcome=["booked", "gave_up"])
    [p] = validate_dataset({**_base(), "requests": bad_code})
    assert (p.row, p.column, p.rule) == (1, "outcome", "code set")
    dangling = _requests(episode_id=["r1", "r9"])
    [p] = validate_dataset({**_base(), "requests": dangling})
    assert (p.row, p.column, p.rule) == (1, "episode_id", "reference to requests.request_id")
