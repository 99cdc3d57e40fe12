"""``carenet validate``: the table, the files, exit 1 when a figure is outside, clear errors for bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner
from validation_sample import build

from carenet.cli.app import app
from carenet.report import ReportData, render_html, write_report
from carenet.validation import VALIDATION_HTML, VALIDATION_JSON

runner = CliRunner()


def _invoke(*args: str):
    return runner.invoke(app, ["validate", *args], terminal_width=160)


def test_an_outside_figure_exits_1_and_says_outside(dorset: Path, tmp_path: Path) -> None:
    run = build(tmp_path / "run", same_day=5).folder  # about 8% same day against Dorset's 35% and England's 44%
    result = _invoke("--run", str(run), "--appointments", str(dorset))
    assert result.exit_code == 1, result.output
    row = next(line for line in result.output.splitlines() if "same day" in line)
    assert "OUTSIDE" in row
    record = json.loads((run / VALIDATION_JSON).read_text())
    assert record["passed"] is False and record["counts"]["OUTSIDE"] >= 1
    same_day = next(f for f in record["figures"] if f["measure"] == "same_day_share")
    assert same_day["status"] == "OUTSIDE" and same_day["published"] == 0.44
    page = (run / VALIDATION_HTML).read_text()
    assert "<script" not in page and page.count("<svg") >= 4 and "OUTSIDE" in page


def test_another_appointments_file_changes_the_printed_published_figure(dorset: Path, tmp_path: Path) -> None:
    run = build(tmp_path / "run").folder
    raw = pd.read_csv(dorset)
    raw.loc[raw["TIME_BETWEEN_BOOK_AND_APPT"] == "Same Day", "COUNT_OF_APPOINTMENTS"] = 0
    other = tmp_path / "no_same_day.csv"
    raw.to_csv(other, index=False)
    printed = {}
    for name, path in (("dorset", dorset), ("other", other)):
        result = _invoke("--run", str(run), "--appointments", str(path), "--out", str(tmp_path / name))
        assert result.exit_code in (0, 1), result.output
        row = next(line for line in result.output.splitlines() if re.search(r"│\s+same day\s", line))
        printed[name] = [cell.strip() for cell in row.split("│")][3]  # the published column
    assert printed["dorset"] == "35.0%" and printed["other"] == "0.0%"


def test_a_missing_appointments_file_is_named(tmp_path: Path) -> None:
    run = build(tmp_path / "run").folder
    result = _invoke("--run", str(run), "--appointments", str(tmp_path / "absent.csv"))
    assert result.exit_code == 1
    assert "absent.csv" in str(result.exception) and "file not found" in str(result.exception)


def test_a_folder_that_is_no_run_is_refused(dorset: Path, tmp_path: Path) -> None:
    result = _invoke("--run", str(tmp_path), "--appointments", str(dorset))
    assert result.exit_code == 1
    assert "not a carenet run folder" in str(result.exception)


@pytest.mark.parametrize("present", [True, False])
def test_the_report_links_validation_when_it_is_next_to_it(tmp_path: Path, present: bool) -> None:
    models = pd.DataFrame({"model": ["traditional"], "title": ["Traditional partnership"], "summary": ["GP-led"]})
    card = pd.DataFrame([{"model": "traditional", "attribute": "access", "measure": "mean_wait_days",
                          "label": "Mean wait", "unit": "days", "better": "lower", "mean": 1.8, "lo": 1.7,
                          "hi": 1.9, "reps": 2, "note": ""}])
    if present:
        (tmp_path / VALIDATION_HTML).write_text("<html></html>")
    page = write_report(ReportData(title="t", models=models, scorecard=card), tmp_path / "report.html").read_text()
    assert ('href="validation.html"' in page) is present
    assert 'href="validation.html"' not in render_html(ReportData(title="t", models=models, scorecard=card))
