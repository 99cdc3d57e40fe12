"""The resource types the FHIR API serves: adding one is a module under ``resources`` and a line here."""

from __future__ import annotations

from carenet.service.fhir.model import ResourceType
from carenet.service.fhir.resources.appointment import APPOINTMENT
from carenet.service.fhir.resources.audit import AUDIT_EVENT
from carenet.service.fhir.resources.careplan import CARE_PLAN, CARE_TEAM
from carenet.service.fhir.resources.organization import ORGANIZATION
from carenet.service.fhir.resources.patient import PATIENT
from carenet.service.fhir.resources.practitioner import PRACTITIONER, PRACTITIONER_ROLE
from carenet.service.fhir.resources.requests import COMMUNICATION, SERVICE_REQUEST
from carenet.service.fhir.resources.scheduling import SCHEDULE
from carenet.service.fhir.resources.slots import SLOT
from carenet.service.fhir.resources.tasks import TASK

REGISTRY: dict[str, ResourceType] = {rt.name: rt for rt in (
    PATIENT,
    PRACTITIONER,
    PRACTITIONER_ROLE,
    ORGANIZATION,
    APPOINTMENT,
    SLOT,
    SCHEDULE,
    CARE_PLAN,
    CARE_TEAM,
    COMMUNICATION,
    SERVICE_REQUEST,
    TASK,
    AUDIT_EVENT,
)}

__all__ = ["REGISTRY"]
