"""Versioned personalised care and support plans: a plan made, a plan revised, a plan read with its history.

A revision names the version it edits (optimistic concurrency): if another has been recorded since, it is refused
with 409 naming the current version, and nothing is written. The plan's canonical ``care_plans`` row is locked
while the next version is decided (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's transactions are ``BEGIN
IMMEDIATE``), so two revisions of one version never both succeed; the versions' primary key refuses it besides.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from fastapi import HTTPException

from carenet.service.access.guard import AuditedRefusal
from carenet.service.auth.login import Principal
from carenet.service.careplans.tables import CARE_PLAN_VERSIONS
from carenet.service.people.lookup import require_clinician
from carenet.service.settings import ServiceSettings
from carenet.service.store.rows import plain
from carenet.service.store.tables import CANONICAL
from carenet.service.worklists.cache import mark_changed

VERSIONS = CARE_PLAN_VERSIONS


@dataclass(frozen=True)
class PlanContent:
    """What one version of a plan says (PRSB personalised care and support plan)."""

    title: str
    status: str
    about_me: str | None
    what_matters: str | None
    goals: list[str]
    goals_patient_set: bool
    actions: list[dict]
    key_worker_id: str | None
    review_date: dt.date | None


def _check(connection: sa.Connection, content: PlanContent, agreed: dt.date) -> None:
    if content.key_worker_id is not None:
        require_clinician(connection, content.key_worker_id, "key_worker_id")
    if content.review_date is not None and content.review_date < agreed:
        raise HTTPException(422, f"review_date {content.review_date} is before the plan was agreed ({agreed})")


def _write(connection: sa.Connection, plan_id: str, version: int, patient_id: str, content: PlanContent,
           agreed: dt.date, settings: ServiceSettings, who: Principal, now: dt.datetime) -> dict:
    review = content.review_date or agreed + dt.timedelta(days=settings.care_plan_review_days)
    row = {"care_plan_id": plan_id, "version": version, "patient_id": patient_id, "status": content.status,
           "title": content.title, "about_me": content.about_me, "what_matters": content.what_matters,
           "goals": list(content.goals), "goals_patient_set": content.goals_patient_set,
           "actions": list(content.actions), "key_worker_id": content.key_worker_id, "agreed_date": agreed,
           "review_date": review, "recorded_at": now, "recorded_by": who.user_id}
    connection.execute(VERSIONS.insert().values(**row))
    projection = {"key_worker_id": content.key_worker_id, "status": content.status, "review_date": review,
                  "goals": list(content.goals) or None, "goals_patient_set": content.goals_patient_set}
    plans = CANONICAL["care_plans"]
    if version == 1:
        connection.execute(plans.insert().values(care_plan_id=plan_id, patient_id=patient_id, created_date=agreed,
                                                 **projection))
    else:
        connection.execute(plans.update().where(plans.c.care_plan_id == plan_id).values(**projection))
    return row


def create_plan(connection: sa.Connection, patient_id: str, content: PlanContent, agreed: dt.date,
                settings: ServiceSettings, who: Principal, now: dt.datetime, plan_id: str | None = None) -> dict:
    """Record a new plan as its version 1 (and its canonical row)."""
    _check(connection, content, agreed)
    mark_changed(connection)  # a plan takes a patient off the worklist of those without one
    return _write(connection, plan_id or new_plan_id(), 1, patient_id, content, agreed, settings, who, now)


def new_plan_id() -> str:
    return f"CP-{uuid.uuid4().hex[:16]}"


def revise_plan(connection: sa.Connection, patient_id: str, plan_id: str, base_version: int, content: PlanContent,
                settings: ServiceSettings, who: Principal, now: dt.datetime) -> dict:
    """Record the next version of the plan, edited from ``base_version`` (409 if that is not the current one)."""
    plans = CANONICAL["care_plans"]
    plan = connection.execute(sa.select(plans.c.care_plan_id, plans.c.created_date).where(
        plans.c.care_plan_id == plan_id, plans.c.patient_id == patient_id).with_for_update()).first()
    if plan is None:
        raise HTTPException(404, f"this patient has no care plan {plan_id!r}")
    current = connection.execute(sa.select(sa.func.max(VERSIONS.c.version)).where(
        VERSIONS.c.care_plan_id == plan_id)).scalar_one() or 0
    if base_version != current:
        raise HTTPException(409, f"care plan {plan_id} is at version {current}; your change edits version "
                                 f"{base_version}. Read version {current} and make your change to it "
                                 f"(base_version={current})")
    _check(connection, content, plan.created_date)
    mark_changed(connection)  # its status and review date decide who is on the worklists
    return _write(connection, plan_id, current + 1, patient_id, content, plan.created_date, settings, who, now)


def plan_with_history(connection: sa.Connection, patient_id: str, plan_id: str) -> dict:
    """The plan's canonical row, its latest version in full and every version (newest first)."""
    plans = CANONICAL["care_plans"]
    plan = connection.execute(sa.select(plans).where(plans.c.care_plan_id == plan_id,
                                                     plans.c.patient_id == patient_id)).first()
    if plan is None:  # the read was audited: the record of it is kept
        raise AuditedRefusal(404, f"this patient has no care plan {plan_id!r}")
    versions = [plain(r) for r in connection.execute(
        sa.select(VERSIONS).where(VERSIONS.c.care_plan_id == plan_id).order_by(VERSIONS.c.version.desc()))]
    history = [{k: v[k] for k in ("version", "status", "recorded_at", "recorded_by", "title")} for v in versions]
    return {**plain(plan), "version": versions[0]["version"] if versions else None,
            "current": versions[0] if versions else None, "history": history}


def plans_of(connection: sa.Connection, patient_id: str) -> list[dict]:
    """The patient's care plans (canonical rows, loaded or made here) with their latest version, if recorded here."""
    plans = CANONICAL["care_plans"]
    latest = sa.select(VERSIONS.c.care_plan_id, sa.func.max(VERSIONS.c.version).label("version")).where(
        VERSIONS.c.patient_id == patient_id).group_by(VERSIONS.c.care_plan_id).subquery()
    rows = connection.execute(sa.select(plans, latest.c.version).outerjoin(
        latest, latest.c.care_plan_id == plans.c.care_plan_id).where(plans.c.patient_id == patient_id)
        .order_by(plans.c.created_date, plans.c.care_plan_id)).all()
    out = []
    for row in rows:
        item = plain(row)
        if item["version"] is not None:
            full = connection.execute(sa.select(VERSIONS).where(VERSIONS.c.care_plan_id == item["care_plan_id"],
                                                                VERSIONS.c.version == item["version"])).one()
            item.update(title=full.title, about_me=full.about_me, what_matters=full.what_matters,
                        actions=full.actions)
        out.append(item)
    return out


__all__ = ["PlanContent", "create_plan", "new_plan_id", "plan_with_history", "plans_of", "revise_plan"]
