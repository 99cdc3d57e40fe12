"""kill -9 at every step of a write: the previous dataset (or, once committed, the new one) is whole, and a
re-run completes and tidies what the killed writer left."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from runner import KILLED, carenet, entry_point, kill_at

from carenet.schema.faults import CHECKPOINTS
from conftest import AFTER_COMMIT, BEFORE_COMMIT, litter, same, snapshot

DATASET_CHECKPOINTS = BEFORE_COMMIT + AFTER_COMMIT


def test_every_dataset_checkpoint_is_covered() -> None:
    assert set(DATASET_CHECKPOINTS) | {"run-staged", "run-committed"} == set(CHECKPOINTS)


def _killed_then_rerun(argv: list, out: Path, checkpoint: str, old: dict, *, user_file: Path | None = None) -> None:
    """Run ``argv`` killed at ``checkpoint``; check what is left, re-run it whole, check it completed."""
    killed = carenet(*argv, env=kill_at(checkpoint))
    assert killed.code == KILLED, killed.output
    after_kill = snapshot(out)
    if checkpoint in BEFORE_COMMIT:
        assert same(after_kill, old), f"killed at {checkpoint}: the previous dataset changed"
    else:
        assert not same(after_kill, old), f"killed at {checkpoint} (after the commit): the new dataset is missing"
    again = carenet(*argv)
    assert again.code == 0, again.output
    final = snapshot(out)
    if checkpoint in AFTER_COMMIT:
        assert same(final, after_kill)
    assert litter(out) == [], f"left behind after a re-run: {litter(out)}"
    if user_file is not None:
        assert user_file.read_text() == "my notes\n"


@pytest.mark.parametrize("checkpoint", DATASET_CHECKPOINTS)
def test_import_csv_killed(tmp_path: Path, first_extract: Path, full_extract: Path, checkpoint: str) -> None:
    out = tmp_path / "ds"
    assert carenet("import", "csv", first_extract, "--out", out).code == 0
    notes = out / "notes.txt"
    notes.write_text("my notes\n")
    old = snapshot(out)
    _killed_then_rerun(["import", "csv", full_extract, "--out", out], out, checkpoint, old, user_file=notes)
    assert snapshot(out)["appointments"].num_rows == 176


@pytest.mark.parametrize("checkpoint", DATASET_CHECKPOINTS)
def test_import_fhir_killed(tmp_path: Path, bundles: tuple[Path, Path], checkpoint: str) -> None:
    first, second = bundles
    out = tmp_path / "ds"
    assert carenet("import", "fhir", first, "--out", out, "--workers", 1).code == 0
    old = snapshot(out)
    # the new patient raises the practice's list size: an update the import must be allowed to make
    _killed_then_rerun(["import", "fhir", second, "--out", out, "--workers", 1, "--update"], out, checkpoint, old)
    assert snapshot(out)["patients"].num_rows == old["patients"].num_rows + 1


@pytest.mark.parametrize("checkpoint", DATASET_CHECKPOINTS)
def test_population_synth_killed(tmp_path: Path, checkpoint: str) -> None:
    out = tmp_path / "pop"
    assert carenet("population", "synth", "--seed", 1, "--patients", 300, "--out", out).code == 0
    old = snapshot(out)
    _killed_then_rerun(["population", "synth", "--seed", 2, "--patients", 300, "--out", out], out, checkpoint, old)


def _run_state(out: Path) -> tuple[bytes, dict]:
    return (out / "experiment.json").read_bytes(), snapshot(out / "rep-000")


@pytest.mark.parametrize("checkpoint", ["staged", "run-staged", "run-committed"])
def test_simulate_killed(tmp_path: Path, checkpoint: str) -> None:
    out = tmp_path / "run"
    argv = ["simulate", "traditional", "--demo-patients", 100, "--days", 21, "--workers", 0, "--out", out]
    assert carenet(*argv, "--seed", 1).code == 0
    old_manifest, old_tables = _run_state(out)
    killed = carenet(*argv, "--seed", 2, env=kill_at(checkpoint))
    assert killed.code == KILLED, killed.output
    manifest, tables = _run_state(out)
    if checkpoint == "run-committed":
        assert json.loads(manifest)["seed"] == 2
    else:
        assert manifest == old_manifest and same(tables, old_tables), "killed before the commit: the run changed"
    again = carenet(*argv, "--seed", 2)
    assert again.code == 0, again.output
    assert json.loads((out / "experiment.json").read_text())["seed"] == 2
    assert litter(out / "rep-000") == []


def test_the_installed_command_dies_at_a_checkpoint_and_recovers(tmp_path: Path, first_extract: Path,
                                                                  full_extract: Path) -> None:
    out = tmp_path / "ds"
    assert carenet("import", "csv", first_extract, "--out", out).code == 0
    old = snapshot(out)
    killed = entry_point("import", "csv", full_extract, "--out", out, env=kill_at("before-pointer"))
    assert killed.code == KILLED
    assert same(snapshot(out), old)
    again = carenet("import", "csv", full_extract, "--out", out)
    assert again.code == 0, again.output
    assert litter(out) == []
