"""Fixtures for the CSV importers: the sample extract, copies to damage, and the real NHS files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from csv_import_helpers import SAMPLE

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave this folder's ``slow`` tests out unless they are asked for with ``-m slow``."""
    if "slow" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow")
    for item in items:
        if "slow" in item.keywords and HERE in Path(str(item.fspath)).parents:
            item.add_marker(skip)


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
