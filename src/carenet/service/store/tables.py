"""SQLAlchemy tables of the store, one per canonical table, built from the canonical Arrow schemas.

The store holds exactly the canonical tables (:data:`carenet.schema.TABLES`): the same columns,
primary keys and references, so a dataset loads into it without translation and the store's
activity exports back as a dataset the measures read. Foreign keys are checked at commit
(deferred), so rows may arrive in any order within a transaction.
"""

from __future__ import annotations

import pyarrow as pa
import sqlalchemy as sa

from carenet.schema import TABLES
from carenet.schema.tables import TableSpec

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
METADATA = sa.MetaData(naming_convention=NAMING)
"""Every table of the store: the canonical tables here, the service's own tables in their domains' modules."""


def sql_type(arrow: pa.DataType) -> sa.types.TypeEngine:
    """The SQL column type that holds an Arrow type of the canonical schema without loss."""
    if pa.types.is_string(arrow):
        return sa.Text()
    if pa.types.is_int8(arrow) or pa.types.is_int16(arrow):
        return sa.SmallInteger()
    if pa.types.is_int32(arrow):
        return sa.Integer()
    if pa.types.is_int64(arrow):
        return sa.BigInteger()
    if pa.types.is_float64(arrow):
        return sa.Double()
    if pa.types.is_boolean(arrow):
        return sa.Boolean()
    if pa.types.is_date32(arrow):
        return sa.Date()
    if pa.types.is_timestamp(arrow):
        return sa.DateTime()
    if pa.types.is_list(arrow):
        return sa.JSON()
    raise TypeError(f"no SQL type for the canonical Arrow type {arrow}")


def _table(spec: TableSpec) -> sa.Table:
    """A canonical table; a key with a nullable column (SQL keys cannot hold nulls) is a unique constraint instead,
    nulls not distinct on PostgreSQL."""
    nullable_key = any(spec.schema.field(k).nullable for k in spec.primary_key)
    columns = [sa.Column(f.name, sql_type(f.type), nullable=f.nullable and f.name not in spec.primary_key
                         or (nullable_key and f.nullable),
                         primary_key=not nullable_key and f.name in spec.primary_key, autoincrement=False,
                         comment=f.metadata[b"doc"].decode())
               for f in spec.schema]
    keys = [sa.ForeignKeyConstraint([column], [f"{table}.{target}"], deferrable=True, initially="DEFERRED")
            for column, (table, target) in spec.references.items()]
    if nullable_key:
        keys.append(sa.UniqueConstraint(*spec.primary_key, name=f"uq_{spec.name}_key",
                                        postgresql_nulls_not_distinct=True))
    return sa.Table(spec.name, METADATA, *columns, *keys, comment=spec.doc)


def key_columns(name: str) -> list[sa.Column]:
    """The columns of a canonical table's key (its primary key, or the unique key of a nullable one)."""
    return [CANONICAL[name].c[k] for k in TABLES[name].primary_key]


CANONICAL: dict[str, sa.Table] = {name: _table(spec) for name, spec in TABLES.items()}
"""The canonical tables of the store by name, referenced tables first."""

__all__ = ["CANONICAL", "METADATA", "NAMING", "key_columns", "sql_type"]
