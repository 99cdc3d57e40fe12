"""Appending to the audit log and checking its chain.

Each event's hash is SHA-256 over the previous event's hash and the event's fields (a fixed JSON
form), so changing, removing or reordering any event breaks every hash after it:
:func:`verify_chain` finds the first. Appends lock the chain's head row (an ``UPDATE`` of it,
which on PostgreSQL holds the row until the transaction ends; SQLite's writers are serialised
anyway), so concurrent requests never fork the chain; a request notes its events (:func:`record`)
and appends them all just before it commits (:func:`flush`), so the head is locked only for that
moment: two statements whatever the number of events (claim their seqs and read the previous hash;
insert them and move the head's hash), then the commit. The database refuses to update or
delete events (triggers, migration 0004).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from carenet.service.audit.tables import AUDIT_EVENTS, AUDIT_HEAD

GENESIS = "0" * 64
"""``prev_hash`` of the first event."""
ACTIONS = ("read", "search", "create", "update", "delete")
OUTCOMES = ("allowed", "denied")
WRITES = ("create", "update", "delete")


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


_FIELD_NAMES = tuple(f.name for f in dataclass_fields(AuditEntry))


class ChainBroken(Exception):
    """The audit chain does not verify at ``seq``."""

    def __init__(self, seq: int, why: str):
        super().__init__(f"the audit log's chain breaks at event {seq}: {why}")
        self.seq = seq


def _utc_text(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _fields(entry: AuditEntry) -> dict:
    """The entry's fields (all plain values: a shallow copy, cheaper than ``dataclasses.asdict``'s deep one)."""
    return {name: getattr(entry, name) for name in _FIELD_NAMES}


def event_hash(prev_hash: str, seq: int, entry: AuditEntry) -> str:
    fields = {**_fields(entry), "at": _utc_text(entry.at), "seq": seq}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + text).encode()).hexdigest()


_SEQ = '"seq":0,"user_id":'


def hashed_text(entry: AuditEntry) -> tuple[str, str]:
    """The text :func:`event_hash` hashes after the previous hash, split where its seq goes: with a ``seq``,
    ``before + str(seq) + after`` is that text (the JSON is ASCII, its keys sorted: ``seq`` comes just before
    ``user_id``, and a quote inside a value is escaped, so the split is found only there)."""
    text = json.dumps({**_fields(entry), "at": _utc_text(entry.at), "seq": 0}, sort_keys=True, separators=(",", ":"))
    before, found, after = text.partition(_SEQ)
    if not found:
        raise ValueError(f"the audit event's text has no seq before its user: {text}")
    return before + '"seq":', ',"user_id":' + after


def append(connection: sa.Connection, entry: AuditEntry) -> int:
    """Append ``entry`` to the chain (in the caller's transaction); returns its seq."""
    return append_all(connection, [entry])


def append_all(connection: sa.Connection, batch: list[AuditEntry]) -> int:
    """Append ``batch`` to the chain in order (in the caller's transaction), in two statements; returns the last
    seq. The first claims the seqs and locks the head until the transaction ends; the second (on PostgreSQL one
    statement: the insert as a common table expression of the head's update) writes the events and the new head."""
    for entry in batch:
        if entry.action not in ACTIONS or entry.outcome not in OUTCOMES:
            raise ValueError(f"audit action {entry.action!r} / outcome {entry.outcome!r} is not one of {ACTIONS} / "
                             f"{OUTCOMES}")
    wrote = any(entry.action in WRITES and entry.outcome == "allowed" for entry in batch)
    if len(batch) == 1 and connection.dialect.name == "postgresql":
        before, after = hashed_text(batch[0])
        return connection.execute(_APPEND_ONE, {**_fields(batch[0]), "wrote": int(wrote), "before": before,
                                                "after": after}).scalar_one()
    # the head row is made by migration 0005
    head = connection.execute(_CLAIM_WRITE if wrote else _CLAIM, {"events": len(batch)}).one()
    seq, prev = head.seq - len(batch), head.hash  # the hash is still the last event's
    rows = []
    for entry in batch:
        seq += 1
        digest = event_hash(prev, seq, entry)
        rows.append({"seq": seq, "prev_hash": prev, "hash": digest, **_fields(entry)})
        prev = digest
    if connection.dialect.name == "postgresql":
        params = {f"{key}_{n}": value for n, row in enumerate(rows) for key, value in row.items()}
        connection.execute(_appending(len(rows)), {**params, "head_hash": prev})
    else:
        connection.execute(AUDIT_EVENTS.insert(), rows)
        connection.execute(AUDIT_HEAD.update().where(AUDIT_HEAD.c.id == 1).values(hash=prev))
    return seq


_CLAIM = (AUDIT_HEAD.update().where(AUDIT_HEAD.c.id == 1).values(seq=AUDIT_HEAD.c.seq + sa.bindparam("events"))
          .returning(AUDIT_HEAD.c.seq, AUDIT_HEAD.c.hash))
"""Claim the seqs of a number of events (``events``) and read the chain's last hash, locking its head."""
_CLAIM_WRITE = (AUDIT_HEAD.update().where(AUDIT_HEAD.c.id == 1)
                .values(seq=AUDIT_HEAD.c.seq + sa.bindparam("events"),
                        writes=AUDIT_HEAD.c.writes + 1)
                .returning(AUDIT_HEAD.c.seq, AUDIT_HEAD.c.hash))
"""The same for a batch that wrote (an allowed create, update or delete): the head's count of writes moves on too."""


def store_version(connection: sa.Connection) -> int:
    """The store's version: the requests that wrote to it so far (every write of patient data is audited in its
    own transaction, which counts it; a load of tables counts too), so a result computed from the store is current
    while the version stays the same."""
    return connection.execute(sa.select(AUDIT_HEAD.c.writes).where(AUDIT_HEAD.c.id == 1)).scalar() or 0


@functools.cache
def _appending(events: int) -> sa.TextClause:
    """On PostgreSQL: insert ``events`` events and move the head's hash, in one statement. Written as SQL text: a
    multi-row insert built by SQLAlchemy cannot be kept compiled, and compiling it again cost more of a request's CPU
    than the rest of its audit."""
    columns = [c.name for c in AUDIT_EVENTS.columns]
    rows = ", ".join("(" + ", ".join(f":{c}_{n}" for c in columns) + ")" for n in range(events))
    return sa.text(f"WITH appended AS (INSERT INTO {AUDIT_EVENTS.name} ({', '.join(columns)}) VALUES {rows}) "
                   f"UPDATE {AUDIT_HEAD.name} SET hash = :head_hash WHERE id = 1")


def _append_one() -> sa.TextClause:
    """On PostgreSQL: append one event in one statement. It locks the chain's head (a ``SELECT ... FOR UPDATE``
    returns the head as the transaction that held it left it), moves it on and inserts the event, its hash taken by
    the database (SHA-256 over the previous hash and :func:`hashed_text` around the new seq: what
    :func:`event_hash` takes). Written as SQL text, kept compiled."""
    dialect = postgresql.dialect()
    names = [c.name for c in AUDIT_EVENTS.columns if c.name not in ("seq", "prev_hash", "hash")]
    values = ", ".join(f"CAST(:{c} AS {AUDIT_EVENTS.c[c].type.compile(dialect=dialect)})" for c in names)
    head = AUDIT_HEAD.name
    return sa.text(
        f"WITH old AS (SELECT seq, hash, writes FROM {head} WHERE id = 1 FOR UPDATE), "
        f"moved AS (UPDATE {head} SET seq = old.seq + 1, writes = old.writes + CAST(:wrote AS BIGINT), "
        f"hash = encode(sha256(convert_to(old.hash || CAST(:before AS TEXT) || (old.seq + 1)::text "
        f"|| CAST(:after AS TEXT), 'UTF8')), 'hex') FROM old WHERE {head}.id = 1 "
        f"RETURNING {head}.seq, old.hash AS prev_hash, {head}.hash) "
        f"INSERT INTO {AUDIT_EVENTS.name} (seq, prev_hash, hash, {', '.join(names)}) "
        f"SELECT moved.seq, moved.prev_hash, moved.hash, {values} FROM moved RETURNING seq")


_APPEND_ONE = _append_one()
PENDING = "carenet_audit_pending"


def record(connection: sa.Connection, entry: AuditEntry) -> None:
    """Note ``entry`` for the audit log; :func:`flush` appends it just before the transaction commits.

    Requests append at commit, in one step, so the chain's head is locked only for the append and the
    commit, never while a request does its own work.
    """
    connection.info.setdefault(PENDING, []).append(entry)


def flush(connection: sa.Connection) -> None:
    """Append the entries :func:`record` noted on ``connection`` (in its transaction)."""
    batch = connection.info.pop(PENDING, [])
    if batch:
        append_all(connection, batch)


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


__all__ = ["ACTIONS", "GENESIS", "OUTCOMES", "PENDING", "AuditEntry", "ChainBroken", "append", "append_all", "entries",
           "event_hash", "flush", "hashed_text", "record", "store_version", "verify_chain"]
