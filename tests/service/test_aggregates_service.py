"""Analysts' aggregates: counts by practice with no patient in them, small numbers suppressed, others rounded."""

from __future__ import annotations

import json

import sqlalchemy as sa

from carenet.service.aggregates.logic import Disclosure, true_counts
from carenet.service.store.tables import CANONICAL
from conftest import NOW, SETTINGS


def _login(client, login) -> dict:
    response = client.post("/auth/token", json={"username": login.username, "password": login.password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_disclosure_suppresses_small_counts_and_rounds_the_rest():
    disclose = Disclosure(max_suppressed=7, rounding_base=5)
    assert [disclose(n) for n in (0, 1, 7, 8, 12, 13, 100)] == [0, None, None, 10, 10, 15, 100]


def test_analysts_see_counts_by_practice_with_no_patient_and_small_numbers_suppressed(demo):
    store, logins, client, _ = demo
    analyst = _login(client, logins["network_analyst"])
    response = client.get("/aggregates/practices", headers=analyst)
    assert response.status_code == 200, response.text
    body = response.json()
    text = json.dumps(body)
    patients = CANONICAL["patients"]
    with store.engine.connect() as connection:
        ids = connection.execute(sa.select(patients.c.patient_id, patients.c.nhs_number)).all()
        practices = sorted(body["practices"])
        exact, _ = true_counts(connection, practices, NOW.date(), SETTINGS)
    assert "patient_id" not in text and "nhs_number" not in text
    assert not any(pid in text or (nhs and nhs in text) for pid, nhs in ids)
    disclose = Disclosure.of(SETTINGS)
    suppressed = 0
    for practice, kinds in body["practices"].items():
        assert kinds["patients"]["all"] == disclose(exact[practice]["patients"]["all"])
        for kind, cells in kinds.items():
            for key, shown in cells.items():
                true = exact[practice][kind][key]
                if 1 <= true <= disclose.max_suppressed:
                    assert shown is None, (practice, kind, key, true)
                    suppressed += 1
                else:
                    assert shown == disclose(true) and shown % disclose.rounding_base == 0
    assert suppressed > 0  # the demo network has small cells, and they are hidden
    assert set(body["practices"]) == set(practices) and len(practices) > 1


def test_aggregates_are_for_the_networks_analysts(demo):
    _, logins, client, _ = demo
    for role in ("gp", "practice_manager", "receptionist", "network_admin", "patient"):
        refused = client.get("/aggregates/practices", headers=_login(client, logins[role]))
        assert refused.status_code == 403, (role, refused.text)
