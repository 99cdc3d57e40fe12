"""Booking policies: the model file's ``booking`` choice as a strategy object, picked once when a model is laid over.

API: ``booking_policy(booking) -> BookingPolicy``; a policy answers, for every patient, whom a
booking prefers (``preferred``), which team counts for continuity (``team``), and what
continuity is worth in days of waiting (``values``).

* :class:`FirstAvailable` - the earliest slot, except for patients who prefer a particular GP
  and wait for them (``network.choice``), as in a traditional practice;
* :class:`NamedClinicianContinuity` - everyone's named clinician is preferred, worth
  ``twin.booking.continuity_value`` days;
* :class:`TeamContinuity` - as above, and another member of the patient's micro-team is worth
  ``team_share`` of the named clinician.

``booking.team_only`` (bookings stay in the team) is a constraint, not a policy: any policy can
carry it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from carenet.models.spec import Booking
from carenet.network.settings import BookingSettings

if TYPE_CHECKING:
    from carenet.network.layout import Network

NO_ONE = -1


class BookingPolicy(Protocol):
    name: str

    def preferred(self, network: Network) -> np.ndarray: ...

    def team(self, network: Network) -> np.ndarray: ...

    def values(self, rules: BookingSettings) -> np.ndarray: ...


def _chosen_gp(network: Network) -> np.ndarray:
    return np.where(network.prefers, network.usual_gp, NO_ONE)


def _no_team(network: Network) -> np.ndarray:
    return np.full(len(network.frame), NO_ONE, np.int64)


@dataclass(frozen=True)
class FirstAvailable:
    name: str = "first_available"

    def preferred(self, network: Network) -> np.ndarray:
        return _chosen_gp(network)

    def team(self, network: Network) -> np.ndarray:
        return _no_team(network)

    def values(self, rules: BookingSettings) -> np.ndarray:
        return np.zeros_like(rules.continuity_value)


@dataclass(frozen=True)
class NamedClinicianContinuity:
    name: str = "named_clinician"

    def preferred(self, network: Network) -> np.ndarray:
        named = network.panels.named
        return np.where(named >= 0, named, _chosen_gp(network))

    def team(self, network: Network) -> np.ndarray:
        return _no_team(network)

    def values(self, rules: BookingSettings) -> np.ndarray:
        return np.asarray(rules.continuity_value, np.float64)


@dataclass(frozen=True)
class TeamContinuity(NamedClinicianContinuity):
    name: str = "team"

    def team(self, network: Network) -> np.ndarray:
        return np.asarray(network.panels.team, np.int64)


def booking_policy(booking: Booking) -> BookingPolicy:
    """The strategy for a model's ``booking`` block (checked by the model spec: continuity names whom)."""
    if booking.policy == "first_available":
        return FirstAvailable()
    return TeamContinuity() if booking.continuity_with == "team" else NamedClinicianContinuity()


__all__ = ["BookingPolicy", "FirstAvailable", "NamedClinicianContinuity", "TeamContinuity", "booking_policy"]
