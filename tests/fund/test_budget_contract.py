"""Budget against cost and an outcome contract on a real (small) comparison of two models."""

import csv

import numpy as np
import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from carenet.cli.app import app
from carenet.fund import FundSettings, prices_for
from carenet.fund.budget import budget_rows, by_model, read_runs
from carenet.fund.contract import evaluate
from carenet.fund.contract_spec import contract_path, read_contract
from carenet.fund.runs import find_runs
from carenet.fund.savings import shared_savings_payment
from carenet.schema import open_dataset
from carenet.schema.errors import CarenetError
from carenet.twin.experiments import compare_models
from carenet.twin.experiments.costs import staff_cost

runner = CliRunner()


_RESULTS = {}


def compare_result(out):
    return _RESULTS[out]


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    out = tmp_path_factory.mktemp("fund") / "run"
    result = compare_models(["traditional", "micro_teams"], "demo", out, days=45, reps=2, seed=11,
                            demo_patients=2000, workers=0, command="pytest")
    result.to_csv(out / "scorecard.csv")
    _RESULTS[out] = result
    settings = FundSettings.from_parameters()
    return out, settings, read_runs(find_runs(out), settings)


def test_each_replication_is_read_over_its_measured_period(comparison):
    out, _, runs = comparison
    assert [(r.run.model, r.run.replication) for r in runs] == [("traditional", 0), ("traditional", 1),
                                                                ("micro_teams", 0), ("micro_teams", 1)]
    for r in runs:
        assert r.data.people.num_rows == 2000
        assert r.data.first_day == r.run.first_day and r.data.last_day == r.run.last_day
        assert abs(r.cap.weighted.sum() - 2000) < 1e-6  # normalised over the network's own practices here


def test_budget_prices_income_staff_and_hospital_activity(comparison):
    _, settings, runs = comparison
    prices = prices_for("2025/26", settings)
    rows = budget_rows(runs, settings, prices).to_pylist()
    for r, row in zip(runs, rows, strict=True):
        weighted = r.cap.weighted.sum()
        assert row["global_sum_gbp"] == pytest.approx(123.34 * weighted, abs=0.01)
        assert row["arrs_gbp"] == pytest.approx(26.631 * weighted, abs=0.01)
        assert row["staff_cost_gbp"] == pytest.approx(staff_cost(r.data.clinicians), abs=0.01)
        assert row["balance_gbp"] == pytest.approx(row["income_gbp"] - row["staff_cost_gbp"], abs=0.02)
        admissions = pc.sum(r.data.people["emergency_admissions"]).as_py() / r.data.years
        ae = pc.sum(r.data.people["a_and_e_attendances"]).as_py() / r.data.years
        referrals = pc.sum(r.data.people["outpatient_referrals"]).as_py() / r.data.years
        assert "outpatient_referrals" in r.data.recorded and referrals > 0
        # counted from the run's referrals of kind outpatient made in the measured period, and only those
        made = open_dataset(r.run.folder).table("referrals").to_pylist()
        period = (r.data.first_day, r.data.last_day)
        assert pc.sum(r.data.people["outpatient_referrals"]).as_py() == sum(
            1 for m in made if m["kind"] == "outpatient" and period[0] <= m["created_at"].date() <= period[1])
        assert row["outpatient_referrals_per_year"] == pytest.approx(referrals, abs=0.05)
        # a referral is costed at one outpatient attendance (HFMA 2016/17 average, 120 pounds)
        assert row["hospital_cost_gbp"] == pytest.approx(admissions * 1590 + ae * 148 + referrals * 120, abs=0.02)
        assert row["hospital_cost_low_gbp"] <= row["hospital_cost_gbp"] <= row["hospital_cost_high_gbp"]
    models = by_model(budget_rows(runs, settings, prices)).to_pylist()
    assert [m["model"] for m in models] == ["traditional", "micro_teams"]
    # micro-teams employ more staff than the traditional partnership on the same population
    assert models[1]["staff_cost_gbp"] > models[0]["staff_cost_gbp"]


def test_contract_payment_follows_the_rules_replication_by_replication(comparison):
    out, settings, runs = comparison
    contract = read_contract("outcomes")
    result = evaluate(contract, out, runs, settings)
    assert result.reference == "model traditional"
    indicators = {(r["model"], r["indicator"]): r for r in result.indicators.to_pylist()}
    # expected cost is fitted on the reference model, so its own standardised admissions average exactly 1
    assert indicators[("traditional", "standardised_emergency_admissions")]["value"] == pytest.approx(1.0, abs=1e-4)
    # scorecard indicators come from the comparison's scorecard.csv
    with (out / "scorecard.csv").open() as handle:
        upc = {row["model"]: float(row["mean"]) for row in csv.DictReader(handle) if row["measure"] == "upc_complex"}
    assert indicators[("micro_teams", "upc_complex")]["value"] == pytest.approx(upc["micro_teams"], abs=1e-4)
    assert indicators[("traditional", "care_plan_coverage")]["met"] is False
    rule = contract.payment.shared_savings
    for row in result.payments.to_pylist():
        gate = row["quality_gate_met"]
        assert gate == (row["indicators_met"] >= 2)
        paid = shared_savings_payment(rule, row["expected_cost_gbp"], row["actual_cost_gbp"], gate)
        assert row["payment_gbp"] == pytest.approx(paid, abs=0.02)
    summary = {r["model"]: r for r in result.summary.to_pylist()}
    for name, entry in summary.items():
        mine = [p["payment_gbp"] for p in result.payments.to_pylist() if p["model"] == name]
        assert entry["payment_gbp"] == pytest.approx(np.mean(mine), abs=0.01)
        assert entry["payment_gbp_lo"] <= entry["payment_gbp"] <= entry["payment_gbp_hi"]


