"""The FHIR R4 API at /fhir: every resource type read and searched as valid R4 (the R4B models), patient data read
only through the access guard and audited, $find/$book, transaction Bundles loaded all or nothing."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from fhir.resources.R4B import get_fhir_model_class

from carenet.service.api import Services
from carenet.service.app import create_app
from carenet.service.audit.tables import AUDIT_EVENTS
from carenet.service.auth.passwords import PasswordHasher
from carenet.service.demo import build_demo_store
from carenet.service.fhir.registry import REGISTRY
from carenet.service.store import open_store
from carenet.service.store.tables import CANONICAL
from carenet.sources.fhir.ids import fhir_id
from conftest import NOW, SETTINGS, START, STORES, Clock, fresh_postgres_url

SYNTHEA_BUNDLE = "ad2e3fc5-2b5d-4cb9-8d03-9ea0f4ac8423.json"
"""A Synthea patient bundle holding its own practice and practitioner (so it loads on its own)."""


def valid(resource: dict) -> dict:
    """``resource`` after checking it against its R4B model."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


@pytest.fixture(scope="module", params=STORES)
def served(request, tmp_path_factory, population):
    """(store, logins by role, client, clock, the seeded patient of the GP's practice, one of another practice)."""
    if request.param == "sqlite":
        db = str(tmp_path_factory.mktemp("fhir") / "store.db")
    else:
        db = fresh_postgres_url(request.getfixturevalue("postgres_options"))
    store = open_store(db)
    hasher = PasswordHasher(SETTINGS)
    live, logins = build_demo_store(store, "micro_teams", START, SETTINGS, hasher, NOW, population)
    clock = Clock()
    client = TestClient(create_app(Services(store, SETTINGS, hasher, clock, live=live)))
    by_role = {login.role.code: login for login in logins}
    own, other = _seed(store, by_role)
    yield store, by_role, client, clock, own, other
    client.close()
    store.close()


def _seed(store, logins) -> tuple[str, str]:
    """A care plan, task, formal and informal referral and social prescription for a patient of the GP's practice;
    and a patient of another practice the GP has no relationship with."""
    gp_clinician = logins["gp"].detail.split()[-1]
    t = CANONICAL
    with store.engine.begin() as conn:
        gp_practice = conn.execute(sa.select(t["clinicians"].c.practice_id).where(
            t["clinicians"].c.clinician_id == gp_clinician)).scalar_one()
        own = conn.execute(sa.select(t["patients"].c.patient_id).where(t["patients"].c.practice_id == gp_practice)
                           .order_by(t["patients"].c.patient_id).limit(1)).scalar_one()
        gp_teams = sa.select(t["team_members"].c.team_id).where(t["team_members"].c.clinician_id == gp_clinician)
        mine = sa.select(t["panels"].c.patient_id).where(sa.or_(t["panels"].c.clinician_id == gp_clinician,
                                                                t["panels"].c.team_id.in_(gp_teams)))
        other = conn.execute(sa.select(t["patients"].c.patient_id).where(
            t["patients"].c.practice_id != gp_practice, t["patients"].c.patient_id.not_in(mine))
            .order_by(t["patients"].c.patient_id).limit(1)).scalar_one()
        network = conn.execute(sa.select(t["networks"].c.network_id)).scalars().first()
        at = dt.datetime(2026, 2, 20, 10, 30)
        conn.execute(t["care_plans"].insert().values(
            care_plan_id="CP-1", patient_id=own, key_worker_id=gp_clinician, status="active",
            created_date=dt.date(2026, 2, 1), review_date=dt.date(2026, 8, 1), goals=["walk to the shops"],
            goals_patient_set=True))
        conn.execute(t["appointments"].insert().values(
            appointment_id="A-1", patient_id=own, clinician_id=gp_clinician, role="gp", practice_id=gp_practice,
            site_id=gp_practice, request_id=None, requested_at=at, booked_for=at + dt.timedelta(days=2),
            duration_minutes=10, mode="face_to_face", status="attended", urgency="routine", need_type=None))
        conn.execute(t["tasks"].insert().values(task_id="T-1", patient_id=own, assigned_to=gp_clinician,
                                                kind="results", created_at=at, due_date=dt.date(2026, 3, 9),
                                                completed_at=None, status="open"))
        conn.execute(t["community_services"].insert().values(service_id="S-1", name="Walking group",
                                                             category="exercise", network_id=network,
                                                             weekly_capacity=10))
        for kind in ("formal", "informal"):
            conn.execute(t["referrals"].insert().values(
                referral_id=f"RF-{kind}", patient_id=own, from_clinician_id=gp_clinician,
                to_clinician_id=gp_clinician, to_service_id=None, kind=kind, need_type=None, created_at=at))
        conn.execute(t["social_prescriptions"].insert().values(
            social_prescription_id="SP-1", patient_id=own, link_worker_id=gp_clinician, service_id="S-1",
            referred_at=at, taken_up=True))
    return own, other


