"""Shared fixtures for the twin tests: a small calibrated population, built once per session."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PEERS = ROOT / "bench" / "peers"


@pytest.fixture(scope="session")
def simpy_r1():
    """The independent SimPy implementation of R1 (bench/peers/simpy_r1.py)."""
    sys.path.insert(0, str(PEERS))
    try:
        import simpy_r1 as peer
    finally:
        sys.path.remove(str(PEERS))
    return peer


@pytest.fixture(scope="session")
def small_population():
    """About 6,000 synthetic patients in the demo network's five practices."""
    from carenet.population.practices import demo_practices
    from carenet.population.synthesise import synthesise

    return synthesise(demo_practices(), seed=11, patients=6_000)


@pytest.fixture(scope="session")
def run_start() -> dt.date:
    return dt.date(2025, 4, 1)
