"""``carenet export fhir``: a canonical dataset as FHIR R4 resources."""

from __future__ import annotations

from pathlib import Path

import typer

from carenet.cli.commands_import_fhir import fhir_defaults
from carenet.cli.console import LazyConsole
from carenet.cli.failures import file_errors, literal
from carenet.cli.lazy import WholeHelpGroup

console = LazyConsole()
export_app = typer.Typer(help="Export a dataset in a standard format.", no_args_is_help=True, cls=WholeHelpGroup)


@export_app.command("fhir")
def fhir(
    dataset: Path = typer.Argument(..., help="Dataset folder"),
    out: Path = typer.Option(..., "--out", "-o",
                             help="Folder of <Type>.ndjson files, or a .json path for one collection Bundle"),
) -> None:
    """Write the dataset as FHIR R4 (it imports back to the same tables with `carenet import fhir`)."""
    from rich.table import Table

    from carenet.schema.folders import locked
    from carenet.sources.fhir import export_fhir

    with file_errors(out), locked(out.parent, what="folder"):  # one writer of the export at a time
        counts = export_fhir(dataset, out, fhir_defaults().timezone)
    grid = Table("resource", "written")
    for kind, n in sorted(counts.items()):
        grid.add_row(kind, f"{n:,}")
    console.print(f"[bold]exported[/] {literal(dataset)} to {literal(out)}")
    console.print(grid)


def register(app: typer.Typer) -> None:
    """Attach the ``export`` sub-app to ``app``."""
    app.add_typer(export_app, name="export")
