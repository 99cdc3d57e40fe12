"""A capitated contract with outcomes, evaluated on a twin comparison or on imported data.

1. **Expected cost.** A risk model (:mod:`carenet.fund.risk`) is fitted on the reference model's
   replications pooled (the contract's ``reference_model``, else the first model; for one dataset, the
   dataset itself, or ``reference`` data given) and applied to each replication's own patients:
   expected emergency admissions and A&E attendances, and their cost at NHS reference costs.
2. **Indicators.** The fund indicators are observed ÷ expected per replication; scorecard measures are
   read from the comparison's ``scorecard.csv`` (mean and 95% interval across replications) or scored
   on the dataset. An indicator is *met* when its mean meets the target, and *certain* when the whole
   interval is on the same side; one the data cannot score (n/a) is not met.
3. **Payment.** Each replication's shared savings (:mod:`carenet.fund.savings`) with the model's quality
   gate (at least ``min_indicators_met`` targets met). The model's payment is the mean over replications
   with a 95% interval: the twin's run-to-run variation is carried into the payment. A sweep of an
   effect size (``carenet sweep --vary twin.effects.NAME=LOW,HIGH``) is evaluated setting by setting,
   each against its own reference runs, so the payment is shown across the effect's range.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.fund.budget import RunData, unit_costs
from carenet.fund.contract_spec import FUND_INDICATORS, Contract, known_indicators
from carenet.fund.dataset_profile import ACTIVITIES
from carenet.fund.errors import FundError
from carenet.fund.risk import RiskModel, fit
from carenet.fund.runs import DATA
from carenet.fund.savings import shared_savings_payment
from carenet.fund.settings import FundSettings

_FUND_ACTIVITY = {"standardised_emergency_admissions": "emergency_admissions",
                  "standardised_a_and_e_attendances": "a_and_e_attendances",
                  "standardised_outpatient_referrals": "outpatient_referrals"}


@dataclass
class ContractResult:
    contract: Contract
    reference: str
    indicators: pa.Table
    payments: pa.Table
    summary: pa.Table
    draws: pa.Table | None = None
    """With an uncertainty analysis's kept draws: each model's payment across the draws (:func:`across_draws`)."""


def reference_model(runs: list[RunData], settings: FundSettings, name: str | None = None,
                    reference: list[RunData] | None = None) -> tuple[RiskModel, str]:
    """The risk model expected activity comes from: fitted on ``reference`` data if given, else on the replications
    of model ``name`` (default the first); one dataset that is not a twin run is its own reference."""
    if reference:
        chosen, label = reference, f"reference data ({reference[0].run.folder})"
    else:
        models = list(dict.fromkeys(r.run.model for r in runs))
        if models == [DATA] and name not in models:
            name = DATA
        name = name or models[0]
        if name not in models:
            raise FundError(f"contract reference_model {name!r} is not among the runs ({', '.join(models)}); set "
                            "reference_model to one of them")
        chosen = [r for r in runs if r.run.model == name]
        label = f"model {name}" if name != DATA else "the data themselves (give --reference for another year's data)"
    people = pa.concat_tables([r.data.people.select(["age", "sex", "cms", "efi_category", "deprivation_decile",
                                                     *ACTIVITIES]) for r in chosen])
    years = float(np.mean([r.data.years for r in chosen]))
    return fit(people, years, settings.need_weights.bands, ACTIVITIES, unit_costs(settings)), label


def standardised(runs: list[RunData], model: RiskModel,
                 expected: list[dict[str, np.ndarray]] | None = None) -> pa.Table:
    """Observed and risk-adjusted expected emergency admissions, A&E attendances and outpatient referrals a year, and
    O/E, for every replication and practice (``practice`` ``all`` for the whole population). ``expected`` may give
    each run's :meth:`RiskModel.expected` already computed."""
    rows = []
    for i, r in enumerate(runs):
        e_run = expected[i] if expected is not None else model.expected(r.data.people, r.data.years)
        names, group = np.unique(np.array(r.data.people["practice_id"].to_pylist(), dtype=object).astype(str),
                                 return_inverse=True)
        groups = ["all", *names.tolist()]
        sums = {}
        for activity in _FUND_ACTIVITY.values():
            o = pc.fill_null(r.data.people[activity], 0).to_numpy(zero_copy_only=False).astype(np.float64)
            by_o, by_e = np.bincount(group, o, len(names)), np.bincount(group, e_run[activity], len(names))
            sums[activity] = (np.concatenate([[o.sum()], by_o]), np.concatenate([[e_run[activity].sum()], by_e]))
        counts = np.concatenate([[len(group)], np.bincount(group, minlength=len(names))])
        for g, where in enumerate(groups):
            row = {"setting": r.run.setting, "model": r.run.model, "replication": r.run.replication, "practice": where,
                   "patients": int(counts[g])}
            for indicator, activity in _FUND_ACTIVITY.items():
                observed, e = float(sums[activity][0][g]), float(sums[activity][1][g])
                row[f"{activity}_observed_per_year"] = round(observed / r.data.years, 2)
                row[f"{activity}_expected_per_year"] = round(e / r.data.years, 2)
                row[indicator] = round(observed / e, 4) if e > 0 and activity in r.data.recorded else None
            rows.append(row)
    return pa.Table.from_pylist(rows)


