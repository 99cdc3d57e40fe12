"""Informal advice between professionals: a question to a named colleague about a patient, and its answer, with
when each was given (the time to answer). Each is a canonical ``referrals`` row of kind ``informal`` (what the
informal-referral share of the scorecard counts), its words in ``referral_notes`` and ``advice_answers``."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from fastapi import HTTPException

from carenet.service.auth.login import Principal
from carenet.service.people.lookup import require_clinician
from carenet.service.referrals.tables import ADVICE_ANSWERS, REFERRAL_NOTES
from carenet.service.settings import ServiceSettings
from carenet.service.store.rows import plain
from carenet.service.store.tables import CANONICAL

INFORMAL = "informal"


def new_advice_id() -> str:
    return f"ADV-{uuid.uuid4().hex[:16]}"


def ask(connection: sa.Connection, referral_id: str, patient_id: str, who: Principal, now: dt.datetime,
        settings: ServiceSettings, *, to_clinician_id: str, question: str, need_type: str | None) -> dict:
    """Ask a colleague's advice about the patient."""
    require_clinician(connection, to_clinician_id, "to_clinician_id")
    if to_clinician_id == who.clinician_id:
        raise HTTPException(422, "to_clinician_id: advice is asked of a colleague, not of yourself")
    connection.execute(CANONICAL["referrals"].insert().values(
        referral_id=referral_id, patient_id=patient_id, from_clinician_id=who.clinician_id,
        to_clinician_id=to_clinician_id, to_service_id=None, kind=INFORMAL, need_type=need_type,
        created_at=settings.wall_clock(now)))
    connection.execute(REFERRAL_NOTES.insert().values(referral_id=referral_id, text=question, asked_by=who.user_id,
                                                      asked_at=now))
    return {"referral_id": referral_id, "patient_id": patient_id, "kind": INFORMAL,
            "from_clinician_id": who.clinician_id, "to_clinician_id": to_clinician_id, "need_type": need_type,
            "question": question, "asked_by": who.user_id, "asked_at": now, "answer": None, "answered_at": None,
            "answered_by": None, "minutes_to_answer": None}


def answer(connection: sa.Connection, patient_id: str, referral_id: str, who: Principal, now: dt.datetime,
           text: str) -> dict:
    """Answer an advice request: the clinician asked answers it, once."""
    found = _requests(connection, patient_id, referral_id)
    if not found:
        raise HTTPException(404, f"this patient has no advice request {referral_id!r}")
    request = found[0]
    if request["to_clinician_id"] != who.clinician_id:
        raise HTTPException(403, f"advice request {referral_id} was asked of {request['to_clinician_id']}; only they "
                                 "answer it")
    if request["answered_at"] is not None:
        raise HTTPException(409, f"advice request {referral_id} was answered at {request['answered_at'].isoformat()}")
    connection.execute(ADVICE_ANSWERS.insert().values(referral_id=referral_id, answer=text, answered_by=who.user_id,
                                                      answered_at=now))
    return {**request, "answer": text, "answered_by": who.user_id, "answered_at": now,
            "minutes_to_answer": _minutes(request["asked_at"], now)}


def _minutes(asked: dt.datetime, answered: dt.datetime | None) -> float | None:
    if answered is None:
        return None
    return round((_utc(answered) - _utc(asked)).total_seconds() / 60, 1)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _requests(connection: sa.Connection, patient_id: str | None, referral_id: str | None = None,
              to_clinician_id: str | None = None) -> list[dict]:
    referrals, notes, answers = CANONICAL["referrals"], REFERRAL_NOTES, ADVICE_ANSWERS
    query = (sa.select(referrals.c.referral_id, referrals.c.patient_id, referrals.c.kind,
                       referrals.c.from_clinician_id, referrals.c.to_clinician_id, referrals.c.need_type,
                       notes.c.text.label("question"), notes.c.asked_by, notes.c.asked_at, answers.c.answer,
                       answers.c.answered_by, answers.c.answered_at)
             .join(notes, notes.c.referral_id == referrals.c.referral_id)
             .outerjoin(answers, answers.c.referral_id == referrals.c.referral_id)
             .where(referrals.c.kind == INFORMAL).order_by(notes.c.asked_at, referrals.c.referral_id))
    if patient_id is not None:
        query = query.where(referrals.c.patient_id == patient_id)
    if referral_id is not None:
        query = query.where(referrals.c.referral_id == referral_id)
    if to_clinician_id is not None:
        query = query.where(referrals.c.to_clinician_id == to_clinician_id, answers.c.referral_id.is_(None))
    out = []
    for row in connection.execute(query):
        item = plain(row)
        item["minutes_to_answer"] = _minutes(item["asked_at"], item["answered_at"])
        out.append(item)
    return out


def advice_requests(connection: sa.Connection, patient_id: str) -> list[dict]:
    """The patient's advice requests, oldest first, each with its answer and minutes to answer (null: waiting)."""
    return _requests(connection, patient_id)


def waiting_for(connection: sa.Connection, clinician_id: str) -> list[dict]:
    """Advice requests asked of ``clinician_id`` not yet answered, oldest first."""
    return _requests(connection, None, to_clinician_id=clinician_id)


__all__ = ["advice_requests", "answer", "ask", "new_advice_id", "waiting_for"]
