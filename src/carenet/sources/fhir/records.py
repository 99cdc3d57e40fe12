"""The facts carenet takes from each resource type: one compact record per resource.

Records are plain named tuples (no per-resource model objects are kept), built in the reading
workers and turned into canonical tables by :mod:`carenet.sources.fhir.tables`. Reference fields hold
the reference as written (``urn:uuid:…``, ``Type/id``, absolute URL or ``Type?identifier=system|value``);
they are resolved once every input has been read.
"""

from __future__ import annotations

from typing import NamedTuple


class OrganizationRecord(NamedTuple):
    id: str
    where: str
    carenet_id: str | None
    ods: str | None
    name: str | None
    part_of: str | None
    network_kind: str | None
    postcode: str | None
    imd_score: float | None
    list_size: int | None


class PractitionerRecord(NamedTuple):
    id: str
    where: str
    carenet_id: str | None
    name: str | None
    role: str | None


class PractitionerRoleRecord(NamedTuple):
    id: str
    where: str
    practitioner: str | None
    organization: str | None
    role: str | None
    working_days: str | None
    fte: float | None
    sessions: float | None


class PatientRecord(NamedTuple):
    id: str
    where: str
    carenet_id: str | None
    nhs_number: str | None
    birth_date: str
    sex: str
    death: str | None
    general_practitioners: tuple[str, ...]
    managing_organization: str | None
    deprivation_decile: int | None
    household: str | None
    registrations: tuple[tuple[str | None, str | None, str | None], ...]


class ParticipantRecord(NamedTuple):
    reference: str | None
    role: str | None


class ContactRecord(NamedTuple):
    """An Encounter or an Appointment: both become appointments."""

    id: str
    where: str
    resource_type: str
    carenet_id: str | None
    status: str
    mode: str | None
    subject: str | None
    participants: tuple[ParticipantRecord, ...]
    start: str
    end: str | None
    minutes: float | None
    created: str | None
    site: str | None
    practice: str | None
    urgency: str | None
    need_type: str | None
    appointments: tuple[str, ...]


class ConditionRecord(NamedTuple):
    id: str
    where: str
    subject: str | None
    snomed_code: str
    onset: str
    abatement: str | None


class CarePlanRecord(NamedTuple):
    id: str
    where: str
    carenet_id: str | None
    subject: str | None
    status: str
    created: str
    review: str | None
    key_workers: tuple[str, ...]
    goals: tuple[str, ...]
    goals_patient_set: bool | None


class GoalRecord(NamedTuple):
    id: str
    where: str
    description: str | None
    expressed_by: str | None


class CareTeamRecord(NamedTuple):
    id: str
    where: str
    carenet_id: str | None
    name: str | None
    kind: str | None
    subject: str | None
    start: str | None
    organizations: tuple[str, ...]
    members: tuple[ParticipantRecord, ...]


RECORD_TYPES: dict[str, type] = {
    "Organization": OrganizationRecord, "Practitioner": PractitionerRecord,
    "PractitionerRole": PractitionerRoleRecord, "Patient": PatientRecord, "Encounter": ContactRecord,
    "Appointment": ContactRecord, "Condition": ConditionRecord, "CarePlan": CarePlanRecord, "Goal": GoalRecord,
    "CareTeam": CareTeamRecord,
}
