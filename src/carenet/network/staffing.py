"""A model's establishment on a network's practices: people, their teams, sessions and named working days.

API: ``build_staffing(model, lists, cohorts, practice_network, practice_ids, network_ids, settings) -> Staffing``;
``Staffing.tables()`` gives the canonical ``clinicians``, ``teams`` and ``team_members`` tables.

For each practice and each role of ``model.workforce``: FTE = ``fte_per_10k`` × list / 10,000.
Network-employed roles are shared out to the network's practices in proportion to their lists
(ARRS staff work sessions across the network's practices). Team seats come out of that FTE:

* micro-teams split the whole list into ``round(list / panel_size)`` teams (at least one), each
  seat scaled to the team's actual panel (``fte × panel / panel_size``);
* a segment service serves its cohort in ``round(cohort / panel_size)`` teams (at least one when
  anyone is in the cohort), seats scaled the same way;

what the seats do not use stays with the practice; network-employed roles are pooled over the
network and worked by whole people who hold clinics at each practice in proportion to its list,
each at no more than the role's ``sites_each`` practices when the model gives it (a shared rota).
Teams that need more of a role than the model's workforce has (beyond what rounding to whole
teams explains) are an error.

FTE is worked by part-time people, as in practices: a seat or
pool of F FTE is ``ceil(F / mean FTE per person)`` people of equal FTE (``network.staffing``), so
a micro-team usually has more than one GP. Each person works ``ceil(FTE × days in a full-time week)``
named weekdays (a full-time week is ``sessions_full_time / sessions_per_day`` days; the bookable
sessions are spread over them), staggered across a practice's people so every weekday is covered. The staff of a
segment service with dedicated ``access`` (walk-in) spread their sessions over every weekday instead, so the
service is open each day however small its share of a practice.
An extended-hours hub (``model.hub``) is staffed per network, one clinician per hub role (more when
its sessions exceed a full-time week), on the hub's days.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from carenet.models.spec import WEEKDAYS, DeliveryModel, Team
from carenet.network.settings import StaffSettings, role_group
from carenet.schema.errors import CarenetError
from carenet.schema.roles import ROLE_CODES, ROLES_BY_CODE
from carenet.schema.tables import CLINICIANS, TEAM_MEMBERS, TEAMS

NO_TEAM = -1
NO_HUB = -1
WORKING_WEEKDAYS = WEEKDAYS[:5]
"""Days practice staff may work (Monday to Friday)."""
_SHORT_FTE, _SHORT_SHARE = 0.05, 0.02
"""A team's seats may overrun a role's establishment by rounding (whole teams): up to 0.05 FTE or 2%."""


class StaffingError(CarenetError):
    """A model cannot be staffed on this network (its teams need more than its workforce has)."""


@dataclass
class TeamRows:
    """The network's teams (micro-teams, segment services, hubs)."""

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
    """One row per clinician of the network."""

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
    practice_ids: tuple[str, ...] = ()
    network_ids: tuple[str, ...] = ()

    def add(self, clinician_id: str, role: str, practice: int, network: int, team: int, fte: float,
            sessions: float, weekdays: tuple[str, ...], hub: int = NO_HUB) -> None:
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

    def works(self) -> np.ndarray:
        """``[clinician, 7]`` booleans: the weekdays (Mon..Sun) each clinician works."""
        out = np.zeros((len(self), len(WEEKDAYS)), bool)
        for i, days in enumerate(self.weekdays):
            out[i, [WEEKDAYS.index(d) for d in days]] = True
        return out

    def tables(self) -> dict[str, pa.Table]:
        """The canonical ``clinicians``, ``teams`` and ``team_members`` tables."""
        role = self.array("role")
        names = [f"{ROLES_BY_CODE[ROLE_CODES[r]].name} {cid.rsplit('-', 1)[-1]}" for r, cid in
                 zip(role, self.clinician_id, strict=True)]
        clinicians = pa.table({
            "clinician_id": self.clinician_id, "name": names, "role": [ROLE_CODES[r] for r in role],
            "practice_id": self._practice_ids(self.practice), "network_id": [self.network_ids[n] for n in self.network],
            "fte": np.round(self.array("fte"), 4), "working_days": [",".join(d) for d in self.weekdays],
            "sessions_per_week": np.round(self.array("sessions_per_week"), 4),
        }, schema=CLINICIANS.schema)
        teams = pa.table({
            "team_id": self.teams.team_id, "name": self.teams.name, "kind": self.teams.kind,
            "practice_id": self._practice_ids(self.teams.practice),
            "network_id": [self.network_ids[n] for n in self.teams.network],
        }, schema=TEAMS.schema)
        members = [(self.teams.team_id[t], c) for t, c in zip(self.team, self.clinician_id, strict=True)
                   if t != NO_TEAM]
        team_members = pa.table({"team_id": [m[0] for m in members], "clinician_id": [m[1] for m in members]},
                                schema=TEAM_MEMBERS.schema)
        return {"clinicians": clinicians, "teams": teams, "team_members": team_members}

    def _practice_ids(self, index: list[int]) -> list[str | None]:
        return [self.practice_ids[p] if p >= 0 else None for p in index]


