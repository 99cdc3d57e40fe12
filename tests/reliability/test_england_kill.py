"""A killed national generation leaves the previous dataset whole, and the next run completes and tidies up."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from runner import KILLED, carenet, kill_at, start

from carenet.schema.folders.layout import STATE_DIR
from conftest import litter, same, snapshot


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
