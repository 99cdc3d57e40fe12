"""`carenet score DATASET --by UNIT`: a funnel-plot table per measure, and with --out the CSV, the plots and a page."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carenet.cli.app import app
from carenet.schema import write_dataset
from carenet.schema.errors import CarenetError

runner = CliRunner()
_SPEC = importlib.util.spec_from_file_location(
    "site_network", Path(__file__).resolve().parents[1] / "measures" / "site_network.py")
site_network = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(site_network)
PERIOD = ["--as-of", "2024-03-31", "--period-days", "28"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sites") / "network"
    write_dataset(folder, site_network.site_network(), source="test")
    return folder


def test_score_by_practice_prints_each_measure_with_its_limits_and_flags(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "sites"
    done = runner.invoke(app, ["score", str(dataset), "--by", "practice", *PERIOD, "--out", str(out)],
                         env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    assert "Mean wait, request to appointment: overall 1.2" in done.output
    p2 = next(line for line in done.output.splitlines() if "│ P2" in line and "above 99.8%" in line)
    assert "2.0" in p2
    assert "not supported" in done.output and "care_plans" in done.output
    with open(out / "sites.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    waits = {r["unit"]: r for r in rows if r["measure"] == "mean_wait_days"}
    assert waits["P2"]["flag"] == "above 99.8%" and float(waits["P1"]["value"]) == 1.0
    assert waits["P3"]["flag"] == "too few"
    assert (out / "funnel-mean_wait_days.svg").read_text().lstrip().startswith("<svg")
    page = (out / "sites.html").read_text()
    assert "How the practices compare" in page and "Beyond the 99.8% limits: P2 above 99.8% on mean wait" in page
    assert (out / "sites_spc.csv").is_file()
    # every scorecard measure for each practice, side by side on screen and in sites_scorecards.csv
    assert "Every measure by practice (each practice's own patients and staff)" in done.output
    dna = next(line for line in done.output.splitlines() if "│   Did not attend" in line)
    assert [cell.strip() for cell in dna.split("│")[2:5]] == ["0.0%", "33.3%", "0.0%"]
    with open(out / "sites_scorecards.csv", newline="") as f:
        cards = list(csv.DictReader(f))
    assert {(r["unit"], float(r["value"])) for r in cards if r["measure"] == "mean_wait_days"} == {
        ("P1", 1.0), ("P2", 2.0), ("P3", 0.0)}


def test_score_by_names_what_is_wrong(dataset: Path, tmp_path: Path) -> None:
    done = runner.invoke(app, ["score", str(dataset), "--by", "ward", *PERIOD])
    assert isinstance(done.exception, CarenetError) and "unknown unit 'ward'" in str(done.exception)
    bare = tmp_path / "bare"
    write_dataset(bare, site_network.site_network(with_sites=False), source="test")
    done = runner.invoke(app, ["score", str(bare), "--by", "site", *PERIOD])
    assert isinstance(done.exception, CarenetError) and "appointments.site_id is empty" in str(done.exception)
