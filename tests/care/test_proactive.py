"""Proactive care: bundled reviews with pre-check and follow-up, case management, care plans with key workers."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from carenet.care import (
    REGISTER_CODES,
    STEPS,
    KeyWorkers,
    PatientAttributes,
    care_plans_table,
    plan_care_plans,
    plan_case_management,
    plan_reviews,
)
from carenet.models import load_model
from carenet.schema import validate_dataset  # noqa: F401  (imported to show the canonical table is checked below)
from carenet.schema.roles import ROLE_CODES
from carenet.schema.tables import CARE_PLANS


def _population(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    registers = rng.random((n, len(REGISTER_CODES))) < 0.08
    return PatientAttributes.build(age=rng.integers(0, 100, n), frailty=rng.integers(-1, 4, n),
                                   risk_tier=rng.integers(1, 5, n), registers=registers,
                                   practice=rng.integers(0, 2, n))


def test_bundled_review_is_one_visit_per_patient_with_pre_check_before_and_follow_up_after():
    people = _population()
    review = load_model("health_care_home").proactive.annual_review
    needs = plan_reviews(people, review, period_days=250, window_days=10, rng=np.random.default_rng(1))
    cols = [REGISTER_CODES.index(r) for r in review.cohort.registers_any]
    on = people.registers[:, cols]
    reviews = needs.filter(pa.compute.equal(needs.column("step"), STEPS.index("review")))
    assert sorted(reviews.column("patient").to_pylist()) == np.flatnonzero(on.any(axis=1)).tolist()
    assert reviews.column("registers").to_numpy().tolist() == on[reviews.column("patient").to_numpy()].sum(1).tolist()
    by_visit = {}
    for row in needs.to_pylist():
        by_visit.setdefault(row["visit"], {})[STEPS[row["step"]]] = row
    for steps in by_visit.values():
        assert steps["review"]["day"] - steps["pre_check"]["day"] == review.pre_check_lead_days
        assert steps["follow_up"]["day"] - steps["review"]["day"] == review.follow_up_after_days
        assert ROLE_CODES[steps["pre_check"]["role"]] == "hca"
        assert steps["review"]["deadline"] == steps["review"]["day"] + 10
    assert 0 <= needs.column("day").to_numpy().min()


def test_unbundled_reviews_are_one_per_register_and_more_visits_than_bundled():
    people = _population()
    traditional = load_model("traditional").proactive.annual_review
    bundled = load_model("health_care_home").proactive.annual_review
    a = plan_reviews(people, traditional, 250, 10, np.random.default_rng(1))
    b = plan_reviews(people, bundled, 250, 10, np.random.default_rng(1))
    cols = [REGISTER_CODES.index(r) for r in traditional.cohort.registers_any]
    assert a.num_rows == people.registers[:, cols].sum()
    assert set(a.column("step").to_pylist()) == {STEPS.index("review")}
    visits_b = len(set(b.column("visit").to_pylist()))
    assert visits_b < a.num_rows


def test_case_management_contacts_follow_the_yearly_rate():
    people = _population(20_000)
    programmes = load_model("frailty_service").proactive.case_management
    needs = plan_case_management(people, programmes, period_days=250, days_per_year=250, window_days=5,
                                 rng=np.random.default_rng(2))
    severe = np.flatnonzero((people.age >= 65) & (people.frailty == 3))
    contacts = needs.filter(pa.compute.equal(needs.column("role"), ROLE_CODES.index("anp")))
    per_patient = np.bincount(contacts.column("patient").to_numpy(), minlength=len(people))[severe]
    assert per_patient.mean() == pytest.approx(12, abs=0.05)
    half = plan_case_management(people, programmes, 125, 250, 5, np.random.default_rng(2))
    assert half.num_rows == pytest.approx(needs.num_rows / 2, rel=0.05)
    assert needs.column("day").to_numpy().max() < 250


def test_care_plans_key_workers_come_from_the_team_then_the_practice_in_proportion_to_fte():
    people = _population(3000)
    plans_spec = load_model("family_care_network").proactive.care_plans
    workers = KeyWorkers(clinician=np.array([10, 11, 12, 13]), role=np.array(["care_coordinator"] * 3 + ["gp"]),
                         practice=np.array([0, 0, 1, 1]), team=np.array([5, -1, -1, -1]), fte=np.array([1, 1, 1, 1.]))
    team = np.where(np.arange(len(people)) % 2 == 0, 5, -1)
    team[people.practice == 1] = -1
    plans = plan_care_plans(people, plans_spec, workers, np.random.default_rng(3), patient_team=team,
                            rollout_days=20)
    patient = plans.column("patient").to_numpy()
    worker = plans.column("key_worker").to_numpy()
    assert set(patient) == set(np.flatnonzero(np.isin(people.risk_tier, [3, 4])))
    assert (worker[team[patient] == 5] == 10).all()
    assert (worker[(team[patient] != 5) & (people.practice[patient] == 0)] == 11).all()
    assert (worker[people.practice[patient] == 1] == 12).all()
    created, review = plans.column("created_day").to_numpy(), plans.column("review_day").to_numpy()
    assert created.max() < 20 and (review - created == plans_spec.review_interval_days).all()
    again = plan_care_plans(people, plans_spec, workers, np.random.default_rng(3), patient_team=team,
                            has_plan=np.isin(np.arange(len(people)), patient))
    assert again.num_rows == 0


def test_care_plans_table_is_canonical():
    plans = pa.table({"patient": [0, 2], "key_worker": [1, -1], "created_day": pa.array([0, 3], pa.int32()),
                      "review_day": pa.array([2, 300], pa.int32())})
    dates = np.arange(np.datetime64("2025-01-01"), np.datetime64("2025-01-11"))
    table = care_plans_table(plans, pa.array(["p0", "p1", "p2"]), pa.array(["c0", "c1"]), dates)
    assert table.schema.equals(CARE_PLANS.schema)
    assert table.column("key_worker_id").to_pylist() == ["c1", None]
    assert table.column("patient_id").to_pylist() == ["p0", "p2"]
    assert str(table.column("review_date")[1]) == "2025-10-28"
