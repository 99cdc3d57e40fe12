"""Panels over the live store: sizes, the panel engine's rebalancing suggestion, accepting it (guarded, audited,
stale suggestions refused) and who may."""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.audit.tables import AUDIT_EVENTS
from carenet.service.store.tables import CANONICAL
from conftest import START


def _login(client, login) -> dict:
    response = client.post("/auth/token", json={"username": login.username, "password": login.password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _new_micro_team(store, practice: str) -> str:
    """A second micro-team formed at the practice, led by one of its GPs, holding nobody yet."""
    teams, members, clinicians = CANONICAL["teams"], CANONICAL["team_members"], CANONICAL["clinicians"]
    with store.engine.begin() as connection:
        gp = connection.execute(sa.select(clinicians.c.clinician_id).where(
            clinicians.c.practice_id == practice, clinicians.c.role == "gp").order_by(clinicians.c.clinician_id)
            .limit(1)).scalar_one()
        connection.execute(teams.insert().values(team_id=f"{practice}-new-team", name="New team 1", kind="micro_team",
                                                 practice_id=practice, network_id=None))
        connection.execute(members.insert().values(team_id=f"{practice}-new-team", clinician_id=gp))
    return f"{practice}-new-team"


def test_panels_are_rebalanced_by_the_engine_and_the_move_is_audited(demo):
    store, logins, client, _ = demo
    manager = _login(client, logins["practice_manager"])
    practice = client.get("/auth/me", headers=manager).json()["practice_id"]
    first = client.get("/panels", headers=manager)
    assert first.status_code == 200, first.text
    body = first.json()
    assert all(p["patients"] > 0 and abs(p["deviation"]) <= body["tolerance"] for p in body["panels"])
    assert "patient_id" not in first.text
    listed = sum(p["patients"] for p in body["panels"])

    team = _new_micro_team(store, practice)
    stale = client.post("/panels/rebalance", headers=manager,
                        json={"suggestion_id": body["suggestion"]["suggestion_id"]})
    assert stale.status_code == 409 and "stale" in stale.json()["detail"]
    now = client.get("/panels", headers=manager).json()
    new = next(p for p in now["panels"] if p["team_id"] == team)
    assert new["patients"] == 0 and new["deviation"] == -1.0 and new["suggested"] > 0
    suggestion = now["suggestion"]
    assert suggestion["moved"] > 0
    assert sum(m["patients"] for m in suggestion["moves"]) == suggestion["moved"]
    assert {m["to"]["team_id"] for m in suggestion["moves"]} == {team}
    audit_before = _events(store)
    accepted = client.post("/panels/rebalance", headers=manager, json={"suggestion_id": suggestion["suggestion_id"]})
    assert accepted.status_code == 200, accepted.text
    done = accepted.json()
    assert done["moved"] == suggestion["moved"] and done["suggestion"]["moved"] == 0
    for panel in done["panels"]:  # within the band, as the engine promises (one household over at most)
        assert abs(panel["patients"] - panel["target"]) <= panel["target"] * done["tolerance"] + 8, panel
    assert sum(p["patients"] for p in done["panels"]) == listed
    events = _events(store)[len(audit_before):]
    assert len(events) == suggestion["moved"] and {e.resource for e in events} == {"CareTeam"}
    assert all(e.outcome == "allowed" and e.policy == "practice-panels" for e in events)
    panels = CANONICAL["panels"]
    with store.engine.connect() as connection:
        joined = set(connection.execute(sa.select(panels.c.patient_id).where(panels.c.team_id == team)).scalars())
    assert joined == {e.patient_id for e in events}


def _events(store) -> list:
    with store.engine.connect() as connection:
        return connection.execute(sa.select(AUDIT_EVENTS).order_by(AUDIT_EVENTS.c.seq)).all()


def test_panels_are_for_managers_and_administrators_of_their_own(demo):
    store, logins, client, clock = demo
    admin = _login(client, logins["network_admin"])
    manager = _login(client, logins["practice_manager"])
    practice = client.get("/auth/me", headers=manager).json()["practice_id"]
    assert client.get("/panels", headers=admin).status_code == 422  # names no practice
    assert client.get("/panels", headers=admin, params={"practice_id": practice}).status_code == 200
    assert client.get("/panels", headers=admin, params={"practice_id": "nowhere"}).status_code == 404
    practices = CANONICAL["practices"]
    with store.engine.connect() as connection:
        other = connection.execute(sa.select(practices.c.practice_id).where(practices.c.practice_id != practice)
                                   .limit(1)).scalar_one()
    assert client.get("/panels", headers=manager, params={"practice_id": other}).status_code == 403
    clock.advance(1.5)  # past the login rate limit of one address
    for role in ("gp", "receptionist", "network_analyst", "patient"):
        refused = client.get("/panels", headers=_login(client, logins[role]))
        assert refused.status_code == 403, (role, refused.text)
    panels = CANONICAL["panels"]
    with store.engine.connect() as connection:
        rows = connection.execute(sa.select(sa.func.count()).select_from(panels)).scalar_one()
    bad = client.post("/panels/rebalance", headers=manager, json={"suggestion_id": "0" * 16})
    assert bad.status_code == 409
    with store.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(panels)).scalar_one() == rows
        assert connection.execute(sa.select(sa.func.max(panels.c.start_date))).scalar_one() == START
