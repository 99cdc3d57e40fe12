"""Size: the importer is vectorised, so a large extract imports in seconds.

The million-row timing is a benchmark, ``python bench/bench_csv_import.py`` (docs/performance.md).
"""

from __future__ import annotations

from pathlib import Path

from csv_import_helpers import write_large_extract

from carenet.sources.extract import import_extract


def test_medium_extract(tmp_path: Path) -> None:
    write_large_extract(tmp_path / "extract", appointments=50_000, patients=10_000, seed=3)
    result = import_extract([tmp_path / "extract"], tmp_path / "ds")
    assert result.read["appointments"] == 50_000 and result.read["patients"] == 10_000
    assert result.read["panels"] == 10_000 and result.read["practices"] == 30
