"""The measures engine's backends: one dataset's canonical tables as Ibis tables on DuckDB, SQLite, PostgreSQL or
Spark.

Measures are written once against Ibis and never see which engine runs them. DuckDB (the default)
scans the dataset's Parquet files in place, and Spark reads them itself; SQLite and PostgreSQL receive the Arrow
tables by upload. A table the dataset does not hold is simply absent from :class:`Tables`, so a measure can
answer :class:`~carenet.measures.support.Unsupported` instead of a misleading zero.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from carenet.measures.support import Unsupported, is_unsupported
from carenet.schema import TABLES, CarenetError, Dataset, conform

BACKENDS: tuple[str, ...] = ("duckdb", "sqlite", "postgres", "pyspark")
"""Engines every measure runs on."""

_POSTGRES_OPTIONS = ("host", "port", "user", "password", "database", "schema", "connect_timeout", "sslmode")
_upload_counter = itertools.count()
_stage_counter = itertools.count()


class BackendError(CarenetError):
    """A backend that is unknown, unreachable or misconfigured."""


class MissingTableError(CarenetError, KeyError):
    """A measure asked for a canonical table the dataset does not hold."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "missing table"


def connect(backend: str = "duckdb", **options: Any) -> ibis.BaseBackend:
    """Open a connection to ``backend``.

    duckdb: optional ``database`` (a file; in-memory by default) and DuckDB config options.
    sqlite: optional ``database`` (a file; in-memory by default).
    postgres: ``url`` (``postgres://user:pass@host:port/db``) or ``host``/``port``/``user``/
    ``password``/``database``/``schema`` (and ``connect_timeout``, ``sslmode``).
    pyspark: optional ``master`` (``local[N]``, the default ``local[2]``, or a cluster's ``spark://host:port``) and
    ``conf``, Spark settings; the process's one session is built on first use and shared.
    """
    if backend not in BACKENDS:
        raise BackendError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    try:
        if backend == "duckdb":
            return ibis.duckdb.connect(**options)
        if backend == "sqlite":
            unknown = set(options) - {"database"}
            if unknown:
                raise BackendError(f"sqlite backend takes only 'database', not {sorted(unknown)}")
            return ibis.sqlite.connect(options.get("database"))
        if backend == "pyspark":
            unknown = set(options) - {"master", "conf"}
            if unknown:
                raise BackendError(f"pyspark backend takes only 'master' and 'conf', not {sorted(unknown)}")
            from carenet.measures.spark import connect_spark

            return connect_spark(options.get("master"), options.get("conf"))
        if "url" in options:
            url = str(options["url"])
            if not url.startswith(("postgres://", "postgresql://")):
                raise BackendError(f"postgres url must start with postgres:// or postgresql://, got {url!r}")
            return ibis.connect(url)
        unknown = set(options) - set(_POSTGRES_OPTIONS)
        if unknown:
            raise BackendError(f"postgres backend does not take {sorted(unknown)}; use {', '.join(_POSTGRES_OPTIONS)}")
        return ibis.postgres.connect(**options)
    except CarenetError:
        raise
    except Exception as exc:  # driver errors: unreachable server, bad credentials, unreadable file
        raise BackendError(f"cannot connect to {backend}: {exc}") from exc


