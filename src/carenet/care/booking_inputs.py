"""Inputs of continuity-aware booking: free diary capacity, a batch of requests, and the cost rules.

API: :class:`Diary` (free slots per diary lane x horizon day), :class:`BookingRequests` (one row per
request), :class:`BookingCosts` (delay cost per urgency, continuity value per class), ``role_mask``,
``hub_site``, and the sentinels ``NO_HUB``, ``NO_TEAM``, ``NO_CLINICIAN``.

Everything is a NumPy array indexed by position: clinicians, sites (practices) and teams are
integers the caller chose; roles and urgencies are indices into ``ROLE_CODES`` and ``URGENCIES``.
A *lane* is one clinician's slots of one kind (``kind`` 0 = standard; e.g. 1 = ring-fenced long
appointments), so a clinician may have several lanes. A lane's ``site`` is its practice (>= 0) or,
for an extended-hours hub shared by a network's practices, ``hub_site(h)`` (< 0); a request whose
``hub`` is ``h`` may be booked there as well as at its own practice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from carenet.schema.codes import URGENCIES
from carenet.schema.errors import CarenetError
from carenet.schema.roles import ROLE_CODES

NO_HUB = -1
NO_TEAM = -1
NO_CLINICIAN = -1


class BookingInputError(CarenetError):
    """The arrays handed to the booking engine are inconsistent; the message names the field."""


def hub_site(hub: int | np.ndarray) -> int | np.ndarray:
    """The (negative) site number of hub ``hub`` (0, 1, …) in ``Diary.site``."""
    return -1 - np.asarray(hub) if isinstance(hub, np.ndarray) else -1 - int(hub)


def role_mask(roles: Iterable[str]) -> int:
    """Bit mask of role codes (bit ``i`` = ``ROLE_CODES[i]``), the form ``BookingRequests.allowed_roles`` takes."""
    mask = 0
    for role in roles:
        if role not in ROLE_CODES:
            raise BookingInputError(f"role_mask: {role!r} is not a role code ({', '.join(ROLE_CODES)})")
        mask |= 1 << ROLE_CODES.index(role)
    return mask


def _array(name: str, value, dtype, n: int | None) -> np.ndarray:
    arr = np.ascontiguousarray(np.asarray(value), dtype=dtype)
    if arr.ndim != 1:
        raise BookingInputError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise BookingInputError(f"{name} has {arr.shape[0]} entries, expected {n}")
    return arr


@dataclass(frozen=True)
class Diary:
    """Free capacity: one row per lane, one column per working day of the horizon (day 0 = today)."""

    clinician: np.ndarray
    role: np.ndarray
    site: np.ndarray
    team: np.ndarray
    kind: np.ndarray
    free: np.ndarray

    @classmethod
    def build(cls, clinician, role, site, free, team=None, kind=None) -> Diary:
        """Check and normalise the arrays; ``team`` defaults to ``NO_TEAM``, ``kind`` to 0."""
        free = np.ascontiguousarray(np.asarray(free), dtype=np.int64)
        if free.ndim != 2:
            raise BookingInputError(f"Diary.free must be lanes x days, got shape {free.shape}")
        n = free.shape[0]
        team = np.full(n, NO_TEAM) if team is None else team
        kind = np.zeros(n) if kind is None else kind
        diary = cls(
            clinician=_array("Diary.clinician", clinician, np.int64, n),
            role=_array("Diary.role", role, np.int64, n),
            site=_array("Diary.site", site, np.int64, n),
            team=_array("Diary.team", team, np.int64, n),
            kind=_array("Diary.kind", kind, np.int64, n),
            free=free,
        )
        if n and (diary.role.min() < 0 or diary.role.max() >= len(ROLE_CODES)):
            raise BookingInputError(f"Diary.role must index ROLE_CODES (0-{len(ROLE_CODES) - 1})")
        if n and (free < 0).any():
            lane, day = np.argwhere(free < 0)[0]
            raise BookingInputError(f"Diary.free is negative at lane {lane}, day {day}")
        if n and (diary.clinician < 0).any():
            raise BookingInputError("Diary.clinician must be non-negative clinician numbers")
        return diary

    @property
    def lanes(self) -> int:
        return int(self.free.shape[0])

    @property
    def days(self) -> int:
        return int(self.free.shape[1])


@dataclass(frozen=True)
class BookingRequests:
    """A day's requests to place: who, what roles may see them, how urgent, which clinician they prefer."""

    patient: np.ndarray
    site: np.ndarray
    allowed_roles: np.ndarray
    urgency: np.ndarray
    continuity_class: np.ndarray
    preferred: np.ndarray
    team: np.ndarray
    team_only: np.ndarray
    hub: np.ndarray
    kind: np.ndarray
    earliest: np.ndarray
    deadline: np.ndarray

    @classmethod
    def build(cls, patient, site, allowed_roles, urgency, deadline, *, continuity_class=None, preferred=None,
              team=None, team_only=None, hub=None, kind=None, earliest=None) -> BookingRequests:
        """Check and normalise; optional fields default to no preference, no team, no hub, kind 0, day 0.

        ``site`` is the patient's practice (>= 0); ``hub`` the hub the request may also use (``NO_HUB``).
        """
        patient = _array("BookingRequests.patient", patient, np.int64, None)
        n = patient.shape[0]

        def opt(name, value, default, dtype):
            return _array(f"BookingRequests.{name}", np.full(n, default) if value is None else value, dtype, n)

        req = cls(
            patient=patient,
            site=_array("BookingRequests.site", site, np.int64, n),
            allowed_roles=_array("BookingRequests.allowed_roles", allowed_roles, np.int64, n),
            urgency=_array("BookingRequests.urgency", urgency, np.int64, n),
            continuity_class=opt("continuity_class", continuity_class, 0, np.int64),
            preferred=opt("preferred", preferred, NO_CLINICIAN, np.int64),
            team=opt("team", team, NO_TEAM, np.int64),
            team_only=opt("team_only", team_only, False, bool),
            hub=opt("hub", hub, NO_HUB, np.int64),
            kind=opt("kind", kind, 0, np.int64),
            earliest=opt("earliest", earliest, 0, np.int64),
            deadline=_array("BookingRequests.deadline", deadline, np.int64, n),
        )
        if n:
            if req.urgency.min() < 0 or req.urgency.max() >= len(URGENCIES):
                raise BookingInputError(f"BookingRequests.urgency must index URGENCIES (0-{len(URGENCIES) - 1})")
            if (req.allowed_roles <= 0).any() or (req.allowed_roles >= 1 << len(ROLE_CODES)).any():
                raise BookingInputError("BookingRequests.allowed_roles must be non-empty role masks (see role_mask)")
            if (req.site < 0).any():
                raise BookingInputError("BookingRequests.site must be practice numbers >= 0 (hubs go in hub)")
            if (req.hub < NO_HUB).any():
                raise BookingInputError("BookingRequests.hub must be a hub number >= 0 or NO_HUB")
            if (req.earliest < 0).any():
                raise BookingInputError("BookingRequests.earliest must be a horizon day >= 0")
            if (req.team_only & (req.team < 0)).any():
                raise BookingInputError("BookingRequests.team_only is set for a request without a team")
        return req

    def __len__(self) -> int:
        return int(self.patient.shape[0])


