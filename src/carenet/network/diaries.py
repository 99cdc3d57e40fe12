"""Diary lanes: each clinician's bookable slots per working day, from the care engines' capacity rules.

Practice and team staff: :func:`carenet.care.daily_slots` turns weekly sessions into slots of the
role's usual length spread over the clinician's named weekdays; the rota
(:func:`carenet.network.rota.presence`) empties the days they are on leave, study leave or off
sick. A share of each day's slots (``network.booking.on_the_day_share`` by staff group) is held
for the day: it cannot be booked ahead, and is released for same-day and urgent requests on the
day itself; long slots are all bookable ahead (reviews are planned). For the roles of ``booking.long_appointments``
:func:`carenet.care.split_long_slots` holds ``share_of_sessions`` of the time as a second lane of
long slots (kind 1). A segment service with dedicated ``access`` keeps its clinicians' diaries for its cohort
(kind 2, :data:`RESERVED`): slots of the team's ``appointment_minutes``, ``walk_in_share`` of them held for the
day (walk-ins and outreach), none split into long slots. Hub staff: :func:`carenet.care.hub_lanes`, one lane per
hub role at the network's hub site. The twin's days are weekdays, so a hub's weekend sessions are not simulated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from carenet.care import daily_slots, hub_lanes, hub_site, split_long_slots
from carenet.models.spec import DeliveryModel
from carenet.network.settings import ROLE_GROUPS, BookingSettings, StaffSettings, role_groups
from carenet.network.staffing import NO_HUB, Staffing
from carenet.schema.codes import SLOT_TYPES
from carenet.schema.roles import ROLE_CODES, ROLES_BY_CODE

STANDARD, LONG, RESERVED = 0, 1, 2
"""Lane kinds: open slots, ring-fenced long slots for ``booking.long_appointments``, a dedicated team's slots."""


@dataclass(frozen=True)
class DedicatedAccess:
    """Per clinician: whether their diary is kept for a segment service's cohort, its slot length and walk-in share."""

    reserved: np.ndarray  # bool
    minutes: np.ndarray  # float, 0 outside a dedicated team
    walk_in_share: np.ndarray  # float

    @classmethod
    def of(cls, staff: Staffing) -> DedicatedAccess:
        team = staff.array("team")
        reserved = np.zeros(team.shape[0], bool)
        minutes = np.zeros(team.shape[0])
        walk_in = np.zeros(team.shape[0])
        for t, spec in enumerate(staff.teams.spec):
            if spec is None or spec.access is None:
                continue
            members = team == t
            reserved |= members
            minutes[members] = spec.access.appointment_minutes
            walk_in[members] = spec.access.walk_in_share
        return cls(reserved, minutes, walk_in)


@dataclass
class Lanes:
    """Lane attributes (one per clinician and slot kind) and their slots per working day."""

    clinician: np.ndarray
    role: np.ndarray
    site: np.ndarray
    team: np.ndarray
    kind: np.ndarray
    slot_minutes: np.ndarray
    capacity: np.ndarray  # int32 [lanes, days]
    free: np.ndarray  # int32 [lanes, days]
    held: np.ndarray  # int32 [lanes, days]: slots held for the day (not bookable ahead)

    def __len__(self) -> int:
        return int(self.clinician.shape[0])


def _shared(slots: np.ndarray, people: int) -> np.ndarray:
    """A hub role's slots per day shared by ``people`` clinicians (whole slots, none lost)."""
    share = np.floor(np.arange(people + 1)[:, None] * slots[None, :] / people + 1e-9)
    return np.diff(share, axis=0).astype(np.int64)