def standardised_by_setting(runs: list[RunData], settings: FundSettings, name: str | None = None) -> tuple[pa.Table,
                                                                                                       str]:
    """:func:`standardised` for every run, expected from model ``name``'s runs at the same setting."""
    parts, label = [], ""
    for group in dict.fromkeys(r.run.group for r in runs):
        mine = [r for r in runs if r.run.group == group]
        model, label = reference_model(mine, settings, name)
        parts.append(standardised(mine, model))
    return pa.concat_tables(parts), label


def _setting_key(row: dict) -> tuple[str, ...]:
    return tuple(f"{float(row[k]):g}" for k in ("setting", "setting2") if row.get(k) not in (None, ""))


def _scorecard_values(folder: Path, runs: list[RunData], wanted: list[str]) -> dict[tuple, tuple]:
    """(setting key, model, measure) → (mean, lo, hi) from the comparison's scorecard.csv or the sweep's sweep.csv;
    a measure they do not hold (a sweep keeps the light scorecard) is scored on each replication."""
    if not wanted:
        return {}
    out: dict[tuple, tuple] = {}
    for name in ("scorecard.csv", "sweep.csv"):
        table = folder / name
        if not table.is_file():
            continue
        with table.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row.get("measure") in wanted and row.get("mean") not in (None, ""):
                    out[(_setting_key(row), row["model"], row["measure"])] = tuple(
                        float(row[k]) if row.get(k) else float("nan") for k in ("mean", "lo", "hi"))
        break
    from carenet.twin.experiments.uncertainty.export import SCORECARD_CSV  # noqa: PLC0415

    draws = folder / SCORECARD_CSV
    if draws.is_file():
        with draws.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row.get("measure") in wanted and row.get("mean") not in (None, ""):
                    out[((f"draw {int(float(row['draw']))}",), row["model"], row["measure"])] = tuple(
                        float(row[k]) if row.get(k) else float("nan") for k in ("mean", "lo", "hi"))
    missing = [r for r in runs if any((r.run.setting_key, r.run.model, m) not in out for m in wanted)]
    if missing:
        out.update(_scored(missing, wanted))
    return out


def _scored(runs: list[RunData], wanted: list[str]) -> dict[tuple, tuple]:
    """Score each replication and pool by setting and model: mean and 95% interval across replications."""
    from carenet.measures.backend import load  # noqa: PLC0415
    from carenet.measures.scorecard import scorecard  # noqa: PLC0415
    from carenet.measures.support import Unsupported  # noqa: PLC0415
    from carenet.schema import open_dataset  # noqa: PLC0415
    from carenet.twin.experiments.scoring import settings_config  # noqa: PLC0415

    values: dict[tuple, list[float]] = {}
    for r in runs:
        days = (r.data.last_day - r.data.first_day).days + 1
        card = scorecard(load(open_dataset(r.run.folder)), settings_config(r.data.last_day, days))
        for section in card.sections.values():
            for key, value in section.items():
                if key in wanted and not isinstance(value, Unsupported):
                    values.setdefault((r.run.setting_key, r.run.model, key), []).append(float(value))
    return {k: _interval(v) if len(v) > 1 else (v[0], float("nan"), float("nan")) for k, v in values.items()}


def _interval(values: list[float]) -> tuple[float, float, float]:
    from carenet.twin.experiments.intervals import t_interval  # noqa: PLC0415

    mean, lo, hi, _ = t_interval(np.asarray(values, dtype=np.float64))
    return mean, lo, hi


def evaluate(contract: Contract, folder: str | Path, runs: list[RunData], settings: FundSettings,
             reference: list[RunData] | None = None) -> ContractResult:
    """The contract on every model; in a sweep, on every setting separately (each against its own reference
    model's runs at that setting), so the payment is shown at each value of a swept effect."""
    scored = _scorecard_values(Path(folder), runs, [i.id for i in contract.indicators if i.id not in FUND_INDICATORS])
    parts = [_evaluate(contract, [r for r in runs if r.run.group == group], settings, reference, scored)
             for group in dict.fromkeys(r.run.group for r in runs)]
    tables = [pa.concat_tables([getattr(p, name) for p in parts]) for name in ("indicators", "payments", "summary")]
    result = ContractResult(contract, parts[0].reference, *tables)
    if any(r.run.draw is not None for r in runs):
        result.draws = across_draws(result.summary, [r.run.setting for r in runs if r.run.draw is not None])
    return result


