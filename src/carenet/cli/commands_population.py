"""Population commands: ``carenet population synth|check|demo``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from carenet.cli.console import LazyConsole
from carenet.cli.dates import parse_day
from carenet.cli.failures import file_errors, literal
from carenet.cli.lazy import WholeHelpGroup
from carenet.cli.limits import check_limits
from carenet.schema.errors import CarenetError

if TYPE_CHECKING:  # loaded inside the commands, so that `carenet --help` stays quick
    import pyarrow as pa
    from rich.console import Console
    from rich.table import Table

    from carenet.population import Summary

console = LazyConsole()
population_app = typer.Typer(help="Calibrated synthetic populations: generate and check.",
                             no_args_is_help=True, cls=WholeHelpGroup)

DEMO_SEED = 20250331
NHS_OPEN_DATA = Path("../shared/external/nhs-open-data")
LIST_CSV = "gp-reg-pat-prac-all_2021-01.csv"
IMD_CSV = "fingertips_93553_imd2019_by_gp_practice.csv"
AGE_BANDS = ((0, 5), (5, 15), (15, 25), (25, 45), (45, 65), (65, 75), (75, 85), (85, None))


def _england(folder: Path, ccgs: list[str] | None) -> pa.Table:
    from carenet.sources.nhs import read_registered_practices

    list_csv, imd_csv = folder / LIST_CSV, folder / IMD_CSV
    for needed in (list_csv, imd_csv):
        if not needed.is_file():
            raise CarenetError(f"{needed} not found: --nhs-data must be the folder holding {LIST_CSV} and {IMD_CSV}")
    return read_registered_practices(list_csv, imd_csv, ccgs=ccgs or None)


def _practices(choice: str, nhs_data: Path, ccgs: list[str] | None) -> tuple[pa.Table, pa.Table | None, str]:
    from carenet.population import demo_networks, demo_practices, read_practices_csv

    if choice == "demo":
        return demo_practices(), demo_networks(), "demo"
    if choice == "england":
        label = "england" + (f" (CCG {', '.join(ccgs)})" if ccgs else "")
        return _england(nhs_data, ccgs), None, label
    path = Path(choice)
    if path.suffix.lower() != ".csv" and not path.exists():
        raise CarenetError(f"--practices must be demo, england or a practices CSV file; {choice!r} is none of them")
    return read_practices_csv(path), None, path.name


def synth(
    practices: str = typer.Option("demo", "--practices", help="demo, england, or a practices CSV file"),
    seed: int = typer.Option(..., "--seed", help="Random seed: the same seed gives the same dataset"),
    out: Path = typer.Option(..., "--out", help="Dataset folder to write (replaced if it is a dataset)"),
    patients: int | None = typer.Option(None, "--patients", min=0, help="Total patients (list sizes are scaled)"),
    ccg: list[str] | None = typer.Option(None, "--ccg", help="With england: only practices of this CCG (repeatable)"),
    nhs_data: Path = typer.Option(NHS_OPEN_DATA, "--nhs-data", help="Folder of the NHS open-data CSVs (england)"),
    batch_patients: int | None = typer.Option(None, "--batch-patients", min=1,
                                              help="Patients generated and written at a time (bounds memory; "
                                                   "default: the generator's own batch size)"),
) -> None:
    """Generate a calibrated synthetic population and write it as a dataset."""
    from carenet.population import DEFAULT_BATCH_PATIENTS, write_population

    batch_patients = DEFAULT_BATCH_PATIENTS if batch_patients is None else batch_patients
    check_limits({"--patients": patients, "--batch-patients": batch_patients}, {"--patients": "population_patients"})
    with file_errors(None if practices in ("demo", "england") else practices):
        table, networks, label = _practices(practices, nhs_data, ccg)
    with file_errors(out):
        manifest = write_population(out, table, networks, seed=seed, label=label, patients=patients,
                                    batch_patients=batch_patients)
    console.print(f"[bold]{literal(out)}[/]: {manifest.counts.get('patients', 0):,} patients in "
                  f"{manifest.counts.get('practices', 0):,} practices, "
                  f"{manifest.counts.get('conditions', 0):,} condition records, seed {seed}", soft_wrap=True)


def england(
    out: Path = typer.Argument(..., help="Dataset folder to write (replaced if it is a dataset)"),
    seed: int = typer.Option(..., "--seed", help="Random seed: the same seed gives the same patients"),
    practices: int | None = typer.Option(None, "--practices", min=1,
                                         help="Only the first N practices (of --region, if given), for a quick run"),
    region: str | None = typer.Option(None, "--region", help="Only this NHS England region (code, e.g. Y63)"),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes generating sub-ICB locations"),
    batch_patients: int | None = typer.Option(None, "--batch-patients", min=1,
                                              help="Patients a worker generates and writes at a time (bounds memory; "
                                                   "default parameters.yaml england_scale.batch_patients)"),
    nhs_data: Path = typer.Option(NHS_OPEN_DATA, "--nhs-data", help="Folder of the NHS open-data CSVs"),
) -> None:
    """Synthetic England: every practice of the July 2026 files (list size, age-sex, PCN, sub-ICB, ICB, region,
    IMD 2019), partitioned by region and sub-ICB location."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

    from carenet.params import parameter
    from carenet.population.england import read_england, select, write_england

    batch = int(parameter("england_scale.batch_patients")["value"]) if batch_patients is None else batch_patients
    check_limits({"--batch-patients": batch, "--workers": workers}, {"--batch-patients": "population_patients"})
    with file_errors(nhs_data):
        data = read_england(nhs_data)
    chosen = select(data, practices, region)
    total = int(data.practices["list_size"].to_numpy()[chosen].sum())
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=console.real, transient=False) as bar:
        task = bar.add_task(f"{len(chosen):,} practices, patients", total=total)
        with file_errors(out):
            manifest = write_england(out, data, chosen, seed=seed, batch_patients=batch, workers=workers,
                                     on_task=lambda n: bar.advance(task, n))
    parts = manifest.extra.get("partitioning", {})
    console.print(f"[bold]{literal(out)}[/]: {manifest.counts.get('patients', 0):,} patients in "
                  f"{manifest.counts.get('practices', 0):,} practices and {manifest.counts.get('networks', 0):,} "
                  f"PCNs, {manifest.counts.get('conditions', 0):,} condition records, {parts.get('files', 0):,} "
                  "files per patient table (by region and sub-ICB), seed " + str(seed), soft_wrap=True)