_TOKENS: dict[tuple[int, str], dict] = {}


def _login(client, login) -> dict:
    """A bearer token of ``login``, one per client (the tests share a store; logins are rate limited)."""
    key = (id(client), login.username)
    if key not in _TOKENS:
        response = client.post("/auth/token", json={"username": login.username, "password": login.password})
        assert response.status_code == 200, response.text
        _TOKENS[key] = {"Authorization": f"Bearer {response.json()['access_token']}"}
    return _TOKENS[key]


def _audit(store) -> list:
    with store.engine.connect() as connection:
        return connection.execute(sa.select(AUDIT_EVENTS).order_by(AUDIT_EVENTS.c.seq)).all()


def _count(store, table: str) -> int:
    with store.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(CANONICAL[table])).scalar_one()


def _search_query(name: str, own: str, client, headers, clinician: str) -> str:
    if name == "Patient":
        return f"_id={own}"
    if name == "Slot":
        schedule = client.get(f"/fhir/Schedule?actor=Practitioner/{clinician}", headers=headers).json()
        return f"schedule=Schedule/{schedule['entry'][0]['resource']['id']}&start=ge2026-03-03&start=lt2026-03-31"
    return f"patient=Patient/{own}" if REGISTRY[name].compartment else ""


def test_capability_statement_needs_no_login_and_names_every_type(served):
    _, _, client, _, _, _ = served
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    statement = valid(response.json())
    assert [r["type"] for r in statement["rest"][0]["resource"]] == list(REGISTRY)
    assert {"Patient", "Practitioner", "PractitionerRole", "Organization", "Appointment", "Slot", "Schedule",
            "CarePlan", "CareTeam", "Communication", "ServiceRequest", "Task", "AuditEvent"} <= set(REGISTRY)


def test_every_type_searches_and_reads_as_valid_r4(served):
    _, logins, client, _, own, _ = served
    gp = _login(client, logins["gp"])
    clinician = logins["gp"].detail.split()[-1]
    for name in REGISTRY:
        response = client.get(f"/fhir/{name}?{_search_query(name, own, client, gp, clinician)}&_count=3", headers=gp)
        assert response.status_code == 200, (name, response.text)
        bundle = valid(response.json())
        assert bundle["type"] == "searchset" and bundle["total"] >= 1, name
        resources = [valid(e["resource"]) for e in bundle["entry"]]
        assert resources and all(r["resourceType"] == name for r in resources), name
        first = resources[0]
        read = client.get(f"/fhir/{name}/{first['id']}", headers=gp)
        assert read.status_code == 200, (name, read.text)
        assert valid(read.json()) == first, name
        if bundle["total"] > 3:
            assert any(link["relation"] == "next" for link in bundle["link"]), name


def test_paging_follows_the_next_link(served):
    _, logins, client, _, _, _ = served
    gp = _login(client, logins["gp"])
    seen, url = [], "/fhir/Practitioner?_count=7"
    while url:
        bundle = client.get(url, headers=gp).json()
        seen += [e["resource"]["id"] for e in bundle["entry"]]
        url = next((link["url"].removeprefix("http://testserver") for link in bundle["link"]
                    if link["relation"] == "next"), None)
    assert len(seen) == len(set(seen)) == bundle["total"]


def test_every_patient_data_read_and_search_is_audited_once(served):
    store, logins, client, _, own, _ = served
    gp = _login(client, logins["gp"])
    clinician = logins["gp"].detail.split()[-1]
    for name, rt in REGISTRY.items():
        if not rt.compartment:
            continue
        before = len(_audit(store))
        bundle = client.get(f"/fhir/{name}?{_search_query(name, own, client, gp, clinician)}", headers=gp).json()
        events = _audit(store)[before:]
        assert [(e.patient_id, e.resource, e.action, e.outcome) for e in events] == [
            (own, name, "search", "allowed")], name
        first = bundle["entry"][0]["resource"]["id"]
        before = len(_audit(store))
        assert client.get(f"/fhir/{name}/{first}", headers=gp).status_code == 200
        events = _audit(store)[before:]
        assert [(e.patient_id, e.resource, e.action, e.outcome) for e in events] == [
            (own, name, "read", "allowed")], name


