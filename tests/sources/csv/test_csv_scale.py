"""Size: the importer is vectorised, so a large extract imports in seconds."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from csv_import_helpers import write_large_extract

from carenet.sources.extract import import_extract


def test_medium_extract(tmp_path: Path) -> None:
    write_large_extract(tmp_path / "extract", appointments=50_000, patients=10_000, seed=3)
    result = import_extract([tmp_path / "extract"], tmp_path / "ds")
    assert result.read["appointments"] == 50_000 and result.read["patients"] == 10_000
    assert result.read["panels"] == 10_000 and result.read["practices"] == 30


@pytest.mark.slow
def test_million_row_extract_imports_in_seconds(tmp_path: Path) -> None:
    write_large_extract(tmp_path / "extract", appointments=1_000_000, patients=200_000, seed=1)
    started = time.perf_counter()
    result = import_extract([tmp_path / "extract"], tmp_path / "ds")
    seconds = time.perf_counter() - started
    print(f"\n1,000,000 appointments + 200,000 registrations imported in {seconds:.1f} s")
    assert result.manifest.counts["appointments"] == 1_000_000
    assert seconds < 60
