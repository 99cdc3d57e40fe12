"""Commands about datasets: ``carenet info``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from carenet.cli.console import LazyConsole
from carenet.cli.failures import file_errors, literal
from carenet.schema.errors import CarenetError

if TYPE_CHECKING:
    from carenet.schema import Dataset

console = LazyConsole()


def info(dataset: Path = typer.Argument(..., help="Dataset folder")) -> None:
    """Summarise a dataset: where it came from and how many rows each table holds."""
    from rich.table import Table

    from carenet.schema import TABLES, open_dataset

    with file_errors(dataset):
        ds = open_dataset(dataset)
        rows = {name: _rows(ds, name) for name in ds.names}
    m = ds.manifest
    wrong = [f"{name} holds {n:,} rows, the manifest says {m.counts.get(name, 0):,}" for name, n in rows.items()
             if n != m.counts.get(name, n)]
    if wrong:
        raise CarenetError(f"dataset {dataset} does not match its manifest: {'; '.join(wrong)}; restore it from a "
                           "copy, or import or generate it again")
    console.print(f"[bold]{literal(dataset)}[/]  schema {literal(m.schema_version)}  seed {literal(m.seed)}")
    for source in m.sources:
        console.print(f"  source: {literal(source)}")
    grid = Table("table", "rows", "description")
    for name, n in rows.items():
        grid.add_row(name, f"{n:,}", TABLES[name].doc)
    console.print(grid)


def _rows(ds: Dataset, name: str) -> int:
    """Rows of ``name`` as its Parquet footers say (reading them proves the files are whole)."""
    import pyarrow.dataset as pads
    import pyarrow.parquet as pq

    where = ds.arrow_path(name)
    with file_errors(where):
        if where.is_dir():
            return pads.dataset(where, format="parquet", partitioning="hive").count_rows()
        return pq.read_metadata(where).num_rows


def register(app: typer.Typer) -> None:
    app.command("info")(info)
