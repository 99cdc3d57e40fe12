"""Deciding one request: the facts about the requester and the patient, then the policies over them.

:func:`gather` reads the facts from the store (relationships, agreements, consents);
:func:`evaluate` is pure - policies over facts - so the access matrix tests it over every
combination without a database.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

import sqlalchemy as sa

from carenet.service.access.policies import POLICIES, Policy
from carenet.service.access.tables import CONSENTS, DATA_SHARING_AGREEMENTS
from carenet.service.auth.login import Principal
from carenet.service.auth.scopes import Scope, permits
from carenet.service.careteam.tables import CARE_TEAM_MEMBERS
from carenet.service.store.statements import Compiled
from carenet.service.store.tables import CANONICAL

MISSING = {
    "agreement": "no data-sharing agreement between the patient's practice and yours is in force",
    "share_out": "the patient has not consented to their practice sharing their record",
    "share_in": "the patient has not consented to your organisation seeing their shared record",
    "carer_consent": "the patient has not consented to share this with you",
    "break_glass_reason": "break-glass access needs a reason (X-Break-Glass-Reason header, at least 10 characters)",
}
BREAK_GLASS_MIN_REASON = 10


@dataclass(frozen=True)
class Facts:
    """What holds between a requester and a patient."""

    relationships: frozenset[str]
    conditions: frozenset[str]
    carer_resources: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Decision:
    allowed: bool
    policy: str | None
    reason: str
    break_glass: bool = False


_ACTIONS = {"read": "reading", "search": "searching", "create": "creating", "update": "changing", "delete": "deleting"}


def _plural(resource: str) -> str:
    """A resource type in words: ``CarePlan`` → ``care plans``."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", resource).lower() + "s"


def _holds(policy: Policy, facts: Facts, resource: str) -> list[str]:
    missing = []
    for condition in policy.requires:
        held = (resource in facts.carer_resources) if condition == "carer_consent" else condition in facts.conditions
        if not held:
            missing.append(condition)
    return missing


def evaluate(role: str, scopes: tuple[Scope, ...], facts: Facts, resource: str, action: str) -> Decision:
    """The decision of the policies for ``role`` doing ``action`` (read or write) on ``resource`` given ``facts``."""
    if not permits(scopes, resource, action):
        words = f"{_ACTIONS.get(action, action)} {_plural(resource)}"
        return Decision(False, None, f"the {role.replace('_', ' ')} role's access does not cover {words} (the "
                                     f"session's scopes do not allow {action} of {resource})")
    closest: tuple[Policy, list[str]] | None = None
    candidates = [p for p in POLICIES if role in p.roles and resource in p.resources and action in p.actions]
    for policy in candidates:
        if policy.relationship != "any" and policy.relationship not in facts.relationships:
            continue
        missing = _holds(policy, facts, resource)
        if not missing:
            reason = policy.description if not policy.break_glass else "break-glass: " + policy.description
            return Decision(True, policy.name, reason, policy.break_glass)
        if closest is None or (closest[0].break_glass and not policy.break_glass):
            closest = (policy, missing)
    if not candidates:
        return Decision(False, None, f"no access policy lets a {role} {action} {resource}")
    if closest is None:
        return Decision(False, None, f"a {role} may {action} {resource} only of patients they care for "
                                     f"({', '.join(sorted({p.relationship for p in candidates}))}); this patient is "
                                     "not one")
    policy, missing = closest
    return Decision(False, policy.name, "; ".join(MISSING[m] for m in missing))


def _latest_consent(connection: sa.Connection, patient_id: str, kind: str, **match) -> sa.Row | None:
    query = sa.select(CONSENTS).where(CONSENTS.c.patient_id == patient_id, CONSENTS.c.kind == kind)
    for column, value in match.items():
        query = query.where(CONSENTS.c[column] == value)
    return connection.execute(query.order_by(CONSENTS.c.recorded_at.desc(), CONSENTS.c.consent_id.desc())
                              .limit(1)).first()


def patient_home(connection: sa.Connection, patient_id: str) -> tuple[str, str | None] | None:
    """The patient's practice and network, or None if the store has no such patient."""
    patients, practices = CANONICAL["patients"], CANONICAL["practices"]
    row = connection.execute(sa.select(patients.c.practice_id, practices.c.network_id)
                             .join(practices, practices.c.practice_id == patients.c.practice_id)
                             .where(patients.c.patient_id == patient_id)).first()
    return (row.practice_id, row.network_id) if row else None


def _care_team() -> sa.Exists:
    """Whether the clinician (bound ``clinician_id``) is on the patient's (``patient_id``) care team: named
    clinician, member of the panel's team, key worker of a live care plan, or added to the team."""
    panels, members, plans = CANONICAL["panels"], CANONICAL["team_members"], CANONICAL["care_plans"]
    patient_id, clinician_id = sa.bindparam("patient_id"), sa.bindparam("clinician_id")
    named = sa.select(panels.c.patient_id).where(panels.c.patient_id == patient_id,
                                                 panels.c.clinician_id == clinician_id)
    team = sa.select(panels.c.patient_id).join(members, members.c.team_id == panels.c.team_id).where(
        panels.c.patient_id == patient_id, members.c.clinician_id == clinician_id)
    key = sa.select(plans.c.patient_id).where(plans.c.patient_id == patient_id, plans.c.key_worker_id == clinician_id,
                                              sa.or_(plans.c.status == "draft", plans.c.status == "active"))
    added = CARE_TEAM_MEMBERS
    member = sa.select(added.c.patient_id).where(added.c.patient_id == patient_id, added.c.clinician_id == clinician_id,
                                                 added.c.ended_at.is_(None))
    return sa.union_all(named, team, key, member).exists()