class Tables:
    """The canonical tables of one dataset, as Ibis table expressions on one backend."""

    def __init__(self, con: ibis.BaseBackend, tables: Mapping[str, ibis.Table]):
        self.con = con
        self._tables = dict(tables)
        self._memo: dict[Hashable, ibis.Table] = {}

    @property
    def backend(self) -> str:
        """The backend's name: ``duckdb``, ``sqlite``, ``postgres`` or ``pyspark``."""
        return self.con.name

    @property
    def names(self) -> list[str]:
        """Canonical tables present, in dependency order."""
        return [n for n in TABLES if n in self._tables]

    def __getitem__(self, name: str) -> ibis.Table:
        try:
            return self._tables[name]
        except KeyError:
            raise MissingTableError(f"the dataset has no {name!r} table") from None

    def __contains__(self, name: object) -> bool:
        return name in self._tables

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def require(self, *names: str, measure: str = "this measure") -> Unsupported | None:
        """``None`` if every table in ``names`` is present, else the :class:`Unsupported` marker naming the absent."""
        absent = [n for n in names if n not in self._tables]
        if not absent:
            return None
        return Unsupported(f"{measure} needs the {', '.join(repr(n) for n in absent)} table"
                           f"{'s' if len(absent) > 1 else ''}, which the dataset does not hold")

    def materialize(self, expr: ibis.Table, stem: str = "stage") -> ibis.Table:
        """Compute ``expr`` once into a temporary table on the backend, for later queries to read."""
        if self.con.name == "pyspark":
            from carenet.measures.spark import materialize

            return materialize(self.con, expr, stem)
        return self.con.create_table(f"carenet_{stem}_{os.getpid()}_{next(_stage_counter)}", expr, temp=True)

    def memo(self, key: Hashable, build: Callable[[], ibis.Table]) -> ibis.Table:
        """The table ``build()`` gives, materialised on first use and shared by every later measure asking for ``key``.

        Measures use it for intermediate results several of them read (e.g. attended contacts with the panel in
        force), so a scorecard derives each once. ``key`` must capture everything the result depends on.
        """
        if key not in self._memo:
            self._memo[key] = self.materialize(build())
        return self._memo[key]

    def upload(self, name: str, table: pa.Table) -> ibis.Table:
        """Put an extra Arrow table (e.g. patient segments computed elsewhere) on this backend, beside the dataset.

        Replaces any table of that name; the table is temporary and lives as long as the connection.
        """
        return _upload(self.con, name, table)

    def __repr__(self) -> str:
        return f"Tables({self.backend}: {', '.join(self.names)})"


def load(
    dataset: Dataset | Mapping[str, pa.Table],
    backend: str = "duckdb",
    con: ibis.BaseBackend | None = None,
    *,
    prefix: str | None = None,
) -> Tables:
    """Expose ``dataset`` on ``backend`` (or on the open connection ``con``, which then decides) as :class:`Tables`.

    A :class:`~carenet.schema.Dataset` on DuckDB is scanned from its Parquet files without
    copying, and Spark reads the files itself; Arrow tables are registered on DuckDB as views of their memory,
    become DataFrames (temporary views) on Spark and are uploaded as temporary tables elsewhere, named
    ``{prefix}{table}``.
    ``prefix`` defaults to a fresh one per call, so several datasets can share one connection.
    """
    if con is None:
        con = connect(backend)
    prefix = f"carenet{next(_upload_counter)}_" if prefix is None else prefix
    if isinstance(dataset, Dataset):
        if con.name in ("duckdb", "pyspark"):
            return Tables(con, {n: _scan_parquet(con, dataset, n, prefix) for n in dataset.names})
        arrow = {n: dataset.table(n) for n in dataset.names}
    else:
        arrow = {n: _conformed(n, t) for n, t in dataset.items()}
    return Tables(con, {n: _upload(con, f"{prefix}{n}", t) for n, t in arrow.items()})


def _conformed(name: str, table: pa.Table) -> pa.Table:
    if name not in TABLES:
        raise CarenetError(f"{name!r} is not a canonical table; expected one of {', '.join(TABLES)}")
    try:
        return conform(name, table)
    except KeyError as exc:
        raise CarenetError(str(exc.args[0])) from None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        raise CarenetError(f"table {name!r} does not fit the canonical schema: {exc}") from None


def _scan_parquet(con: ibis.BaseBackend, dataset: Dataset, name: str, prefix: str) -> ibis.Table:
    where = dataset.arrow_path(name)
    if con.name == "pyspark":
        from carenet.measures.spark import read_parquet

        try:
            scanned = read_parquet(con, f"{prefix}{name}", where)
        except Exception as exc:
            raise BackendError(f"Spark cannot read table {name!r} from {where}: {exc}") from exc
        return _with_absent_columns(name, scanned)
    if where.is_dir():
        scanned = con.read_parquet(str(where / "**" / "*.parquet"), table_name=f"{prefix}{name}",
                                   hive_partitioning=True)
    else:
        scanned = con.read_parquet(str(where), table_name=f"{prefix}{name}")
    return _with_absent_columns(name, scanned)


