"""What a resource type of the FHIR API is: where its rows come from, how a row becomes FHIR, how it is searched.

A :class:`ResourceType` selects its rows with one SQL query whose columns include ``id`` (the canonical id)
and, for patient data, ``patient_id`` (the patient compartment: every read goes through the access guard).
Served ids are :func:`~carenet.sources.fhir.ids.fhir_id` of the canonical id, as ``carenet export fhir``
writes them, so what the API serves imports back to the same rows.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import sqlalchemy as sa

from carenet.schema import TABLES
from carenet.service.store.rows import plain
from carenet.sources.fhir.export import fhir_resources
from carenet.sources.fhir.ids import fhir_id

if TYPE_CHECKING:
    from carenet.service.booking.engine import LiveNetwork

Json = dict[str, Any]
SEARCH_KINDS = ("token", "reference", "date", "string")


@dataclass(frozen=True)
class SearchParam:
    """A search parameter: ``kind`` token (``values`` maps FHIR codes to canonical ones), reference (to
    ``target``), date (with ge/le/gt/lt/eq prefixes) or string (starts with, any case) over ``column``."""

    name: str
    column: str
    kind: str
    doc: str
    target: str | None = None
    values: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Context:
    """What rendering and searching need besides the connection: the practices' clock zone, the booking engine."""

    timezone: str
    now: dt.datetime
    live: LiveNetwork | None = None

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


Render = Callable[[sa.Connection, list[Json], Context], list[Json]]


@dataclass(frozen=True)
class ResourceType:
    """A FHIR resource type served from the store.

    ``select`` gives its rows (columns ``id``, ``patient_id`` for patient data, and whatever ``render`` needs);
    ``render`` turns a page of rows into resources, in order; ``compartment`` marks patient data (the guard decides
    every read, under the access policies' resource name ``access``); ``unowned`` says some rows belong to no
    patient (organisational care teams, tasks about no one) - staff see those. ``search``/``read`` replace the
    generic ones for a type not held as rows (Slot).
    """

    name: str
    doc: str
    select: Callable[[], sa.Select] | None
    render: Render
    params: tuple[SearchParam, ...] = ()
    compartment: bool = False
    unowned: bool = False
    order: str = "id"
    search: Callable[..., tuple[int, list[Json]]] | None = None
    read: Callable[..., Json | None] | None = None
    ids_are_fhir_ids: bool = False
    """Every id of ``select`` is a FHIR id already (it is served as it is; no reverse look-up is needed)."""

    @property
    def access(self) -> str:
        return self.name

    def param(self, name: str) -> SearchParam | None:
        return next((p for p in self.params if p.name == name), None)


def ref(resource_type: str, canonical: str) -> Json:
    """A reference to the resource of a canonical id, as the API serves it."""
    return {"reference": f"{resource_type}/{fhir_id(resource_type, canonical)}"}


def instant(moment: dt.datetime | None, context: Context) -> str | None:
    """A canonical wall-clock timestamp as a FHIR instant with the practices' offset."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=context.zone)
    return moment.isoformat(timespec="seconds")


def exported_all(tables: Mapping[str, Iterable[Json]], context: Context) -> list[Json]:
    """Canonical rows written as ``carenet export fhir`` writes them (so they import back to the same rows)."""
    arrow = {}
    for name, rows in tables.items():
        schema = TABLES[name].schema
        arrow[name] = pa.Table.from_pylist([{f.name: row.get(f.name) for f in schema} for row in rows], schema=schema)
    return list(fhir_resources(arrow, context.timezone))


def exported(tables: Mapping[str, Iterable[Json]], context: Context, resource_type: str) -> list[Json]:
    """:func:`exported_all`, keeping the resources of ``resource_type``."""
    return [r for r in exported_all(tables, context) if r["resourceType"] == resource_type]


def rows_of(connection: sa.Connection, table: sa.Table, column: str, keys: Iterable[str]) -> list[Json]:
    keys = list(dict.fromkeys(keys))
    if not keys:
        return []
    return [plain(r) for r in connection.execute(sa.select(table).where(table.c[column].in_(keys)))]


__all__ = ["SEARCH_KINDS", "Context", "Json", "Render", "ResourceType", "SearchParam", "exported", "exported_all",
           "instant", "ref", "rows_of"]
