"""Schema 1.3 adds the nullable ``patients.homeless``: a dataset written before it still opens, lays over and scores."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from carenet.models import load_model
from carenet.population import demo_networks, demo_practices, synthesise
from carenet.schema import open_dataset, write_dataset
from carenet.schema.tables import READABLE_SCHEMA_VERSIONS, SCHEMA_VERSION, TABLES


@pytest.fixture(scope="module")
def old_dataset(tmp_path_factory) -> Path:
    """A population written as schema 1.2 wrote it: no homeless column, manifest version 1.2."""
    folder = tmp_path_factory.mktemp("old") / "population"
    write_dataset(folder, synthesise(demo_practices(), demo_networks(), seed=2, patients=1500), source="test", seed=2)
    patients = folder / "patients.parquet"
    table = pq.read_table(patients)
    pq.write_table(table.drop_columns(["homeless"]), patients)
    manifest = folder / "manifest.json"
    data = json.loads(manifest.read_text())
    data["schema_version"] = "1.2"
    manifest.write_text(json.dumps(data))
    return folder


def test_the_column_is_nullable_and_the_version_moves_on():
    field = TABLES["patients"].schema.field("homeless")
    assert field.nullable and str(field.type) == "bool"
    assert {"1.2", "1.3"} <= set(READABLE_SCHEMA_VERSIONS) and SCHEMA_VERSION in READABLE_SCHEMA_VERSIONS


def test_an_old_dataset_opens_with_the_flag_unknown(old_dataset):
    assert "homeless" not in pq.read_schema(old_dataset / "patients.parquet").names
    patients = open_dataset(old_dataset).table("patients")
    assert patients["homeless"].null_count == patients.num_rows > 0


def test_an_old_dataset_lays_over_with_nobody_in_a_homeless_cohort(old_dataset):
    from carenet.network import NetworkSettings, lay_over
    from carenet.twin.population_source import dataset_population

    population = dataset_population(old_dataset)
    network = lay_over(load_model("inclusion_health"), population.tables, population.first_day, 5,
                       NetworkSettings.from_parameters(), np.random.SeedSequence(1))
    assert (network.frame.homeless == -1).all()
    assert not any(spec is not None and spec.kind == "segment_service" for spec in network.staff.teams.spec)


def test_an_old_dataset_scores_and_breaks_access_down_by_housing(old_dataset):
    from carenet.cli.commands_score import scorecard_config
    from carenet.measures import housing_breakdown, load, scorecard

    tables = load(open_dataset(old_dataset))
    assert "homeless" in tables["patients"].columns
    rows = housing_breakdown(tables)
    assert [r["housing"] for r in rows] == ["Not recorded"] and rows[0]["patients"] > 1000
    card = scorecard(tables, scorecard_config(dt.date(2025, 3, 31), 365), label="old")
    assert card.sections["population"]["registered_patients"] > 1000


def test_score_by_housing_reports_the_cohort_of_a_run(tmp_path):
    from typer.testing import CliRunner

    from carenet.cli.app import app
    from carenet.twin import run_model
    from carenet.twin.output import write_run

    population = synthesise(demo_practices(), demo_networks(), seed=2, patients=3000)
    run = run_model(load_model("inclusion_health"), population, start=dt.date(2025, 4, 1), days=15, seed=1)
    folder = write_run(run, tmp_path / "run")
    out = tmp_path / "card.json"
    done = CliRunner().invoke(app, ["score", str(folder), "--by-housing", "--format", "json", "--out", str(out)])
    assert done.exit_code == 0, done.output
    rows = json.loads(out.read_text())["details"]["inclusion.housing"]
    by = {r["housing"]: r for r in rows}
    homeless = int(np.asarray(population["patients"]["homeless"].to_numpy(zero_copy_only=False), bool).sum())
    assert set(by) == {"People experiencing homelessness", "Other patients"}
    assert by["People experiencing homelessness"]["patients"] == homeless > 0
    assert by["People experiencing homelessness"]["requests"] > 0 and by["Other patients"]["requests"] > 300
    assert 0 <= by["Other patients"]["same_day_seen"] <= 1 and by["Other patients"]["same_day_requests"] > 0
    assert 0 < by["Other patients"]["upc_mean"] <= 1  # a 15-day run gives few homeless patients two GP visits
