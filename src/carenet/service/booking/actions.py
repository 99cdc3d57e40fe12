"""What the booking routes and screens do: record a request, propose slots and say why, book one, list the queue.

One implementation for the JSON API and the screens: every read or write of a patient's data is guarded
and audited, slots come from the live network layer (:class:`~carenet.service.booking.engine.LiveNetwork`).
Refusals other than the access guard's are :class:`~carenet.service.booking.engine.BookingError`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from carenet.schema.roles import ROLES_BY_CODE as CATALOGUE
from carenet.service.access.guard import guard
from carenet.service.access.policies import CLINICAL
from carenet.service.audit.log import AuditEntry, record
from carenet.service.auth.login import Principal
from carenet.service.booking.engine import BookingError, LiveNetwork, Slot
from carenet.service.booking.tables import SERVICE_BOOKINGS
from carenet.service.people.lookup import clinician_labels, site_names
from carenet.service.store.rows import plain
from carenet.service.store.tables import CANONICAL

QUEUE_ROLES = (*CLINICAL, "receptionist")


def live_of(app) -> LiveNetwork:
    if app.live is None:
        raise BookingError(503, "this store has no network laid out for booking; start the service with --demo")
    return app.live


@dataclass(frozen=True)
class Proposal:
    """A proposed slot and why the network layer proposes it."""

    slot: Slot
    reasons: tuple[str, ...]
    clinician_name: str | None = None
    """How the clinician is shown to people (:func:`carenet.service.people.lookup.clinician_label`)."""
    site_name: str | None = None

    def to_json(self) -> dict:
        return {**self.slot.to_json(), "clinician_name": self.clinician_name, "site_name": self.site_name,
                "why": list(self.reasons)}


def role_name(code: str) -> str:
    role = CATALOGUE.get(code)
    return role.name if role is not None else code


class RequestRefused(BookingError):
    """The request named with a booking is not the patient's, or is no longer waiting (nothing audited)."""


def explain(conn, live: LiveNetwork, patient_id: str, need: str, slots: list[Slot], now: dt.datetime
            ) -> list[Proposal]:
    """Why each slot is proposed: the model's triage and routing, continuity with the patient's named clinician
    or team, the site and how soon."""
    panels, members, patients = CANONICAL["panels"], CANONICAL["team_members"], CANONICAL["patients"]
    panel = conn.execute(sa.select(panels.c.clinician_id, panels.c.team_id).where(panels.c.patient_id == patient_id)
                         .order_by(panels.c.start_date.desc())).first()
    team = set(conn.execute(sa.select(members.c.clinician_id).where(members.c.team_id == panel.team_id)).scalars()) \
        if panel is not None and panel.team_id is not None else set()
    home = conn.execute(sa.select(patients.c.practice_id).where(patients.c.patient_id == patient_id)).scalar_one()
    model = live.network.model
    labels = clinician_labels(conn, [s.clinician_id for s in slots])
    sites = site_names(conn, [s.site_id for s in slots])
    out = []
    for rank, slot in enumerate(slots):
        reasons = [f"the {model.name.replace('_', ' ')} model's triage ({model.entry.triage.replace('_', ' ')}) "
                   f"sends {need.replace('_', ' ')} requests to: {role_name(slot.role).lower()}"]
        if panel is not None and slot.clinician_id == panel.clinician_id:
            reasons.append("the patient's named clinician: continuity of care")
        elif slot.clinician_id in team:
            reasons.append("a member of the patient's micro-team: continuity with the team")
        if slot.site_id is not None and slot.site_id != home:
            reasons.append(f"at {sites.get(slot.site_id, slot.site_id)}, another site of the network, where the model "
                           "offers it")
        days = live.day_of.get(slot.start.date(), 0) - live.working_day(live.local(now))
        reasons.append("the earliest slot the booking policy finds" if rank == 0 else
                       "the next choice, from another clinician or day")
        if days <= 0:
            reasons.append("today")
        out.append(Proposal(slot, tuple(reasons), labels.get(slot.clinician_id, slot.clinician_id),
                            sites.get(slot.site_id) if slot.site_id else None))
    return out


def new_request(conn, who: Principal, app, patient_id: str, need: str, urgency: str, channel: str
                ) -> tuple[str, list[Proposal]]:
    """Record a request for care (guarded) and propose slots, routed by the model's triage, booked by its policy."""
    live = live_of(app)
    now = app.clock()
    request_id = f"R-{uuid.uuid4().hex[:16]}"
    guard(conn, who, now, patient_id, "ServiceRequest", "create", resource_id=request_id)
    patients, requests = CANONICAL["patients"], CANONICAL["requests"]
    practice = conn.execute(sa.select(patients.c.practice_id).where(patients.c.patient_id == patient_id)).scalar_one()
    number = conn.execute(sa.select(sa.func.count()).select_from(requests)).scalar_one()
    local = live.local(now).replace(microsecond=0)
    conn.execute(requests.insert().values(
        request_id=request_id, patient_id=patient_id, practice_id=practice, requested_at=local, need_type=need,
        urgency=urgency, channel=channel, episode_id=request_id, outcome="waiting", outcome_at=None))
    slots = live.propose(conn, patient_id, need, urgency, channel, now, number)
    return request_id, explain(conn, live, patient_id, need, slots, now)


