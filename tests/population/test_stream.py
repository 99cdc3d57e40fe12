import hashlib
from pathlib import Path

import pytest

from carenet.population import demo_networks, demo_practices, write_population
from carenet.schema import open_dataset


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files(tmp_path):
    kwargs = dict(seed=21, label="demo", patients=6_000)
    write_population(tmp_path / "a", demo_practices(), demo_networks(), **kwargs)
    write_population(tmp_path / "b", demo_practices(), demo_networks(), **kwargs)
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert a == b and "patients.parquet" in a and "manifest.json" in a
    write_population(tmp_path / "c", demo_practices(), demo_networks(), seed=22, label="demo", patients=6_000)
    assert _digests(tmp_path / "c")["patients.parquet"] != a["patients.parquet"]


def test_streamed_batches_are_byte_identical_too_and_equal_the_in_memory_tables(tmp_path):
    kwargs = dict(seed=8, label="demo", patients=6_000, batch_patients=1_500)
    write_population(tmp_path / "s1", demo_practices(), demo_networks(), **kwargs)
    write_population(tmp_path / "s2", demo_practices(), demo_networks(), **kwargs)
    assert _digests(tmp_path / "s1") == _digests(tmp_path / "s2")
    assert len(list((tmp_path / "s1" / "patients").glob("part-*.parquet"))) > 1
    write_population(tmp_path / "m", demo_practices(), demo_networks(), seed=8, label="demo", patients=6_000)
    streamed, memory = open_dataset(tmp_path / "s1"), open_dataset(tmp_path / "m")
    assert streamed.manifest.counts == memory.manifest.counts
    assert streamed.manifest.seed == 8 and streamed.manifest.extra["reference_date"] == "2025-03-31"
    for name in memory.names:
        assert streamed.table(name).equals(memory.table(name)), name


def test_a_failed_write_leaves_the_previous_dataset_and_no_staging(tmp_path):
    target = tmp_path / "ds"
    write_population(target, demo_practices(), demo_networks(), seed=1, label="demo", patients=500)
    before = _digests(target)
    with pytest.raises(Exception, match="networks table lacks"):
        bad = demo_practices()
        write_population(target, bad, demo_networks().slice(0, 0), seed=1, label="demo", patients=500,
                         batch_patients=100)
    assert _digests(target) == before
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]


def test_refuses_to_replace_a_folder_that_is_not_a_dataset(tmp_path):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not a carenet dataset"):
        write_population(target, demo_practices(), demo_networks(), seed=1, label="demo", patients=2_000,
                         batch_patients=500)
    assert (target / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]
