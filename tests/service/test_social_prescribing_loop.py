"""Social prescribing: the directory's weekly capacity (409 with services that have room) and the closed loop from
referral to a SNOMED CT coded outcome."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from carenet.service.socialrx.codes import DECLINED, REFERRED, concept_problem
from carenet.service.socialrx.tables import SOCIAL_PRESCRIPTION_EVENTS
from carenet.service.store.tables import CANONICAL

WELL_FORMED = "73211009"
"""A well-formed SNOMED CT concept id standing in for the outcome concept a link worker chooses (the service keeps
no outcome list; it checks the id's form)."""
WEEK_MINUTES = 7 * 24 * 60


def _as(client, login) -> dict:
    response = client.post("/auth/token", json={"username": login.username, "password": login.password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _patients(store, practice_of: str, n: int) -> list[str]:
    patients = CANONICAL["patients"]
    with store.engine.connect() as connection:
        practice = connection.execute(sa.select(patients.c.practice_id).where(patients.c.patient_id == practice_of)
                                      ).scalar_one()
        return list(connection.execute(sa.select(patients.c.patient_id).where(patients.c.practice_id == practice)
                                       .order_by(patients.c.patient_id).limit(n)).scalars())


def _count(store, table) -> int:
    with store.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def _directory(client, worker) -> None:
    for body in ({"service_id": "CS-WALK", "name": "Wednesday walking group", "category": "exercise",
                  "weekly_capacity": 1},
                 {"service_id": "CS-PARK", "name": "Parkrun buddies", "category": "exercise", "weekly_capacity": 3},
                 {"service_id": "CS-SWIM", "name": "Quiet swim", "category": "exercise", "weekly_capacity": 0},
                 {"service_id": "CS-DEBT", "name": "Citizens Advice debt clinic", "category": "debt_advice"}):
        made = client.post("/community-services", headers=worker, json=body)
        assert made.status_code == 201, made.text


def test_the_codes_are_well_formed_and_a_wrong_digit_is_caught():
    assert concept_problem(REFERRED[0]) is None and concept_problem(DECLINED[0]) is None
    assert "check digit" in concept_problem(REFERRED[0][:-1] + "7")
    assert "not of a concept" in concept_problem("871731000000116")  # a description's partition
    assert "not a SNOMED CT id" in concept_problem("12ab")


def test_a_full_service_is_refused_with_the_capacity_and_services_with_room(demo):
    store, logins, client, clock = demo
    me = logins["patient"].detail.split()[-1]
    first, second = [p for p in _patients(store, me, 3) if p != me][:2]
    worker = _as(client, logins["link_worker"] if "link_worker" in logins else logins["gp"])
    gp = _as(client, logins["gp"])
    _directory(client, worker)
    assert client.post("/community-services", headers=gp, json={"name": "x", "category": "arts"}).status_code == 403
    taken = client.post(f"/patients/{me}/social-prescriptions", headers=gp, json={"service_id": "CS-WALK"})
    assert taken.status_code == 201, taken.text
    assert taken.json()["state"] == "referred" and taken.json()["steps"][0]["snomed_code"] == REFERRED[0]
    full = client.post(f"/patients/{first}/social-prescriptions", headers=gp, json={"service_id": "CS-WALK"})
    assert full.status_code == 409
    detail = full.json()["detail"]
    assert "weekly capacity is 1 new people" in detail and "CS-PARK Parkrun buddies (3 places)" in detail
    assert "CS-SWIM" not in detail and "CS-DEBT" not in detail  # full itself, or another category
    assert _count(store, CANONICAL["social_prescriptions"]) == 1 and _count(store, SOCIAL_PRESCRIPTION_EVENTS) == 1
    listed = {s["service_id"]: s for s in client.get("/community-services?category=exercise", headers=gp).json()}
    assert (listed["CS-WALK"]["taken_this_week"], listed["CS-WALK"]["room_this_week"]) == (1, 0)
    assert set(listed) == {"CS-WALK", "CS-PARK", "CS-SWIM"}
    swim = client.post(f"/patients/{first}/social-prescriptions", headers=gp, json={"service_id": "CS-SWIM"})
    assert swim.status_code == 409 and "CS-PARK" in swim.json()["detail"]
    nothing = client.post(f"/patients/{first}/social-prescriptions", headers=gp, json={"service_id": "CS-NONE"})
    assert nothing.status_code == 422 and "not a service of the community directory" in nothing.json()["detail"]
    clock.now += dt.timedelta(minutes=WEEK_MINUTES)  # next week: room again
    gp = _as(client, logins["gp"])
    assert client.post(f"/patients/{second}/social-prescriptions", headers=gp, json={"service_id": "CS-WALK"}
                       ).status_code == 201


def test_the_loop_closes_with_a_coded_outcome_and_keeps_take_up(demo):
    store, logins, client, clock = demo
    me = logins["patient"].detail.split()[-1]
    other = next(p for p in _patients(store, me, 3) if p != me)
    gp = _as(client, logins["gp"])
    _directory(client, _as(client, logins["link_worker"] if "link_worker" in logins else logins["gp"]))
    sp = client.post(f"/patients/{me}/social-prescriptions", headers=gp, json={"service_id": "CS-PARK"}).json()
    path = f"/patients/{me}/social-prescriptions/{sp['social_prescription_id']}/steps"
    skip = client.post(path, headers=gp, json={"state": "attended"})
    assert skip.status_code == 409
    assert skip.json()["detail"].endswith("is referred; from there it may become accepted, declined, not attended")
    assert client.post(path, headers=gp, json={"state": "accepted"}).status_code == 201
    assert client.post(path, headers=gp, json={"state": "attended", "note": "Came with her neighbour"}
                       ).json()["taken_up"] is True
    uncoded = client.post(path, headers=gp, json={"state": "outcome_recorded"})
    assert uncoded.status_code == 422 and "SNOMED CT concept" in uncoded.json()["detail"]
    typo = client.post(path, headers=gp, json={"state": "outcome_recorded", "snomed_code": WELL_FORMED[:-1] + "8",
                                               "snomed_term": "x"})
    assert typo.status_code == 422 and "check digit" in typo.json()["detail"]
    closed = client.post(path, headers=gp, json={"state": "outcome_recorded", "snomed_code": WELL_FORMED,
                                                 "snomed_term": "Outcome term as chosen"})
    assert closed.status_code == 201, closed.text
    assert [s["state"] for s in closed.json()["steps"]] == ["referred", "accepted", "attended", "outcome_recorded"]
    after = client.post(path, headers=gp, json={"state": "declined"})
    assert after.status_code == 409 and "the loop is closed" in after.json()["detail"]
    declined = client.post(f"/patients/{other}/social-prescriptions", headers=gp, json={"service_id": "CS-PARK"})
    d_path = f"/patients/{other}/social-prescriptions/{declined.json()['social_prescription_id']}/steps"
    no = client.post(d_path, headers=gp, json={"state": "declined"}).json()
    assert (no["state"], no["taken_up"], no["steps"][-1]["snomed_code"]) == ("declined", False, DECLINED[0])
    with store.engine.connect() as connection:
        rows = dict(connection.execute(sa.select(CANONICAL["social_prescriptions"].c.patient_id,
                                                 CANONICAL["social_prescriptions"].c.taken_up)).all())
    assert rows == {me: True, other: False}
    patient = _as(client, logins["patient"])
    mine = client.get(f"/patients/{me}/social-prescriptions", headers=patient)
    assert mine.status_code == 200 and mine.json()[0]["state"] == "outcome_recorded"
    assert client.post(path, headers=patient, json={"state": "accepted"}).status_code == 403
    # a declined prescription gives its place back
    listed = {s["service_id"]: s for s in client.get("/community-services", headers=gp).json()}
    assert listed["CS-PARK"]["taken_this_week"] == 1
