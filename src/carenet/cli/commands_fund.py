"""Funding commands: ``carenet fund capitation|equity|budget|contract`` (tables on screen, ``--out`` CSV or Excel)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from carenet.cli.console import LazyConsole
from carenet.cli.failures import file_errors, literal
from carenet.cli.lazy import WholeHelpGroup

if TYPE_CHECKING:  # Arrow loads inside the commands, so that `carenet --help` stays quick
    import pyarrow as pa

console = LazyConsole()
fund_app = typer.Typer(help="Need-weighted capitation, budgets against cost, outcome contracts and equity.",
                       no_args_is_help=True, cls=WholeHelpGroup)

PRACTICES_HELP = "england (the NHS open data), a practices CSV, or a carenet dataset folder"
NHS_DATA_HELP = "Folder of the NHS open-data CSVs (with --practices england)"
YEAR_HELP = "NHS financial year of the prices, e.g. 2025/26"
NHS_OPEN_DATA = Path("../shared/external/nhs-open-data")


def _show(table: pa.Table, title: str, limit: int | None = None) -> None:
    import pyarrow as pa  # noqa: PLC0415
    from rich.table import Table

    out = Table(title=title, title_justify="left")
    rows = table.slice(0, limit).to_pylist() if limit else table.to_pylist()
    cells = [[_cell(v) for v in row.values()] for row in rows]
    headers = [name.replace("_", " ") for name in table.column_names]
    values = [max(5, *(len(row[i]) for row in cells)) for i in range(len(headers))]
    words = [max(v, *(len(w) for w in h.split())) for v, h in zip(values, headers, strict=True)]
    # a column is as wide as its widest value (a number is never split over lines) and, where the terminal has
    # room, its header's longest word; headers wrap to it
    widths = words if sum(words) + 3 * len(words) + 1 <= console.width else values
    for i, header in enumerate(headers):
        text = table.schema.field(table.column_names[i]).type == pa.string()
        out.add_column(header, justify="left" if text else "right", overflow="fold",
                       min_width=None if text else widths[i], max_width=widths[i])
    for row in cells:
        out.add_row(*row)
    console.print(out)
    if limit and table.num_rows > limit:
        console.print(f"  … {table.num_rows - limit:,} more rows (--out writes them all)")


def _cell(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):  # on screen: indices to 3 places, money and lists in whole units (CSV keeps all)
        return f"{value:.3f}" if abs(value) < 10 else f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return literal(str(value))


def _funded(practices: str, year: str, nhs_data: Path, workforce: Path | None = None):
    """Settings, the year's prices, the practices (with their staff from ``workforce``, NHS Digital's practice-level
    workforce CSV, when given) and their capitation (shared by every command)."""
    from carenet.fund import FundSettings, capitation, prices_for  # noqa: PLC0415
    from carenet.fund.sources import practices_profile  # noqa: PLC0415

    settings = FundSettings.from_parameters()
    prices = prices_for(year, settings)
    with file_errors(None if practices == "england" else practices):
        profile = practices_profile(practices, settings, nhs_data)
    if workforce is not None:
        from carenet.fund.workforce import attach_workforce  # noqa: PLC0415

        with file_errors(workforce):
            attach_workforce(profile, workforce)
    national = None if practices == "england" else _national(settings, nhs_data)
    return settings, prices, profile, capitation(profile, settings, national)


def _without_blank_setting(table: pa.Table) -> pa.Table:
    """``table`` without its ``setting`` column unless the runs are a sweep."""
    if "setting" in table.column_names and not any(table["setting"].to_pylist()):
        return table.drop_columns(["setting"])
    return table


def _write(out: Path | None, sheets: dict[str, pa.Table]) -> None:
    if out is None:
        return
    from carenet.fund.export import write_tables  # noqa: PLC0415

    with file_errors(out):
        written = write_tables(out, sheets)
    console.print(f"Wrote {literal(written)}")


@fund_app.command("capitation")
def capitation_command(
    practices: str = typer.Option("england", "--practices", help=PRACTICES_HELP),
    year: str = typer.Option("2025/26", "--year", help=YEAR_HELP),
    nhs_data: Path = typer.Option(NHS_OPEN_DATA, "--nhs-data", help=NHS_DATA_HELP),
    out: Path | None = typer.Option(None, "--out", help="Write every practice's row: .csv, or .xlsx"),
    show: int = typer.Option(15, "--show", min=0, help="Practices printed on screen"),
) -> None:
    """Each practice's need-weighted list, component by component, and its income for a year."""
    from carenet.fund import capitation_table  # noqa: PLC0415
    from carenet.fund.capitation import summary  # noqa: PLC0415
    from carenet.fund.prices import unpriced_streams  # noqa: PLC0415

    _, prices, profile, cap = _funded(practices, year, nhs_data)
    table = capitation_table(cap, prices)
    totals = summary(cap)
    console.print(f"[bold]Capitation {prices.year}[/]: {totals['practices']:,.0f} practices, "
                  f"{totals['registered']:,.0f} registered, {totals['weighted']:,.0f} weighted "
                  f"(normalised against {literal(cap.reference)}); global sum £{prices.global_sum.value:.2f} "
                  f"[{prices.global_sum.tag}], ARRS "
                  + (f"£{prices.arrs.value:.3f} [{prices.arrs.tag}]" if prices.arrs else "not sourced")
                  + " per weighted patient")
    for note in profile.notes:
        console.print(f"  {literal(note)}")
    for name, built in cap.built.items():
        if not built:
            console.print(f"  {name}: not in the data, index 1 for every practice")
    lo, hi = (float(cap.weighted_low.sum() / cap.weighted.sum()), float(cap.weighted_high.sum() / cap.weighted.sum()))
    console.print(f"  not built from open data (index 1, effect shown as a range {lo:.2f}–{hi:.2f} of the weighted "
                  f"list): {', '.join(cap.unbuilt).replace('_', ' ')}")
    for stream in unpriced_streams(prices):
        console.print(f"  {stream}: no sourced price for {prices.year}; left out of income")
    shown = ["practice_code", "registered", "age_sex_index", "morbidity_index", "deprivation_index", "weighted",
             "income_gbp", "income_per_registered_gbp"]
    _show(table.select(shown), "Practices", show)
    _write(out, {"capitation": table})


