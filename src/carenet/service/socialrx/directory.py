"""The community directory (canonical ``community_services``) and each service's room this week.

A service's ``weekly_capacity`` is the new people it can take a week; the people it has taken this week are the
social prescriptions to it made since Monday (practice time) that were not declined. A service without a capacity
is not limited.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from fastapi import HTTPException

from carenet.service.socialrx.tables import SOCIAL_PRESCRIPTION_EVENTS
from carenet.service.store.rows import plain
from carenet.service.store.tables import CANONICAL

SERVICES = CANONICAL["community_services"]
DECLINED_STATE = "declined"


def week_start(local_now: dt.datetime) -> dt.datetime:
    """Monday 00:00 of the week of ``local_now`` (practice wall-clock time)."""
    monday = local_now.date() - dt.timedelta(days=local_now.weekday())
    return dt.datetime.combine(monday, dt.time())


def _taken(since: dt.datetime):
    """(service_id, taken) of the prescriptions made since ``since`` and not declined."""
    sp, events = CANONICAL["social_prescriptions"], SOCIAL_PRESCRIPTION_EVENTS
    declined = sa.select(events.c.social_prescription_id).where(events.c.state == DECLINED_STATE)
    return (sa.select(sp.c.service_id, sa.func.count().label("taken"))
            .where(sp.c.referred_at >= since, sp.c.social_prescription_id.not_in(declined))
            .group_by(sp.c.service_id).subquery())


def directory(connection: sa.Connection, local_now: dt.datetime, category: str | None = None) -> list[dict]:
    """The directory with each service's referrals this week and room left (null: no capacity recorded)."""
    taken = _taken(week_start(local_now))
    query = (sa.select(SERVICES, sa.func.coalesce(taken.c.taken, 0).label("taken_this_week"))
             .outerjoin(taken, taken.c.service_id == SERVICES.c.service_id)
             .order_by(SERVICES.c.category, SERVICES.c.name, SERVICES.c.service_id))
    if category is not None:
        query = query.where(SERVICES.c.category == category)
    out = []
    for row in connection.execute(query):
        item = plain(row)
        cap = item["weekly_capacity"]
        item["room_this_week"] = None if cap is None else max(cap - item["taken_this_week"], 0)
        out.append(item)
    return out


def claim_place(connection: sa.Connection, service_id: str, local_now: dt.datetime, suggestions: int) -> sa.Row:
    """The service, once it is known to have room this week: 422 if there is no such service, 409 if it is full
    (naming its capacity and services of the same category with room). The service's row is locked until the
    transaction ends, so two referrals never both take its last place."""
    service = connection.execute(sa.select(SERVICES).where(SERVICES.c.service_id == service_id)
                                 .with_for_update()).first()
    if service is None:
        raise HTTPException(422, f"service_id: {service_id!r} is not a service of the community directory")
    if service.weekly_capacity is None:
        return service
    listed = directory(connection, local_now, service.category)
    taken = next(s["taken_this_week"] for s in listed if s["service_id"] == service_id)
    if taken < service.weekly_capacity:
        return service
    room = sorted((s for s in listed if s["service_id"] != service_id
                   and (s["room_this_week"] is None or s["room_this_week"] > 0)),
                  key=lambda s: (s["room_this_week"] is not None, -(s["room_this_week"] or 0), s["name"]))
    offers = "; ".join(f"{s['service_id']} {s['name']} ("
                       f"{'no weekly limit' if s['room_this_week'] is None else str(s['room_this_week']) + ' places'})"
                       for s in room[:suggestions])
    raise HTTPException(409, f"{service.name} ({service_id}) is full this week: its weekly capacity is "
                             f"{service.weekly_capacity} new people and {taken} have been referred since "
                             f"{week_start(local_now).date()}. "
                             + (f"Services of the same category ({service.category}) with room: {offers}" if offers
                                else f"No other {service.category} service of the directory has room this week"))


__all__ = ["claim_place", "directory", "week_start"]
