"""An audit event as a FHIR R4 AuditEvent (DICOM audit codes, as FHIR's own examples use)."""

from __future__ import annotations

import datetime as dt

from carenet.service.audit.log import AuditEntry

_REST = {"read": ("read", "R"), "search": ("search-type", "E"), "create": ("create", "C"),
         "update": ("update", "U"), "delete": ("delete", "D")}


def _instant(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def audit_event(seq: int, entry: AuditEntry) -> dict:
    """The FHIR R4 AuditEvent of event ``seq``."""
    interaction, code = _REST[entry.action]
    allowed = entry.outcome == "allowed"
    event: dict = {
        "resourceType": "AuditEvent",
        "id": f"audit-{seq}",
        "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest",
                 "display": "RESTful Operation"},
        "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": interaction}],
        "action": code,
        "recorded": _instant(entry.at),
        "outcome": "0" if allowed else "4",
        "outcomeDesc": entry.reason or entry.outcome,
        "agent": [{
            "type": {"coding": [{"system": "http://carenet.example/fhir/CodeSystem/service-role",
                                 "code": entry.role or "anonymous"}]},
            "who": {"identifier": {"system": "http://carenet.example/fhir/NamingSystem/user",
                                   "value": entry.user_id or "anonymous"}},
            "requestor": True,
            **({"purposeOfUse": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
                                              "code": "ETREAT", "display": "Emergency Treatment"}]}]}
               if entry.break_glass else {}),
        }],
        "source": {"observer": {"display": "carenet service"}},
        "entity": [],
    }
    if entry.patient_id:
        event["entity"].append({"what": {"reference": f"Patient/{entry.patient_id}"},
                                "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                                         "code": "1", "display": "Person"}})
    if entry.resource != "Patient" or entry.resource_id:
        what = f"{entry.resource}/{entry.resource_id}" if entry.resource_id else entry.resource
        event["entity"].append({"what": {"display": what},
                                "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                                         "code": "2", "display": "System Object"}})
    if not event["entity"]:
        del event["entity"]
    return event


__all__ = ["audit_event"]