def test_another_practice_without_sharing_is_refused_and_audited(served):
    store, logins, client, _, own, other = served
    gp = _login(client, logins["gp"])
    for url in (f"/fhir/Patient/{other}", f"/fhir/Appointment?patient=Patient/{other}",
                f"/fhir/CareTeam?patient={other}", f"/fhir/Patient?_id={other}"):
        before = len(_audit(store))
        refused = client.get(url, headers=gp)
        assert refused.status_code == 403, (url, refused.text)
        outcome = valid(refused.json())
        assert outcome["issue"][0]["code"] == "forbidden"
        assert "no data-sharing agreement" in outcome["issue"][0]["diagnostics"]
        events = _audit(store)[before:]
        assert [(e.patient_id, e.outcome) for e in events] == [(other, "denied")], url
    # break-glass: allowed with a reason, and flagged in the audit log for review
    reason = {**gp, "X-Break-Glass-Reason": "unconscious in the surgery car park"}
    assert client.get(f"/fhir/Patient/{other}", headers=reason).status_code == 200
    assert [(e.patient_id, e.outcome, e.break_glass) for e in _audit(store)[-1:]] == [(other, "allowed", True)]
    # a patient sees their own record without naming it, and nobody else's
    patient = _login(client, logins["patient"])
    mine = client.get("/fhir/CareTeam", headers=patient)
    assert mine.status_code == 200 and mine.json()["total"] >= 1
    assert client.get(f"/fhir/Patient/{other}", headers=patient).status_code == 403
    assert client.get("/fhir/Practitioner", headers=patient).status_code == 403  # staff only


def test_find_and_book_then_a_second_booking_of_the_slot_conflicts(served):
    store, logins, client, _, own, _ = served
    gp = _login(client, logins["gp"])
    held = _count(store, "appointments")
    found = client.post(f"/fhir/Appointment/$find?patient=Patient/{own}&need=acute_minor&urgency=routine",
                        headers=gp)
    assert found.status_code == 200, found.text
    proposals = [valid(e["resource"]) for e in valid(found.json())["entry"]]
    assert proposals and all(p["status"] == "proposed" for p in proposals)
    chosen = proposals[0]
    booked = client.post("/fhir/Appointment/$book", content=json.dumps(chosen),
                         headers={**gp, "Content-Type": "application/fhir+json"})
    assert booked.status_code == 201, booked.text
    appointment = valid(booked.json())
    assert appointment["status"] == "booked" and appointment["start"] == chosen["start"]
    assert booked.headers["location"].endswith(f"/fhir/Appointment/{appointment['id']}")
    listed = client.get(f"/fhir/Appointment?patient=Patient/{own}&date=ge{chosen['start'][:10]}", headers=gp).json()
    assert appointment["id"] in [e["resource"]["id"] for e in listed["entry"]]
    slot = client.get(f"/fhir/{chosen['slot'][0]['reference']}", headers=gp)
    assert valid(slot.json())["status"] == "busy"
    # the same slot again, for the same request or with none: 409 with an OperationOutcome
    again = client.post("/fhir/Appointment/$book", headers=gp, json=chosen)
    assert again.status_code == 409 and "already booked" in valid(again.json())["issue"][0]["diagnostics"]
    bare = {k: v for k, v in chosen.items() if k != "basedOn"}
    taken = client.post("/fhir/Appointment/$book", headers=gp, json=bare)
    assert taken.status_code == 409, taken.text
    outcome = valid(taken.json())
    assert outcome["issue"][0]["code"] == "conflict" and "has just been booked" in outcome["issue"][0]["diagnostics"]
    wrapped = {"resourceType": "Parameters", "parameter": [{"name": "appointment", "resource": bare}]}
    assert client.post("/fhir/Appointment/$book", headers=gp, json=wrapped).status_code == 409
    assert _count(store, "appointments") == held + 1


def test_errors_are_operation_outcomes_that_say_what_to_fix(served):
    _, logins, client, _, own, _ = served
    gp = _login(client, logins["gp"])
    cases = {
        "/fhir/Appointment": (400, "names the patient"),
        "/fhir/Observation": (400, "is not served here"),
        f"/fhir/Appointment?patient={own}&colour=red": (400, "has no search parameter 'colour'"),
        f"/fhir/Appointment?patient={own}&date=yesterday": (400, "is not a FHIR date"),
        f"/fhir/Appointment?patient={own}&status=happy": (400, "is not a code here"),
        f"/fhir/Appointment?patient={own}&_count=1000": (400, "_count"),
        "/fhir/Patient/no-such-patient": (404, "is not known here"),
        "/fhir/Slot?start=ge2026-03-03": (400, "schedule=Schedule/ID"),
    }
    for url, (status, words) in cases.items():
        response = client.get(url, headers=gp)
        assert response.status_code == status, (url, response.text)
        assert words in valid(response.json())["issue"][0]["diagnostics"], url
    audited = f"/fhir/AuditEvent?patient={own}&date="
    assert client.get(audited + "ge2026-03-01", headers=gp).json()["total"] >= 1
    assert client.get(audited + "lt2020-01-01", headers=gp).json()["total"] == 0
    anonymous = client.get(f"/fhir/Patient/{own}")
    assert anonymous.status_code == 401 and valid(anonymous.json())["issue"][0]["code"] == "login"
    assert client.post("/fhir/Appointment/$find?need=acute_minor", headers=gp).status_code == 400


