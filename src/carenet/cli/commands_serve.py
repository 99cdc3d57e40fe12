"""``carenet serve``: the service on a store (SQLite file or PostgreSQL), or on the demo network with ``--demo``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from carenet.cli.commands_store import DEFAULT_DB
from carenet.cli.console import LazyConsole
from carenet.cli.failures import literal
from carenet.schema.errors import CarenetError

if TYPE_CHECKING:  # the service loads inside the command, so that `carenet --help` stays quick
    from carenet.service.demo import DemoLogin

console = LazyConsole()
DEMO_DB = Path("carenet-demo.db")
"""The demo's store when no --db is given (replaced by each --demo)."""


def _print_logins(logins: list[DemoLogin], url: str) -> None:
    from rich.table import Table

    grid = Table(title="Demo logins (shown once; stored only as hashes)")
    grid.add_column("role")
    grid.add_column("user name", no_wrap=True)
    grid.add_column("password", no_wrap=True)
    grid.add_column("is")
    for login in logins:
        grid.add_row(literal(login.role.name), literal(login.username), literal(login.password), literal(login.detail))
    console.print(grid)
    console.print(f"Open {literal(url)}/login in a browser and log in with one of these; the API: POST "
                  f"{literal(url)}/auth/token with {{\"username\": ..., \"password\": ...}}; API documentation at "
                  f"{literal(url)}/docs")


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on"),
    db: str | None = typer.Option(None, "--db", help=f"Store: a SQLite file (default {DEFAULT_DB}; with --demo "
                                                     f"{DEMO_DB}, replaced) or postgresql://USER@HOST:PORT/DB"),
    demo: bool = typer.Option(False, "--demo", help="Start on the demo network with demo logins for every role"),
    model: str | None = typer.Option(None, "--model", help="With --demo: the library model to lay over the network "
                                                           "(default: the demo's, micro_teams)"),
    demo_patients: int | None = typer.Option(None, "--demo-patients", min=100,
                                             help="With --demo: scale the demo network to this many patients"),
    twin_scorecard: Path | None = typer.Option(None, "--twin-scorecard", exists=True, dir_okay=False,
                                               help="A comparison's scorecard.csv (carenet compare, carenet demo): "
                                                    "the managers' scorecard sets the live measures against the "
                                                    "twin's predictions for the store's model"),
    workers: int | None = typer.Option(None, "--workers", min=1,
                                       help="Worker processes (PostgreSQL only; default: one per CPU core on "
                                            "PostgreSQL, service.server.workers_per_core; one on SQLite)"),
    access_log: bool = typer.Option(True, "--access-log/--no-access-log",
                                    help="Write uvicorn's line for every request (method, path, status, address). "
                                         "Every read or write of patient data is in the audit log either way; "
                                         "without the line a booking takes about a tenth less CPU"),
) -> None:
    """Run the service (JSON API with OpenAPI at /openapi.json) until stopped with Ctrl-C."""
    import os

    import uvicorn

    from carenet.models.library import list_models
    from carenet.network import NetworkSettings
    from carenet.service.api import Services, utc_now
    from carenet.service.app import create_app
    from carenet.service.auth.passwords import PasswordHasher
    from carenet.service.booking.engine import load_live_network
    from carenet.service.demo import DEMO_MODEL, build_demo_store, demo_population
    from carenet.service.serving import ServeConfig, resolve_workers, run_workers, server_options
    from carenet.service.settings import ServiceSettings
    from carenet.service.store import open_store

    model = DEMO_MODEL if model is None else model
    settings = ServiceSettings.from_parameters()
    if demo and model not in list_models():
        raise CarenetError(f"--model {model!r} is not a library model; use one of {', '.join(list_models())}")
    if demo and db is None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEMO_DB}{suffix}").unlink(missing_ok=True)
    store = open_store(db or (DEMO_DB if demo else DEFAULT_DB))
    hasher = PasswordHasher(settings)
    try:
        processes = resolve_workers(workers, store.dialect, settings, os.cpu_count())
        if demo:
            start = dt.date.today()
            console.print(f"Laying {literal(model)} over the demo network from {start:%d %b %Y} "
                          f"({settings.demo_working_days} working days of diaries)...")
            population = demo_population(start, patients=demo_patients)
            live, logins = build_demo_store(store, model, start, settings, hasher, utc_now(), population)
            console.print(f"Demo network: {len(live.network.frame):,} patients, {len(live.network.staff):,} staff, "
                          f"in {literal(store.url)}")
            _print_logins(logins, f"http://{host}:{port}")
        if processes > 1:  # the demo is seeded once, above; each worker builds its own service from the store
            store.close()
            console.print(f"Starting {processes} worker processes")
            run_workers(ServeConfig(db or str(DEMO_DB if demo else DEFAULT_DB), settings,
                                    NetworkSettings.from_parameters(), processes, twin_scorecard, access_log),
                        host, port)
            return
        if not demo:
            with store.engine.connect() as connection:
                live = load_live_network(connection, settings)
        app = create_app(Services(store, settings, hasher, live=live, twin_scorecard=twin_scorecard))
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=access_log, **server_options())
    finally:
        store.close()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