@fund_app.command("equity")
def equity_command(
    practices: str = typer.Option("england", "--practices", help=PRACTICES_HELP),
    year: str = typer.Option("2025/26", "--year", help=YEAR_HELP),
    nhs_data: Path = typer.Option(NHS_OPEN_DATA, "--nhs-data", help=NHS_DATA_HELP),
    out: Path | None = typer.Option(None, "--out", help="Write the deciles (.csv) or deciles and practices (.xlsx)"),
    show: int = typer.Option(10, "--show", min=0, help="Flagged practices printed on screen"),
    workforce: Path | None = typer.Option(None, "--workforce", help="NHS Digital's 'General Practice Workforce' "
                                          "practice-level CSV, for clinicians per need-adjusted patient"),
) -> None:
    """Funding and clinicians per need-adjusted patient by deprivation decile, and lists unlike their locality's."""
    from carenet.fund import cream_skimming, equity  # noqa: PLC0415

    settings, prices, profile, cap = _funded(practices, year, nhs_data, workforce)
    result = equity(cap, settings, prices.global_sum.value)
    _show(result.table, f"Funding per need-adjusted patient by deprivation decile (1 = most deprived), {prices.year}")
    for note in profile.notes + result.notes:
        console.print(f"  {literal(note)}")
    if result.gap is not None:
        console.print(f"Most deprived decile: {result.gap:.1%} less funding per need-adjusted patient than the least "
                      f"deprived (Health Foundation 2021: about {result.published_gap:.0%} less)")
    if result.gp_gap is not None:
        console.print(f"Most deprived decile: {abs(result.gp_gap):.1%} {'fewer' if result.gp_gap >= 0 else 'more'} "
                      "GP FTE per need-adjusted patient than the least deprived")
    flags = cream_skimming(profile, settings.cream_flag_gap)
    flagged = flags.filter(flags["flagged"])
    console.print(f"Lists unlike their locality's (younger, healthier and less deprived by at least "
                  f"{settings.cream_flag_gap:.0%}): {flagged.num_rows:,} of {flags.num_rows:,} practices")
    if flagged.num_rows and show:
        cols = ["practice_code", "locality", "registered", "gap_share_65plus", "gap_multimorbid", "gap_imd_score"]
        _show(flagged.sort_by([("registered", "descending")]).select(cols), "Flagged practices", show)
    _write(out, {"equity": result.table, "cream_skimming": flags})


