"""Backend fixtures for the measures tests: DuckDB, SQLite, PostgreSQL (the server ``postgres_options`` of
``tests/conftest.py`` starts) and Spark (one local session, ``spark_master``, for the whole test session)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from carenet.measures.backend import BACKENDS, Tables, connect, load
from carenet.schema import TABLES, conform


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend in turn: a test using it runs once on DuckDB, SQLite, PostgreSQL and Spark."""
    return request.param


@pytest.fixture(scope="session")
def backend_connection(request: pytest.FixtureRequest, backend: str):
    """One open connection per backend for the whole session."""
    if backend == "postgres":
        options = request.getfixturevalue("postgres_options")
        con = connect("postgres", **options)
    elif backend == "pyspark":
        con = request.getfixturevalue("spark_connection")
        yield con
        return
    else:
        con = connect(backend)
    yield con
    con.disconnect()


@pytest.fixture(scope="session")
def make_tables(backend: str, backend_connection) -> Callable[[Mapping[str, pa.Table]], Tables]:
    """Load a mapping of canonical Arrow tables onto the current backend."""

    def make(tables: Mapping[str, pa.Table]) -> Tables:
        return load(tables, backend, con=backend_connection)

    return make



# --- generated canonical datasets for the spec tests ----------------------------------------------------------------

_BASE = datetime(2024, 1, 1)
_CLINICIAN_ROLES = ("gp", "gp", "anp", "practice_nurse")
_MODES = ("face_to_face", "telephone", "video", "home_visit", None)
_STATUSES = ("attended", "attended", "attended", "did_not_attend", "booked", "cancelled")
_URGENCIES = ("same_day", "urgent", "routine", "proactive", None)
_PANEL_STARTS = (date(2023, 6, 1), date(2024, 1, 15), date(2024, 2, 10))
_OPTIONAL = ("clinicians", "panels", "team_members", "requests")
_NEEDS = ("acute_minor", "acute_minor", "medication", "musculoskeletal", "mental_health")
_OUTCOMES = (None, "booked", "booked", "waiting", "abandoned", "redirected_111", "redirected_pharmacy")