def _with_absent_columns(name: str, table: ibis.Table) -> ibis.Table:
    """The canonical columns, as :func:`carenet.schema.conform` gives them for Arrow: the nullable columns a dataset
    written by an earlier schema version lacks (e.g. the requests' ``episode_id`` and ``outcome`` of schema 1.1) added
    as typed nulls, and columns that are not the table's own (a partitioned dataset's ``region``, ``network`` ...)
    left out."""
    schema = TABLES[name].schema
    absent = {f.name: ibis.null(ibis.dtype(f.type)) for f in schema if f.nullable and f.name not in table.columns}
    table = table.mutate(**absent) if absent else table
    return table if list(table.columns) == schema.names else table.select(*schema.names)


def _upload(con: ibis.BaseBackend, name: str, table: pa.Table) -> ibis.Table:
    table = _all_nullable(_portable(con, table))
    try:
        # Ibis's own DROP statements render empty with sqlglot >= 30 ("DROP TABLE IF EXISTS" and no
        # name), so a table is replaced by plain SQL and never through ``overwrite=True``.
        if con.name == "duckdb":
            return _register_duckdb(con, name, table)
        if con.name == "pyspark":
            from carenet.measures.spark import register_arrow

            return register_arrow(con, name, table)
        con.raw_sql(f'DROP TABLE IF EXISTS "{name}"')
        if con.name == "sqlite":
            return _upload_sqlite(con, name, table)
        return con.create_table(name, obj=ibis.memtable(table), temp=True)
    except Exception as exc:
        raise BackendError(f"cannot upload table {name!r} to {con.name}: {exc}") from exc


def _register_duckdb(con: ibis.BaseBackend, name: str, table: pa.Table) -> ibis.Table:
    """Expose the Arrow table to DuckDB as a view, without copying it (DuckDB scans Arrow memory in place)."""
    con.con.unregister(name)  # an earlier upload of this name, as a view …
    con.raw_sql(f'DROP TABLE IF EXISTS "{name}"')  # … or as a table
    con.con.register(name, table)
    return con.table(name)


def _upload_sqlite(con: ibis.BaseBackend, name: str, table: pa.Table) -> ibis.Table:
    """Create and fill a temporary SQLite table, writing dates and times as ISO text (SQLite's own convention).

    Ibis's generic path binds pandas values and fails on a null timestamp, so rows are bound here.
    """
    created = con.create_table(name, schema=ibis.Schema.from_pyarrow(table.schema), temp=True)
    columns = [_sqlite_values(table.column(i)) for i in range(table.num_columns)]
    markers = ", ".join("?" * table.num_columns)
    with con.begin() as cur:
        cur.executemany(f'INSERT INTO temp."{name}" VALUES ({markers})', zip(*columns, strict=True))
    return created


def _sqlite_values(column: pa.ChunkedArray) -> list[Any]:
    if pa.types.is_timestamp(column.type):
        column = pc.strftime(column, format="%Y-%m-%d %H:%M:%S")
    elif pa.types.is_date(column.type):
        column = pc.strftime(column, format="%Y-%m-%d")
    return column.to_pylist()


def _all_nullable(table: pa.Table) -> pa.Table:
    """Declare every column nullable: Ibis carries NOT NULL into derived columns (``lag`` of a required
    column), and the result conversion then rejects the nulls those derivations rightly produce."""
    return table.cast(pa.schema([f.with_nullable(True) for f in table.schema]))


def _portable(con: ibis.BaseBackend, table: pa.Table) -> pa.Table:
    """Drop list columns on SQLite, which has no arrays (no measure reads them there)."""
    if con.name != "sqlite":
        return table
    keep = [f.name for f in table.schema if not pa.types.is_list(f.type)]
    return table.select(keep) if len(keep) < table.num_columns else table


__all__ = ["BACKENDS", "BackendError", "MissingTableError", "Tables", "Unsupported", "connect", "is_unsupported",
           "load"]
