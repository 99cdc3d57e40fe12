"""Proactive worklists over the live store: the measures library's rules, actions whose effect shows on the next
worklist, access and audit, and refusals that write nothing."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from carenet.service.api import Services
from carenet.service.app import create_app
from carenet.service.audit.tables import AUDIT_EVENTS
from carenet.service.auth.passwords import PasswordHasher
from carenet.service.demo import build_demo_store
from carenet.service.store import open_store
from carenet.service.store.tables import CANONICAL
from conftest import NOW, SETTINGS, START, Clock

ZONE = zoneinfo.ZoneInfo(SETTINGS.timezone)
BUNDLED_MODEL = "family_care_network"
"""A model whose annual review is one bundled visit with a pre-check some days before."""


def _login(client, login) -> dict:
    response = client.post("/auth/token", json={"username": login.username, "password": login.password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _rows(client, headers, rule: str) -> list[dict]:
    first = client.get(f"/worklists/{rule}", headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    rows = body["rows"]
    for page in range(2, -(-body["total"] // body["page_size"]) + 1):
        rows += client.get(f"/worklists/{rule}", headers=headers, params={"page": page}).json()["rows"]
    assert len(rows) == body["total"]
    return rows


def _count(store, table) -> int:
    with store.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def _audited(store, patient_id: str) -> list[tuple[str, str, str]]:
    with store.engine.connect() as connection:
        return [(r.resource, r.action, r.outcome) for r in connection.execute(
            sa.select(AUDIT_EVENTS).where(AUDIT_EVENTS.c.patient_id == patient_id).order_by(AUDIT_EVENTS.c.seq))]


def test_actions_show_on_the_next_worklist(demo):
    store, logins, client, clock = demo
    gp = _login(client, logins["gp"])
    summary = client.get("/worklists", headers=gp)
    assert summary.status_code == 200, summary.text
    counts = summary.json()["patients"]
    assert counts["multimorbid_without_review"] >= 3 and counts["frail_without_care_plan"] >= 1
    rows = _rows(client, gp, "multimorbid_without_review")
    assert len(rows) == counts["multimorbid_without_review"]
    assert {r["state"] for r in rows} == {"to_contact"}
    assert all(r["ltc_count"] >= 3 for r in rows)
    assert set(rows[0]["actions"]) == {"invite", "book_review", "done"}
    invited, booked, seen = (r["patient_id"] for r in rows[:3])

    made = client.post("/worklists/multimorbid_without_review/actions", headers=gp,
                       json={"patient_id": invited, "action": "invite"})
    assert made.status_code == 201, made.text
    again = client.post("/worklists/multimorbid_without_review/actions", headers=gp,
                        json={"patient_id": invited, "action": "invite"})
    assert again.status_code == 409 and "already invited" in again.json()["detail"]

    review = client.post("/worklists/multimorbid_without_review/actions", headers=gp,
                         json={"patient_id": booked, "action": "book_review"})
    assert review.status_code == 201, review.text
    appointment = review.json()["review"]
    assert appointment["need_type"] == "ltc_review" and appointment["urgency"] == "proactive"

    done = client.post("/worklists/multimorbid_without_review/actions", headers=gp,
                       json={"patient_id": seen, "action": "done"})
    assert done.status_code == 201, done.text

    after = {r["patient_id"]: r for r in _rows(client, gp, "multimorbid_without_review")}
    assert after[invited]["state"] == "invited" and "invite" not in after[invited]["actions"]
    assert after[booked]["state"] == "booked" and after[booked]["booked_for"] == appointment["booked_for"]
    assert "book_review" not in after[booked]["actions"] and "done" not in after[booked]["actions"]
    assert seen not in after
    assert len(after) == len(rows) - 1

    # Once the booked review has happened, recording it done takes the patient off the worklist too.
    held = dt.datetime.fromisoformat(appointment["booked_for"]).replace(tzinfo=ZONE).astimezone(dt.UTC)
    clock.now = held + dt.timedelta(hours=1)
    gp = _login(client, logins["gp"])
    finished = client.post("/worklists/multimorbid_without_review/actions", headers=gp,
                           json={"patient_id": booked, "action": "done"})
    assert finished.status_code == 201, finished.text
    assert finished.json()["Appointment"] == {"appointment_id": appointment["appointment_id"], "status": "attended"}
    later = {r["patient_id"] for r in _rows(client, gp, "multimorbid_without_review")}
    assert booked not in later and seen not in later and invited in later
    assert ("Task", "create", "allowed") in _audited(store, invited)
    assert ("Appointment", "update", "allowed") in _audited(store, booked)


def test_a_care_plan_recorded_takes_a_frail_patient_off(demo):
    store, logins, client, _ = demo
    gp = _login(client, logins["gp"])
    rows = _rows(client, gp, "frail_without_care_plan")
    patient = rows[0]["patient_id"]
    before = _count(store, CANONICAL["care_plans"])
    bad = client.post("/worklists/frail_without_care_plan/actions", headers=gp,
                      json={"patient_id": patient, "action": "done", "key_worker_id": "nobody"})
    assert bad.status_code == 422 and "key_worker_id 'nobody'" in bad.json()["detail"]
    assert _count(store, CANONICAL["care_plans"]) == before
    done = client.post("/worklists/frail_without_care_plan/actions", headers=gp,
                       json={"patient_id": patient, "action": "done"})
    assert done.status_code == 201, done.text
    plan = done.json()["CarePlan"]
    assert plan["status"] == "active" and plan["review_date"] > plan["created_date"]
    assert patient not in {r["patient_id"] for r in _rows(client, gp, "frail_without_care_plan")}
    assert _count(store, CANONICAL["care_plans"]) == before + 1


def test_worklists_are_for_the_practices_staff_and_refusals_write_nothing(demo):
    store, logins, client, _ = demo
    gp = _login(client, logins["gp"])
    reception = _login(client, logins["receptionist"])
    rows = _rows(client, reception, "multimorbid_without_review")
    assert rows and "ltc_count" not in rows[0] and "efi_category" not in rows[0]  # no conditions for reception
    assert "invite" not in rows[0]["actions"] and "book_review" in rows[0]["actions"]
    for role in ("network_analyst", "patient"):
        refused = client.get("/worklists", headers=_login(client, logins[role]))
        assert refused.status_code == 403, (role, refused.text)
    assert client.get("/worklists/no_such_rule", headers=gp).status_code == 422
    patients = CANONICAL["patients"]
    practice = client.get("/auth/me", headers=gp).json()["practice_id"]
    with store.engine.connect() as connection:
        other = connection.execute(sa.select(patients.c.patient_id).where(patients.c.practice_id != practice)
                                   .limit(1)).scalar_one()
    tasks, audit = _count(store, CANONICAL["tasks"]), _count(store, AUDIT_EVENTS)
    for body in ({"patient_id": other, "action": "invite"}, {"patient_id": "nobody", "action": "invite"},
                 {"patient_id": rows[0]["patient_id"], "action": "invite", "due_date": "2001-01-01"},
                 {"patient_id": rows[0]["patient_id"], "action": "done", "clinician_id": "x"},
                 {"patient_id": rows[0]["patient_id"], "action": "fly"}):
        response = client.post("/worklists/multimorbid_without_review/actions", headers=gp, json=body)
        assert 400 <= response.status_code < 500, (body, response.text)
    assert _count(store, CANONICAL["tasks"]) == tasks
    # The audit log keeps the guard's refusals (another practice's patient, no such patient) and the access it
    # allowed before the action was refused (an invitation due in the past); requests refused before any access to
    # the record (an unknown clinician, no such action) leave nothing.
    assert _count(store, AUDIT_EVENTS) == audit + 3


@pytest.fixture
def bundled(store_db, population):
    """The demo network laid out for a model whose annual review is one bundled visit with a pre-check."""
    store = open_store(store_db)
    hasher = PasswordHasher(SETTINGS)
    live, logins = build_demo_store(store, BUNDLED_MODEL, START, SETTINGS, hasher, NOW, population)
    clock = Clock()
    client = TestClient(create_app(Services(store, SETTINGS, hasher, clock, live=live)))
    yield store, {login.role.code: login for login in logins}, client, live
    client.close()
    store.close()


def test_a_bundled_review_is_booked_with_its_pre_check_before_it(bundled):
    store, logins, client, live = bundled
    review = live.network.model.proactive.annual_review
    assert review.bundled and review.pre_check_role is not None
    gp = _login(client, logins["gp"])
    patient = _rows(client, gp, "multimorbid_without_review")[0]["patient_id"]
    made = client.post("/worklists/multimorbid_without_review/actions", headers=gp,
                       json={"patient_id": patient, "action": "book_review"})
    assert made.status_code == 201, made.text
    visit, pre = made.json()["review"], made.json()["pre_check"]
    assert pre is not None and pre["role"] == review.pre_check_role
    gap = dt.datetime.fromisoformat(visit["booked_for"]) - dt.datetime.fromisoformat(pre["booked_for"])
    assert gap >= dt.timedelta(days=review.pre_check_lead_days)
    assert pre["need_type"] is None  # a pre-check is not the review the worklist looks for
    row = next(r for r in _rows(client, gp, "multimorbid_without_review") if r["patient_id"] == patient)
    assert row["state"] == "booked" and row["booked_for"] == visit["booked_for"]


def test_a_practice_manager_runs_the_recalls_but_not_the_clinical_actions(demo):
    """A manager sees who is due (no health columns) and invites them; booking and recording are clinicians'."""
    store, logins, client, _ = demo
    manager = _login(client, logins["practice_manager"])
    rows = _rows(client, manager, "multimorbid_without_review")
    assert rows and "ltc_count" not in rows[0] and "efi_category" not in rows[0]
    assert rows[0]["actions"] == ["invite"]
    patient = rows[0]["patient_id"]
    tasks = _count(store, CANONICAL["tasks"])
    invited = client.post("/worklists/multimorbid_without_review/actions", headers=manager,
                          json={"patient_id": patient, "action": "invite"})
    assert invited.status_code == 201, invited.text
    assert _count(store, CANONICAL["tasks"]) == tasks + 1
    assert ("Task", "create", "allowed") in _audited(store, patient)
    for action in ("book_review", "done"):
        refused = client.post("/worklists/multimorbid_without_review/actions", headers=manager,
                              json={"patient_id": patient, "action": action})
        assert refused.status_code == 403, (action, refused.text)
    assert {r["patient_id"]: r["state"] for r in _rows(client, manager, "multimorbid_without_review")}[patient] \
        == "invited"


