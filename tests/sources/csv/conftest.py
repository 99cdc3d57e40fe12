"""Fixtures for the CSV importers: the sample extract, copies to damage, and the real NHS files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from csv_import_helpers import SAMPLE


@pytest.fixture
def sample() -> Path:
    """The sample extract shipped in ``examples/extract``."""
    return SAMPLE


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    """A private copy of the sample extract that a test may edit."""
    folder = tmp_path / "extract"
    shutil.copytree(SAMPLE, folder)
    return folder


@pytest.fixture(scope="session")
def nhs(external: Path) -> Path:
    folder = external / "nhs-open-data"
    if not folder.is_dir():
        pytest.skip(f"NHS open data not found at {folder}")
    return folder
