"""The workforce: GPs, nurses and other staff at their published rates per 10,000 patients.

* GPs: ``workforce.fte_per_10k_registered`` (fully qualified GPs), scaled by the practice's
  deprivation quarter as ``gps_per_100k_by_income_deprivation_2024`` over its mean (the inverse
  care law: fewer GPs per patient where deprivation is highest).
* Practice nurses, health care assistants (direct patient care) and administrators per practice;
  ARRS roles (pharmacists, link workers, physiotherapists, ...) per network.
* A role's FTE becomes sessions (9 a full week); people are drawn with sessions from the
  role's assumed distribution until the total is reached, the last one taking the remainder.
* Each practice has one ``practice`` team of its own staff; each patient's named GP is chosen
  household by household, with GPs' lists proportional to their sessions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtr

from carenet.population.names import staff_names
from carenet.population.settings import Settings, settings

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
SESSIONS_PER_DAY = 2


@dataclass
class Staff:
    """Rows of the clinicians table (and which are members of which team), as plain columns."""

    clinician_id: list[str] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    role: list[str] = field(default_factory=list)
    practice_id: list[str | None] = field(default_factory=list)
    network_id: list[str | None] = field(default_factory=list)
    fte: list[float] = field(default_factory=list)
    working_days: list[str] = field(default_factory=list)
    sessions_per_week: list[float] = field(default_factory=list)

    def extend(self, other: Staff) -> None:
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))


def split_sessions(total: int, shares: dict[int, float], rng: np.random.Generator) -> np.ndarray:
    """Sessions per person adding up to ``total``."""
    if total <= 0:
        return np.zeros(0, dtype=np.int64)
    options = np.fromiter(shares, dtype=np.int64)
    cdf = np.cumsum(np.fromiter(shares.values(), dtype=float))
    draws = options[np.minimum(np.searchsorted(cdf, rng.random(total // int(options[0]) + 1) * cdf[-1],
                                               side="right"), len(options) - 1)]
    cum = np.cumsum(draws)
    count = int(np.searchsorted(cum, total)) + 1
    sessions = draws[:count].copy()
    sessions[-1] -= cum[count - 1] - total
    return sessions


def gp_fte_rate(z: float, s: Settings | None = None) -> float:
    """GP FTE per 10,000 patients for a practice at deprivation ``z`` (quarters of the practice distribution)."""
    s = s or settings()
    rates = np.array(s.gp_group_rates)
    quarter = min(len(rates) - 1, int(np.floor(len(rates) * ndtr(z))))
    return s.gp_fte_per_10k * rates[quarter] / rates.mean()


_DAY_SETS = tuple(",".join(day for bit, day in enumerate(WEEKDAYS) if mask >> bit & 1) for mask in range(32))
"""Working-day strings indexed by a 5-bit mask of weekdays."""


def _people(prefix: str, role: str, sessions: np.ndarray, practice_id: str | None, network_id: str | None,
            rng: np.random.Generator, s: Settings) -> Staff:
    n = len(sessions)
    if n == 0:
        return Staff()
    days = np.minimum(len(WEEKDAYS), np.ceil(sessions / SESSIONS_PER_DAY)).astype(np.int64)
    rank = np.argsort(np.argsort(rng.random((n, len(WEEKDAYS))), axis=1), axis=1)
    masks = (rank < days[:, None]) @ (1 << np.arange(len(WEEKDAYS)))
    return Staff(
        clinician_id=[f"{prefix}-{role}-{k:02d}" for k in range(1, n + 1)],
        name=staff_names(n, role == "gp", rng),
        role=[role] * n,
        practice_id=[practice_id] * n,
        network_id=[network_id] * n,
        fte=np.round(sessions / s.sessions_full_time, 4).tolist(),
        working_days=[_DAY_SETS[m] for m in masks.tolist()],
        sessions_per_week=sessions.astype(float).tolist(),
    )


def practice_staff(practice_id: str, list_size: int, z: float, rng: np.random.Generator,
                   s: Settings | None = None) -> Staff:
    """A practice's GPs (at least one if it has patients), nurses, HCAs and administrators."""
    s = s or settings()
    staff = Staff()
    if list_size <= 0:
        return staff
    per = list_size / 10_000 * s.sessions_full_time
    gp_sessions = max(SESSIONS_PER_DAY, int(round(gp_fte_rate(z, s) * per)))
    staff.extend(_people(practice_id, "gp", split_sessions(gp_sessions, s.gp_sessions, rng), practice_id, None,
                         rng, s))
    for role, rate in s.practice_staff_per_10k.items():
        sessions = split_sessions(int(round(rate * per)), s.staff_sessions, rng)
        staff.extend(_people(practice_id, role, sessions, practice_id, None, rng, s))
    return staff


def network_staff(network_id: str, list_size: int, rng: np.random.Generator, s: Settings | None = None) -> Staff:
    """ARRS staff a network employs for its practices' combined list."""
    s = s or settings()
    staff = Staff()
    per = list_size / 10_000 * s.sessions_full_time
    for role, rate in s.network_staff_per_10k.items():
        sessions = split_sessions(int(round(rate * per)), s.staff_sessions, rng)
        staff.extend(_people(network_id, role, sessions, None, network_id, rng, s))
    return staff


def named_gp(household: np.ndarray, gp_sessions: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Index of each person's named GP: whole households, lists proportional to sessions.

    Households are taken in random order and laid end to end; GP ``g`` takes those whose middle
    falls in its share of the list, so lists differ from the sessions share by at most a household.
    """
    n = len(household)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    sizes = np.bincount(household)
    order = rng.permutation(len(sizes))
    ends = np.cumsum(sizes[order])
    middle = ends - sizes[order] / 2
    bounds = np.cumsum(gp_sessions) / gp_sessions.sum() * n
    gp_of_household = np.empty(len(sizes), dtype=np.int64)
    gp_of_household[order] = np.minimum(np.searchsorted(bounds, middle, side="right"), len(gp_sessions) - 1)
    return gp_of_household[household]
