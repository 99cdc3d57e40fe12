"""The notebook API: ``carenet.compare`` and ``carenet.simulate`` return pandas tables."""

from __future__ import annotations

import pandas as pd
from experiment_setup import SEED

import carenet
from carenet.twin.experiments import api


def test_compare_returns_the_pooled_scorecard(comparison, monkeypatch, tmp_path) -> None:
    seen = {}

    def fake_compare_models(models, population, out, **options):
        seen.update(models=models, population=population, out=out, **options)
        return comparison

    monkeypatch.setattr(api, "compare_models", fake_compare_models)
    table = carenet.compare(("traditional", "micro_teams"), population="demo", reps=2, days=45, out=tmp_path)
    assert isinstance(table, pd.DataFrame)
    assert table.equals(comparison.scorecard) and table is not comparison.scorecard
    assert table.attrs["run_folder"] == str(tmp_path)
    assert seen["models"] == ["traditional", "micro_teams"] and seen["reps"] == 2 and seen["days"] == 45


def test_simulate_runs_and_returns_one_row_per_replication(comparison, tmp_path) -> None:
    table = carenet.simulate("digital_first", population=comparison.plan.population.path, days=25, reps=1,
                             seed=SEED, workers=0, out=tmp_path / "sim")
    assert len(table) == 1 and table["requests"].iloc[0] > 0
    assert table["folder"].iloc[0].endswith("rep-000")
    assert table.attrs["run_folder"] == str(tmp_path / "sim")
