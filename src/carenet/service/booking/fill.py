"""How full the live diaries are: each clinician's fill over the coming working days, and the third next
available slot by role (the access measure practices use: robust to a single cancellation)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from carenet.schema.roles import ROLE_CODES
from carenet.service.booking.engine import LiveNetwork
from carenet.service.booking.tables import SERVICE_BOOKINGS
from carenet.service.store.tables import CANONICAL


@dataclass(frozen=True)
class Fill:
    clinician_id: str
    name: str
    role: str
    slots: int
    booked: int

    @property
    def share(self) -> float:
        return self.booked / self.slots if self.slots else 0.0


def clinicians_of(conn, practice_ids: list[str]) -> list[sa.Row]:
    clinicians = CANONICAL["clinicians"]
    return conn.execute(sa.select(clinicians.c.clinician_id, clinicians.c.name, clinicians.c.role).where(
        clinicians.c.practice_id.in_(practice_ids)).order_by(clinicians.c.role, clinicians.c.clinician_id)).all()


def diary_fill(conn, live: LiveNetwork, practice_ids: list[str], now: dt.datetime, days: int) -> list[Fill]:
    """Each clinician of the practices with a diary: slots and booked slots over the next ``days`` working days."""
    first = live.working_day(live.local(now))
    last = min(first + days, len(live.dates))
    start = dt.datetime.combine(live.dates[first], dt.time())
    end = dt.datetime.combine(live.dates[last - 1], dt.time()) + dt.timedelta(days=1)
    b = SERVICE_BOOKINGS
    booked = dict(conn.execute(sa.select(b.c.clinician_id, sa.func.count()).where(
        b.c.status == "booked", b.c.starts_at >= start, b.c.starts_at < end).group_by(b.c.clinician_id)).all())
    out = []
    for row in clinicians_of(conn, practice_ids):
        index = live.clinician_index.get(row.clinician_id)
        if index is None or index not in live.lanes_of:
            continue
        slots = sum(int(live.capacity[lane, day]) for lane in live.lanes_of[index] for day in range(first, last))
        if slots:
            out.append(Fill(row.clinician_id, row.name, row.role, slots, int(booked.get(row.clinician_id, 0))))
    return out


def third_next_available(conn, live: LiveNetwork, practice_ids: list[str], now: dt.datetime,
                         horizon: int = 20) -> dict[str, dt.datetime | None]:
    """By role: the start of the third free slot from now among the practices' clinicians (None beyond the
    ``horizon`` working days)."""
    now_local = live.local(now)
    first = live.working_day(now_local)
    by_role: dict[str, list[int]] = {}
    for row in clinicians_of(conn, practice_ids):
        index = live.clinician_index.get(row.clinician_id)
        if index is not None and index in live.lanes_of:
            by_role.setdefault(ROLE_CODES[int(live.network.lanes.role[live.lanes_of[index][0]])], []).append(index)
    out: dict[str, dt.datetime | None] = {}
    for role, clinicians in sorted(by_role.items()):
        found: list[dt.datetime] = []
        for day in range(first, min(first + horizon, len(live.dates))):
            for clinician in clinicians:
                found += [s.start for s in live.free_slots(conn, clinician, day, now_local)]
            if len(found) >= 3:
                break
        out[role] = sorted(found)[2] if len(found) >= 3 else None
    return out


__all__ = ["Fill", "clinicians_of", "diary_fill", "third_next_available"]
