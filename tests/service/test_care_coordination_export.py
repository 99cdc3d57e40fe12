"""What care co-ordination records flows out: ``carenet store export`` writes the canonical tables, and ``carenet
score`` scores the co-ordination and social-prescribing measures from them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from carenet.cli.app import app
from carenet.schema import open_dataset
from carenet.service.store import export_dataset
from conftest import NOW


def _as(client, login) -> dict:
    response = client.post("/auth/token", json={"username": login.username, "password": login.password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _measures(card: dict) -> dict[str, dict]:
    return {key: measure for section in card["attributes"].values() for key, measure in section.items()}


@pytest.fixture
def recorded(demo):
    """A morning of co-ordination for two patients of the first practice, through the API."""
    store, logins, client, clock = demo
    me = logins["patient"].detail.split()[-1]
    gp, nurse = _as(client, logins["gp"]), _as(client, logins["nurse"])
    gp_id, nurse_id = (logins[r].detail.split()[-1] for r in ("gp", "nurse"))
    plan = client.post(f"/patients/{me}/care-plans", headers=gp, json={
        "title": "Breathing easier", "goals": ["Get up the stairs to bed"], "key_worker_id": nurse_id})
    revised = client.post(f"/patients/{me}/care-plans/{plan.json()['care_plan_id']}/versions", headers=gp, json={
        "title": "Breathing easier", "goals": ["Get up the stairs to bed", "See my grandson"], "base_version": 1,
        "key_worker_id": nurse_id})
    advice = client.post(f"/patients/{me}/advice-requests", headers=gp, json={
        "to_clinician_id": nurse_id, "question": "Inhaler technique check?", "need_type": "ltc_review"})
    clock.advance(10)
    answer = client.post(f"/patients/{me}/advice-requests/{advice.json()['referral_id']}/answer", headers=nurse,
                         json={"answer": "Yes, book a double slot."})
    formal = client.post(f"/patients/{me}/referrals", headers=gp, json={
        "to_clinician_id": nurse_id, "reason": "Pulmonary rehab assessment", "need_type": "ltc_review"})
    task = client.post(f"/patients/{me}/tasks", headers=gp, json={
        "title": "Discharge summary: follow up", "kind": "discharge", "assigned_to": gp_id})
    worker = _as(client, logins["link_worker"] if "link_worker" in logins else logins["gp"])
    service = client.post("/community-services", headers=worker, json={
        "service_id": "CS-SING", "name": "Singing for lung health", "category": "arts", "weekly_capacity": 10})
    taken = client.post(f"/patients/{me}/social-prescriptions", headers=gp, json={"service_id": "CS-SING"})
    steps = f"/patients/{me}/social-prescriptions/{taken.json()['social_prescription_id']}/steps"
    for state in ("accepted", "attended"):
        client.post(steps, headers=gp, json={"state": state})
    for response in (plan, revised, advice, answer, formal, task, service, taken):
        assert response.status_code == 201, response.text
    return store, me, nurse_id


def test_the_export_holds_the_canonical_projection(recorded, tmp_path):
    store, me, nurse_id = recorded
    export_dataset(store, tmp_path / "out")
    out = open_dataset(tmp_path / "out")
    plans = out.table("care_plans").to_pylist()
    assert len(plans) == 1  # one plan, its latest version: not a row per version
    assert plans[0]["goals"] == ["Get up the stairs to bed", "See my grandson"] and plans[0]["key_worker_id"] == \
        nurse_id and plans[0]["status"] == "active"
    kinds = sorted(r["kind"] for r in out.table("referrals").to_pylist())
    assert kinds == ["formal", "informal"]
    assert [(t["kind"], t["status"]) for t in out.table("tasks").to_pylist()] == [("discharge", "open")]
    sps = out.table("social_prescriptions").to_pylist()
    assert [(s["patient_id"], s["service_id"], s["taken_up"]) for s in sps] == [(me, "CS-SING", True)]
    assert out.table("community_services").to_pylist()[0]["weekly_capacity"] == 10


def test_carenet_score_reads_the_coordination_measures_from_the_export(recorded, tmp_path):
    store, _, _ = recorded
    export_dataset(store, tmp_path / "out")
    result = CliRunner().invoke(app, ["score", str(tmp_path / "out"), "--as-of", NOW.date().isoformat(),
                                      "--format", "json", "--out", str(tmp_path / "card.json")])
    assert result.exit_code == 0, result.output
    measures = _measures(json.loads((tmp_path / "card.json").read_text()))
    assert measures["informal_referral_share"]["value"] == pytest.approx(0.5)  # one advice, one formal referral
    assert measures["social_prescription_take_up"]["value"] == pytest.approx(1.0)
    assert measures["social_prescriptions_per_1000_year"]["value"] > 0
    coverage = measures["care_plan_coverage"]["value"]  # the patient's plan, if they are complex; the key worker
    assert coverage is not None and measures["key_worker_coverage"]["value"] == coverage
    assert measures["discharge_follow_up"]["value"] == 0.0  # one discharge, not yet seen
