"""Running the service in one process or several (``carenet serve --workers N``).

With one worker the service runs in the process that started it. With several, that process binds the socket
(and seeds the demo, if asked, before any worker starts) and Uvicorn's supervisor spawns the workers; each builds
its own application from the :class:`ServeConfig` it is handed (:func:`build_app`): it opens the store with its
part of the connection pool and lays out the store's recorded network again, as ``carenet serve`` without
``--demo`` does. Nothing is shared between workers but the store: sessions, the audit chain and bookings live in
it, and each worker's worklists are checked against the store's record of changes (:mod:`carenet.service.worklists
.cache`), so a change made through one worker shows on the others' worklists at once.

Several workers need PostgreSQL: SQLite has one writer at a time, and the store serialises the service's requests
on one connection (:mod:`carenet.service.store.database`), so more processes would only queue for SQLite's file
lock, each waiting up to its busy timeout, without doing more work.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from carenet.schema.errors import CarenetError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from carenet.network import NetworkSettings
    from carenet.service.settings import ServiceSettings


class WorkersRefused(CarenetError):
    """More than one worker asked for on a store that cannot use them."""


@dataclass(frozen=True)
class ServeConfig:
    """What a worker builds its application from (it is pickled to the worker's process)."""

    db: str
    """The store's URL (as ``--db`` gave it)."""
    settings: ServiceSettings
    network: NetworkSettings
    """The network layer's settings the store's network is laid out again with."""
    workers: int
    twin_scorecard: Path | None = None
    access_log: bool = True
    """Whether uvicorn writes its line for every request (``carenet serve --no-access-log`` turns it off)."""


def check_workers(dialect: str, workers: int) -> None:
    """Refuse several workers on SQLite (see the module's documentation)."""
    if workers > 1 and dialect != "postgresql":
        raise WorkersRefused(
            f"--workers {workers}: several worker processes need a PostgreSQL store. SQLite lets one writer in "
            "at a time and the service already sends it one request at a time, so more processes would only "
            "queue for the file's lock; run one worker (--workers 1) or use --db postgresql://...")


def resolve_workers(requested: int | None, dialect: str, settings: ServiceSettings, cores: int | None) -> int:
    """The workers to start: ``requested`` (refused above one on SQLite), else the settings' default on PostgreSQL
    (:meth:`~carenet.service.settings.ServiceSettings.default_workers`) and one on SQLite."""
    if requested is not None:
        check_workers(dialect, requested)
        return requested
    return settings.default_workers(cores) if dialect == "postgresql" else 1


def server_options() -> dict[str, str]:
    """Uvicorn's event loop and HTTP parser: uvloop and httptools when they are installed (dependencies of carenet;
    uvloop has no Windows build), else asyncio's own loop and the pure-Python h11. They take about a sixth of a
    booking's server CPU off."""
    import importlib.util

    return {"loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
            "http": "httptools" if importlib.util.find_spec("httptools") else "h11"}


def build_app(config: ServeConfig) -> FastAPI:
    """A worker's application, from ``config`` alone: its own store connections, password hasher and laid-out
    network."""
    from carenet.service.api import Services
    from carenet.service.app import create_app
    from carenet.service.auth.passwords import PasswordHasher
    from carenet.service.booking.engine import load_live_network
    from carenet.service.store import open_store

    store = open_store(config.db, migrate_to=None, processes=config.workers)
    with store.engine.connect() as connection:
        live = load_live_network(connection, config.settings, config.network)
    return create_app(Services(store, config.settings, PasswordHasher(config.settings), live=live,
                               twin_scorecard=config.twin_scorecard), close_store=True)


def run_workers(config: ServeConfig, host: str, port: int) -> None:
    """Serve ``config`` with ``config.workers`` worker processes until stopped (Ctrl-C)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    server_config = uvicorn.Config(functools.partial(build_app, config), factory=True, host=host, port=port,
                                   workers=config.workers, log_level="info", access_log=config.access_log,
                                   **server_options())
    socket = server_config.bind_socket()
    try:
        Multiprocess(server_config, sockets=[socket]).run()
    finally:
        socket.close()


__all__ = ["ServeConfig", "WorkersRefused", "build_app", "check_workers", "resolve_workers", "run_workers",
           "server_options"]
