"""Slot: the free slots of the live diary, searched by Schedule and start (read by id, free or busy)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from carenet.service.booking.tables import SERVICE_BOOKINGS
from carenet.service.fhir.model import Context, Json, ResourceType, SearchParam
from carenet.service.fhir.outcome import FhirError
from carenet.service.fhir.params import date_bounds, reference
from carenet.service.fhir.resources.scheduling import SLOT_DAYS, slot_resource
from carenet.sources.fhir.ids import fhir_id


def _live(context: Context):
    if context.live is None:
        raise FhirError(503, "this store has no network laid out for booking, so it has no live slots; start the "
                             "service with --demo")
    return context.live


def clinician_of(live, schedule_id: str) -> int:
    """The live network's index of the clinician whose Schedule is ``schedule_id``."""
    index = live.clinician_index.get(schedule_id)
    if index is None:
        index = next((i for c, i in live.clinician_index.items() if fhir_id("Schedule", c) == schedule_id), None)
    if index is None:
        raise FhirError(404, f"Schedule/{schedule_id} is not the diary of a clinician of the laid-out network "
                             "(GET /fhir/Schedule lists them)")
    return index


def _search(_connection: sa.Connection, context: Context, params: dict[str, list[str]], count: int,
            offset: int) -> tuple[int, list[Json]]:
    live = _live(context)
    if "_id" in params:
        raise FhirError(400, "Slot is not searched by _id: read it (GET /fhir/Slot/ID)")
    if "schedule" not in params:
        raise FhirError(400, "searching Slot needs schedule=Schedule/ID (GET /fhir/Schedule lists the diaries)")
    clinician = clinician_of(live, reference("schedule", params["schedule"][0], "Schedule"))
    for status in params.get("status", []):
        if status != "free":
            raise FhirError(400, f"status={status!r}: Slot search lists free slots only (status=free)")
    now_local = live.local(context.now)
    lower, upper = now_local.replace(second=0, microsecond=0), None
    for value in params.get("start", []):
        low, high = date_bounds("start", value, context.zone)
        lower = max(lower, low) if low else lower
        upper = min(upper, high) if upper and high else (high or upper)
    first = live.working_day(lower) if lower.date() <= live.dates[-1] else len(live.dates)
    days = [d for d in range(first, min(first + SLOT_DAYS, len(live.dates)))
            if upper is None or dt.datetime.combine(live.dates[d], dt.time()) < upper]
    found = []
    for day in days:
        for slot in live.free_slots(_connection, clinician, day, now_local):
            if slot.start >= lower and (upper is None or slot.start < upper):
                found.append(slot)
    page = found[offset:offset + count]
    return len(found), [slot_resource(s.clinician_id, s.role, s.start, s.minutes, "free", context) for s in page]


def _read(connection: sa.Connection, context: Context, resource_id: str) -> Json | None:
    live = _live(context)
    schedule_id, _, stamp = resource_id.rpartition(".")
    try:
        start = dt.datetime.strptime(stamp, "%Y%m%d%H%M")
    except ValueError:
        return None
    clinician = clinician_of(live, schedule_id)
    day = live.day_of.get(start.date())
    if day is None:
        return None
    slot = next(((lane, s) for lane, _, s in live.grid(clinician, day) if s == start), None)
    if slot is None:
        return None
    lane = slot[0]
    clinician_id = live.clinician_ids[clinician]
    b = SERVICE_BOOKINGS
    busy = connection.execute(sa.select(b.c.booking_id).where(
        b.c.clinician_id == clinician_id, b.c.status == "booked", b.c.starts_at == start).limit(1)).first()
    found = live._slot(clinician, lane, day, start)  # noqa: SLF001 - the engine's own slot description
    return slot_resource(clinician_id, found.role, start, found.minutes, "busy" if busy else "free", context)


SLOT = ResourceType(
    "Slot", f"Free slots of the live diary (search: schedule=Schedule/ID, start with ge/le, at most {SLOT_DAYS} "
            "days at a time)", None, lambda *_: [],
    (SearchParam("schedule", "schedule", "reference", "Whose diary (Schedule/ID); required", target="Schedule"),
     SearchParam("start", "start", "date", "Start, with ge/le/gt/lt/eq prefixes"),
     SearchParam("status", "status", "token", "free (the slots listed are free ones)", values={"free": "free"})),
    search=_search, read=_read)

__all__ = ["SLOT", "clinician_of"]
