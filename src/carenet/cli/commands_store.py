"""``carenet store load|export``: a canonical dataset into the service's store, and the store's tables out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from carenet.cli.console import LazyConsole
from carenet.cli.failures import literal
from carenet.cli.lazy import WholeHelpGroup

if TYPE_CHECKING:
    from rich.table import Table

console = LazyConsole()
store_app = typer.Typer(help="The service's store: load a dataset in, export its activity.",
                        no_args_is_help=True, cls=WholeHelpGroup)
DEFAULT_DB = "carenet-store.db"
"""The store when no --db is given: a SQLite file in the current folder."""
DB_OPTION = typer.Option(DEFAULT_DB, "--db", help="Store: a SQLite file path, or postgresql://USER@HOST:PORT/DB")


def _counts(title: str, rows: dict[str, int]) -> Table:
    from rich.table import Table

    grid = Table("table", title)
    for name, n in rows.items():
        grid.add_row(name, f"{n:,}")
    return grid


@store_app.command("load")
def load(dataset: Path = typer.Argument(..., help="Canonical dataset folder (imported or synthetic)"),
         db: str = DB_OPTION) -> None:
    """Load every table of a dataset into the store, in one transaction (all of it or nothing)."""
    from carenet.service.store import load_dataset, open_store

    store = open_store(db)
    try:
        report = load_dataset(store, dataset)
    finally:
        store.close()
    console.print(f"[bold]loaded[/] {literal(dataset)} into {literal(store.url)}")
    console.print(_counts("rows", report.rows))


@store_app.command("export")
def export(out: Path = typer.Argument(..., help="Dataset folder to write (its tables replaced if it is a dataset)"),
           db: str = DB_OPTION) -> None:
    """Write the store's tables as a canonical dataset that `carenet score` reads."""
    from carenet.service.store import export_dataset, open_store

    store = open_store(db)
    try:
        manifest = export_dataset(store, out)
    finally:
        store.close()
    console.print(f"[bold]exported[/] {literal(store.url)} to {literal(out)}")
    console.print(_counts("rows", manifest.counts))


def register(app: typer.Typer) -> None:
    """Attach the ``store`` sub-app to ``app``."""
    app.add_typer(store_app, name="store")
