"""AuditEvent, from the audit log (who read or changed which patient's data)."""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.audit.fhir import audit_event
from carenet.service.audit.log import AuditEntry
from carenet.service.audit.tables import AUDIT_EVENTS
from carenet.service.fhir.model import Context, Json, ResourceType, SearchParam
from carenet.service.fhir.resources.common import PATIENT

_FIELDS = ("at", "user_id", "role", "patient_id", "resource", "resource_id", "action", "outcome", "policy", "reason")


def _select() -> sa.Select:
    e = AUDIT_EVENTS
    return sa.select(*(e.c[f] for f in (*_FIELDS, "break_glass", "seq")),
                     (sa.literal("audit-", sa.Text) + sa.cast(e.c.seq, sa.Text)).label("id"))


def _render(_connection: sa.Connection, rows: list[Json], _context: Context) -> list[Json]:
    return [audit_event(r["seq"], AuditEntry(*(r[f] for f in _FIELDS), bool(r["break_glass"]))) for r in rows]


AUDIT_EVENT = ResourceType(
    "AuditEvent", "Who read or changed a patient's data (the hash-chained audit log)", _select, _render,
    (PATIENT, SearchParam("date", "at", "date", "When, with ge/le/gt/lt/eq prefixes")),
    compartment=True, order="seq", ids_are_fhir_ids=True)

__all__ = ["AUDIT_EVENT"]
