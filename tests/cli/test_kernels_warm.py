"""The twin's kernels are compiled ahead of the first run: the first simulating command starts one background
warm-up per installed version of the kernels, and the warm-up compiles every kernel and leaves its marker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from carenet.cli import kernels


@pytest.fixture()
def started(monkeypatch, tmp_path: Path) -> list[list[str]]:
    calls: list[list[str]] = []

    class FakePopen:
        def __init__(self, argv: list[str], **_: object) -> None:
            calls.append(argv)

    monkeypatch.setattr(kernels, "cache_folder", lambda: tmp_path)
    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    monkeypatch.setenv(kernels.SWITCH, "1")
    return calls


def test_the_first_command_starts_one_warm_up_and_later_ones_none(started: list[list[str]]) -> None:
    kernels.warm_in_background()
    kernels.warm_in_background()  # already warming: not started twice
    assert started == [[sys.executable, "-m", "carenet.twin.warm", str(kernels.marker())]]
    kernels.marker().write_text("compiled\n")
    kernels.warm_in_background()
    assert len(started) == 1


def test_the_marker_names_the_kernels_sources(started: list[list[str]], monkeypatch) -> None:
    first = kernels.marker()
    monkeypatch.setattr(kernels, "KERNEL_SOURCES", kernels.KERNEL_SOURCES[:-1])
    assert kernels.marker() != first  # another version of the kernels is compiled again


def test_switched_off_starts_nothing(started: list[list[str]], monkeypatch) -> None:
    monkeypatch.setenv(kernels.SWITCH, "0")
    assert kernels.warm_in_background() is None and started == []


def test_the_warm_up_runs_every_model_and_leaves_its_marker(tmp_path: Path) -> None:
    from carenet.twin.warm import main

    marker = tmp_path / "ready"
    assert main([str(marker)]) == 0
    assert marker.read_text() == "compiled\n"