@st.composite
def canonical_datasets(draw: st.DrawFn) -> dict[str, pa.Table]:
    """Small canonical datasets with the awkward cases: ties in time, null roles and modes, several panel rows per
    patient, requests with several bookings, bookings before requests, absent optional tables."""
    n_patients = draw(st.integers(1, 8))
    n_clinicians = draw(st.integers(1, 5))
    patients = [f"p{i}" for i in range(n_patients)]
    clinicians = [f"c{i}" for i in range(n_clinicians)]
    roles = {c: draw(st.sampled_from(_CLINICIAN_ROLES)) for c in clinicians}
    moment = st.builds(lambda d, h, m: _BASE + timedelta(days=d, hours=h, minutes=m),
                       st.integers(0, 75), st.sampled_from((8, 9, 23)), st.sampled_from((0, 30)))
    out: dict[str, list[dict]] = {
        "practices": [{"practice_id": p, "name": p, "list_size": 100} for p in ("P1", "P2")],
        "patients": [{"patient_id": p, "birth_date": draw(st.dates(date(1930, 1, 1), date(2024, 2, 1))),
                      "sex": "female", "deprivation_decile": draw(st.none() | st.integers(1, 10)),
                      "practice_id": draw(st.sampled_from(("P1", "P2"))), "registered_from": date(2000, 1, 1)}
                     for p in patients],
        "clinicians": [{"clinician_id": c, "role": roles[c], "fte": 1.0} for c in clinicians],
        "teams": [{"team_id": t, "name": t, "kind": "micro_team"} for t in ("T1", "T2")],
        "team_members": [{"team_id": t, "clinician_id": c} for t in ("T1", "T2") for c in clinicians
                         if draw(st.booleans())],
        "panels": [{"patient_id": p, "start_date": s, "clinician_id": draw(st.none() | st.sampled_from(clinicians)),
                    "team_id": draw(st.sampled_from(("T1", "T2", None)))}
                   for p in patients for s in draw(st.sets(st.sampled_from(_PANEL_STARTS), max_size=2))],
        "requests": [{"request_id": f"r{i}", "patient_id": draw(st.sampled_from(patients)),
                      "practice_id": draw(st.sampled_from(("P1", "P2"))), "requested_at": draw(moment),
                      "need_type": draw(st.sampled_from(_NEEDS)), "urgency": draw(st.sampled_from(_URGENCIES[:-1])),
                      "channel": "telephone"} for i in range(draw(st.integers(0, 10)))],
    }
    # Imported data records no outcome or episode; twin data records both (some requests still without).
    with_outcomes = draw(st.booleans())
    for i, r in enumerate(out["requests"]):
        earlier = [q["request_id"] for q in out["requests"][:i] if q["patient_id"] == r["patient_id"]]
        r["episode_id"] = draw(st.sampled_from([None, r["request_id"], *earlier[-1:]])) if with_outcomes else None
        r["outcome"] = draw(st.sampled_from(_OUTCOMES)) if with_outcomes else None
        r["outcome_at"] = (None if r["outcome"] in (None, "waiting")
                           else r["requested_at"] + timedelta(days=draw(st.integers(0, 20))))
    appointments = []
    for i in range(draw(st.integers(0, 40))):
        request = draw(st.none() | st.sampled_from(out["requests"])) if out["requests"] else None
        booked_for = draw(moment)
        clinician = draw(st.none() | st.sampled_from(clinicians))
        lead = draw(st.none() | st.integers(-2, 30))
        appointments.append({
            "need_type": request["need_type"] if request else draw(st.sampled_from((None, *_NEEDS))),
            "appointment_id": f"a{i:02d}",
            "patient_id": request["patient_id"] if request else draw(st.sampled_from(patients)),
            "clinician_id": clinician,
            "role": draw(st.sampled_from((None, roles[clinician]))) if clinician else None,
            "practice_id": draw(st.sampled_from(("P1", "P2", None))),
            "request_id": request["request_id"] if request else None,
            "requested_at": None if lead is None else booked_for - timedelta(days=lead, hours=1),
            "booked_for": booked_for, "mode": draw(st.sampled_from(_MODES)), "status": draw(st.sampled_from(_STATUSES)),
            "urgency": draw(st.sampled_from(_URGENCIES)),
        })
    out["appointments"] = appointments
    for name in _OPTIONAL:
        if draw(st.integers(0, 4)) == 0:
            del out[name]
    if "teams" in out and "team_members" not in out and "panels" not in out:
        del out["teams"]
    return {name: conform(name, pa.Table.from_pylist(rows, schema=TABLES[name].schema)) for name, rows in out.items()}


SPEC_EXAMPLES = {"duckdb": 8, "sqlite": 6, "postgres": 4, "pyspark": 2}
"""Examples per spec test and backend in the default run (each example runs a dozen queries); set
``CARENET_SPEC_SCALE`` (e.g. 20) for a deeper search."""


def spec_settings(backend: str) -> settings:
    """Hypothesis settings per backend: fewer examples against the PostgreSQL server and Spark, which are slower per
    query (Spark plans and schedules every query as a job: a tenth of a second or more for the smallest)."""
    scale = float(os.environ.get("CARENET_SPEC_SCALE", "1"))
    return settings(max_examples=max(1, round(SPEC_EXAMPLES[backend] * scale)), deadline=None, derandomize=True,
                    database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@dataclass(frozen=True)
class Spec:
    """What a spec test needs: the dataset strategy and the Hypothesis settings for the current backend."""

    datasets: st.SearchStrategy[dict[str, pa.Table]]
    settings: settings


@pytest.fixture(scope="session")
def spec(backend: str) -> Spec:
    return Spec(canonical_datasets(), spec_settings(backend))
