"""schemathesis against the service's OpenAPI: generated requests to every operation, logged in, 0 server errors."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from carenet.service.api import Services
from carenet.service.app import create_app
from carenet.service.auth.passwords import PasswordHasher
from carenet.service.demo import build_demo_store
from carenet.service.store import open_store
from conftest import NOW, SETTINGS, START, Clock  # this folder's conftest, imported while it is the one collected

EXAMPLES_PER_OPERATION = 25
ROLES = ("gp", "patient", "network_admin")


@pytest.fixture(scope="module")
def served(tmp_path_factory, population):
    store = open_store(tmp_path_factory.mktemp("fuzz") / "store.db")
    hasher = PasswordHasher(SETTINGS)
    live, logins = build_demo_store(store, "micro_teams", START, SETTINGS, hasher, NOW, population)
    app = create_app(Services(store, SETTINGS, hasher, Clock(), live=live))
    yield app, {login.role.code: login for login in logins}
    store.close()


@pytest.fixture(scope="module")
def tokens(served):
    from fastapi.testclient import TestClient

    app, logins = served
    client = TestClient(app)
    out = {}
    for role in ROLES:
        login = logins[role]
        response = client.post("/auth/token", json={"username": login.username, "password": login.password})
        out[role] = response.json()["access_token"]
    return out


def test_no_server_errors(served, tokens):
    app, _ = served
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [op for op in (result.ok() for result in schema.get_all_operations())
                  if op.path != "/auth/logout"]  # it would end the fuzzing sessions (tested in test_auth.py)
    assert len(operations) >= 15
    failures, statuses = [], set()
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            for role in ROLES:
                response = case.call(headers={**(case.headers or {}), "Authorization": f"Bearer {tokens[role]}"})
                statuses.add(response.status_code)
                if response.status_code >= 500:
                    failures.append((case.method, case.path, case.path_parameters, case.query, case.body,
                                     response.status_code, response.text[:300]))
                    return

        check()
    assert failures == []
    assert {200, 403, 422} <= statuses  # logged in: requests got past authentication to the routes' own answers
