"""Shared fixtures: one demo population per test session (generation is the slow part)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from carenet.population import demo_networks, demo_practices, synthesise

DEMO_SEED = 11


@pytest.fixture(scope="session")
def demo_tables() -> dict[str, pa.Table]:
    """The 50,000-patient demo network, generated once."""
    return synthesise(demo_practices(), demo_networks(), seed=DEMO_SEED)