def _reference_date(manifest_extra: dict, given: str | None) -> dt.date | None:
    if given is not None:
        return parse_day(given, "--reference-date")
    return parse_day(manifest_extra.get("reference_date"), "the manifest's reference_date")


def comparison_table(summary: Summary, title: str) -> tuple[Table, list[str], int]:
    """Generated against published, one row per figure, grouped; returns the table, its numbered sources and
    how many rows fail."""
    from rich.table import Table

    from carenet.population import compare, failures

    rows = compare(summary)
    sources: list[str] = []
    grid = Table("measure", "generated", "published", "tolerance", "", "source", "of which sampling", title=title,
                 caption="tolerance: the calibration tolerance (parameters.yaml synthetic_population.check_tolerance) "
                         "and the sampling error of the published share among the n people counted, combined",
                 caption_justify="left")
    group = None
    for r in rows:
        if r.group != group:
            if group is not None:
                grid.add_section()
            grid.add_row(f"[bold]{r.group}[/]")
            group = r.group
        if r.source not in sources:
            sources.append(r.source)
        mark = "[green]ok[/]" if r.passed else "[bold red]FAIL[/]"
        grid.add_row(f"  {r.measure}", f"{r.generated:.2%}", f"{r.published:.2%}", f"±{r.tolerance:.2%}", mark,
                     f"[{sources.index(r.source) + 1}]", f"±{r.sampling:.2%} (n {r.n:,})")
    return grid, sources, len(failures(rows))


