"""The sample practice extract of examples/extract, imported as a new user would."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from carenet.cli.app import app

EXTRACT = Path(__file__).resolve().parents[2] / "examples" / "extract"


@pytest.fixture()
def imported_extract(tmp_path: Path) -> Path:
    """``carenet import csv examples/extract/*.csv --out <tmp>/practice``: a dataset with no reference date."""
    out = tmp_path / "practice"
    done = CliRunner().invoke(app, ["import", "csv", *map(str, sorted(EXTRACT.glob("*.csv"))), "--out", str(out)])
    assert done.exit_code == 0, done.output
    return out
