"""The inclusion-health service: a segment team whose diaries are kept for people experiencing homelessness.

On one deprived population and one seed, the service books its cohort sooner than the traditional practice does.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from carenet.models import Cohort, load_model
from carenet.network import NetworkSettings, lay_over
from carenet.network.diaries import LONG, RESERVED
from carenet.population import synthesise

START = dt.date(2025, 4, 1)
DAYS = 60
"""Long enough for the cohort's few dozen same-day requests to tell the two models apart on any seed (on 5, 6 and 7
the service sees 0.19 to 0.29 more of them on the day; over 30 days the margin was as small as 0.04 on one seed)."""


@pytest.fixture(scope="module")
def population():
    """About 5,000 patients in two deprived practices: enough people experiencing homelessness for a team each."""
    practices = pa.table({"practice_id": ["H10001", "H10002"], "name": ["Docks", "Market"],
                          "network_id": ["N1", "N1"], "imd_score": [48.0, 40.0], "list_size": [2600, 2400],
                          "postcode": [None, None]})
    networks = pa.table({"network_id": ["N1"], "name": ["Inner PCN"], "kind": ["pcn"]})
    return synthesise(practices, networks, seed=21)


def test_the_model_is_valid_and_its_team_serves_the_homeless():
    model = load_model("inclusion_health")
    team = model.teams[0]
    assert team.kind == "segment_service" and team.cohort == Cohort(homeless=True)
    assert team.access is not None and team.access.appointment_minutes >= 20 and 0 < team.access.walk_in_share < 1
    assert model.proactive.case_management[0].cohort.homeless
    assert team.cohort.describe() == "experiencing homelessness"


def test_the_team_holds_the_cohort_in_diaries_of_its_own(population):
    network = lay_over(load_model("inclusion_health"), population, START, 10, NetworkSettings.from_parameters(),
                       np.random.SeedSequence(3))
    homeless = network.frame.homeless == 1
    assert 30 < homeless.sum() < 300
    teams = network.staff.teams
    dedicated = [t for t, spec in enumerate(teams.spec) if spec is not None and spec.access is not None]
    assert len(dedicated) == 2  # one per practice
    assert set(np.unique(network.panels.team[homeless])) == set(dedicated)
    assert not np.isin(network.panels.team[~homeless], dedicated).any()
    lanes = network.lanes
    reserved = lanes.kind == RESERVED
    assert reserved.any() and set(np.unique(lanes.team[reserved])) == set(dedicated)
    assert (lanes.slot_minutes[reserved] == 30).all()
    open_days = (lanes.capacity[reserved].sum(axis=0) > 0).mean()
    assert open_days > 0.9  # a walk-in service is open every weekday, however small its share of a practice
    walk_in = load_model("inclusion_health").teams[0].access.walk_in_share
    expected = np.floor(lanes.capacity[reserved] * walk_in + 0.5)  # held for the day, rounded per clinician-day
    assert (lanes.held[reserved] == expected).all() and lanes.held[reserved].sum() > 0
    assert not (lanes.kind == LONG).any()


def _cohort_access(run) -> dict[str, float]:
    """The cohort's own requests (not planned work): share booked, same-day requests seen on the day, and the mean
    working days between the day a booked request wanted and its appointment."""
    from carenet.network.requests import URGENCY

    record, frame = run.record, run.setup.frame
    requests, bookings = record.requests, record.bookings
    own = (frame.homeless[requests.patient] == 1) & (requests.urgency != URGENCY["proactive"]) & (requests.role < 0)
    booked = bookings.day >= 0
    delay = bookings.day - requests.requested_day - requests.earliest
    same_day = own & (requests.urgency == URGENCY["same_day"])
    return {"requests": int(own.sum()), "booked": float(booked[own].mean()),
            "same_day": float((booked & (delay <= 0))[same_day].mean()),
            "mean_delay": float(delay[own & booked].mean())}


def test_the_service_books_its_cohort_sooner_than_the_traditional_practice(population):
    from carenet.twin import run_model

    runs = {name: run_model(load_model(name), population, start=START, days=DAYS, seed=5)
            for name in ("traditional", "inclusion_health")}
    trad, incl = (_cohort_access(runs[n]) for n in ("traditional", "inclusion_health"))
    assert trad["requests"] > 40 and incl["requests"] > 40
    assert incl["booked"] > trad["booked"]
    assert incl["same_day"] > trad["same_day"] + 0.1
    assert incl["mean_delay"] < trad["mean_delay"]
    # Only the cohort books the team's own diaries.
    setup, record = runs["inclusion_health"].setup, runs["inclusion_health"].record
    lane = record.bookings.lane[record.bookings.day >= 0]
    patient = record.requests.patient[record.bookings.day >= 0]
    on_team = setup.lanes.kind[lane] == RESERVED
    assert on_team.any() and (setup.frame.homeless[patient[on_team]] == 1).all()
