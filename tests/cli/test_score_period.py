"""`carenet score` on an extract shorter than a year scores the data's own period and says so."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from carenet.cli.app import app

runner = CliRunner()


def test_a_short_extract_is_scored_over_its_own_period_and_the_output_says_which(imported_extract: Path) -> None:
    dataset = imported_extract
    done = runner.invoke(app, ["score", str(dataset), "--format", "json"])
    assert done.exit_code == 0, done.output
    card = json.loads(done.stdout[done.stdout.index("{"):])
    assert card["period"] == {"start": "2024-01-08", "end": "2024-03-19", "days": 72}
    assert "the data's own period" in card["details"]["period.basis"]
    shown = runner.invoke(app, ["score", str(dataset)], env={"COLUMNS": "200"})
    assert "the data's own period, 72 days" in shown.output


def test_period_days_still_chooses_the_period(imported_extract: Path) -> None:
    dataset = imported_extract
    done = runner.invoke(app, ["score", str(dataset), "--format", "json", "--period-days", "365"])
    card = json.loads(done.stdout[done.stdout.index("{"):])
    assert card["period"]["days"] == 365 and "period.basis" not in card["details"]
