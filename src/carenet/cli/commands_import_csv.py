"""``carenet import csv | nhs-registered | nhs-appointments``: practice extracts and NHS Digital CSVs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from carenet.cli.changes import UPDATE_OPTION, print_changes
from carenet.cli.console import LazyConsole
from carenet.cli.failures import file_errors, literal

if TYPE_CHECKING:  # loaded inside the commands, so that `carenet --help` stays quick
    from carenet.sources.extract import ImportResult

console = LazyConsole()


def _summary(result: ImportResult, out: Path) -> None:
    from rich.table import Table

    grid = Table("table", "rows read", "rows in dataset", title=f"imported into {literal(out)}")
    for name, rows in result.read.items():
        grid.add_row(name, f"{rows:,}", f"{result.manifest.counts.get(name, 0):,}")
    console.print(grid)
    print_changes(result.manifest, console)


def csv_extract(
    files: list[Path] = typer.Argument(..., help="registrations.csv, clinicians.csv, appointments.csv, or a folder"),
    out: Path = typer.Option(..., "--out", help="Dataset folder (created, or merged into)"),
    update: bool = UPDATE_OPTION,
) -> None:
    """Import a practice CSV extract (see docs/csv-extract.md); nothing is written unless every row is valid."""
    from carenet.sources.extract import import_extract

    with file_errors(out):
        result = import_extract(files, out, update=update)
    _summary(result, out)


def nhs_registered(
    list_csv: Path = typer.Argument(..., help="NHS Digital 'Patients Registered at a GP Practice' CSV"),
    out: Path = typer.Option(..., "--out", help="Dataset folder (created, or merged into)"),
    imd: Path | None = typer.Option(None, "--imd", help="OHID Fingertips indicator 93553 CSV (IMD 2019 by practice)"),
    ccg: list[str] | None = typer.Option(None, "--ccg", help="Keep only practices of this CCG code (repeatable)"),
    update: bool = UPDATE_OPTION,
) -> None:
    """Import practices with their list size (and IMD score) from NHS Digital open data."""
    from carenet.sources.nhs import import_registered_practices

    with file_errors(out):
        result = import_registered_practices(list_csv, out, imd, ccgs=ccg or None, update=update)
    _summary(result, out)


def nhs_appointments(
    files: list[Path] = typer.Argument(..., help="NHS Digital 'Appointments in General Practice' CSVs"),
    out: Path = typer.Option(..., "--out", help="Dataset folder (created, or merged into)"),
    update: bool = UPDATE_OPTION,
) -> None:
    """Import monthly appointment counts by status, HCP type, mode and booking interval."""
    from carenet.sources.nhs import import_appointment_counts

    with file_errors(out):
        result = import_appointment_counts(files, out, update=update)
    _summary(result, out)


def register(app: typer.Typer) -> None:
    """Attach the CSV import commands to the ``import`` sub-app."""
    app.command("csv")(csv_extract)
    app.command("nhs-registered")(nhs_registered)
    app.command("nhs-appointments")(nhs_appointments)