def request_row(conn, request_id: str):
    requests = CANONICAL["requests"]
    return conn.execute(sa.select(requests).where(requests.c.request_id == request_id)).first()


def proposals_for(conn, who: Principal, app, request_id: str) -> tuple[sa.Row, list[Proposal]]:
    """A recorded request (guarded read) and the slots the network layer proposes for it now."""
    live = live_of(app)
    request = request_row(conn, request_id)
    if request is None:
        raise BookingError(404, f"no request {request_id!r}")
    guard(conn, who, app.clock(), request.patient_id, "ServiceRequest", "read", resource_id=request_id)
    if request.outcome != "waiting":
        return request, []
    requests = CANONICAL["requests"]
    number = conn.execute(sa.select(sa.func.count()).select_from(requests)
                          .where(requests.c.requested_at <= request.requested_at)).scalar_one()
    slots = live.propose(conn, request.patient_id, request.need_type, request.urgency, request.channel,
                         app.clock(), number)
    return request, explain(conn, live, request.patient_id, request.need_type, slots, app.clock())


def waiting(conn, who: Principal, app) -> list[dict]:
    """Requests of ``who``'s practice still waiting for a slot, oldest first (the triage queue); audited."""
    if who.role not in QUEUE_ROLES:
        raise BookingError(403, f"the triage queue is for {', '.join(QUEUE_ROLES)}; you are logged in as {who.role}")
    if who.practice_id is None:
        raise BookingError(403, "the triage queue is a practice's; your account belongs to no practice")
    requests = CANONICAL["requests"]
    rows = [plain(r) for r in conn.execute(sa.select(requests).where(
        requests.c.practice_id == who.practice_id, requests.c.outcome == "waiting").order_by(requests.c.requested_at))]
    record(conn, AuditEntry(app.clock(), who.user_id, who.role, None, "ServiceRequest", None, "search", "allowed",
                            "triage-queue", f"the triage queue of {who.practice_id}: {len(rows)} requests"))
    return rows


def book(conn, who: Principal, app, patient_id: str, clinician_id: str, start: dt.datetime,
         request_id: str | None) -> dict:
    """Book a slot (guarded): the appointment, or :class:`BookingError` (409 with alternatives if just taken)."""
    live = live_of(app)
    now = app.clock()
    guard(conn, who, now, patient_id, "Appointment", "create")
    request = None
    if request_id is not None:
        request = request_row(conn, request_id)
        if request is None or request.patient_id != patient_id:
            raise RequestRefused(422, f"request {request_id!r} is not a request of patient {patient_id}")
        if request.outcome != "waiting":
            raise RequestRefused(409, f"request {request_id!r} is already {request.outcome}")
    return live.book_slot(conn, patient_id, clinician_id, start, now, request)


def cancel(conn, who: Principal, app, patient_id: str, appointment_id: str) -> dict:
    """Cancel a booked appointment still to come (guarded update of the Appointment): its slot is free again."""
    live = live_of(app)
    now = app.clock()
    guard(conn, who, now, patient_id, "Appointment", "update", resource_id=appointment_id)
    appointments = CANONICAL["appointments"]
    row = conn.execute(sa.select(appointments).where(appointments.c.appointment_id == appointment_id,
                                                     appointments.c.patient_id == patient_id)).first()
    if row is None:
        raise RequestRefused(404, f"patient {patient_id} has no appointment {appointment_id!r}")
    if row.status != "booked" or row.booked_for <= live.local(now):
        raise RequestRefused(409, f"appointment {appointment_id} is {row.status}, on {row.booked_for:%d %b %Y %H:%M}: "
                                  "only a booked appointment still to come can be cancelled")
    conn.execute(appointments.update().where(appointments.c.appointment_id == appointment_id)
                 .values(status="cancelled"))
    conn.execute(SERVICE_BOOKINGS.update().where(SERVICE_BOOKINGS.c.appointment_id == appointment_id)
                 .values(status="cancelled"))
    return {**plain(row), "status": "cancelled"}


__all__ = ["Proposal", "QUEUE_ROLES", "RequestRefused", "book", "cancel", "explain", "live_of", "new_request",
           "proposals_for", "request_row", "role_name", "waiting"]
