"""Twin commands: ``carenet twin run``, ``carenet twin r1`` and ``carenet twin effects``."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from carenet.cli.commands_experiments import DEMO
from carenet.cli.console import LazyConsole
from carenet.cli.dates import parse_day
from carenet.cli.kernels import warm_in_background
from carenet.cli.lazy import WholeHelpGroup
from carenet.cli.limits import check_limits

console = LazyConsole()
twin_app = typer.Typer(help="The digital twin: run a delivery model on a population for a year.",
                       no_args_is_help=True, cls=WholeHelpGroup)


@twin_app.command("run")
def run(
    model: str = typer.Argument(..., help="Library model name (see 'carenet models list') or a model YAML file"),
    population: str = typer.Option(DEMO, "--population", help="A dataset folder, or 'demo' for the demo network"),
    seed: int = typer.Option(..., "--seed", min=0, help="Random seed: the same seed gives the same run"),
    days: int = typer.Option(250, "--days", min=1, help="Working days to simulate"),
    out: Path = typer.Option(..., "--out", help="Run folder to write (a canonical dataset plus run.json)"),
    start: str | None = typer.Option(None, "--start", help="First day (default: the day after the population's date)"),
    booking: str = typer.Option("compiled", "--booking", help="Booking solver: compiled, greedy or exact"),
    effect: list[str] | None = typer.Option(None, "--effect",
                                            help="Change an effect, e.g. proactive_acute_reduction=0.2 (repeatable)"),
    patients: int | None = typer.Option(None, "--patients", min=1, help="With demo: total patients"),
) -> None:
    """Run MODEL on a population and write the run as a dataset the measures score like imported data."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from carenet.models import load_model
    from carenet.twin import Effects, run_model, run_summary, write_run
    from carenet.twin.population_source import load_population

    check_limits({"--days": days, "--patients": patients})
    warm_in_background()  # the kernels compile beside the population's loading, once per install
    spec = load_model(model)
    effects = Effects.from_parameters().replace_from_text(effect or [])
    pop = load_population(population, seed, patients)
    first = parse_day(start, "--start") or pop.first_day
    console.print(f"[bold]{spec.title}[/] on {pop.label}: {pop.tables['patients'].num_rows:,} patients, "
                  f"{days} working days from {first.isoformat()}, seed {seed}", soft_wrap=True)
    clock = time.perf_counter()
    with Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TextColumn("days"),
                  TimeElapsedColumn(), console=console.real, transient=True) as bar:
        task = bar.add_task("days", total=days)
        result = run_model(spec, pop.tables, start=first, days=days, seed=seed, effects=effects,
                           booking_mode=booking, progress=lambda _day: bar.advance(task))
    write_run(result, out)
    summary = run_summary(result)
    table = Table(title=f"{out} ({time.perf_counter() - clock:.1f} s)", show_header=False)
    for key in ("patients", "clinicians", "requests", "attended", "did_not_attend", "unbooked", "admissions",
                "care_plans", "social_prescriptions"):
        table.add_row(key.replace("_", " "), f"{summary[key]:,}")
    busiest = sorted(summary["utilisation_by_role"].items(), key=lambda kv: -kv[1])[:4]
    table.add_row("busiest roles", ", ".join(f"{r} {u:.0%}" for r, u in busiest))
    changed = [e["name"] for e in effects.describe() if e["overridden"]]
    table.add_row("effects changed", ", ".join(changed) or "none")
    console.print(table)


@twin_app.command("r1")
def r1(
    practices: int = typer.Option(1, "--practices", min=1, help="Practices of 10,000 patients (P)"),
    seed: int = typer.Option(..., "--seed", min=0, help="Random seed"),
) -> None:
    """Run reference workload R1 (docs/reference/benchmarks.md) and print its four agreement metrics as JSON."""
    from carenet.twin import r1_metrics, run_r1

    check_limits({"--practices": practices})
    clock = time.perf_counter()
    record, population = run_r1(practices, seed)
    metrics = r1_metrics(record, population)
    metrics["seconds"] = round(time.perf_counter() - clock, 3)
    console.print_json(json.dumps(metrics))


@twin_app.command("effects")
def effects() -> None:
    """List the effects a run assumes, with their values, evidence tags and sources."""
    from rich.table import Table

    from carenet.twin import Effects

    table = Table("effect", "value", "tag", "source")
    table.columns[0].no_wrap = True
    for row in Effects.from_parameters().describe():
        value = row["value"]
        shown = ", ".join(f"{k} {v:g}" for k, v in value.items()) if isinstance(value, dict) else str(value)
        table.add_row(row["name"], shown, row["tag"], row["source"])
    console.print(table)


def register(app: typer.Typer) -> None:
    """Attach ``carenet twin …`` to ``app``."""
    app.add_typer(twin_app, name="twin")
