"""Synthetic England from the real open files: partitions, list sizes, age-sex, geography and determinism."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from carenet.population.england import England, read_england, write_england
from carenet.schema import open_dataset

SEED = 7


@pytest.fixture(scope="module")
def england(external: Path) -> England:
    return read_england(external / "nhs-open-data")


def _small_of_two_regions(e: England) -> np.ndarray:
    """Three small practices: two of one sub-ICB location, one of another region."""
    sizes = e.practices["list_size"].to_numpy()
    ok = np.flatnonzero((sizes > 1500) & (sizes < 3000))
    first = ok[0]
    same = [i for i in ok if e.subicb[i] == e.subicb[first] and i != first][:1]
    other = [i for i in ok if e.region[i] != e.region[first]][:1]
    return np.array([first, *same, *other])


@pytest.fixture(scope="module")
def written(england: England, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    chosen = _small_of_two_regions(england)
    out = tmp_path_factory.mktemp("england") / "ds"
    write_england(out, england, chosen, seed=SEED, batch_patients=4000, workers=2)
    return out, chosen


def test_partitions_by_region_and_subicb_with_a_row_group_per_practice(england, written) -> None:
    out, chosen = written
    ds = open_dataset(out)
    folder = ds.arrow_path("patients")
    for i in chosen:
        part = folder / f"region={england.region[i]}" / f"subicb={england.subicb[i]}"
        assert part.is_dir(), part
    for f in folder.rglob("*.parquet"):
        ids = pq.read_table(f, columns=["practice_id"])["practice_id"]
        assert pq.ParquetFile(f).metadata.num_row_groups == pc.count_distinct(ids).as_py()
    extra = ds.manifest.extra
    assert extra["partitioning"]["directories"] == ["region", "subicb"]
    assert extra["england"]["extract_date"] == "2026-07-01"
    assert ds.manifest.counts["patients"] == int(england.practices["list_size"].to_numpy()[chosen].sum())


def test_list_sizes_age_sex_and_pcn_match_the_files(england, written) -> None:
    out, chosen = written
    ds = open_dataset(out)
    patients = ds.table("patients")
    practices = ds.table("practices")
    day = dt.date(2026, 7, 1)
    for i in chosen:
        code = england.practices["practice_id"][int(i)].as_py()
        mine = patients.filter(pc.equal(patients["practice_id"], code))
        assert mine.num_rows == england.practices["list_size"][int(i)].as_py()
        birth = np.array(mine["birth_date"].to_pylist())
        age = np.array([day.year - b.year - ((day.month, day.day) < (b.month, b.day)) for b in birth])
        band = np.searchsorted(england.age_lower, age, side="right") - 1
        female = np.array(mine["sex"].to_pylist()) == "female"
        got = np.zeros_like(england.age_sex[i])
        np.add.at(got, ((~female).astype(int), band), 1)
        assert (got == england.age_sex[i]).all(), code
        row = practices.filter(pc.equal(practices["practice_id"], code))
        assert row["network_id"][0].as_py() == england.practices["network_id"][int(i)].as_py()
    geo = ds.manifest.extra["geography"]
    for i in chosen:
        s = england.subicb[i]
        assert geo["subicb"][s]["region"] == england.region[i] and geo["subicb"][s]["icb"] == england.icb[i]


def test_a_subset_reproduces_the_same_patients(england, written, tmp_path: Path) -> None:
    out, chosen = written
    alone = tmp_path / "alone"
    write_england(alone, england, chosen[-1:], seed=SEED, batch_patients=100_000, workers=1)
    code = england.practices["practice_id"][int(chosen[-1])].as_py()
    big = open_dataset(out).table("patients")
    big = big.filter(pc.equal(big["practice_id"], code))
    assert open_dataset(alone).table("patients").equals(big)
