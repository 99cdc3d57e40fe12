"""The demo store and logging in: accounts for every role, argon2 hashes, tokens, scopes, lockout, CSRF, expiry."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import numpy as np
import pytest
import sqlalchemy as sa

from carenet.schema.roles import ROLE_CODES
from carenet.service.people.roles import SERVICE_ROLES
from carenet.service.people.tables import USERS
from carenet.service.settings import ServiceSettings
from carenet.service.store.transfer import read_tables

SETTINGS = ServiceSettings.from_parameters()


def _token(client, username, password, scope=None, status=200):
    body = {"username": username, "password": password} | ({"scope": scope} if scope else {})
    response = client.post("/auth/token", json=body)
    assert response.status_code == status, response.text
    return response.json()


def test_demo_store_has_the_network_layers_staff_diaries_and_an_account_per_role(demo):
    store, logins, client, _ = demo
    network = client.app.state.services.live.network
    tables = read_tables(store)
    assert set(logins) == {r.code for r in SERVICE_ROLES}  # micro-teams staffs every clinical role the demo needs
    assert sorted(tables["clinicians"].column("clinician_id").to_pylist()) == sorted(network.staff.clinician_id)
    practice_lanes = network.lanes.site >= 0
    assert sum(tables["diaries"].column("slots").to_pylist()) == int(network.lanes.capacity[practice_lanes].sum())
    with store.engine.connect() as connection:
        users = {u.username: u for u in connection.execute(sa.select(USERS))}
    roles = dict(zip(tables["clinicians"].column("clinician_id").to_pylist(),
                     tables["clinicians"].column("role").to_pylist(), strict=True))
    for code, login in logins.items():
        user = users[login.username]
        assert user.password_hash.startswith("$argon2id$") and login.password not in user.password_hash
        if login.role.clinical_role:
            assert roles[user.clinician_id] == login.role.clinical_role
        assert (user.patient_id is not None) == (code in ("patient", "carer"))
    assert set(np.unique(network.staff.array("role"))) <= set(range(len(ROLE_CODES)))


def test_a_token_logs_in_with_the_scopes_its_role_allows(demo):
    _, logins, client, _ = demo
    gp = logins["gp"]
    token = _token(client, gp.username, gp.password)
    assert token["token_type"] == "Bearer" and token["scope"] == "user/*.read user/*.write"
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200 and me.json()["role"] == "gp"
    narrow = _token(client, gp.username, gp.password, scope="user/Patient.read")
    assert narrow["scope"] == "user/Patient.read"
    patient = logins["patient"]
    refused = _token(client, patient.username, patient.password, scope="user/*.read", status=400)
    assert "may not hold user/*.read" in refused["detail"]
    assert client.get("/auth/me").status_code == 401
    assert client.get("/auth/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_wrong_passwords_lock_the_account_until_the_lockout_ends(demo):
    _, logins, client, clock = demo
    nurse = logins["nurse"]
    for attempt in range(SETTINGS.failures_before_lockout):
        if attempt and attempt % SETTINGS.attempts_per_minute == 0:
            clock.advance(1.01)  # stay inside the per-address rate limit
        assert _token(client, nurse.username, "wrong password!", status=401)["detail"] == "wrong user name or password"
    clock.advance(1.01)
    locked = _token(client, nurse.username, nurse.password, status=423)
    assert "locked after 10 failed logins" in locked["detail"]
    clock.advance(SETTINGS.lockout_minutes)
    assert _token(client, nurse.username, nurse.password)["access_token"]
    unknown = _token(client, "nobody", "whatever password", status=401)  # the same answer as a wrong password
    assert unknown["detail"] == "wrong user name or password"


def test_logins_from_one_address_are_rate_limited(demo):
    _, logins, client, clock = demo
    for _ in range(SETTINGS.attempts_per_minute):
        _token(client, "someone", "a guess at it", status=401)
    assert "too many login attempts" in _token(client, logins["gp"].username, logins["gp"].password, status=429)[
        "detail"]
    clock.advance(1.01)
    _token(client, logins["gp"].username, logins["gp"].password)


def test_a_browser_session_needs_its_csrf_token_to_change_anything(demo):
    _, logins, client, _ = demo
    manager = logins["practice_manager"]
    session = client.post("/auth/login", json={"username": manager.username, "password": manager.password})
    assert session.status_code == 200
    assert "httponly" in session.headers["set-cookie"].lower() and "samesite=strict" in session.headers[
        "set-cookie"].lower()
    assert client.get("/auth/me").json()["role"] == "practice_manager"  # reads need no CSRF token
    refused = client.post("/auth/logout")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert client.post("/auth/logout", headers={"X-CSRF-Token": session.json()["csrf_token"]}).status_code == 204
    assert client.get("/auth/me").status_code == 401


def test_a_session_row_is_rewritten_at_most_once_a_touch_interval(demo):
    """Calls on one session within ``touch_seconds`` do not rewrite its row; the idle clock still restarts."""
    from carenet.service.auth.tables import AUTH_SESSIONS

    store, logins, client, clock = demo
    gp = logins["gp"]
    headers = {"Authorization": f"Bearer {_token(client, gp.username, gp.password)['access_token']}"}

    def last_used():
        with store.engine.connect() as connection:
            return connection.execute(sa.select(AUTH_SESSIONS.c.last_used_at)).scalar_one()

    started = last_used()
    clock.advance(SETTINGS.touch_seconds / 2 / 60)
    assert client.get("/auth/me", headers=headers).status_code == 200
    assert last_used() == started
    clock.advance(SETTINGS.touch_seconds / 60)
    assert client.get("/auth/me", headers=headers).status_code == 200
    assert last_used() > started


def test_sessions_expire_when_idle_and_end_at_logout(demo):
    _, logins, client, clock = demo
    gp = logins["gp"]
    headers = {"Authorization": f"Bearer {_token(client, gp.username, gp.password)['access_token']}"}
    clock.advance(SETTINGS.idle_minutes - 1)
    assert client.get("/auth/me", headers=headers).status_code == 200  # used: the idle clock restarts
    clock.advance(SETTINGS.idle_minutes - 1)
    assert client.get("/auth/me", headers=headers).status_code == 200
    clock.advance(SETTINGS.idle_minutes + 1)
    expired = client.get("/auth/me", headers=headers)
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    fresh = {"Authorization": f"Bearer {_token(client, gp.username, gp.password)['access_token']}"}
    assert client.post("/auth/logout", headers=fresh).status_code == 204
    assert client.get("/auth/me", headers=fresh).status_code == 401


def test_bad_login_bodies_are_clear_422s(demo):
    _, _, client, _ = demo
    response = client.post("/auth/token", json={"username": "x"})
    assert response.status_code == 422 and "body.password: Field required" in response.json()["detail"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_carenet_serve_demo_starts_prints_logins_and_answers(tmp_path):
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-c", "from carenet.cli import main; main()", "serve", "--demo",
                                   "--demo-patients", "300", "--port", str(port)], cwd=tmp_path,
                                  env={**os.environ, "COLUMNS": "200"}, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            pytest.fail(f"carenet serve --demo did not answer within 180 s: {log.read_text()}")
        output = log.read_text()
        assert "Demo logins" in output and (tmp_path / "carenet-demo.db").is_file()
        for role in ("gp", "receptionist", "patient", "carer", "network_admin"):
            password = re.search(rf"demo\.{role}\s*│\s*(\S+)\s*│", output)
            assert password, output
            token = httpx.post(f"http://127.0.0.1:{port}/auth/token",
                               json={"username": f"demo.{role}", "password": password.group(1)})
            assert token.status_code == 200, token.text
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
