"""CarePlan (goals contained) and CareTeam: the network's teams, and each patient's care team (their panel)."""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.fhir.model import Context, Json, ResourceType, SearchParam, exported, exported_all, rows_of
from carenet.service.fhir.resources.common import PATIENT, SUBJECT
from carenet.service.store.tables import CANONICAL
from carenet.sources.fhir.ids import fhir_id

_PLANS, _TEAMS, _PANELS = CANONICAL["care_plans"], CANONICAL["teams"], CANONICAL["panels"]
_NULL_TEXT = sa.null().cast(sa.Text)


def _plans() -> sa.Select:
    return sa.select(_PLANS, _PLANS.c.care_plan_id.label("id"))


def _render_plans(_connection: sa.Connection, rows: list[Json], context: Context) -> list[Json]:
    """The plans, each with its goals contained (the export writes a plan's Goals just before it)."""
    out, goals = [], []
    for resource in exported_all({"care_plans": rows}, context):
        if resource["resourceType"] == "Goal":
            goals.append(resource)
            continue
        if goals:
            resource["contained"] = goals
            resource["goal"] = [{"reference": f"#{g['id']}"} for g in goals]
        out.append(resource)
        goals = []
    return out


def _teams() -> sa.Select:
    panel_id = sa.literal("panel.", sa.Text) + _PANELS.c.patient_id + sa.literal(".", sa.Text) + sa.cast(
        _PANELS.c.start_date, sa.Text)
    teams = sa.select(_TEAMS.c.team_id.label("id"), _NULL_TEXT.label("patient_id"), _TEAMS.c.team_id,
                      _TEAMS.c.name, _TEAMS.c.kind, _TEAMS.c.practice_id, _TEAMS.c.network_id,
                      _NULL_TEXT.label("clinician_id"), sa.null().cast(sa.Date).label("start_date"))
    panels = sa.select(panel_id.label("id"), _PANELS.c.patient_id, _PANELS.c.team_id, _NULL_TEXT.label("name"),
                       _NULL_TEXT.label("kind"), _NULL_TEXT.label("practice_id"), _NULL_TEXT.label("network_id"),
                       _PANELS.c.clinician_id, _PANELS.c.start_date)
    return sa.select(sa.union_all(teams, panels).subquery())


def _render_teams(connection: sa.Connection, rows: list[Json], context: Context) -> list[Json]:
    team_ids = [r["id"] for r in rows if r["patient_id"] is None]
    members = rows_of(connection, CANONICAL["team_members"], "team_id", team_ids)
    out = []
    for row in rows:
        if row["patient_id"] is None:
            written = exported({"teams": [row], "team_members": [m for m in members if m["team_id"] == row["id"]]},
                               context, "CareTeam")
        else:
            written = exported({"panels": [row]}, context, "CareTeam")
            for team in written:
                team["id"] = fhir_id("CareTeam", row["id"])
        out += written
    return out


CARE_PLAN = ResourceType(
    "CarePlan", "Personalised care plans with their goals and key worker", _plans, _render_plans,
    (PATIENT, SUBJECT,
     SearchParam("status", "status", "token", "draft, active, completed or revoked",
                 values={s: s for s in ("draft", "active", "completed", "revoked")}),
     SearchParam("date", "created_date", "date", "Date agreed, with ge/le/gt/lt/eq prefixes")),
    compartment=True)
CARE_TEAM = ResourceType(
    "CareTeam", "The network's teams (staff), and each patient's care team: named clinician and panel team",
    _teams, _render_teams, (PATIENT, SUBJECT), compartment=True, unowned=True)

__all__ = ["CARE_PLAN", "CARE_TEAM"]