def test_budget_and_contract_commands(comparison, tmp_path):
    out, _, _ = comparison
    budget = runner.invoke(app, ["fund", "budget", str(out), "--nhs-data", str(tmp_path / "none"), "--out",
                                 str(tmp_path / "budget.csv")], env={"COLUMNS": "200"})
    assert budget.exit_code == 0, budget.output
    assert "normalised over the network's own practices" in budget.output
    assert [r["model"] for r in csv.DictReader((tmp_path / "budget.csv").open())] == ["traditional", "micro_teams"]
    paid = runner.invoke(app, ["fund", "contract", "outcomes", "--runs", str(out),
                               "--nhs-data", str(tmp_path / "none"), "--out", str(tmp_path / "contract.xlsx")],
                         env={"COLUMNS": "200"})
    assert paid.exit_code == 0, paid.output
    assert "Payment under the contract" in paid.output and (tmp_path / "contract.xlsx").is_file()


def test_a_contract_whose_reference_model_was_not_run_is_refused(comparison, tmp_path):
    out, _, _ = comparison
    contract = tmp_path / "c.yaml"
    contract.write_text(contract_path("outcomes").read_text().replace("reference_model: traditional",
                                                                      "reference_model: digital_first"))
    result = runner.invoke(app, ["fund", "contract", str(contract), "--runs", str(out), "--nhs-data",
                                 str(tmp_path / "none")])
    assert isinstance(result.exception, CarenetError)
    assert "reference_model 'digital_first' is not among the runs (traditional, micro_teams)" in str(result.exception)


def test_runs_must_be_a_comparison_a_run_or_a_dataset(tmp_path):
    result = runner.invoke(app, ["fund", "budget", str(tmp_path)])
    assert isinstance(result.exception, CarenetError)
    assert "neither a comparison (experiment.json), a twin run (run.json) nor a carenet dataset" in \
        str(result.exception)


def test_the_comparison_report_has_a_funding_section(comparison):
    from carenet.cli.commands_fund import report_funding
    from carenet.report import ReportData, render_html
    from carenet.twin.experiments.report_inputs import report_tables

    out, _, _ = comparison
    funding = report_funding(out, "outcomes", out / "no-open-data")
    assert funding.budget["model"].tolist() == ["traditional", "micro_teams"]
    assert set(funding.equity["model"]) == {"traditional", "micro_teams"}
    assert any("normalised over the network's own practices" in n for n in funding.notes)
    result = compare_result(out)
    page = render_html(ReportData(**report_tables(result, title="t", reproduce=["x"]), funding=funding))
    assert 'id="funding"' in page
    for chart in ("funding_budget", "funding_payment", "funding_equity"):
        assert f'data-chart="{chart}"' in page
    assert "No data for this chart" not in page.split('id="funding"')[1]
    # the hospital activity behind the cost, a year per 1,000 registered patients, with each model's interval
    section = page.split('id="funding"')[1]
    assert "Hospital activity a year per 1,000 registered patients" in section
    row = funding.budget.iloc[0]
    referrals = row["outpatient_referrals_per_year"] * 1000 / row["registered"]
    assert f"{referrals:,.1f}" in section and referrals > 0


def test_a_sweep_is_paid_setting_by_setting(comparison, tmp_path):
    """A sweep of an effect (here the comparison's replications relabelled as two settings) is evaluated at each
    setting against the reference model's runs at that setting, so the payment shows the effect's range."""
    import json

    out, settings, _ = comparison
    record = json.loads((out / "experiment.json").read_text())
    path = "twin.effects.continuity_acs_admission_reduction"
    for run in record["runs"]:
        run["folder"] = str(out / run["folder"])
        run["settings"] = {path: [0.0, 0.0755][run["replication"]]}
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "experiment.json").write_text(json.dumps(record))
    runs = read_runs(find_runs(sweep), settings)
    assert {r.run.setting for r in runs} == {"continuity_acs_admission_reduction=0",
                                              "continuity_acs_admission_reduction=0.0755"}
    result = evaluate(read_contract("outcomes"), sweep, runs, settings)
    summary = result.summary.to_pylist()
    assert [(r["setting"].rsplit("=", 1)[1], r["model"]) for r in summary] == [
        ("0", "traditional"), ("0", "micro_teams"), ("0.0755", "traditional"), ("0.0755", "micro_teams")]
    for row in summary:
        assert row["replications"] == 1
        if row["model"] == "traditional":  # each setting's reference is its own traditional run
            assert row["savings_gbp"] == pytest.approx(0, abs=1)
    indicators = {(r["setting"], r["model"], r["indicator"]): r["value"] for r in result.indicators.to_pylist()}
    # the scorecard measures are scored on each replication when the folder has no scorecard.csv
    assert all(indicators[(s, m, "upc_complex")] is not None for s, m, _ in indicators)
    budget = by_model(budget_rows(runs, settings, prices_for("2025/26", settings))).to_pylist()
    assert len(budget) == 4 and all(b["replications"] == 1 for b in budget)
