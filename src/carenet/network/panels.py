"""Each patient's named clinician and team, as the model's ``panels`` and segment services say.

* A segment service holds its cohort: the cohort's patients are shared among the practice's
  teams of that service, named to the team's GP (or first member).
* ``micro_team``: everyone else is shared among the practice's micro-teams, named to the team's GP.
* ``named_gp``: everyone else gets a named GP of the practice (GPs outside any team), lists in
  proportion to FTE.
* ``practice``: no named clinician.

Sharing keeps households whole and balances each panel's workload - expected contacts when the
model weights by risk, headcount otherwise - with :func:`carenet.care.assign_panels`. Expected
contacts a year are counted in whole contacts (rounded up, so everyone weighs at least one), so
households of like workload form the few classes the panel programme solves over. A fresh
assignment has no current lists to keep, so panels are balanced as tightly as whole households
allow (tolerance 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from carenet.care import assign_panels
from carenet.care.patients import PatientAttributes, cohort_mask
from carenet.models.spec import DeliveryModel
from carenet.network.patients import PatientFrame
from carenet.network.staffing import NO_TEAM, Staffing
from carenet.schema.roles import ROLE_CODES

NO_CLINICIAN = -1
_GP = ROLE_CODES.index("gp")


@dataclass(frozen=True)
class Panels:
    named: np.ndarray  # clinician index per patient, NO_CLINICIAN
    team: np.ndarray  # team index per patient, NO_TEAM


def team_leads(staff: Staffing) -> dict[int, int]:
    """Each team's lead: its first GP, else its first member."""
    leads: dict[int, int] = {}
    for i, (team, role) in enumerate(zip(staff.team, staff.role, strict=True)):
        if team == NO_TEAM:
            continue
        if team not in leads or (role == _GP and staff.role[leads[team]] != _GP):
            leads[team] = i
    return leads


PanelRow = tuple[int, int, float, int, int]
"""A panel: practice, service group (0 the general list), capacity weight, team, lead clinician."""


class PanelUnit(Protocol):
    """The model's ``panels.unit``: what holds the general list's panels."""

    def general_panels(self, staff: Staffing, leads: dict[int, int]) -> list[PanelRow]: ...


class PracticeList:
    """``practice``: the list is the practice's; nobody has a named clinician."""

    def general_panels(self, staff: Staffing, leads: dict[int, int]) -> list[PanelRow]:
        return []


class NamedGpLists:
    """``named_gp``: each GP outside a team holds a list in proportion to their FTE."""

    def general_panels(self, staff: Staffing, leads: dict[int, int]) -> list[PanelRow]:
        return [(staff.practice[i], 0, staff.fte[i], NO_TEAM, i) for i in range(len(staff))
                if staff.role[i] == _GP and staff.team[i] == NO_TEAM and staff.practice[i] >= 0]


class MicroTeamPanels:
    """``micro_team``: each micro-team holds a panel, named to its lead."""

    def general_panels(self, staff: Staffing, leads: dict[int, int]) -> list[PanelRow]:
        teams = staff.teams
        return [(teams.practice[t], 0, 1.0, t, leads.get(t, NO_CLINICIAN)) for t, spec in enumerate(teams.spec)
                if spec is not None and spec.kind == "micro_team"]


_UNITS: dict[str, PanelUnit] = {"practice": PracticeList(), "named_gp": NamedGpLists(), "micro_team": MicroTeamPanels()}


def panel_unit(unit: str) -> PanelUnit:
    """The strategy for a model's ``panels.unit``."""
    return _UNITS[unit]


def assign(model: DeliveryModel, frame: PatientFrame, attributes: PatientAttributes, staff: Staffing,
           workload: np.ndarray) -> Panels:
    """Named clinician and team of every patient (see the module docstring)."""
    n = len(frame)
    weight = np.ceil(workload) if model.panels.workload_weighting == "risk" else np.ones(n)
    named = np.full(n, NO_CLINICIAN, np.int64)
    team = np.full(n, NO_TEAM, np.int64)
    teams = staff.teams
    # Service group of every patient: 0 general list, k for the k-th segment service spec.
    segment_specs = [t for t in model.teams if t.kind == "segment_service"]
    group = np.zeros(n, np.int64)
    for k, spec in enumerate(segment_specs, start=1):
        group[(group == 0) & cohort_mask(spec.cohort, attributes)] = k
    leads = team_leads(staff)
    rows = [(teams.practice[t], segment_specs.index(spec) + 1, 1.0, t, leads.get(t, NO_CLINICIAN))
            for t, spec in enumerate(teams.spec) if spec is not None and spec.kind == "segment_service"]
    rows += panel_unit(model.panels.unit).general_panels(staff, leads)
    panel_practice, panel_group, panel_capacity, panel_team, panel_lead = (list(c) for c in zip(*rows, strict=True)) \
        if rows else ([], [], [], [], [])
    if not panel_practice:
        return Panels(named, team)
    # Patients of a segment cohort whose practice has no such team stay on the general list.
    has_service = np.zeros((len(frame.practice_ids), len(segment_specs) + 1), bool)
    has_service[np.asarray(panel_practice), np.asarray(panel_group)] = True
    group = np.where(has_service[frame.practice, group], group, 0)
    result = assign_panels(weight, frame.practice, frame.household, np.asarray(panel_practice),
                           np.asarray(panel_capacity), 0.0, patient_group=group, panel_group=np.asarray(panel_group))
    placed = result.panel >= 0
    named[placed] = np.asarray(panel_lead)[result.panel[placed]]
    team[placed] = np.asarray(panel_team)[result.panel[placed]]
    return Panels(named, team)


__all__ = ["NO_CLINICIAN", "MicroTeamPanels", "NamedGpLists", "PanelUnit", "Panels", "PracticeList", "assign",
           "panel_unit", "team_leads"]
