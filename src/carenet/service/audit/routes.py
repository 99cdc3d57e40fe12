"""Routes of the audit log: events (JSON or FHIR AuditEvent), and the chain's check."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from carenet.service.api import App, Connection, Who, require_role
from carenet.service.audit.fhir import audit_event
from carenet.service.audit.log import AuditEntry, ChainBroken, entries, record, verify_chain

router = APIRouter(prefix="/audit", tags=["audit"])
AUDITORS = ("practice_manager", "network_admin")
MAX_EVENTS = 1000


@router.get("/events")
def events(who: Who, app: App, conn: Connection, patient_id: str | None = None, user_id: str | None = None,
           break_glass: bool | None = None, limit: int = MAX_EVENTS) -> dict:
    """Audit events as a FHIR R4 Bundle of AuditEvent (practice managers and network administrators)."""
    require_role(who, AUDITORS, "reading the audit log")
    if not 1 <= limit <= MAX_EVENTS:
        raise HTTPException(422, f"limit must be between 1 and {MAX_EVENTS}")
    found = list(entries(conn, patient_id=patient_id, user_id=user_id, break_glass=break_glass, limit=limit))
    record(conn, AuditEntry(app.clock(), who.user_id, who.role, patient_id, "AuditEvent", None, "search", "allowed",
                            "auditor", "the audit log read by an auditor"))
    return {"resourceType": "Bundle", "type": "searchset", "total": len(found),
            "entry": [{"resource": audit_event(seq, entry)} for seq, entry in found]}


@router.get("/verify")
def verify(who: Who, conn: Connection) -> dict:
    """Check every hash of the chain: how many events, or where it breaks."""
    require_role(who, AUDITORS, "checking the audit log")
    try:
        return {"intact": True, "events": verify_chain(conn)}
    except ChainBroken as broken:
        return {"intact": False, "broken_at": broken.seq, "detail": str(broken)}


__all__ = ["router"]