def test_a_practice_s_worklists_are_computed_once_until_a_change_or_their_age(demo, monkeypatch):
    """Fifty staff opening the worklists share one computation; a care plan agreed, or the age limit, renews it."""
    from carenet.service.worklists import actions

    store, logins, client, clock = demo
    gp = _login(client, logins["gp"])
    computed = []
    original = actions.worklists
    monkeypatch.setattr(actions, "worklists", lambda *a, **k: computed.append(1) or original(*a, **k))
    first = client.get("/worklists", headers=gp).json()
    frail = _rows(client, gp, "frail_without_care_plan")
    assert len(computed) == 1 and client.get("/worklists", headers=gp).json() == first
    patient = frail[0]["patient_id"]
    made = client.post(f"/patients/{patient}/care-plans", headers=gp, json={
        "title": "Staying at home", "about_me": "Lives alone", "goals": ["Keep walking to the shop"]})
    assert made.status_code == 201, made.text
    assert patient not in {r["patient_id"] for r in _rows(client, gp, "frail_without_care_plan")}
    assert len(computed) == 2
    clock.advance(SETTINGS.worklist_max_age_seconds / 60 + 1)
    renewed = client.get("/worklists", headers=gp).json()
    assert len(computed) == 3 and renewed["computed_at"] > first["computed_at"]
