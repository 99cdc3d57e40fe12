"""Entry and triage: who triages which requests within their capacity, and where each need is routed.

API::

    RoutingTable.build(routing: Mapping[need, Sequence[role]], staffed: Iterable[role]) -> RoutingTable
    triage(need, urgency, table, triaged_urgencies, minutes_per_request, capacity_minutes,
           accuracy, untriaged_accuracy, rng) -> Triage
    first_contact_modes(n, shares: Mapping[mode, share], rng) -> np.ndarray   # index into MODES

A need is routed to the roles of its routing list that the practice staffs (``allowed_roles``,
the mask booking takes), in the model's order of preference. Requests whose urgency is triaged
pass the triager in arrival order while capacity lasts (``minutes_per_request`` each); the rest
wait for tomorrow (``triaged`` False). With probability ``1 - accuracy`` a request is mis-routed:
it first goes to a staffed role whose scope does *not* cover the need (``misrouted_to``), which
costs a handoff — an extra contact — before it reaches the right role. Requests outside triage
are routed by reception or the patient at ``untriaged_accuracy``. Both accuracies are behavioural
inputs (parameters.yaml), never set here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from carenet.schema.codes import MODES, NEED_TYPES, URGENCIES
from carenet.schema.errors import CarenetError
from carenet.schema.roles import ROLE_CODES, can_handle

NO_ROLE = -1


class TriageInputError(CarenetError):
    """Triage inputs are inconsistent; the message names the argument."""


@dataclass(frozen=True)
class RoutingTable:
    """Per need type: the staffed roles that may meet it (bit mask, preference order) and the wrong roles."""

    allowed: np.ndarray
    first_choice: np.ndarray
    wrong_roles: tuple[np.ndarray, ...]

    @classmethod
    def build(cls, routing: Mapping[str, Sequence[str]], staffed: Iterable[str]) -> RoutingTable:
        """From a model's ``entry.routing``, keeping only roles in ``staffed``; every need must keep one."""
        staffed = set(staffed)
        allowed = np.zeros(len(NEED_TYPES), dtype=np.int64)
        first = np.full(len(NEED_TYPES), NO_ROLE, dtype=np.int64)
        wrong = []
        for i, need in enumerate(NEED_TYPES):
            roles = [r for r in routing.get(need, ()) if r in staffed]
            if not roles:
                raise TriageInputError(f"routing: no staffed role can take need type {need!r}")
            for r in roles:
                if r not in ROLE_CODES or not can_handle(r, need):
                    raise TriageInputError(f"routing.{need}: {r!r} does not cover {need!r} in its scope of practice")
                allowed[i] |= 1 << ROLE_CODES.index(r)
            first[i] = ROLE_CODES.index(roles[0])
            wrong.append(np.array(sorted(ROLE_CODES.index(r) for r in staffed
                                         if r in ROLE_CODES and not can_handle(r, need)), dtype=np.int64))
        return cls(allowed=allowed, first_choice=first, wrong_roles=tuple(wrong))


@dataclass(frozen=True)
class Triage:
    """What triage did with each request of the batch."""

    triaged: np.ndarray
    waiting: np.ndarray
    allowed_roles: np.ndarray
    first_choice: np.ndarray
    misrouted_to: np.ndarray
    triage_minutes: float

    @property
    def handoff(self) -> np.ndarray:
        """Requests that reach the right role only after a wasted first contact."""
        return self.misrouted_to != NO_ROLE


def _indices(values: Sequence[str], vocabulary: tuple[str, ...], what: str) -> np.ndarray:
    bad = [v for v in values if v not in vocabulary]
    if bad:
        raise TriageInputError(f"{what}: unknown {', '.join(map(repr, bad))}; use {', '.join(vocabulary)}")
    return np.array([vocabulary.index(v) for v in values], dtype=np.int64)


def triage(need: np.ndarray, urgency: np.ndarray, table: RoutingTable, triaged_urgencies: Sequence[str],
           minutes_per_request: float, capacity_minutes: float, accuracy: float, untriaged_accuracy: float,
           rng: np.random.Generator) -> Triage:
    """Triage and route one day's requests, given in arrival order (see the module docstring)."""
    need = np.asarray(need, dtype=np.int64)
    urgency = np.asarray(urgency, dtype=np.int64)
    if need.shape != urgency.shape:
        raise TriageInputError("need and urgency must have the same length")
    if need.size and (need.min() < 0 or need.max() >= len(NEED_TYPES)):
        raise TriageInputError(f"need must index NEED_TYPES (0-{len(NEED_TYPES) - 1})")
    for name, p in (("accuracy", accuracy), ("untriaged_accuracy", untriaged_accuracy)):
        if not 0.0 <= p <= 1.0:
            raise TriageInputError(f"{name} must be a probability, got {p}")
    if capacity_minutes < 0:
        raise TriageInputError("capacity_minutes must be >= 0")
    goes_to_triage = np.isin(urgency, _indices(triaged_urgencies, URGENCIES, "triaged_urgencies"))
    if goes_to_triage.any() and not minutes_per_request > 0:
        raise TriageInputError("minutes_per_request must be > 0 when any urgency is triaged")
    slots = int(capacity_minutes // minutes_per_request) if goes_to_triage.any() else 0
    position = np.cumsum(goes_to_triage) - 1
    triaged = goes_to_triage & (position < slots)
    waiting = goes_to_triage & ~triaged
    used = float(triaged.sum() * minutes_per_request) if goes_to_triage.any() else 0.0

    correct_p = np.where(triaged, accuracy, untriaged_accuracy)
    draw = rng.random(need.size)
    wrong_pick = rng.random(need.size)
    misrouted_to = np.full(need.size, NO_ROLE, dtype=np.int64)
    wrong_count = np.array([w.size for w in table.wrong_roles])[need]
    mis = (draw >= correct_p) & ~waiting & (wrong_count > 0)
    for i in np.unique(need[mis]):
        rows = np.flatnonzero(mis & (need == i))
        options = table.wrong_roles[i]
        misrouted_to[rows] = options[(wrong_pick[rows] * options.size).astype(np.int64)]
    return Triage(triaged=triaged, waiting=waiting, allowed_roles=table.allowed[need],
                  first_choice=table.first_choice[need], misrouted_to=misrouted_to, triage_minutes=used)


def first_contact_modes(n: int, shares: Mapping[str, float], rng: np.random.Generator) -> np.ndarray:
    """Draw each request's contact mode (index into ``MODES``) from a model's ``first_contact_modes``."""
    modes = _indices(list(shares), MODES, "first_contact_modes")
    p = np.array(list(shares.values()), dtype=np.float64)
    if (p < 0).any() or abs(p.sum() - 1.0) > 1e-6:
        raise TriageInputError("first_contact_modes shares must be >= 0 and add up to 1")
    return modes[rng.choice(p.size, size=n, p=p / p.sum())]
