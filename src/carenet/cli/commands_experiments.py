"""Experiment commands: ``carenet simulate``, ``compare``, ``sweep`` and the demo (``demo``).

Each is a thin layer over :mod:`carenet.twin.experiments`: options in, a progress bar with an ETA
while replications run in parallel processes, a side-by-side table out, and files written into the
run folder (``scorecard.csv``, ``scorecard.xlsx``, ``report.html``, ``sweep.csv``, ``sweep.html``).
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from carenet.cli.console import LazyConsole
from carenet.cli.dates import parse_day
from carenet.cli.failures import file_errors
from carenet.cli.kernels import warm_in_background
from carenet.cli.limits import check_limits, check_run_length
from carenet.schema.errors import CarenetError

if TYPE_CHECKING:  # loaded inside the commands, so that `carenet --help` and option errors stay quick
    import pandas as pd
    from rich.table import Table

    from carenet.twin.experiments.compare import Comparison
    from carenet.twin.experiments.sweep import Sweep

console = LazyConsole()

DEMO = "demo"
"""The ``--population`` value naming the demo network (the twin's ``experiments.population.DEMO``)."""

DEMO_MODELS: tuple[str, ...] = ("traditional", "micro_teams", "health_care_home", "community_centred",
                                "federation_hub", "digital_first")
"""Models the demo compares: the traditional baseline first, then one model of each of the reports' families
(team-based, in-practice segmentation, community-centred, networks at scale, digital-first)."""
DEMO_OUT = Path("carenet-demo")
DEMO_REPS = 2
DEMO_PATIENTS = 50_000
"""The full demo network (five practices, 50,000 patients): six models x two replications of a year run in
about a minute and a half on two cores; ``--demo-patients`` rescales it for a quicker look."""
DEMO_EXPERIMENT_SEED = 2025
LABEL_WIDTH = 34
SCORECARD_CSV, SCORECARD_XLSX, REPORT_HTML = "scorecard.csv", "scorecard.xlsx", "report.html"
SWEEP_CSV, SWEEP_HTML = "sweep.csv", "sweep.html"
EXTRA_MEASURES: dict[str, tuple[str, ...]] = {"workforce": ("utilisation_all", "gp_redirectable_share"),
                                              "cost": ("staff_cost_per_appointment_gbp",)}
"""Printed beside the summary's headline measures: workload and the second cost measure."""


class Booking(StrEnum):
    greedy = "greedy"
    exact = "exact"


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar over simulated days (all replications together), with an ETA."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("days"),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=console.real, transient=False) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _command(*parts: object) -> str:
    return shlex.join(["carenet", *[str(p) for p in parts if p is not None and p != ""]])


def _options(population: str, years: float | None, days: int | None, reps: int, seed: int, booking: Booking,
             out: Path, demo_patients: int | None, start: str | None = None) -> list[str]:
    length = ["--days", str(days)] if days is not None else ["--years", f"{years:g}"]
    size = ["--demo-patients", str(demo_patients)] if demo_patients is not None else []
    first = ["--start", start] if start is not None else []
    return ["--population", str(population), *length, *first, "--reps", str(reps), "--seed", str(seed),
            "--booking", booking.value, *size, "--out", str(out)]


def _cell(row: pd.Series | None) -> str:
    """The mean, and under it the 95% interval."""
    import pandas as pd

    from carenet.report.summary import format_number

    if row is None or pd.isna(row["mean"]):
        return "[yellow]n/a[/]"
    unit = str(row["unit"])
    text = format_number(float(row["mean"]), unit)
    if row["reps"] > 1 and row["lo"] != row["hi"]:
        text += f"\n[dim]{format_number(float(row['lo']), unit)}–{format_number(float(row['hi']), unit)}[/]"
    return text


def _printed_measures(card: pd.DataFrame, full: bool) -> list[tuple[str, str]]:
    from carenet.measures.scorecard import ATTRIBUTES
    from carenet.report import HEADLINES

    shown = card[card["attribute"] != "population"]
    pairs = list(dict.fromkeys(zip(shown["attribute"], shown["measure"], strict=True)))
    if full:
        return pairs
    wanted = {a: set(HEADLINES.get(a, ())) | set(EXTRA_MEASURES.get(a, ())) for a in [*ATTRIBUTES, "cost"]}
    return [(a, m) for a, m in pairs if m in wanted.get(a, set())]


MEASURE_MIN_WIDTH = 24
"""The measure column is never squeezed below this (labels wrap onto a second line instead of being cut)."""
_CELL_PADDING = 3
"""A column's padding and border, in characters."""


def _visible_width(text: str) -> int:
    from rich.text import Text

    return max(line.cell_len for line in Text.from_markup(text).split("\n"))


def scorecard_tables(comparison: Comparison, tolerance: float, full: bool = False,
                     width: int | None = None) -> list[Table]:
    """Measures down, models across: mean (95% interval); best green and worst red where they clearly differ.

    The tables fit ``width`` (the terminal's): models are headed by name when they fit, else (a name wider than
    its numbers) by letter, with a legend under the table, and, when even those do not fit, split over several
    tables of as many models as fit, each with the measures down its side; numbers are never cut.
    """
    from rich.markup import escape
    from rich.table import Table

    from carenet.report.summary import SECTION_NAMES, best_and_worst

    width = width or console.width
    card = comparison.scorecard
    names = comparison.model_names
    titles = dict(zip(comparison.models["model"], comparison.models["title"], strict=True))
    rows: list[tuple[str | None, list[str]]] = []  # (measure label or None for a section row, cells)
    section = None
    for attribute, measure in _printed_measures(card, full):
        if attribute != section:
            rows.append((f"[bold cyan]{SECTION_NAMES.get(attribute, attribute)}[/]", []))
            section = attribute
        by_model = card[card["measure"] == measure].set_index("model")
        first = by_model.iloc[0]
        best, worst = best_and_worst(by_model, tolerance)
        cells = []
        for model in names:
            text = _cell(by_model.loc[model] if model in by_model.index else None)
            cells.append(f"[green]{text}[/]" if model == best else f"[red]{text}[/]" if model == worst else text)
        arrow = {"higher": " ↑", "lower": " ↓"}.get(first["better"] or "", "")
        rows.append((f"  {first['label']}{arrow}", cells))
    values = [max((_visible_width(cells[i]) for _, cells in rows if cells), default=1) for i in range(len(names))]
    label = min(LABEL_WIDTH, max((_visible_width(text) for text, _ in rows), default=MEASURE_MIN_WIDTH))
    named = [max(v, len(m)) + _CELL_PADDING for v, m in zip(values, names, strict=True)]
    if label + _CELL_PADDING + 1 + sum(named) <= width:
        groups, headers = [list(range(len(names)))], list(names)
    else:
        headers = [m if len(m) <= v else _letter(i) for i, (m, v) in enumerate(zip(names, values, strict=True))]
        room = max(width - MEASURE_MIN_WIDTH - _CELL_PADDING - 1, 1)
        need = [max(v, len(h)) + _CELL_PADDING for v, h in zip(values, headers, strict=True)]
        groups, current, used = [], [], 0
        for i in range(len(names)):
            if current and used + need[i] > room:
                groups.append(current)
                current, used = [], 0
            current.append(i)
            used += need[i]
        groups.append(current)
        size = -(-len(names) // len(groups))  # as many tables, more evenly filled, when they fit
        even = [list(range(k, min(k + size, len(names)))) for k in range(0, len(names), size)]
        if len(even) == len(groups) and all(sum(need[i] for i in g) <= room for g in even):
            groups = even
    tables = []
    for group in groups:
        part = f" (models {group[0] + 1}–{group[-1] + 1} of {len(names)})" if len(groups) > 1 else ""
        legend = " · ".join((f"{headers[i]} = {names[i]}" if headers[i] != names[i] else names[i])
                            + (f": {titles[names[i]]}" if titles[names[i]] != names[i] else "") for i in group)
        grid = Table(title=f"Scorecard: mean, and under it the 95% interval across replications{part}",
                     title_justify="left", header_style="bold", caption=escape(legend), caption_justify="left")
        grid.add_column("measure", min_width=min(label, MEASURE_MIN_WIDTH), max_width=LABEL_WIDTH, ratio=1)
        for i in group:
            grid.add_column(headers[i], justify="right", no_wrap=True, min_width=values[i])
        for text, cells in rows:
            grid.add_row(text, *([cells[i] for i in group] if cells else []))
        tables.append(grid)
    return tables


def _letter(i: int) -> str:
    """Column letters A, B, … Z, AA, AB …"""
    return (_letter(i // 26 - 1) if i >= 26 else "") + chr(ord("A") + i % 26)


def print_comparison(comparison: Comparison, tolerance: float, full: bool = False) -> None:
    """The side-by-side scorecard, then each model's trade-offs against the first, and the differences the
    relative-tolerance rule kept from being called differences."""
    from rich.markup import escape

    from carenet.report.summary import differences, format_number, model_sentence

    for grid in scorecard_tables(comparison, tolerance, full):
        console.print(grid)
    names = comparison.model_names
    titles = dict(zip(comparison.models["model"], comparison.models["title"], strict=True))
    if len(names) < 2:
        return
    console.print(f"[bold]Trade-offs[/] against {escape(titles[names[0]])} (differences beyond the 95% intervals):")
    for model in names[1:]:
        diffs = differences(comparison.scorecard, names[0], model, tolerance)
        sentence = model_sentence(titles[model], titles[names[0]], diffs)
        colour = "magenta" if "trade-off" in sentence else "white"
        console.print(f"  [{colour}]- {escape(sentence)}[/]", highlight=False)
        small = [d for d in diffs if d.suppressed]
        if small:
            changes = "; ".join(f"{d.label.lower()} {format_number(d.before, d.unit)} → "
                                f"{format_number(d.after, d.unit)}" for d in small)
            console.print(f"    [dim]not called differences: {escape(changes)} - beyond the 95% intervals but within "
                          f"the {tolerance:.0%} relative tolerance (measures_compare.relative_tolerance)[/]",
                          highlight=False)


def _tolerance() -> float:
    from carenet.params import parameter

    return float(parameter("measures_compare.relative_tolerance.value"))


def print_robustness(comparison: Comparison) -> None:
    """Which of the comparison's conclusions hold across the draws: robust, likely, fragile, and on what."""
    from rich.table import Table

    from carenet.report.uncertainty import finding_text

    analysis = comparison.uncertainty
    titles = dict(zip(comparison.models["model"], comparison.models["title"], strict=True))
    draws = len(analysis.draws)
    table = Table(title=f"Which conclusions hold across {draws} draws of the assumptions (against "
                        f"{titles[analysis.comparator]})", show_lines=False, expand=False)
    for column, style in (("model", None), ("conclusion", None), ("holds in", "bold"), ("verdict", None),
                          ("hangs on", None)):
        table.add_column(column, style=style, overflow="fold")
    for row in analysis.conclusions().to_dict("records"):
        table.add_row(row["model"], finding_text(row),
                      f"{row['holds']:.0%}", row["robustness"], row["hangs_on"] or "-")
    console.print(table)
    console.print(f"robust: holds in at least {analysis.thresholds.robust_share:.0%} of draws; likely: at least "
                  f"{analysis.thresholds.likely_share:.0%}; otherwise fragile. 'Hangs on' names the assumptions whose "
                  f"drawn values move the difference beyond chance (|rank correlation| above "
                  f"{analysis.noise_rho:.2f} with {draws} draws). Compute per draw: "
                  f"{analysis.seconds_per_draw:.0f} s.", highlight=False)


def write_outputs(comparison: Comparison, out: Path, title: str, reproduce: list[str], report: bool = True,
                  wall_seconds: float | None = None, contract: str | None = None) -> list[Path]:
    """scorecard.csv, scorecard.xlsx and (unless ``report`` is off) report.html in ``out``, under its lock; with a
    ``contract``, the report has a funding section (docs/fund.md)."""
    from carenet.report import ReportData, write_report
    from carenet.schema.folders import locked
    from carenet.twin.experiments.report_inputs import report_tables

    with locked(out, command=reproduce[0] if reproduce else "carenet", what="run folder"):
        written = [comparison.to_csv(out / SCORECARD_CSV), comparison.to_excel(out / SCORECARD_XLSX)]
        if comparison.uncertainty is not None:
            from carenet.twin.experiments.uncertainty.export import write_uncertainty

            written += write_uncertainty(comparison.uncertainty, out)
        if report:
            tables = report_tables(comparison, title=title, reproduce=reproduce, wall_seconds=wall_seconds)
            if contract is not None:
                from carenet.cli.commands_fund import report_funding

                tables["funding"] = report_funding(out, contract)
            data = ReportData(**tables)
            written.append(write_report(data, out / REPORT_HTML))
    return written


# --- commands -------------------------------------------------------------------------------------------------------

_POPULATION = typer.Option(DEMO, "--population", help="Dataset folder of the population, or 'demo'")
_YEARS = typer.Option(1.0, "--years", min=0.0, help="Simulated years (a year is 252 working days)")
_DAYS = typer.Option(None, "--days", min=1, help="Simulated working days (overrides --years)")
_SEED = typer.Option(0, "--seed", min=0, help="Seed: the same seed gives the same run, bit for bit")
_BOOKING = typer.Option(Booking.greedy, "--booking", help="Booking engine: greedy (fast) or exact (optimal)")
_WORKERS = typer.Option(None, "--workers", min=0, help="Worker processes (default: one per core; 0: in-process)")
_DEMO_PATIENTS = typer.Option(None, "--demo-patients", min=100,
                              help="With --population demo: scale the demo network to this many patients")
_START = typer.Option(None, "--start", help="First simulated day, YYYY-MM-DD (default: the day after the "
                                            "population's reference date, or the last day an imported "
                                            "dataset covers)")



def simulate(
    model: str = typer.Argument(..., help="Library model name or model file"),
    population: str = _POPULATION,
    years: float = _YEARS,
    days: int | None = _DAYS,
    reps: int = typer.Option(1, "--reps", min=1, help="Replications (independent seeds)"),
    seed: int = _SEED,
    out: Path = typer.Option(..., "--out", help="Run folder to write (rep-000, rep-001 …, experiment.json)"),
    booking: Booking = _BOOKING,
    workers: int | None = _WORKERS,
    score: bool = typer.Option(False, "--score/--no-score", help="Also score access, continuity and cost"),
    demo_patients: int | None = _DEMO_PATIENTS,
    start: str | None = _START,
    by_network: bool = typer.Option(False, "--by-network",
                                    help="A national dataset (carenet population england): run each network "
                                         "(PCN) on its own, writing OUT/network=CODE per network"),
    networks: int | None = typer.Option(None, "--networks", min=1,
                                        help="With --by-network: only the first N networks (a sample)"),
) -> None:
    """Simulate one delivery model: replications in parallel, one canonical dataset each, plus a manifest."""
    from rich.table import Table

    if by_network:
        _simulate_by_network(model, population, years, days, seed, out, booking, workers, networks, start)
        return

    from carenet.report.summary import format_number
    from carenet.twin.experiments.simulate import simulate_model
    from carenet.twin.experiments.sweep import SWEEP_MEASURES

    check_run_length(years, days)
    check_limits({"--reps": reps, "--workers": workers, "--demo-patients": demo_patients})
    warm_in_background()  # compiles the twin's kernels while the population is built
    first = parse_day(start, "--start")
    command = _command("simulate", model, *_options(population, years, days, reps, seed, booking, out, demo_patients,
                                                    start))
    with progress_bar(f"simulating {model}") as update:
        result = simulate_model(model, population, out, years=years, days=days, reps=reps, seed=seed,
                                booking_mode=booking.value, workers=workers, on_progress=update, score=score,
                                demo_patients=demo_patients, command=command, start=first)
    summary = result.summary().set_index("replication")
    grid = Table(title=f"{result.model}: {result.plan.days} working days on {result.plan.population.patients:,} "
                       "patients", title_justify="left")
    grid.add_column("")
    for k in summary.index:
        grid.add_column(f"rep-{k:03d}", justify="right")
    for column in summary.columns:
        grid.add_row(column.replace("_", " "), *[f"{v:,}" if isinstance(v, int) and column != "seed" else str(v)
                                                 for v in summary[column].tolist()])
    console.print(grid)
    if score and not result.scorecard.empty:
        card = result.scorecard
        for row in card[card["measure"].isin(SWEEP_MEASURES)].itertuples():
            console.print(f"  {row.label}: {format_number(row.mean, row.unit)}")
    console.print(f"[bold]{out}[/]: {len(result.outcomes)} replication dataset(s) and experiment.json "
                  f"in {result.seconds:.0f} s; score one with [bold]carenet score {result.folders[0]}[/]")


def _simulate_by_network(model: str, population: str, years: float, days: int | None, seed: int, out: Path,
                         booking: Booking, workers: int | None, networks: int | None, start: str | None) -> None:
    """``carenet simulate MODEL DATASET --by-network``: a year of ``model`` network by network, in a process pool."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

    from carenet.params import parameter
    from carenet.twin.experiments.by_network import national_networks, run_networks
    from carenet.twin.experiments.national_run import NATIONAL_DATASET
    from carenet.twin.experiments.plan import simulated_days

    if population == DEMO:
        raise CarenetError("--by-network runs a national dataset network by network; give --population DATASET")
    check_run_length(years, days)
    workers = int(parameter("england_scale.twin_workers")["value"]) if workers is None else max(1, workers)
    check_limits({"--workers": workers})
    n_days = simulated_days(years, days)
    with file_errors(Path(population)):
        every = national_networks(population)
    chosen = every if networks is None else every[:networks]
    clock = time.perf_counter()
    patients = 0
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=console.real) as bar:
        task = bar.add_task(f"{model}, {n_days} days, by network", total=len(chosen))

        def done(result) -> None:
            nonlocal patients
            patients += result.patients
            bar.advance(task)

        with file_errors(out):
            results = run_networks(model, population, out, seed=seed, days=n_days, networks=chosen, workers=workers,
                                   start=parse_day(start, "--start"), booking_mode=booking.value, on_network=done)
    seconds = time.perf_counter() - clock
    total = sum(r.patients for r in results)
    console.print(f"[bold]{out}[/]: {len(results):,} network dataset(s) (network=CODE), {total:,} patients, "
                  f"{sum(r.requests for r in results):,} requests, {seconds:.0f} s with {workers} worker(s); "
                  f"index in {out / 'england-run.json'}; every network as one dataset in {out / NATIONAL_DATASET} "
                  f"(carenet score {out / NATIONAL_DATASET})")


def compare(
    models: list[str] = typer.Argument(..., help="Two or more library model names or model files"),
    population: str = _POPULATION,
    years: float = _YEARS,
    days: int | None = _DAYS,
    reps: int = typer.Option(2, "--reps", min=1, help="Replications per model (common random numbers)"),
    seed: int = _SEED,
    out: Path = typer.Option(Path("carenet-compare"), "--out", help="Run folder to write"),
    booking: Booking = _BOOKING,
    workers: int | None = _WORKERS,
    report: bool = typer.Option(True, "--report/--no-report", help="Write report.html"),
    full: bool = typer.Option(False, "--full", help="Print every measure, not only the headline ones"),
    demo_patients: int | None = _DEMO_PATIENTS,
    contract: str = typer.Option("outcomes", "--contract", help="Outcome contract for the report's funding "
                                 "section: a contract file or a library name (docs/fund.md)"),
    funding: bool = typer.Option(True, "--funding/--no-funding", help="Add the funding section to report.html"),
    start: str | None = _START,
    uncertainty: int = typer.Option(0, "--uncertainty", min=0, help="Also run every model on N parameter sets drawn "
                                    "over the assumptions' ranges and say which conclusions hold (docs/"
                                    "uncertainty.md); a power of two spreads the draws most evenly"),
    keep_draws: bool = typer.Option(False, "--keep-draws", help="With --uncertainty: also write every draw's "
                                    "datasets (about 12 MB a replication on the demo network)"),
) -> None:
    """Compare delivery models on one population with common random numbers; print the scorecard and trade-offs."""
    from carenet.twin.experiments.compare import compare_models

    if funding and report:
        from carenet.fund.contract_spec import read_contract

        read_contract(contract)  # a bad contract is refused before anything runs
    check_run_length(years, days)
    check_limits({"--reps": reps, "--workers": workers, "--demo-patients": demo_patients,
                  "--uncertainty": uncertainty or None})
    warm_in_background()  # compiles the twin's kernels while the population is built
    first = parse_day(start, "--start")
    options = _options(population, years, days, reps, seed, booking, out, demo_patients, start)
    command = _command("compare", *models, *options, *(("--uncertainty", uncertainty) if uncertainty else ()),
                       "--keep-draws" if keep_draws else None)
    clock = time.perf_counter()
    label = f"comparing {len(models)} models × {reps} replications" + (
        f" × (1 + {uncertainty} draws)" if uncertainty else "")
    with progress_bar(label) as update:
        result = compare_models(models, population, out, years=years, days=days, reps=reps, seed=seed,
                                booking_mode=booking.value, workers=workers, on_progress=update,
                                demo_patients=demo_patients, command=command, start=first, uncertainty=uncertainty,
                                keep_draws=keep_draws)
    print_comparison(result, _tolerance(), full)
    if result.uncertainty is not None:
        print_robustness(result)
    title = f"Delivery models compared on {result.plan.population.label}"
    written = write_outputs(result, out, title, [command], report, time.perf_counter() - clock,
                            contract if funding else None)
    console.print("Wrote " + ", ".join(str(p) for p in written))


def sweep(
    models: list[str] = typer.Argument(..., help="Library model name(s) or model file(s)"),
    vary: list[str] = typer.Option(..., "--vary", help="PATH=LOW..HIGH, PATH=a,b,c, or a PATH alone for "
                             "its range in parameters.yaml (once or twice)"),
    steps: int = typer.Option(5, "--steps", min=2, help="Values in each LOW..HIGH range"),
    population: str = _POPULATION,
    years: float = _YEARS,
    days: int | None = _DAYS,
    reps: int = typer.Option(2, "--reps", min=1, help="Replications per setting (the same seeds at every setting)"),
    seed: int = _SEED,
    out: Path = typer.Option(Path("carenet-sweep"), "--out", help="Run folder to write"),
    booking: Booking = _BOOKING,
    workers: int | None = _WORKERS,
    demo_patients: int | None = _DEMO_PATIENTS,
    start: str | None = _START,
) -> None:
    """Sensitivity of access, continuity and cost to one or two settings, as a table and a chart (sweep.html)."""
    from carenet.report import ReportData, write_report
    from carenet.twin.experiments.report_inputs import sweep_tables
    from carenet.twin.experiments.sweep import parse_vary, sweep_model

    check_run_length(years, days)
    check_limits({"--reps": reps, "--workers": workers, "--demo-patients": demo_patients, "--steps": steps})
    varies = [parse_vary(v, steps) for v in vary]
    first = parse_day(start, "--start")
    options = _options(population, years, days, reps, seed, booking, out, demo_patients, start)
    command = _command("sweep", *models, *[x for v in vary for x in ("--vary", v)], "--steps", steps, *options)
    runs = len(models) * reps
    for v in varies:
        runs *= len(v.values)
    check_limits({"runs in the sweep": runs}, {"runs in the sweep": "runs"})
    warm_in_background()  # compiles the twin's kernels while the population is built
    with progress_bar(f"sweeping {runs} runs") as update:
        result = sweep_model(models, varies, population, out, years=years, days=days, reps=reps, seed=seed,
                             booking_mode=booking.value, workers=workers, on_progress=update,
                             demo_patients=demo_patients, command=command, start=first)
    print_sweep(result)
    result.to_csv(out / SWEEP_CSV)
    title = f"Sensitivity to {' and '.join(v.path for v in varies)}"
    write_report(ReportData(**sweep_tables(result, title=title, reproduce=[command])), out / SWEEP_HTML)
    console.print(f"Wrote {out / SWEEP_CSV}, {out / SWEEP_HTML} ({result.seconds:.0f} s)")


def print_sweep(result: Sweep) -> None:
    """Settings down, measures across, one row per model and setting."""
    from rich.table import Table

    from carenet.report.summary import format_number

    table = result.headline()
    card = result.table.drop_duplicates("measure").set_index("measure")
    grid = Table(title=f"Sweep of {' and '.join(v.path for v in result.varies)} (means over "
                       f"{result.plan.reps} replication(s))", title_justify="left", header_style="bold")
    for column in table.columns:
        label = card.loc[column, "label"] if column in card.index else column
        grid.add_column(str(label), justify="right")
    for row in table.itertuples(index=False):
        cells = []
        for column, value in zip(table.columns, row, strict=True):
            if column in card.index:
                cells.append(format_number(float(value), str(card.loc[column, "unit"])))
            else:
                cells.append(f"{value:g}" if isinstance(value, float) else str(value))
        grid.add_row(*cells)
    console.print(grid)


def _validate_demo(out: Path, models: list[str]) -> None:
    """Hold the demo's traditional practice against the published figures (``validation.html``, linked from the
    report), when the model is in the comparison and the NHS appointments file is at hand."""
    from carenet.cli.commands_validate import DEFAULT_APPOINTMENTS
    from carenet.validation import OUTSIDE, ValidationSettings, validate_folder
    from carenet.validation import write_outputs as write_validation

    if "traditional" not in models:
        return
    if not DEFAULT_APPOINTMENTS.is_file():
        console.print(f"Validation skipped: {DEFAULT_APPOINTMENTS} not found (run from the project folder).",
                      highlight=False, markup=False)
        return
    validation = validate_folder(out, "traditional", DEFAULT_APPOINTMENTS, ValidationSettings.from_parameters())
    write_validation(validation, out)
    counts = validation.counts()
    console.print(f"Traditional practice against published figures: {counts['ok']} ok, {counts[OUTSIDE]} outside "
                  f"their tolerance (validation.html).", highlight=False, markup=False)


def demo(
    out: Path = typer.Option(DEMO_OUT, "--out", help="Folder for the demo's dataset, runs and report"),
    models: list[str] = typer.Option(list(DEMO_MODELS), "--model", help="Models to compare (repeatable)"),
    years: float = _YEARS,
    reps: int = typer.Option(DEMO_REPS, "--reps", min=1, help="Replications per model"),
    seed: int = typer.Option(DEMO_EXPERIMENT_SEED, "--seed", min=0, help="Seed of the experiment"),
    booking: Booking = _BOOKING,
    workers: int | None = _WORKERS,
    demo_patients: int = typer.Option(DEMO_PATIENTS, "--demo-patients", min=100,
                                      help="Scale the demo network to this many patients"),
) -> None:
    """Build the demo network, compare six library models over a year, print the scorecard, write report.html."""
    from carenet.cli.commands_population import show_profile
    from carenet.population import summarise
    from carenet.schema import open_dataset
    from carenet.twin.experiments.compare import compare_models
    from carenet.twin.experiments.manifest import check_out_folder
    from carenet.twin.experiments.population import DEMO_SEED, POPULATION_FOLDER, build_demo

    check_run_length(years, None)
    check_limits({"--reps": reps, "--workers": workers, "--demo-patients": demo_patients})
    warm_in_background()  # compiles the twin's kernels while the population is built
    clock = time.perf_counter()
    options = _options(DEMO, years, None, reps, seed, booking, out, demo_patients)
    command = _command("demo", *[x for m in models for x in ("--model", m)], *options[2:])
    check_out_folder(out)
    population = build_demo(out / POPULATION_FOLDER, DEMO_SEED, demo_patients)
    console.print(f"[bold]Demo network[/]: {population.patients:,} patients (seed {DEMO_SEED}) in {population.path}")
    show_profile(summarise(open_dataset(population.path)), console)
    with progress_bar(f"demo: {len(models)} models × {reps} replications") as update:
        result = compare_models(models, DEMO, out, years=years, reps=reps, seed=seed, booking_mode=booking.value,
                                workers=workers, on_progress=update, demo_patients=demo_patients, command=command)
    print_comparison(result, _tolerance())
    from carenet.schema.folders import locked

    with locked(out, command=command, what="run folder"):  # the validation and the report land together
        _validate_demo(out, models)
        title = "Delivery models compared on the demo network"
        written = write_outputs(result, out, title, [command], True, time.perf_counter() - clock, "outcomes")
    console.print("Wrote " + ", ".join(str(p) for p in written))
    console.print(f"[bold]Done in {time.perf_counter() - clock:.0f} s.[/] Open {out / REPORT_HTML} in a browser.")


def register(app: typer.Typer) -> None:
    """Attach ``simulate``, ``compare``, ``sweep`` and ``demo`` to ``app``."""
    app.command("simulate")(simulate)
    app.command("compare")(compare)
    app.command("sweep")(sweep)
    app.command("demo")(demo)

__all__ = ["DEMO_MODELS", "compare", "demo", "print_comparison", "register", "scorecard_tables", "simulate", "sweep",
           "write_outputs"]
