"""The facts carenet takes from each resource type, as columns: one Arrow table per type and piece.

The extractors of :mod:`carenet.sources.fhir.extract` return one plain tuple per resource, in the
column order below; the reading workers turn a piece's tuples into an Arrow table at once, so no
per-resource object crosses between processes. Reference columns hold the reference as written
(``urn:uuid:…``, ``Type/id``, absolute URL or ``Type?identifier=system|value``); they are resolved
once every input has been read. Repeated elements are list columns; the parts of a repeated pair
(a participant's reference and role) are parallel lists.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

_TEXT = pa.string()
_TEXTS = pa.list_(pa.string())
_NUMBER = pa.float64()
_INTEGER = pa.int64()

_HEAD = (("id", _TEXT), ("where", _TEXT))
"""Every fact table starts with the resource id and where it was read (``line 12 (Patient/p1)``)."""

_CONTACT = (
    *_HEAD, ("resource_type", _TEXT), ("carenet_id", _TEXT), ("status", _TEXT), ("mode", _TEXT), ("subject", _TEXT),
    ("participant_refs", _TEXTS), ("participant_roles", _TEXTS), ("start", _TEXT), ("end", _TEXT),
    ("minutes", _NUMBER), ("created", _TEXT), ("site", _TEXT), ("practice", _TEXT), ("urgency", _TEXT),
    ("need_type", _TEXT), ("appointments", _TEXTS),
)
"""An Encounter or an Appointment: both become appointments."""

FACT_SCHEMAS: dict[str, pa.Schema] = {kind: pa.schema(columns) for kind, columns in {
    "Organization": (*_HEAD, ("carenet_id", _TEXT), ("ods", _TEXT), ("name", _TEXT), ("part_of", _TEXT),
                     ("network_kind", _TEXT), ("postcode", _TEXT), ("imd_score", _NUMBER), ("list_size", _INTEGER)),
    "Practitioner": (*_HEAD, ("carenet_id", _TEXT), ("name", _TEXT), ("role", _TEXT)),
    "PractitionerRole": (*_HEAD, ("practitioner", _TEXT), ("organization", _TEXT), ("role", _TEXT),
                         ("working_days", _TEXT), ("fte", _NUMBER), ("sessions", _NUMBER)),
    "Patient": (*_HEAD, ("carenet_id", _TEXT), ("nhs_number", _TEXT), ("birth_date", _TEXT), ("sex", _TEXT),
                ("death", _TEXT), ("general_practitioners", _TEXTS), ("managing_organization", _TEXT),
                ("deprivation_decile", _INTEGER), ("household", _TEXT), ("homeless", pa.bool_()),
                ("registration_practices", _TEXTS),
                ("registration_starts", _TEXTS), ("registration_ends", _TEXTS)),
    "Encounter": _CONTACT,
    "Appointment": _CONTACT,
    "Condition": (*_HEAD, ("subject", _TEXT), ("snomed_code", _TEXT), ("onset", _TEXT), ("abatement", _TEXT)),
    "CarePlan": (*_HEAD, ("carenet_id", _TEXT), ("subject", _TEXT), ("status", _TEXT), ("created", _TEXT),
                 ("review", _TEXT), ("key_workers", _TEXTS), ("goals", _TEXTS), ("goals_patient_set", pa.bool_())),
    "Goal": (*_HEAD, ("description", _TEXT), ("expressed_by", _TEXT)),
    "CareTeam": (*_HEAD, ("carenet_id", _TEXT), ("name", _TEXT), ("kind", _TEXT), ("subject", _TEXT),
                 ("start", _TEXT), ("organizations", _TEXTS), ("member_refs", _TEXTS), ("member_roles", _TEXTS)),
}.items()}
"""Columns of the facts of each resource type carenet reads."""

KEY_SCHEMA = pa.schema([("kind", _TEXT), ("id", _TEXT), ("where", _TEXT)])
"""Every resource of a type carenet reads, valid or not: for duplicate ids and for resolving references."""

IDENTIFIER_SCHEMA = pa.schema([("kind", _TEXT), ("system", _TEXT), ("value", _TEXT), ("id", _TEXT)])
"""The identifiers of the valid resources carenet reads: for conditional and logical references."""


def fact_table(kind: str, rows: Sequence[tuple]) -> pa.Table:
    """The fact table of ``kind`` from its rows (tuples in the column order of :data:`FACT_SCHEMAS`)."""
    return rows_table(FACT_SCHEMAS[kind], rows)


def rows_table(schema: pa.Schema, rows: Sequence[tuple]) -> pa.Table:
    """A table of ``schema`` from rows, converted a column at a time."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
    return pa.Table.from_arrays([_column(c, f.type) for c, f in zip(columns, schema, strict=True)], schema=schema)


def _column(values: Sequence, kind: pa.DataType) -> pa.Array:
    """One column; a text value the R4B models accepted in another JSON type (a date given as the number
    ``0``) is kept as its text, which then fails to read as what it should be, like any other bad text."""
    try:
        return pa.array(values, kind)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        if kind == _TEXT:
            return pa.array([_text(v) for v in values], kind)
        if kind == _TEXTS:
            return pa.array([None if v is None else [_text(x) for x in v] for v in values], kind)
        raise


def _text(value: object) -> str | None:
    return value if value is None or isinstance(value, str) else str(value)