def _national(settings, nhs_data: Path):
    """England's capitation, to normalise a network's lists against, when the NHS open data are at hand."""
    from carenet.fund import capitation  # noqa: PLC0415
    from carenet.fund.england import read_england  # noqa: PLC0415

    if not nhs_data.is_dir():
        console.print(f"  {literal(nhs_data)} not found: lists are normalised over the network's own practices, "
                      "not England's (give --nhs-data to weigh them nationally)")
        return None
    with file_errors(nhs_data):
        return capitation(read_england(nhs_data, settings.need_weights, settings.morbidity_registers), settings)


def _runs(runs: Path, settings, nhs_data: Path, draws: bool = False):
    from carenet.fund.budget import read_runs  # noqa: PLC0415
    from carenet.fund.runs import find_runs  # noqa: PLC0415

    found = find_runs(runs, draws=draws)
    drawn = len({r.draw for r in found if r.draw is not None})
    console.print(f"Reading {len(found)} replication(s) of {', '.join(dict.fromkeys(r.model for r in found))} "
                  f"in {literal(runs)}" + (f", {drawn} draws of the uncertainty analysis among them" if drawn else ""))
    with file_errors(runs):
        return read_runs(found, settings, _national(settings, nhs_data))


@fund_app.command("budget")
def budget_command(
    runs: Path = typer.Argument(..., help="A comparison or simulation folder, a twin run, or any carenet dataset"),
    year: str = typer.Option("2025/26", "--year", help=YEAR_HELP),
    nhs_data: Path = typer.Option(NHS_OPEN_DATA, "--nhs-data", help="NHS open data, to weigh lists nationally"),
    reference_model: str | None = typer.Option(None, "--reference-model", help="Model whose activity sets the "
                                               "risk-adjusted expected activity (default: the first)"),
    out: Path | None = typer.Option(None, "--out", help="Write the models (.csv) or models, replications and "
                                    "standardised activity by practice (.xlsx)"),
) -> None:
    """Income for the network's weighted list against the cost of each model's staff and hospital activity."""
    from carenet.fund import FundSettings, prices_for  # noqa: PLC0415
    from carenet.fund.budget import budget_rows, by_model  # noqa: PLC0415
    from carenet.fund.contract import standardised_by_setting  # noqa: PLC0415

    settings = FundSettings.from_parameters()
    prices = prices_for(year, settings)
    data = _runs(runs, settings, nhs_data)
    rows = budget_rows(data, settings, prices)
    models = by_model(rows)
    ratios, label = standardised_by_setting(data, settings, reference_model)
    shown = ["setting", "model", "replications", "registered", "weighted", "income_gbp", "staff_cost_gbp",
             "balance_gbp", "hospital_cost_gbp", "income_per_weighted_gbp", "staff_cost_per_weighted_gbp",
             "hospital_cost_per_weighted_gbp"]
    _show(_without_blank_setting(models.select(shown)),
          f"Budget against cost per model, a year at {prices.year} prices (means over replications)")
    console.print("  hospital cost: emergency admissions, A&E attendances and outpatient referrals (each at one "
                  "first attendance) at NHS reference costs (2016/17); an activity the data do not record is left "
                  "out")
    import pyarrow.compute as pc  # noqa: PLC0415

    whole = ratios.filter(pc.equal(ratios["practice"], "all"))
    _show(_without_blank_setting(whole.group_by(["setting", "model"], use_threads=False).aggregate(
        [("standardised_emergency_admissions", "mean"), ("standardised_a_and_e_attendances", "mean"),
         ("standardised_outpatient_referrals", "mean")])),
        f"Observed ÷ risk-adjusted expected activity (expected from {label}; by practice in the workbook)")
    _write(out, {"budget": models, "replications": rows, "standardised": ratios})


