"""The store's canonical tables for some practices, as the Arrow dataset the measures library reads.

The service measures what the store holds, one request at a time, with the same functions ``carenet score`` and
``carenet worklist`` run on a dataset folder: the tables are read on the request's connection (one snapshot),
restricted to the practices' patients, and exposed to the measures on an in-memory DuckDB.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pyarrow as pa
import sqlalchemy as sa

from carenet.measures import Tables, load
from carenet.schema import TABLES
from carenet.service.store.tables import CANONICAL, key_columns

PATIENT_TABLES = ("patients", "registrations", "conditions", "appointments", "care_plans")
"""What the profile and the case-finding rules read (appointments and care plans even when empty: none is a fact)."""


def arrow_table(rows: list, name: str) -> pa.Table:
    """Rows the store returned for canonical table ``name``, as Arrow in its canonical schema."""
    schema = TABLES[name].schema
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
    return pa.Table.from_arrays([pa.array(list(c), type=f.type) for c, f in zip(columns, schema, strict=True)],
                                schema=schema)


def practice_tables(connection: sa.Connection, practice_ids: Iterable[str]) -> dict[str, pa.Table]:
    """:data:`PATIENT_TABLES` of the patients registered with ``practice_ids``, with the practices and networks."""
    wanted = sorted(set(practice_ids))
    patients = CANONICAL["patients"]
    members = sa.select(patients.c.patient_id).where(patients.c.practice_id.in_(wanted))
    out: dict[str, pa.Table] = {}
    for name in ("networks", "practices", *PATIENT_TABLES):
        table = CANONICAL[name]
        query = sa.select(table).order_by(*key_columns(name))
        if name == "practices":
            query = query.where(table.c.practice_id.in_(wanted))
        elif name != "networks":
            query = query.where(table.c.patient_id.in_(members))
        out[name] = arrow_table(connection.execute(query).all(), name)
    return out


@contextmanager
def on_duckdb(tables: dict[str, pa.Table]) -> Iterator[Tables]:
    """``tables`` on a DuckDB of their own, closed afterwards."""
    loaded = load(tables, "duckdb")
    try:
        yield loaded
    finally:
        loaded.con.disconnect()


def measured(connection: sa.Connection, practice_ids: Iterable[str]):
    """The practices' tables (:func:`practice_tables`) on a DuckDB of their own, closed afterwards."""
    return on_duckdb(practice_tables(connection, practice_ids))


__all__ = ["PATIENT_TABLES", "arrow_table", "measured", "on_duckdb", "practice_tables"]
