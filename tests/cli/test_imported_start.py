"""`simulate` on an imported dataset (which records no reference date) starts after the last day its data covers, or on
the day --start gives."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from carenet.cli.app import app

runner = CliRunner()


def test_simulate_on_an_imported_extract_with_and_without_start(imported_extract: Path, tmp_path: Path) -> None:
    dataset = imported_extract
    for start, expected in ((None, "2024-03-28"), ("2024-06-03", "2024-06-03")):
        out = tmp_path / f"run-{start}"
        argv = ["simulate", "traditional", "--population", str(dataset), "--days", "21", "--workers", "0",
                "--out", str(out), *(["--start", start] if start else [])]
        done = runner.invoke(app, argv)
        assert done.exit_code == 0, done.output
        record = json.loads((out / "experiment.json").read_text())
        assert record["start"] == expected
        assert ("--start" in record["command"]) == (start is not None)


def test_a_bad_start_is_refused_with_the_option_named(tmp_path: Path) -> None:
    done = runner.invoke(app, ["simulate", "traditional", "--start", "1 April", "--out", str(tmp_path / "x")])
    assert done.exit_code == 1
    assert "--start must be a date like 2024-03-31 (YYYY-MM-DD), got '1 April'" in str(done.exception)
