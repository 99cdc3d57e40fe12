"""The twin network by network: a pool of workers writes, for each network, the canonical tables a run of that
network alone gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from carenet.population.england import read_england, select, write_england
from carenet.schema import open_dataset
from carenet.twin.experiments.by_network import (
    INDEX_FILE,
    national_networks,
    network_seed,
    run_networks,
    run_networks_arrow,
)
from carenet.twin.experiments.national_run import NATIONAL_DATASET

DAYS = 15


@pytest.fixture(scope="module")
def national(external: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    e = read_england(external / "nhs-open-data")
    sizes = e.practices["list_size"].to_numpy()
    small = select(e)[(sizes > 1500) & (sizes < 2500)]
    pcn = np.array(e.practices["network_id"].to_pylist(), dtype=object)
    first = small[0]
    other = next(i for i in small if pcn[i] != pcn[first])
    out = tmp_path_factory.mktemp("twin-national") / "ds"
    write_england(out, e, np.array([first, other]), seed=5, batch_patients=100_000, workers=1)
    return out


def test_a_pool_gives_each_network_what_it_gives_alone(national: Path, tmp_path: Path) -> None:
    a, b = national_networks(national)
    pooled = run_networks("traditional", national, tmp_path / "pool", seed=9, days=DAYS, workers=2)
    assert sorted(r.network_id for r in pooled) == [a, b]
    assert (tmp_path / "pool" / INDEX_FILE).is_file()
    alone = run_networks("traditional", national, tmp_path / "alone", seed=9, days=DAYS, networks=[b], workers=1)
    assert alone[0].seed == network_seed(9, 1)
    one, two = open_dataset(tmp_path / "pool" / f"network={b}"), open_dataset(tmp_path / "alone" / f"network={b}")
    assert one.names == two.names and "appointments" in one.names
    for name in one.names:
        assert one.table(name).equals(two.table(name)), name
    again = run_networks("traditional", national, tmp_path / "pool", seed=9, days=DAYS, workers=1)
    assert sorted(r.network_id for r in again) == [a, b]  # both already written: nothing run again


def test_arrow_batches_in_summaries_out(national: Path, tmp_path: Path) -> None:
    a, _ = national_networks(national)
    batch = pa.RecordBatch.from_pydict({"network_id": [a], "position": [0]})
    (summary,) = list(run_networks_arrow([batch], model="traditional", dataset=str(national),
                                         out=str(tmp_path / "spark"), seed=9, days=DAYS))
    assert summary.column("network_id").to_pylist() == [a]
    assert (tmp_path / "spark" / f"network={a}" / "run.json").is_file()


def test_the_networks_are_one_dataset_partitioned_by_network(national: Path, tmp_path: Path) -> None:
    a, b = national_networks(national)
    out = tmp_path / "run"
    run_networks("traditional", national, out, seed=9, days=DAYS, networks=[a], workers=1)
    merged = open_dataset(out / NATIONAL_DATASET)
    assert merged.manifest.extra["run"]["networks"] == 1
    run_networks("traditional", national, out, seed=9, days=DAYS, workers=1)  # resumes: b is run, a kept
    merged = open_dataset(out / NATIONAL_DATASET)
    parts = {code: open_dataset(out / f"network={code}") for code in (a, b)}
    assert merged.manifest.extra["run"]["networks"] == 2
    assert (out / NATIONAL_DATASET / "requests" / f"network={a}").is_dir()
    for name in merged.names:
        whole = merged.table(name)
        assert whole.num_rows == sum(p.table(name).num_rows for p in parts.values()) == merged.manifest.counts[name]
        assert whole.schema.names == parts[a].table(name).schema.names, name  # no partition column
    requests = merged.table("requests")
    ids = requests["request_id"].to_pylist()
    assert len(set(ids)) == len(ids) and all(i.split("-", 1)[0] in (a, b) for i in ids)
    booked = merged.table("appointments").column("request_id").drop_null().to_pylist()
    assert set(booked) <= set(ids)  # appointments still point at their own network's requests
    assert set(merged.manifest.extra["geography"]["practice"]) == set(merged.table("practices")["practice_id"]
                                                                       .to_pylist())


def test_the_merged_run_is_scored_like_any_dataset(national: Path, tmp_path: Path) -> None:
    from carenet.measures import connect, load, scorecard
    from carenet.twin.experiments.scoring import scorecard_config

    out = tmp_path / "run"
    run_networks("traditional", national, out, seed=9, days=DAYS, workers=1)
    merged = open_dataset(out / NATIONAL_DATASET)
    asked = merged.table("requests")["requested_at"].to_pylist()
    config = scorecard_config(min(asked).date(), max(asked).date())
    on_disk = scorecard(load(merged, con=connect("duckdb")), config)
    in_memory = scorecard(load(merged.tables(), con=connect("duckdb")), config)
    for attribute in ("population", "access", "continuity", "coordination"):
        disk, memory = on_disk.sections[attribute], in_memory.sections[attribute]
        assert disk.keys() == memory.keys()
        for key, value in disk.items():
            expected = memory[key]
            if isinstance(value, float):
                assert value == pytest.approx(expected, rel=1e-9), key
            else:
                assert value == expected, key
    assert not any(isinstance(v, float) and v in (0.0, 1.0) for v in on_disk.sections["continuity"].values())
