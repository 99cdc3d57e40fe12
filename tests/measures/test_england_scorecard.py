"""The national scorecard on a small England subset: by region and sub-ICB, and the same figures as a unit's own
scorecard."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from carenet.cli.app import app
from carenet.measures import connect, load
from carenet.measures.national import national_scorecards, partition_tables, partitions, units_from_manifest
from carenet.measures.segments import Period
from carenet.measures.unit_scorecards import unit_scorecards
from carenet.population.england import read_england, select, write_england
from carenet.schema import open_dataset
from carenet.twin.experiments.scoring import settings_config

DAY = dt.date(2026, 7, 1)


@pytest.fixture(scope="module")
def national(external: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    e = read_england(external / "nhs-open-data")
    sizes = e.practices["list_size"].to_numpy()
    small = select(e)[(sizes > 1000) & (sizes < 2500)]
    regions = sorted(set(e.region[small].tolist()))[:2]
    chosen = np.concatenate([small[e.region[small] == r][:2] for r in regions])
    out = tmp_path_factory.mktemp("national") / "ds"
    write_england(out, e, chosen, seed=3, batch_patients=100_000, workers=1)
    return out


_MEMO: dict = {}


def _cards(path: Path, by: str):
    if (path, by) not in _MEMO:
        _MEMO[path, by] = _score(path, by)
    return _MEMO[path, by]


def _score(path: Path, by: str):
    ds = open_dataset(path)
    tables = load(ds, con=connect("duckdb", memory_limit="1GB", threads=1))
    units = units_from_manifest(ds.manifest.extra, ds.table("practices"))
    parts = [partition_tables(tables, ds, leaf) for leaf in partitions(ds)]
    assert len(parts) >= 2
    return tables, national_scorecards(parts, units, settings_config(DAY, 365), by, DAY)


def test_partition_by_partition_equals_one_pass(national: Path) -> None:
    tables, cards = _cards(national, "region")
    ds = open_dataset(national)
    units = units_from_manifest(ds.manifest.extra, ds.table("practices"))
    whole = national_scorecards([tables], units, settings_config(DAY, 365), "region", DAY)
    a, b = (c[c["attribute"] == "population"]["value"].to_numpy() for c in (cards, whole))
    assert np.allclose(a, b)


def test_by_region_and_subicb_add_up(national: Path) -> None:
    patients = open_dataset(national).manifest.counts["patients"]
    for by in ("region", "subicb"):
        _, cards = _cards(national, by)
        n = cards[cards["measure"] == "registered_patients"]
        assert n["value"].sum() == patients
        if by == "region":
            regions = cards
    assert regions["unit"].nunique() == 2
    assert set(regions["attribute"]) >= {"population", "access", "continuity"}
    assert regions[regions["attribute"] == "access"]["note"].str.contains("appointments").all()


def test_a_practice_scores_as_its_own_scorecard_does(national: Path) -> None:
    tables, cards = _cards(national, "practice")
    own = unit_scorecards(tables, settings_config(DAY, 365), "practice", Period(DAY - dt.timedelta(days=364), DAY))
    pop = own[own["attribute"] == "population"].set_index(["unit", "measure"])["value"]
    mine = cards[cards["attribute"] == "population"].set_index(["unit", "measure"])["value"]
    assert np.allclose(mine.loc[pop.index].to_numpy(), pop.to_numpy())


def test_carenet_score_by_subicb(national: Path) -> None:
    result = CliRunner().invoke(app, ["score", str(national), "--by", "subicb", "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output[result.output.index("{"):])
    assert body["by"] == "subicb" and body["units"] >= 2


def test_spark_scores_the_national_dataset_in_one_pass_as_duckdb_does(national: Path, spark_connection) -> None:
    from carenet.measures.national import notes_part, scan_parts

    ds = open_dataset(national)
    tables = load(ds, con=spark_connection)
    count, parts = scan_parts(tables, ds)
    assert count == 1  # one Spark job set over the whole dataset, not one per sub-ICB folder
    units = units_from_manifest(ds.manifest.extra, ds.table("practices"))
    notes = notes_part(tables, ds)
    on_spark = national_scorecards(parts, units, settings_config(DAY, 365), "region", DAY, notes=notes)
    _, on_duckdb = _cards(national, "region")
    a, b = (c[c["attribute"] == "population"].sort_values(["unit", "measure"]) for c in (on_spark, on_duckdb))
    others = on_spark[on_spark["attribute"] == "access"]
    assert len(others) and others["note"].str.contains("appointments").all()  # read from one sub-ICB's folder
    assert list(a["measure"]) == list(b["measure"]) and list(a["unit"]) == list(b["unit"])
    assert np.allclose(a["value"].to_numpy(dtype=float), b["value"].to_numpy(dtype=float), equal_nan=True)
