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


SOURCE_CHARS = 60
"""A source longer than this is cut at a word with "…" unless ``--full``."""


def short_source(source: str, limit: int = SOURCE_CHARS) -> str:
    """The source cut at a word to at most ``limit`` characters, with "…" where it was longer."""
    text = " ".join(str(source).split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    cut = head.rsplit(" ", 1)[0] if " " in head else head
    return f"{cut.rstrip(' ,;:(')}…"


def _effect_cells(row: dict, entry: dict) -> tuple[str, str, str]:
    """The effect's name (a dict-valued effect's keys on lines below it), its value and its range, line for line."""
    from carenet.params import range_text

    value, name = row["value"], row["name"]
    span = range_text(entry)
    if isinstance(value, dict):
        spans = span.split(", ") if span and span != "fixed" else [span] * len(value)
        return ("\n".join([name, *(f"  {k}" for k in value)]), "\n".join(["", *(f"{v:g}" for v in value.values())]),
                "\n".join(["", *spans]))
    shown = ", ".join(f"{v:g}" for v in value) if isinstance(value, list) else f"{value:g}"
    return name, shown, span


@twin_app.command("effects")
def effects(
    full: bool = typer.Option(False, "--full", help="Print each source whole, and why each range is what it is"),
) -> None:
    """List the effects a run assumes, with their values, ranges, evidence tags and sources.

    Each effect's source is on the line below it, cut to one line unless --full. A range is what an
    uncertainty analysis draws from ("fixed" when the effect is not drawn).
    """
    import textwrap

    from carenet.params import parameter
    from carenet.twin import Effects

    node = parameter("twin.effects")
    rows = []
    for row in Effects.from_parameters().describe():
        entry = node[row["name"]]
        name, value, span = _effect_cells(row, entry)
        if full:
            why = f"fixed: {entry['fixed']}" if "fixed" in entry else entry.get("range_note") or entry.get("rationale")
            notes = [str(row["source"]), *([f"range: {why}"] if why and span else [])]
        else:
            notes = [short_source(row["source"])]
        rows.append(([name.split("\n"), value.split("\n"), span.split("\n"), [row["tag"]]], notes))
    head = [["effect"], ["value"], ["range"], ["tag"]]
    widths = [max(len(line) for cells, _ in [(head, None), *rows] for line in cells[i]) for i in range(4)]

    def lines(cells: list[list[str]]) -> list[str]:
        depth = max(len(c) for c in cells)
        return ["  ".join(f"{(c[k] if k < len(c) else ''):<{w}}" for c, w in zip(cells, widths, strict=True)).rstrip()
                for k in range(depth)]

    width = max(40, console.width)
    console.print(lines(head)[0], style="bold", highlight=False, markup=False)
    for cells, notes in rows:
        console.print("\n".join(lines(cells)), highlight=False, markup=False)
        for note in notes:
            console.print(textwrap.fill(" ".join(note.split()), width - 1, initial_indent="  ", subsequent_indent="  "),
                          style="dim", highlight=False, markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Attach ``carenet twin …`` to ``app``."""
    app.add_typer(twin_app, name="twin")
