import shutil

import pytest
from typer.testing import CliRunner

from carenet.cli.app import app
from carenet.schema import open_dataset
from carenet.schema.errors import CarenetError

runner = CliRunner()


def test_demo_prints_its_profile_and_writes_the_dataset(tmp_path):
    out = tmp_path / "demo"
    result = runner.invoke(app, ["population", "demo", "--out", str(out)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    for heading in ("Practices", "Riverside Medical Centre", "Age on 2025-03-31", "85+", "HYP Hypertension",
                    "eFI category, age 65+", "Workforce", "practice_nurse"):
        assert heading in result.output
    ds = open_dataset(out)
    assert ds.manifest.counts["patients"] == 50_000 and ds.manifest.seed is not None


def test_synth_from_csv_then_check_passes(tmp_path):
    csv = tmp_path / "practices.csv"
    csv.write_text("practice_id,name,list_size,imd_score,network_id\n"
                   "B1,North,24000,12,N9\nB2,South,26000,33,N9\n")
    out = tmp_path / "ds"
    result = runner.invoke(app, ["population", "synth", "--practices", str(csv), "--seed", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "50,000 patients in 2 practices" in result.output
    assert open_dataset(out).manifest.seed == 3
    checked = runner.invoke(app, ["population", "check", str(out)], env={"COLUMNS": "160"})
    assert checked.exit_code == 0, checked.output
    assert "all figures within tolerance" in checked.output
    assert "houseofcommonslibrary" in checked.output and "Valabhji" in checked.output


def test_check_fails_with_exit_code_one_when_a_figure_is_off(tmp_path):
    out = tmp_path / "ds"
    assert runner.invoke(app, ["population", "synth", "--seed", "1", "--out", str(out), "--patients", "3000"]
                         ).exit_code == 0
    (out / "conditions.parquet").unlink()
    manifest = open_dataset(out).manifest
    assert "conditions" in manifest.counts
    result = runner.invoke(app, ["population", "check", str(out)], env={"COLUMNS": "160"})
    assert result.exit_code == 1
    assert "FAIL" in result.output and "outside tolerance" in result.output


def test_bad_practices_csv_names_the_line(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("practice_id,name,list_size\nC1,Ok,10\nC2,Bad,-5\n")
    result = runner.invoke(app, ["population", "synth", "--practices", str(csv), "--seed", "1", "--out",
                                 str(tmp_path / "x")])
    assert result.exit_code != 0
    assert isinstance(result.exception, CarenetError)
    assert f"{csv} line 3: list_size -5 is outside" in str(result.exception)
    assert not (tmp_path / "x").exists()


def test_unknown_practices_choice_is_explained(tmp_path):
    result = runner.invoke(app, ["population", "synth", "--practices", "wales", "--seed", "1", "--out",
                                 str(tmp_path / "x")])
    assert isinstance(result.exception, CarenetError)
    assert "demo, england or a practices CSV" in str(result.exception)


def test_england_practices_of_one_ccg(tmp_path, external):
    data = external / "nhs-open-data"
    out = tmp_path / "eng"
    result = runner.invoke(app, ["population", "synth", "--practices", "england", "--ccg", "00L", "--seed", "2",
                                 "--out", str(out), "--nhs-data", str(data), "--patients", "20000",
                                 "--batch-patients", "8000"])
    assert result.exit_code == 0, result.output
    ds = open_dataset(out)
    practices = ds.table("practices")
    assert practices.num_rows > 10 and practices["imd_score"].null_count < practices.num_rows
    assert ds.manifest.counts["patients"] == 20_000
    assert (out / "patients").is_dir()


def test_england_without_the_data_folder_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["population", "synth", "--practices", "england", "--seed", "1", "--out",
                                 str(tmp_path / "x"), "--nhs-data", str(tmp_path)])
    assert isinstance(result.exception, CarenetError)
    assert "gp-reg-pat-prac-all_2021-01.csv not found" in str(result.exception)


@pytest.fixture(autouse=True)
def _no_leftovers(tmp_path):
    yield
    shutil.rmtree(tmp_path, ignore_errors=True)
