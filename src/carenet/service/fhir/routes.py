"""Routes of the FHIR R4 API at ``/fhir`` (answers are ``application/fhir+json``; errors are OperationOutcome)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Request

from carenet.service.api import App, Connection, Services, Who
from carenet.service.fhir import operations, search, transaction
from carenet.service.fhir.capability import capability_statement
from carenet.service.fhir.model import Context
from carenet.service.fhir.outcome import FhirResponse

router = APIRouter(prefix="/fhir", tags=["fhir"], default_response_class=FhirResponse)
RELEASED = dt.date(2026, 12, 7)
BreakGlass = Annotated[str | None, Header(alias="X-Break-Glass-Reason", max_length=500,
                                          description="Reason for emergency access to a record outside your care")]
TypeName = Annotated[str, Path(max_length=64, description="A resource type (GET /fhir/metadata lists them)")]
ResourceId = Annotated[str, Path(max_length=64, description="The resource's id")]
AnyJson = Annotated[dict[str, Any], Body()]


def _context(app: Services) -> Context:
    return Context(app.settings.timezone, app.clock(), app.live)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/fhir"


@router.get("/metadata")
def metadata(request: Request) -> FhirResponse:
    """The CapabilityStatement: what this server serves (no login needed)."""
    return FhirResponse(capability_statement(request.app.version, RELEASED))


@router.post("")
def post_transaction(body: AnyJson, who: Who, app: App, conn: Connection) -> FhirResponse:
    """Load a transaction Bundle, validated as ``carenet import fhir`` validates files; all or nothing."""
    return FhirResponse(transaction.transaction(conn, who, body, app.clock()))


@router.post("/Appointment/$find")
def appointment_find(request: Request, who: Who, app: App, conn: Connection) -> FhirResponse:
    """Record a request and propose slots: ``?patient=Patient/ID&need=NEED[&urgency=...&channel=...]``."""
    return FhirResponse(operations.find(conn, who, list(request.query_params.multi_items()), _context(app),
                                        _base(request)))


@router.post("/Appointment/$book", status_code=201)
def appointment_book(request: Request, body: AnyJson, who: Who, app: App, conn: Connection) -> FhirResponse:
    """Book the slot of a proposed Appointment (from $find): 201, or 409 with free slots instead."""
    booked = operations.book(conn, who, body, _context(app))
    return FhirResponse(booked, status_code=201, headers={"Location": f"{_base(request)}/Appointment/{booked['id']}"})


@router.get("/{resource_type}")
def search_type(resource_type: TypeName, request: Request, who: Who, app: App, conn: Connection,
                reason: BreakGlass = None) -> FhirResponse:
    """Search a resource type: a searchset Bundle (``_count``, ``_offset``; patient data names the patient)."""
    rt = search.resource_type(resource_type)
    return FhirResponse(search.search(conn, who, rt, list(request.query_params.multi_items()), _context(app),
                                      _base(request), reason))


@router.get("/{resource_type}/{resource_id}")
def read(resource_type: TypeName, resource_id: ResourceId, who: Who, app: App, conn: Connection,
         reason: BreakGlass = None) -> FhirResponse:
    """Read one resource by id."""
    rt = search.resource_type(resource_type)
    return FhirResponse(search.read(conn, who, rt, resource_id, _context(app), reason))


__all__ = ["router"]
