"""The measures on Apache Spark: a SparkSession (``local[N]`` on this machine, or a cluster's master URL) behind
Ibis's PySpark backend.

A local session needs no cluster and fetches nothing: PySpark ships Spark's jars, and only Java (17 or later) must
be installed. One session is built per process and shared by every connection, since a Spark driver holds one
SparkContext. Canonical tables arrive as Spark DataFrames from Arrow (Arrow-enabled) or are read from the dataset's
Parquet files by Spark itself, which is what a cluster needs: its executors read the files, not this process.
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from carenet.measures.backend import BackendError

DEFAULT_MASTER = "local[2]"
"""Two worker threads: the measures' queries are small and many, so more threads buy little on one machine."""

SESSION_CONF: dict[str, str] = {
    "spark.app.name": "carenet",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "true",
}
"""Settings of every session carenet builds; ``connect('pyspark', conf={...})`` adds to or overrides them."""

LOCAL_CONF: dict[str, str] = {
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
}
"""Added for a ``local[N]`` master: a few partitions, not Spark's 200 for a cluster, since one machine's threads
share them and a network's tables are small."""

SMALL_DATA_CONF: dict[str, str] = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.adaptive.enabled": "false",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}
"""For tiny tables and short runs (the tests): compiling whole-stage code and re-planning adaptively cost more than
they save on a few hundred rows, and the JVM's optimising compiler more than it saves in a run of minutes; turned
off, they halve the time of a scorecard's queries each (on a local session, before the JVM starts: the driver's
Java options are read at launch)."""

_lock = threading.Lock()
_view_counter = itertools.count()
_session: Any = None


class SparkUnavailable(BackendError):
    """Spark cannot start: PySpark or Java is missing, or the master cannot be reached."""


def spark_session(master: str | None = None, conf: dict[str, str] | None = None) -> Any:
    """The process's SparkSession, built on first use with ``master`` (``local[N]`` or ``spark://host:port``;
    :data:`DEFAULT_MASTER` if not given) and ``conf``.

    Later calls share it (their ``conf`` is not applied); naming another master is an error, since a process holds
    one Spark driver.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - pyspark is a dependency
        raise SparkUnavailable("the pyspark backend needs PySpark: pip install -r requirements.lock -e .") from exc
    global _session
    with _lock:
        if _session is not None and _session.sparkContext._jsc is not None:
            current = _session.sparkContext.master
            if master is not None and current != master:
                raise SparkUnavailable(f"a Spark session with master {current!r} is already running in this "
                                       f"process; cannot start another with {master!r}")
            return _session
        if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
            raise SparkUnavailable("the pyspark backend needs Java 17 or later: install a JDK (e.g. apt-get install "
                                   "openjdk-17-jre-headless) or set JAVA_HOME")
        master = master or DEFAULT_MASTER
        settings = {**SESSION_CONF, **(LOCAL_CONF if master.startswith("local") else {}), **(conf or {})}
        builder = SparkSession.builder.master(master)
        for key, value in settings.items():
            builder = builder.config(key, value)
        try:
            session = builder.getOrCreate()
        except Exception as exc:
            raise SparkUnavailable(f"cannot start Spark with master {master!r}: {_first_line(exc)}; check the "
                                   f"master URL (local[N] or spark://host:port) and that Java 17 or later is "
                                   f"installed") from exc
        session.sparkContext.setLogLevel("ERROR")
        _session = session
        return session


def connect_spark(master: str | None = None, conf: dict[str, str] | None = None) -> ibis.BaseBackend:
    """An Ibis PySpark connection on the process's session."""
    return ibis.pyspark.connect(spark_session(master, conf))


def stop_spark() -> None:
    """Stop the process's Spark session, if any (tests and long-lived services call it at exit)."""
    global _session
    with _lock:
        if _session is not None:
            _session.stop()
            _session = None


def register_arrow(con: ibis.BaseBackend, name: str, table: pa.Table) -> ibis.Table:
    """Put an Arrow table on Spark as a temporary view ``name`` (replacing one of that name)."""
    session = con._session
    df = session.createDataFrame(table) if table.num_rows else session.createDataFrame([], _spark_schema(table))
    df.createOrReplaceTempView(name)
    return con.table(name)


def read_parquet(con: ibis.BaseBackend, name: str, where: Path) -> ibis.Table:
    """Let Spark read a dataset's Parquet file, or its folder of partitioned files, as the temporary view ``name``."""
    session = con._session
    df = session.read.option("basePath", str(where)).parquet(str(where)) if where.is_dir() \
        else session.read.parquet(str(where))
    df.createOrReplaceTempView(name)
    return con.table(name)


def materialize(con: ibis.BaseBackend, expr: ibis.Table, stem: str) -> ibis.Table:
    """Compute ``expr`` once and keep its rows in the session (Spark has no temporary tables; a checkpointed,
    cached view stands in for one, and cuts the plan so later queries do not recompute it)."""
    name = f"carenet_{stem}_{os.getpid()}_{next(_view_counter)}"
    con._run_pre_execute_hooks(expr)
    df = con._session.sql(con.compile(expr)).localCheckpoint(eager=True)
    df.createOrReplaceTempView(name)
    return con.table(name)


def _spark_schema(table: pa.Table) -> Any:
    from ibis.backends.pyspark.datatypes import PySparkSchema

    return PySparkSchema.from_ibis(ibis.Schema.from_pyarrow(table.schema))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
