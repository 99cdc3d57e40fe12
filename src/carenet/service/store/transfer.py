"""A canonical dataset into the store, and the store's tables out as a canonical dataset ``carenet score`` reads.

Loading validates nothing twice: a dataset folder is valid by construction (every write to it is
validated), and the store's own keys and references refuse anything that contradicts what it
already holds. A load is one transaction: either every table goes in or nothing does.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from carenet.schema import TABLES, Manifest, open_dataset, write_dataset
from carenet.schema.tables import conform
from carenet.service.store.database import Store, StoreError
from carenet.service.store.tables import CANONICAL, key_columns

ACTIVITY = ("requests", "appointments", "care_plans", "tasks", "referrals", "social_prescriptions")
"""Tables the service records as it is used: exported even when empty (none happened is a fact the measures use)."""
LOAD_CHUNK_ROWS = 20_000
"""Rows sent to the database per statement while loading (bounded memory for a large table)."""


@dataclass
class LoadReport:
    """Rows loaded per table."""

    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _chunks(table: pa.Table) -> Iterable[list[dict]]:
    for batch in table.to_batches(max_chunksize=LOAD_CHUNK_ROWS):
        yield batch.to_pylist()


def insert_tables(connection: sa.Connection, tables: Mapping[str, pa.Table]) -> LoadReport:
    """Insert canonical ``tables`` (any subset, any order) on ``connection``, referenced tables first."""
    report = LoadReport()
    for name in TABLES:
        if name not in tables or tables[name].num_rows == 0:
            continue
        table = conform(name, tables[name])
        for rows in _chunks(table):
            connection.execute(CANONICAL[name].insert(), rows)
        report.rows[name] = table.num_rows
    if report.rows:  # the store's version (audit_head.writes, :func:`carenet.service.audit.log.store_version`)
        connection.execute(STORE_WRITTEN)
    return report


STORE_WRITTEN = sa.text("UPDATE audit_head SET writes = writes + 1 WHERE id = 1")
"""Count a load among the store's writes, so results kept from the store before it are not shown after it."""


def load_dataset(store: Store, path: str | os.PathLike[str]) -> LoadReport:
    """Load every table of the dataset at ``path`` into ``store`` in one transaction.

    Rows whose key the store already holds, or that refer to rows it lacks, are refused with a
    :class:`StoreError` naming the table, and nothing is loaded.
    """
    dataset = open_dataset(path)
    tables = {name: dataset.table(name) for name in dataset.names if name in TABLES}
    try:
        with store.engine.begin() as connection:
            return insert_tables(connection, tables)
    except IntegrityError as exc:
        raise StoreError(f"cannot load {path} into {store.url}: {_integrity_reason(exc)}; nothing was loaded "
                         "(load a dataset into an empty store, or one whose rows it does not repeat)") from None


def _integrity_reason(exc: IntegrityError) -> str:
    text = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    return text.replace("\n", " ")


def read_table(connection: sa.Connection, name: str) -> pa.Table:
    """The store's table ``name`` as a canonical Arrow table, rows in primary-key order."""
    table = CANONICAL[name]
    schema = TABLES[name].schema
    rows = connection.execute(sa.select(table).order_by(*key_columns(name))).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
    return pa.Table.from_arrays([pa.array(list(col), type=f.type) for col, f in zip(columns, schema, strict=True)],
                                schema=schema)


def read_tables(store: Store, names: Iterable[str] | None = None) -> dict[str, pa.Table]:
    """Canonical tables of the store (all by default), read in one snapshot.

    Empty tables are left out, except the service's activity (:data:`ACTIVITY`).
    """
    with store.engine.connect() as connection, connection.begin():
        tables = {name: read_table(connection, name) for name in (names or TABLES)}
    return {name: t for name, t in tables.items() if t.num_rows or name in ACTIVITY}


def export_dataset(store: Store, out: str | os.PathLike[str]) -> Manifest:
    """Write the store's canonical tables as the dataset ``out`` (replacing the tables of a dataset already there)."""
    return write_dataset(out, read_tables(store), source=f"carenet serve store {store.url}", merge=False)


__all__ = ["ACTIVITY", "LOAD_CHUNK_ROWS", "LoadReport", "export_dataset", "insert_tables", "load_dataset", "read_table",
           "read_tables"]
