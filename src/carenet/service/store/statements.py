"""Queries every request runs, compiled once into the driver's SQL.

Executing a SQLAlchemy query walks all of it on every call to find its compiled form in the cache (its cache key);
for a large query run by every request that walk costs more CPU than the database's work. :class:`Compiled`
compiles it once for a kind of database and hands the driver its SQL and parameters directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True)
class Compiled:
    """A query compiled once for one kind of database: the driver's SQL and the values of the query's constants."""

    sql: str
    constants: dict

    @classmethod
    def of(cls, query: sa.Executable, dialect: sa.Dialect) -> Compiled:
        """``query`` compiled for ``dialect``'s database (with named parameters where the driver takes positional
        ones: SQLite's takes both). Its parameters must be plain values: an ``IN`` list is compiled per call."""
        named = dialect if not dialect.positional else type(dialect)(paramstyle="named")
        compiled = query.compile(dialect=named)
        if "POSTCOMPILE" in str(compiled):
            raise ValueError("a query with an IN list of parameters cannot be compiled once")
        return cls(str(compiled), {name: value for name, value in compiled.params.items() if value is not None})

    def execute(self, connection: sa.Connection, params: dict) -> sa.CursorResult:
        """Run it on ``connection`` with ``params`` (and its constants)."""
        return connection.exec_driver_sql(self.sql, {**self.constants, **params})


__all__ = ["Compiled"]
