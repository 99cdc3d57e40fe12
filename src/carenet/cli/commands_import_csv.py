"""``carenet import csv | nhs-registered | nhs-appointments``: practice extracts and NHS Digital CSVs."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from carenet.sources.extract import ImportResult, import_extract
from carenet.sources.nhs import import_appointment_counts, import_registered_practices

console = Console()


def _summary(result: ImportResult, out: Path) -> None:
    grid = Table("table", "rows read", "rows in dataset", title=f"imported into {out}")
    for name, rows in result.read.items():
        grid.add_row(name, f"{rows:,}", f"{result.manifest.counts.get(name, 0):,}")
    console.print(grid)


def csv_extract(
    files: list[Path] = typer.Argument(..., help="registrations.csv, clinicians.csv, appointments.csv, or a folder"),
    out: Path = typer.Option(..., "--out", help="Dataset folder (created, or merged into)"),
) -> None:
    """Import a practice CSV extract (see docs/csv-extract.md); nothing is written unless every row is valid."""
    _summary(import_extract(files, out), out)


def nhs_registered(
    list_csv: Path = typer.Argument(..., help="NHS Digital 'Patients Registered at a GP Practice' CSV"),
    out: Path = typer.Option(..., "--out", help="Dataset folder (created, or merged into)"),
    imd: Path | None = typer.Option(None, "--imd", help="OHID Fingertips indicator 93553 CSV (IMD 2019 by practice)"),
    ccg: list[str] | None = typer.Option(None, "--ccg", help="Keep only practices of this CCG code (repeatable)"),
) -> None:
    """Import practices with their list size (and IMD score) from NHS Digital open data."""
    _summary(import_registered_practices(list_csv, out, imd, ccgs=ccg or None), out)


def nhs_appointments(
    files: list[Path] = typer.Argument(..., help="NHS Digital 'Appointments in General Practice' CSVs"),
    out: Path = typer.Option(..., "--out", help="Dataset folder (created, or merged into)"),
) -> None:
    """Import monthly appointment counts by status, HCP type, mode and booking interval."""
    _summary(import_appointment_counts(files, out), out)


def register(app: typer.Typer) -> None:
    """Attach the CSV import commands to the ``import`` sub-app."""
    app.command("csv")(csv_extract)
    app.command("nhs-registered")(nhs_registered)
    app.command("nhs-appointments")(nhs_appointments)
