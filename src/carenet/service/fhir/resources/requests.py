"""ServiceRequest: a patient's request for care (``requests``), a formal referral (``referrals``) and a social
prescription (``social_prescriptions``); Communication: informal advice between professionals (``referrals`` of
kind informal) and the messages of the patient's team thread (``thread_messages``)."""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.fhir.model import Context, Json, ResourceType, SearchParam, instant, ref
from carenet.service.fhir.resources.common import PATIENT, SUBJECT
from carenet.service.people.tables import USERS
from carenet.service.store.tables import CANONICAL
from carenet.service.threads.tables import THREAD_MESSAGES
from carenet.sources.fhir.ids import fhir_id
from carenet.sources.fhir.vocabulary import CARENET_ID_SYSTEM, CODE_SYSTEM, NEED_TYPE_SYSTEM

_REQUESTS, _REFERRALS = CANONICAL["requests"], CANONICAL["referrals"]
_SOCIAL, _SERVICES = CANONICAL["social_prescriptions"], CANONICAL["community_services"]
CATEGORY_SYSTEM = f"{CODE_SYSTEM}/service-request-kind"
SERVICE_SYSTEM = f"{CARENET_ID_SYSTEM}/community-service"
PRIORITY = {"same_day": "asap", "urgent": "urgent", "routine": "routine", "proactive": "routine"}
STATUS = {"waiting": "active", "booked": "completed", "abandoned": "revoked"}
_NULL_TEXT = sa.null().cast(sa.Text)


def _text(value: str) -> sa.ColumnElement:
    return sa.literal(value, sa.Text)


def _requests() -> sa.Select:
    requests = sa.select(
        _REQUESTS.c.request_id.label("id"), _REQUESTS.c.patient_id, _text("request").label("kind"),
        _REQUESTS.c.requested_at.label("authored"), _REQUESTS.c.need_type, _REQUESTS.c.urgency,
        _REQUESTS.c.outcome.label("state"), _NULL_TEXT.label("requester"), _NULL_TEXT.label("performer"),
        _REQUESTS.c.practice_id, _NULL_TEXT.label("service_id"), _NULL_TEXT.label("service_name"))
    referrals = sa.select(
        (_text("referral.") + _REFERRALS.c.referral_id).label("id"), _REFERRALS.c.patient_id,
        _text("referral").label("kind"), _REFERRALS.c.created_at.label("authored"), _REFERRALS.c.need_type,
        _NULL_TEXT.label("urgency"), _NULL_TEXT.label("state"), _REFERRALS.c.from_clinician_id.label("requester"),
        _REFERRALS.c.to_clinician_id.label("performer"), _NULL_TEXT.label("practice_id"),
        _REFERRALS.c.to_service_id.label("service_id"), _SERVICES.c.name.label("service_name"),
    ).select_from(_REFERRALS.outerjoin(_SERVICES, _SERVICES.c.service_id == _REFERRALS.c.to_service_id)).where(
        _REFERRALS.c.kind.in_(("formal", "outpatient")))
    social = sa.select(
        (_text("social.") + _SOCIAL.c.social_prescription_id).label("id"), _SOCIAL.c.patient_id,
        _text("social_prescription").label("kind"), _SOCIAL.c.referred_at.label("authored"),
        _NULL_TEXT.label("need_type"), _NULL_TEXT.label("urgency"),
        sa.case((_SOCIAL.c.taken_up.is_(True), "taken_up"), (_SOCIAL.c.taken_up.is_(False), "declined"),
                else_=_NULL_TEXT).label("state"),
        _SOCIAL.c.link_worker_id.label("requester"), _NULL_TEXT.label("performer"), _NULL_TEXT.label("practice_id"),
        _SOCIAL.c.service_id, _SERVICES.c.name.label("service_name"),
    ).select_from(_SOCIAL.outerjoin(_SERVICES, _SERVICES.c.service_id == _SOCIAL.c.service_id))
    return sa.select(sa.union_all(requests, referrals, social).subquery())


def _status(row: Json) -> str:
    if row["kind"] == "request":
        state = row["state"] or "waiting"
        return STATUS.get(state, "completed")  # redirected elsewhere: done here
    return {"taken_up": "completed", "declined": "revoked"}.get(row["state"] or "", "active")


