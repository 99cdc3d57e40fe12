"""Commands that measure a dataset: ``carenet score``, ``carenet worklist`` and ``carenet spc``."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from carenet.cli.console import LazyConsole
from carenet.cli.dates import parse_day
from carenet.cli.failures import file_errors, literal
from carenet.schema.errors import CarenetError

if TYPE_CHECKING:  # loaded inside the commands, so that `carenet --help` stays quick
    import ibis
    import pandas as pd

    from carenet.measures import Period, ScorecardConfig, Tables
    from carenet.measures.sites import SiteComparison, UnitChart
    from carenet.measures.support import Unsupported

console = LazyConsole()


class Backend(StrEnum):
    duckdb = "duckdb"
    sqlite = "sqlite"
    postgres = "postgres"
    pyspark = "pyspark"


class Format(StrEnum):
    table = "table"
    json = "json"


class Every(StrEnum):
    week = "week"
    month = "month"


def _value(path: str) -> object:
    """The ``value`` of an assumption in ``parameters.yaml``."""
    from carenet.params import parameter

    return parameter(path)["value"]


def scorecard_config(as_of: date | None, period_days: int | None) -> ScorecardConfig:
    """The scorecard's configuration: every threshold from ``parameters.yaml``, the period from the options."""
    from carenet.twin.experiments.scoring import settings_config

    return settings_config(as_of, period_days)


SPARK_MASTER_HELP = ("Spark master, for --backend pyspark: local[N] (N worker threads on this machine; default "
                     "local[2]) or a cluster's spark://host:port")


def _connect(backend: Backend, db_url: str | None, spark_master: str | None = None) -> ibis.BaseBackend:
    from carenet.measures import connect

    if spark_master and backend is not Backend.pyspark:
        raise CarenetError(f"--spark-master is for --backend pyspark, not {backend.value}")
    if backend is Backend.postgres:
        if not db_url:
            raise CarenetError("--backend postgres needs --db-url postgresql://user:password@host:port/database")
        return connect("postgres", url=db_url)
    if db_url:
        raise CarenetError(f"--db-url is for --backend postgres, not {backend.value}")
    if backend is Backend.pyspark:
        return connect("pyspark", master=spark_master)
    return connect(backend.value)


def _tables(dataset: Path, backend: Backend, con: ibis.BaseBackend) -> Tables:
    from carenet.measures import load
    from carenet.schema import open_dataset

    return load(open_dataset(dataset), backend.value, con=con)


def _reference_day(dataset: Path, tables: Tables, given: date | None) -> date:
    """``--as-of``, else the last appointment, else the reference date a generator wrote in the manifest."""
    from carenet.measures import reference_date
    from carenet.schema import open_dataset

    if given is not None:
        return given
    try:
        return reference_date(tables)
    except CarenetError:
        written = open_dataset(dataset).manifest.extra.get("reference_date")
        if written is None:
            raise
        return parse_day(str(written), f"{dataset}/manifest.json reference_date")


def _scored(dataset: Path, tables: Tables, end: date, period_days: int | None,
            to_stderr: bool) -> tuple[Period, str | None, str | None]:
    """The period to score up to ``end`` - ``--period-days``, else the default year, or the data's own span when
    it is shorter - less a twin run's warm-up; returns it with the notes on its warm-up and its basis, both printed.
    """
    from rich.console import Console
    from rich.markup import escape

    from carenet.measures import first_activity_date
    from carenet.measures.warm_up import read_warm_up, scored_period
    from carenet.schema import open_dataset

    warm = read_warm_up(open_dataset(dataset))
    days, basis = period_days, None
    if days is None:
        days = int(_value("measures_population.period_days"))
        first = first_activity_date(tables)
        if first is not None and first <= end and (end - first).days + 1 < days:
            days = (end - first).days + 1
            basis = (f"the data's own period, {days} days from its first appointment ({first}) to its last ({end}), "
                     f"shorter than the default year; --period-days sets another")
    period = scored_period(end, days, warm)
    out = Console(stderr=True) if to_stderr else console
    if basis is not None:
        out.print(escape(f"{dataset}: scored {period.start} to {period.end}: {basis}"))
    if warm is None:
        return period, None, basis
    out.print(escape(f"{dataset}: scored {period.start} to {period.end}; {warm.describe()}"))
    return period, warm.describe(), basis