def build_lanes(staff: Staffing, model: DeliveryModel, weekday: np.ndarray, bookable_roles: set[str],
                network_patients: np.ndarray, present: np.ndarray, settings: StaffSettings,
                booking: BookingSettings) -> Lanes:
    """Lanes of every bookable clinician over the working days whose weekdays (0 = Monday) are given.

    ``present`` (``[clinician, day]``, from the rota) says who is at work each day.
    """
    session_minutes = settings.session_minutes
    role = staff.array("role")
    hub = staff.array("hub")
    bookable = np.isin(role, [ROLE_CODES.index(r) for r in bookable_roles])
    rows = np.flatnonzero(bookable & (hub == NO_HUB))
    dedicated = DedicatedAccess.of(staff)
    reserved = dedicated.reserved[rows]
    usual = np.asarray([ROLES_BY_CODE[ROLE_CODES[r]].usual_minutes for r in role[rows]], dtype=np.float64)
    usual = np.where(reserved, dedicated.minutes[rows], usual)
    sessions = staff.array("sessions_per_week")[rows]
    slots = daily_slots(sessions, usual, staff.works()[rows], weekday, session_minutes)
    parts = [(rows, np.where(reserved, RESERVED, STANDARD), usual, slots)]
    long = model.booking.long_appointments
    if long is not None:
        has_long = np.isin(role[rows], [ROLE_CODES.index(r) for r in long.roles]) & ~reserved
        standard, long_slots = split_long_slots(slots[has_long], long.share_of_sessions, usual[has_long],
                                                long.minutes)
        slots[has_long] = standard
        parts.append((rows[has_long], LONG, np.full(has_long.sum(), float(long.minutes)), long_slots))
    site = staff.array("practice")
    clinician = [p[0] for p in parts]
    capacity = [p[3] for p in parts]
    kinds = [np.broadcast_to(p[1], p[0].shape) for p in parts]
    minutes = [p[2] for p in parts]
    sites = [site[p[0]] for p in parts]
    if model.hub is not None:
        for n in np.unique(hub[hub != NO_HUB]):
            members = np.flatnonzero(hub == n)
            lanes = hub_lanes(model.hub, int(network_patients[n]), int(n), 0, weekday, session_minutes)
            for lane_role, free in zip(lanes.diary.role, lanes.diary.free, strict=True):
                people = members[role[members] == lane_role]
                clinician.append(people)
                capacity.append(_shared(free, people.size))
                kinds.append(np.full(people.size, STANDARD))
                minutes.append(np.full(people.size, float(ROLES_BY_CODE[ROLE_CODES[lane_role]].usual_minutes)))
                sites.append(np.full(people.size, hub_site(int(n))))
    clinician_all = np.concatenate(clinician).astype(np.int64)
    cap = (np.concatenate(capacity) * present[clinician_all]).astype(np.int32)
    share = np.asarray([booking.on_the_day_share[g] for g in ROLE_GROUPS])[role_groups()[role[clinician_all]]]
    kind = np.concatenate(kinds)
    share = np.where(kind == RESERVED, dedicated.walk_in_share[clinician_all], share)
    held = (np.floor(cap * share[:, None] + 0.5) * (kind != LONG)[:, None]).astype(np.int32)
    return Lanes(
        clinician=clinician_all,
        role=role[clinician_all].astype(np.int64),
        site=np.concatenate(sites).astype(np.int64),
        team=staff.array("team")[clinician_all].astype(np.int64),
        kind=kind.astype(np.int64),
        slot_minutes=np.concatenate(minutes).astype(np.int16),
        capacity=cap,
        free=cap.copy(),
        held=held,
    )


def diaries_table(lanes: Lanes, clinician_ids: Sequence[str], practice_ids: Sequence[str],
                  dates: np.ndarray) -> pa.Table:
    """The canonical ``diaries`` table of ``lanes``: each practice clinician's slots per day (``dates[day]``) by type.

    A standard lane (or a dedicated team's) gives ``routine`` slots (bookable ahead) and the ``on_the_day`` slots held
    for the day; a long lane gives ``long`` slots; each row has its lane's slot length. Hub lanes are left out: a hub
    is not a practice, so it has no site id. The twin writes its run's diaries and the service stores its network's
    with it.
    """
    at_practice = np.flatnonzero(lanes.site >= 0)
    standard = at_practice[lanes.kind[at_practice] != LONG]
    long = at_practice[lanes.kind[at_practice] == LONG]
    parts = [(standard, lanes.capacity[standard] - lanes.held[standard], "routine"),
             (standard, lanes.held[standard], "on_the_day"),
             (long, lanes.capacity[long], "long")]
    lane_of, day_of, count, kind = [], [], [], []
    for rows, slots, name in parts:
        who, day = np.nonzero(slots > 0)
        lane_of.append(rows[who])
        day_of.append(day)
        count.append(slots[who, day])
        kind.append(np.full(who.size, SLOT_TYPES.index(name), np.int8))
    lane, day = np.concatenate(lane_of), np.concatenate(day_of)
    return pa.table({
        "clinician_id": pa.array(np.asarray(clinician_ids, dtype=object)[lanes.clinician[lane]], pa.string()),
        "site_id": pa.array(np.asarray(practice_ids, dtype=object)[lanes.site[lane]], pa.string()),
        "date": pa.array(np.asarray(dates)[day], pa.date32()),
        "slots": pa.array(np.concatenate(count), pa.int32()),
        "slot_minutes": pa.array(lanes.slot_minutes[lane], pa.int16()),
        "slot_type": pa.array(SLOT_TYPES).take(pa.array(np.concatenate(kind))),
    })


__all__ = ["LONG", "RESERVED", "STANDARD", "DedicatedAccess", "Lanes", "build_lanes", "diaries_table"]
