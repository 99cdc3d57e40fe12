"""A practice's panels as the store holds them, and the panel engine's suggestion to rebalance them.

A panel is what holds patients in the store's ``panels`` table: a team (a micro-team, a segment
service) with its named clinician, or a named GP outside any team. The suggestion is
:func:`carenet.care.assign_panels` - the engine the network layer lays panels out with - run on the
practice's current panels: households kept whole, each panel's list and headcount within the
tolerance (``parameters.yaml`` ``service.panels.rebalance_tolerance``) of its share (a micro-team's
share is equal, a named GP's in proportion to FTE, as :mod:`carenet.network.panels` gives them),
moving as few patients as it can. Patients are weighted by headcount, as the service lays panels out
(the twin weights by expected contacts, from a workload model the service does not run).
Accepting a suggestion starts each moved patient's new panel row today; the suggestion's id is a
digest of what it was computed from, so a suggestion made stale by any change is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from carenet.care import assign_panels
from carenet.care.patients import NO_HOUSEHOLD
from carenet.service.store.tables import CANONICAL

GENERAL = "general list"
WEIGHTING = "headcount"


@dataclass(frozen=True)
class PanelKey:
    team_id: str | None
    clinician_id: str | None


@dataclass
class Suggestion:
    """Current panels, the engine's assignment and the moves it asks for."""

    practice_id: str
    as_of: dt.date
    panels: list[PanelKey]
    group: list[str]
    capacity: np.ndarray
    patients: list[str]
    current: np.ndarray
    suggested: np.ndarray
    target: np.ndarray
    suggestion_id: str

    @property
    def moved(self) -> np.ndarray:
        return np.flatnonzero(self.suggested != self.current)

    def to_json(self, tolerance: float, names: dict[str, str]) -> dict:
        now = np.bincount(self.current, minlength=len(self.panels))
        then = np.bincount(self.suggested, minlength=len(self.panels))
        moves: dict[tuple[int, int], int] = {}
        for i in self.moved:
            key = (int(self.current[i]), int(self.suggested[i]))
            moves[key] = moves.get(key, 0) + 1
        rows = [{"team_id": p.team_id, "team_name": names.get(p.team_id or ""), "clinician_id": p.clinician_id,
                 "group": self.group[k], "capacity": float(self.capacity[k]), "patients": int(now[k]),
                 "target": round(float(self.target[k]), 1),
                 "deviation": round(float(now[k] / self.target[k] - 1), 3) if self.target[k] > 0 else None,
                 "suggested": int(then[k])} for k, p in enumerate(self.panels)]
        return {"practice_id": self.practice_id, "as_of": self.as_of.isoformat(), "weighting": WEIGHTING,
                "tolerance": tolerance, "panels": rows,
                "suggestion": {"suggestion_id": self.suggestion_id, "moved": int(self.moved.size),
                               "moves": [{"from": _label(self.panels[a]), "to": _label(self.panels[b]), "patients": n}
                                         for (a, b), n in sorted(moves.items())]}}


def _label(panel: PanelKey) -> dict:
    return {"team_id": panel.team_id, "clinician_id": panel.clinician_id}


Held = dict[str, tuple[PanelKey, str | None]]
"""Patient -> (panel, household)."""


def current_panels(connection: sa.Connection, practice_id: str, as_of: dt.date) -> Held:
    """Each registered patient of the practice with a panel in force on ``as_of``: the panel and household."""
    patients, panels = CANONICAL["patients"], CANONICAL["panels"]
    rows = connection.execute(
        sa.select(panels.c.patient_id, panels.c.team_id, panels.c.clinician_id, panels.c.start_date,
                  patients.c.household_id)
        .join(patients, patients.c.patient_id == panels.c.patient_id)
        .where(patients.c.practice_id == practice_id, panels.c.start_date <= as_of,
               sa.or_(patients.c.registered_to.is_(None), patients.c.registered_to >= as_of),
               sa.or_(patients.c.death_date.is_(None), patients.c.death_date > as_of))
        .order_by(panels.c.patient_id, panels.c.start_date)).all()
    out: Held = {}
    for row in rows:  # the latest row in force wins
        out[row.patient_id] = (PanelKey(row.team_id, row.clinician_id), row.household_id)
    return {pid: v for pid, v in out.items() if v[0].team_id is not None or v[0].clinician_id is not None}


def team_names(connection: sa.Connection, practice_id: str) -> dict[str, str]:
    teams = CANONICAL["teams"]
    return dict(connection.execute(sa.select(teams.c.team_id, teams.c.name).where(teams.c.practice_id == practice_id)
                                   ).all())


def empty_micro_teams(connection: sa.Connection, practice_id: str, holding: set[str | None]) -> list[PanelKey]:
    """The practice's micro-teams holding nobody yet (a new team), each named to its lead: its first GP, else its
    first member (as :func:`carenet.network.panels.team_leads`)."""
    teams, members, clinicians = CANONICAL["teams"], CANONICAL["team_members"], CANONICAL["clinicians"]
    rows = connection.execute(
        sa.select(teams.c.team_id, members.c.clinician_id, clinicians.c.role)
        .outerjoin(members, members.c.team_id == teams.c.team_id)
        .outerjoin(clinicians, clinicians.c.clinician_id == members.c.clinician_id)
        .where(teams.c.practice_id == practice_id, teams.c.kind == "micro_team")
        .order_by(teams.c.team_id, members.c.clinician_id)).all()
    members_of: dict[str, list[tuple[str | None, str | None]]] = {}
    for team_id, clinician_id, role in rows:
        if team_id not in holding:
            members_of.setdefault(team_id, []).append((clinician_id, role))
    leads = {t: next((c for c, r in m if r == "gp"), m[0][0]) for t, m in members_of.items()}
    return [PanelKey(t, c) for t, c in leads.items()]


