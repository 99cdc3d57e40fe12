"""The care team (the relationship access uses), the team thread, advice between professionals apart from formal
referrals, and tasks with owners and due dates."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from carenet.service.audit.tables import AUDIT_EVENTS
from carenet.service.auth.passwords import PasswordHasher
from carenet.service.people.tables import USERS
from carenet.service.referrals.tables import REFERRAL_NOTES
from carenet.service.store.tables import CANONICAL
from conftest import NOW, SETTINGS

PASSWORD = "correct horse battery staple"


def _login(client, username: str, password: str) -> dict:
    response = client.post("/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _as(client, login) -> dict:
    return _login(client, login.username, login.password)


def _audit(store) -> list:
    with store.engine.connect() as connection:
        return connection.execute(sa.select(AUDIT_EVENTS).order_by(AUDIT_EVENTS.c.seq)).all()


def _outsiders(store, practice: str, n: int) -> list[tuple[str, str]]:
    """Accounts for ``n`` clinicians of other practices than ``practice``: (username, clinician_id)."""
    clinicians = CANONICAL["clinicians"]
    with store.engine.begin() as connection:
        rows = connection.execute(sa.select(clinicians.c.clinician_id, clinicians.c.practice_id).where(
            clinicians.c.practice_id != practice, clinicians.c.role == "gp").order_by(clinicians.c.clinician_id)
            .limit(n)).all()
        hashed = PasswordHasher(SETTINGS).hash(PASSWORD)
        for cid, pid in rows:
            connection.execute(USERS.insert().values(
                user_id=f"U-{cid}", username=f"gp.{cid}", display_name="Visiting GP", role="gp", password_hash=hashed,
                clinician_id=cid, practice_id=pid, created_at=NOW))
    return [(f"gp.{cid}", cid) for cid, _ in rows]


def _home(store, patient_id: str) -> str:
    patients = CANONICAL["patients"]
    with store.engine.connect() as connection:
        return connection.execute(sa.select(patients.c.practice_id).where(patients.c.patient_id == patient_id)
                                  ).scalar_one()


def test_adding_a_clinician_to_the_care_team_opens_the_record_and_ending_it_closes_it(demo):
    store, logins, client, _ = demo
    me = logins["patient"].detail.split()[-1]
    gp = _as(client, logins["gp"])
    outsider = None
    for username, cid in _outsiders(store, _home(store, me), 5):
        headers = _login(client, username, PASSWORD)
        if client.get(f"/patients/{me}", headers=headers).status_code == 403:
            outsider = (headers, cid)
            break
    assert outsider is not None, "no clinician of another practice is off this patient's team"
    headers, cid = outsider
    assert (_audit(store)[-1].outcome, _audit(store)[-1].user_id) == ("denied", f"U-{cid}")  # the refusal is logged

    added = client.post(f"/patients/{me}/care-team", headers=gp, json={"clinician_id": cid,
                                                                       "team_role": "visiting GP"})
    assert added.status_code == 201, added.text
    again = client.post(f"/patients/{me}/care-team", headers=gp, json={"clinician_id": cid, "team_role": "again"})
    assert again.status_code == 409 and "already on this patient's care team" in again.json()["detail"]
    opened = client.get(f"/patients/{me}", headers=headers)
    assert opened.status_code == 200
    assert (_audit(store)[-1].outcome, _audit(store)[-1].policy) == ("allowed", "care-team")
    team = client.get(f"/patients/{me}/care-team", headers=gp).json()
    assert {"clinician_id": cid, "source": "added", "team_role": "visiting GP"}.items() <= \
        next(m for m in team if m["clinician_id"] == cid).items()
    assert any(m["source"] == "record" for m in team)  # the named clinician / panel team come from the record

    member_id = added.json()["member_id"]
    assert client.delete(f"/patients/{me}/care-team/{member_id}", headers=gp).status_code == 200
    assert client.get(f"/patients/{me}", headers=headers).status_code == 403
    assert client.delete(f"/patients/{me}/care-team/{member_id}", headers=gp).status_code == 409
    bad = client.post(f"/patients/{me}/care-team", headers=gp, json={"clinician_id": cid, "user_id": "U-carer",
                                                                     "team_role": "both"})
    assert bad.status_code == 422 and "exactly one of clinician_id" in bad.json()["detail"]
    staff = client.post(f"/patients/{me}/care-team", headers=gp, json={"user_id": "U-gp", "team_role": "me"})
    assert staff.status_code == 422 and "staff join the team by their clinician_id" in staff.json()["detail"]
    carer = client.post(f"/patients/{me}/care-team", headers=gp, json={"user_id": "U-carer", "team_role": "daughter"})
    assert carer.status_code == 201


def test_the_team_thread_carries_the_team_patient_and_a_consenting_carer(demo):
    store, logins, client, clock = demo
    me = logins["patient"].detail.split()[-1]
    gp, patient, carer = _as(client, logins["gp"]), _as(client, logins["patient"]), _as(client, logins["carer"])
    assert client.post(f"/patients/{me}/thread", headers=gp, json={"body": "Bloods are back, all fine."}
                       ).status_code == 201
    clock.advance(5)
    assert client.post(f"/patients/{me}/thread", headers=patient, json={"body": "Thank you!"}).status_code == 201
    assert client.post(f"/patients/{me}/thread", headers=carer, json={"body": "Can I come?"}).status_code == 403
    assert client.get(f"/patients/{me}/thread", headers=carer).status_code == 403
    client.post(f"/patients/{me}/consents", headers=patient, json={
        "kind": "carer", "granted": True, "grantee_user_id": "U-carer", "resources": ["Communication"]})
    clock.advance(5)
    assert client.post(f"/patients/{me}/thread", headers=carer, json={"body": "Can I come to the review?"}
                       ).status_code == 201
    thread = client.get(f"/patients/{me}/thread", headers=carer).json()
    assert [(m["author_role"], m["body"]) for m in thread] == [
        ("gp", "Bloods are back, all fine."), ("patient", "Thank you!"), ("carer", "Can I come to the review?")]
    blank = client.post(f"/patients/{me}/thread", headers=gp, json={"body": "   "})
    assert blank.status_code == 422 and "blank" in blank.json()["detail"]
    if store.dialect == "postgresql":  # text PostgreSQL cannot hold is a clear 422, and nothing is written
        nul = client.post(f"/patients/{me}/thread", headers=gp, json={"body": "a\x00b"})
        assert nul.status_code == 422 and "cannot contain NUL" in nul.json()["detail"]
        assert len(client.get(f"/patients/{me}/thread", headers=gp).json()) == 3
    assert client.get(f"/patients/{me}/care-plans", headers=carer).status_code == 403  # care plans were not shared


def test_advice_is_timed_and_kept_apart_from_formal_referrals(demo):
    store, logins, client, clock = demo
    me = logins["patient"].detail.split()[-1]
    gp, nurse = _as(client, logins["gp"]), _as(client, logins["nurse"])
    nurse_id = logins["nurse"].detail.split()[-1]
    asked = client.post(f"/patients/{me}/advice-requests", headers=gp, json={
        "to_clinician_id": nurse_id, "question": "Can the leg ulcer dressings go to twice weekly?"})
    assert asked.status_code == 201, asked.text
    advice_id = asked.json()["referral_id"]
    referred = client.post(f"/patients/{me}/referrals", headers=gp, json={
        "to_clinician_id": nurse_id, "reason": "Leg ulcer clinic", "need_type": "ltc_review"})
    assert referred.status_code == 201, referred.text
    waiting = client.get("/advice-requests/waiting", headers=nurse).json()
    assert [w["referral_id"] for w in waiting] == [advice_id]
    assert client.post(f"/patients/{me}/advice-requests/{advice_id}/answer", headers=gp,
                       json={"answer": "Yes"}).status_code == 403  # only the clinician asked answers
    clock.advance(25)
    answered = client.post(f"/patients/{me}/advice-requests/{advice_id}/answer", headers=nurse,
                           json={"answer": "Yes, if the exudate stays low."})
    assert answered.status_code == 201, answered.text
    assert answered.json()["minutes_to_answer"] == 25.0
    twice = client.post(f"/patients/{me}/advice-requests/{advice_id}/answer", headers=nurse, json={"answer": "Again"})
    assert twice.status_code == 409 and "was answered at" in twice.json()["detail"]
    both = client.get(f"/patients/{me}/referrals", headers=gp).json()
    assert [r["referral_id"] for r in both["advice"]] == [advice_id]
    assert [r["reason"] for r in both["formal"]] == ["Leg ulcer clinic"]
    assert both["advice"][0]["minutes_to_answer"] == 25.0 and client.get("/advice-requests/waiting",
                                                                         headers=nurse).json() == []
    with store.engine.connect() as connection:
        kinds = dict(connection.execute(sa.select(CANONICAL["referrals"].c.referral_id,
                                                  CANONICAL["referrals"].c.kind)).all())
    assert kinds == {advice_id: "informal", referred.json()["referral_id"]: "formal"}
    # a patient may write ServiceRequests (ask, book) but not ask a professional's advice: refused and audited
    patient = _as(client, logins["patient"])
    before = len(_audit(store))
    refused = client.post(f"/patients/{me}/advice-requests", headers=patient, json={
        "to_clinician_id": nurse_id, "question": "Am I ok?"})
    assert refused.status_code == 403 and "asking a colleague's advice is for" in refused.json()["detail"]
    after = _audit(store)
    assert len(after) == before + 1 and after[-1].outcome == "denied"
    nobody = client.post(f"/patients/{me}/advice-requests", headers=gp, json={"to_clinician_id": "NOBODY",
                                                                             "question": "?"})
    assert nobody.status_code == 422 and "'NOBODY' is not a clinician" in nobody.json()["detail"]
    with store.engine.connect() as connection:  # nothing half-written by the refusals
        assert connection.execute(sa.select(sa.func.count()).select_from(REFERRAL_NOTES)).scalar_one() == 2


def test_tasks_have_owners_and_due_dates_and_close_once(demo):
    store, logins, client, _ = demo
    me = logins["patient"].detail.split()[-1]
    gp, nurse = _as(client, logins["gp"]), _as(client, logins["nurse"])
    nurse_id = logins["nurse"].detail.split()[-1]
    due = (NOW + dt.timedelta(days=3)).date().isoformat()
    made = client.post(f"/patients/{me}/tasks", headers=gp, json={
        "title": "Check INR after antibiotics", "assigned_to": nurse_id, "due_date": due, "kind": "results"})
    assert made.status_code == 201, made.text
    task_id = made.json()["task_id"]
    mine = client.get("/tasks/mine", headers=nurse).json()
    assert [(t["task_id"], t["due_date"], t["title"]) for t in mine] == [(task_id, due, "Check INR after antibiotics")]
    past = client.post(f"/patients/{me}/tasks", headers=gp, json={"title": "x", "assigned_to": nurse_id,
                                                                  "due_date": "2020-01-01"})
    assert past.status_code == 422 and "in the past" in past.json()["detail"]
    done = client.post(f"/patients/{me}/tasks/{task_id}/close", headers=nurse, json={"status": "done"})
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["completed_at"]
    assert client.post(f"/patients/{me}/tasks/{task_id}/close", headers=nurse, json={}).status_code == 409
    assert client.get("/tasks/mine", headers=nurse).json() == []
    assert client.get(f"/patients/{me}/tasks", headers=_as(client, logins["patient"])).status_code == 403
    with store.engine.connect() as connection:
        row = connection.execute(sa.select(CANONICAL["tasks"])).one()
    assert (row.status, row.assigned_to, row.kind, str(row.due_date)) == ("done", nurse_id, "results", due)
