"""The network layer behind a live service: triage, routing and slot proposals one request at a time.

:class:`LiveNetwork` holds a model laid over the store's population (:func:`carenet.network.lay_over`)
and its :class:`~carenet.network.booking.NetworkBooking`. For a request it brings the lanes' free
slots up to date from the store's live diary, books the request through the network layer (the
model's triage and routing, its booking policy, continuity: the named clinician first where
continuity matters), and turns the lane and day chosen into a concrete free slot; then it takes
that lane-day out and asks again, for the next proposals. Nothing is written: proposals are
confirmed by :func:`book_slot`.

A lane-day of ``capacity`` slots of ``m`` minutes is ``capacity`` consecutive slots from the
practices' opening time; a clinician's long-slot lane follows their standard one. The first
``held`` slots of a standard lane are held for the day: bookable only on the day itself.
Triage here is the live triager's, so nothing is misrouted at random.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
import zoneinfo
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError

from carenet.models.library import load_model
from carenet.network import Network, NetworkSettings, lay_over, make_batch
from carenet.network.booking import NetworkBooking
from carenet.network.diaries import LONG
from carenet.network.requests import CHANNEL, NEED, NO_ROLE, ORIGIN, URGENCY
from carenet.schema.roles import ROLE_CODES
from carenet.service.booking.tables import SERVICE_BOOKINGS, SERVICE_NETWORK
from carenet.service.settings import ServiceSettings
from carenet.service.store.tables import CANONICAL

POPULATION_TABLES = ("networks", "practices", "patients", "registrations", "conditions")
"""What the layout reads from the store (the model supplies staff, teams, panels and diaries)."""


class BookingError(Exception):
    """A booking refused: ``status`` (404, 409, 422), a message, and free slots to offer instead."""

    def __init__(self, status: int, message: str, alternatives: list[dict] | None = None):
        super().__init__(message)
        self.status = status
        self.alternatives = alternatives or []


@dataclass(frozen=True)
class Slot:
    clinician_id: str
    role: str
    site_id: str | None
    start: dt.datetime
    minutes: int
    lane: int
    day: int

    def to_json(self) -> dict:
        return {"clinician_id": self.clinician_id, "role": self.role, "site_id": self.site_id,
                "start": self.start.isoformat(), "minutes": self.minutes}


class LiveNetwork:
    """A model laid over the store's population, booking one request at a time (thread-safe)."""

    def __init__(self, network: Network, settings: ServiceSettings, seed: int):
        self.network = network
        self.settings = settings
        self.seed = seed
        triage = network.model.entry.triage
        self.booking = NetworkBooking(network, {"none": 0.0, triage: 0.0})
        lanes = network.lanes
        self.capacity = lanes.capacity.copy()
        self.dates = [d.astype(dt.date) for d in network.calendar.extended(network.diary_days).dates]
        self.day_of = {d: i for i, d in enumerate(self.dates)}
        self.patient_index = {p: i for i, p in enumerate(network.frame.patient_id.to_pylist())}
        self.clinician_ids = list(network.staff.clinician_id)
        self.clinician_index = {c: i for i, c in enumerate(self.clinician_ids)}
        self.practice_ids = list(network.frame.practice_ids)
        self.lanes_of: dict[int, list[int]] = {}
        for lane in np.lexsort((lanes.kind, lanes.clinician)):
            self.lanes_of.setdefault(int(lanes.clinician[lane]), []).append(int(lane))
        self.zone = zoneinfo.ZoneInfo(settings.timezone)
        self.lock = threading.Lock()

    # -- time ---------------------------------------------------------------------------------------------------
    def local(self, now: dt.datetime) -> dt.datetime:
        """``now`` (UTC) as the practices' wall-clock time, without zone (as canonical timestamps are)."""
        return now.astimezone(self.zone).replace(tzinfo=None)

    def working_day(self, moment: dt.datetime) -> int:
        """The diary day of ``moment``'s date, or of the next working day."""
        for offset in range(8):
            day = self.day_of.get(moment.date() + dt.timedelta(days=offset))
            if day is not None:
                return day
        raise BookingError(422, f"{moment:%d %b %Y} is outside the diaries ({self.dates[0]:%d %b %Y} to "
                                f"{self.dates[-1]:%d %b %Y})")

    # -- the slot grid ------------------------------------------------------------------------------------------
    def grid(self, clinician: int, day: int) -> list[tuple[int, int, dt.datetime]]:
        """(lane, position, start) of every slot of ``clinician`` on ``day``, standard lane first."""
        lanes = self.network.lanes
        opening = dt.datetime.combine(self.dates[day], self.settings.opening_time)
        out, offset = [], 0
        for lane in self.lanes_of.get(clinician, []):
            minutes = int(lanes.slot_minutes[lane])
            for position in range(int(self.capacity[lane, day])):
                out.append((lane, position, opening + dt.timedelta(minutes=offset + position * minutes)))
            offset += int(self.capacity[lane, day]) * minutes
        return out

    def _held(self, lane: int, position: int, day: int) -> bool:
        return self.network.lanes.kind[lane] != LONG and position < int(self.network.lanes.held[lane, day])

    def _booked(self, connection: sa.Connection, clinician_id: str, date: dt.date) -> set[dt.datetime]:
        b = SERVICE_BOOKINGS
        start = dt.datetime.combine(date, dt.time())
        rows = connection.execute(sa.select(b.c.starts_at).where(
            b.c.clinician_id == clinician_id, b.c.status == "booked", b.c.starts_at >= start,
            b.c.starts_at < start + dt.timedelta(days=1)))
        return {r.starts_at for r in rows}

    def _slot(self, clinician: int, lane: int, day: int, start: dt.datetime) -> Slot:
        lanes = self.network.lanes
        site = int(lanes.site[lane])
        return Slot(self.clinician_ids[clinician], ROLE_CODES[int(lanes.role[lane])],
                    self.practice_ids[site] if 0 <= site < len(self.practice_ids) else None, start,
                    int(lanes.slot_minutes[lane]), lane, day)

    def free_slots(self, connection: sa.Connection, clinician: int, day: int, now_local: dt.datetime,
                   lane: int | None = None) -> list[Slot]:
        """Free slots of ``clinician`` on ``day`` (held ones only on the day itself; none in the past)."""
        today = self.working_day(now_local)
        booked = self._booked(connection, self.clinician_ids[clinician], self.dates[day])
        return [self._slot(clinician, ln, day, start) for ln, position, start in self.grid(clinician, day)
                if (lane is None or ln == lane) and start not in booked and start > now_local
                and (day == today or not self._held(ln, position, day))]

    # -- proposals ----------------------------------------------------------------------------------------------
    def refresh(self, connection: sa.Connection) -> None:
        """The lanes' free slots from the store's live diary (so every worker sees every booking)."""
        b = SERVICE_BOOKINGS
        lanes = self.network.lanes
        lanes.free[:] = self.capacity
        first = dt.datetime.combine(self.dates[0], dt.time())
        date = sa.func.date(b.c.starts_at)  # counted by the database: one row a clinician's lane-day, not a booking
        rows = connection.execute(sa.select(b.c.clinician_id, date, b.c.lane_kind, sa.func.count()).where(
            b.c.status == "booked", b.c.starts_at >= first).group_by(b.c.clinician_id, date, b.c.lane_kind))
        for clinician_id, on, kind, booked in rows:
            on = dt.date.fromisoformat(on) if isinstance(on, str) else on  # SQLite's date() is text
            clinician, day = self.clinician_index.get(clinician_id), self.day_of.get(on)
            if clinician is None or day is None:
                continue
            for lane in self.lanes_of.get(clinician, []):
                if lanes.kind[lane] == kind:
                    lanes.free[lane, day] = max(lanes.free[lane, day] - booked, 0)
                    break

    def propose(self, connection: sa.Connection, patient_id: str, need: str, urgency: str, channel: str,
                now: dt.datetime, request_number: int, *, role: str | None = None, minutes: int = 0,
                earliest: int = 0, origin: str = "episode") -> list[Slot]:
        """Up to ``settings.proposals`` slots for the request, best first, as the network layer books.

        Planned work (a review and its pre-check) names its ``role`` and ``minutes``, comes from ``origin``
        ``proactive`` and may be booked no sooner than ``earliest`` working days ahead, as the twin releases it.
        """
        patient = self.patient_index.get(patient_id)
        if patient is None:
            raise BookingError(404, f"patient {patient_id!r} is not on the lists of the laid-out network")
        now_local = self.local(now)
        day = self.working_day(now_local)
        minute = max(int((now_local - dt.datetime.combine(now_local.date(), self.settings.opening_time))
                         .total_seconds() // 60), 0)
        batch = make_batch(np.asarray([patient]), np.asarray([NEED[need]]), np.asarray([URGENCY[urgency]]),
                           np.asarray([CHANNEL[channel]]), np.asarray([minute]), ORIGIN[origin],
                           role=ROLE_CODES.index(role) if role is not None else NO_ROLE, minutes=minutes,
                           earliest=earliest)
        batch.requested_day[:] = day
        lanes = self.network.lanes
        proposals: list[Slot] = []
        with self.lock:
            self.refresh(connection)
            saved = lanes.free.copy()
            try:
                for attempt in range(self.settings.proposals):
                    rng = np.random.default_rng([self.seed, request_number, attempt])
                    out = self.booking.book(day, batch.take(np.arange(1)), rng)
                    if not out.booked[0]:
                        break
                    lane, when = int(out.lane[0]), int(out.day[0])
                    free = self.free_slots(connection, int(lanes.clinician[lane]), when, now_local, lane)
                    if free:
                        proposals.append(free[0])
                    lanes.free[lane, when] = 0  # the next proposal comes from another lane or day
            finally:
                lanes.free[:] = saved
        return proposals

    # -- booking ------------------------------------------------------------------------------------------------
    def alternatives(self, connection: sa.Connection, clinician: int, day: int, now_local: dt.datetime) -> list[dict]:
        """Free slots to offer instead: the clinician's that day, then others of the same role that day."""
        found = self.free_slots(connection, clinician, day, now_local)
        if len(found) < self.settings.alternatives:
            role = self.network.lanes.role[self.lanes_of[clinician][0]]
            for other in sorted(self.lanes_of):
                if other != clinician and self.network.lanes.role[self.lanes_of[other][0]] == role:
                    found += self.free_slots(connection, other, day, now_local)
                if len(found) >= self.settings.alternatives:
                    break
        return [s.to_json() for s in found[:self.settings.alternatives]]

    def book_slot(self, connection: sa.Connection, patient_id: str, clinician_id: str, start: dt.datetime,
                  now: dt.datetime, request: sa.Row | None = None) -> dict:
        """Book ``clinician_id``'s slot at ``start`` for the patient; :class:`BookingError` if it cannot be had."""
        clinician = self.clinician_index.get(clinician_id)
        if clinician is None:
            raise BookingError(404, f"clinician {clinician_id!r} holds no diary in the laid-out network")
        if patient_id not in self.patient_index:
            raise BookingError(404, f"patient {patient_id!r} is not on the lists of the laid-out network")
        start = start.replace(tzinfo=None) if start.tzinfo is None else self.local(start)
        now_local = self.local(now)
        day = self.day_of.get(start.date())
        slot = next(((ln, pos) for ln, pos, s in self.grid(clinician, day) if s == start), None) \
            if day is not None else None
        if slot is None:
            raise BookingError(422, f"{start:%d %b %Y %H:%M} is not a slot of {clinician_id}'s diary (GET "
                                    "/booking/slots lists them)")
        lane, position = slot
        if start <= now_local:
            raise BookingError(422, f"{start:%d %b %Y %H:%M} has passed")
        if self._held(lane, position, day) and day != self.working_day(now_local):
            raise BookingError(409, f"the {start:%H:%M} slot on {start:%d %b %Y} is held for booking on the day",
                               self.alternatives(connection, clinician, day, now_local))
        minutes = int(self.network.lanes.slot_minutes[lane])
        end = start + dt.timedelta(minutes=minutes)
        taken = f"{clinician_id}'s {start:%H:%M} slot on {start:%d %b %Y} has just been booked"
        row = self._appointment(patient_id, clinician, lane, start, minutes, now_local, request)
        booking = {"booking_id": f"B-{uuid.uuid4().hex[:16]}", "appointment_id": row["appointment_id"],
                   "clinician_id": clinician_id, "starts_at": start, "ends_at": end,
                   "lane_kind": int(self.network.lanes.kind[lane]), "status": "booked"}
        if connection.dialect.name == "postgresql":
            row["practice_id"] = connection.execute(_BOOKING_PG, {**row, **booking}).scalar()
            if row["practice_id"] is None:  # the exclusion constraint: another transaction booked it first
                raise BookingError(409, taken, self.alternatives(connection, clinician, day, now_local))
        else:
            self._book_serialised(connection, row, booking, taken, clinician, day, now_local)
        if request is not None:
            requests = CANONICAL["requests"]
            connection.execute(requests.update().where(requests.c.request_id == request.request_id)
                               .values(outcome="booked", outcome_at=now_local.replace(microsecond=0)))
        return {**row, "booked_for": start.isoformat(), "requested_at": row["requested_at"].isoformat()}

    def _book_serialised(self, connection: sa.Connection, row: dict, booking: dict, taken: str, clinician: int,
                         day: int, now_local: dt.datetime) -> None:
        """Book on SQLite, whose writers are serialised: no clash found, then the appointment and the booking."""
        b = SERVICE_BOOKINGS
        clash = connection.execute(sa.select(b.c.booking_id).where(
            b.c.clinician_id == booking["clinician_id"], b.c.status == "booked", b.c.starts_at < booking["ends_at"],
            b.c.ends_at > booking["starts_at"]).limit(1)).first()
        if clash is not None:
            raise BookingError(409, taken, self.alternatives(connection, clinician, day, now_local))
        patients = CANONICAL["patients"]
        row["practice_id"] = connection.execute(sa.select(patients.c.practice_id).where(
            patients.c.patient_id == row["patient_id"])).scalar_one()
        try:
            with connection.begin_nested():
                connection.execute(_INSERT_APPOINTMENT, row)
                connection.execute(_INSERT_BOOKING, booking)
        except IntegrityError:
            raise BookingError(409, taken, self.alternatives(connection, clinician, day, now_local)) from None

    def _appointment(self, patient_id, clinician, lane, start, minutes, now_local, request) -> dict:
        """The appointment's row, but for its practice (the patient's, read as it is written)."""
        slot = self._slot(clinician, lane, self.day_of[start.date()], start)
        return {
            "appointment_id": f"A-{uuid.uuid4().hex[:16]}", "patient_id": patient_id,
            "clinician_id": slot.clinician_id, "role": slot.role, "practice_id": None, "site_id": slot.site_id,
            "request_id": request.request_id if request is not None else None,
            "requested_at": request.requested_at if request is not None else now_local.replace(microsecond=0),
            "booked_for": start, "duration_minutes": minutes, "mode": None, "status": "booked",
            "urgency": request.urgency if request is not None else None,
            "need_type": request.need_type if request is not None else None,
        }


_INSERT_APPOINTMENT = CANONICAL["appointments"].insert()
_INSERT_BOOKING = SERVICE_BOOKINGS.insert()
"""Built once: the rows come as parameters, so each execution reuses the compiled statement."""


def _booking_statement() -> sa.TextClause:
    """On PostgreSQL, the booking in one statement: the slot's row in the live diary, unless the exclusion
    constraint finds a live booking overlapping it (then nothing is written and no row comes back), and the
    appointment with the patient's practice, which comes back. Written as SQL text, kept compiled."""
    appointments, b = CANONICAL["appointments"], SERVICE_BOOKINGS
    dialect = postgresql.dialect()

    def cast(column: sa.Column) -> str:
        return f"CAST(:{column.name} AS {column.type.compile(dialect=dialect)})"

    values = ", ".join(cast(c) for c in b.columns)
    chosen = ", ".join("patients.practice_id" if c.name == "practice_id" else
                       "booked.appointment_id" if c.name == "appointment_id" else cast(c) for c in appointments.columns)
    return sa.text(
        f"WITH booked AS (INSERT INTO {b.name} ({', '.join(c.name for c in b.columns)}) VALUES ({values}) "
        f"ON CONFLICT DO NOTHING RETURNING appointment_id) "
        f"INSERT INTO {appointments.name} ({', '.join(c.name for c in appointments.columns)}) "
        f"SELECT {chosen} FROM booked JOIN patients ON patients.patient_id = :patient_id "
        f"RETURNING practice_id")


_BOOKING_PG = _booking_statement()


def record_layout(connection: sa.Connection, model: str, start: dt.date, working_days: int, seed: int) -> None:
    connection.execute(SERVICE_NETWORK.insert().values(id=1, model=model, start_date=start,
                                                       working_days=working_days, seed=seed))


def lay_out(connection: sa.Connection, model: str, start: dt.date, working_days: int, seed: int,
            network_settings: NetworkSettings | None = None) -> Network:
    """The model laid over the store's population exactly as the store's staff tables were made from it
    (``network_settings``: the network layer's settings, read from ``parameters.yaml`` when not given)."""
    from carenet.service.store.transfer import read_table

    tables = {name: read_table(connection, name) for name in POPULATION_TABLES}
    return lay_over(load_model(model), tables, start, working_days,
                    network_settings if network_settings is not None else NetworkSettings.from_parameters(),
                    np.random.SeedSequence(seed))


def load_live_network(connection: sa.Connection, settings: ServiceSettings,
                      network_settings: NetworkSettings | None = None) -> LiveNetwork | None:
    """The store's recorded layout, laid out again (None when the store records none)."""
    row = connection.execute(sa.select(SERVICE_NETWORK)).first()
    if row is None:
        return None
    return LiveNetwork(lay_out(connection, row.model, row.start_date, row.working_days, row.seed, network_settings),
                       settings, row.seed)


__all__ = ["POPULATION_TABLES", "BookingError", "LiveNetwork", "Slot", "lay_out", "load_live_network",
           "record_layout"]
