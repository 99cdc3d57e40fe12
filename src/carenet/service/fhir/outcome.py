"""Errors of the FHIR API as OperationOutcome, and the ``application/fhir+json`` response."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from fastapi.responses import JSONResponse

FHIR_JSON = "application/fhir+json"
ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
               409: "conflict", 410: "deleted", 412: "conflict", 415: "not-supported", 422: "processing",
               429: "throttled", 503: "transient"}


class FhirResponse(JSONResponse):
    media_type = FHIR_JSON


class FhirError(HTTPException):
    """A refusal of the FHIR API: the status, what to fix (``diagnostics``), and further issues if any."""

    def __init__(self, status: int, diagnostics: str, issues: list[str] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(status, diagnostics, headers)
        self.issues = issues or []


def operation_outcome(status: int, diagnostics: Any, issues: list[str] | None = None,
                      severity: str = "error") -> dict:
    """An OperationOutcome for an answer with ``status``: one issue saying what is wrong, then ``issues``."""
    code = ISSUE_CODES.get(status, "processing" if status < 500 else "exception")
    notes = []
    if isinstance(diagnostics, dict):  # the booking engine's refusal: a message and free slots instead
        notes = [f"free instead: {a['clinician_id']} at {a['start']} ({a['minutes']} min)"
                 for a in diagnostics.get("alternatives") or []]
        diagnostics = str(diagnostics.get("message", diagnostics))
    text = str(diagnostics) or "error"
    found = [{"severity": severity, "code": code, "diagnostics": text}]
    found += [{"severity": severity, "code": code, "diagnostics": issue} for issue in issues or []]
    found += [{"severity": "information", "code": "informational", "diagnostics": note} for note in notes]
    return {"resourceType": "OperationOutcome", "issue": found}


def outcome_response(status: int, diagnostics: Any, issues: list[str] | None = None,
                     headers: dict[str, str] | None = None) -> FhirResponse:
    return FhirResponse(operation_outcome(status, diagnostics, issues), status_code=status, headers=headers)


__all__ = ["FHIR_JSON", "FhirError", "FhirResponse", "operation_outcome", "outcome_response"]
