"""The CapabilityStatement at ``/fhir/metadata``, built from the registry."""

from __future__ import annotations

import datetime as dt

from carenet.service.fhir.registry import REGISTRY
from carenet.service.fhir.search import COMMON, MAX_COUNT

OPERATIONS = "https://carenet.dev/fhir/OperationDefinition"
COMMON_DOCS = {"_id": "The resource's id (several: _id=A,B)", "_count": f"Page size, 0 to {MAX_COUNT}",
               "_offset": "Entries to skip (the next link carries it)"}
COMMON_TYPES = {"_id": "token", "_count": "number", "_offset": "number"}


def capability_statement(version: str, released: dt.date) -> dict:
    resources = []
    for rt in REGISTRY.values():
        params = [{"name": n, "type": COMMON_TYPES[n], "documentation": COMMON_DOCS[n]} for n in COMMON
                  if rt.search is None or n != "_id"]
        params += [{"name": p.name, "type": p.kind, "documentation": p.doc} for p in rt.params]
        entry = {"type": rt.name, "documentation": rt.doc + (" (patient data: read through the access rules, "
                                                             "audited)" if rt.compartment else ""),
                 "interaction": [{"code": "read"}, {"code": "search-type"}], "searchParam": params}
        if rt.name == "Appointment":
            entry["operation"] = [
                {"name": "find", "definition": f"{OPERATIONS}/appointment-find",
                 "documentation": "POST Appointment/$find?patient=Patient/ID&need=NEED[&urgency=&channel=]: records "
                                  "the request and proposes slots as proposed Appointments"},
                {"name": "book", "definition": f"{OPERATIONS}/appointment-book",
                 "documentation": "POST Appointment/$book with a proposed Appointment: books its slot (409 if "
                                  "taken)"}]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement", "status": "active", "date": released.isoformat(),
        "publisher": "carenet", "kind": "instance", "fhirVersion": "4.0.1", "format": ["json"],
        "software": {"name": "carenet service", "version": version},
        "implementation": {"description": "carenet: a shared record, triage and booking for a network of practices"},
        "rest": [{
            "mode": "server",
            "documentation": "Log in first (POST /auth/token, then Authorization: Bearer TOKEN); this statement is "
                             "public. Patient data is read through the access rules and every read is audited.",
            "security": {"description": "Bearer tokens from /auth/token, or a browser session with its CSRF token"},
            "resource": resources,
            "interaction": [{"code": "transaction", "documentation": "A transaction Bundle loads data through the "
                                                                    "same validation as carenet import fhir; all "
                                                                    "or nothing (network administrators)"}],
        }],
    }


__all__ = ["capability_statement"]
