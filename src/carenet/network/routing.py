"""First-contact triage as a strategy object, picked once from the model's ``entry`` block.

API: ``triage_for(network, misroute_probability) -> Triage``; ``Triage.route(batch, practice, table,
rng) -> (misrouted_to, waiting)``.

* :class:`Untriaged` (``entry.triage: none``) - reception books what the patient asks for: every
  need-routed request is classified at the untriaged accuracy, with no queue.
* :class:`StaffedTriage` (care navigator, online form, GP) - requests of the triaged urgencies pass
  in arrival order while their triage desk's minutes last (the rest wait for tomorrow) and are
  classified at the triage method's accuracy; the other urgencies at the untriaged accuracy. The
  triager judges a share of same-day requests can wait (``network.triage.same_day_to_routine``):
  their urgency becomes routine.

Where the triager works is a :class:`TriageDesks`, chosen once from ``entry.triage_scope``: each
practice's own desk (``practice``), or one central desk per network (``network``) holding the
pooled minutes of the network's triagers, so a busy practice's calls are answered with another's
spare minutes (central telephone and online triage of a super-partnership or multi-practice
organisation).

A patient who books online into offered slots (``entry.self_booking``) skips the triager: the
booking engine routes those requests as :class:`Untriaged`.

Accuracy is ``1 - misroute_probability[kind]`` (``twin.effects.misroute_probability``, by triage
method). Work with a role fixed in advance and second contacts after a misroute skip triage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from carenet.care import RoutingTable, triage
from carenet.network.requests import NO_ROLE, ORIGIN, URGENCY, RequestBatch
from carenet.schema.codes import URGENCIES
from carenet.schema.roles import ROLE_CODES

if TYPE_CHECKING:
    from carenet.network.layout import Network

TRIAGED_ORIGINS = (ORIGIN["episode"], ORIGIN["repeat"])
"""Requests a triager sees: new episodes and returns (not planned work or second contacts)."""
_WEEKDAYS = 5


class Triage(Protocol):
    """``route`` returns, per request of the batch, the wrong role it first reaches (or NO_ROLE) and whether it
    waits for the triager; it may change ``batch.urgency`` of the requests it triages."""

    kind: str

    def route(self, batch: RequestBatch, practice: np.ndarray, table: RoutingTable, to_triage: np.ndarray,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]: ...

    def minutes_by_place(self) -> dict[str, float]:
        """Triage minutes on an average working day at the practices and at central desks."""
        ...


def triage_minutes_per_day(network: Network) -> np.ndarray:
    """Minutes the triager has on an average working day, per practice.

    A role that holds no diary (care navigators) triages in its bookable sessions; a clinical
    triager (a GP) in the part of the week the model does not book (full-time sessions less
    ``sessions_per_fte``).
    """
    entry = network.model.entry
    minutes = np.zeros(len(network.frame.practice_ids))
    if entry.triage_role is None:
        return minutes
    role = ROLE_CODES.index(entry.triage_role)
    staff = network.staff
    line = next(r for r in network.model.workforce.roles if r.role == entry.triage_role)
    has_diary = role in set(network.lanes.role.tolist())
    sessions_off = network.settings.staff.full_time_sessions - line.sessions_per_fte
    session = network.settings.staff.session_minutes
    mine = (staff.array("role") == role) & (staff.array("practice") >= 0)
    sessions = np.where(has_diary, staff.array("fte") * sessions_off, staff.array("sessions_per_week"))[mine]
    np.add.at(minutes, staff.array("practice")[mine], sessions * session / _WEEKDAYS)
    return minutes


@dataclass(frozen=True)
class TriageDesks:
    """Where requests are triaged: ``desk[p]`` is practice ``p``'s desk, ``minutes_per_day[d]`` desk ``d``'s minutes
    on an average working day; ``central`` when a desk serves a whole network rather than one practice."""

    desk: np.ndarray
    minutes_per_day: np.ndarray
    central: bool

    @classmethod
    def at_practices(cls, minutes_per_day: np.ndarray) -> TriageDesks:
        """Each practice triages its own requests with its own triagers' minutes."""
        return cls(np.arange(minutes_per_day.size, dtype=np.int64), np.asarray(minutes_per_day, float), False)

    @classmethod
    def central_desks(cls, minutes_per_day: np.ndarray, practice_network: np.ndarray) -> TriageDesks:
        """One desk per network, with the minutes of every triager of its practices."""
        network = np.asarray(practice_network, np.int64)
        pooled = np.bincount(network, weights=minutes_per_day, minlength=int(network.max(initial=-1)) + 1)
        return cls(network, pooled, True)

    def minutes_by_place(self) -> dict[str, float]:
        """Triage minutes on an average working day at the practices and at central desks."""
        total = float(self.minutes_per_day.sum())
        return {"practices": 0.0 if self.central else total, "centre": total if self.central else 0.0}