@dataclass(frozen=True)
class BookingCosts:
    """The cost of a booking: ``delay_per_day[urgency] x day - continuity_value[class] x match``.

    ``match`` is 1 for the preferred clinician, ``team_share`` for another member of the
    patient's team, 0 otherwise. A request left unbooked costs ``delay_per_day x horizon +
    unmet_penalty``: as if it waited out the horizon, so any feasible booking beats leaving it.
    All values are behavioural inputs from the caller (parameters.yaml), none are set here.
    """

    delay_per_day: np.ndarray
    continuity_value: np.ndarray
    team_share: float = 0.0
    unmet_penalty: float = 0.0

    def __post_init__(self) -> None:
        delay = np.asarray(self.delay_per_day, dtype=np.float64)
        value = np.asarray(self.continuity_value, dtype=np.float64)
        if delay.shape != (len(URGENCIES),):
            raise BookingInputError(f"BookingCosts.delay_per_day needs one value per urgency {URGENCIES}")
        if not (delay > 0).all() or not np.isfinite(delay).all():
            raise BookingInputError("BookingCosts.delay_per_day must be positive and finite")
        if value.ndim != 1 or value.size == 0 or (value < 0).any() or not np.isfinite(value).all():
            raise BookingInputError("BookingCosts.continuity_value must be a non-empty array of finite values >= 0")
        if not 0.0 <= self.team_share <= 1.0:
            raise BookingInputError(f"BookingCosts.team_share must lie in [0, 1], got {self.team_share}")
        if self.unmet_penalty < 0:
            raise BookingInputError("BookingCosts.unmet_penalty must be >= 0")
        object.__setattr__(self, "delay_per_day", delay)
        object.__setattr__(self, "continuity_value", value)


def check_inputs(requests: BookingRequests, diary: Diary, costs: BookingCosts) -> None:
    """Cross-checks between the three inputs (each is checked on its own when built)."""
    if len(requests) and requests.continuity_class.max(initial=0) >= costs.continuity_value.size:
        raise BookingInputError(
            f"BookingRequests.continuity_class goes up to {requests.continuity_class.max()} but "
            f"BookingCosts.continuity_value has {costs.continuity_value.size} classes")
    if len(requests) and requests.continuity_class.min() < 0:
        raise BookingInputError("BookingRequests.continuity_class must be >= 0")
