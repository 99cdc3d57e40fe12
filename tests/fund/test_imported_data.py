"""Funding on imported data: the practice extract shipped in examples/extract."""

import glob

import openpyxl
import pytest
from typer.testing import CliRunner

from carenet.cli.app import app
from carenet.fund import FundSettings
from carenet.fund.budget import read_runs
from carenet.fund.contract import evaluate
from carenet.fund.contract_spec import read_contract
from carenet.fund.runs import find_runs

runner = CliRunner()
WIDE = {"COLUMNS": "200"}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    out = tmp_path_factory.mktemp("imported") / "practice"
    result = runner.invoke(app, ["import", "csv", *sorted(glob.glob("examples/extract/*.csv")), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_a_dataset_is_its_own_reference_and_unrecorded_activity_is_not_counted(imported):
    settings = FundSettings.from_parameters()
    runs = read_runs(find_runs(imported), settings)
    assert [r.run.model for r in runs] == ["data"]
    assert runs[0].data.recorded == {"appointments"}  # the extract has no tasks or requests
    result = evaluate(read_contract("outcomes"), imported, runs, settings)
    assert result.reference.startswith("the data themselves")
    rows = {r["indicator"]: r for r in result.indicators.to_pylist()}
    # admissions are not in the extract: the indicator is n/a and not met, never a perfect 0
    assert rows["standardised_emergency_admissions"]["value"] is None
    assert rows["standardised_emergency_admissions"]["met"] is False
    # a scorecard measure is scored on the dataset itself
    assert rows["upc_complex"]["value"] is not None
    payment = result.summary.to_pylist()[0]
    assert payment["savings_gbp"] == 0 and payment["payment_gbp"] == 0


def test_budget_of_imported_data(imported, tmp_path):
    out = tmp_path / "budget.xlsx"
    result = runner.invoke(app, ["fund", "budget", str(imported), "--nhs-data", str(tmp_path / "none"), "--out",
                                 str(out)], env=WIDE)
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["budget", "replications", "standardised"]
    header = [c.value for c in next(book["replications"].iter_rows(max_row=1))]
    row = [c.value for c in next(book["replications"].iter_rows(min_row=2, max_row=2))]
    values = dict(zip(header, row, strict=True))
    assert values["model"] == "data" and values["registered"] == 38
    assert values["hospital_cost_gbp"] is None and values["staff_cost_gbp"] > 0
