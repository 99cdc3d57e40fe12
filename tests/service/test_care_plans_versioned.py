"""Personalised care and support plans: versions, optimistic concurrency, clear refusals, who sees them."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa
from fastapi import HTTPException

from carenet.service.access.tables import CONSENTS
from carenet.service.audit.tables import AUDIT_EVENTS
from carenet.service.careplans.tables import CARE_PLAN_VERSIONS
from carenet.service.careplans.versions import PlanContent, revise_plan
from carenet.service.store.tables import CANONICAL
from conftest import NOW, SETTINGS

PLAN = {"title": "Staying well at home", "about_me": "I live alone with my cat, Biscuit.",
        "what_matters": "Getting to the allotment on Saturdays.",
        "goals": ["Walk to the allotment and back without stopping"],
        "actions": [{"action": "Review painkillers", "who": "clinical pharmacist", "due": "2026-03-20"},
                    {"action": "Walk to the end of the road daily", "who": "me"}]}


def _login(client, login) -> dict:
    response = client.post("/auth/token", json={"username": login.username, "password": login.password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _count(store, table: sa.Table) -> int:
    with store.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def _last_audit(store):
    with store.engine.connect() as connection:
        return connection.execute(sa.select(AUDIT_EVENTS).order_by(AUDIT_EVENTS.c.seq.desc()).limit(1)).one()


def test_a_plan_is_versioned_and_a_stale_edit_is_refused(demo):
    store, logins, client, clock = demo
    me = logins["patient"].detail.split()[-1]
    gp_id = logins["gp"].detail.split()[-1]
    gp = _login(client, logins["gp"])
    made = client.post(f"/patients/{me}/care-plans", headers=gp, json={**PLAN, "key_worker_id": gp_id})
    assert made.status_code == 201, made.text
    plan = made.json()
    assert plan["version"] == 1 and plan["recorded_by"] == "U-gp"
    agreed = dt.date.fromisoformat(plan["agreed_date"])
    assert dt.date.fromisoformat(plan["review_date"]) == agreed + dt.timedelta(days=SETTINGS.care_plan_review_days)
    plan_id = plan["care_plan_id"]

    clock.advance(20)
    second = client.post(f"/patients/{me}/care-plans/{plan_id}/versions", headers=gp, json={
        **PLAN, "goals": ["Walk to the allotment", "Plant the beans in May"], "base_version": 1,
        "review_date": "2026-06-01", "key_worker_id": gp_id})
    assert second.status_code == 201, second.text
    assert second.json()["version"] == 2

    audited = _count(store, AUDIT_EVENTS)
    stale = client.post(f"/patients/{me}/care-plans/{plan_id}/versions", headers=gp,
                        json={**PLAN, "status": "completed", "base_version": 1})
    assert stale.status_code == 409
    assert "is at version 2" in stale.json()["detail"] and "base_version=2" in stale.json()["detail"]
    assert _count(store, CARE_PLAN_VERSIONS) == 2  # nothing of the stale edit was written ...
    assert _count(store, AUDIT_EVENTS) == audited + 1  # ... but the attempt is in the audit log, once
    assert (_last_audit(store).action, _last_audit(store).resource_id) == ("update", plan_id)

    read = client.get(f"/patients/{me}/care-plans/{plan_id}", headers=gp)
    assert read.status_code == 200 and _count(store, AUDIT_EVENTS) == audited + 2
    body = read.json()
    assert body["version"] == 2 and body["current"]["goals"] == ["Walk to the allotment", "Plant the beans in May"]
    assert [h["version"] for h in body["history"]] == [2, 1]
    assert body["current"]["about_me"] == PLAN["about_me"] and body["current"]["actions"][0]["who"] == \
        "clinical pharmacist"
    assert any(m["clinician_id"] == gp_id for m in body["team"])
    with store.engine.connect() as connection:  # the canonical row is the latest version's projection
        rows = connection.execute(sa.select(CANONICAL["care_plans"])).all()
    assert len(rows) == 1 and rows[0].review_date == dt.date(2026, 6, 1)
    assert rows[0].goals[1] == "Plant the beans in May"
    assert rows[0].created_date == agreed and rows[0].key_worker_id == gp_id
    listed = client.get(f"/patients/{me}/care-plans", headers=gp).json()
    assert [(p["care_plan_id"], p["version"], p["title"]) for p in listed] == [(plan_id, 2, PLAN["title"])]


def test_bad_plans_are_refused_whole_with_the_reason(demo):
    store, logins, client, _ = demo
    me = logins["patient"].detail.split()[-1]
    gp = _login(client, logins["gp"])
    early = client.post(f"/patients/{me}/care-plans", headers=gp, json={**PLAN, "agreed_date": "2026-03-01",
                                                                          "review_date": "2026-02-01"})
    assert early.status_code == 422 and "before the plan was agreed" in early.json()["detail"]
    nobody = client.post(f"/patients/{me}/care-plans", headers=gp, json={**PLAN, "key_worker_id": "NO-SUCH"})
    assert nobody.status_code == 422 and "'NO-SUCH' is not a clinician" in nobody.json()["detail"]
    blank = client.post(f"/patients/{me}/care-plans", headers=gp, json={**PLAN, "goals": [""]})
    assert blank.status_code == 422 and "goals" in blank.json()["detail"]
    assert client.post(f"/patients/{me}/care-plans", headers=gp, json={**PLAN, "status": "paused"}).status_code == 422
    assert _count(store, CARE_PLAN_VERSIONS) == 0 and _count(store, CANONICAL["care_plans"]) == 0
    missing = client.post(f"/patients/{me}/care-plans/CP-none/versions", headers=gp, json={**PLAN, "base_version": 1})
    assert missing.status_code == 404


def test_patients_read_their_plan_and_carers_only_with_consent(demo):
    store, logins, client, _ = demo
    me = logins["patient"].detail.split()[-1]
    gp = _login(client, logins["gp"])
    plan_id = client.post(f"/patients/{me}/care-plans", headers=gp, json=PLAN).json()["care_plan_id"]
    patient = _login(client, logins["patient"])
    assert client.get(f"/patients/{me}/care-plans/{plan_id}", headers=patient).status_code == 200
    refused = client.post(f"/patients/{me}/care-plans/{plan_id}/versions", headers=patient,
                          json={**PLAN, "base_version": 1})
    assert refused.status_code == 403
    assert (_last_audit(store).outcome, _last_audit(store).resource) == ("denied", "CarePlan")
    carer = _login(client, logins["carer"])
    assert client.get(f"/patients/{me}/care-plans/{plan_id}", headers=carer).status_code == 403
    assert _last_audit(store).outcome == "denied" and _last_audit(store).user_id == "U-carer"
    client.post(f"/patients/{me}/consents", headers=patient, json={
        "kind": "carer", "granted": True, "grantee_user_id": "U-carer", "resources": ["CarePlan"]})
    assert client.get(f"/patients/{me}/care-plans/{plan_id}", headers=carer).json()["current"]["title"] == PLAN["title"]
    assert client.get(f"/patients/{me}/thread", headers=carer).status_code == 403  # the thread was not shared


def test_two_edits_of_one_version_never_both_succeed_on_postgres(demo):
    store, logins, client, _ = demo
    if store.dialect != "postgresql":
        pytest.skip("SQLite runs one writer at a time (BEGIN IMMEDIATE); the race is PostgreSQL's")
    me = logins["patient"].detail.split()[-1]
    gp = _login(client, logins["gp"])
    plan_id = client.post(f"/patients/{me}/care-plans", headers=gp, json=PLAN).json()["care_plan_id"]

    class Who:
        user_id = "U-gp"

    content = PlanContent("Edited", "active", None, None, ["A goal"], True, [], None, None)
    outcomes: list[object] = []
    first = store.engine.connect()
    revise_plan(first, me, plan_id, 1, content, SETTINGS, Who(), NOW)  # holds the plan's row

    def second() -> None:
        with store.engine.connect() as connection:
            try:
                outcomes.append(revise_plan(connection, me, plan_id, 1, content, SETTINGS, Who(), NOW)["version"])
                connection.commit()
            except HTTPException as refused:
                outcomes.append(refused.status_code)
                connection.rollback()

    waiting = threading.Thread(target=second)
    waiting.start()
    waiting.join(timeout=1.0)
    assert waiting.is_alive()  # blocked on the first edit's lock
    first.commit()
    first.close()
    waiting.join(timeout=30)
    assert outcomes == [409]
    assert _count(store, CARE_PLAN_VERSIONS) == 2


def test_consents_table_is_what_carers_are_judged_by(demo):
    store, logins, client, _ = demo
    me = logins["patient"].detail.split()[-1]
    with store.engine.begin() as connection:  # consent withdrawn later wins
        for n, granted in enumerate((True, False)):
            connection.execute(CONSENTS.insert().values(
                consent_id=f"CC{n}", patient_id=me, kind="carer", grantee_user_id="U-carer", resources="CarePlan",
                granted=granted, recorded_at=NOW + dt.timedelta(minutes=n), recorded_by="U-patient"))
    carer = _login(client, logins["carer"])
    assert client.get(f"/patients/{me}/care-plans", headers=carer).status_code == 403