def people(fte: float, role: str, settings: StaffSettings) -> list[float]:
    """The FTE of each of the people working ``fte`` of ``role`` (equal shares, part-time as practices are)."""
    if fte <= 1e-3:
        return []
    mean = settings.mean_fte_per_person[role_group(role)]
    count = max(1, round(fte / mean), math.ceil(fte - 1e-9))  # the mean on average; nobody above full time
    return [fte / count] * count


class _Rota:
    """Named weekdays for each new person, staggered so a practice's people cover every weekday."""

    def __init__(self, settings: StaffSettings):
        self._settings = settings
        self._next: dict[int, int] = {}

    def days(self, practice: int, fte: float) -> tuple[str, ...]:
        week = self._settings.full_time_sessions / self._settings.sessions_per_day  # days in a full-time week
        count = min(len(WORKING_WEEKDAYS), max(1, math.ceil(fte * week - 1e-9)))
        first = self._next.get(practice, 0)
        self._next[practice] = (first + count) % len(WORKING_WEEKDAYS)
        chosen = sorted((first + k) % len(WORKING_WEEKDAYS) for k in range(count))
        return tuple(WORKING_WEEKDAYS[d] for d in chosen)


def _network_people(staff: Staffing, rota: _Rota, network: int, role: str, entitlement: np.ndarray,
                    sessions_per_fte: float, network_id: str, settings: StaffSettings,
                    sites_each: int | None = None) -> None:
    """The network's own staff of ``role``: whole people for the network's pooled FTE, each working their days at
    the network's practices in proportion to each practice's share (ARRS staff hold clinics across practices).

    A person is one row per practice they work at, with the FTE of their days there; so a network of small
    practices still has, say, one mental-health practitioner seeing patients of every practice in turn. Each day
    goes to the practice furthest behind its share; with ``sites_each`` a person, once at that many practices, takes
    their remaining days at those (a base site and a few others on a shared rota).
    """
    total = float(entitlement.sum())
    if total <= 1e-3:
        return
    week = settings.full_time_sessions / settings.sessions_per_day
    owed = entitlement / total  # share of the role's days each practice is owed
    given = np.zeros(entitlement.size)
    for k, share in enumerate(people(total, role, settings), start=1):
        days = min(len(WORKING_WEEKDAYS), max(1, math.ceil(share * week - 1e-9)))
        placed: dict[int, int] = {}
        for _ in range(days):
            behind = owed * (given.sum() + 1) - given
            if sites_each is not None and len(placed) >= sites_each:  # this person's sites are full
                mine = np.fromiter(placed, np.int64)
                p = int(mine[np.argmax(behind[mine])])
            else:
                p = int(np.argmax(behind))  # the practice furthest behind its share
            given[p] += 1
            placed[p] = placed.get(p, 0) + 1
        for p, n in sorted(placed.items()):
            fte = share * n / days
            staff.add(f"{network_id}-{role}-{k:02d}-{staff.practice_ids[p]}", role, p, network, NO_TEAM, fte,
                      fte * sessions_per_fte, rota.days(p, fte))


def _served(spec: Team, practice_list: float, cohort: float) -> float:
    return practice_list if spec.kind == "micro_team" else cohort


