"""``carenet import csv | nhs-registered | nhs-appointments`` from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from csv_import_helpers import SAMPLE, edit
from typer.testing import CliRunner

from carenet.cli.app import app, main

runner = CliRunner()


def test_csv_import_prints_rows_per_table(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "csv", str(SAMPLE), "--out", str(tmp_path / "ds")])
    assert result.exit_code == 0, result.output
    for table, rows in (("patients", "40"), ("appointments", "176"), ("conditions", "97"), ("panels", "41")):
        assert any(table in line and rows in line for line in result.output.splitlines())


def test_nhs_commands(nhs: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "ds")
    listing = nhs / "gp-reg-pat-prac-all_2021-01.csv"
    imd = nhs / "fingertips_93553_imd2019_by_gp_practice.csv"
    result = runner.invoke(app, ["import", "nhs-registered", str(listing), "--imd", str(imd), "--out", out])
    assert result.exit_code == 0 and "6,658" in result.output
    result = runner.invoke(app, ["import", "nhs-appointments",
                                 str(nhs / "appointments_in_gp_regional_Dorset_2019-03_to_2021-08.csv"),
                                 "--out", out])
    assert result.exit_code == 0 and "5,638" in result.output


def test_bad_extract_exits_non_zero_with_located_problems(extract: Path, tmp_path: Path, monkeypatch,
                                                           capsys) -> None:
    edit(extract / "appointments.csv", 5, patient_id="PT9999")
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setattr(sys, "argv", ["carenet", "import", "csv", str(extract), "--out", str(tmp_path / "ds")])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "nothing was written" in err and "line 5: patient_id: 'PT9999' is not in registrations" in err
    assert "Traceback" not in err
    assert not (tmp_path / "ds").exists()


def test_imported_sample_is_scored(tmp_path: Path) -> None:
    from carenet.cli.commands_score import scorecard_config
    from carenet.measures import load, scorecard
    from carenet.schema import open_dataset

    result = runner.invoke(app, ["import", "csv", str(SAMPLE), "--out", str(tmp_path / "ds")])
    assert result.exit_code == 0, result.output
    card = scorecard(load(open_dataset(tmp_path / "ds")), scorecard_config(None, None))
    assert card.value("population", "registered_patients") == 38
    # appointments.csv: 10 missed (DNA, Did Not Attend) against 132 attended (Seen, Attended, Finished)
    assert card.value("access", "dna_rate") == pytest.approx(10 / 142)
    # 25 patients with two or more attended GP contacts (role from the appointment, else clinicians.csv): 20 see
    # one GP only (UPC 1), the others 0.5, 0.5, 2/3, 0.8 and 5/6
    assert card.value("continuity", "patients_eligible") == 25
    assert card.value("continuity", "upc") == pytest.approx(0.932)
