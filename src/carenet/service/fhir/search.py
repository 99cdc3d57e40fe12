"""Read and search over the registry: a searchset Bundle with its total and paging, every patient's data read
decided by the access guard and audited.

Searching patient data (a type in the patient compartment) names the patient: ``patient=Patient/ID`` (or
``subject``), or ``_id`` of the resources wanted; a patient or carer searches their own record without naming it.
A search across patients is refused (400) rather than filtered: every patient whose data a search returns is then
one the guard decided on, and audited, before a row is read. Auditors search AuditEvent across patients (as
``GET /audit/events`` allows them). Staff search the rows of patient-data types that belong to no patient (the
network's teams, tasks about no one) without naming a patient.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from urllib.parse import urlencode

import sqlalchemy as sa

from carenet.service.access.guard import guard
from carenet.service.audit.log import AuditEntry, record
from carenet.service.auth.login import Principal
from carenet.service.fhir.model import Context, Json, ResourceType, SearchParam
from carenet.service.fhir.outcome import FhirError
from carenet.service.fhir.params import date_bounds, reference, token
from carenet.service.fhir.registry import REGISTRY
from carenet.service.people.roles import STAFF_ROLES
from carenet.service.store.rows import plain
from carenet.sources.fhir.ids import fhir_id

DEFAULT_COUNT, MAX_COUNT = 20, 100
MAX_OFFSET = 1_000_000
MAX_VALUE = 1000
FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
COMMON = ("_id", "_count", "_offset")
IGNORED = ("_format", "_pretty")
"""Parameters accepted and ignored (the answer is always JSON)."""
AUDITORS = ("practice_manager", "network_admin")
SELF_ROLES = ("patient", "carer")
_UUID_LENGTH = 36


def resource_type(name: str) -> ResourceType:
    found = REGISTRY.get(name)
    if found is None:
        raise FhirError(400 if name[:1].isupper() else 404, f"resource type {name!r} is not served here; the types "
                        f"are {', '.join(REGISTRY)} (GET /fhir/metadata)")
    return found


def require_staff(who: Principal, rt: ResourceType) -> None:
    if who.role not in STAFF_ROLES:
        raise FhirError(403, f"{rt.name} is for the network's staff; you are logged in as {who.role}")


def _int(name: str, values: list[str], default: int, low: int, high: int) -> int:
    if not values:
        return default
    try:
        number = int(values[-1])
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise FhirError(400, f"{name}={values[-1]!r}: give a whole number from {low} to {high}")
    return number


def parse(rt: ResourceType, query: list[tuple[str, str]]) -> tuple[dict[str, list[str]], int, int]:
    """The search's parameters by name, and its page size and offset; an unknown parameter is a 400."""
    params: dict[str, list[str]] = {}
    for name, value in query:
        if "\x00" in value or len(value) > MAX_VALUE:
            raise FhirError(400, f"{name}: a search value is text of at most {MAX_VALUE} characters, without NUL")
        base = name.split(":", 1)[0]
        if base in IGNORED:
            continue
        if base not in COMMON and rt.param(base) is None:
            known = ", ".join([*COMMON, *(p.name for p in rt.params)])
            raise FhirError(400, f"{rt.name} has no search parameter {name!r}; it is searched by {known}")
        if ":" in name:
            raise FhirError(400, f"{name!r}: search modifiers are not supported; use {base}=VALUE")
        if base not in ("date", "start") and rt.param(base) is not None and rt.param(base).kind != "date" \
                and base in params:
            raise FhirError(400, f"{base} is given twice; give it once (several values: {base}=A,B)")
        params.setdefault(base, []).append(value)
    count = _int("_count", params.pop("_count", []), DEFAULT_COUNT, 0, MAX_COUNT)
    offset = _int("_offset", params.pop("_offset", []), 0, 0, MAX_OFFSET)
    return params, count, offset


def _not_fhir_id(connection: sa.Connection, column) -> sa.ColumnElement:
    """Ids that are not FHIR ids (the only ones served as UUIDs), in the store's own dialect."""
    if connection.dialect.name == "postgresql":
        shape = column.op("!~")("^[A-Za-z0-9.-]+$")
    else:
        shape = column.op("GLOB")("*[^A-Za-z0-9.-]*")
    return sa.or_(shape, sa.func.length(column) > 64)