def build_staffing(model: DeliveryModel, lists: np.ndarray, cohorts: Mapping[str, np.ndarray],
                   practice_network: np.ndarray, practice_ids: Sequence[str], network_ids: Sequence[str],
                   settings: StaffSettings, practice_factor: Mapping[str, np.ndarray] | None = None) -> Staffing:
    """People and teams of ``model`` for the network's practices (see the module docstring).

    ``lists``: registered patients per practice; ``cohorts``: for each segment-service team of the
    model, the patients of its cohort per practice; ``practice_factor``: for a role, each practice's
    establishment relative to the model's rate (the real practices' own staffing, mean one over the
    network's patients), applied to the practice's pool and its team seats alike.
    """
    lists = np.asarray(lists, dtype=float)
    factor = {role: np.asarray(f, dtype=float) for role, f in (practice_factor or {}).items()}
    staff = Staffing(practice_ids=tuple(practice_ids), network_ids=tuple(network_ids))
    rota = _Rota(settings)
    lines = {line.role: line for line in model.workforce.roles}
    per_10k = {role: line.per_10k(float(lists.sum())) for role, line in lines.items()}  # a network WTE spread by list
    short: list[str] = []
    pools: dict[tuple[int, str], np.ndarray] = {}  # network-employed FTE left per practice
    for p, practice_id in enumerate(practice_ids):
        if lists[p] == 0:
            continue
        network = int(practice_network[p])
        fte_left = {role: per_10k[role] * lists[p] / 10_000 * (factor[role][p] if role in factor else 1.0)
                    for role in lines}
        for spec in model.teams:
            if spec.kind not in ("micro_team", "segment_service"):
                continue
            if spec.kind == "segment_service" and spec.name not in cohorts:
                raise StaffingError(f"model {model.name!r}: team {spec.name!r} serves a cohort; give its size per "
                                    "practice")
            served = _served(spec, lists[p], float(cohorts[spec.name][p]) if spec.kind == "segment_service" else 0)
            if served == 0:
                continue
            count = max(1, round(served / spec.panel_size))
            for k in range(count):
                team = staff.teams.add(f"{practice_id}-{spec.name}-{k + 1:02d}", f"{spec.name} {k + 1}", spec.kind,
                                       p, network, spec)
                scale = served / count / spec.panel_size
                for s, member in enumerate(spec.members):
                    fte = member.fte * scale * (factor[member.role][p] if member.role in factor else 1.0)
                    fte_left[member.role] = fte_left.get(member.role, 0.0) - fte
                    per_fte = lines[member.role].sessions_per_fte if member.role in lines else 0.0
                    for j, share in enumerate(people(fte, member.role, settings), start=1):
                        sessions = share * per_fte
                        days = WORKING_WEEKDAYS if spec.access is not None else rota.days(p, share)
                        staff.add(f"{practice_id}-{spec.name}-{k + 1:02d}-{member.role}-{s + 1}-{j}", member.role,
                                  p, network, team, share, sessions, days)
        for role, fte_total in fte_left.items():
            establishment = per_10k[role] * lists[p] / 10_000 if role in lines else 0.0
            if fte_total < -max(_SHORT_FTE, _SHORT_SHARE * establishment):
                short.append(f"{role} ({-fte_total:.2f} FTE short at {practice_id})")
                continue
            if role in lines and lines[role].employer == "network":
                pools.setdefault((network, role), np.zeros(len(practice_ids)))[p] = max(fte_total, 0.0)
                continue
            per_fte = lines[role].sessions_per_fte if role in lines else 0.0
            for k, share in enumerate(people(fte_total, role, settings), start=1):
                sessions = share * per_fte
                staff.add(f"{practice_id}-{role}-{k:02d}", role, p, network, NO_TEAM, share, sessions,
                          rota.days(p, share))
    for (network, role), entitlement in pools.items():
        _network_people(staff, rota, network, role, entitlement, lines[role].sessions_per_fte, network_ids[network],
                        settings, lines[role].sites_each)
    if short:
        raise StaffingError(f"model {model.name!r}: its teams need more staff than its workforce has: "
                            f"{', '.join(short)}")
    if model.hub is not None:
        full = settings.full_time_sessions
        for n, network_id in enumerate(network_ids):
            patients = lists[np.asarray(practice_network) == n].sum()
            if patients == 0:
                continue
            team = staff.teams.add(f"{network_id}-hub", "extended-hours hub", "hub", -1, n, None)
            for line in model.hub.roles:
                sessions = line.sessions_per_week_per_10k * patients / 10_000
                count = max(1, math.ceil(sessions / full - 1e-9))
                for k in range(1, count + 1):
                    staff.add(f"{network_id}-hub-{line.role}-{k:02d}", line.role, -1, n, team,
                              sessions / count / full, sessions / count, tuple(model.hub.days), hub=n)
    return staff


def staff_network(model: DeliveryModel, practices: pa.Table, network_id: str,
                  segment_patients: Mapping[str, int] | None, settings: StaffSettings) -> Staffing:
    """Staff one network's practices from a practices table (``practice_id``, ``list_size``).

    ``segment_patients`` gives each segment service's cohort for the network; it is shared out to the
    practices by list size (a service that knows its patients uses :func:`build_staffing`).
    """
    for col in ("practice_id", "list_size"):
        if col not in practices.column_names:
            raise StaffingError(f"practices table lacks column {col!r}")
    ids = practices.column("practice_id").to_pylist()
    sizes = practices.column("list_size").to_pylist()
    if len(set(ids)) != len(ids):
        raise StaffingError("practices table has duplicate practice_id values")
    for pid, size in zip(ids, sizes, strict=True):
        if size is None or size < 0:
            raise StaffingError(f"practice {pid!r}: list_size must be a number of patients >= 0, got {size!r}")
    lists = np.asarray(sizes, dtype=float)
    share = lists / lists.sum() if lists.sum() else lists
    cohorts = {}
    for team in model.teams:
        if team.kind == "segment_service":
            if not segment_patients or team.name not in segment_patients:
                raise StaffingError(f"model {model.name!r}: team {team.name!r} serves a cohort; pass its size in "
                                    f"segment_patients[{team.name!r}]")
            cohorts[team.name] = np.round(share * segment_patients[team.name])
    return build_staffing(model, lists, cohorts, np.zeros(len(ids), np.int64), ids, (network_id,), settings)


__all__ = ["NO_HUB", "NO_TEAM", "WORKING_WEEKDAYS", "Staffing", "StaffingError", "TeamRows", "build_staffing",
           "people", "staff_network"]