@pytest.fixture(scope="module")
def synthea(external: Path) -> dict:
    path = external / "synthea-r4" / "bundles" / SYNTHEA_BUNDLE
    if not path.is_file():
        pytest.skip(f"Synthea bundle not found at {path}")
    return json.loads(path.read_text())


def test_a_transaction_bundle_loads_all_or_nothing(served, synthea):
    store, logins, client, _, _, _ = served
    admin = _login(client, logins["network_admin"])
    gp = _login(client, logins["gp"])
    patients = _count(store, "patients")
    assert client.post("/fhir", headers=gp, json=synthea).status_code == 403
    # a broken reference: refused with the importer's problem, and nothing is loaded
    broken = copy.deepcopy(synthea)
    encounter = next(e for e in broken["entry"] if e["resource"]["resourceType"] == "Encounter")
    encounter["resource"]["subject"] = {"reference": "urn:uuid:00000000-0000-0000-0000-000000000000"}
    refused = client.post("/fhir", headers=admin, json=broken)
    assert refused.status_code == 422, refused.text
    issues = [i["diagnostics"] for i in valid(refused.json())["issue"]]
    assert "nothing was loaded" in issues[0] and any("dangling reference" in i for i in issues[1:])
    assert _count(store, "patients") == patients
    not_a_transaction = client.post("/fhir", headers=admin, json={**synthea, "type": "collection"})
    assert not_a_transaction.status_code == 400 and "transaction" in not_a_transaction.json()["issue"][0]["diagnostics"]
    # the bundle itself loads: the patient, their registration, conditions and appointments
    appointments = _count(store, "appointments")
    loaded = client.post("/fhir", headers=admin, json=synthea)
    assert loaded.status_code == 200, loaded.text
    response = valid(loaded.json())
    assert response["type"] == "transaction-response" and len(response["entry"]) == len(synthea["entry"])
    assert _count(store, "patients") == patients + 1
    assert _count(store, "appointments") > appointments
    patient_id = next(e["resource"]["id"] for e in synthea["entry"] if e["resource"]["resourceType"] == "Patient")
    assert [(e.patient_id, e.action) for e in _audit(store)[-1:]] == [(patient_id, "create")]
    # posting it again adds nothing; a contradiction of what the store holds is a conflict
    assert client.post("/fhir", headers=admin, json=synthea).status_code == 200
    assert _count(store, "patients") == patients + 1
    changed = copy.deepcopy(synthea)
    person = next(e["resource"] for e in changed["entry"] if e["resource"]["resourceType"] == "Patient")
    person["birthDate"] = "1950-01-01"
    conflict = client.post("/fhir", headers=admin, json=changed)
    assert conflict.status_code == 409 and "birth_date" in conflict.json()["issue"][0]["diagnostics"]


def test_what_the_api_serves_loads_back_as_the_same_rows(served):
    store, logins, client, _, own, _ = served
    gp, admin = _login(client, logins["gp"]), _login(client, logins["network_admin"])
    patient = client.get(f"/fhir/Patient/{own}", headers=gp).json()
    practice = patient["generalPractitioner"][0]["reference"]
    organizations = [client.get(f"/fhir/{practice}", headers=gp).json()]
    organizations.append(client.get(f"/fhir/{organizations[0]['partOf']['reference']}", headers=gp).json())
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": r,
         "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
        for r in (*organizations, patient)]}
    counts = {name: _count(store, name) for name in ("patients", "registrations", "practices", "networks")}
    loaded = client.post("/fhir", headers=admin, json=bundle)
    assert loaded.status_code == 200, loaded.text  # a row served differently from how it is held would be a 409
    assert {name: _count(store, name) for name in counts} == counts


def test_team_thread_messages_are_communications_with_their_sender(served):
    _, logins, client, _, own, _ = served
    gp = _login(client, logins["gp"])
    written = client.post(f"/patients/{own}/thread", headers=gp, json={"body": "Bloods back: all normal."})
    assert written.status_code == 201, written.text
    bundle = valid(client.get(f"/fhir/Communication?patient=Patient/{own}", headers=gp).json())
    kinds = {e["resource"]["category"][0]["coding"][0]["code"]: e["resource"] for e in bundle["entry"]}
    assert {"advice", "thread"} <= set(kinds)
    message = kinds["thread"]
    assert message["payload"] == [{"contentString": "Bloods back: all normal."}]
    assert message["sender"]["reference"] == f"Practitioner/{fhir_id('Practitioner', logins['gp'].detail.split()[-1])}"
    assert valid(client.get(f"/fhir/Communication/{message['id']}", headers=gp).json()) == message
