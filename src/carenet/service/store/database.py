"""Opening the store: a SQLite file by default, PostgreSQL by URL, migrated to the latest revision.

SQLite runs with foreign keys on, write-ahead logging and every transaction ``BEGIN IMMEDIATE``:
writers are serialised by the database, so two requests can never both read a slot as free and
book it. PostgreSQL runs at its default isolation with the store's constraints doing that work. A PostgreSQL
connection is checked (a ``SELECT 1``) as the pool lends it only when it has lain unused for
:data:`PING_AFTER_IDLE_SECONDS`: one the service used a moment ago is alive, and checking it cost a round trip a
request.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, OperationalError

from carenet.schema.errors import CarenetError
from carenet.service.store.catalogue import METADATA

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_SECONDS = 30.0
"""How long a SQLite writer waits for another to finish before giving up (a busy store, not a failure)."""
SQLITE_POOL_SECONDS = 120.0
"""How long a request waits for a connection of the store's pool (requests queue for them under load)."""
PG_POOL_SIZE = 40
"""PostgreSQL connections the service keeps open (and as many again under load); the server's default allows 100.
Several processes of one service (``carenet serve --workers``) share them: each keeps its part."""
PING_AFTER_IDLE_SECONDS = 2.0
"""A PostgreSQL connection unused in the pool for longer than this is checked before it is lent (and replaced if the
server has dropped it); one given back more recently is lent as it is. A connection the server dropped within that
moment (a restart) fails its request, and the pool then replaces every connection it held."""


class StoreError(CarenetError):
    """The store cannot be opened or used: a bad URL, an unreachable server, a database of another program."""


@dataclass
class Store:
    """An open store: its engine and URL (password hidden)."""

    engine: Engine
    url: str
    max_connections: int = 1
    """The most connections the store's pool lends at once (its size and its overflow)."""

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()


def store_url(db: str | os.PathLike[str]) -> str:
    """A SQLAlchemy URL for ``db``: a file path means SQLite; ``postgresql://`` URLs use psycopg 3."""
    text = os.fspath(db)
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser().resolve()}"
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    return text


_RETURNED_AT = "carenet_returned_at"


def _ping_when_idle(engine: Engine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Check a connection as the pool lends it only if it lay unused for more than ``idle_seconds`` (see
    :data:`PING_AFTER_IDLE_SECONDS`); a dead one is replaced by a new one."""
    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection, record) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection, record, _proxy) -> None:
        returned = record.info.pop(_RETURNED_AT, None)
        if returned is None or time.monotonic() - returned <= idle_seconds:
            return  # new, or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as lost:
            raise DisconnectionError(f"the store's connection was lost while unused: {lost}") from lost


def _serialise_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # the driver's own BEGIN is replaced by ours below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """The store's Alembic configuration (scripts inside the package), bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the store to ``revision`` (the latest by default)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def pool_size(processes: int = 1) -> int:
    """PostgreSQL connections one of ``processes`` processes of the service keeps open (its part of
    :data:`PG_POOL_SIZE`, at least one); it lends as many again under load."""
    return max(1, PG_POOL_SIZE // max(1, processes))


def _engine(url: str, processes: int = 1) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"--db {url!r} is neither a file path nor a database URL (sqlite:///PATH or "
                         "postgresql://USER@HOST:PORT/DATABASE)") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(f"--db {parsed.render_as_string()}: the store runs on SQLite or PostgreSQL, not "
                         f"{parsed.get_backend_name()}")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).parent
            if not folder.is_dir():
                raise StoreError(f"--db {parsed.database}: the folder {folder} does not exist; create it first")
        # One connection: SQLite has one writer at a time anyway, and requests queue for it in the pool rather
        # than in SQLite's lock, where a request holding one connection could wait for a second.
        engine = sa.create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False},
                                  pool_size=1, max_overflow=0, pool_timeout=SQLITE_POOL_SECONDS)
        _serialise_sqlite(engine)
        return engine
    size = pool_size(processes)
    engine = sa.create_engine(parsed, pool_size=size, max_overflow=size, pool_timeout=SQLITE_POOL_SECONDS)
    _ping_when_idle(engine)
    return engine


def open_store(db: str | os.PathLike[str], *, migrate_to: str | None = "head", processes: int = 1) -> Store:
    """Open the store at ``db`` (a file path or URL) and migrate it to ``migrate_to`` (``None``: leave it).

    ``processes``: how many processes of one service open it (``carenet serve --workers``); on PostgreSQL each keeps
    its part of the pool (:func:`pool_size`), so together they stay within the server's connections.
    """
    url = store_url(db)
    engine = _engine(url, processes)
    shown = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as connection:
            foreign = _foreign_tables(connection)
        if foreign:
            raise StoreError(f"{shown} holds tables carenet did not make ({', '.join(sorted(foreign)[:5])}); "
                             "give the store a database of its own")
        if migrate_to is not None:
            migrate(engine, migrate_to)
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(f"cannot open the store {shown}: {reason}") from None
    except StoreError:
        engine.dispose()
        raise
    lends = 1 if engine.dialect.name == "sqlite" else 2 * pool_size(processes)
    return Store(engine, shown, lends)


def _foreign_tables(connection: sa.Connection) -> set[str]:
    present = set(sa.inspect(connection).get_table_names())
    if not present:
        return set()
    return present - set(METADATA.tables) - {"alembic_version"}


__all__ = ["MIGRATIONS", "PG_POOL_SIZE", "PING_AFTER_IDLE_SECONDS", "Store", "StoreError", "alembic_config",
           "current_revision", "head_revision", "migrate", "open_store", "pool_size", "store_url"]