def across_draws(summary: pa.Table, draws: list[str]) -> pa.Table:
    """Each model's payment at the central values and across the uncertainty analysis's draws: the median, the
    central ``experiments.confidence_level`` range of the draws' payments (percentiles), and the shares of draws in
    which the network is paid (payment > 0) and in which the quality gate is met. The draws vary every ranged
    assumption of the twin at once, its effect sizes among them, so the range carries their uncertainty into the
    payment; each draw's payment is itself the mean over its replications."""
    from carenet.twin.experiments.intervals import confidence_level  # noqa: PLC0415

    tail = (1 - confidence_level()) / 2 * 100
    names = set(draws)
    rows = summary.to_pylist()
    out = []
    for model in dict.fromkeys(r["model"] for r in rows):
        central = [r for r in rows if r["model"] == model and r["setting"] not in names]
        drawn = [r for r in rows if r["model"] == model and r["setting"] in names]
        if not drawn:
            continue
        paid = np.array([r["payment_gbp"] for r in drawn], dtype=np.float64)
        savings = np.array([r["savings_gbp"] for r in drawn], dtype=np.float64)
        out.append({
            "model": model, "draws": len(drawn),
            "payment_gbp_central": central[0]["payment_gbp"] if central else None,
            "payment_gbp_median": round(float(np.median(paid)), 2),
            "payment_gbp_low": round(float(np.percentile(paid, tail)), 2),
            "payment_gbp_high": round(float(np.percentile(paid, 100 - tail)), 2),
            "savings_gbp_median": round(float(np.median(savings)), 2),
            "share_of_draws_paid": round(float((paid > 0).mean()), 4),
            "share_of_draws_gate_met": round(float(np.mean([bool(r["quality_gate_met"]) for r in drawn])), 4),
        })
    return pa.Table.from_pylist(out)


def _evaluate(contract: Contract, runs: list[RunData], settings: FundSettings, reference: list[RunData] | None,
              scored: dict[tuple, tuple]) -> ContractResult:
    model, label = reference_model(runs, settings, contract.reference_model, reference)
    setting, key = runs[0].run.setting, runs[0].run.setting_key
    costs = unit_costs(settings)
    expectations = [model.expected(r.data.people, r.data.years) for r in runs]
    whole = standardised(runs, model, expectations).filter(pc.equal(pc.field("practice"), "all")).to_pylist()
    per_run = []
    for r, ratios, expected in zip(runs, whole, expectations, strict=True):
        actual = sum(pc.sum(r.data.people[k]).as_py() * costs.get(k, 0.0) for k in ACTIVITIES)
        per_run.append((r, float(expected["cost"].sum()), float(actual),
                        {i: float("nan") if ratios[i] is None else ratios[i] for i in _FUND_ACTIVITY}))
    models = list(dict.fromkeys(r.run.model for r in runs))
    indicator_rows, gate = [], {}
    for name in models:
        met_count = 0
        for ind in contract.indicators:
            if ind.id in FUND_INDICATORS:
                mean, lo, hi = _interval([p[3][ind.id] for p in per_run if p[0].run.model == name])
            else:
                mean, lo, hi = scored.get((key, name, ind.id), (float("nan"),) * 3)
            met = bool(not np.isnan(mean) and ind.met(mean))  # an indicator the data cannot score is not met
            ends = [x for x in (lo, hi) if not np.isnan(x)]
            certain = bool(ends) and all(ind.met(x) == met for x in ends)
            met_count += met
            indicator_rows.append({"setting": setting, "model": name, "indicator": ind.id,
                                   "label": known_indicators()[ind.id][0],
                                   "better": ind.better, "target": ind.target,
                                   "value": None if np.isnan(mean) else round(mean, 4),
                                   "lo": None if np.isnan(lo) else round(lo, 4),
                                   "hi": None if np.isnan(hi) else round(hi, 4), "met": met,
                                   "certain": certain if ends else None})
        need = contract.payment.quality_gate.min_indicators_met if contract.payment.quality_gate else 0
        gate[name] = (met_count, met_count >= need)
    rule = contract.payment.shared_savings
    payment_rows = []
    for r, expected_cost, actual, _ in per_run:
        met_count, ok = gate[r.run.model]
        scale = 1 / r.data.years  # a year's money
        paid = shared_savings_payment(rule, expected_cost, actual, ok)
        payment_rows.append({"setting": setting, "model": r.run.model, "replication": r.run.replication,
                             "expected_cost_gbp": round(expected_cost * scale, 2),
                             "actual_cost_gbp": round(actual * scale, 2),
                             "savings_gbp": round((expected_cost - actual) * scale, 2),
                             "savings_rate": round((expected_cost - actual) / expected_cost, 4) if expected_cost
                             else None,
                             "indicators_met": met_count, "quality_gate_met": ok,
                             "payment_gbp": round(paid * scale, 2)})
    payments = pa.Table.from_pylist(payment_rows)
    summary_rows = []
    for name in models:
        mine = [p for p in payment_rows if p["model"] == name]
        entry = {"setting": setting, "model": name, "replications": len(mine), "indicators_met": gate[name][0],
                 "quality_gate_met": gate[name][1]}
        for key in ("expected_cost_gbp", "actual_cost_gbp", "savings_gbp", "payment_gbp"):
            mean, lo, hi = _interval([p[key] for p in mine])
            entry[key] = round(mean, 2)
            entry[f"{key}_lo"] = round(lo, 2)
            entry[f"{key}_hi"] = round(hi, 2)
        summary_rows.append(entry)
    return ContractResult(contract, label, pa.Table.from_pylist(indicator_rows), payments,
                          pa.Table.from_pylist(summary_rows))
