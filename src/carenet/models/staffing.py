"""Staff a network with a model: the canonical ``clinicians``, ``teams`` and ``team_members`` tables.

API: ``staff_network(model, practices, network_id, segment_patients=None) -> Staffing``.

For each practice the model's FTE per 10,000 becomes FTE for its list (network-employed roles
are pooled over the network's list). Teams come first: a practice gets ``round(list /
panel_size)`` micro-teams or community teams (at least one), each seat's FTE scaled to the
team's actual share of the list; a segment service gets ``ceil(cohort / panel_size)`` network
teams for the ``segment_patients`` of its cohort. What is left of each role's FTE becomes the
practice's (or network's) pooled staff. FTE is split into ``max(1, round(FTE))`` people of equal
FTE, so nobody works more than 1.5 FTE; bookable sessions are FTE x the role's sessions per FTE.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from carenet.models.library import ModelError
from carenet.models.spec import DeliveryModel, Team
from carenet.schema.tables import CLINICIANS, TEAM_MEMBERS, TEAMS

_FTE_EPSILON = 1e-9


@dataclass(frozen=True)
class Staffing:
    """The network's staff and teams as canonical tables, plus each team's model team and FTE."""

    clinicians: pa.Table
    teams: pa.Table
    team_members: pa.Table
    team_info: pa.Table


class _Rows:
    def __init__(self) -> None:
        self.clinicians: list[dict] = []
        self.teams: list[dict] = []
        self.members: list[dict] = []
        self.info: list[dict] = []

    def people(self, prefix: str, role: str, fte: float, sessions_per_fte: float, practice_id: str | None,
               network_id: str) -> list[str]:
        if fte <= _FTE_EPSILON:
            return []
        n = max(1, round(fte))
        ids = [f"{prefix}-{role}-{k + 1}" for k in range(n)]
        for cid in ids:
            self.clinicians.append({"clinician_id": cid, "name": None, "role": role, "practice_id": practice_id,
                                    "network_id": network_id, "fte": fte / n, "working_days": None,
                                    "sessions_per_week": fte / n * sessions_per_fte})
        return ids

    def team(self, team: Team, team_id: str, practice_id: str | None, network_id: str, patients: float,
             sessions: Mapping[str, float]) -> dict[str, float]:
        """Seat one team; returns the FTE it took by role."""
        scale = patients / team.panel_size
        used: dict[str, float] = {}
        self.teams.append({"team_id": team_id, "name": f"{team.name} {team_id}", "kind": team.kind,
                           "practice_id": practice_id, "network_id": network_id})
        total = 0.0
        for seat_no, seat in enumerate(team.members):
            fte = seat.fte * scale
            for cid in self.people(f"{team_id}-s{seat_no + 1}", seat.role, fte, sessions[seat.role], practice_id,
                                   network_id):
                self.members.append({"team_id": team_id, "clinician_id": cid})
            used[seat.role] = used.get(seat.role, 0.0) + fte
            total += fte
        self.info.append({"team_id": team_id, "model_team": team.name, "kind": team.kind,
                          "practice_id": practice_id, "patients": float(patients), "fte": total})
        return used


def _practice_rows(practices: pa.Table) -> list[tuple[str, int]]:
    for col in ("practice_id", "list_size"):
        if col not in practices.column_names:
            raise ModelError(f"practices table lacks column {col!r}")
    ids = practices.column("practice_id").to_pylist()
    sizes = practices.column("list_size").to_pylist()
    if len(set(ids)) != len(ids):
        raise ModelError("practices table has duplicate practice_id values")
    for pid, size in zip(ids, sizes, strict=True):
        if size is None or size < 0:
            raise ModelError(f"practice {pid!r}: list_size must be a number of patients >= 0, got {size!r}")
    return list(zip(ids, sizes, strict=True))


def staff_network(model: DeliveryModel, practices: pa.Table, network_id: str,
                  segment_patients: Mapping[str, int] | None = None) -> Staffing:
    """Canonical staff and teams for the network's practices under ``model`` (see the module docstring)."""
    rows = _practice_rows(practices)
    network_size = sum(size for _, size in rows)
    lines = {line.role: line for line in model.workforce.roles}
    sessions = {role: line.sessions_per_fte for role, line in lines.items()}
    left_practice = {pid: {r: ln.fte_per_10k * size / 10_000 for r, ln in lines.items() if ln.employer == "practice"}
                     for pid, size in rows}
    left_network = {r: ln.fte_per_10k * network_size / 10_000 for r, ln in lines.items() if ln.employer == "network"}
    out = _Rows()

    def take(role: str, fte: float, pid: str | None) -> None:
        if lines[role].employer == "network":
            left_network[role] -= fte
        elif pid is not None:
            left_practice[pid][role] -= fte
        else:  # a network team seat of a practice-employed role: drawn from the practices by list share
            for p, size in rows:
                left_practice[p][role] -= fte * size / network_size if network_size else 0.0

    for team in model.teams:
        if team.kind == "segment_service":
            cohort = (segment_patients or {}).get(team.name)
            if cohort is None:
                raise ModelError(f"model {model.name!r}: team {team.name!r} serves a cohort; pass its size in "
                                 f"segment_patients[{team.name!r}]")
            if cohort <= 0:
                continue
            count = int(np.ceil(cohort / team.panel_size))
            for t in range(count):
                team_id = f"{network_id}-{team.name}-{t + 1}"
                for role, fte in out.team(team, team_id, None, network_id, cohort / count, sessions).items():
                    take(role, fte, None)
        else:
            for pid, size in rows:
                count = max(1, round(size / team.panel_size)) if size else 0
                for t in range(count):
                    team_id = f"{pid}-{team.name}-{t + 1}"
                    for role, fte in out.team(team, team_id, pid, network_id, size / count, sessions).items():
                        take(role, fte, pid)

    short = [f"{role} ({-fte:.2f} FTE short{' at ' + pid if pid else ''})"
             for pid, left in [(None, left_network), *left_practice.items()] for role, fte in left.items()
             if fte < -1e-6 * max(1.0, network_size / 10_000)]
    if short:
        raise ModelError(f"model {model.name!r}: its teams need more staff than its workforce has: {', '.join(short)}")
    for pid, left in left_practice.items():
        for role, fte in left.items():
            out.people(f"{pid}", role, fte, sessions[role], pid, network_id)
    for role, fte in left_network.items():
        out.people(f"{network_id}", role, fte, sessions[role], None, network_id)

    info_schema = pa.schema([("team_id", pa.string()), ("model_team", pa.string()), ("kind", pa.string()),
                             ("practice_id", pa.string()), ("patients", pa.float64()), ("fte", pa.float64())])
    return Staffing(
        clinicians=pa.Table.from_pylist(out.clinicians, schema=CLINICIANS.schema),
        teams=pa.Table.from_pylist(out.teams, schema=TEAMS.schema),
        team_members=pa.Table.from_pylist(out.members, schema=TEAM_MEMBERS.schema),
        team_info=pa.Table.from_pylist(out.info, schema=info_schema),
    )