_DESKS = {"practice": lambda minutes, network: TriageDesks.at_practices(minutes),
          "network": TriageDesks.central_desks}
"""The desk layout for each ``entry.triage_scope``."""


def triage_desks(network: Network) -> TriageDesks:
    """The triage desks of the model's ``entry.triage_scope`` over ``network``'s practices."""
    return _DESKS[network.model.entry.triage_scope](triage_minutes_per_day(network), network.practice_network)


def _classify(batch: RequestBatch, rows: np.ndarray, table: RoutingTable, urgencies: tuple[str, ...],
              minutes: float, accuracy: float, untriaged: float, rng: np.random.Generator) -> np.ndarray:
    result = triage(batch.need[rows], batch.urgency[rows], table, urgencies, minutes, minutes * rows.size, accuracy,
                    untriaged, rng)
    return result.misrouted_to


@dataclass(frozen=True)
class Untriaged:
    accuracy: float
    kind: str = "none"

    def route(self, batch, practice, table, to_triage, rng):
        misrouted = np.full(len(batch), NO_ROLE, np.int64)
        rows = np.flatnonzero(to_triage)
        if rows.size:
            misrouted[rows] = _classify(batch, rows, table, (), 1.0, self.accuracy, self.accuracy, rng)
        return misrouted, np.zeros(len(batch), bool)

    def minutes_by_place(self) -> dict[str, float]:
        return {"practices": 0.0, "centre": 0.0}  # reception books what is asked: nobody triages


@dataclass(frozen=True)
class StaffedTriage:
    kind: str
    urgencies: tuple[str, ...]
    minutes_per_request: float
    desks: TriageDesks
    accuracy: float
    untriaged_accuracy: float
    same_day_to_routine: float = 0.0

    def route(self, batch, practice, table, to_triage, rng):
        n = len(batch)
        misrouted = np.full(n, NO_ROLE, np.int64)
        waiting = np.zeros(n, bool)
        codes = np.asarray([URGENCIES.index(u) for u in self.urgencies], np.int64)
        goes = to_triage & np.isin(batch.urgency, codes)
        if goes.any():
            # Each desk's minutes (a practice's own, or a central desk's pooled): requests pass in arrival order
            # while they last.
            rows = np.flatnonzero(goes)
            desk = self.desks.desk[practice[rows]]
            place = rank_within(desk)
            slots = np.floor(self.desks.minutes_per_day[desk] / self.minutes_per_request + 1e-9)
            waiting[rows[place >= slots]] = True
        for rows, urgencies in ((np.flatnonzero(goes & ~waiting), self.urgencies),
                                (np.flatnonzero(to_triage & ~goes), ())):
            if rows.size:
                misrouted[rows] = _classify(batch, rows, table, urgencies, self.minutes_per_request, self.accuracy,
                                            self.untriaged_accuracy, rng)
        if self.same_day_to_routine > 0:
            seen = np.flatnonzero(goes & ~waiting & (batch.urgency == URGENCY["same_day"]) & (batch.attempts == 0))
            can_wait = seen[rng.random(seen.size) < self.same_day_to_routine]
            batch.urgency[can_wait] = URGENCY["routine"]  # the triager judges it can wait
        return misrouted, waiting

    def minutes_by_place(self) -> dict[str, float]:
        return self.desks.minutes_by_place()


def triage_for(network: Network, misroute_probability: Mapping[str, float]) -> Triage:
    """The strategy for the model's ``entry`` block, with accuracies from ``misroute_probability``."""
    entry = network.model.entry
    untriaged = 1.0 - misroute_probability["none"]
    if entry.triage == "none":
        return Untriaged(untriaged)
    return StaffedTriage(entry.triage, tuple(entry.triaged_urgencies), float(entry.minutes_per_request),
                         triage_desks(network), 1.0 - misroute_probability[entry.triage], untriaged,
                         network.settings.triage.same_day_to_routine.get(entry.triage, 0.0))


def rank_within(key: np.ndarray) -> np.ndarray:
    """0, 1, 2 … for repeated keys, in their order of appearance."""
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    rank_sorted = np.arange(key.size) - np.repeat(starts, np.diff(np.r_[starts, key.size]))
    rank = np.empty(key.size, np.int64)
    rank[order] = rank_sorted
    return rank


__all__ = ["TRIAGED_ORIGINS", "StaffedTriage", "Triage", "TriageDesks", "Untriaged", "rank_within", "triage_desks",
           "triage_for", "triage_minutes_per_day"]
