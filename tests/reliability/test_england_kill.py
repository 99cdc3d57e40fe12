"""A killed national generation leaves the previous dataset whole, and the next run completes and tidies up."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from runner import KILLED, carenet, kill_at, start

from carenet.schema import open_dataset
from carenet.schema.folders.layout import LOCK_FILE, STATE_DIR


def snapshot(folder: Path) -> dict:
    return open_dataset(folder).tables()


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(a[n].equals(b[n]) for n in a)


def litter(folder: Path) -> list[str]:
    """What a write left in the dataset's state folder besides the lock and the current generation."""
    current = json.loads((folder / "manifest.json").read_text()).get("generation")
    return sorted(p.name for p in (folder / STATE_DIR).iterdir() if p.name not in (LOCK_FILE, current))


def _argv(external: Path, out: Path, seed: int, practices: int) -> list[object]:
    return ["population", "england", out, "--seed", seed, "--practices", practices, "--workers", 2,
            "--batch-patients", 5000, "--nhs-data", external / "nhs-open-data"]


@pytest.mark.parametrize("checkpoint", ["before-pointer", "after-pointer"])
def test_england_killed_at_the_commit(tmp_path: Path, external: Path, checkpoint: str) -> None:
    out = tmp_path / "ds"
    assert carenet(*_argv(external, out, 1, 2)).code == 0
    old = snapshot(out)
    killed = carenet(*_argv(external, out, 2, 3), env=kill_at(checkpoint))
    assert killed.code == KILLED, killed.output
    assert same(snapshot(out), old) == (checkpoint == "before-pointer")
    again = carenet(*_argv(external, out, 2, 3))
    assert again.code == 0, again.output
    assert litter(out) == []


def test_england_killed_while_workers_write(tmp_path: Path, external: Path) -> None:
    out = tmp_path / "ds"
    assert carenet(*_argv(external, out, 1, 2)).code == 0
    old = snapshot(out)
    running = start(*_argv(external, out, 2, 40))
    deadline = time.monotonic() + 60
    while not list((out / STATE_DIR).glob("stage-*/patients/*/*/*.parquet")):
        assert time.monotonic() < deadline, "the generation wrote no part in a minute"
        time.sleep(0.05)
    os.kill(running.pid, signal.SIGKILL)
    assert running.wait().code == KILLED
    time.sleep(0.5)
    assert same(snapshot(out), old), "a killed generation changed the dataset"
    assert carenet(*_argv(external, out, 2, 3)).code == 0
    assert litter(out) == []
    assert snapshot(out)["practices"].num_rows == 3