def suggest(connection: sa.Connection, practice_id: str, as_of: dt.date, tolerance: float) -> Suggestion:
    """The panel engine's rebalancing of the practice's current panels."""
    held = current_panels(connection, practice_id, as_of)
    patients = sorted(held)
    holding = {held[p][0] for p in patients}
    panels = sorted(holding | set(empty_micro_teams(connection, practice_id, {k.team_id for k in holding})),
                    key=lambda k: (k.team_id or "", k.clinician_id or ""))
    index = {k: i for i, k in enumerate(panels)}
    teams, clinicians = CANONICAL["teams"], CANONICAL["clinicians"]
    kinds = {r.team_id: (r.kind, r.name) for r in connection.execute(sa.select(teams.c.team_id, teams.c.kind,
                                                                               teams.c.name))}
    fte = dict(connection.execute(sa.select(clinicians.c.clinician_id, clinicians.c.fte)).all())
    group, capacity = [], []
    for panel in panels:
        kind, name = kinds.get(panel.team_id, (None, None))
        if panel.team_id is None or kind == "micro_team":
            group.append(GENERAL)
        else:  # a segment service: its teams are named "<service> <number>"
            group.append(f"{kind}: {name.rsplit(' ', 1)[0]}")
        capacity.append(1.0 if panel.team_id is not None else float(fte.get(panel.clinician_id) or 0.0))
    groups = sorted(set(group))
    current = np.asarray([index[held[p][0]] for p in patients], np.int64)
    households = [held[p][1] for p in patients]
    codes = {h: i for i, h in enumerate(sorted({h for h in households if h is not None}))}
    household = np.asarray([codes[h] if h is not None else NO_HOUSEHOLD for h in households], np.int64)
    panel_group = np.asarray([groups.index(g) for g in group], np.int64)
    capacity_ = np.asarray(capacity, np.float64)
    n = len(patients)
    result = assign_panels(np.ones(n), np.zeros(n, np.int64), household, np.zeros(len(panels), np.int64), capacity_,
                           tolerance, patient_group=panel_group[current] if n else np.zeros(0, np.int64),
                           panel_group=panel_group, current=current)
    digest = hashlib.sha256(repr((practice_id, as_of.isoformat(), tolerance, [(p.team_id, p.clinician_id)
                                  for p in panels], capacity, group, list(zip(patients, current.tolist(), households,
                                                                               strict=True)))).encode())
    return Suggestion(practice_id, as_of, panels, group, capacity_, patients, current, result.panel, result.target,
                      digest.hexdigest()[:16])


def apply(connection: sa.Connection, suggestion: Suggestion, as_of: dt.date) -> int:
    """Start each moved patient's suggested panel on ``as_of`` (replacing a row already starting that day)."""
    panels = CANONICAL["panels"]
    for i in suggestion.moved:
        patient = suggestion.patients[i]
        target = suggestion.panels[int(suggestion.suggested[i])]
        values = {"team_id": target.team_id, "clinician_id": target.clinician_id}
        same_day = (panels.c.patient_id == patient) & (panels.c.start_date == as_of)
        if connection.execute(sa.select(panels.c.patient_id).where(same_day)).first() is not None:
            connection.execute(panels.update().where(same_day).values(**values))
        else:
            connection.execute(panels.insert().values(patient_id=patient, start_date=as_of, **values))
    return int(suggestion.moved.size)


class StaleSuggestion(Exception):
    """The suggestion accepted is not the current one (the panels changed since)."""


def accept(connection: sa.Connection, who, now: dt.datetime, today: dt.date, practice_id: str, suggestion_id: str,
           tolerance: float) -> tuple[int, Suggestion]:
    """Accept the engine's suggestion ``suggestion_id``: every move guarded (a write of the patient's CareTeam)
    before any is written; (patients moved, the suggestion after). :class:`StaleSuggestion` if it is stale."""
    from carenet.service.access.guard import guard

    found = suggest(connection, practice_id, today, tolerance)
    if found.suggestion_id != suggestion_id:
        raise StaleSuggestion(f"suggestion {suggestion_id} is stale: the panels of {practice_id} have changed "
                              f"since; the current one is {found.suggestion_id}")
    for i in found.moved:  # every move allowed before any is written
        patient = found.patients[i]
        guard(connection, who, now, patient, "CareTeam", "update", resource_id=patient)
    moved = apply(connection, found, today)
    return moved, suggest(connection, practice_id, today, tolerance)


__all__ = ["StaleSuggestion", "accept", "GENERAL", "WEIGHTING", "PanelKey", "Suggestion", "apply", "current_panels",
           "suggest", "team_names"]
