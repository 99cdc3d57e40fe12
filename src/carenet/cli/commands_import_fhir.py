"""``carenet import fhir``: FHIR R4 bundles and bulk-data ndjson into a canonical dataset."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from carenet.cli.changes import UPDATE_OPTION, print_changes
from carenet.cli.console import LazyConsole
from carenet.cli.failures import file_errors, literal
from carenet.cli.limits import check_limits

if TYPE_CHECKING:  # loaded inside the command, so that `carenet --help` stays quick
    from carenet.sources.fhir import FhirDefaults, FhirImport

console = LazyConsole()
err_console = LazyConsole(stderr=True)
_PROGRESS_FROM_BYTES = 16 * 1024 * 1024
"""Inputs smaller than this import in a second or two; no progress bar for them."""


def fhir_defaults() -> FhirDefaults:
    """The importer's defaults, from the ``fhir_import`` section of parameters.yaml."""
    from carenet.params import parameter
    from carenet.sources.fhir import FhirDefaults

    return FhirDefaults.from_parameters(parameter("fhir_import"))


def fhir(
    paths: list[Path] = typer.Argument(..., help="FHIR files or folders: .json bundles, .ndjson bulk-data files"),
    out: Path = typer.Option(..., "--out", "-o", help="Dataset folder to create or merge into"),
    workers: int = typer.Option(0, "--workers", min=0, help="Worker processes (0 = one per core)"),
    update: bool = UPDATE_OPTION,
) -> None:
    """Import FHIR R4 resources; every problem is listed and nothing is written unless all is well."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    from carenet.sources.fhir import read_fhir, save_fhir

    check_limits({"--workers": workers})
    with file_errors(paths[0] if len(paths) == 1 else None):
        total = sum(f.stat().st_size for p in paths if p.exists()
                    for f in ([p] if p.is_file() else [q for q in p.rglob("*") if q.is_file()]))
        if total >= _PROGRESS_FROM_BYTES:
            with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                          TransferSpeedColumn(), TimeRemainingColumn(), console=err_console.real,
                          transient=True) as bar:
                task = bar.add_task("reading FHIR", total=total)
                result = read_fhir(paths, fhir_defaults(), workers=workers or None,
                                   progress=lambda done, _all: bar.update(task, completed=done))
        else:
            result = read_fhir(paths, fhir_defaults(), workers=workers or None)
    _print_remarks(result)
    with file_errors(out):
        save_fhir(result, paths, out, update=update)
    _summary(result, out)


def _print_remarks(result: FhirImport) -> None:
    """What was skipped or noted on the way: printed (literally: codes come from the input) before the write."""
    from rich.table import Table
    from rich.text import Text

    if result.skipped:
        skipped = Table("skipped (valid FHIR carenet does not map)", "resources")
        for reason, n in result.skipped.most_common():
            skipped.add_row(Text(reason), f"{n:,}")
        console.print(skipped)
    if result.notes:
        notes = Table("note", "count")
        for note, n in result.notes.most_common():
            notes.add_row(Text(note), f"{n:,}")
        console.print(notes)


def _summary(result: FhirImport, out: Path) -> None:
    from rich.table import Table

    console.print(f"[bold]imported[/] {len(result.files)} file(s), {result.n_bytes / 1e6:,.1f} MB, "
                  f"{sum(result.resources.values()):,} resources into {literal(out)}")
    rows = Table("table", "rows from this import", "rows in dataset")
    totals = result.manifest.counts if result.manifest else {}
    for name, n in result.counts.items():
        rows.add_row(name, f"{n:,}", f"{totals.get(name, n):,}")
    console.print(rows)
    print_changes(result.manifest, console)


def register(app: typer.Typer) -> None:
    """Attach ``fhir`` to the ``import`` sub-app."""
    app.command("fhir")(fhir)
