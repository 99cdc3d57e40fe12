"""The model's establishment on the run's population: clinicians, their teams and their weekly sessions.

For each practice and each role of ``model.workforce``: FTE = ``fte_per_10k`` × list / 10,000.
Network-employed roles are shared out to the network's practices in proportion to their lists
(ARRS staff work sessions across the network's practices). Team seats come out of that FTE:

* micro-teams split the whole list into ``round(list / panel_size)`` teams (at least one), each
  seat scaled to the team's actual panel (``fte × panel / panel_size``);
* a segment service serves its cohort in ``round(cohort / panel_size)`` teams (at least one when
  anyone is in the cohort), seats scaled the same way;

what the seats do not use stays with the practice, as whole-time people plus one part-timer.
An extended-hours hub (``model.hub``) is staffed per network, one clinician per hub role, with
the sessions :func:`carenet.care.hub_lanes` gives it (``sessions_per_week_per_10k`` × network / 10,000).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from carenet.care.patients import PatientAttributes, cohort_mask
from carenet.models.spec import DeliveryModel, Team
from carenet.params import parameter
from carenet.schema.roles import ROLE_CODES
from carenet.twin.patients import PatientFrame

NO_TEAM = -1
NO_HUB = -1
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
"""Days practice staff work (the twin's working days)."""


def session_minutes() -> int:
    """Minutes in a session (BMA salaried GP model contract; ``workforce.gp_session``)."""
    return int(parameter("workforce.gp_session.session_minutes"))


def full_time_sessions() -> int:
    return int(parameter("workforce.gp_session.sessions_full_time"))


def working_share() -> float:
    """Share of the year's working weeks a member of staff works (the rest is leave and training).

    ``measures_workforce.working_weeks_per_year`` (42: 210 workable days) over the weeks in the
    twin's working year (``twin.calendar.working_days_per_year`` / 5), the same figure the
    scorecard uses to turn sessions into capacity, so a run's utilisation reads on its scale.
    """
    weeks = float(parameter("measures_workforce.working_weeks_per_year.value"))
    year = float(parameter("twin.calendar.working_days_per_year.value")) / 5
    return min(1.0, weeks / year)


@dataclass
class TeamRows:
    """The run's teams (micro-teams, segment services, hubs)."""

    team_id: list[str] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    practice: list[int] = field(default_factory=list)  # -1 for network-wide teams
    network: list[int] = field(default_factory=list)
    spec: list[Team | None] = field(default_factory=list)

    def add(self, team_id: str, name: str, kind: str, practice: int, network: int, spec: Team | None) -> int:
        self.team_id.append(team_id)
        self.name.append(name)
        self.kind.append(kind)
        self.practice.append(practice)
        self.network.append(network)
        self.spec.append(spec)
        return len(self.team_id) - 1


@dataclass
class Staffing:
    """One row per clinician of the run."""

    clinician_id: list[str] = field(default_factory=list)
    role: list[int] = field(default_factory=list)  # index into ROLE_CODES
    practice: list[int] = field(default_factory=list)  # -1 for hub staff
    network: list[int] = field(default_factory=list)
    team: list[int] = field(default_factory=list)
    fte: list[float] = field(default_factory=list)
    sessions_per_week: list[float] = field(default_factory=list)  # bookable (patient-facing) sessions
    hub: list[int] = field(default_factory=list)
    weekdays: list[tuple[str, ...]] = field(default_factory=list)
    teams: TeamRows = field(default_factory=TeamRows)

    def add(self, clinician_id: str, role: str, practice: int, network: int, team: int, fte: float,
            sessions: float, hub: int = NO_HUB, weekdays: tuple[str, ...] = _WEEKDAYS) -> None:
        self.clinician_id.append(clinician_id)
        self.role.append(ROLE_CODES.index(role))
        self.practice.append(practice)
        self.network.append(network)
        self.team.append(team)
        self.fte.append(fte)
        self.sessions_per_week.append(sessions)
        self.hub.append(hub)
        self.weekdays.append(weekdays)

    def __len__(self) -> int:
        return len(self.clinician_id)

    def array(self, name: str) -> np.ndarray:
        return np.asarray(getattr(self, name))


def _people(total_fte: float) -> list[float]:
    """Whole-time people and one part-timer making up ``total_fte``."""
    if total_fte <= 0:
        return []
    whole = math.floor(total_fte + 1e-9)
    rest = total_fte - whole
    return [1.0] * whole + ([round(rest, 4)] if rest > 1e-3 else [])


def build_staffing(model: DeliveryModel, frame: PatientFrame, attributes: PatientAttributes,
                   practice_network: np.ndarray, network_ids: tuple[str, ...]) -> Staffing:
    """Clinicians and teams of ``model`` for the run's practices (see the module docstring)."""
    staff = Staffing()
    lists = np.bincount(frame.practice, minlength=len(frame.practice_ids)).astype(float)
    sessions_of = {line.role: line.sessions_per_fte for line in model.workforce.roles}
    for p, practice_id in enumerate(frame.practice_ids):
        if lists[p] == 0:
            continue
        network = int(practice_network[p])
        fte_left = {line.role: line.fte_per_10k * lists[p] / 10_000 for line in model.workforce.roles}
        in_practice = frame.practice == p
        for spec in model.teams:
            if spec.kind not in ("micro_team", "segment_service"):
                continue
            served = lists[p] if spec.kind == "micro_team" else float(
                (cohort_mask(spec.cohort, attributes) & in_practice).sum())
            if served == 0:
                continue
            count = max(1, round(served / spec.panel_size))
            for k in range(count):
                team = staff.teams.add(f"{practice_id}-{spec.name}-{k + 1:02d}", f"{spec.name} {k + 1}", spec.kind,
                                       p, network, spec)
                scale = served / count / spec.panel_size
                for s, member in enumerate(spec.members):
                    fte = member.fte * scale
                    fte_left[member.role] = fte_left.get(member.role, 0.0) - fte
                    staff.add(f"{practice_id}-{spec.name}-{k + 1:02d}-{member.role}-{s + 1}", member.role, p,
                              network, team, fte, fte * sessions_of.get(member.role, 0.0))
        for role, fte_total in fte_left.items():
            for k, fte in enumerate(_people(fte_total), start=1):
                staff.add(f"{practice_id}-{role}-{k:02d}", role, p, network, NO_TEAM, fte,
                          fte * sessions_of[role])
    if model.hub is not None:
        for n, network_id in enumerate(network_ids):
            patients = lists[practice_network == n].sum()
            if patients == 0:
                continue
            team = staff.teams.add(f"{network_id}-hub", "extended-hours hub", "hub", -1, n, None)
            for line in model.hub.roles:
                sessions = line.sessions_per_week_per_10k * patients / 10_000
                people = max(1, math.ceil(sessions / full_time_sessions() - 1e-9))
                for k in range(1, people + 1):
                    staff.add(f"{network_id}-hub-{line.role}-{k:02d}", line.role, -1, n, team,
                              sessions / people / full_time_sessions(), sessions / people, hub=n,
                              weekdays=tuple(model.hub.days))
    return staff


__all__ = ["NO_HUB", "NO_TEAM", "Staffing", "TeamRows", "build_staffing", "full_time_sessions", "session_minutes",
           "working_share"]
