"""An outcome contract paid in every draw of an uncertainty analysis: the payment across the twin's assumptions."""

import json

import numpy as np
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from carenet.cli.app import app
from carenet.fund import FundSettings
from carenet.fund.budget import read_runs
from carenet.fund.contract import evaluate
from carenet.fund.contract_spec import read_contract
from carenet.fund.runs import find_runs
from carenet.schema.errors import CarenetError
from carenet.twin.experiments import compare_models
from carenet.twin.experiments.uncertainty.export import write_uncertainty

runner = CliRunner()
DRAWS = 2


@pytest.fixture(scope="module")
def kept(tmp_path_factory):
    out = tmp_path_factory.mktemp("draws") / "run"
    comparison = compare_models(["traditional", "micro_teams"], "demo", out, days=30, reps=1, seed=4,
                                demo_patients=1000, workers=2, uncertainty=DRAWS, keep_draws=True, command="pytest")
    comparison.to_csv(out / "scorecard.csv")
    write_uncertainty(comparison.uncertainty, out)
    return out


def test_the_comparison_lists_its_kept_draws(kept):
    record = json.loads((kept / "experiment.json").read_text())
    drawn = record["uncertainty"]["runs"]
    assert sorted((r["draw"], r["model"]) for r in drawn) == [
        (d, m) for d in range(DRAWS) for m in ("micro_teams", "traditional")]
    for r in drawn:
        assert (kept / r["folder"] / "manifest.json").is_file()
        assert r["settings"], "a draw's run records the values it was drawn with"
    runs = find_runs(kept, draws=True)
    assert [r.draw for r in runs] == [None, None, *[r["draw"] for r in drawn]]
    assert {r.setting for r in runs if r.draw is not None} == {f"draw {d}" for d in range(DRAWS)}


def test_each_draw_is_paid_against_its_own_reference_runs(kept):
    settings = FundSettings.from_parameters()
    runs = read_runs(find_runs(kept, draws=True), settings)
    result = evaluate(read_contract("outcomes"), kept, runs, settings)
    summary = result.summary.to_pylist()
    assert [(r["setting"], r["model"]) for r in summary] == [
        ("", "traditional"), ("", "micro_teams"),
        *[(f"draw {d}", m) for d in range(DRAWS) for m in ("traditional", "micro_teams")]]
    for row in summary:
        if row["model"] == "traditional":  # every draw's reference is its own traditional run
            assert row["savings_gbp"] == pytest.approx(0, abs=1e-3 * row["expected_cost_gbp"])
    # the scorecard measures of a draw come from the analysis's own scorecard of that draw
    indicators = {(r["setting"], r["model"], r["indicator"]): r["value"] for r in result.indicators.to_pylist()}
    for d in range(DRAWS):
        assert indicators[(f"draw {d}", "micro_teams", "care_plan_coverage")] is not None
    table = result.draws.to_pylist()
    assert [r["model"] for r in table] == ["traditional", "micro_teams"]
    for row in table:
        paid = np.array([r["payment_gbp"] for r in summary if r["model"] == row["model"] and r["setting"]])
        assert row["draws"] == DRAWS
        assert row["payment_gbp_median"] == pytest.approx(np.median(paid), abs=0.01)
        assert row["payment_gbp_low"] <= row["payment_gbp_median"] <= row["payment_gbp_high"]
        assert row["payment_gbp_low"] == pytest.approx(np.percentile(paid, 2.5), abs=0.01)
        assert row["share_of_draws_paid"] == pytest.approx((paid > 0).mean())
        central = next(r for r in summary if r["model"] == row["model"] and not r["setting"])
        assert row["payment_gbp_central"] == central["payment_gbp"]


def test_the_contract_command_pays_the_draws(kept, tmp_path):
    result = runner.invoke(app, ["fund", "contract", "outcomes", "--runs", str(kept), "--draws", "--nhs-data",
                                 str(tmp_path / "none"), "--out", str(tmp_path / "contract.xlsx")],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"{DRAWS} draws of the uncertainty analysis among them" in result.output
    assert f"Payment across the {DRAWS} draws" in result.output
    assert "draw 0" not in result.output  # the draws are summed up, not listed, on screen
    book = load_workbook(tmp_path / "contract.xlsx", read_only=True)
    assert "draws" in book.sheetnames
    rows = list(book["payments"].values)
    assert sum(1 for r in rows[1:] if str(r[0]).startswith("draw ")) == 2 * DRAWS


def test_draws_are_asked_of_a_comparison_that_kept_them(kept, tmp_path):
    record = json.loads((kept / "experiment.json").read_text())
    record["uncertainty"]["draws_kept"] = False
    record["uncertainty"].pop("runs")
    for run in record["runs"]:
        run["folder"] = str(kept / run["folder"])
    other = tmp_path / "cmp"
    other.mkdir()
    (other / "experiment.json").write_text(json.dumps(record))
    with pytest.raises(CarenetError, match="did not keep its draws' datasets; run carenet compare MODEL... "
                                           "--uncertainty N --keep-draws"):
        find_runs(other, draws=True)
    assert [r.draw for r in find_runs(other)] == [None, None]
