"""Appending to the audit log and checking its chain.

Each event's hash is SHA-256 over the previous event's hash and the event's fields (a fixed JSON
form), so changing, removing or reordering any event breaks every hash after it:
:func:`verify_chain` finds the first. Appends lock the chain's head row (``SELECT ... FOR UPDATE``
on PostgreSQL; SQLite's writers are serialised anyway), so concurrent requests never fork the
chain; a request notes its events (:func:`record`) and appends them just before it commits
(:func:`flush`), so the head is locked only for that moment. The database refuses to update or
delete events (triggers, migration 0004).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import sqlalchemy as sa

from carenet.service.audit.tables import AUDIT_EVENTS, AUDIT_HEAD

GENESIS = "0" * 64
"""``prev_hash`` of the first event."""
ACTIONS = ("read", "search", "create", "update", "delete")
OUTCOMES = ("allowed", "denied")


@dataclass(frozen=True)
class AuditEntry:
    """One event as the service records it."""

    at: dt.datetime
    user_id: str | None
    role: str | None
    patient_id: str | None
    resource: str
    resource_id: str | None
    action: str
    outcome: str
    policy: str | None
    reason: str | None
    break_glass: bool = False


class ChainBroken(Exception):
    """The audit chain does not verify at ``seq``."""

    def __init__(self, seq: int, why: str):
        super().__init__(f"the audit log's chain breaks at event {seq}: {why}")
        self.seq = seq


def _utc_text(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_hash(prev_hash: str, seq: int, entry: AuditEntry) -> str:
    fields = {**asdict(entry), "at": _utc_text(entry.at), "seq": seq}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + text).encode()).hexdigest()


def append(connection: sa.Connection, entry: AuditEntry) -> int:
    """Append ``entry`` to the chain (in the caller's transaction); returns its seq."""
    if entry.action not in ACTIONS or entry.outcome not in OUTCOMES:
        raise ValueError(f"audit action {entry.action!r} / outcome {entry.outcome!r} is not one of {ACTIONS} / "
                         f"{OUTCOMES}")
    head_query = sa.select(AUDIT_HEAD).where(AUDIT_HEAD.c.id == 1)
    if connection.dialect.name == "postgresql":
        head_query = head_query.with_for_update()
    head = connection.execute(head_query).one()  # made by migration 0005
    seq, prev = head.seq + 1, head.hash
    digest = event_hash(prev, seq, entry)
    connection.execute(AUDIT_EVENTS.insert().values(seq=seq, prev_hash=prev, hash=digest, **asdict(entry)))
    connection.execute(AUDIT_HEAD.update().where(AUDIT_HEAD.c.id == 1).values(seq=seq, hash=digest))
    return seq


PENDING = "carenet_audit_pending"


def record(connection: sa.Connection, entry: AuditEntry) -> None:
    """Note ``entry`` for the audit log; :func:`flush` appends it just before the transaction commits.

    Requests append at commit, in one step, so the chain's head is locked only for the append and the
    commit, never while a request does its own work.
    """
    connection.info.setdefault(PENDING, []).append(entry)


def flush(connection: sa.Connection) -> None:
    """Append the entries :func:`record` noted on ``connection`` (in its transaction)."""
    for entry in connection.info.pop(PENDING, []):
        append(connection, entry)


def _entry(row) -> AuditEntry:
    return AuditEntry(row.at, row.user_id, row.role, row.patient_id, row.resource, row.resource_id, row.action,
                      row.outcome, row.policy, row.reason, bool(row.break_glass))


def entries(connection: sa.Connection, *, patient_id: str | None = None, user_id: str | None = None,
            since: dt.datetime | None = None, break_glass: bool | None = None,
            limit: int | None = None) -> Iterator[tuple[int, AuditEntry]]:
    """Events in chain order, filtered."""
    query = sa.select(AUDIT_EVENTS).order_by(AUDIT_EVENTS.c.seq)
    if patient_id is not None:
        query = query.where(AUDIT_EVENTS.c.patient_id == patient_id)
    if user_id is not None:
        query = query.where(AUDIT_EVENTS.c.user_id == user_id)
    if since is not None:
        query = query.where(AUDIT_EVENTS.c.at >= since)
    if break_glass is not None:
        query = query.where(AUDIT_EVENTS.c.break_glass == break_glass)
    if limit is not None:
        query = query.limit(limit)
    for row in connection.execute(query):
        yield row.seq, _entry(row)


def verify_chain(connection: sa.Connection) -> int:
    """The number of events, after checking every hash and link; raises :class:`ChainBroken` at the first fault."""
    prev, expected_seq = GENESIS, 1
    for row in connection.execute(sa.select(AUDIT_EVENTS).order_by(AUDIT_EVENTS.c.seq)).yield_per(5000):
        if row.seq != expected_seq:
            raise ChainBroken(expected_seq, f"event {expected_seq} is missing")
        if row.prev_hash != prev:
            raise ChainBroken(row.seq, "it does not link to the event before it")
        if event_hash(prev, row.seq, _entry(row)) != row.hash:
            raise ChainBroken(row.seq, "its contents do not match its hash (it was changed)")
        prev, expected_seq = row.hash, expected_seq + 1
    head = connection.execute(sa.select(AUDIT_HEAD)).first()
    if head is None or head.seq != expected_seq - 1 or head.hash != prev:
        raise ChainBroken(expected_seq, "events after it were removed")
    return expected_seq - 1


__all__ = ["ACTIONS", "GENESIS", "OUTCOMES", "PENDING", "AuditEntry", "ChainBroken", "append", "entries",
           "event_hash", "flush", "record", "verify_chain"]
