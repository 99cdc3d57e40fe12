"""Shared fixtures: paths to the external real data beside the project."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXTERNAL = ROOT.parent / "shared" / "external"


@pytest.fixture(scope="session")
def external() -> Path:
    """``../shared/external``: real data nobody here wrote; tests skip if it is absent."""
    if not EXTERNAL.is_dir():
        pytest.skip(f"external data not found at {EXTERNAL}")
    return EXTERNAL