@functools.cache
def _standing_query(in_team: bool, own_practice: bool) -> sa.Select:
    """The query of :func:`_standing`, built once for each of its forms (building it took more CPU than running
    it); it runs as :func:`_standing_compiled`."""
    patients, practices = CANONICAL["patients"], CANONICAL["practices"]
    own = practices.alias("own")
    own_network = sa.select(own.c.network_id).where(own.c.practice_id == sa.bindparam("who_practice")) \
        .scalar_subquery() if own_practice else sa.null()
    return (sa.select(patients.c.practice_id, practices.c.network_id,
                      (_care_team() if in_team else sa.false()).label("in_team"), own_network.label("own_network"))
            .join(practices, practices.c.practice_id == patients.c.practice_id)
            .where(patients.c.patient_id == sa.bindparam("patient_id")))


_COMPILED: dict[tuple[str, bool, bool], Compiled] = {}


def _standing_compiled(dialect: sa.Dialect, in_team: bool, own_practice: bool) -> Compiled:
    """:func:`_standing_query` compiled once for each kind of database (:class:`~carenet.service.store.statements
    .Compiled`): every request runs it, and SQLAlchemy would otherwise walk the whole query each time."""
    key = (dialect.name, in_team, own_practice)
    found = _COMPILED.get(key)
    if found is None:
        found = _COMPILED[key] = Compiled.of(_standing_query(in_team, own_practice), dialect)
    return found


def _standing(connection: sa.Connection, who: Principal, patient_id: str) -> sa.Row | None:
    """In one query: the patient's practice and network, whether ``who`` is on their care team (when ``who`` is a
    clinician of a practice or network) and the network of ``who``'s practice; None if there is no such patient."""
    own_record = who.role in ("patient", "carer") and who.patient_id == patient_id
    staff = not own_record and (who.practice_id is not None or who.network_id is not None)
    in_team = bool(staff and who.clinician_id)
    query = _standing_compiled(connection.dialect, in_team, who.practice_id is not None)
    params = {"patient_id": patient_id}
    if in_team:
        params["clinician_id"] = who.clinician_id
    if who.practice_id is not None:
        params["who_practice"] = who.practice_id
    return query.execute(connection, params).first()


def gather(connection: sa.Connection, who: Principal, patient_id: str, now: dt.datetime,
           break_glass_reason: str | None = None) -> Facts | None:
    """The facts between ``who`` and the patient (None: the store has no such patient)."""
    home = _standing(connection, who, patient_id)
    if home is None:
        return None
    practice, network = home.practice_id, home.network_id
    relationships, conditions = set(), set()
    carer_resources: frozenset[str] = frozenset()
    organisation = who.practice_id or who.network_id
    if who.role == "patient" and who.patient_id == patient_id:
        relationships.add("self")
    elif who.role == "carer" and who.patient_id == patient_id:
        relationships.add("carer_of")
        consent = _latest_consent(connection, patient_id, "carer", grantee_user_id=who.user_id)
        if consent is not None and consent.granted:
            carer_resources = frozenset((consent.resources or "").split())
    elif who.practice_id is not None or who.network_id is not None:
        if who.practice_id == practice:
            relationships.add("own_practice")
        elif who.network_id == network or home.own_network == network:
            relationships.add("network")
        if home.in_team:
            relationships.add("care_team")
    if organisation is not None and "network" in relationships:
        today = now.date()
        dsa = DATA_SHARING_AGREEMENTS
        agreement = connection.execute(sa.select(dsa.c.agreement_id).where(
            dsa.c.from_practice_id == practice, dsa.c.to_organisation_id.in_([organisation, network]),
            dsa.c.start_date <= today, sa.or_(dsa.c.end_date.is_(None), dsa.c.end_date >= today)).limit(1)).first()
        if agreement is not None:
            conditions.add("agreement")
        out = _latest_consent(connection, patient_id, "share_out")
        if out is not None and out.granted:
            conditions.add("share_out")
        shared_in = _latest_consent(connection, patient_id, "share_in", organisation_id=organisation)
        if shared_in is not None and shared_in.granted:
            conditions.add("share_in")
    if break_glass_reason and len(break_glass_reason.strip()) >= BREAK_GLASS_MIN_REASON:
        conditions.add("break_glass_reason")
    return Facts(frozenset(relationships), frozenset(conditions), carer_resources)


__all__ = ["BREAK_GLASS_MIN_REASON", "MISSING", "Decision", "Facts", "evaluate", "gather", "patient_home"]
