"""``Appointment/$find`` and ``Appointment/$book``: the booking engine behind the JSON booking routes, in FHIR.

``$find`` records the patient's request (a ServiceRequest) and answers the slots the network layer proposes, as
proposed Appointments (each names its Slot and the request it is ``basedOn``); ``$book`` takes one of them back
and books its slot: 201 with the booked Appointment, or 409 with free slots instead when it has been taken.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from carenet.schema.codes import CHANNELS, NEED_TYPES, URGENCIES
from carenet.service.access.guard import AuditedRefusal, guard
from carenet.service.auth.login import Principal
from carenet.service.booking.engine import BookingError, LiveNetwork
from carenet.service.fhir.model import Context, Json, instant, ref
from carenet.service.fhir.outcome import FhirError
from carenet.service.fhir.params import reference
from carenet.service.fhir.registry import REGISTRY
from carenet.service.fhir.resources.scheduling import role_coding, slot_id
from carenet.service.fhir.resources.slots import clinician_of
from carenet.service.fhir.search import FHIR_ID, resolve_id
from carenet.service.store.rows import plain
from carenet.service.store.tables import CANONICAL
from carenet.sources.fhir.vocabulary import NEED_TYPE_SYSTEM

FIND_PARAMS = {"patient": "Patient/ID", "need": " | ".join(NEED_TYPES), "urgency": " | ".join(URGENCIES),
               "channel": " | ".join(CHANNELS)}


def _live(context: Context) -> LiveNetwork:
    if context.live is None:
        raise FhirError(503, "this store has no network laid out for booking; start the service with --demo")
    return context.live


def _one(params: dict[str, list[str]], name: str, default: str | None, allowed: tuple[str, ...] | None) -> str:
    values = params.get(name, [])
    if not values:
        if default is None:
            raise FhirError(400, f"$find needs {name}=... ({FIND_PARAMS[name]})")
        return default
    value = values[-1]
    if allowed is not None and value not in allowed:
        raise FhirError(400, f"{name}={value!r} is not one of {', '.join(allowed)}")
    return value


def find(connection: sa.Connection, who: Principal, query: list[tuple[str, str]], context: Context,
         base_url: str) -> Json:
    """Record a request for the patient and propose slots, as a Bundle of proposed Appointments."""
    params: dict[str, list[str]] = {}
    for name, value in query:
        if name not in FIND_PARAMS:
            raise FhirError(400, f"$find has no parameter {name!r}; it takes "
                                 + ", ".join(f"{k} ({v})" for k, v in FIND_PARAMS.items()))
        params.setdefault(name, []).append(value)
    live = _live(context)
    patient_id = reference("patient", _one(params, "patient", None, None), "Patient")
    need = _one(params, "need", None, NEED_TYPES)
    urgency = _one(params, "urgency", "routine", URGENCIES)
    channel = _one(params, "channel", "telephone", CHANNELS)
    request_id = f"R-{uuid.uuid4().hex[:16]}"
    guard(connection, who, context.now, patient_id, "ServiceRequest", "create", resource_id=request_id)
    patients, requests = CANONICAL["patients"], CANONICAL["requests"]
    practice = connection.execute(sa.select(patients.c.practice_id).where(patients.c.patient_id == patient_id)
                                  ).scalar_one()
    number = connection.execute(sa.select(sa.func.count()).select_from(requests)).scalar_one()
    local = live.local(context.now).replace(microsecond=0)
    connection.execute(requests.insert().values(
        request_id=request_id, patient_id=patient_id, practice_id=practice, requested_at=local, need_type=need,
        urgency=urgency, channel=channel, episode_id=request_id, outcome="waiting", outcome_at=None))
    try:
        proposals = live.propose(connection, patient_id, need, urgency, channel, context.now, number)
    except BookingError as refused:
        raise FhirError(refused.status, str(refused)) from None
    entries = []
    for slot in proposals:
        appointment = {
            "resourceType": "Appointment", "status": "proposed",
            "serviceType": role_coding(slot.role),
            "reasonCode": [{"coding": [{"system": NEED_TYPE_SYSTEM, "code": need}]}],
            "slot": [{"reference": f"Slot/{slot_id(slot.clinician_id, slot.start)}"}],
            "basedOn": [{"reference": f"ServiceRequest/{request_id}"}],
            "start": instant(slot.start, context), "end": instant(slot.start + dt.timedelta(minutes=slot.minutes),
                                                                  context),
            "minutesDuration": slot.minutes, "created": instant(local, context),
            "participant": [{"actor": ref("Patient", patient_id), "status": "needs-action"},
                            {"actor": ref("Practitioner", slot.clinician_id), "status": "needs-action"}],
        }
        entries.append({"resource": appointment, "search": {"mode": "match"}})
    return {"resourceType": "Bundle", "type": "searchset", "total": len(entries),
            "link": [{"relation": "self", "url": f"{base_url}/Appointment/$find"}], "entry": entries}


def _appointment_of(body: Json) -> Json:
    if body.get("resourceType") == "Parameters":
        for parameter in body.get("parameter") or []:
            if isinstance(parameter, dict) and parameter.get("name") == "appointment" \
                    and isinstance(parameter.get("resource"), dict):
                return parameter["resource"]
        raise FhirError(400, "$book's Parameters need a parameter named 'appointment' holding the Appointment")
    if body.get("resourceType") != "Appointment":
        raise FhirError(400, "$book takes an Appointment (one that $find proposed), or Parameters with it as "
                             "'appointment'")
    return body


def _id_of(reference_text: str) -> str:
    """The id of a ``Type/ID`` reference; 400 if it is not a FHIR id."""
    ident = reference_text.split("/", 1)[1]
    if not FHIR_ID.match(ident):
        raise FhirError(400, f"{reference_text!r}: a reference is Type/ID, the id 1 to 64 letters, digits, '-' and "
                             "'.'")
    return ident


def _references(appointment: Json, element: str) -> list[str]:
    found = appointment.get(element) or []
    if not isinstance(found, list):
        raise FhirError(400, f"Appointment.{element} must be a list")
    out = []
    for item in found:
        holder = item.get("actor") if element == "participant" and isinstance(item, dict) else item
        if isinstance(holder, dict) and isinstance(holder.get("reference"), str):
            out.append(holder["reference"])
    return out


def book(connection: sa.Connection, who: Principal, body: Json, context: Context) -> Json:
    """Book the slot of a proposed Appointment; the booked Appointment, or 409 with free slots instead."""
    live = _live(context)
    appointment = _appointment_of(body)
    actors = _references(appointment, "participant")
    patients = [_id_of(a) for a in actors if a.startswith("Patient/")]
    if len(patients) != 1:
        raise FhirError(400, "the Appointment names one patient: participant.actor = Patient/ID")
    patient_id = resolve_id(connection, REGISTRY["Patient"], patients[0]) or patients[0]
    slots = [_id_of(r) for r in _references(appointment, "slot") if r.startswith("Slot/")]
    if slots:
        schedule_id, _, stamp = slots[0].rpartition(".")
        clinician_id = live.clinician_ids[clinician_of(live, schedule_id)]
        try:
            start = dt.datetime.strptime(stamp, "%Y%m%d%H%M")
        except ValueError:
            raise FhirError(400, f"Slot/{slots[0]} is not a slot id of this service (Schedule id.YYYYMMDDhhmm)") \
                from None
    else:
        clinicians = [_id_of(a) for a in actors if a.startswith("Practitioner/")]
        if len(clinicians) != 1 or not isinstance(appointment.get("start"), str):
            raise FhirError(400, "the Appointment names its slot (slot = Slot/ID from $find), or one "
                                 "participant.actor = Practitioner/ID and its start")
        clinician_id = resolve_id(connection, REGISTRY["Practitioner"], clinicians[0]) or clinicians[0]
        try:
            start = dt.datetime.fromisoformat(appointment["start"].replace("Z", "+00:00"))
        except ValueError:
            raise FhirError(400, f"Appointment.start {appointment['start']!r} is not a FHIR instant") from None
    request = None
    based_on = [_id_of(r) for r in _references(appointment, "basedOn") if r.startswith("ServiceRequest/")]
    guard(connection, who, context.now, patient_id, "Appointment", "create")
    if based_on:
        requests = CANONICAL["requests"]
        request = connection.execute(sa.select(requests).where(requests.c.request_id == based_on[0])).first()
        if request is None or request.patient_id != patient_id:
            raise FhirError(422, f"ServiceRequest/{based_on[0]} is not a request of Patient/{patient_id}")
        if request.outcome != "waiting":
            raise FhirError(409, f"ServiceRequest/{based_on[0]} is already {request.outcome}")
    try:
        row = live.book_slot(connection, patient_id, clinician_id, start, context.now, request)
    except BookingError as refused:
        raise AuditedRefusal(refused.status, {"message": str(refused), "alternatives": refused.alternatives}) \
            from None
    appointments = CANONICAL["appointments"]
    stored = connection.execute(sa.select(appointments, appointments.c.appointment_id.label("id")).where(
        appointments.c.appointment_id == row["appointment_id"])).one()
    return REGISTRY["Appointment"].render(connection, [plain(stored)], context)[0]


__all__ = ["book", "find"]
