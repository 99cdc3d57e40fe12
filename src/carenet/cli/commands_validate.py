"""``carenet validate``: a model's simulated year (or an existing run) against published figures.

Prints simulated against published with tolerance, verdict and source as a Rich table, writes
``validation.json`` and ``validation.html`` and exits with status 1 when any figure lies outside its
tolerance. The work is :mod:`carenet.validation`'s; this is the thin command over it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from carenet.cli.commands_experiments import DEMO, _command, progress_bar
from carenet.cli.console import LazyConsole

if TYPE_CHECKING:  # loaded inside the command, so that `carenet --help` stays quick
    from rich.table import Table

    from carenet.validation import Validation

console = LazyConsole()

_OPEN_DATA = Path("shared/external/nhs-open-data")
NHS_OPEN_DATA = next((p for p in (Path("..") / _OPEN_DATA, Path(__file__).resolve().parents[4] / _OPEN_DATA)
                      if p.is_dir()), Path("..") / _OPEN_DATA)
"""The external NHS open data beside the project (from its folder, or beside an editable install's checkout)."""
DEFAULT_APPOINTMENTS = NHS_OPEN_DATA / "appointments_in_gp_regional_Dorset_2019-03_to_2021-08.csv"
"""NHS Digital "Appointments in General Practice", NHS Dorset CCG, March 2019 to August 2021 (external data)."""
DEFAULT_OUT = Path("carenet-validate")
DEFAULT_MODEL = "traditional"


def validation_table(validation: Validation) -> tuple[Table, list[str]]:
    """Measures down; simulated, published, tolerance, verdict and a numbered source across.

    Returns the table and the lines to print under it: the numbered sources, then why each n/a row lacks a figure.
    """
    from rich.table import Table

    from carenet.validation import NOT_APPLICABLE, OUTSIDE
    from carenet.validation.comparison import format_tolerance, format_value

    grid = Table(title="Simulated against published", title_justify="left", header_style="bold")
    grid.add_column("measure", max_width=46)
    for name in ("simulated", "published", "tolerance"):
        grid.add_column(name, justify="right")
    grid.add_column("verdict")
    grid.add_column("source")
    sources: dict[str, int] = {}
    reasons: dict[str, list[str]] = {}
    section = None
    for row in validation.table.to_dict(orient="records"):
        title, group = row["title"], row["group_label"]
        if group and title != section:
            grid.add_row(f"[bold cyan]{title}[/]")
        section = title if group else None
        status = row["status"]
        shown = {OUTSIDE: "[bold red]OUTSIDE[/]", NOT_APPLICABLE: "[dim]n/a[/]"}.get(status, "[green]ok[/]")
        ref = sources.setdefault(row["source"], len(sources) + 1) if row["source"] else None
        cited = f"[{ref}] {row['tag']}" if ref else ""
        if row["note"]:
            reasons.setdefault(row["note"], []).append(row["label"])
        grid.add_row(f"  {group}" if group else row["label"], format_value(row["simulated"], row["unit"]),
                     format_value(row["published"], row["unit"]), format_tolerance(row), shown, cited)
    lines = [f"  [{n}] {source}" for source, n in sources.items()]
    lines += [f"  n/a - {', '.join(labels)}: {note}" for note, labels in reasons.items()]
    return grid, lines


def validate(
    model: str = typer.Argument(DEFAULT_MODEL, help="Library model name or model file (default: traditional)"),
    population: str = typer.Option(DEMO, "--population", help="Dataset folder of the calibration network, or 'demo'"),
    appointments: Path = typer.Option(DEFAULT_APPOINTMENTS, "--appointments",
                                      help="An NHS Digital 'Appointments in General Practice' regional CSV"),
    days: int | None = typer.Option(None, "--days", min=1, help="Simulated working days (default: a year)"),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the simulation"),
    out: Path | None = typer.Option(None, "--out", help="Folder for the run and validation.html/json (default: "
                                    "carenet-validate, or the --run folder)"),
    run: Path | None = typer.Option(None, "--run", help="Validate this existing run folder instead of simulating"),
    demo_patients: int | None = typer.Option(None, "--demo-patients", min=100,
                                             help="With --population demo: scale the demo network to this many "
                                                  "patients"),
) -> None:
    """Hold a model's simulated year (or an existing run) against published figures; exit 1 if any is outside."""
    from carenet.validation import (
        NOT_APPLICABLE,
        OUTSIDE,
        ValidationSettings,
        published_figures,
        simulate_for_validation,
        validate_folder,
        write_outputs,
    )

    settings = ValidationSettings.from_parameters()
    published = published_figures(appointments, settings)
    if run is not None:
        folder = out or run
        validation = validate_folder(run, model, appointments, settings, published=published)
    else:
        folder = out or DEFAULT_OUT
        command = _command("validate", model, "--population", population, "--seed", seed, "--out", folder,
                           *(["--days", days] if days else []),
                           *(["--demo-patients", demo_patients] if demo_patients else []))
        with progress_bar(f"simulating {model}") as update:
            simulate_for_validation(model, population, folder, days=days, seed=seed, demo_patients=demo_patients,
                                    on_progress=update, command=command)
        facts = {"population": population, "seed": str(seed), "command": command}
        validation = validate_folder(folder, model, appointments, settings, facts=facts, published=published)
    grid, lines = validation_table(validation)
    console.print(grid)
    for line in lines:
        console.print(line, highlight=False, markup=False)
    counts = validation.counts()
    written = write_outputs(validation, folder)
    console.print(f"{counts['ok']} ok, {counts[OUTSIDE]} OUTSIDE, {counts[NOT_APPLICABLE]} without both figures. "
                  "Wrote " + ", ".join(str(p) for p in written), highlight=False)
    if not validation.passed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Attach ``validate`` to ``app``."""
    app.command("validate")(validate)


__all__ = ["DEFAULT_APPOINTMENTS", "register", "validate", "validation_table"]