def resolve_id(connection: sa.Connection, rt: ResourceType, served: str) -> str | None:
    """The canonical id of the resource served as ``served`` (the same unless it had to be made a FHIR id)."""
    sub = rt.select().subquery()
    if connection.execute(sa.select(sub.c.id).where(sub.c.id == served).limit(1)).first() is not None:
        return served
    if len(served) == _UUID_LENGTH and not rt.ids_are_fhir_ids:  # served as a name-based UUID (not a FHIR id)
        for (canonical,) in connection.execute(sa.select(sub.c.id).where(_not_fhir_id(connection, sub.c.id))):
            if canonical is not None and fhir_id(rt.name, canonical) == served:
                return canonical
    return None


def _referenced(connection: sa.Connection, param: SearchParam, value: str) -> str:
    ident = reference(param.name, value, param.target or "")
    target = REGISTRY.get(param.target or "")
    if target is not None and target.select is not None and len(ident) == _UUID_LENGTH:
        return resolve_id(connection, target, ident) or ident
    return ident


def _condition(connection: sa.Connection, sub, param: SearchParam, values: list[str], context: Context):
    column = sub.c[param.column]
    if param.kind == "date":
        clauses = []
        for value in values:
            lower, upper = date_bounds(param.name, value, context.zone)
            bounds = [(b.date() if isinstance(column.type, sa.Date) and not isinstance(column.type, sa.DateTime)
                       else b.replace(tzinfo=context.zone).astimezone(dt.UTC)
                       if isinstance(column.type, sa.DateTime) and column.type.timezone else b)
                      if b is not None else None for b in (lower, upper)]
            if bounds[0] is not None:
                clauses.append(column >= bounds[0])
            if bounds[1] is not None:
                clauses.append(column < bounds[1])
        return sa.and_(*clauses)
    choices = [v for v in values[0].split(",") if v != ""]
    if not choices:
        raise FhirError(400, f"{param.name} is empty; give {param.name}=VALUE")
    if param.kind == "reference":
        return column.in_([_referenced(connection, param, v) for v in choices])
    if param.kind == "string":
        return sa.or_(*(sa.func.lower(column).startswith(v.lower(), autoescape=True) for v in choices))
    codes = [token(v) for v in choices]
    if param.values is not None:
        wrong = [c for c in codes if c not in param.values]
        if wrong:
            raise FhirError(400, f"{param.name}={','.join(wrong)} is not a code here; use one of "
                                 f"{', '.join(param.values)}")
        codes = [param.values[c] for c in codes]
    return column.in_(codes)


def _patients_named(connection: sa.Connection, rt: ResourceType, params: Mapping[str, list[str]]) -> list[str]:
    named = []
    for name in ("patient", "subject"):
        for value in params.get(name, []):
            named += [_referenced(connection, rt.param(name), v) for v in value.split(",") if v]
    return list(dict.fromkeys(named))


def _decide(connection: sa.Connection, who: Principal, rt: ResourceType, params: dict[str, list[str]], sub,
            context: Context, break_glass: str | None) -> list:
    """Who may see what this search returns: the conditions that keep it to the patients the guard allowed."""
    if not rt.compartment:
        require_staff(who, rt)
        return []
    named = _patients_named(connection, rt, params)
    if named:
        for patient_id in named:
            guard(connection, who, context.now, patient_id, rt.access, "search", break_glass_reason=break_glass)
        return [sub.c.patient_id.in_(named)]
    if who.role in SELF_ROLES and who.patient_id:
        guard(connection, who, context.now, who.patient_id, rt.access, "search")
        return [sub.c.patient_id == who.patient_id]
    narrowing = [k for k in ("_id", "identifier") if k in params]
    if narrowing:
        conditions = _filters(connection, rt, params, sub, context)
        found = connection.execute(sa.select(sub.c.patient_id).where(*conditions).distinct().limit(MAX_COUNT + 1)
                                   ).scalars().all()
        if len(found) > MAX_COUNT:
            raise FhirError(400, f"{', '.join(narrowing)} matches {rt.name} of more than {MAX_COUNT} patients; name "
                                 "the patient (patient=Patient/ID)")
        for patient_id in found:
            if patient_id is None:
                require_staff(who, rt)
            else:
                guard(connection, who, context.now, patient_id, rt.access, "search", break_glass_reason=break_glass)
        return []
    if rt.name == "AuditEvent" and who.role in AUDITORS:
        record(connection, AuditEntry(context.now, who.user_id, who.role, None, "AuditEvent", None, "search",
                                      "allowed", "auditor", "the audit log searched by an auditor (FHIR)"))
        return []
    if rt.unowned and who.role in STAFF_ROLES:
        return [sub.c.patient_id.is_(None)]
    example = "patient=Patient/ID" if rt.name != "Patient" else "_id=ID or identifier=NHS-NUMBER"
    raise FhirError(400, f"searching {rt.name} names the patient ({example}): searches across patients are not "
                         "offered, so that every patient's data read is decided by the access rules and audited")


