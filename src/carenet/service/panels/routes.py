"""Routes of the panels: ``GET /panels`` (sizes and the engine's suggestion) and ``POST /panels/rebalance``.

A practice manager sees their practice's panels; a network administrator any practice of their network
(``practice_id``). Accepting a suggestion moves its patients' panel rows, each move guarded and audited
as a write of the patient's CareTeam; a suggestion made stale by any change since is refused (409).
"""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from carenet.service.api import App, Connection, Who, require_role
from carenet.service.audit.log import AuditEntry, record
from carenet.service.auth.login import Principal
from carenet.service.panels.logic import StaleSuggestion, accept, suggest, team_names
from carenet.service.store.tables import CANONICAL
from carenet.service.worklists.logic import local_now

router = APIRouter(prefix="/panels", tags=["panels"])
PANEL_ROLES = ("practice_manager", "network_admin")
PracticeId = Query(None, min_length=1, max_length=200,
                   description="The practice (a network administrator names one; a practice manager's is theirs)")


def panel_practice(conn, who: Principal, practice_id: str | None) -> str:
    """The practice whose panels ``who`` manages (a network administrator names one of their network)."""
    require_role(who, PANEL_ROLES, "panel management")
    if who.practice_id is not None:
        if practice_id not in (None, who.practice_id):
            raise HTTPException(403, f"you manage the panels of {who.practice_id}, not {practice_id}")
        return who.practice_id
    if practice_id is None:
        raise HTTPException(422, "practice_id: name the practice of your network whose panels you want")
    practices = CANONICAL["practices"]
    network = conn.execute(sa.select(practices.c.network_id).where(practices.c.practice_id == practice_id)).first()
    if network is None:
        raise HTTPException(404, f"no practice {practice_id!r} in this record")
    if who.network_id is None or network.network_id != who.network_id:
        raise HTTPException(403, f"practice {practice_id} is not of your network")
    return practice_id


@router.get("")
def panels(who: Who, app: App, conn: Connection, practice_id: str | None = PracticeId) -> dict:
    """The practice's panels (list sizes against their shares) and the panel engine's rebalancing suggestion."""
    practice = panel_practice(conn, who, practice_id)
    today = local_now(app.clock(), app.settings).date()
    tolerance = app.settings.panel_rebalance_tolerance
    found = suggest(conn, practice, today, tolerance)
    record(conn, AuditEntry(app.clock(), who.user_id, who.role, None, "CareTeam", None, "search", "allowed",
                            "panels", f"panel sizes of {practice}: {len(found.panels)} panels"))
    return found.to_json(tolerance, team_names(conn, practice))


class AcceptIn(BaseModel):
    suggestion_id: str = Field(min_length=1, max_length=64, description="From GET /panels")
    practice_id: str | None = Field(None, min_length=1, max_length=200)


@router.post("/rebalance")
def rebalance(body: AcceptIn, who: Who, app: App, conn: Connection) -> dict:
    """Accept the engine's suggestion: its patients' new panels start today."""
    practice = panel_practice(conn, who, body.practice_id)
    now = app.clock()
    today = local_now(now, app.settings).date()
    tolerance = app.settings.panel_rebalance_tolerance
    try:
        moved, after = accept(conn, who, now, today, practice, body.suggestion_id, tolerance)
    except StaleSuggestion as stale:
        raise HTTPException(409, f"{stale}; GET /panels for it") from None
    return {"practice_id": practice, "moved": moved, "started": today.isoformat(),
            **{k: v for k, v in after.to_json(tolerance, team_names(conn, practice)).items() if k != "practice_id"}}


__all__ = ["PANEL_ROLES", "panel_practice", "router"]
