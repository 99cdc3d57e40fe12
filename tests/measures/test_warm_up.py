"""The warm-up of a twin run is read from the run's records and left out of every score of the run."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from small_network import AS_OF, RngChooser, build_network
from typer.testing import CliRunner

from carenet.cli.app import app
from carenet.measures.warm_up import WarmUp, WarmUpError, read_warm_up, scored_period
from carenet.schema import open_dataset, write_dataset

runner = CliRunner()
START = date(2024, 1, 1)  # a Monday


def _run(root: Path, *, run: dict | None = None, experiment: dict | None = None, extra: dict | None = None,
         diaries: list[date] | None = None) -> Path:
    """A dataset laid out as ``carenet compare`` lays out a replication: ``root/<model>/rep-000``."""
    folder = root / "traditional" / "rep-000"
    tables = build_network(RngChooser(5), n_patients=12, n_appointments=80)
    if diaries is not None:
        clinician = tables["clinicians"].column("clinician_id")[0].as_py()
        tables["diaries"] = pa.table({"clinician_id": [clinician] * len(diaries), "site_id": ["P1"] * len(diaries),
                                      "date": diaries, "slots": pa.array([4] * len(diaries), pa.int32())})
    write_dataset(folder, tables, source="test:twin", extra={"run": "run.json", **(extra or {})})
    if run is not None:
        (folder / "run.json").write_text(json.dumps(run))
    if experiment is not None:
        (root / "experiment.json").write_text(json.dumps(experiment))
    return folder


def test_imported_data_have_no_warm_up(tmp_path):
    folder = tmp_path / "imported"
    write_dataset(folder, build_network(RngChooser(5), n_patients=4, n_appointments=5), source="test:csv")
    assert read_warm_up(open_dataset(folder)) is None


def test_experiment_warm_up_counts_the_diaries_working_days(tmp_path):
    # Working days: weekdays less a bank holiday on Wednesday 3 January.
    days = [START + timedelta(days=k) for k in range(21) if (START + timedelta(days=k)).weekday() < 5]
    days.remove(date(2024, 1, 3))
    folder = _run(tmp_path, run={"start": START.isoformat()}, experiment={"start": START.isoformat(),
                                                                          "warm_up_days": 3}, diaries=days)
    warm = read_warm_up(open_dataset(folder))
    assert warm is not None and warm.working_days == 3
    assert warm.first_scored_day == date(2024, 1, 5)  # Mon, Tue, Thu are the warm-up
    assert warm.source.endswith("experiment.json")


def test_without_diaries_weekdays_are_counted(tmp_path):
    folder = _run(tmp_path, run={"start": START.isoformat(), "warm_up_days": 5})
    warm = read_warm_up(open_dataset(folder))
    assert warm.first_scored_day == date(2024, 1, 8) and warm.source.endswith("run.json")


def test_an_explicit_first_scored_day_wins_and_another_experiment_is_ignored(tmp_path):
    folder = _run(tmp_path, run={"start": START.isoformat()}, extra={"scored_from": "2024-02-01"},
                  experiment={"start": "2023-01-01", "warm_up_days": 20})
    assert read_warm_up(open_dataset(folder)).first_scored_day == date(2024, 2, 1)
    other = _run(tmp_path / "other", run={"start": START.isoformat()},
                 experiment={"start": "2023-01-01", "warm_up_days": 20})
    assert read_warm_up(open_dataset(other)) is None  # that experiment started on another day


def test_bad_records_are_named(tmp_path):
    folder = _run(tmp_path, run={"start": START.isoformat(), "warm_up_days": "four"})
    with pytest.raises(WarmUpError, match="run.json: warm_up_days must be a whole number"):
        read_warm_up(open_dataset(folder))
    (folder / "run.json").write_text("{not json")
    with pytest.raises(WarmUpError, match="run.json: cannot read"):
        read_warm_up(open_dataset(folder))


def test_scored_period_leaves_the_warm_up_out():
    warm = WarmUp(date(2024, 2, 1), "run.json", 20)
    assert scored_period(date(2024, 6, 30), 365, None).start == date(2023, 7, 2)
    clipped = scored_period(date(2024, 6, 30), 365, warm)
    assert (clipped.start, clipped.end) == (date(2024, 2, 1), date(2024, 6, 30))
    assert scored_period(date(2024, 6, 30), 30, warm).start == date(2024, 6, 1)  # already after the warm-up
    with pytest.raises(WarmUpError, match="wholly in the run's warm-up"):
        scored_period(date(2024, 1, 15), 30, warm)


def test_score_and_spc_exclude_the_warm_up_and_say_so(tmp_path):
    first = AS_OF - timedelta(days=60)
    folder = _run(tmp_path, run={"start": START.isoformat(), "scored_from": first.isoformat()})
    result = runner.invoke(app, ["score", str(folder), "--as-of", AS_OF.isoformat(), "--format", "json"])
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)
    assert card["period"]["start"] == first.isoformat() and card["period"]["days"] == 61
    assert "excluded as warm-up" in card["details"]["period.warm_up"]
    assert f"scored {first} to {AS_OF}" in result.stderr
    shown = runner.invoke(app, ["score", str(folder), "--as-of", AS_OF.isoformat()])
    assert shown.exit_code == 0 and f"scored {first} to {AS_OF}" in shown.output
    chart = runner.invoke(app, ["spc", str(folder), "--as-of", AS_OF.isoformat(), "--format", "json"])
    assert f"scored {first} to {AS_OF}" in chart.stderr
    inside = runner.invoke(app, ["score", str(folder), "--as-of", (first - timedelta(days=1)).isoformat()])
    assert inside.exit_code != 0 and "warm-up" in str(inside.exception)
