"""Simulate and sweep on the comparison's population; parameter changes reach the twin and its run record."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import pytest
from experiment_setup import SEED

from carenet.params import load_parameters
from carenet.schema import CarenetError, open_dataset
from carenet.twin.experiments import parse_vary, simulate_model, sweep_model
from carenet.twin.experiments.replications import execute_batch

DAYS = 30


def test_simulate_writes_one_dataset_per_replication(comparison, tmp_path) -> None:
    population = comparison.plan.population.path
    result = simulate_model("traditional", population, tmp_path / "run", days=DAYS, reps=2, seed=SEED, workers=0,
                            start=comparison.plan.start)
    assert [f.name for f in result.folders] == ["rep-000", "rep-001"]
    for folder in result.folders:
        assert open_dataset(folder).manifest.counts["appointments"] > 0
    summary = result.summary()
    assert summary["requests"].gt(0).all() and summary["seed"].nunique() == 2
    record = json.loads((tmp_path / "run" / "experiment.json").read_text())
    assert record["kind"] == "simulate" and record["replication_seeds"] == summary["seed"].tolist()
    # common random numbers: replication 0 of the comparison ran on the same seed
    assert comparison.outcomes[0].task.seed == summary["seed"].iloc[0]


def test_sweep_a_model_field(comparison, tmp_path) -> None:
    population = comparison.plan.population.path
    vary = parse_vary("model.booking.horizon_days=5,20", 2)
    result = sweep_model(["micro_teams"], [vary], population, tmp_path / "sweep", days=DAYS, reps=1, seed=SEED,
                         workers=0, start=comparison.plan.start)
    table = result.headline()
    assert table["setting"].tolist() == [5.0, 20.0]
    assert {"mean_wait_days", "upc", "staff_cost_per_patient_gbp"} <= set(table.columns)
    seeds = {o.task.seed for o in result.outcomes}
    assert len(seeds) == 1  # every setting meets the same demand
    spec = json.loads((tmp_path / "sweep" / "setting-01" / "micro_teams" / "rep-000" / "run.json").read_text())
    assert spec["model"]["spec"]["booking"]["horizon_days"] == 20


def test_sweep_refuses_impossible_settings_before_running(comparison, tmp_path) -> None:
    population = comparison.plan.population.path
    with pytest.raises(CarenetError, match="horizon_days"):
        sweep_model(["micro_teams"], [parse_vary("model.booking.horizon_days=5,500", 2)], population, tmp_path / "s",
                    days=DAYS, workers=0)
    with pytest.raises(CarenetError, match="no entry"):
        sweep_model(["micro_teams"], [parse_vary("twin.nothing.here=1,2", 2)], population, tmp_path / "s",
                    days=DAYS, workers=0)
    assert not (tmp_path / "s" / "setting-00").exists()


@pytest.fixture
def restored_parameters():
    tree = load_parameters()
    saved = copy.deepcopy(tree)
    yield
    tree.clear()
    tree.update(saved)


def test_parameter_change_reaches_the_twin_and_its_record(comparison, tmp_path, restored_parameters) -> None:
    task = replace(comparison.outcomes[0].task, out=str(tmp_path / "changed"), score=False,
                   settings=(("twin.booking.continuity_value.value.1", 17.0),))
    (outcome,) = execute_batch([task])
    record = json.loads((tmp_path / "changed" / "run.json").read_text())
    assert record["parameters"]["twin"]["booking"]["continuity_value"]["value"][1] == 17.0
    assert outcome.task.settings == task.settings