def _filters(connection: sa.Connection, rt: ResourceType, params: Mapping[str, list[str]], sub, context: Context
             ) -> list:
    conditions = []
    for name, values in params.items():
        if name == "_id":
            ids = [v for v in values[0].split(",") if v]
            if not ids:
                raise FhirError(400, "_id is empty; give _id=ID")
            conditions.append(sub.c.id.in_([resolve_id(connection, rt, i) or i for i in ids]))
        elif name in ("patient", "subject"):
            continue  # decided (and applied) with access
        else:
            conditions.append(_condition(connection, sub, rt.param(name), values, context))
    return conditions


def search(connection: sa.Connection, who: Principal, rt: ResourceType, query: list[tuple[str, str]],
           context: Context, base_url: str, break_glass: str | None = None) -> Json:
    """The searchset Bundle of ``rt`` for ``query`` (the request's parameters, in order)."""
    params, count, offset = parse(rt, query)
    if rt.search is not None:
        require_staff(who, rt)
        total, resources = rt.search(connection, context, params, count, offset)
    else:
        sub = rt.select().subquery()
        access = _decide(connection, who, rt, params, sub, context, break_glass)
        conditions = [*access, *_filters(connection, rt, params, sub, context)]
        total = connection.execute(sa.select(sa.func.count()).select_from(sub).where(*conditions)).scalar_one()
        rows = [plain(r) for r in connection.execute(
            sa.select(sub).where(*conditions).order_by(sub.c[rt.order], sub.c.id).limit(count).offset(offset))]
        resources = rt.render(connection, rows, context) if rows else []
    return _bundle(rt, resources, total, query, count, offset, base_url)


def _bundle(rt: ResourceType, resources: list[Json], total: int, query: list[tuple[str, str]], count: int,
            offset: int, base_url: str) -> Json:
    kept = [(k, v) for k, v in query if k not in ("_count", "_offset")]

    def page(at: int) -> str:
        return f"{base_url}/{rt.name}?" + urlencode([*kept, ("_count", str(count)), ("_offset", str(at))])

    links = [{"relation": "self", "url": page(offset)}]
    if count and offset + count < total:
        links.append({"relation": "next", "url": page(offset + count)})
    if offset > 0:
        links.append({"relation": "previous", "url": page(max(offset - count, 0))})
    return {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links,
            "entry": [{"fullUrl": f"{base_url}/{r['resourceType']}/{r['id']}", "resource": r,
                       "search": {"mode": "match"}} for r in resources]}


def read(connection: sa.Connection, who: Principal, rt: ResourceType, resource_id: str, context: Context,
         break_glass: str | None = None) -> Json:
    """One resource by its id: 404 if there is none; patient data only past the guard (audited)."""
    if not FHIR_ID.match(resource_id):
        raise FhirError(404, f"{rt.name}/{resource_id} is not known here: a FHIR id is 1 to 64 letters, digits, "
                             "'-' and '.'")
    if rt.read is not None:
        require_staff(who, rt)
        found = rt.read(connection, context, resource_id)
        if found is None:
            raise FhirError(404, f"{rt.name}/{resource_id} is not known here")
        return found
    if not rt.compartment:
        require_staff(who, rt)
    canonical = resolve_id(connection, rt, resource_id)
    sub = rt.select().subquery()
    row = None if canonical is None else connection.execute(sa.select(sub).where(sub.c.id == canonical).limit(1)
                                                            ).first()
    if row is None:
        raise FhirError(404, f"{rt.name}/{resource_id} is not known here (search {rt.name} to find ids)")
    row = plain(row)
    if rt.compartment:
        if row["patient_id"] is None:
            require_staff(who, rt)
        else:
            guard(connection, who, context.now, row["patient_id"], rt.access, "read", resource_id=canonical,
                  break_glass_reason=break_glass)
    return rt.render(connection, [row], context)[0]


__all__ = ["AUDITORS", "DEFAULT_COUNT", "MAX_COUNT", "parse", "read", "require_staff", "resolve_id",
           "resource_type", "search"]
