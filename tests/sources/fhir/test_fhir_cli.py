"""``carenet import fhir`` and ``carenet export fhir``: summaries, exit codes, problems without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fhir_samples import sample_bundle, write_json
from typer.testing import CliRunner

from carenet.cli.app import app

runner = CliRunner()


def test_import_then_export_then_import(tmp_path: Path) -> None:
    source = write_json(tmp_path / "sample.json", sample_bundle())
    result = runner.invoke(app, ["import", "fhir", str(source), "--out", str(tmp_path / "ds")])
    assert result.exit_code == 0, result.output
    assert "appointments" in result.output and "Observation (not read by carenet)" in result.output
    result = runner.invoke(app, ["export", "fhir", str(tmp_path / "ds"), "--out", str(tmp_path / "fhir")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fhir" / "Patient.ndjson").read_text().count("\n") == 2
    result = runner.invoke(app, ["import", "fhir", str(tmp_path / "fhir"), "--out", str(tmp_path / "again")])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "again" / "manifest.json").read_text())
    assert manifest["counts"]["appointments"] == 3


def test_bad_input_exits_non_zero_with_each_problem(tmp_path: Path) -> None:
    bundle = sample_bundle()
    bundle["entry"][5]["resource"]["birthDate"] = "1950-13-01"
    bundle["entry"].append({"resource": {"resourceType": "Widget", "id": "w"}})
    source = write_json(tmp_path / "bad.json", bundle)
    done = subprocess.run([sys.executable, "-c", "from carenet.cli import main; main()", "import", "fhir",
                           str(source), "--out", str(tmp_path / "ds")], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "1000"})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "import failed with 2 problem(s); nothing was written" in done.stderr
    assert "entry 5 (Patient/pat1): invalid Patient: birthDate" in done.stderr
    assert "resourceType 'Widget' is not a FHIR R4 resource type" in done.stderr
    assert not (tmp_path / "ds").exists()