def _write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all."""
    from carenet.schema.folders import write_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text.encode("utf-8"))


def score(
    datasets: list[Path] = typer.Argument(..., help="One dataset folder, or two to compare (B against A)"),
    format: Format = typer.Option(Format.table, "--format", help="table (printed) or json"),
    out: Path | None = typer.Option(None, "--out", help="Write the JSON here instead of printing it; with --by, a "
                                                        "folder for the CSV, the funnel plots and a page"),
    backend: Backend = typer.Option(Backend.duckdb, "--backend", help="Engine that computes the measures"),
    db_url: str | None = typer.Option(None, "--db-url", help="PostgreSQL URL, for --backend postgres"),
    spark_master: str | None = typer.Option(None, "--spark-master", help=SPARK_MASTER_HELP),
    as_of: str | None = typer.Option(None, "--as-of", help="Last day of the period (default: last appointment)"),
    period_days: int | None = typer.Option(None, "--period-days", min=1,
                                           help="Days in the period (default: a year, or the data's own span when "
                                                "shorter)"),
    worklists: Path | None = typer.Option(None, "--worklists", help="Also write case-finding worklists here"),
    by: str | None = typer.Option(None, "--by", help="Compare the units of one dataset on funnel plots: site, "
                                                     "practice, team or pcn; a national dataset (carenet population "
                                                     "england) is scored by practice, pcn, subicb or region"),
    by_housing: bool = typer.Option(False, "--by-housing",
                                    help="Also report access and continuity for people experiencing homelessness "
                                         "against other patients (details 'inclusion.housing')"),
) -> None:
    """Score a dataset on the population, the five attributes and the workforce; or compare two."""
    from carenet.measures import compare, print_scorecard, render_comparison, scorecard

    if by is not None:
        if len(datasets) != 1 or worklists is not None:
            raise CarenetError("--by compares the units of one dataset: give one dataset, without --worklists")
        if by in ("subicb", "region") or _is_national(datasets[0]):
            _score_national(datasets[0], by, format, out, backend, db_url, as_of, spark_master)
        else:
            _score_by(datasets[0], by, format, out, backend, db_url, as_of, period_days, spark_master)
        return
    if len(datasets) > 2:
        raise CarenetError(f"score takes one dataset, or two to compare; got {len(datasets)}")
    if out is not None and format is not Format.json:
        raise CarenetError("--out writes JSON; add --format json")
    day = parse_day(as_of, "--as-of")
    con = _connect(backend, db_url, spark_master)
    cards = []
    for path in datasets:
        with file_errors(path):
            tables = _tables(path, backend, con)
            scored, warm_up, basis = _scored(path, tables, _reference_day(path, tables, day), period_days,
                                             format is Format.json)
            config = scorecard_config(scored.end, scored.days)
            cards.append(scorecard(tables, config, label=str(path)))
            if warm_up is not None:
                cards[-1].details["period.warm_up"] = warm_up
            if basis is not None:
                cards[-1].details["period.basis"] = basis
            if worklists is not None:
                folder = worklists if len(datasets) == 1 else worklists / path.name
                _worklist(tables, cards[-1].period.end, folder)
            if by_housing:
                cards[-1].details["inclusion.housing"] = _by_housing(tables, config, cards[-1].period,
                                                                     format is Format.table, path)
    if len(cards) == 1:
        text = cards[0].to_json()
        if format is Format.table:
            print_scorecard(cards[0], console)
    else:
        cmp = compare(cards[0], cards[1], float(_value("measures_compare.relative_tolerance")))
        text = cmp.to_json()
        if format is Format.table:
            console.print(f"[bold]A[/] {literal(cards[0].label)}  [bold]B[/] {literal(cards[1].label)}  "
                          f"({cards[0].period.start} to {cards[0].period.end} / "
                          f"{cards[1].period.start} to {cards[1].period.end}, backend {backend.value})")
            console.print(render_comparison(cmp))
    if format is Format.json:
        if out is None:
            typer.echo(text)
        else:
            with file_errors(out):
                _write_text(out, text + "\n")
            console.print(f"wrote {literal(out)}")


def _is_national(dataset: Path) -> bool:
    """Whether ``dataset`` is a partitioned national dataset (its manifest records partitioning and geography)."""
    from carenet.schema import open_dataset

    with file_errors(dataset):
        extra = open_dataset(dataset).manifest.extra
    return "partitioning" in extra and "geography" in extra


def national_connection(backend: Backend, db_url: str | None, temp_dir: Path | None,
                        spark_master: str | None = None) -> ibis.BaseBackend:
    """The engine for a national scorecard: DuckDB bounded by parameters.yaml england_scale (memory_limit, threads;
    spilling to ``temp_dir``), or the backend asked for."""
    from carenet.measures import connect

    if backend is not Backend.duckdb:
        return _connect(backend, db_url, spark_master)
    options: dict[str, object] = {"memory_limit": str(_value("england_scale.scorecard_memory_limit")),
                                  "threads": int(_value("england_scale.scorecard_threads"))}
    if temp_dir is not None:
        options["temp_directory"] = str(temp_dir)
    return connect("duckdb", **options)


def _score_national(dataset: Path, by: str, format: Format, out: Path | None, backend: Backend, db_url: str | None,
                    as_of: str | None, spark_master: str | None = None) -> None:
    """``carenet score DATASET --by practice|pcn|subicb|region`` on a national dataset: every unit's scorecard in
    one grouped pass, out of core (:mod:`carenet.measures.national`)."""
    import tempfile
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from carenet.measures.national import (
        check_national_unit,
        national_scorecards,
        notes_part,
        scan_parts,
        units_from_manifest,
    )
    from carenet.schema import open_dataset

    check_national_unit(by)
    day = parse_day(as_of, "--as-of")
    with file_errors(dataset), tempfile.TemporaryDirectory(prefix="carenet-spill-") as spill:
        opened = open_dataset(dataset)
        con = national_connection(backend, db_url, Path(spill), spark_master)
        started = time.perf_counter()  # the scoring, not the engine's start (a JVM for Spark)
        tables = _tables(dataset, backend, con)
        end = _reference_day(dataset, tables, day)
        config = scorecard_config(end, None)
        units = units_from_manifest(opened.manifest.extra, opened.table("practices"))
        count, parts = scan_parts(tables, opened)
        with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console.real, transient=True,
                      disable=format is Format.json) as bar:
            how = "partition by partition" if count > 1 else "in one pass"
            task = bar.add_task(f"scoring by {by}, {how}", total=count)
            cards = national_scorecards(parts, units, config, by, end, on_part=lambda _: bar.advance(task),
                                        notes=notes_part(tables, opened))
    seconds = time.perf_counter() - started
    count = cards["unit"].nunique()
    if format is Format.json:
        typer.echo(json.dumps({"by": by, "as_of": end.isoformat(), "units": int(count),
                               "scorecards": json.loads(cards.to_json(orient="records"))}, indent=2))
    else:
        console.print(f"[bold]{literal(dataset)}[/] by {by} on {backend.value}: {count:,} units scored in "
                      f"{seconds:.1f} s (as of {end})")
        _print_unit_cards(by, cards, f"scorecards_by_{by}.csv")
    if out is not None:
        from carenet.schema.folders import locked

        with file_errors(out):
            out.mkdir(parents=True, exist_ok=True)
            with locked(out, command=f"carenet score --by {by}", what="output folder"):
                _write_text(out / f"scorecards_by_{by}.csv", cards.to_csv(index=False))
        console.print(f"wrote {literal(out / f'scorecards_by_{by}.csv')}")


def _score_by(dataset: Path, by: str, format: Format, out: Path | None, backend: Backend, db_url: str | None,
              as_of: str | None, period_days: int | None, spark_master: str | None = None) -> None:
    """``carenet score DATASET --by UNIT``: each unit measure per unit on a funnel plot, and a weekly XmR chart of
    the mean wait per unit."""
    from carenet.measures.sites import check_unit, compare_units, spc_rows, unit_spc
    from carenet.measures.support import Unsupported
    from carenet.twin.experiments.scoring import funnel_settings

    check_unit(by)
    day = parse_day(as_of, "--as-of")
    with file_errors(dataset):
        tables = _tables(dataset, backend, _connect(backend, db_url, spark_master))
        period, _, _ = _scored(dataset, tables, _reference_day(dataset, tables, day), period_days,
                               format is Format.json)
        config = scorecard_config(period.end, period.days)
        result = compare_units(tables, config, by, period, funnel_settings())
        if len(result.unsupported()) == len(result.funnels):
            reasons = dict.fromkeys(result.unsupported().values())
            raise CarenetError(f"cannot compare {dataset} by {by}: {'; '.join(reasons)}")
        charts = unit_spc(tables, by, period, "mean_wait_days", "week")
        cards = _unit_cards(tables, config, by, period, format is not Format.json)
    rows = result.to_arrow().to_pandas()
    spc_table = None if isinstance(charts, Unsupported) else spc_rows(charts).to_pandas()
    if format is Format.json:
        text = json.dumps({"by": by, "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
                           "rows": json.loads(rows.to_json(orient="records")),
                           "unsupported": result.unsupported(), "notes": result.notes,
                           "scorecards": cards.reason if isinstance(cards, Unsupported)
                           else json.loads(cards.to_json(orient="records"))}, indent=2)
        typer.echo(text)
    else:
        _print_units(dataset, result, charts)
        _print_unit_cards(by, cards)
    if out is not None:
        _write_units(out, dataset, result, rows, spc_table, None if isinstance(cards, Unsupported) else cards)


def _unit_cards(tables: Tables, config: ScorecardConfig, by: str, period: Period,
                show: bool) -> pd.DataFrame | Unsupported:
    """Every scorecard measure for each unit, with a progress bar while they are scored."""
    from rich.progress import Progress

    from carenet.measures.unit_scorecards import unit_scorecards

    with Progress(console=console.real, transient=True, disable=not show) as progress:
        task = progress.add_task(f"scoring each {by}", total=None)
        return unit_scorecards(tables, config, by, period,
                               on_unit=lambda name: progress.update(task, description=f"scoring {by} {name}"))


UNIT_CARD_COLUMNS = 8
"""At most this many units are printed side by side; more are in sites_scorecards.csv."""


def _print_unit_cards(by: str, cards: pd.DataFrame | Unsupported, written: str = "sites_scorecards.csv") -> None:
    from rich.table import Table

    from carenet.measures.scorecard import ATTRIBUTES, format_value
    from carenet.measures.support import Unsupported

    if isinstance(cards, Unsupported):
        console.print(f"[bold]Every measure by {by}[/]: [yellow]not supported: {literal(cards.reason)}[/]")
        return
    units = list(dict.fromkeys(cards["unit"]))
    if len(units) > UNIT_CARD_COLUMNS:
        console.print(f"[bold]Every measure by {by}[/]: {len(units)} units, written with --out to {written}")
        return
    grid = Table("measure", *units, title=f"Every measure by {by} (each {by}'s own patients and staff)",
                 title_justify="left")
    values = {(r.unit, r.measure): r for r in cards.itertuples()}
    for attribute in ATTRIBUTES:
        measures = cards[cards["attribute"] == attribute].drop_duplicates("measure")
        if measures.empty:
            continue
        grid.add_row(f"[bold]{ATTRIBUTES[attribute]}[/]", *[""] * len(units))
        for m in measures.itertuples():
            shown = []
            for unit in units:
                r = values.get((unit, m.measure))
                shown.append("n/a" if r is None or r.value is None or r.value != r.value
                             else format_value(float(r.value), m.measure_unit))
            grid.add_row(f"  {m.label}", *shown)
    console.print(grid)


def _print_units(dataset: Path, result: SiteComparison, charts: list[UnitChart] | Unsupported) -> None:
    from rich.table import Table

    from carenet.measures.scorecard import format_value, measure_info
    from carenet.measures.support import Unsupported

    console.print(f"[bold]{literal(dataset)}[/] by {result.by}, {result.period.start} to {result.period.end}: "
                  "each unit against the whole, funnel limits at 95% and 99.8% (Spiegelhalter 2005)")
    for key, funnel in result.funnels.items():
        info = measure_info(key)
        if isinstance(funnel, Unsupported):
            console.print(f"[bold]{info.label}[/]: [yellow]not supported: {literal(funnel.reason)}[/]")
            continue
        target = format_value(funnel.target, info.unit)
        note = f"; {result.notes[key]}" if key in result.notes else ""
        grid = Table(result.by, "n", "value", "95% limits", "99.8% limits", "flag",
                     title=f"{info.label}: overall {target}{note}", title_justify="left")
        for i, unit in enumerate(funnel.units):
            flag = funnel.flag[i]
            style = "bold red" if flag.endswith("99.8%") else "yellow" if flag.endswith("95%") else ""
            grid.add_row(literal(unit), f"{funnel.n[i]:,.0f}", format_value(float(funnel.value[i]), info.unit),
                         f"{format_value(float(funnel.inner_low[i]), info.unit)} to "
                         f"{format_value(float(funnel.inner_high[i]), info.unit)}",
                         f"{format_value(float(funnel.outer_low[i]), info.unit)} to "
                         f"{format_value(float(funnel.outer_high[i]), info.unit)}",
                         f"[{style}]{flag}[/]" if style else flag)
        console.print(grid)
    if isinstance(charts, Unsupported):
        console.print(f"[bold]Weekly mean wait (XmR)[/]: [yellow]not supported: {literal(charts.reason)}[/]")
        return
    grid = Table(result.by, "weeks", "mean", "limits", "special-cause weeks", title="Weekly mean wait, an XmR chart "
                 "per unit (Making Data Count)", title_justify="left")
    for c in charts:
        signals = sum(bool(x) for x in c.chart.special_cause)
        grid.add_row(literal(c.unit), str(len(c.periods)), f"{c.chart.mean:.2f}",
                     f"{c.chart.lower_limit:.2f} to {c.chart.upper_limit:.2f}", str(signals))
    console.print(grid)


def _write_units(out: Path, dataset: Path, result: SiteComparison, rows: pd.DataFrame,
                 spc_table: pd.DataFrame | None, cards: pd.DataFrame | None) -> None:
    """The comparison's files in ``out``, under the folder's lock, each written whole or not at all; other files in
    the folder are left as they are."""
    from carenet.report.sites import write_sites_page
    from carenet.schema.folders import locked

    with file_errors(out):
        out.mkdir(parents=True, exist_ok=True)
        with locked(out, command=f"carenet score --by {result.by}", what="output folder"):
            _write_text(out / "sites.csv", rows.to_csv(index=False))
            if spc_table is not None:
                _write_text(out / "sites_spc.csv", spc_table.to_csv(index=False))
            if cards is not None:
                _write_text(out / "sites_scorecards.csv", cards.to_csv(index=False))
            written = write_sites_page(out, f"How the {result.by}s compare: {dataset.name}", rows, spc_table,
                                       result.by, result.unsupported())
    console.print(f"wrote {literal(out / 'sites.csv')}, {len(written) - 1} funnel plot(s) and "
                  f"{literal(out / 'sites.html')}" + (f", {literal(out / 'sites_scorecards.csv')}" if cards is not None
                                                      else ""))


def _by_housing(tables: Tables, config: ScorecardConfig, period: Period, show: bool,
                path: Path) -> list[dict[str, object]] | str:
    """Access and continuity by housing over the card's period (:func:`carenet.measures.housing_breakdown`), printed
    when ``show``."""
    from rich.table import Table

    from carenet.measures import housing_breakdown, is_unsupported

    window = {"start": period.start, "end": period.end}
    rows = housing_breakdown(tables, config.access.model_copy(update=window),
                             config.continuity.model_copy(update=window))
    if is_unsupported(rows):
        if show:
            console.print(f"[yellow]by housing: {literal(rows.reason)}[/]")
        return rows.reason
    if show:
        within = f"share_within_{config.access.within_days}_days"
        grid = Table("housing", "patients", "requests", "mean wait (days)", "same day",
                     f"within {config.access.within_days} days", "same-day needs seen that day", "unmet", "UPC (GP)",
                     title=f"Access and continuity by housing: {literal(path)}", title_justify="left")

        def pct(value: object) -> str:
            return "-" if value is None else f"{100 * float(value):.1f}%"

        def num(value: object, fmt: str = ".2f") -> str:
            return "-" if value is None else format(float(value), fmt)

        for row in rows:
            grid.add_row(row["housing"], f"{row.get('patients', 0):,}", f"{row.get('requests') or 0:,}",
                         num(row.get("mean_wait_days")), pct(row.get("share_same_day")), pct(row.get(within)),
                         pct(row.get("same_day_seen")), pct(row.get("share_unmet")), num(row.get("upc_mean"), ".3f"))
        console.print(grid)
    return rows


def _worklist(tables: Tables, as_of: date, folder: Path) -> None:
    import ibis
    from rich.table import Table

    from carenet.measures import WorklistConfig, case_finding, profile_for, write_worklist
    from carenet.twin.experiments.scoring import population_config

    config = WorklistConfig(multimorbid_min_ltc=int(_value("measures_worklists.multimorbid_min_ltc_count")),
                            review_window_days=int(_value("measures_worklists.ltc_review_window_days")))
    profile = profile_for(tables, as_of, population_config())
    if not isinstance(profile, ibis.Table):
        raise CarenetError(f"cannot build worklists: {profile.reason}")
    result = case_finding(tables, profile, as_of, config)
    with file_errors(folder):
        written = write_worklist(result, folder)
    grid = Table("rule", "patients", title=f"Worklists on {as_of}", title_justify="left")
    for rule, n in result.counts().items():
        grid.add_row(rule, f"{n:,}")
    for rule, reason in result.skipped.items():
        grid.add_row(rule, f"[yellow]skipped: {literal(reason)}[/]")
    console.print(grid)
    console.print(f"wrote {literal(written['parquet'])} and {literal(written['csv'])}")


def worklist(
    dataset: Path = typer.Argument(..., help="Dataset folder"),
    out: Path = typer.Option(..., "--out", help="Folder for worklist.parquet and worklist.csv"),
    backend: Backend = typer.Option(Backend.duckdb, "--backend"),
    db_url: str | None = typer.Option(None, "--db-url", help="PostgreSQL URL, for --backend postgres"),
    spark_master: str | None = typer.Option(None, "--spark-master", help=SPARK_MASTER_HELP),
    as_of: str | None = typer.Option(None, "--as-of", help="Reference date (default: last appointment)"),
) -> None:
    """Case-finding worklists: patients to contact, each with the rule that selected them."""
    with file_errors(dataset):
        tables = _tables(dataset, backend, _connect(backend, db_url, spark_master))
        _worklist(tables, _reference_day(dataset, tables, parse_day(as_of, "--as-of")), out)


def spc(
    dataset: Path = typer.Argument(..., help="Dataset folder"),
    series: str = typer.Option("mean_wait_days", "--series",
                               help="A series name, e.g. mean_wait_days (an unknown name lists them all)"),
    every: Every = typer.Option(Every.week, "--every", help="week or month"),
    baseline: int | None = typer.Option(None, "--baseline", min=2, help="Fix the limits on the first N points"),
    format: Format = typer.Option(Format.table, "--format"),
    backend: Backend = typer.Option(Backend.duckdb, "--backend"),
    db_url: str | None = typer.Option(None, "--db-url", help="PostgreSQL URL, for --backend postgres"),
    spark_master: str | None = typer.Option(None, "--spark-master", help=SPARK_MASTER_HELP),
    as_of: str | None = typer.Option(None, "--as-of", help="Last day of the period (default: last appointment)"),
    period_days: int | None = typer.Option(None, "--period-days", min=1,
                                           help="Days in the period (default: a year, or the data's own span when "
                                                "shorter)"),
) -> None:
    """An XmR chart (Making Data Count) of a weekly or monthly series, with its special-cause signals."""
    from rich.table import Table

    from carenet.measures import SERIES, chart_series

    with file_errors(dataset):
        tables = _tables(dataset, backend, _connect(backend, db_url, spark_master))
        end = _reference_day(dataset, tables, parse_day(as_of, "--as-of"))
        period, _, _ = _scored(dataset, tables, end, period_days, format is Format.json)
        data, chart = chart_series(tables, series, period, every.value, baseline)
    if format is Format.json:
        rows = chart.to_arrow(data.column("period_start")).to_pylist()
        typer.echo(json.dumps({
            "series": series, "every": every.value, "mean": chart.mean, "mean_moving_range": chart.mean_moving_range,
            "upper_limit": chart.upper_limit, "lower_limit": chart.lower_limit, "signals": chart.signals(),
            "points": [{**r, "period": r["period"].isoformat()} for r in rows],
        }, indent=2))
        return
    console.print(f"[bold]{literal(series)}[/] ({SERIES[series].description}), every {every.value}, "
                  f"{period.start} to {period.end}")
    console.print(f"mean {chart.mean:.3f}  limits {chart.lower_limit:.3f} to {chart.upper_limit:.3f}  "
                  f"(mean moving range {chart.mean_moving_range:.3f})")
    grid = Table("period", "value", "n", "signal", "type")
    types = chart.point_types()
    for i, (start, value, n) in enumerate(zip(data.column("period_start").to_pylist(),
                                              data.column("value").to_pylist(), data.column("n").to_pylist(),
                                              strict=True)):
        rules = [name for name, flags in (("outside", chart.outside_limits), ("shift", chart.shift),
                                          ("trend", chart.trend), ("2 of 3", chart.two_of_three)) if flags[i]]
        grid.add_row(str(start), f"{value:.3f}", f"{n:,}", ", ".join(rules), types[i])
    console.print(grid)


def register(app: typer.Typer) -> None:
    """Attach ``score``, ``worklist`` and ``spc`` to ``app``."""
    app.command("score")(score)
    app.command("worklist")(worklist)
    app.command("spc")(spc)
