"""A transaction Bundle POSTed to ``/fhir``: read exactly as ``carenet import fhir`` reads a file, then loaded into
the store in the request's transaction - every row or none.

Rows the store already holds with the same values are left as they are (posting a Bundle twice adds nothing);
the networks, practices and clinicians the store already holds are kept as held; any other row whose key the store
holds with other values is a conflict (409), and nothing is loaded. Each patient loaded is audited as created.
"""

from __future__ import annotations

from functools import cache

import orjson
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from carenet.params import parameter
from carenet.schema import TABLES
from carenet.service.audit.log import AuditEntry, record
from carenet.service.auth.login import Principal
from carenet.service.fhir.model import Json
from carenet.service.fhir.outcome import FhirError
from carenet.service.store.rows import plain
from carenet.service.store.tables import CANONICAL
from carenet.service.store.transfer import insert_tables
from carenet.service.worklists.cache import mark_changed
from carenet.sources.fhir import FhirDefaults, read_fhir_document
from carenet.sources.fhir.vocabulary import READ_TYPES
from carenet.sources.problems import ImportFailed

LOADERS = ("network_admin",)
KEPT_AS_HELD = ("networks", "practices", "clinicians")
"""Reference tables: a Bundle's copy of a row the store holds (a practice with one patient's list size) is not
news."""
PROBLEMS_SHOWN = 50


@cache
def defaults() -> FhirDefaults:
    return FhirDefaults.from_parameters(parameter("fhir_import"))


def _check_bundle(body: Json) -> list:
    if body.get("resourceType") != "Bundle":
        raise FhirError(400, f"POST /fhir takes a Bundle of type transaction, not {body.get('resourceType')!r}")
    if body.get("type") != "transaction":
        raise FhirError(400, f"Bundle.type is {body.get('type')!r}; POST /fhir takes a transaction Bundle "
                             "(type: transaction)")
    entries = body.get("entry") or []
    if not isinstance(entries, list):
        raise FhirError(400, "Bundle.entry must be a list of entries")
    for i, entry in enumerate(entries):
        request = entry.get("request") if isinstance(entry, dict) else None
        method = request.get("method") if isinstance(request, dict) else None
        if method not in ("POST", "PUT"):
            raise FhirError(422, f"Bundle entry {i}: request.method is {method!r}; a transaction here creates or "
                                 "updates (POST or PUT)")
    return entries


def _key(row: dict, key: tuple[str, ...]) -> tuple:
    return tuple(row[k] for k in key)


def _new_rows(connection: sa.Connection, name: str, table: pa.Table) -> pa.Table:
    """The rows of ``table`` the store does not hold yet; a conflict with what it holds is a 409."""
    key = TABLES[name].primary_key
    incoming = table.to_pylist()
    column = CANONICAL[name].c[key[0]]
    held: dict[tuple, dict] = {}
    firsts = list({row[key[0]] for row in incoming})
    for start in range(0, len(firsts), 500):
        for found in connection.execute(sa.select(CANONICAL[name]).where(column.in_(firsts[start:start + 500]))):
            values = plain(found)
            held[_key(values, key)] = values
    fresh = []
    for row in incoming:
        existing = held.get(_key(row, key))
        if existing is None:
            fresh.append(row)
            continue
        if name in KEPT_AS_HELD:
            continue
        differing = [c for c in row if c in existing and existing[c] != row[c]]
        if differing:
            raise FhirError(409, f"the store already holds {name} {'/'.join(map(str, _key(row, key)))} with other "
                                 f"values ({', '.join(differing)}); nothing was loaded")
    return pa.Table.from_pylist(fresh, schema=table.schema)


def _response(entries: list) -> list[Json]:
    out = []
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if kind in READ_TYPES:
            response: Json = {"status": "201 Created"}
            if isinstance(resource.get("id"), str):
                response["location"] = f"{kind}/{resource['id']}"
        else:
            response = {"status": "200 OK", "outcome": {"resourceType": "OperationOutcome", "issue": [{
                "severity": "information", "code": "informational",
                "diagnostics": f"{kind or 'this entry'} is not kept by carenet (it reads "
                               f"{', '.join(READ_TYPES)})"}]}}
        out.append({"response": response})
    return out


def transaction(connection: sa.Connection, who: Principal, body: Json, now) -> Json:
    """Load a transaction Bundle; the transaction-response Bundle (400/403/409/422 OperationOutcome if refused)."""
    if who.role not in LOADERS:
        raise FhirError(403, f"loading data is for {', '.join(LOADERS)}; you are logged in as {who.role}")
    entries = _check_bundle(body)
    try:
        result = read_fhir_document(orjson.dumps(body), "Bundle", defaults())
    except ImportFailed as failed:
        problems = [f"{p.location or 'Bundle'}: {p.reason}" for p in failed.problems]
        shown = problems[:PROBLEMS_SHOWN] + ([f"... and {len(problems) - PROBLEMS_SHOWN} more"]
                                             if len(problems) > PROBLEMS_SHOWN else [])
        raise FhirError(422, f"the Bundle cannot be loaded: {len(problems)} problem(s), nothing was loaded",
                        shown) from None
    try:
        with connection.begin_nested():
            fresh = {name: _new_rows(connection, name, table) for name, table in result.tables.items()
                     if table.num_rows and name in TABLES}
            insert_tables(connection, fresh)
            _check_references(connection, fresh)  # the store checks references only at commit: check them now
    except DBAPIError as exc:  # a key or reference the store refuses, a value it cannot hold
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        raise FhirError(409, f"the store refused the Bundle's rows ({reason}); nothing was loaded") from None
    for patient_id in (fresh["patients"].column("patient_id").to_pylist() if "patients" in fresh else []):
        record(connection, AuditEntry(now, who.user_id, who.role, patient_id, "Patient", patient_id, "create",
                                      "allowed", "fhir-transaction", "loaded by a transaction Bundle"))
    mark_changed(connection)  # loaded conditions, appointments and plans change who is on the worklists
    bundle: Json = {"resourceType": "Bundle", "type": "transaction-response"}
    if entries:
        bundle["entry"] = _response(entries)
    return bundle


def _check_references(connection: sa.Connection, tables: dict[str, pa.Table]) -> None:
    """Every reference of the new rows resolves in the store (the store checks them only at commit)."""
    for name, table in tables.items():
        for column, (target, target_column) in TABLES[name].references.items():
            values = {v for v in table.column(column).to_pylist() if v is not None}
            if not values:
                continue
            wanted = list(values)
            found = set()
            for start in range(0, len(wanted), 500):
                found |= set(connection.execute(sa.select(CANONICAL[target].c[target_column]).where(
                    CANONICAL[target].c[target_column].in_(wanted[start:start + 500]))).scalars())
            missing = sorted(values - found)
            if missing:
                raise FhirError(422, f"{name}.{column} refers to {target} {', '.join(map(str, missing[:5]))}, which "
                                     "neither the Bundle nor the store holds; nothing was loaded")


__all__ = ["LOADERS", "transaction"]
