"""Community: link-worker capacity, a directory of community services with weekly places, social prescribing.

API::

    Directory.from_entries(entries, list_size) -> Directory      # a model's community.directory for a list
    social_prescribe(category, directory, link_worker_minutes, minutes_per_contact,
                     take_up_probability, rng) -> SocialPrescribing

Referrals (in arrival order, each with the service category it calls for) are seen by a link
worker while their minutes last; each one seen is offered a place in the first service of its
category with a place left, and takes it up with ``take_up_probability`` (a behavioural input
from parameters.yaml). A place is held from the offer. Referrals not seen wait; those seen with
no place left in their category are unmet community need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
import pyarrow as pa

from carenet.schema.errors import CarenetError

NO_SERVICE = -1


class CommunityInputError(CarenetError):
    """Community inputs are inconsistent; the message names the argument."""


class DirectoryEntryLike(Protocol):
    category: str
    weekly_capacity_per_10k: float


@dataclass(frozen=True)
class Directory:
    """Community services: category (index into ``categories``) and places left this week."""

    categories: tuple[str, ...]
    category: np.ndarray
    places: np.ndarray

    @classmethod
    def from_entries(cls, entries: Sequence[DirectoryEntryLike], list_size: int) -> Directory:
        """One service per directory entry, with ``weekly_capacity_per_10k x list_size / 10,000`` places (rounded)."""
        if list_size < 0:
            raise CommunityInputError(f"list_size must be >= 0, got {list_size}")
        categories = tuple(e.category for e in entries)
        places = np.rint(np.array([e.weekly_capacity_per_10k for e in entries]) * list_size / 10_000)
        return cls(categories=categories, category=np.arange(len(categories), dtype=np.int64),
                   places=places.astype(np.int64))

    def category_index(self, names: Sequence[str]) -> np.ndarray:
        unknown = sorted(set(names) - set(self.categories))
        if unknown:
            raise CommunityInputError(f"categories not in the directory: {', '.join(unknown)}")
        lookup = {c: i for i, c in enumerate(self.categories)}
        return np.array([lookup[c] for c in names], dtype=np.int64)


@dataclass(frozen=True)
class SocialPrescribing:
    """Outcome for each referral of the batch, and the directory's places left."""

    seen: np.ndarray
    service: np.ndarray
    taken_up: np.ndarray
    directory: Directory
    link_worker_minutes: float

    @property
    def unmet(self) -> np.ndarray:
        """Referrals seen but with no place left in their category."""
        return self.seen & (self.service == NO_SERVICE)

    def to_table(self) -> pa.Table:
        """One row per referral: seen, service (null if none), taken_up (null unless offered a place)."""
        offered = self.service != NO_SERVICE
        return pa.table({
            "seen": self.seen,
            "service": pa.array(self.service, mask=~offered),
            "taken_up": pa.array(self.taken_up, mask=~offered),
        })


def social_prescribe(category, directory: Directory, link_worker_minutes: float, minutes_per_contact: float,
                     take_up_probability: float, rng: np.random.Generator) -> SocialPrescribing:
    """Run one batch of social-prescribing referrals (see the module docstring)."""
    category = np.asarray(category, dtype=np.int64)
    if category.size and (category.min() < 0 or category.max() >= len(directory.categories)):
        raise CommunityInputError(f"category must index the directory's {len(directory.categories)} categories")
    if minutes_per_contact <= 0 or link_worker_minutes < 0:
        raise CommunityInputError("minutes_per_contact must be > 0 and link_worker_minutes >= 0")
    if not 0.0 <= take_up_probability <= 1.0:
        raise CommunityInputError(f"take_up_probability must be a probability, got {take_up_probability}")
    seen = np.arange(category.size) < int(link_worker_minutes // minutes_per_contact)
    service = np.full(category.size, NO_SERVICE, dtype=np.int64)
    places = directory.places.copy()
    for c in np.unique(category[seen]):
        rows = np.flatnonzero(seen & (category == c))
        services = np.flatnonzero(directory.category == c)
        cum = np.cumsum(places[services])
        pick = np.searchsorted(cum, np.arange(rows.size), side="right")
        placed = pick < services.size
        service[rows[placed]] = services[pick[placed]]
        places[services] -= np.bincount(pick[placed], minlength=services.size)
    taken_up = (service != NO_SERVICE) & (rng.random(category.size) < take_up_probability)
    used = float(seen.sum() * minutes_per_contact)
    return SocialPrescribing(seen=seen, service=service, taken_up=taken_up,
                             directory=replace(directory, places=places), link_worker_minutes=used)
