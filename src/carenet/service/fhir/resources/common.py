"""Search parameters several resource types share."""

from __future__ import annotations

from carenet.service.fhir.model import SearchParam

PATIENT = SearchParam("patient", "patient_id", "reference", "The patient (Patient/ID)", target="Patient")
SUBJECT = SearchParam("subject", "patient_id", "reference", "The patient (Patient/ID)", target="Patient")

__all__ = ["PATIENT", "SUBJECT"]
