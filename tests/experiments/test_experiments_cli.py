"""The experiment commands: a real simulate through the CLI, errors as one clear line, the sweep in fresh processes."""

from __future__ import annotations

import json
import subprocess
import sys

import typer
from experiment_setup import SEED
from typer.testing import CliRunner

from carenet.cli.app import app
from carenet.schema import CarenetError


def test_simulate_command(comparison, tmp_path) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(app, [
        "simulate", "traditional", "--population", str(comparison.plan.population.path), "--days", "25",
        "--reps", "1", "--seed", str(SEED), "--workers", "0", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "experiment.json" in result.output and "days" in result.output
    record = json.loads((out / "experiment.json").read_text())
    assert record["command"].startswith("carenet simulate traditional --population")
    assert (out / "rep-000" / "run.json").is_file()


def test_errors_are_one_clear_line(tmp_path) -> None:
    done = subprocess.run([sys.executable, "-c", "from carenet.cli import main; main()", "sweep", "micro_teams",
                           "--vary", "nonsense", "--days", "30", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "--vary" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_model_stops_before_writing(tmp_path) -> None:
    result = CliRunner().invoke(app, ["compare", "traditional", "no_such_model", "--days", "30", "--out",
                                      str(tmp_path / "out")])
    assert isinstance(result.exception, CarenetError) and "no model named 'no_such_model'" in str(result.exception)
    assert not (tmp_path / "out").exists()


def test_sweep_a_parameter_in_fresh_processes(comparison, tmp_path) -> None:
    result = CliRunner().invoke(app, [
        "sweep", "micro_teams", "--vary", "twin.booking.continuity_value.value.1=0,20",
        "--population", str(comparison.plan.population.path), "--days", "30", "--reps", "1", "--seed", str(SEED),
        "--workers", "2", "--out", str(tmp_path / "sweep")])
    assert result.exit_code == 0, result.output
    for i, weight in enumerate((0.0, 20.0)):
        run = json.loads((tmp_path / "sweep" / f"setting-{i:02d}" / "micro_teams" / "rep-000" / "run.json")
                         .read_text())
        assert run["parameters"]["twin"]["booking"]["continuity_value"]["value"][1] == weight
    assert (tmp_path / "sweep" / "sweep.html").is_file() and (tmp_path / "sweep" / "sweep.csv").is_file()


def test_demo_is_the_main_command() -> None:
    from carenet.cli import app

    group = typer.main.get_command(app)
    names = group.list_commands(typer.Context(group))
    assert "demo" in names and "demo-compare" not in names
