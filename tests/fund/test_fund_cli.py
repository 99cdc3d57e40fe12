"""The fund commands: England to CSV and Excel, a user's practices file, and bad input."""

import csv

import openpyxl
from typer.testing import CliRunner

from carenet.cli.app import app
from carenet.schema.errors import CarenetError

runner = CliRunner()
WIDE = {"COLUMNS": "200"}


def test_capitation_for_england_writes_one_row_per_practice(tmp_path, external):
    out = tmp_path / "capitation.csv"
    result = runner.invoke(app, ["fund", "capitation", "--practices", "england", "--nhs-data",
                                 str(external / "nhs-open-data"), "--out", str(out)], env=WIDE)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 6139
    for column in ("practice_code", "registered", "weighted", "age_sex_index", "morbidity_index",
                   "deprivation_index", "list_turnover_index", "income_gbp"):
        assert column in rows[0]
    assert abs(sum(float(r["weighted"]) for r in rows) - sum(int(r["registered"]) for r in rows)) < 5
    assert "not built from open data" in result.output


def test_equity_writes_a_workbook_with_deciles_and_practices(tmp_path, external):
    out = tmp_path / "equity.xlsx"
    result = runner.invoke(app, ["fund", "equity", "--nhs-data", str(external / "nhs-open-data"), "--out", str(out)],
                           env=WIDE)
    assert result.exit_code == 0, result.output
    assert "16.2% less funding per need-adjusted patient" in result.output
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["equity", "cream_skimming"]
    assert book["equity"].max_row == 11


def test_a_users_practices_file(tmp_path):
    practices = tmp_path / "practices.csv"
    practices.write_text("practice_id,name,list_size,imd_score\nP1,One,1000,10\nP2,Two,3000,40\n")
    result = runner.invoke(app, ["fund", "capitation", "--practices", str(practices), "--year", "2024/25",
                                 "--out", str(tmp_path / "c.csv")], env=WIDE)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "c.csv").open()))
    assert [float(r["age_sex_index"]) for r in rows] == [1.0, 1.0]
    assert float(rows[1]["deprivation_index"]) > float(rows[0]["deprivation_index"])
    assert "age-sex structure and morbidity are not in a practices file" in result.output
    assert "normalised against England" in result.output  # weighed against the national means


def test_a_practices_file_without_list_sizes_is_refused(tmp_path):
    practices = tmp_path / "practices.csv"
    practices.write_text("practice_id,name\nP1,One\n")
    result = runner.invoke(app, ["fund", "capitation", "--practices", str(practices)], env=WIDE)
    assert isinstance(result.exception, CarenetError)
    assert "practices.csv line 1: missing column(s) list_size" in str(result.exception)


def test_a_year_without_a_price_is_refused(tmp_path):
    result = runner.invoke(app, ["fund", "capitation", "--year", "2030/31"], env=WIDE)
    assert isinstance(result.exception, CarenetError)
    assert "2030/31" in str(result.exception)
    assert "funding.global_sum_per_weighted_patient_gbp" in str(result.exception)


def test_out_must_be_csv_or_excel(tmp_path):
    practices = tmp_path / "practices.csv"
    practices.write_text("practice_id,name,list_size\nP1,One,1000\n")
    result = runner.invoke(app, ["fund", "capitation", "--practices", str(practices), "--out",
                                 str(tmp_path / "c.json")], env=WIDE)
    assert isinstance(result.exception, CarenetError) and "write a .csv file" in str(result.exception)
    assert not (tmp_path / "c.json").exists()


def test_at_80_columns_no_number_is_split_over_lines(tmp_path):
    practices = tmp_path / "practices.csv"
    practices.write_text("practice_id,name,list_size,imd_score\nP1,One,12345,10\nP2,Two,23456,40\n")
    result = runner.invoke(app, ["fund", "capitation", "--practices", str(practices), "--year", "2024/25",
                                 "--out", str(tmp_path / "c.csv")], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    for row in csv.DictReader((tmp_path / "c.csv").open()):
        shown = [line for line in lines if line.startswith(f"│ {row['practice_code']} ")]
        assert len(shown) == 1, result.output  # one line per practice, nothing wrapped
        assert f"{float(row['weighted']):,.0f}" in shown[0] and f"{float(row['income_gbp']):,.0f}" in shown[0]
