"""The funding section of the comparison report, as plain tables (:class:`carenet.report.funding.FundingTables`).

For a comparison folder: each model's budget against cost per weighted patient (mean and 95% interval),
its payment under a contract (the library's ``outcomes`` unless another is given), and equity by the
deprivation decile of the network's practices — funding and clinical FTE per 100,000 need-adjusted
patients under each model.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from carenet.fund.budget import budget_rows, by_model, read_runs
from carenet.fund.capitation import Capitation
from carenet.fund.contract import evaluate
from carenet.fund.contract_spec import read_contract
from carenet.fund.equity import equity
from carenet.fund.prices import prices_for
from carenet.fund.runs import find_runs
from carenet.fund.settings import FundSettings


def funding_tables(folder: str | Path, contract: str | Path = "outcomes",
                   national: Capitation | None = None) -> dict[str, object]:
    """Keyword arguments for :class:`carenet.report.funding.FundingTables`."""
    settings = FundSettings.from_parameters()
    spec = read_contract(contract)
    prices = prices_for(spec.year, settings)
    runs = read_runs(find_runs(folder), settings, national)
    budget = by_model(budget_rows(runs, settings, prices)).to_pandas()
    result = evaluate(spec, folder, runs, settings)
    payments = result.summary.to_pandas()
    frames = []
    for model in dict.fromkeys(r.run.model for r in runs):
        first = next(r for r in runs if r.run.model == model)
        table = equity(first.cap, settings, prices.global_sum.value).table.to_pandas()
        table.insert(0, "model", model)
        frames.append(table)
    notes = [f"Prices of {prices.year}: global sum £{prices.global_sum.value:.2f} and ARRS "
             + (f"£{prices.arrs.value:.3f}" if prices.arrs else "(not sourced)") + " per weighted patient; lists "
             + ("weighed against England's national means." if national is not None else
                "normalised over the network's own practices (the NHS open data were not at hand)."),
             "Hospital cost: emergency admissions, A&E attendances and outpatient referrals (each at one first "
             "attendance) at NHS reference costs 2016/17.",
             f"Contract: {spec.name}; expected cost from {result.reference}."]
    return {"year": prices.year, "budget": budget, "payments": payments,
            "equity": pd.concat(frames, ignore_index=True), "contract": spec.name, "notes": notes}
