"""Commands about datasets: ``carenet info``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from carenet.schema import TABLES, open_dataset

console = Console()


def info(dataset: Path = typer.Argument(..., help="Dataset folder")) -> None:
    """Summarise a dataset: where it came from and how many rows each table holds."""
    ds = open_dataset(dataset)
    m = ds.manifest
    console.print(f"[bold]{dataset}[/]  schema {m.schema_version}  seed {m.seed}")
    for source in m.sources:
        console.print(f"  source: {source}")
    grid = Table("table", "rows", "description")
    for name in ds.names:
        grid.add_row(name, f"{m.counts.get(name, 0):,}", TABLES[name].doc)
    console.print(grid)


def register(app: typer.Typer) -> None:
    app.command("info")(info)
