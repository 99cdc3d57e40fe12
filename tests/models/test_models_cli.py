"""``carenet models list | show | check``."""

from __future__ import annotations

import subprocess
import sys

import yaml
from typer.testing import CliRunner

from carenet.cli.app import app
from carenet.models import library_path, list_models

runner = CliRunner()


def test_list_prints_every_library_model():
    result = runner.invoke(app, ["models", "list"])
    assert result.exit_code == 0
    for name in list_models():
        assert name in result.output


def test_show_prints_mechanisms_and_sources():
    result = runner.invoke(app, ["models", "show", "health_care_home"])
    assert result.exit_code == 0
    for text in ("Health Care Home", "Workforce", "Mechanisms", "bundled", "pre-check", "Greenwich"):
        assert text in result.output


def test_check_accepts_a_library_file_and_rejects_a_wrong_parameter_value(tmp_path):
    ok = runner.invoke(app, ["models", "check", str(library_path("traditional"))])
    assert ok.exit_code == 0 and "is valid" in ok.output
    data = yaml.safe_load(library_path("traditional").read_text())
    data["workforce"]["roles"][0]["fte_per_10k"] = 5.0
    path = tmp_path / "drifted.yaml"
    path.write_text(yaml.safe_dump(data))
    bad = runner.invoke(app, ["models", "check", str(path)])
    assert bad.exit_code != 0
    assert "differs from parameters.yaml workforce.fte_per_10k_registered.1.per_10k = 4.43" in str(bad.exception)


def test_command_line_prints_the_error_without_a_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: Not A Slug\n")
    done = subprocess.run([sys.executable, "-c", "from carenet.cli import main; main()", "models", "check", str(path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "name: String should match pattern" in done.stderr and "title: is required but missing" in done.stderr


def test_show_prints_the_shared_rota_and_the_central_desk():
    result = runner.invoke(app, ["models", "show", "super_partnership"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for text in ("2 sites each", "one central desk for the network's practices", "Smith"):
        assert text in result.output
