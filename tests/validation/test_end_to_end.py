"""One real ``carenet validate``: a small demo network simulated, validated, the table printed and both files written.

It does not assert that today's twin passes the tolerances (it does not yet); only that every figure is
computed and judged.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from carenet.cli.app import app
from carenet.validation import VALIDATION_HTML, VALIDATION_JSON


def test_validate_simulates_a_small_demo_and_writes_the_page(dorset: Path, tmp_path: Path) -> None:
    out = tmp_path / "validate"
    result = CliRunner().invoke(app, ["validate", "--population", "demo", "--demo-patients", "2000", "--days", "30",
                                      "--seed", "3", "--appointments", str(dorset), "--out", str(out)],
                                terminal_width=160)
    assert result.exit_code in (0, 1), result.output
    assert "Simulated against published" in result.output
    record = json.loads((out / VALIDATION_JSON).read_text())
    assert record["facts"]["model"] == "traditional" and "warm-up excluded" in record["facts"]["measured"]
    figures = {(f["measure"], f["group"]): f for f in record["figures"]}
    for key in [("booking_interval", "same_day"), ("staff_share", "gp"), ("dna_rate", ""), ("mode_share", "telephone"),
                ("consultation_rate", "45-64"), ("upc", "all")]:
        assert figures[key]["simulated"] is not None and figures[key]["status"] in ("ok", "OUTSIDE"), key
    # Unmet demand comes from the requests' outcomes where the twin records them, else from a 28-day horizon that
    # ten measured days cannot close: either a figure, or n/a with the reason - never a silent 0.
    unmet = figures[("unmet_demand", "")]
    assert unmet["simulated"] is not None or (unmet["status"] == "n/a" and "horizon" in unmet["note"])
    assert (result.exit_code == 1) == (record["counts"]["OUTSIDE"] > 0)
    page = (out / VALIDATION_HTML).read_text()
    assert page.count('<figure class="chart"') >= 4 and "<script" not in page
    assert (out / "rep-000" / "manifest.json").is_file()