def _print_comparison(summary: Summary, title: str, out: Console) -> int:
    grid, sources, failed = comparison_table(summary, title)
    out.print(grid)
    for k, source in enumerate(sources, start=1):
        out.print(f"  [{k}] {source}", highlight=False, markup=False)
    return failed


def check(
    dataset: Path = typer.Argument(..., help="Dataset folder"),
    reference_date: str | None = typer.Option(None, "--reference-date",
                                              help="Date ages are taken at (default: the dataset's own)"),
) -> None:
    """Compare a population with published figures; exit 1 if any falls outside its tolerance."""
    from carenet.population import summarise
    from carenet.schema import open_dataset

    with file_errors(dataset):
        ds = open_dataset(dataset)
        summary = summarise(ds, _reference_date(ds.manifest.extra, reference_date))
    title = f"{literal(dataset)}: {summary.patients:,} patients on {summary.reference_date}"
    failed = _print_comparison(summary, title, console)
    if failed:
        console.print(f"[bold red]{failed} figure(s) outside tolerance[/]")
        raise typer.Exit(code=1)
    console.print("[green]all figures within tolerance[/]")


def show_profile(summary: Summary, out: Console | None = None) -> None:
    """Print a population's profile: practices, age bands, registers against published figures, workforce."""
    from rich.table import Table
    from rich.text import Text

    out = out or console
    practices = Table("practice", "name", "network", "list size", "IMD score", title="Practices")
    for row in summary.practices.to_pylist():
        imd = row.get("imd_score")
        practices.add_row(Text(row["practice_id"]), Text(row.get("name") or ""),
                          Text(row.get("network_id") or ""),
                          f"{row.get('patients', 0):,}", "" if imd is None else f"{imd:.1f}")
    out.print(practices)
    ages = Table("age", "patients", "share", title=f"Age on {summary.reference_date}")
    for lo, hi in AGE_BANDS:
        label = f"{lo}-{hi - 1}" if hi is not None else f"{lo}+"
        ages.add_row(label, f"{summary.in_band(summary.age_counts, lo, hi):,}", f"{summary.age_share(lo, hi):.1%}")
    out.print(ages)
    _print_comparison(summary, "Registers, multimorbidity and frailty against published figures", out)
    staff = Table("role", "people", "FTE", "FTE per 10,000", title="Workforce")
    for row in summary.workforce.to_pylist():
        staff.add_row(row["role"], f"{row['people']:,}", f"{row['fte']:.1f}",
                      f"{row['fte'] / max(1, summary.patients) * 10_000:.2f}")
    out.print(staff)


def demo(
    out: Path = typer.Option(Path("carenet-demo"), "--out", help="Dataset folder to write"),
    seed: int = typer.Option(DEMO_SEED, "--seed", help="Random seed"),
) -> None:
    """Build the demo network (one PCN of five practices, 50,000 patients), show its profile, write it."""
    from carenet.population import demo_networks, demo_practices, summarise, write_population
    from carenet.schema import open_dataset

    with file_errors(out):
        manifest = write_population(out, demo_practices(), demo_networks(), seed=seed, label="demo")
        summary = summarise(open_dataset(out))
    console.print(f"[bold]Demo network[/]: {summary.patients:,} patients, seed {seed}, written to {literal(out)}",
                  soft_wrap=True)
    show_profile(summary)
    console.print(f"{manifest.counts.get('conditions', 0):,} condition records; "
                  f"try [bold]carenet population check {literal(out)}[/]")


def register(app: typer.Typer) -> None:
    population_app.command("synth")(synth)
    population_app.command("england")(england)
    population_app.command("check")(check)
    population_app.command("demo")(demo)
    app.add_typer(population_app, name="population")