def _render_requests(_connection: sa.Connection, rows: list[Json], context: Context) -> list[Json]:
    out = []
    for r in rows:
        request: Json = {
            "resourceType": "ServiceRequest", "id": fhir_id("ServiceRequest", r["id"]),
            "identifier": [{"system": f"{CARENET_ID_SYSTEM}/{r['kind'].replace('_', '-')}",
                            "value": r["id"].split(".", 1)[1] if r["kind"] != "request" else r["id"]}],
            "status": _status(r), "intent": "proposal" if r["kind"] == "request" else "order",
            "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": r["kind"]}]}],
            "subject": ref("Patient", r["patient_id"]), "authoredOn": instant(r["authored"], context),
        }
        if r["urgency"]:
            request["priority"] = PRIORITY.get(r["urgency"], "routine")
        if r["need_type"]:
            request["code"] = {"coding": [{"system": NEED_TYPE_SYSTEM, "code": r["need_type"]}]}
        request["requester"] = ref("Practitioner", r["requester"]) if r["requester"] else ref("Patient",
                                                                                           r["patient_id"])
        performers = []
        if r["performer"]:
            performers.append(ref("Practitioner", r["performer"]))
        if r["practice_id"]:
            performers.append(ref("Organization", r["practice_id"]))
        if r["service_id"]:
            performers.append({"identifier": {"system": SERVICE_SYSTEM, "value": r["service_id"]},
                               **({"display": r["service_name"]} if r["service_name"] else {})})
        if performers:
            request["performer"] = performers
        out.append(request)
    return out


def _communications() -> sa.Select:
    """Advice asked of a colleague (informal referrals) and the messages of patients' team threads, as one list."""
    advice = sa.select(
        _REFERRALS.c.referral_id.label("id"), _REFERRALS.c.patient_id, _text("advice").label("kind"),
        _REFERRALS.c.created_at, _REFERRALS.c.need_type, _REFERRALS.c.from_clinician_id,
        _REFERRALS.c.to_clinician_id, _NULL_TEXT.label("sender_patient_id"), _NULL_TEXT.label("sender_name"),
        _NULL_TEXT.label("body"),
    ).where(_REFERRALS.c.kind == "informal")
    thread = sa.select(
        (_text("message.") + THREAD_MESSAGES.c.message_id).label("id"), THREAD_MESSAGES.c.patient_id,
        _text("thread").label("kind"), THREAD_MESSAGES.c.sent_at.label("created_at"), _NULL_TEXT.label("need_type"),
        USERS.c.clinician_id.label("from_clinician_id"), _NULL_TEXT.label("to_clinician_id"),
        USERS.c.patient_id.label("sender_patient_id"), USERS.c.display_name.label("sender_name"),
        THREAD_MESSAGES.c.body,
    ).select_from(THREAD_MESSAGES.join(USERS, USERS.c.user_id == THREAD_MESSAGES.c.author_id))
    return sa.select(sa.union_all(advice, thread).subquery())


def _render_communications(_connection: sa.Connection, rows: list[Json], context: Context) -> list[Json]:
    out = []
    for r in rows:
        thread = r["kind"] == "thread"
        own_id = r["id"].split(".", 1)[1] if thread else r["id"]
        message: Json = {
            "resourceType": "Communication", "id": fhir_id("Communication", r["id"]),
            "identifier": [{"system": f"{CARENET_ID_SYSTEM}/{'thread-message' if thread else 'referral'}",
                            "value": own_id}],
            "status": "completed",
            "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": r["kind"]}]}],
            "subject": ref("Patient", r["patient_id"]), "sent": instant(r["created_at"], context),
        }
        if r["need_type"]:
            message["reasonCode"] = [{"coding": [{"system": NEED_TYPE_SYSTEM, "code": r["need_type"]}]}]
        if r["from_clinician_id"]:
            message["sender"] = ref("Practitioner", r["from_clinician_id"])
        elif r["sender_patient_id"]:
            message["sender"] = ref("Patient", r["sender_patient_id"])
        elif r["sender_name"]:
            message["sender"] = {"display": r["sender_name"]}  # a carer: no FHIR resource of ours names them
        if r["to_clinician_id"]:
            message["recipient"] = [ref("Practitioner", r["to_clinician_id"])]
        if r["body"]:
            message["payload"] = [{"contentString": r["body"]}]
        out.append(message)
    return out


SERVICE_REQUEST = ResourceType(
    "ServiceRequest", "Requests for care, formal referrals and social prescriptions", _requests, _render_requests,
    (PATIENT, SUBJECT, SearchParam("authored", "authored", "date", "When made, with ge/le/gt/lt/eq prefixes")),
    compartment=True)
COMMUNICATION = ResourceType(
    "Communication", "Advice between professionals about a patient (informal referrals) and the messages of the "
    "patient's team thread", _communications, _render_communications,
    (PATIENT, SUBJECT,
     SearchParam("sent", "created_at", "date", "When sent, with ge/le/gt/lt/eq prefixes"),
     SearchParam("sender", "from_clinician_id", "reference", "Who asked (Practitioner/ID)", target="Practitioner"),
     SearchParam("recipient", "to_clinician_id", "reference", "Who was asked (Practitioner/ID)",
                 target="Practitioner")),
    compartment=True)

__all__ = ["COMMUNICATION", "SERVICE_REQUEST"]