@fund_app.command("contract")
def contract_command(
    contract: str = typer.Argument(..., help="Contract file (YAML: indicators, targets, payment rules), or the name "
                                   "of a library contract (outcomes)"),
    runs: Path = typer.Option(..., "--runs", help="A comparison folder, a twin run, or imported data"),
    reference: Path | None = typer.Option(None, "--reference", help="Data whose activity sets expected cost "
                                          "(default: the contract's reference model, or the data themselves)"),
    nhs_data: Path = typer.Option(NHS_OPEN_DATA, "--nhs-data", help="NHS open data, to weigh lists nationally"),
    out: Path | None = typer.Option(None, "--out", help="Write the payments (.csv) or every table (.xlsx)"),
    draws: bool = typer.Option(False, "--draws", help="Also pay each draw of the comparison's uncertainty analysis "
                               "(carenet compare --uncertainty N --keep-draws): the payment across the twin's "
                               "assumptions and effect sizes"),
) -> None:
    """What an outcome contract pays each model: indicators against targets, shared savings, the quality gate."""
    from carenet.fund import FundSettings, prices_for  # noqa: PLC0415
    from carenet.fund.contract import evaluate  # noqa: PLC0415
    from carenet.fund.contract_spec import read_contract  # noqa: PLC0415

    settings = FundSettings.from_parameters()
    spec = read_contract(contract)
    prices_for(spec.year, settings)
    data = _runs(runs, settings, nhs_data, draws)
    ref = _runs(reference, settings, nhs_data) if reference is not None else None
    result = evaluate(spec, runs, data, settings, ref)
    console.print(f"[bold]{literal(spec.name)}[/] ({spec.year}); expected cost from {literal(result.reference)}")
    central = _central(result.indicators, data)
    _show(_without_blank_setting(central.drop_columns(["label"])),
          "Indicators against targets (mean and 95% interval)")
    paid = ["setting", "model", "replications", "indicators_met", "quality_gate_met", "expected_cost_gbp",
            "actual_cost_gbp", "savings_gbp", "payment_gbp", "payment_gbp_lo", "payment_gbp_hi"]
    _show(_without_blank_setting(_central(result.summary, data).select(paid)),
          "Payment under the contract, a year (mean over replications)")
    sheets = {"payments": result.summary, "replications": result.payments, "indicators": result.indicators}
    if result.draws is not None:
        _show(result.draws, f"Payment across the {result.draws['draws'][0].as_py()} draws of the uncertainty "
              "analysis, a year (median and the central 95% of the draws)")
        sheets["draws"] = result.draws
    _write(out, sheets)


def _central(table: pa.Table, data: list) -> pa.Table:
    """``table`` without the rows of an uncertainty analysis's draws (their summary is a table of its own)."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    drawn = sorted({r.run.setting for r in data if r.run.draw is not None})
    if not drawn:
        return table
    return table.filter(pc.invert(pc.is_in(table["setting"], value_set=pa.array(drawn, pa.string()))))


def report_funding(folder: Path, contract: str, nhs_data: Path = NHS_OPEN_DATA):
    """The comparison report's funding section for the run folder ``folder`` (weighed against England when the NHS
    open data are at hand)."""
    from carenet.fund import FundSettings  # noqa: PLC0415
    from carenet.fund.report_inputs import funding_tables  # noqa: PLC0415
    from carenet.report.funding import FundingTables  # noqa: PLC0415

    national = _national(FundSettings.from_parameters(), nhs_data) if nhs_data.is_dir() else None
    with file_errors(folder):
        return FundingTables(**funding_tables(folder, contract, national))


def register(app: typer.Typer) -> None:
    app.add_typer(fund_app, name="fund")
